package ocr

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"strings"
)

// BenchmarkEngine is not OCR. It answers at once with a fixed page of text
// laid out over the image, so that benchmarks and fault tests can push
// hundreds of thousands of pages through everything but recognition
// (storage, queue, catalog, assembly, signing). It is chosen only by
// SOHOA_OCR_ENGINE=benchmark and never by default; the server logs a
// warning when it runs.
type BenchmarkEngine struct{}

// benchmarkText is what every page "reads".
const benchmarkText = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nTRANG CHUẨN ĐO HIỆU NĂNG (benchmark page)"

// Recognize checks that img is an image (its header only) and returns
// benchmarkText with word boxes spread over the page.
func (BenchmarkEngine) Recognize(ctx context.Context, img []byte) (*Page, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(img))
	if err != nil {
		return nil, fmt.Errorf("ocr (benchmark): ảnh không đọc được / cannot decode image: %w", err)
	}
	p := &Page{Width: cfg.Width, Height: cfg.Height, Text: benchmarkText, MeanConf: 100}
	lineH := max(cfg.Height/40, 1)
	for li, line := range strings.Split(benchmarkText, "\n") {
		words := strings.Fields(line)
		wordW := max(cfg.Width/(2*max(len(words), 1)), 1)
		y := lineH * (2 + 2*li)
		for wi, w := range words {
			x := cfg.Width/4 + wi*wordW
			p.Words = append(p.Words, Word{Text: w, Box: image.Rect(x, y, x+wordW*9/10, y+lineH), Conf: 100,
				Block: 1, Par: 1, Line: li + 1})
		}
	}
	return p, nil
}
