package worker

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/sohoa-vn/sohoa/ocr"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// QCPolicy decides which quality flags the OCR stage raises on a page and
// which of them hold the page's document for a person's review before it
// is assembled and signed. The zero value flags pages but holds none.
type QCPolicy struct {
	// Hold lists the flags that hold a document (catalog.QCBlank...).
	Hold []string
	// MaxSkew is the largest scanning angle, in degrees, that passes
	// without the "skewed" flag; 0 means DefaultMaxSkew. Deskewing
	// straightens the page for OCR either way; a steep angle usually means
	// a sheet that went through the feeder crooked and may be cut off.
	MaxSkew float64
}

// DefaultMaxSkew is the scanning angle beyond which a page is flagged.
const DefaultMaxSkew = 3.0

// QCFlags are every flag QCPolicy knows, in the order they are reported.
var QCFlags = []string{catalog.QCBlank, catalog.QCUnreadable, catalog.QCLowConfidence, catalog.QCSkewed, catalog.QCOrientation}

// DefaultQCPolicy holds a document on every flag.
func DefaultQCPolicy() QCPolicy {
	return QCPolicy{Hold: slices.Clone(QCFlags), MaxSkew: DefaultMaxSkew}
}

// ParseQCHold reads a comma-separated list of flags ("all" or "none"
// allowed), as SOHOA_QC_HOLD gives it.
func ParseQCHold(s string) ([]string, error) {
	switch s = strings.TrimSpace(s); s {
	case "", "all":
		return slices.Clone(QCFlags), nil
	case "none":
		return nil, nil
	}
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if !slices.Contains(QCFlags, f) {
			return nil, fmt.Errorf("cờ kiểm tra chất lượng không rõ / unknown QC flag %q (known: %s, all, none)",
				f, strings.Join(QCFlags, ", "))
		}
		out = append(out, f)
	}
	return out, nil
}

// Flags returns the quality flags of a recognised page and whether they
// hold its document.
func (q QCPolicy) Flags(p *ocr.Page) (flags []string, hold bool) {
	maxSkew := q.MaxSkew
	if maxSkew <= 0 {
		maxSkew = DefaultMaxSkew
	}
	switch {
	case p.Blank:
		flags = append(flags, catalog.QCBlank)
	case len(p.Words) == 0:
		flags = append(flags, catalog.QCUnreadable)
	case p.NeedsReview:
		flags = append(flags, catalog.QCLowConfidence)
	}
	if math.Abs(p.Preprocess.Skew) > maxSkew {
		flags = append(flags, catalog.QCSkewed)
	}
	// OCR could not tell which way up the page is: it was read, and will
	// be shown, as its lines run, which may be upside down.
	if !p.Blank && p.Preprocess.OrientationUnsure {
		flags = append(flags, catalog.QCOrientation)
	}
	for _, f := range flags {
		if slices.Contains(q.Hold, f) {
			hold = true
		}
	}
	return flags, hold
}
