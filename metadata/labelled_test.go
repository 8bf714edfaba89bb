package metadata_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/sohoa-vn/sohoa/metadata/metadatatest"
	"github.com/sohoa-vn/sohoa/ocr"
	"github.com/sohoa-vn/sohoa/scanners/synthetic/labelled"
)

func TestMain(m *testing.M) {
	// Tesseract must start single-threaded (see package ocr).
	if err := ocr.EnsureThreadLimit(); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

// TestLabelledAccuracy renders 12 labelled documents (every font, size,
// mode, with and without the motto, skewed up to ±2°, no or light dust),
// OCRs them with Tesseract and requires the targets of issue 4 on the
// fields extracted from the layout. The larger run is go run ./metadata/eval.
func TestLabelledAccuracy(t *testing.T) {
	pool, err := ocr.NewPool(ocr.Config{Workers: 2})
	if err != nil {
		t.Fatalf("%v (install tesseract-ocr and tesseract-ocr-vie)", err)
	}
	defer pool.Close()
	docs := labelled.GenerateWith(3, 12, labelled.Options{NoiseLevels: []float64{0, 0.0002}})
	r, err := metadatatest.Run(context.Background(), pool, docs, 2)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	r.Print(&b)
	t.Log("\n" + b.String())
	// The targets are 95% on all four fields (metadatatest.Targets,
	// enforced by go run ./metadata/eval). The issuing body reaches them
	// because metadatatest.Run reads uncertain ones again from the
	// header's region (metadata.FromPagesReread): on this set Tesseract
	// reads "NGHỆ AN SỞ NỘI VỤ" in DejaVu Serif with light dust as
	// "NGHEAIU" on the whole page, right on the region alone.
	floors := map[string]float64{"number_symbol": 0.95, "date": 0.95, "type": 0.95, "issuer": 0.95}
	if f := r.Below(floors); len(f) > 0 {
		t.Errorf("below the floors reached so far: %v", f)
	}
	if f := r.Failed(); len(f) > 0 {
		t.Logf("issue 4's targets still missed: %v", f)
	}
	// The second reading is for uncertain pages only: not every one.
	if r.Rereads >= r.Docs {
		t.Errorf("issuing body read again on all %d documents", r.Docs)
	}
	if r.ConfRight <= r.ConfWrong && len(r.Misses) > 0 {
		t.Errorf("confidence of right values %.2f not above that of wrong ones %.2f", r.ConfRight, r.ConfWrong)
	}
}
