// Package metadatatest measures metadata extraction on the project's
// labelled documents (scanners/synthetic/labelled): it renders them, OCRs
// them with a real ocr.Pool, runs metadata.FromPages and scores every field
// by exact match against the printed truth.
package metadatatest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/sohoa-vn/sohoa/metadata"
	"github.com/sohoa-vn/sohoa/ocr"
	"github.com/sohoa-vn/sohoa/scanners/synthetic/labelled"
)

// Fields are the scored fields, in report order.
var Fields = []string{"number_symbol", "date", "issuer", "type", "place", "summary", "signer", "signer_title"}

// Targets are the exact-match rates the project requires (issue 4).
var Targets = map[string]float64{"number_symbol": 0.95, "date": 0.95, "issuer": 0.95, "type": 0.95}

// Miss is one field that did not match.
type Miss struct {
	Doc, Variant, Field, Want, Got string
	Confidence                     float64
}

// Report is the outcome of a run.
type Report struct {
	Docs    int
	Correct map[string]int // field → documents where it matched exactly
	Misses  []Miss
	// Mean confidence of the correct and of the wrong values: a useful
	// confidence is higher on the first.
	ConfRight, ConfWrong float64
	// Rereads is the number of documents of which a region (the issuing
	// body, the type, the number, the date) was read again
	// (metadata.FromPagesReread); Regions, the number of regions read
	// again, and RereadTime the time their recognition took, with one
	// decoding of the page for all (rendering the page aside).
	Rereads, Regions int
	RereadTime       time.Duration
}

// Rate is the exact-match rate of field.
func (r Report) Rate(field string) float64 {
	if r.Docs == 0 {
		return 0
	}
	return float64(r.Correct[field]) / float64(r.Docs)
}

// Failed lists the targets missed, as "field 91.7% < 95%".
func (r Report) Failed() []string { return r.Below(Targets) }

// Below lists the fields whose rate is under its minimum in min.
func (r Report) Below(min map[string]float64) []string {
	var out []string
	for _, f := range Fields {
		if t, ok := min[f]; ok && r.Rate(f) < t {
			out = append(out, fmt.Sprintf("%s %.1f%% < %.0f%%", f, 100*r.Rate(f), 100*t))
		}
	}
	return out
}

// Print writes the per-field table and the misses.
func (r Report) Print(w io.Writer) {
	fmt.Fprintf(w, "%d documents\n%-14s %8s %8s\n", r.Docs, "field", "exact", "target")
	for _, f := range Fields {
		t := "-"
		if v, ok := Targets[f]; ok {
			t = fmt.Sprintf("%.0f%%", 100*v)
		}
		fmt.Fprintf(w, "%-14s %7.1f%% %8s\n", f, 100*r.Rate(f), t)
	}
	fmt.Fprintf(w, "mean confidence: right %.2f, wrong %.2f\n", r.ConfRight, r.ConfWrong)
	var per time.Duration
	if r.Regions > 0 {
		per = r.RereadTime / time.Duration(r.Regions)
	}
	fmt.Fprintf(w, "read again: %d regions of %d of %d documents, %d ms per region\n", r.Regions, r.Rereads, r.Docs, per.Milliseconds())
	for _, m := range r.Misses {
		fmt.Fprintf(w, "miss %s [%s] %s: want %q, got %q (conf %.2f)\n", m.Doc, m.Variant, m.Field, m.Want, m.Got, m.Confidence)
	}
}

// Run renders, recognises and scores docs, using up to workers
// goroutines (the pool's size is a good choice).
func Run(ctx context.Context, pool *ocr.Pool, docs []labelled.Doc, workers int) (Report, error) {
	pages, err := Recognize(ctx, pool, docs, workers)
	if err != nil {
		return Report{}, err
	}
	got, rs, err := Extract(ctx, pool, docs, pages, workers)
	if err != nil {
		return Report{}, err
	}
	r := Score(docs, got)
	r.Rereads, r.Regions, r.RereadTime = rs.Docs, rs.Regions, rs.Time
	return r, nil
}

// Recognize renders and OCRs every document.
func Recognize(ctx context.Context, pool *ocr.Pool, docs []labelled.Doc, workers int) ([]*ocr.Page, error) {
	pages := make([]*ocr.Page, len(docs))
	errs := make([]error, len(docs))
	var wg sync.WaitGroup
	next := make(chan int)
	for range max(1, workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				img, err := docs[i].PNG()
				if err != nil {
					errs[i] = err
					continue
				}
				if pages[i], err = pool.Recognize(ctx, img); err != nil {
					errs[i] = fmt.Errorf("recognise %s: %w", docs[i].Name, err)
				}
			}
		}()
	}
	for i := range docs {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return pages, nil
}

