// Command eval measures metadata extraction on generated labelled
// documents: it renders n documents of varied fonts, sizes, skew, noise,
// resolution and motto (scanners/synthetic/labelled), OCRs them with
// Tesseract, runs metadata.FromPagesReread (uncertain issuing bodies,
// types, numbers and dates read again from their regions; -reread=false
// for metadata.FromPages) and prints the exact-match rate of every field and
// what the second readings cost. It exits with status 1
// when a target of issue 4 (≥ 95% on number/symbol, date, issuing body
// and type) is missed.
//
//	OMP_THREAD_LIMIT=1 go run ./metadata/eval -n 120 -seed 7
//
// -save keeps the OCR of the pages and -load scores it again without the
// full-page OCR (the rereads still run Tesseract on header regions).
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
	reread := flag.Bool("reread", true, "read uncertain fields again from their regions (metadata.FromPagesReread)")
	prep := flag.Bool("preprocess", false, "preprocess pages as the pipeline does (ocr.DefaultPreprocess: deskew, …)")
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
	ctx := context.Background()
	cfg := ocr.Config{Workers: *workers}
	if *prep {
		cfg.Preprocess = ocr.DefaultPreprocess()
	}
	pool, err := ocr.NewPool(cfg)
	if err != nil {
		fail(err)
	}
	defer pool.Close()

	var pages []*ocr.Page
	if *load != "" {
		b, err := os.ReadFile(*load)
		if err != nil {
			fail(err)
		}
		if err := json.Unmarshal(b, &pages); err != nil || len(pages) != len(docs) {
			fail(fmt.Errorf("%s: not the OCR of %d documents (%v)", *load, len(docs), err))
		}
	} else {
		start := time.Now()
		if pages, err = metadatatest.Recognize(ctx, pool, docs, *workers); err != nil {
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
	}
	rp := pool
	if !*reread {
		rp = nil
	}
	start := time.Now()
	got, rs, err := metadatatest.Extract(ctx, rp, docs, pages, *workers)
	if err != nil {
		fail(err)
	}
	fmt.Printf("metadata of %d pages: %.1f s\n", len(pages), time.Since(start).Seconds())
	r := metadatatest.Score(docs, got)
	r.Rereads, r.Regions, r.RereadTime = rs.Docs, rs.Regions, rs.Time
	r.Print(os.Stdout)
	if f := r.Failed(); len(f) > 0 {
		fmt.Println("targets missed:", f)
		pool.Close()
		os.Exit(1)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "eval:", err)
	os.Exit(2)
}
