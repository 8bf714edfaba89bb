package synthetic

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/unicode/norm"
)

func TestDocuments(t *testing.T) {
	docs := Documents(1)
	if len(docs) < 4 {
		t.Fatalf("got %d documents, want at least 4", len(docs))
	}
	types := map[string]bool{}
	var buf sfnt.Buffer
	for _, d := range docs {
		types[d.Meta.Type] = true
		if n := len(d.Pages); n < 1 || n > 3 {
			t.Errorf("%s: %d pages, want 1 to 3", d.Name, n)
		}
		all := TruthText(d)
		if !norm.NFC.IsNormalString(all) {
			t.Errorf("%s: ground truth is not NFC", d.Name)
		}
		for _, bold := range []bool{false, true} {
			for _, r := range all {
				if gi, err := fontFor(bold).GlyphIndex(&buf, r); r > ' ' && (err != nil || gi == 0) {
					t.Errorf("%s: font has no glyph for %q", d.Name, r)
				}
			}
		}
		first := d.Pages[0].Text
		for _, want := range []string{"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Số: " + d.Meta.Number, d.Meta.Place + ", ngày "} {
			if !strings.Contains(first, want) {
				t.Errorf("%s: page 1 lacks %q", d.Name, want)
			}
		}
		last := d.Pages[len(d.Pages)-1].Text
		for _, want := range []string{"Nơi nhận:", d.Meta.Signer, strings.ToUpper(d.Meta.SignerTitle)} {
			if !strings.Contains(last, want) {
				t.Errorf("%s: last page lacks %q", d.Name, want)
			}
		}
		for i, p := range d.Pages[1:] {
			if got, want := strings.SplitN(p.Text, "\n", 2)[0], string(rune('2'+i)); got != want {
				t.Errorf("%s page %d: first line %q, want page number %q", d.Name, i+2, got, want)
			}
		}
	}
	if len(types) != len(docs) {
		t.Errorf("document types %v are not all different", types)
	}
	if !reflect.DeepEqual(Documents(1), docs) {
		t.Error("Documents(1) differs between calls")
	}
	if reflect.DeepEqual(Documents(2), docs) {
		t.Error("Documents(2) equals Documents(1): the seed is not used")
	}
}

func TestDateLine(t *testing.T) {
	for _, tc := range []struct{ iso, want string }{
		{"2026-06-05", "Hà Nội, ngày 05 tháng 6 năm 2026"},
		{"2026-02-14", "Hà Nội, ngày 14 tháng 02 năm 2026"},
		{"2026-11-30", "Hà Nội, ngày 30 tháng 11 năm 2026"},
	} {
		d, _ := time.Parse("2006-01-02", tc.iso)
		if got := dateLine("Hà Nội", d); got != tc.want {
			t.Errorf("dateLine(%s) = %q, want %q", tc.iso, got, tc.want)
		}
	}
}

func TestRender(t *testing.T) {
	d := Documents(3)[0]
	for _, tc := range []struct {
		mode Mode
		w, h int
	}{{Bilevel200, 1654, 2339}, {Grey300, 2480, 3508}} {
		a, b := Render(d, 0, tc.mode), Render(d, 0, tc.mode)
		if got := a.Bounds().Size(); got != image.Pt(tc.w, tc.h) {
			t.Errorf("%v: size %v, want %dx%d", tc.mode, got, tc.w, tc.h)
		}
		var pa, pb []byte
		switch img := a.(type) {
		case *image.Paletted:
			if tc.mode != Bilevel200 || len(img.Palette) != 2 {
				t.Errorf("%v: got a %d-colour paletted image", tc.mode, len(img.Palette))
			}
			pa, pb = img.Pix, b.(*image.Paletted).Pix
		case *image.Gray:
			if tc.mode != Grey300 {
				t.Errorf("%v: got a grey image", tc.mode)
			}
			pa, pb = img.Pix, b.(*image.Gray).Pix
		}
		if !bytes.Equal(pa, pb) {
			t.Errorf("%v: two renders differ", tc.mode)
		}
		ink := 0
		for _, v := range pa {
			if v == 0 {
				ink++
			}
		}
		if frac := float64(ink) / float64(len(pa)); frac < 0.01 || frac > 0.2 {
			t.Errorf("%v: %.3f of pixels are black, not a page of text", tc.mode, frac)
		}
	}
}

