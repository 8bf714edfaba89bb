package hotfolder

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/sohoa-vn/sohoa/ingest"
	"github.com/sohoa-vn/sohoa/ingest/ingesttest"
)

func TestNotDocument(t *testing.T) {
	for _, tc := range []struct {
		name string
		skip bool
	}{
		{"Thumbs.db", true}, {"thumbs.db", true}, {"desktop.ini", true}, {".DS_Store", true},
		{".hidden.pdf", true}, {"cong-van.truth.txt", true}, {"manifest.json", true}, {"index.XML", true},
		{"lo.csv", true}, {"scan.pdf.part", true}, {"~$scan.tif", true},
		{"scan_0001.tif", false}, {"HS-0007.pdf", false}, {"page_10.JPG", false}, {"notes.png", false},
	} {
		vi, en := NotDocument(tc.name)
		if (vi != "") != tc.skip || (vi == "") != (en == "") {
			t.Errorf("NotDocument(%q) = %q, %q; want skipped %v", tc.name, vi, en, tc.skip)
		}
	}
}

// A document folder's pages come in natural order, sidecars and hidden
// files left out, and bundle into one PDF of those pages in that order.
func TestDocumentPagesAndBundle(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "HS-0007")
	var want [][]byte
	for i, n := range []string{"page_1.jpg", "page_2.jpg", "page_10.jpg"} {
		b := ingesttest.JPEG(300+10*i, 400)
		want = append(want, b)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []string{"Thumbs.db", ".DS_Store", "index.xml", "page_3.jpg.part"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pages, err := DocumentPages(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range pages {
		names = append(names, filepath.Base(p))
	}
	if got := filepath.Join(names...); got != filepath.Join("page_1.jpg", "page_2.jpg", "page_10.jpg") {
		t.Fatalf("pages %v, want page_1, page_2, page_10", names)
	}
	var pdf bytes.Buffer
	n, err := BundleFolder(context.Background(), dir, pages, ingest.Limits{}, t.TempDir(), &pdf)
	if err != nil || n != 3 {
		t.Fatalf("BundleFolder = %d, %v", n, err)
	}
	i := 0
	err = ingest.Split(context.Background(), bytes.NewReader(pdf.Bytes()), int64(pdf.Len()), "HS-0007.pdf", ingest.Limits{}, func(p ingest.Page) error {
		if !bytes.Equal(p.Data, want[i]) {
			same := -1
			for j, w := range want {
				if bytes.Equal(p.Data, w) {
					same = j
				}
			}
			t.Errorf("page %d of the bundle is not %s (%s, %dx%d, %d bytes, the same as source %d)",
				i+1, names[i], p.Format, p.Width, p.Height, len(p.Data), same)
		}
		i++
		return nil
	})
	if err != nil || i != 3 {
		t.Fatalf("split the bundle: %d pages, %v", i, err)
	}
	k1, err := FolderKey(dir, pages)
	if err != nil {
		t.Fatal(err)
	}
	if k2, _ := FolderKey(dir, []string{pages[1], pages[0], pages[2]}); k2 == k1 {
		t.Error("FolderKey does not depend on the page order")
	}
	// A page that is not an image: the folder is refused with the page's reason.
	if err := os.WriteFile(filepath.Join(dir, "page_11.jpg"), []byte("not a JPEG"), 0o644); err != nil {
		t.Fatal(err)
	}
	pages, _ = DocumentPages(dir, nil)
	_, err = BundleFolder(context.Background(), dir, pages, ingest.Limits{}, t.TempDir(), &bytes.Buffer{})
	if ie := (*ingest.InputError)(nil); !errors.As(err, &ie) {
		t.Errorf("bundle with a bad page: %v, want an *ingest.InputError", err)
	}
}
