// Command bench measures sohoa's OCR against the plain Tesseract command
// and OCRmyPDF on one corpus, in one run; see bench/README.md.
//
//	go run ./bench [-mode compare|accuracy|memory|real] [-pages N] [-born 4] [-dir DIR] [-chart FILE.png] [-match NAME]
//	go run ./bench -mode real [-docs 30] [-seed 1] [-cache DIR] [-pdfs DIR]
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/sohoa-vn/sohoa/ocr"
)

func main() {
	// OMP_THREAD_LIMIT must be in the environment when the process starts
	// (libgomp reads it once); this re-executes the command with it set.
	if err := ocr.EnsureThreadLimit(); err != nil {
		log.Fatal(err)
	}
	mode := flag.String("mode", "compare", "compare: throughput and CER of (a) tesseract CLI, (b) OCRmyPDF, (c) sohoa OCR stage and pipeline; "+
		"accuracy: preprocessing steps and post-correction on degraded scans; memory: RSS over a long batch; "+
		"real: tesseract CLI, OCRmyPDF and sohoa (CER, speed, metadata) on documents rendered by LibreOffice and scanned with ImageMagick")
	n := flag.Int("pages", 0, "synthetic pages (compare: default 12), degraded pages (accuracy: default 30), pages recognised (memory: default 1000)")
	born := flag.Int("born", 4, "born-digital PDFs, each rasterised at 200 dpi bilevel and 300 dpi grey (compare)")
	dir := flag.String("dir", "", "work directory (default: a temporary one, removed after)")
	match := flag.String("match", "", "accuracy: run only the configurations whose name contains this")
	chart := flag.String("chart", "", "PNG bar chart written by compare and accuracy (default: sohoa-bench-MODE.png in the temporary directory)")
	docs := flag.Int("docs", 30, "real: documents in the real-rendering corpus")
	seed := flag.Int64("seed", 1, "real: the corpus's seed")
	cache := flag.String("cache", "", "real: where the corpus is built and kept (default: the user cache directory, sohoa/bench)")
	pdfs := flag.String("pdfs", "", "real: also rasterise the born-digital PDFs in this folder and score each page against its own text")
	noOMP := flag.Bool("no-ocrmypdf", false, "real: leave OCRmyPDF out")
	held := flag.Bool("held-out", false, "real: score the held-out documents' metadata too (once, when the work on it is done)")
	metaOnly := flag.Bool("metadata-only", false, "real: only sohoa's metadata, on its recognition of the pages cached by an earlier run")
	flag.Parse()
	if *cache == "" {
		c, err := os.UserCacheDir()
		if err != nil {
			c = os.TempDir()
		}
		*cache = filepath.Join(c, "sohoa", "bench")
	}
	if *dir == "" {
		d, err := os.MkdirTemp("", "sohoa-bench-")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(d)
		*dir = d
	}
	if *chart == "" {
		*chart = filepath.Join(os.TempDir(), "sohoa-bench-"+*mode+".png")
	}
	ctx := context.Background()
	var err error
	switch *mode {
	case "compare":
		err = compare(ctx, *dir, or(*n, 12), *born, *chart)
	case "accuracy":
		err = accuracy(ctx, *dir, or(*n, 30), *chart, *match)
	case "memory":
		err = memory(ctx, *dir, or(*n, 1000))
	case "real":
		err = realMode(ctx, realOptions{dir: *dir, cache: *cache, seed: *seed, docs: *docs, pdfs: *pdfs, noOCRmyPDF: *noOMP, metadataOnly: *metaOnly, heldOut: *held})
	default:
		err = fmt.Errorf("unknown -mode %q", *mode)
	}
	if err != nil {
		log.Fatal(err)
	}
}

func or(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

// result is one row of a report.
type result struct {
	name    string
	elapsed time.Duration
	pages   int
	cer     float64
}

func (r result) ppm() float64 { return float64(r.pages) / r.elapsed.Minutes() }

func printResults(rs []result) {
	fmt.Printf("\n%-58s %10s %8s %8s\n", "run", "pages/min", "CER", "seconds")
	for _, r := range rs {
		fmt.Printf("%-58s %10.1f %7.2f%% %8.1f\n", r.name, r.ppm(), 100*r.cer, r.elapsed.Seconds())
	}
}

// compare runs (a) the tesseract command, (b) OCRmyPDF, (c) sohoa's OCR
// stage and whole pipeline on the same pages.
func compare(ctx context.Context, dir string, nSyn, nBorn int, chart string) error {
	cdir := filepath.Join(dir, "corpus")
	if err := os.MkdirAll(cdir, 0o755); err != nil {
		return err
	}
	pages, err := syntheticPages(cdir, nSyn)
	if err != nil {
		return err
	}
	bd, err := bornDigital(cdir, nBorn)
	if err != nil {
		return err
	}
	pages = append(pages, bd...)
	cores := runtime.NumCPU()
	fmt.Printf("corpus: %d pages (%d synthetic, %d born-digital) in %s; %d cores\n", len(pages), nSyn, len(bd), cdir, cores)

	var rs []result
	t, cer, err := tesseractCLI(ctx, pages, filepath.Join(dir, "cli"), cores)
	if err != nil {
		return err
	}
	rs = append(rs, result{fmt.Sprintf("(a) tesseract CLI, OMP_THREAD_LIMIT=1, %d processes", cores), t, len(pages), cer})
	cli := rs[0]

	t, cer, err = ocrmypdf(ctx, pages, filepath.Join(dir, "ocrmypdf"), cores)
	if err != nil {
		return err
	}
	rs = append(rs, result{fmt.Sprintf("(b) OCRmyPDF --jobs %d (PDF/A out)", cores), t, len(pages), cer})
	omp := rs[1]

	pool, err := ocr.NewPool(ocr.Config{Workers: cores})
	if err != nil {
		return err
	}
	t, res, err := ocrStage(ctx, pool, cores, pages)
	pool.Close()
	if err != nil {
		return err
	}
	rs = append(rs, result{fmt.Sprintf("(c) sohoa OCR stage, ocr.Pool, %d workers", cores), t, len(pages), meanCER(pages, pageTexts(res))})
	stage := rs[2]

	pool, err = ocr.NewPool(ocr.Config{Workers: cores, Preprocess: ocr.DefaultPreprocess()})
	if err != nil {
		return err
	}
	t, res, err = ocrStage(ctx, pool, cores, pages)
	pool.Close()
	if err != nil {
		return err
	}
	rs = append(rs, result{"(c) sohoa OCR stage + DefaultPreprocess", t, len(pages), meanCER(pages, pageTexts(res))})

	t, cer, err = pipeline(ctx, pages, dir)
	if err != nil {
		return err
	}
	rs = append(rs, result{"(c) sohoa pipeline, embedded (OCR+assemble+sign)", t, len(pages), cer})
	pipe := rs[len(rs)-1]

	printResults(rs)
	fmt.Printf("\nOCR stage / tesseract CLI: %.2f (target ≥ 0.90)\n", stage.ppm()/cli.ppm())
	fmt.Printf("pipeline / OCRmyPDF:       %.2f (target ≥ 1.60)\n", pipe.ppm()/omp.ppm())
	if err := barChart(chart, "sohoa vs tesseract CLI vs OCRmyPDF", rs); err != nil {
		return err
	}
	fmt.Printf("chart: %s\n", chart)
	return nil
}
