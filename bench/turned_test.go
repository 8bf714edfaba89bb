package main

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sohoa-vn/sohoa/internal/officetest"
	"github.com/sohoa-vn/sohoa/metadata"
	"github.com/sohoa-vn/sohoa/ocr"
)

// TestTurnedDocumentMetadata: a real-rendering document (LibreOffice,
// pdftoppm, ImageMagick's scan damage, a seal over the signer) scanned
// sideways — every page turned 90° by ImageMagick's convert — gives the
// same metadata as the same pages upright, region re-readings included:
// preprocessing turns the pages upright, and the layout and the
// re-readings work in the turned frame.
func TestTurnedDocumentMetadata(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "corpus")
	c, err := realCorpusBuild(ctx, dir, 1, 1) // document 0: a decision of 2-3 pages, 200 dpi bilevel
	if err != nil {
		t.Fatal(err)
	}
	pages, err := c.pages(dir)
	if err != nil {
		t.Fatal(err)
	}
	pool, err := ocr.NewPool(ocr.Config{Workers: 1, Preprocess: ocr.DefaultPreprocess()})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var regions [2][]ocr.Region // the re-readings' regions, upright and sideways
	read := func(imgs [][]byte, regs *[]ocr.Region) (metadata.Metadata, []*ocr.Page) {
		res := make([]*ocr.Page, len(imgs))
		for i, b := range imgs {
			if res[i], err = pool.Recognize(ctx, b); err != nil {
				t.Fatal(err)
			}
		}
		decoded := ocr.NewImages(func(i int) ([]byte, error) { return imgs[i], nil })
		defer decoded.Close()
		m, err := metadata.FromPagesReread(ctx, res, func(ctx context.Context, i int, r ocr.Region) (*ocr.Page, error) {
			im, err := decoded.Get(i)
			if err != nil {
				return nil, err
			}
			p, err := pool.RecognizeImageRegion(ctx, im, r)
			if err == nil {
				t.Logf("reread page %d %v turned %d°: %q", i+1, r.Rect, r.Rotation, p.Text)
			}
			*regs = append(*regs, r)
			return p, err
		})
		if err != nil {
			t.Fatal(err)
		}
		return m, res
	}
	var upright, sideways [][]byte
	for _, p := range pages {
		upright = append(upright, p.data)
		sideways = append(sideways, officetest.Turn(t, p.data, 90, true))
	}
	if len(upright) < 2 {
		t.Fatalf("document 0 has %d pages, want a multi-page one", len(upright))
	}
	want, ures := read(upright, &regions[0])
	got, res := read(sideways, &regions[1])
	for i := range res {
		t.Logf("page %d: upright %+v, sideways %+v, same text %v", i+1, ures[i].Preprocess, res[i].Preprocess, ures[i].Text == res[i].Text)
	}
	for i, p := range res {
		if p.Preprocess.Rotation != 270 {
			t.Fatalf("sideways page %d: turned %d°, want 270°", i+1, p.Preprocess.Rotation)
		}
	}
	// Preprocessing measures the skew of the turned page a little
	// differently (-1.47° for -1.5°), so Tesseract's readings differ in
	// a letter here and there: the words under the stamp and the seal
	// (the summary's first word, the signer's titles) are not compared.
	d := c.Docs[0]
	for _, f := range metaFields {
		w, g := fieldOf(want, f).String(), fieldOf(got, f).String()
		t.Logf("%s: upright %q, sideways %q, truth %q", f, w, g, truthOf(d, f))
		if f == "summary" || f == "signer_title" {
			continue
		}
		if w != g {
			t.Errorf("%s: sideways %q, upright %q", f, g, w)
		}
		if g == "" {
			t.Errorf("%s not read on the sideways pages", f)
		}
	}
	// The re-readings are made on the sideways pages too, of the same
	// rectangles of the page as it reads.
	if len(regions[1]) == 0 {
		t.Fatal("no region read again on the sideways pages")
	}
	for _, r := range regions[1] {
		if r.Rotation != 270 {
			t.Errorf("region %v read turned %d°, want 270°", r.Rect, r.Rotation)
		}
	}
	// A region is cut around the words the first reading found, so its
	// edges move with that reading (a stray mark read before the
	// summary's first word widens it by 30 px): the same place is a
	// rectangle overlapping the other by 80% of their union.
	near := func(a, b ocr.Region) bool {
		in := a.Rect.Intersect(b.Rect)
		u := a.Rect.Union(b.Rect)
		return !in.Empty() && 5*in.Dx()*in.Dy() >= 4*u.Dx()*u.Dy()
	}
	for _, u := range regions[0] {
		if !slices.ContainsFunc(regions[1], func(s ocr.Region) bool { return near(u, s) }) {
			t.Logf("upright region %v not read on the sideways pages (their first reading differed)", u.Rect)
		}
	}
	matched := 0
	for _, s := range regions[1] {
		if slices.ContainsFunc(regions[0], func(u ocr.Region) bool { return near(u, s) }) {
			matched++
		}
	}
	if matched == 0 {
		t.Errorf("no region read on the sideways pages is one read on the upright pages: %v vs %v", regions[1], regions[0])
	}
}
