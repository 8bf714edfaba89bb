package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/sohoa-vn/sohoa/internal/procstat"
	"github.com/sohoa-vn/sohoa/ocr"
)

// memory recognises n pages (the synthetic pages over and over, from
// memory) with one Pool and prints the process's resident memory and Go
// heap every 100 pages: a worker's memory must stay flat.
func memory(ctx context.Context, dir string, n int) error {
	cdir := filepath.Join(dir, "corpus")
	if err := os.MkdirAll(cdir, 0o755); err != nil {
		return err
	}
	pages, err := syntheticPages(cdir, 10)
	if err != nil {
		return err
	}
	cores := runtime.NumCPU()
	pool, err := ocr.NewPool(ocr.Config{Workers: cores, Preprocess: ocr.DefaultPreprocess()})
	if err != nil {
		return err
	}
	defer pool.Close()
	fmt.Printf("%6s %10s %10s %10s\n", "pages", "RSS MiB", "heap MiB", "seconds")
	start := time.Now()
	report := func(done int) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		fmt.Printf("%6d %10.1f %10.1f %10.1f\n", done, procstat.RSSMiB(os.Getpid()), float64(ms.HeapAlloc)/(1<<20), time.Since(start).Seconds())
	}
	report(0)
	for done := 0; done < n; done += 100 {
		batch := make([]page, 0, 100)
		for i := range min(100, n-done) {
			batch = append(batch, pages[(done+i)%len(pages)])
		}
		if _, _, err := ocrStage(ctx, pool, cores, batch); err != nil {
			return err
		}
		runtime.GC()
		report(done + len(batch))
	}
	return nil
}
