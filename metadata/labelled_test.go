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
	// enforced by go run ./metadata/eval). This set misses the issuing body
	// once in 12 (91.7%): Tesseract reads "NGHỆ AN SỞ NỘI VỤ" in DejaVu Serif
	// with light dust as "NGHEAIU", which no text rule recovers. The test
	// guards what is reached so far, so that a regression fails here; the
	// gap to 95% stays open in issue 4.
	floors := map[string]float64{"number_symbol": 0.95, "date": 0.95, "type": 0.95, "issuer": 0.90}
	if f := r.Below(floors); len(f) > 0 {
		t.Errorf("below the floors reached so far: %v", f)
	}
	if f := r.Failed(); len(f) > 0 {
		t.Logf("issue 4's targets still missed: %v", f)
	}
	if r.ConfRight <= r.ConfWrong && len(r.Misses) > 0 {
		t.Errorf("confidence of right values %.2f not above that of wrong ones %.2f", r.ConfRight, r.ConfWrong)
	}
}
