package ocr

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"testing"
)

func TestBenchmarkEngine(t *testing.T) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1654, 2339))); err != nil {
		t.Fatal(err)
	}
	p, err := BenchmarkEngine{}.Recognize(context.Background(), buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if p.Width != 1654 || p.Height != 2339 || p.Text != benchmarkText || len(p.Words) == 0 {
		t.Fatalf("page = %dx%d %q, %d words", p.Width, p.Height, p.Text, len(p.Words))
	}
	for _, w := range p.Words {
		if !w.Box.In(image.Rect(0, 0, p.Width, p.Height)) {
			t.Errorf("word %q box %v outside the page", w.Text, w.Box)
		}
	}
	if _, err := (BenchmarkEngine{}).Recognize(context.Background(), []byte("not an image")); err == nil {
		t.Error("garbage accepted")
	}
}