func TestWriteSamples(t *testing.T) {
	dir1, dir2 := t.TempDir(), t.TempDir()
	samples, err := WriteSamples(dir1, 42)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WriteSamples(dir2, 42); err != nil {
		t.Fatal(err)
	}
	files, _ := os.ReadDir(dir1)
	if len(files) != 2*len(samples)+1 {
		t.Errorf("%d files written, want %d", len(files), 2*len(samples)+1)
	}
	for _, f := range files {
		a, _ := os.ReadFile(filepath.Join(dir1, f.Name()))
		b, _ := os.ReadFile(filepath.Join(dir2, f.Name()))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs with the same seed", f.Name())
		}
	}
	var manifest []Sample
	mb, _ := os.ReadFile(filepath.Join(dir1, "manifest.json"))
	if err := json.Unmarshal(mb, &manifest); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	if len(manifest) != 4 {
		t.Fatalf("manifest lists %d samples, want 4", len(manifest))
	}
	want := map[string]struct {
		pages, dpi int
	}{".tif": {2, 200}, ".png": {1, 200}, ".jpg": {1, 300}, ".pdf": {2, 300}}
	for i, s := range manifest {
		w, ok := want[filepath.Ext(s.File)]
		if !ok || s.Pages != w.pages || s.DPI != w.dpi {
			t.Errorf("%s: %d pages at %d dpi, want %v", s.File, s.Pages, s.DPI, w)
		}
		truth, _ := os.ReadFile(filepath.Join(dir1, s.Truth))
		if got := strings.Count(string(truth), "\f") + 1; got != s.Pages {
			t.Errorf("%s: %d pages of truth, want %d", s.Truth, got, s.Pages)
		}
		if string(truth) != TruthText(samples[i].Doc) {
			t.Errorf("%s does not match the returned document", s.Truth)
		}
	}
	// Check each file with tools the project did not write.
	run := func(name string, args ...string) string {
		out, err := exec.Command(name, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s %v: %v\n%s (needs Debian packages qpdf, poppler-utils, libtiff-tools)", name, args, err, out)
		}
		return string(out)
	}
	pdf := filepath.Join(dir1, "thong-bao.pdf")
	run("qpdf", "--check", pdf)
	if out := run("pdfimages", "-list", pdf); strings.Count(out, "2480  3508  gray    1   8  jpeg") != 2 || strings.Count(out, "300   300") != 2 {
		t.Errorf("pdfimages -list: want two 2480x3508 grey JPEGs at 300 ppi, got\n%s", out)
	}
	if out := run("tiffinfo", filepath.Join(dir1, "quyet-dinh.tif")); strings.Count(out, "Resolution: 200, 200 pixels/inch") != 2 || strings.Count(out, "Bits/Sample: 1") != 2 || strings.Count(out, "min-is-white") != 2 {
		t.Errorf("tiffinfo: want two 1-bit 200 dpi pages, got\n%s", out)
	}
	pb, _ := os.ReadFile(filepath.Join(dir1, "giay-chung-nhan.png"))
	if pb[24] != 1 { // IHDR bit depth
		t.Errorf("PNG bit depth %d, want 1", pb[24])
	}
	if i := bytes.Index(pb, []byte("pHYs")); i < 0 || binary.BigEndian.Uint32(pb[i+4:]) != 7874 || pb[i+12] != 1 {
		t.Error("PNG has no pHYs chunk of 7874 dots per metre (200 dpi)")
	}
	if _, err := png.Decode(bytes.NewReader(pb)); err != nil {
		t.Errorf("PNG with pHYs does not decode: %v", err)
	}
	jb, _ := os.ReadFile(filepath.Join(dir1, "cong-van.jpg"))
	if !bytes.Equal(jb[6:11], []byte("JFIF\x00")) || jb[13] != 1 || binary.BigEndian.Uint16(jb[14:]) != 300 {
		t.Error("JPEG has no JFIF density of 300 dpi")
	}
}

// TestOCR checks with tesseract that what is drawn reads back as the
// ground truth, in the same order.
func TestOCR(t *testing.T) {
	if _, err := exec.LookPath("tesseract"); err != nil {
		t.Fatal("tesseract not found: install the Debian packages tesseract-ocr and tesseract-ocr-vie")
	}
	docs := Documents(5)
	for _, tc := range []struct {
		doc, page int
		mode      Mode
	}{{0, 0, Grey300}, {2, 0, Grey300}, {4, 1, Bilevel200}} {
		d := docs[tc.doc]
		var buf bytes.Buffer
		if err := png.Encode(&buf, Render(d, tc.page, tc.mode)); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("tesseract", "stdin", "stdout", "-l", "vie", "--psm", "3")
		cmd.Stdin = &buf
		cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("tesseract: %v (install tesseract-ocr-vie)", err)
		}
		truth := d.Pages[tc.page].Text
		cer := CER(truth, string(out))
		t.Logf("%s page %d %v: CER %.4f", d.Name, tc.page+1, tc.mode, cer)
		if cer > 0.03 {
			t.Errorf("%s page %d %v: CER %.3f > 0.03\ntruth:\n%s\nOCR:\n%s", d.Name, tc.page+1, tc.mode, cer, truth, out)
		}
		// A shuffled truth must score much worse: the order is checked too.
		lines := strings.Split(truth, "\n")
		for i, j := 0, len(lines)-1; i < j; i, j = i+1, j-1 {
			lines[i], lines[j] = lines[j], lines[i]
		}
		if rev := CER(strings.Join(lines, "\n"), string(out)); rev < 5*cer || rev < 0.1 {
			t.Errorf("reversed truth scores CER %.3f, not much worse than %.3f", rev, cer)
		}
	}
}

func TestCER(t *testing.T) {
	for _, tc := range []struct {
		truth, ocr string
		want       float64
	}{
		{"abc", "abc", 0},
		{"a  b\nc", "a b c\n", 0},
		{"abcd", "abxd", 0.25},
		{"ngày", "ngay", 0.25},
		{"ab", "", 1},
	} {
		if got := CER(tc.truth, tc.ocr); got != tc.want {
			t.Errorf("CER(%q, %q) = %v, want %v", tc.truth, tc.ocr, got, tc.want)
		}
	}
}
