package main

import (
	"context"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sohoa-vn/sohoa/metadata"
	"github.com/sohoa-vn/sohoa/ocr"
)

func TestMain(m *testing.M) {
	// Tesseract must start single-threaded (see package ocr).
	if err := ocr.EnsureThreadLimit(); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

func fold(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestRealCorpus builds a two-document corpus with the real tools
// (LibreOffice, pdftoppm, ImageMagick), checks that the rendering is the
// source (every field and paragraph in the PDF's text, the signer on the
// last page only), that the scans are what they claim, and that the
// harness's scoring tells a right reading from a wrong one on the
// tesseract command's own output.
func TestRealCorpus(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	// Documents 0 (a decision of 2-3 pages, bilevel 200) and 1 (a notice, grey 300).
	c, err := realCorpusBuild(ctx, filepath.Join(dir, "corpus"), 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	pages, err := c.pages(filepath.Join(dir, "corpus"))
	if err != nil {
		t.Fatal(err)
	}
	multi := 0
	for _, d := range c.Docs {
		var texts []string
		for _, p := range pages {
			if p.doc == d.Index {
				texts = append(texts, fold(p.truth))
			}
		}
		if len(texts) == 0 {
			t.Fatalf("%s has no pages", d.Name)
		}
		all := strings.Join(texts, " ")
		for _, want := range []string{"Số: " + d.Number, d.Place + ", " + d.dateVN, d.Signer, d.Title, "Nơi nhận:", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"} {
			if !strings.Contains(all, want) {
				t.Errorf("%s: %q not in the rendered text", d.Name, want)
			}
		}
		// The summary and paragraphs wrap: compare their words in order.
		for _, b := range append([]block{{text: d.Summary}}, d.blocks...) {
			for _, w := range strings.Fields(b.text) {
				if !strings.Contains(all, w) {
					t.Errorf("%s: word %q of %q not rendered", d.Name, w, b.text)
					break
				}
			}
		}
		if len(texts) > 1 {
			multi++
			if strings.Contains(texts[0], d.Signer) {
				t.Errorf("%s: signer on page 1 of %d", d.Name, len(texts))
			}
			if !strings.Contains(texts[len(texts)-1], d.Signer) {
				t.Errorf("%s: signer not on the last page", d.Name)
			}
		}
	}
	if multi == 0 {
		t.Error("no multi-page document among the two")
	}
	for _, p := range pages {
		f, err := os.Open(p.file)
		if err != nil {
			t.Fatal(err)
		}
		cfg, format, err := image.DecodeConfig(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		wantW := map[int]int{200: 1654, 300: 2480}[p.dpi]
		if cfg.Width < wantW-3 || cfg.Width > wantW+3 {
			t.Errorf("%s: %d px wide, want A4 at %d dpi (%d)", p.name, cfg.Width, p.dpi, wantW)
		}
		if (p.set == "bilevel200") != (format == "png") {
			t.Errorf("%s: %s file for a %s scan", p.name, format, p.set)
		}
	}

	// The plain tesseract command on the scans: the scoring must find its
	// reading close to the truth, and a page's reading far from another
	// page's truth.
	plain := make([]page, len(pages))
	for i, p := range pages {
		plain[i] = p.page
	}
	_, texts, err := tesseractTexts(ctx, plain, filepath.Join(dir, "cli"), 2)
	if err != nil {
		t.Fatal(err)
	}
	all := func(realPage) bool { return true }
	// (The command loses whole lines on pages skewed 2° or more, so the
	// bound is loose; the comparison with another page's truth is not.)
	cer, n := groupCER(pages, texts, all)
	if n != len(pages) || cer > 0.35 {
		t.Errorf("tesseract CLI CER %.1f%% on %d pages, want < 35%%", 100*cer, n)
	}
	shifted := append(texts[1:], texts[0])
	if wrong, _ := groupCER(pages, shifted, all); wrong < 0.6 || wrong < 2*cer {
		t.Errorf("CER of each page's reading against another page's truth %.1f%% (against its own %.1f%%), want > 60%% and twice as much", 100*wrong, 100*cer)
	}
	var held, tuned int
	for _, p := range pages {
		if cerGroups[1].in(p) {
			held++
		}
		if cerGroups[0].in(p) {
			tuned++
		}
	}
	if held != 0 || tuned != len(pages) { // documents 0 and 1 are tuning documents
		t.Errorf("held out %d, tuning %d of %d pages; want 0 and all", held, tuned, len(pages))
	}
}

// TestInventedFields: a value the page does not print is counted as
// invented, a printed one is not.
func TestInventedFields(t *testing.T) {
	f := &metadata.Field{Value: "Chương I"}
	for _, c := range []struct {
		seq, n   int
		m        metadata.Metadata
		invented string
		absent   int
	}{
		{1, 3, metadata.Metadata{Signer: f, NumberSymbol: f}, "signer", 2},
		{2, 3, metadata.Metadata{Place: f}, "place", len(metaFields)},
		{3, 3, metadata.Metadata{Signer: f, Date: f}, "date", len(metaFields) - 2},
		{1, 1, metadata.Metadata{Signer: f, Date: f}, "", 0},
	} {
		absent, invented := inventedFields(c.seq, c.n, c.m)
		if len(absent) != c.absent || strings.Join(invented, ",") != c.invented {
			t.Errorf("page %d/%d: absent %v, invented %v; want %d absent, invented %q", c.seq, c.n, absent, invented, c.absent, c.invented)
		}
	}
	if !heldOut(2) || heldOut(3) || !heldOut(29) {
		t.Error("held-out documents are not those with index % 3 == 2")
	}
}
