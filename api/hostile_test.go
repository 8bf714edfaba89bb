package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sohoa-vn/sohoa/ingest"
	"github.com/sohoa-vn/sohoa/ingest/ingesttest"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// hostileMaxBytes is the upload limit of the hostile test's server: small,
// so that an oversize upload is cheap to send.
const hostileMaxBytes = 4 << 20

// The hostile corpus of issue 8 uploaded into one batch: each file is
// recorded as a failed document whose error is that file's own, bilingual;
// a repaired PDF and a file named to climb out of the store are taken, the
// name never used as a path; an upload over the byte limit is refused;
// and afterwards the server still answers and takes a good file.
func TestHostileUploads(t *testing.T) {
	lim := ingest.DefaultLimits()
	lim.MaxBytes = hostileMaxBytes
	ts, db, _, token, dir := newLimitedServer(t, lim)
	ctx := context.Background()
	c := &Client{BaseURL: ts.URL, Token: token}
	b, err := c.CreateBatch(ctx, "lô tệp độc hại")
	if err != nil {
		t.Fatal(err)
	}

	corpus := ingesttest.Corpus(t, 10000)
	for _, hc := range corpus {
		t.Run(hc.Name, func(t *testing.T) {
			if int64(len(hc.Data)) > lim.MaxBytes {
				t.Fatalf("corpus file of %d bytes is over the server's limit", len(hc.Data))
			}
			up, err := c.Upload(ctx, b.ID, hc.Name, bytes.NewReader(hc.Data))
			if err != nil {
				t.Fatal(err)
			}
			d := up.Document
			if !up.Created || d.Status != string(catalog.DocFailed) || d.SourceName != hc.Name {
				t.Fatalf("upload = created %v, status %s, name %q; want a new failed document %q", up.Created, d.Status, d.SourceName, hc.Name)
			}
			for _, want := range []string{hc.Name, hc.VI, hc.EN} {
				if !strings.Contains(d.Error, want) {
					t.Errorf("document error %q lacks %q", d.Error, want)
				}
			}
			seq := max(hc.Page, 1)
			if len(d.Pages) != 1 || d.Pages[0].Seq != seq || d.Pages[0].Status != string(catalog.PageFailed) || !strings.Contains(d.Pages[0].Error, hc.EN) {
				t.Errorf("pages = %+v, want one failed page %d with %q", d.Pages, seq, hc.EN)
			}
		})
	}

	// A PDF whose cross-reference table is broken is repaired, and taken.
	up, err := c.Upload(ctx, b.ID, "broken-xref.pdf", bytes.NewReader(ingesttest.BrokenXref()))
	if err != nil {
		t.Fatal(err)
	}
	if d := up.Document; d.Status == string(catalog.DocFailed) || d.PageCount != 3 || len(d.Pages) != 3 {
		t.Errorf("repaired PDF = status %s, %d pages (%s); want 3 pages taken", d.Status, d.PageCount, d.Error)
	}

	// A name that climbs out of the store is cleaned; what is stored is
	// keyed by the page's hash, never by the name.
	const climb = "../../../../sohoa-hostile-escape/evil.jpg"
	up, err = c.Upload(ctx, b.ID, climb, bytes.NewReader(ingesttest.JPEG(200, 120)))
	if err != nil {
		t.Fatal(err)
	}
	if d := up.Document; d.SourceName != "sohoa-hostile-escape/evil.jpg" || d.Status == string(catalog.DocFailed) {
		t.Errorf("upload named %q = name %q status %s (%s)", climb, d.SourceName, d.Status, d.Error)
	}
	pages, err := db.Pages(ctx, up.Document.ID)
	if err != nil || len(pages) != 1 {
		t.Fatalf("pages of the climbing upload: %v, %v", pages, err)
	}
	if k := pages[0].BlobKey; !strings.HasPrefix(k, "pages/") || strings.Contains(k, "..") || strings.Contains(k, "evil") {
		t.Errorf("page stored under %q", k)
	}
	for _, p := range []string{filepath.Join(dir, "blobs", climb), filepath.Join(dir, climb), filepath.Join(os.TempDir(), "sohoa-hostile-escape")} {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s exists (%v): the name was used as a path", p, err)
		}
	}
	filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if strings.Contains(e.Name(), "evil") || strings.Contains(e.Name(), "sohoa-hostile") {
			t.Errorf("%s: the uploaded name became a file name", p)
		}
		return nil
	})

	// One byte over the limit, and a body far over it: refused as too
	// large without reading the rest. The API has no body limit of its
	// own, so there is no 413: the ingester reads MaxBytes+1 bytes and
	// records a failed document saying why, and the server closes the
	// connection after answering rather than read the rest.
	for i, size := range []int{hostileMaxBytes + 1, 4 * hostileMaxBytes} {
		// Different heads: the document's ID hashes what was read.
		body := append(ingesttest.JPEG(100+i, 100), make([]byte, size)...)[:size]
		up, err := c.Upload(ctx, b.ID, fmt.Sprintf("oversize-%d.jpg", size), bytes.NewReader(body))
		if err != nil {
			t.Fatalf("oversize upload of %d bytes: %v", size, err)
		}
		if d := up.Document; d.Status != string(catalog.DocFailed) || !strings.Contains(d.Error, "file too large (limit 4 MiB)") || !strings.Contains(d.Error, "tệp quá lớn") {
			t.Errorf("oversize upload of %d bytes = status %s, error %q", size, d.Status, d.Error)
		}
	}

	// The server still serves.
	resp, err := http.Get(ts.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	health, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(health) != "ok\n" {
		t.Errorf("healthz after the hostile uploads = %d %q", resp.StatusCode, health)
	}
	up, err = c.Upload(ctx, b.ID, "cong-van.png", bytes.NewReader(ingesttest.PNG(240, 320)))
	if err != nil {
		t.Fatal(err)
	}
	if d := up.Document; !up.Created || d.Status == string(catalog.DocFailed) || len(d.Pages) != 1 || d.Pages[0].Width != 240 {
		t.Errorf("good upload after the hostile ones = %+v", up)
	}
	rep, err := c.Report(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Document{}
	for _, d := range rep.Documents {
		byName[d.SourceName] = d
	}
	for _, hc := range corpus {
		if d, ok := byName[hc.Name]; !ok || d.Status != string(catalog.DocFailed) || !strings.Contains(d.Error, hc.EN) {
			t.Errorf("report entry of %s = %q %q, want failed with %q", hc.Name, d.Status, d.Error, hc.EN)
		}
	}
	failed := len(corpus) + 2 // and the two oversize uploads
	if rep.Batch.Documents != failed+3 || rep.Batch.DocumentsFailed != failed || len(rep.Documents) != failed+3 {
		t.Errorf("report: %d documents, %d failed, %d listed; want %d, %d", rep.Batch.Documents, rep.Batch.DocumentsFailed, len(rep.Documents), failed+3, failed)
	}
}
