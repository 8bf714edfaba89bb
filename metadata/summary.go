package metadata

import (
	"context"
	"fmt"
	"image"
	"math"
	"slices"
	"strings"
	"unicode"

	"github.com/sohoa-vn/sohoa/ocr"
	"github.com/sohoa-vn/sohoa/ocr/vncorrect"
)

// lexicalMisses counts, in a line of Vietnamese words, the words that are
// no syllable the lexicon knows and the neighbouring pairs of known
// syllables it has never seen together: how far a reading is from
// Vietnamese as written. One OCR slip in a summary ("nh hình" for "Tình
// hình", "ban hảnh", "Vũ việc" for "Về việc") shows as a miss; a right
// reading of an administrative summary has few or none.
func lexicalMisses(s string) int {
	lex := vncorrect.DefaultLexicon()
	var prev string
	n := 0
	for _, w := range strings.Fields(s) {
		core := strings.ToLower(strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) }))
		if core == "" || strings.ContainsAny(w, "/-") || strings.Trim(w, "0123456789.,;:()") == "" {
			prev = ""
			continue // numbers and codes: not syllables
		}
		if strings.ContainsAny(w, "0123456789") {
			n += 2 // letters and digits run together ("15h25"): a stamp's ink, not the summary
			prev = ""
			continue
		}
		if !vncorrect.Valid(core) || !lex.Known(core) {
			if mostlyUpper(w) && len([]rune(core)) > 1 {
				prev = "" // an abbreviation (UBND, III)
				continue
			}
			n += 2
			prev = ""
			continue
		}
		if prev != "" && !lex.Pair(prev, core) {
			n++
		}
		prev = core
		if strings.IndexFunc(w, func(r rune) bool { return !unicode.IsLetter(r) }) >= 0 {
			prev = "" // punctuation after it: no pair across
		}
	}
	return n
}

// summaryRegion is the rectangle of the summary's lines, and the words of
// the type line above it to erase.
func (l *pageLayout) summaryRegion(hb headerBlock) (image.Rectangle, []image.Rectangle) {
	if len(hb.sum) == 0 {
		return image.Rectangle{}, nil
	}
	first, last := hb.sum[0], hb.sum[len(hb.sum)-1]
	x0, x1 := math.Inf(1), math.Inf(-1)
	for _, s := range hb.sum {
		x0, x1 = min(x0, s.x0), max(x1, s.x1)
	}
	h := first.h
	rect := l.pageRect(x0-3*h, first.cy-1.1*h, x1+3*h, last.cy+1.1*h)
	// Whatever else the page's reading saw in the rectangle (the type
	// line above, a reception stamp in the margin beside it) is erased:
	// it would be read as one with the summary.
	var erase []image.Rectangle
	for i := range l.segs {
		s := &l.segs[i]
		if slices.Contains(hb.sum, s) {
			continue
		}
		for _, w := range s.words {
			if b := w.Box.Inset(-int(h / 5)); b.Overlaps(rect) {
				erase = append(erase, b)
			}
		}
	}
	return rect, erase
}

// rereadSummary reads the summary's lines again, on their own, when the
// page's reading of them has lexical misses (see lexicalMisses), once as
// they are and once enlarged, and keeps the reading with the fewest
// misses; the first reading wins ties. The summary is one long field: a
// single slipped letter in it makes it wrong, and a line cut out of the
// page, cleaned of specks, reads differently from the page.
func (l *pageLayout) rereadSummary(ctx context.Context, m *Metadata, hb headerBlock, reread func(context.Context, ocr.Region) (*ocr.Page, error)) error {
	if m.Summary == nil {
		return nil
	}
	best := lexicalMisses(m.Summary.Value)
	if best == 0 {
		return nil
	}
	rect, erase := l.summaryRegion(hb)
	if rect.Dx() < 16 || rect.Dy() < 16 {
		return nil
	}
	for _, r := range []ocr.Region{{Rect: rect, Erase: erase, Despeckle: true, PSM: 6}, {Rect: rect, Erase: erase, Despeckle: true, PSM: 6, Scale: 2}} {
		p, err := reread(ctx, r)
		if err != nil {
			return fmt.Errorf("metadata: đọc lại trích yếu thất bại / reread the summary: %w", err)
		}
		var lines []string
		var conf float64
		nw := 0
		for _, s := range newLayout(p).segs {
			lines = append(lines, s.text)
			conf += s.conf * float64(len(s.words))
			nw += len(s.words)
		}
		v := veViec(merge(m.Summary.Value, undot(strings.Join(lines, " "))))
		if miss := lexicalMisses(v); miss < best {
			best = miss
			m.Summary = &Field{Value: v, Confidence: round2(min(m.Summary.Confidence, conf/float64(nw)))}
		}
		if best == 0 {
			break
		}
	}
	return nil
}

// merge is reading a with the words where b, aligned with it word by
// word, reads another word in the same place and that word lowers a's
// lexical misses. Words only one reading has are left as a has them: a
// second reading that lost a word or took in a stamp's does not change
// how many words the summary has.
func merge(a, b string) string {
	aw, bw := strings.Fields(a), strings.Fields(b)
	// Edit distance over words, then the substitutions on its path.
	d := make([][]int, len(aw)+1)
	for i := range d {
		d[i] = make([]int, len(bw)+1)
		d[i][0] = i
	}
	for j := range bw {
		d[0][j+1] = j + 1
	}
	for i := 1; i <= len(aw); i++ {
		for j := 1; j <= len(bw); j++ {
			c := 1
			if aw[i-1] == bw[j-1] {
				c = 0
			}
			d[i][j] = min(d[i-1][j-1]+c, d[i-1][j]+1, d[i][j-1]+1)
		}
	}
	out := slices.Clone(aw)
	for i, j := len(aw), len(bw); i > 0 && j > 0; {
		c := 1
		if aw[i-1] == bw[j-1] {
			c = 0
		}
		switch {
		case d[i][j] == d[i-1][j-1]+c:
			if c == 1 {
				try := slices.Clone(out)
				try[i-1] = bw[j-1]
				if lexicalMisses(strings.Join(try, " ")) < lexicalMisses(strings.Join(out, " ")) {
					out = try
				}
			}
			i, j = i-1, j-1
		case d[i][j] == d[i-1][j]+1:
			i--
		default:
			j--
		}
	}
	return strings.Join(out, " ")
}

// knownSyllable: w, in lower case and without the punctuation around it,
// is a Vietnamese syllable the lexicon knows.
func knownSyllable(w string) bool {
	core := strings.ToLower(strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) }))
	return core != "" && vncorrect.Valid(core) && vncorrect.DefaultLexicon().Known(core)
}

// veViec restores the opening "Về việc" of a summary (Decree 30's fixed
// words before a decision's or plan's subject) when its first word is
// read as a one- or two-letter word starting with V before "việc" ("Vũ
// việc", "Vắ việc", "V việc": a stamp's border across the "ề"). No
// other Vietnamese word of that shape is followed by "việc" there.
func veViec(s string) string {
	w := strings.Fields(s)
	if len(w) < 2 || w[1] != "việc" || w[0] == "Về" {
		return s
	}
	if r := []rune(w[0]); len(r) <= 2 && (r[0] == 'V' || r[0] == 'v') && (len(r) == 1 || unicode.IsLetter(r[1])) {
		w[0] = "Về"
	}
	return strings.Join(w, " ")
}