// Rereads counts the second readings of Extract.
type Rereads struct {
	Docs    int           // documents of which a region was read again
	Regions int           // regions read again
	Time    time.Duration // spent decoding pages and recognising regions, rendering aside
}

// Extract runs metadata.FromPagesReread on each one-page document, the
// uncertain fields read again by pool from the documents' images
// (rendered again only for those), using up to workers goroutines. With
// a nil pool it runs metadata.FromPages. It returns the metadata and
// what was read again.
func Extract(ctx context.Context, pool *ocr.Pool, docs []labelled.Doc, pages []*ocr.Page, workers int) ([]metadata.Metadata, Rereads, error) {
	out := make([]metadata.Metadata, len(pages))
	if pool == nil {
		for i, p := range pages {
			out[i] = metadata.FromPages([]*ocr.Page{p})
		}
		return out, Rereads{}, nil
	}
	errs := make([]error, len(pages))
	var nDocs, nRegions, nanos atomic.Int64
	var wg sync.WaitGroup
	next := make(chan int)
	for range max(1, workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				var im *ocr.Image
				reread := func(ctx context.Context, _ int, r ocr.Region) (*ocr.Page, error) {
					nRegions.Add(1)
					start := time.Now()
					defer func() { nanos.Add(int64(time.Since(start))) }()
					if im == nil {
						nDocs.Add(1)
						img, err := docs[i].PNG()
						if err != nil {
							return nil, err
						}
						// The decoding counts (once a document), the
						// rendering does not.
						start = time.Now()
						if im, err = ocr.DecodeImage(img); err != nil {
							return nil, err
						}
					}
					return pool.RecognizeImageRegion(ctx, im, r)
				}
				out[i], errs[i] = metadata.FromPagesReread(ctx, []*ocr.Page{pages[i]}, reread)
				im.Close()
				if errs[i] != nil {
					errs[i] = fmt.Errorf("%s: %w", docs[i].Name, errs[i])
				}
			}
		}()
	}
	for i := range pages {
		next <- i
	}
	close(next)
	wg.Wait()
	rs := Rereads{Docs: int(nDocs.Load()), Regions: int(nRegions.Load()), Time: time.Duration(nanos.Load())}
	return out, rs, errors.Join(errs...)
}

// Score compares extracted metadata with the documents' truth.
func Score(docs []labelled.Doc, got []metadata.Metadata) Report {
	r := Report{Docs: len(docs), Correct: map[string]int{}}
	var nRight, nWrong int
	for i, d := range docs {
		m := got[i]
		pairs := map[string]struct {
			want string
			got  *metadata.Field
		}{
			"number_symbol": {d.Truth.Number, m.NumberSymbol},
			"date":          {d.Truth.Date, m.Date},
			"issuer":        {d.Truth.Issuer, m.Issuer},
			"type":          {d.Truth.Type, m.Type},
			"place":         {d.Truth.Place, m.Place},
			"summary":       {d.Truth.Summary, m.Summary},
			"signer":        {d.Truth.Signer, m.Signer},
			"signer_title":  {d.Truth.SignerTitle, m.SignerTitle},
		}
		for _, f := range Fields {
			p := pairs[f]
			g, conf := "", 0.0
			if p.got != nil {
				g, conf = p.got.Value, p.got.Confidence
			}
			if same(p.want, g) {
				r.Correct[f]++
				r.ConfRight += conf
				nRight++
				continue
			}
			r.ConfWrong += conf
			nWrong++
			r.Misses = append(r.Misses, Miss{Doc: d.Name, Variant: d.Variant.String(), Field: f, Want: p.want, Got: g, Confidence: conf})
		}
	}
	if nRight > 0 {
		r.ConfRight /= float64(nRight)
	}
	if nWrong > 0 {
		r.ConfWrong /= float64(nWrong)
	}
	sort.SliceStable(r.Misses, func(i, j int) bool { return r.Misses[i].Field < r.Misses[j].Field })
	return r
}

// same is exact equality up to Unicode normalisation and runs of spaces.
func same(a, b string) bool {
	n := func(s string) string { return strings.Join(strings.Fields(norm.NFC.String(s)), " ") }
	return n(a) == n(b)
}
