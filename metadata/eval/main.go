// Command eval measures metadata extraction on generated labelled
// documents: it renders n documents of varied fonts, sizes, skew, noise,
// resolution and motto (scanners/synthetic/labelled), OCRs them with
// Tesseract, runs metadata.FromPages and prints the exact-match rate of
// every field. It exits with status 1 when a target of issue 4 (≥ 95% on
// number/symbol, date, issuing body and type) is missed.
//
//	OMP_THREAD_LIMIT=1 go run ./metadata/eval -n 120 -seed 7
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/sohoa-vn/sohoa/metadata/metadatatest"
	"github.com/sohoa-vn/sohoa/ocr"
	"github.com/sohoa-vn/sohoa/scanners/synthetic/labelled"
)

func main() {
	if err := ocr.EnsureThreadLimit(); err != nil {
		slog.Warn("eval", "err", err)
	}
	n := flag.Int("n", 120, "number of documents")
	seed := flag.Int64("seed", 7, "generator seed")
	workers := flag.Int("workers", runtime.NumCPU(), "Tesseract engines")
	save := flag.String("save", "", "write the OCR results to this JSON file")
	noise := flag.String("noise", "", "comma-separated dust levels to draw from (default labelled.NoiseLevels: 0,0.0002,0.0005)")
	load := flag.String("load", "", "score the OCR results of this JSON file (written by -save with the same -n and -seed) instead of running OCR")
	flag.Parse()
	var opts labelled.Options
	for _, f := range strings.Split(*noise, ",") {
		if f = strings.TrimSpace(f); f != "" {
			v, err := strconv.ParseFloat(f, 64)
			if err != nil {
				fail(fmt.Errorf("-noise: %w", err))
			}
			opts.NoiseLevels = append(opts.NoiseLevels, v)
		}
	}
	docs := labelled.GenerateWith(*seed, *n, opts)
	if *load != "" {
		b, err := os.ReadFile(*load)
		if err != nil {
			fail(err)
		}
		var pages []*ocr.Page
		if err := json.Unmarshal(b, &pages); err != nil || len(pages) != len(docs) {
			fail(fmt.Errorf("%s: not the OCR of %d documents (%v)", *load, len(docs), err))
		}
		report(metadatatest.Score(docs, metadatatest.Extract(pages)))
		return
	}

	pool, err := ocr.NewPool(ocr.Config{Workers: *workers})
	if err != nil {
		fail(err)
	}
	defer pool.Close()
	start := time.Now()
	pages, err := metadatatest.Recognize(context.Background(), pool, docs, *workers)
	if err != nil {
		fail(err)
	}
	fmt.Printf("OCR of %d pages: %.1f s\n", len(pages), time.Since(start).Seconds())
	if *save != "" {
		b, err := json.Marshal(pages)
		if err != nil {
			fail(err)
		}
		if err := os.WriteFile(*save, b, 0o644); err != nil {
			fail(err)
		}
	}
	report(metadatatest.Score(docs, metadatatest.Extract(pages)))
}

func report(r metadatatest.Report) {
	r.Print(os.Stdout)
	if f := r.Failed(); len(f) > 0 {
		fmt.Println("targets missed:", f)
		os.Exit(1)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "eval:", err)
	os.Exit(2)
}
