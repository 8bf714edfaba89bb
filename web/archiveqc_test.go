package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"strings"
	"testing"

	"github.com/sohoa-vn/sohoa/ocr"
	"github.com/sohoa-vn/sohoa/scanners/synthetic"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// heldBatch adds to the fixture a batch "lo-qc" of docs documents of
// perDoc pages each, every page held for review: real page images
// (synthetic documents rendered at 200 dpi) recognised by Tesseract once
// per distinct image, the worst words dimmed so some fall under the
// highlight threshold, with the flags OCR raises.
func (a *archiveFixture) heldBatch(t *testing.T, docs, perDoc int) []string {
	t.Helper()
	ctx := context.Background()
	db := a.f.DB
	if _, err := db.EnsureBatch(ctx, "lo-qc", "Hộp 07: hồ sơ đất đai"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ClaimBatchOffice(ctx, "lo-qc", "ubnd-p1"); err != nil {
		t.Fatal(err)
	}
	pool, err := ocr.NewPool(ocr.Config{Workers: 1})
	if err != nil {
		t.Fatalf("OCR (Debian: tesseract-ocr tesseract-ocr-vie): %v", err)
	}
	defer pool.Close()
	// Two distinct images, recognised once each.
	type rendered struct {
		key, ocrKey string
		w, h        int
		conf        float64
	}
	var imgs []rendered
	for i, d := range synthetic.Documents(3)[:2] {
		img := synthetic.Render(d, 0, synthetic.Bilevel200)
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		key := fmt.Sprintf("pages/qc-%d.png", i)
		if _, err := a.f.Store.Put(ctx, key, bytes.NewReader(buf.Bytes()), int64(buf.Len())); err != nil {
			t.Fatal(err)
		}
		pg, err := pool.Recognize(ctx, buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		for j := range pg.Words {
			if j%7 == 3 {
				pg.Words[j].Conf = 31 // as a smudged word reads
			}
		}
		b, _ := json.Marshal(pg)
		ok := fmt.Sprintf("ocr/qc-%d.json", i)
		if _, err := a.f.Store.Put(ctx, ok, bytes.NewReader(b), int64(len(b))); err != nil {
			t.Fatal(err)
		}
		imgs = append(imgs, rendered{key, ok, img.Bounds().Dx(), img.Bounds().Dy(), pg.MeanConf})
	}
	var ids []string
	for i := range docs {
		id := fmt.Sprintf("qc-doc-%02d", i)
		var pages []catalog.Page
		for n := range perDoc {
			im := imgs[(i+n)%len(imgs)]
			pages = append(pages, catalog.Page{ID: fmt.Sprintf("%s-p%02d", id, n+1), Seq: n + 1, BlobKey: im.key,
				SHA256: strings.Repeat("5", 64), Format: "png", Width: im.w, Height: im.h, DPI: 200})
		}
		if _, err := db.CreateDocument(ctx, catalog.Document{ID: id, BatchID: "lo-qc", SourceName: fmt.Sprintf("ho-so-dat-%02d.tif", i),
			SourceSHA256: strings.Repeat(fmt.Sprint(i%10), 64)}, pages); err != nil {
			t.Fatal(err)
		}
		for n, p := range pages {
			im := imgs[(i+n)%len(imgs)]
			flags := []string{catalog.QCLowConfidence}
			if n == 0 && i%2 == 1 {
				flags = []string{catalog.QCSkewed}
			}
			if _, err := db.RecordOCR(ctx, p.ID, catalog.OCRResult{TextLen: 900, Confidence: im.conf, OCRKey: im.ocrKey, QC: flags, Hold: true}); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, p.ID)
		}
	}
	return ids
}
