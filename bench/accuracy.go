package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/sohoa-vn/sohoa/ocr"
)

// accuracy recognises degraded scans with each preprocessing step alone,
// all of them, and with Vietnamese post-correction, and prints time and
// CER for each.
func accuracy(ctx context.Context, dir string, n int, chart, match string) error {
	cdir := filepath.Join(dir, "degraded")
	if err := os.MkdirAll(cdir, 0o755); err != nil {
		return err
	}
	pages, err := degradedPages(cdir, n)
	if err != nil {
		return err
	}
	cores := runtime.NumCPU()
	fmt.Printf("corpus: %d degraded pages in %s; %d cores\n", len(pages), cdir, cores)
	def := ocr.DefaultPreprocess()
	all := def
	all.Upsample = true
	configs := []struct {
		name string
		cfg  ocr.Config
	}{
		{"no preprocessing", ocr.Config{}},
		{"border", ocr.Config{Preprocess: ocr.Preprocess{Border: true}}},
		{"blank", ocr.Config{Preprocess: ocr.Preprocess{Blank: true}}},
		{"orientation", ocr.Config{Preprocess: ocr.Preprocess{Orientation: true}}},
		{"deskew", ocr.Config{Preprocess: ocr.Preprocess{Deskew: true}}},
		{"upsample bilevel <300 dpi", ocr.Config{Preprocess: ocr.Preprocess{Upsample: true}}},
		{"DefaultPreprocess", ocr.Config{Preprocess: def}},
		{"DefaultPreprocess + upsample", ocr.Config{Preprocess: all}},
	}
	configs = append(configs, correctionConfigs(def)...)
	if match != "" {
		kept := configs[:0]
		for _, c := range configs {
			if strings.Contains(c.name, match) {
				kept = append(kept, c)
			}
		}
		configs = kept
	}
	var rs []result
	perSet := map[string]map[string][2]float64{} // config → set → (sum CER, count)
	for _, c := range configs {
		c.cfg.Workers = cores
		pool, err := ocr.NewPool(c.cfg)
		if err != nil {
			return err
		}
		t, res, err := ocrStage(ctx, pool, cores, pages)
		pool.Close()
		if err != nil {
			return err
		}
		texts := pageTexts(res)
		rs = append(rs, result{c.name, t, len(pages), meanCER(pages, texts)})
		perSet[c.name] = map[string][2]float64{}
		for i, p := range pages {
			v := perSet[c.name][p.set]
			perSet[c.name][p.set] = [2]float64{v[0] + ocr.CER(p.truth, texts[i]), v[1] + 1}
		}
		fmt.Printf("%-40s %6.1f pages/min  CER %6.2f%%\n", c.name, rs[len(rs)-1].ppm(), 100*rs[len(rs)-1].cer)
	}
	printResults(rs)
	fmt.Printf("\nCER by degradation:\n%-40s", "")
	sets := []string{"blank"}
	for _, d := range degradations {
		sets = append(sets, d.name)
	}
	for _, s := range sets {
		fmt.Printf(" %10.10s", s)
	}
	fmt.Println()
	for _, c := range configs {
		fmt.Printf("%-40s", c.name)
		for _, s := range sets {
			v := perSet[c.name][s]
			fmt.Printf(" %9.2f%%", 100*v[0]/max(v[1], 1))
		}
		fmt.Println()
	}
	if err := barChart(chart, "preprocessing and post-correction", rs); err != nil {
		return err
	}
	fmt.Printf("chart: %s\n", chart)
	return nil
}
