package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/sohoa-vn/sohoa/assemble"
	"github.com/sohoa-vn/sohoa/ingest"
	"github.com/sohoa-vn/sohoa/internal/outfile"
	"github.com/sohoa-vn/sohoa/metadata"
	"github.com/sohoa-vn/sohoa/ocr"
	"github.com/sohoa-vn/sohoa/ocr/vncorrect"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"
)

// ocrResult is what "sohoa ocr --json" writes.
type ocrResult struct {
	Pages    []ocrPage         `json:"pages"`
	Text     string            `json:"text"`
	Metadata metadata.Metadata `json:"metadata"`
}

type ocrPage struct {
	Source     string  `json:"source"`
	Seq        int     `json:"seq"`
	DPI        int     `json:"dpi"`
	Text       string  `json:"text"`
	Words      int     `json:"words"`
	Confidence float64 `json:"confidence"`
	// Rotation (degrees clockwise) and Skew (degrees) are what set the
	// page upright and straight; the PDF shows it so. OrientationUnsure:
	// which way up it reads could not be told.
	Rotation          int     `json:"rotation,omitempty"`
	Skew              float64 `json:"skew,omitempty"`
	OrientationUnsure bool    `json:"orientation_unsure,omitempty"`
}

func ocrCmd() *cobra.Command {
	var out, jsonOut, tessdata string
	correctMarks := true
	var langs []string
	workers := runtime.NumCPU()
	cmd := &cobra.Command{
		Use:   "ocr IMAGE_OR_PDF... -o OUT.pdf [--json META.json]",
		Short: "Recognise scans offline into one searchable PDF (and text + metadata JSON)",
		Long: `Recognise page images (PNG, JPEG, TIFF, PDFs of page images) with Tesseract
and write them, in the order given, as one searchable PDF: each page image with
an invisible text layer. --json also writes the text, per-page confidence and
the document metadata found (number/symbol, date, type, issuer, signer).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return fmt.Errorf("-o OUT.pdf is required / cần -o OUT.pdf")
			}
			return runOCR(cmd.Context(), args, out, jsonOut, tessdata, langs, workers, correctMarks)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&out, "output", "o", "", "searchable PDF to write")
	f.StringVar(&jsonOut, "json", "", "also write text and metadata as JSON to this file")
	f.StringSliceVar(&langs, "lang", []string{"vie"}, "Tesseract languages")
	f.BoolVar(&correctMarks, "correct", correctMarks, "restore Vietnamese tone marks from neighbouring syllables (ocr/vncorrect)")
	f.StringVar(&tessdata, "tessdata", os.Getenv(ocr.TessdataEnv), "folder of *.traineddata ($SOHOA_TESSDATA; default sohoa's own, installed by scripts/tessdata.sh)")
	f.IntVar(&workers, "workers", workers, "pages recognised in parallel")
	return cmd
}

func runOCR(ctx context.Context, inputs []string, out, jsonOut, tessdata string, langs []string, workers int, correctMarks bool) error {
	type item struct {
		src  string
		page ingest.Page
		ocr  *ocr.Page
	}
	var items []*item
	for _, in := range inputs {
		f, err := os.Open(in)
		if err != nil {
			return err
		}
		st, err := f.Stat()
		if err == nil {
			err = ingest.Split(ctx, f, st.Size(), filepath.Base(in), ingest.DefaultLimits(), func(p ingest.Page) error {
				items = append(items, &item{src: in, page: p})
				return nil
			})
		}
		f.Close()
		if err != nil {
			return err
		}
	}
	cfg := ocr.Config{Languages: langs, Workers: workers, TessdataPrefix: tessdata, Preprocess: ocr.DefaultPreprocess()}
	if correctMarks {
		cfg.Corrector = vncorrect.Marks()
	}
	pool, err := ocr.NewPool(cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	start := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for _, it := range items {
		g.Go(func() error {
			p, err := pool.Recognize(gctx, it.page.Data)
			if err != nil {
				return fmt.Errorf("ocr %s page %d: %w", it.src, it.page.Seq, err)
			}
			it.ocr = p
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	elapsed := time.Since(start)

	f, err := outfile.Create(out)
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	err = assemble.Write(f, assemble.Info{Title: filepath.Base(inputs[0]), Created: time.Now()}, len(items), func(i int) (assemble.Page, error) {
		it := items[i]
		return assemble.Page{Image: it.page.Data, Format: it.page.Format, DPI: it.page.DPI, OCR: it.ocr}, nil
	})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	if err := outfile.Commit(tmp, out); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%d page(s) in %.1fs (%.1f pages/min) → %s\n", len(items), elapsed.Seconds(),
		float64(len(items))/elapsed.Minutes(), out)
	if jsonOut == "" {
		return nil
	}
	res := ocrResult{}
	var texts []string
	for _, it := range items {
		res.Pages = append(res.Pages, ocrPage{Source: it.src, Seq: it.page.Seq, DPI: it.page.DPI,
			Text: it.ocr.Text, Words: len(it.ocr.Words), Confidence: it.ocr.MeanConf,
			Rotation: it.ocr.Preprocess.Rotation, Skew: it.ocr.Preprocess.Skew, OrientationUnsure: it.ocr.Preprocess.OrientationUnsure})
		texts = append(texts, it.ocr.Text)
	}
	res.Text = strings.Join(texts, "\f")
	pages := make([]*ocr.Page, len(items))
	for i, it := range items {
		pages[i] = it.ocr
	}
	// Uncertain fields are read again from their regions alone, each
	// page's image decoded once for all of them.
	// Colour ink (the seal over the signer, a stamp) is dropped for them.
	imgs := ocr.NewImages(func(i int) ([]byte, error) {
		b, _ := metadata.DropColour(items[i].page.Data, items[i].page.DPI)
		return b, nil
	})
	res.Metadata, err = metadata.FromPagesReread(ctx, pages, func(ctx context.Context, i int, r ocr.Region) (*ocr.Page, error) {
		im, err := imgs.Get(i)
		if err != nil {
			return nil, err
		}
		return pool.RecognizeImageRegion(ctx, im, r)
	})
	imgs.Close()
	if err != nil {
		fmt.Fprintf(os.Stderr, "metadata: đọc lại vùng tiêu đề thất bại, giữ lần đọc đầu / re-reading the header failed, first reading kept: %v\n", err)
	}
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(jsonOut, append(b, '\n'), 0o644)
}
