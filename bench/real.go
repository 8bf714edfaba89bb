package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/sohoa-vn/sohoa/assemble"
	"github.com/sohoa-vn/sohoa/ingest"
	"github.com/sohoa-vn/sohoa/metadata"
	"github.com/sohoa-vn/sohoa/ocr"
)

// realOptions are -mode real's flags.
type realOptions struct {
	dir, cache string
	seed       int64
	docs       int
	pdfs       string // a folder of born-digital PDFs to add, scored against their own text
	noOCRmyPDF bool
	// metadataOnly skips the tesseract command and OCRmyPDF, and reuses
	// sohoa's recognition of each page from the cache when it is there
	// (for working on package metadata: the OCR is not timed then).
	metadataOnly bool
	// heldOut also scores the held-out documents' metadata: once, at the
	// end of the work on package metadata.
	heldOut bool
}

// realRun is one OCR run over the corpus: its time and each page's text.
type realRun struct {
	name    string
	elapsed time.Duration
	texts   []string
}

// realMode builds (or reuses) the real-rendering corpus and prints, in one
// run, the CER and speed of the tesseract command, OCRmyPDF and sohoa on
// it, and sohoa's metadata per field.
func realMode(ctx context.Context, o realOptions) error {
	cdir := filepath.Join(o.cache, fmt.Sprintf("real-%s-seed%d", realVersion, o.seed))
	start := time.Now()
	c, err := realCorpusBuild(ctx, cdir, o.seed, o.docs)
	if err != nil {
		return err
	}
	pages, err := c.pages(cdir)
	if err != nil {
		return err
	}
	fmt.Printf("corpus: %d documents, %d pages in %s (built or loaded in %.0fs); held out: documents with index %% 3 == 2\n",
		len(c.Docs), len(pages), cdir, time.Since(start).Seconds())
	if o.pdfs != "" {
		up, err := userPDFPages(ctx, o.pdfs, filepath.Join(o.dir, "user-pdfs"))
		if err != nil {
			return err
		}
		fmt.Printf("user PDFs: %d pages from %s (200 dpi bilevel; reference: their own text)\n", len(up), o.pdfs)
		pages = append(pages, up...)
	}
	runs, sohoaPages, err := realOCR(ctx, o, pages)
	if err != nil {
		return err
	}
	printRealCER(os.Stdout, pages, runs)
	reports, err := realMetadata(ctx, c, pages, sohoaPages, o.heldOut)
	if err != nil {
		return err
	}
	for _, r := range reports {
		r.print(os.Stdout)
	}
	return nil
}

// realOCR runs (a) the tesseract command, (b) OCRmyPDF and (c) sohoa
// (ocr.Pool with DefaultPreprocess, as sohoa ocr runs it, text layer
// written by assemble and read by pdftotext) on pages.
func realOCR(ctx context.Context, o realOptions, pages []realPage) ([]realRun, []*ocr.Page, error) {
	cores := runtime.NumCPU()
	plain := make([]page, len(pages))
	for i, p := range pages {
		plain[i] = p.page
	}
	if o.metadataOnly {
		return realCachedOCR(ctx, o, pages)
	}
	var runs []realRun
	t, texts, err := tesseractTexts(ctx, plain, filepath.Join(o.dir, "cli"), cores)
	if err != nil {
		return nil, nil, err
	}
	runs = append(runs, realRun{fmt.Sprintf("(a) tesseract PAGE out -l vie --dpi N, %d processes", cores), t, texts})
	if !o.noOCRmyPDF {
		t, texts, err = ocrmypdfTexts(ctx, plain, filepath.Join(o.dir, "ocrmypdf"), cores)
		if err != nil {
			return nil, nil, err
		}
		runs = append(runs, realRun{fmt.Sprintf("(b) ocrmypdf --jobs %d -l vie", cores), t, texts})
	}
	// sohoa: the pages as ingest.Split hands them to the worker.
	ing := make([]ingest.Page, len(pages))
	for i, p := range pages {
		err := ingest.Split(ctx, bytes.NewReader(p.data), int64(len(p.data)), p.name, ingest.DefaultLimits(), func(ip ingest.Page) error {
			ing[i] = ip
			return nil
		})
		if err != nil {
			return nil, nil, fmt.Errorf("ingest %s: %w", p.name, err)
		}
		plain[i].data = ing[i].Data
	}
	pool, err := ocr.NewPool(ocr.Config{Workers: cores, Preprocess: ocr.DefaultPreprocess()})
	if err != nil {
		return nil, nil, err
	}
	defer pool.Close()
	t, res, err := ocrStage(ctx, pool, cores, plain)
	if err != nil {
		return nil, nil, err
	}
	// The text layer, as sohoa ocr writes it.
	pdf := filepath.Join(o.dir, "sohoa.pdf")
	f, err := os.Create(pdf)
	if err != nil {
		return nil, nil, err
	}
	err = assemble.Write(f, assemble.Info{Title: "bench", Created: time.Now()}, len(pages), func(i int) (assemble.Page, error) {
		return assemble.Page{Image: ing[i].Data, Format: ing[i].Format, DPI: ing[i].DPI, OCR: res[i]}, nil
	})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, nil, fmt.Errorf("assemble: %w", err)
	}
	txt, err := exec.CommandContext(ctx, "pdftotext", "-layout", pdf, "-").Output()
	if err != nil {
		return nil, nil, fmt.Errorf("pdftotext %s: %w", pdf, err)
	}
	texts = strings.Split(string(txt), "\f")
	if len(texts) < len(pages) {
		return nil, nil, fmt.Errorf("sohoa's PDF has %d pages, want %d", len(texts), len(pages))
	}
	runs = append(runs, realRun{fmt.Sprintf("(c) sohoa text layer (ocr.Pool+DefaultPreprocess, %d workers)", cores), t, texts[:len(pages)]})
	for i, p := range pages {
		if b, err := json.Marshal(res[i]); err == nil {
			os.WriteFile(p.file+".sohoa.json", b, 0o644) // for -metadata-only
		}
	}
	return runs, res, nil
}

// realCachedOCR is sohoa's recognition of each page as the last full run
// left it beside the page, or made now.
func realCachedOCR(ctx context.Context, o realOptions, pages []realPage) ([]realRun, []*ocr.Page, error) {
	pool, err := ocr.NewPool(ocr.Config{Workers: runtime.NumCPU(), Preprocess: ocr.DefaultPreprocess()})
	if err != nil {
		return nil, nil, err
	}
	defer pool.Close()
	res := make([]*ocr.Page, len(pages))
	texts := make([]string, len(pages))
	start := time.Now()
	for i, p := range pages {
		if b, err := os.ReadFile(p.file + ".sohoa.json"); err == nil && json.Unmarshal(b, &res[i]) == nil {
			texts[i] = res[i].Text
			continue
		}
		if res[i], err = pool.Recognize(ctx, p.data); err != nil {
			return nil, nil, err
		}
		texts[i] = res[i].Text
		if b, err := json.Marshal(res[i]); err == nil {
			os.WriteFile(p.file+".sohoa.json", b, 0o644)
		}
	}
	return []realRun{{"(c) sohoa OCR stage (cached; Page.Text)", time.Since(start), texts}}, res, nil
}

// userPDFPages rasterises every page of every PDF in dir at 200 dpi
// bilevel; the reference of a page is pdftotext's reading of it.
func userPDFPages(ctx context.Context, dir, out string) ([]realPage, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.pdf"))
	if err != nil {
		return nil, err
	}
	up, _ := filepath.Glob(filepath.Join(dir, "*.PDF"))
	files = append(files, up...)
	sort.Strings(files)
	if len(files) == 0 {
		return nil, fmt.Errorf("no PDFs in %s", dir)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	var pages []realPage
	for fi, f := range files {
		n, texts, err := pdfPageCount(ctx, f)
		if err != nil {
			return nil, err
		}
		for s := 1; s <= n; s++ {
			truth := strings.TrimSpace(texts[s-1])
			if truth == "" {
				continue // a page without text (a scan) has no reference
			}
			stem := filepath.Join(out, fmt.Sprintf("user-%02d-p%d", fi, s))
			if b, err := exec.CommandContext(ctx, "pdftoppm", "-r", "200", "-mono", "-png", "-singlefile", "-f", fmt.Sprint(s), "-l", fmt.Sprint(s), f, stem).CombinedOutput(); err != nil {
				return nil, fmt.Errorf("pdftoppm %s: %v: %s", f, err, b)
			}
			data, err := os.ReadFile(stem + ".png")
			if err != nil {
				return nil, err
			}
			pages = append(pages, realPage{page: page{name: filepath.Base(stem) + ".png", set: "user-pdf", file: stem + ".png", data: data, truth: truth, dpi: 200},
				doc: -1 - fi, seq: s, of: n})
		}
	}
	return pages, nil
}

// cerGroups are the parts of the corpus CER is printed for.
var cerGroups = []struct {
	name string
	in   func(p realPage) bool
}{
	{"tuning", func(p realPage) bool { return p.doc >= 0 && !p.heldOut }},
	{"held-out", func(p realPage) bool { return p.doc >= 0 && p.heldOut }},
	{"bilevel200", func(p realPage) bool { return p.set == "bilevel200" }},
	{"grey300", func(p realPage) bool { return p.set == "grey300" }},
	{"colour300", func(p realPage) bool { return p.set == "colour300" }},
	{"user-pdf", func(p realPage) bool { return p.set == "user-pdf" }},
}

// groupCER is the mean per-page CER of texts over the pages in a group,
// and the number of pages.
func groupCER(pages []realPage, texts []string, in func(realPage) bool) (float64, int) {
	var sum float64
	n := 0
	for i, p := range pages {
		if in(p) {
			sum += ocr.CER(p.truth, texts[i])
			n++
		}
	}
	if n == 0 {
		return 0, 0
	}
	return sum / float64(n), n
}

func printRealCER(w io.Writer, pages []realPage, runs []realRun) {
	fmt.Fprintf(w, "\n%-62s %9s", "run (CER: mean per page)", "pages/min")
	var groups []int
	for gi, g := range cerGroups {
		if _, n := groupCER(pages, runs[0].texts, g.in); n > 0 {
			groups = append(groups, gi)
			fmt.Fprintf(w, " %14s", fmt.Sprintf("%s(%d)", g.name, n))
		}
	}
	fmt.Fprintln(w)
	for _, r := range runs {
		fmt.Fprintf(w, "%-62s %9.1f", r.name, float64(len(pages))/r.elapsed.Minutes())
		for _, gi := range groups {
			c, _ := groupCER(pages, r.texts, cerGroups[gi].in)
			fmt.Fprintf(w, " %13.2f%%", 100*c)
		}
		fmt.Fprintln(w)
	}
	if len(runs) < 2 {
		return
	}
	cli, so := runs[0], runs[len(runs)-1]
	for _, gi := range groups[:min(2, len(groups))] {
		a, _ := groupCER(pages, cli.texts, cerGroups[gi].in)
		c, _ := groupCER(pages, so.texts, cerGroups[gi].in)
		fmt.Fprintf(w, "sohoa CER / CLI CER, %s: %.2f (target ≤ 0.60)\n", cerGroups[gi].name, c/a)
	}
	fmt.Fprintf(w, "sohoa pages/min / CLI pages/min: %.2f (target ≥ 0.90)\n", cli.elapsed.Seconds()/so.elapsed.Seconds())
}

// metaFields are the fields scored, in print order.
var metaFields = []string{"number_symbol", "date", "issuer", "type", "summary", "signer", "signer_title", "place"}

// headerFields are the fields of a first page; signer fields belong to the last.
var headerFields = map[string]bool{"number_symbol": true, "date": true, "issuer": true, "type": true, "summary": true, "place": true}

func fieldOf(m metadata.Metadata, f string) *metadata.Field {
	return map[string]*metadata.Field{"number_symbol": m.NumberSymbol, "date": m.Date, "issuer": m.Issuer, "type": m.Type,
		"summary": m.Summary, "signer": m.Signer, "signer_title": m.SignerTitle, "place": m.Place}[f]
}

func truthOf(d *realDoc, f string) string {
	return map[string]string{"number_symbol": d.Number, "date": d.Date, "issuer": d.Issuer, "type": d.Type,
		"summary": d.Summary, "signer": d.Signer, "signer_title": d.Title, "place": d.Place}[f]
}

// inventedFields are the fields page seq of a document of n pages does
// not print (the header is on the first page, the signer on the last),
// and those of them m, read from that page alone, has a value for.
func inventedFields(seq, n int, m metadata.Metadata) (absent, invented []string) {
	for _, f := range metaFields {
		if headerFields[f] && seq == 1 || !headerFields[f] && seq == n {
			continue
		}
		absent = append(absent, f)
		if fieldOf(m, f) != nil {
			invented = append(invented, f)
		}
	}
	return absent, invented
}

// sameText is equality up to Unicode normalisation and runs of spaces.
func sameText(a, b string) bool {
	n := func(s string) string { return strings.Join(strings.Fields(norm.NFC.String(s)), " ") }
	return n(a) == n(b)
}

// metaReport is sohoa's metadata on one part of the corpus.
type metaReport struct {
	part     string
	docs     int
	exact    map[string]int
	absent   map[string]int // pages read alone where the field is not printed
	invented map[string]int // … and a value came out
	misses   []string
}

func (r metaReport) print(w io.Writer) {
	fmt.Fprintf(w, "\nmetadata, %s: %d multi-page documents (whole document), and each page alone\n", r.part, r.docs)
	fmt.Fprintf(w, "%-14s %10s %10s %18s\n", "field", "exact", "target", "invented/absent")
	for _, f := range metaFields {
		target := "≥ 95%"
		if f == "place" || f == "signer_title" {
			target = "-"
		}
		rate := 0.0
		if r.docs > 0 {
			rate = 100 * float64(r.exact[f]) / float64(r.docs)
		}
		fmt.Fprintf(w, "%-14s %9.1f%% %10s %12d/%d\n", f, rate, target, r.invented[f], r.absent[f])
	}
	for _, m := range r.misses {
		fmt.Fprintln(w, "  "+m)
	}
}

// realMetadata extracts sohoa's metadata from each multi-page document
// (metadata.FromPagesReread over its pages, as sohoa ocr does), scores it
// field by field, and reads every page of every document alone to count
// the values that come out for fields the page does not print: the
// signer on a first page, the header on a last page, anything on a body
// page.
func realMetadata(ctx context.Context, c *realCorpus, pages []realPage, res []*ocr.Page, withHeldOut bool) ([]metaReport, error) {
	pool, err := ocr.NewPool(ocr.Config{Workers: 1, Preprocess: ocr.DefaultPreprocess()})
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	byDoc := map[int][]int{}
	for i, p := range pages {
		if p.doc >= 0 {
			byDoc[p.doc] = append(byDoc[p.doc], i)
		}
	}
	extract := func(idx []int) (metadata.Metadata, error) {
		ps := make([]*ocr.Page, len(idx))
		for k, i := range idx {
			ps[k] = res[i]
		}
		// As sohoa ocr and the worker do: colour ink dropped for the rereads.
		imgs := ocr.NewImages(func(k int) ([]byte, error) {
			b, _ := metadata.DropColour(pages[idx[k]].data, pages[idx[k]].dpi)
			return b, nil
		})
		defer imgs.Close()
		return metadata.FromPagesReread(ctx, ps, func(ctx context.Context, k int, r ocr.Region) (*ocr.Page, error) {
			im, err := imgs.Get(k)
			if err != nil {
				return nil, err
			}
			return pool.RecognizeImageRegion(ctx, im, r)
		})
	}
	reports := []metaReport{{part: "tuning"}, {part: "held-out"}}
	for i := range reports {
		reports[i].exact, reports[i].absent, reports[i].invented = map[string]int{}, map[string]int{}, map[string]int{}
	}
	for _, d := range c.Docs {
		idx := byDoc[d.Index]
		if len(idx) < 2 || d.HeldOut && !withHeldOut {
			continue
		}
		r := &reports[0]
		if d.HeldOut {
			r = &reports[1]
		}
		m, err := extract(idx)
		if err != nil {
			return nil, fmt.Errorf("metadata of %s: %w", d.Name, err)
		}
		r.docs++
		for _, f := range metaFields {
			if want, g := truthOf(d, f), fieldOf(m, f); g != nil && sameText(g.Value, want) {
				r.exact[f]++
			} else {
				r.misses = append(r.misses, fmt.Sprintf("%s (%s) %s: want %q, got %q", d.Name, d.Scan, f, want, g.String()))
			}
		}
		for k, i := range idx {
			m, err := extract([]int{i})
			if err != nil {
				return nil, fmt.Errorf("metadata of %s page %d: %w", d.Name, k+1, err)
			}
			absent, invented := inventedFields(k+1, len(idx), m)
			for _, f := range absent {
				r.absent[f]++
			}
			for _, f := range invented {
				r.invented[f]++
				r.misses = append(r.misses, fmt.Sprintf("%s p%d/%d (%s) %s: not printed, got %q", d.Name, k+1, len(idx), d.Scan, f, fieldOf(m, f).Value))
			}
		}
	}
	if !withHeldOut {
		reports = reports[:1]
	}
	return reports, nil
}
