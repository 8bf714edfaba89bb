package metadata

import (
	"cmp"
	"context"
	"fmt"
	"image"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/sohoa-vn/sohoa/ocr"
)

// segment is a run of words on one text line with no wide gap inside: a
// cell of the two-column header, a centred title, a body line.
type segment struct {
	words []ocr.Word
	text  string
	// Deskewed page coordinates (pixels): extent and centre.
	x0, x1, cx, cy float64
	h              float64 // median word height
	conf           float64 // mean word confidence, 0..1
}

// pageLayout is one page's segments, top to bottom, in a frame where the
// text lines are horizontal.
type pageLayout struct {
	w, h  float64
	slope float64 // of the text lines in the page's pixels (dy/dx)
	segs  []segment
}

// FromPages finds a document's metadata from the word positions on its
// OCR'd pages, following the layout of Decree 30/2020/NĐ-CP: the issuing
// body and "Số: …" at the top left of the first page, the national motto
// and the place and date at the top right, the document type centred in
// capitals with the summary under it, and the signer's title and name at
// the bottom right of the last page. Each field's confidence is the mean
// OCR confidence of its words times how well its place matched the layout.
//
// Fields the layout does not yield are taken, when possible, from the
// text as Extract reads it, with a lower confidence.
func FromPages(pages []*ocr.Page) Metadata {
	m, _ := fromPages(context.Background(), pages, nil)
	return m
}

// fromPages is FromPages, with the issuing body read again through
// reread when it is uncertain and reread is not nil.
func fromPages(ctx context.Context, pages []*ocr.Page, reread Reread) (Metadata, error) {
	var m Metadata
	var err error
	// The header is read from the first page with words only, and only
	// when it has one (a number row or the motto at its top): a body page
	// has no issuing body, number, date, type or summary to give.
	first, last := -1, -1
	for i, p := range pages {
		if p != nil && len(p.Words) > 0 {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	headed := false
	if first >= 0 {
		p := turned(pages[first])
		fl := newLayout(p)
		if headed = fl.hasHeader(); headed {
			hb := fl.header(&m)
			if reread != nil {
				rr := func(ctx context.Context, r ocr.Region) (*ocr.Page, error) {
					// Turn and straighten the region as preprocessing did
					// the page: its rectangle is in the turned page.
					r.Rotation, r.Skew = p.Preprocess.Rotation, p.Preprocess.Skew
					return reread(ctx, first, r)
				}
				err = fl.rereadIssuer(ctx, &m, hb, p.Words, rr)
				if err == nil {
					err = fl.rereadType(ctx, &m, hb, rr)
				}
				if err == nil {
					err = fl.rereadRows(ctx, &m, hb, rr)
				}
				if err == nil {
					err = fl.rereadSummary(ctx, &m, hb, rr)
				}
			}
		}
	}
	if t := typeOfSymbol(m.NumberSymbol); t != nil && (m.Type == nil || !slices.Contains(types, m.Type.Value)) {
		m.Type = t
	}
	// The signer signs the last page: an earlier page's names are the
	// body's ("Chương I", a person named in an article).
	if last >= 0 {
		p := turned(pages[last])
		ll := newLayout(p)
		sb := ll.signature(&m)
		if reread != nil && err == nil {
			err = ll.rereadSigner(ctx, &m, sb, func(ctx context.Context, r ocr.Region) (*ocr.Page, error) {
				r.Rotation, r.Skew = p.Preprocess.Rotation, p.Preprocess.Skew
				return reread(ctx, last, r)
			})
		}
		// A name of two words whose first is no family name lost its
		// family name under the seal or the signature ("Đức Nam" for "Võ
		// Đức Nam", "Thu Vinh" for "Lê Thu Vinh"): absent, not wrong.
		if m.Signer != nil && len(strings.Fields(m.Signer.Value)) < 3 && !knownSurname(m.Signer.Value) {
			m.Signer = nil
		}
	}
	// Whatever the layout missed, the text may still hold: the header's
	// fields in the first page's text, when it has a header; the signer in
	// the last page's, under a title.
	fill := func(dst **Field, src *Field) {
		if *dst == nil && src != nil {
			*dst = &Field{Value: src.Value, Confidence: round2(src.Confidence * 0.6)}
		}
	}
	if headed {
		fb := Extract(pages[first].Text)
		fill(&m.Issuer, fb.Issuer)
		fill(&m.NumberSymbol, fb.NumberSymbol)
		fill(&m.Place, fb.Place)
		fill(&m.Date, fb.Date)
		fill(&m.Type, fb.Type)
		fill(&m.Summary, fb.Summary)
	}
	if last >= 0 && m.Signer == nil {
		if fb := Extract(pages[last].Text); fb.SignerTitle != nil && fb.Signer != nil && knownSurname(fb.Signer.Value) {
			fill(&m.Signer, fb.Signer)
			fill(&m.SignerTitle, fb.SignerTitle)
		}
	}
	return m, err
}

// turned is page p as it reads when preprocessing turned it upright
// (Preprocess.Rotation): its size and its words' boxes turned as the
// image was, by quarter turns of the original image's pixels, so that the
// layout finds the header at the top and the signer at the bottom right.
// The skew is left in, as on a page scanned upright: the layout measures
// and undoes it itself, and region re-readings (ocr.Region.Rotation) cut
// their rectangles from the image turned the same way. p itself when it
// was not turned.
func turned(p *ocr.Page) *ocr.Page {
	q := p.Preprocess.Rotation / 90 % 4
	if q == 0 {
		return p
	}
	t := *p
	w, h := p.Width, p.Height
	if q%2 == 1 {
		t.Width, t.Height = h, w
	}
	t.Words = make([]ocr.Word, len(p.Words))
	for i, wd := range p.Words {
		b := wd.Box
		switch q {
		case 1: // (x, y) → (h−y, x)
			wd.Box = image.Rect(h-b.Max.Y, b.Min.X, h-b.Min.Y, b.Max.X)
		case 2:
			wd.Box = image.Rect(w-b.Max.X, h-b.Max.Y, w-b.Min.X, h-b.Min.Y)
		case 3: // (x, y) → (y, w−x)
			wd.Box = image.Rect(b.Min.Y, w-b.Max.X, b.Max.Y, w-b.Min.X)
		}
		t.Words[i] = wd
	}
	return &t
}

// newLayout deskews the page's words and cuts its lines into segments.
func newLayout(p *ocr.Page) *pageLayout {
	// Tesseract's lines, in its order, without the specks it read as
	// punctuation.
	type key struct{ b, p, l int }
	var lines [][]ocr.Word
	idx := map[key]int{}
	var words []ocr.Word
	for _, w := range p.Words {
		if w.Text = cleanWord(w.Text); w.Text == "" || w.Box.Empty() {
			continue
		}
		words = append(words, w)
		k := key{w.Block, w.Par, w.Line}
		i, ok := idx[k]
		if !ok {
			i = len(lines)
			idx[k] = i
			lines = append(lines, nil)
		}
		lines[i] = append(lines[i], w)
	}
	for i, ln := range lines {
		kept := ln[:0]
		for j, w := range ln {
			if hasAlnum(w.Text) || w.Text == "/" || (w.Text == "-" || w.Text == "–") && w.Conf >= 85 && j > 0 && j < len(ln)-1 {
				kept = append(kept, w)
			}
		}
		// Specks read as short words of low confidence at a line's ends.
		for len(kept) > 0 && speck(kept[0]) {
			kept = kept[1:]
		}
		for len(kept) > 0 && speck(kept[len(kept)-1]) {
			kept = kept[:len(kept)-1]
		}
		lines[i] = kept
	}
	slope := skew(lines)
	sin, cos := math.Sin(math.Atan(slope)), math.Cos(math.Atan(slope))
	rot := func(x, y float64) (float64, float64) { return x*cos + y*sin, -x*sin + y*cos }

	l := &pageLayout{w: float64(p.Width), h: float64(p.Height), slope: slope}
	if l.w == 0 || l.h == 0 {
		for _, w := range words {
			l.w, l.h = max(l.w, float64(w.Box.Max.X)), max(l.h, float64(w.Box.Max.Y))
		}
	}
	for _, ln := range lines {
		if len(ln) == 0 {
			continue
		}
		slices.SortFunc(ln, func(a, b ocr.Word) int { return cmp.Compare(a.Box.Min.X, b.Box.Min.X) })
		for _, part := range splitCells(splitGaps(ln)) {
			s := segment{words: part, x0: math.Inf(1), x1: math.Inf(-1)}
			var texts []string
			var hs []float64
			var cy float64
			for _, w := range part {
				texts = append(texts, w.Text)
				hs = append(hs, float64(w.Box.Dy()))
				s.conf += w.Conf / 100
				x0, y := rot(float64(w.Box.Min.X), float64(w.Box.Min.Y+w.Box.Max.Y)/2)
				x1, _ := rot(float64(w.Box.Max.X), float64(w.Box.Min.Y+w.Box.Max.Y)/2)
				s.x0, s.x1 = min(s.x0, x0), max(s.x1, x1)
				cy += y
			}
			s.text = strings.Join(texts, " ")
			s.conf /= float64(len(part))
			s.cy = cy / float64(len(part))
			s.cx = (s.x0 + s.x1) / 2
			s.h = median(hs)
			if junk(s) {
				continue
			}
			l.segs = append(l.segs, s)
		}
	}
	slices.SortStableFunc(l.segs, func(a, b segment) int { return cmp.Compare(a.cy, b.cy) })
	return l
}

// skew estimates the slope of the text lines (dy/dx in pixels): the
// median of the least-squares slopes of the word centres of every line of
// three words or more.
func skew(lines [][]ocr.Word) float64 {
	var slopes []float64
	for _, ln := range lines {
		if len(ln) < 3 {
			continue
		}
		var sx, sy, sxx, sxy float64
		for _, w := range ln {
			x, y := float64(w.Box.Min.X+w.Box.Max.X)/2, float64(w.Box.Min.Y+w.Box.Max.Y)/2
			sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
		}
		n := float64(len(ln))
		if d := n*sxx - sx*sx; d > 0 {
			if s := (n*sxy - sx*sy) / d; math.Abs(s) < 0.1 {
				slopes = append(slopes, s)
			}
		}
	}
	if len(slopes) == 0 {
		return 0
	}
	return median(slopes)
}

// splitGaps cuts a line (words sorted by x) where the gap between two
// words is much wider than a space: Tesseract often reads the two columns
// of the header as one line.
func splitGaps(ln []ocr.Word) [][]ocr.Word {
	if len(ln) < 2 {
		return [][]ocr.Word{ln}
	}
	var gaps, hs []float64
	for i, w := range ln {
		hs = append(hs, float64(w.Box.Dy()))
		if i > 0 {
			gaps = append(gaps, float64(w.Box.Min.X-ln[i-1].Box.Max.X))
		}
	}
	limit := max(2.5*median(gaps), 0.9*median(hs))
	var out [][]ocr.Word
	start := 0
	for i := 1; i < len(ln); i++ {
		if float64(ln[i].Box.Min.X-ln[i-1].Box.Max.X) > limit {
			out = append(out, ln[start:i])
			start = i
		}
	}
	return append(out, ln[start:])
}

// cleanWord trims the marks that specks next to a word make OCR add.
func cleanWord(s string) string {
	s = norm.NFC.String(strings.TrimSpace(s))
	s = strings.TrimLeft(s, junkMarks+".,:;")
	return strings.TrimRight(s, junkMarks)
}

const junkMarks = "_ˆ“”\"'¬|—~`‘’°•·^*«»"

func speck(w ocr.Word) bool { return w.Conf < 50 && len([]rune(w.Text)) <= 3 && !inLexicon(w.Text) }

func hasAlnum(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

// junk is what specks and rules make OCR read: no letter or digit, or a
// short low-confidence scrap.
func junk(s segment) bool {
	n := 0
	for _, r := range s.text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	return n == 0 || n <= 2 && s.conf < 0.5
}

// splitCells cuts where the layout says a new cell starts even when the
// gap is narrow: before the national name and the motto, and after the
// number and symbol.
func splitCells(parts [][]ocr.Word) [][]ocr.Word {
	var out [][]ocr.Word
	for _, p := range parts {
		start := 0
		for i := 1; i < len(p); i++ {
			f, next := foldWord(p[i].Text), ""
			if i+1 < len(p) {
				next = foldWord(p[i+1].Text)
			}
			numWord := reNumberWord.MatchString(p[i].Text) && (next != "" && unicode.IsDigit([]rune(next)[0]) ||
				len(p[i].Text) > 4 && strings.ContainsAny(p[i].Text, "0123456789"))
			if f == "cong" && strings.HasPrefix(next, "hoa") || f == "doc" && strings.HasPrefix(next, "lap") || numWord {
				out = append(out, p[start:i])
				start = i
			}
		}
		p, out = p[start:], append(out, p[start:])
		// "Số: 12/QĐ-UBND Hà Nội, ngày …": the date cell follows the symbol
		// (and "Số:" may be lost).
		if len(p) > 1 && (reNumberWord.MatchString(p[0].Text) || reSymbolWord.MatchString(p[0].Text)) {
			for j, w := range p {
				if strings.Contains(w.Text, "/") && !strings.HasSuffix(w.Text, "/") {
					if j+1 < len(p) {
						out[len(out)-1] = p[:j+1]
						out = append(out, p[j+1:])
					}
					break
				}
			}
		}
	}
	return out
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// reSymbolWord is a word that starts as a number and symbol do: "12/QĐ".
var reSymbolWord = regexp.MustCompile(`^\d{1,6}/\pL`)

var reNumberWord = regexp.MustCompile(`^[SsŠ][ốốôồổỗộóòỏõọoOơớờởỡợ0][:;.,]?`)

// unanchored is what an issuing body's confidence is multiplied by when
// no number row under it anchors it.
const unanchored = 0.6

// headerBlock is where header found the rows it read, in the layout's
// deskewed frame: what a second reading of the issuing body needs.
type headerBlock struct {
	num    *segment   // the "Số: …" row, or nil
	date   *segment   // the place and date, or nil
	dmy    [3]int     // the date's day, month and year, when date is not nil
	iss    []*segment // the issuing body's lines
	typ    *segment   // the line read as the document type, or nil
	sum    []*segment // the summary's lines under the type, or nil
	colC   float64    // centre of the left column
	bottom float64    // the header ends here
}

// header reads the top of the first page.
func (l *pageLayout) header(m *Metadata) headerBlock {
	top := l.h * 0.45
	var num, date *segment
	var numRest, place string
	var dmy [3]int
	var dateWords int
	for i := range l.segs {
		s := &l.segs[i]
		if s.cy > top {
			break
		}
		if num == nil && s.cx < l.w*0.5 {
			if rest, ok := numberOf(s.text); ok {
				num, numRest = s, rest
			}
		}
	}
	// The date row is in the header, beside the number row (or, without
	// one, in the page's top quarter): a date lower down is the body's
	// ("Căn cứ Luật … ngày 16 tháng 6 năm 2025"), not to be taken when
	// the header's is unreadable.
	dateEnd := l.h * 0.25
	if num != nil {
		dateEnd = num.cy + 2*num.h
	}
	for i := range l.segs {
		s := &l.segs[i]
		if s.cy > min(top, dateEnd) {
			break
		}
		if s.cx > l.w*0.4 {
			if p, d, n, ok := dateOf(s.text); ok && (n > 0 || !l.continues(s)) {
				date, place, dmy, dateWords = s, p, d, n
				break
			}
		}
	}
	if num != nil {
		m.NumberSymbol = &Field{Value: numRest, Confidence: round2(num.conf)}
	}
	if date != nil {
		conf := date.conf
		if date.cx < l.w*0.5 {
			conf *= 0.8
		}
		m.Date = &Field{Value: fmt.Sprintf("%04d-%02d-%02d", dmy[2], dmy[1], dmy[0]), Confidence: round2(conf)}
		if place != "" {
			m.Place = &Field{Value: place, Confidence: round2(conf * float64(dateWords) / float64(dateWords+1))}
		}
	}

	// The header ends with the number and the date rows.
	bottom := 0.0
	for _, s := range []*segment{num, date} {
		if s != nil {
			bottom = max(bottom, s.cy+s.h)
		}
	}
	if bottom == 0 {
		bottom = l.h * 0.2
	}

	// Issuing body: the capitalised lines of the left column above the
	// number, centred on it.
	var colC, colW float64 = l.w * 0.25, l.w * 0.2
	if num != nil {
		colC = num.cx
	}
	var iss []*segment
	for i := range l.segs {
		s := &l.segs[i]
		if num != nil && s.cy >= num.cy-num.h/2 || num == nil && s.cy >= bottom {
			break
		}
		if _, isNum := numberOf(s.text); isNum || s.cx > l.w*0.5 || math.Abs(s.cx-colC) > colW || isMotto(s.text) || !mostlyUpper(s.text) {
			continue
		}
		if num == nil && len(iss) > 0 && garbledNumber(s.text) {
			break // the number row, too garbled to be read as one
		}
		iss = append(iss, s)
	}
	// Pieces of one line the gaps cut apart ("PHƯỜNG" | "HOÀN KIẾM")
	// are in Tesseract's order, not always the line's: left to right.
	for i := 1; i < len(iss); i++ {
		for j := i; j > 0 && sameLine(iss[j], iss[j-1]) && iss[j].x0 < iss[j-1].x0; j-- {
			iss[j], iss[j-1] = iss[j-1], iss[j]
		}
	}
	if len(iss) > 0 {
		var parts []string
		var conf float64
		for _, s := range iss {
			parts = append(parts, cleanUpper(s.text))
			conf += s.conf
		}
		conf /= float64(len(iss))
		if num == nil {
			conf *= unanchored
		}
		// Corrected as one text: a name wraps ("… LƯU TRỮ NHÀ / NƯỚC").
		m.Issuer = &Field{Value: correctUpper(strings.Join(parts, " ")), Confidence: round2(conf)}
	}
	hb := headerBlock{num: num, date: date, dmy: dmy, iss: iss, colC: colC, bottom: bottom}

	// Type: the first centred line in capitals under the header; the
	// summary: the centred lines right under it.
	centreX := l.w * 0.53
	var kinhGui *segment
	// Without a number or date row, the type starts under the issuing
	// body (the default bottom is too low for a short header).
	typeFrom := bottom
	if num == nil && date == nil && len(iss) > 0 {
		typeFrom = iss[len(iss)-1].cy + iss[len(iss)-1].h
	}
	for i := range l.segs {
		s := &l.segs[i]
		if s.cy <= typeFrom || s.cy > l.h*0.6 || slices.Contains(iss, s) {
			continue
		}
		if math.Abs(s.cx-centreX) > l.w*0.12 {
			continue
		}
		t, score := matchType(s.text)
		if s.conf < 0.5 && score < 0.8 {
			continue // a row dust made unreadable: the type may be under it
		}
		if !mostlyUpper(s.text) && score < 0.8 {
			if strings.HasPrefix(foldWord(s.text), "kinh gui") {
				kinhGui = s
			}
			break // the first centred line is not a type: a letter, or no type
		}
		if score == 0 {
			break
		}
		m.Type = &Field{Value: t, Confidence: round2(s.conf * score)}
		hb.typ = s
		var sum []string
		var conf float64
		low := 1.0 // the least sure word: one slip makes a long field wrong
		prev := s
		for j := i + 1; j < len(l.segs); j++ {
			n := &l.segs[j]
			// Summary lines are centred and narrower than the body's (a full
			// line of 14 pt bold spans two thirds of the page).
			if math.Abs(n.cx-s.cx) > l.w*0.12 && n.x1-n.x0 < l.w*0.3 {
				continue // beside the summary: a stamp in the margin, its ink read as letters
			}
			if n.cy-prev.cy > 2.2*max(prev.h, n.h) || math.Abs(n.cx-s.cx) > l.w*0.12 || mostlyUpper(n.text) || n.x1-n.x0 > 0.7*l.w ||
				strings.HasPrefix(foldWord(n.text), "can cu") || strings.HasPrefix(foldWord(n.text), "kinh gui") {
				break
			}
			sum = append(sum, n.text)
			hb.sum = append(hb.sum, n)
			conf += n.conf
			low = min(low, minConf(n))
			prev = n
		}
		if len(sum) > 0 {
			m.Summary = &Field{Value: veViec(undot(strings.Join(sum, " "))), Confidence: round2((conf/float64(len(sum)) + low) / 2)}
		}
		break
	}
	if m.Type == nil && num != nil {
		// A letter (công văn) has no type line: its summary, after
		// "V/v", sits under the number.
		var sum []string
		var conf float64
		prev := num
		for i := range l.segs {
			n := &l.segs[i]
			if n.cy <= num.cy {
				continue
			}
			if n.cy-prev.cy > 2.2*max(prev.h, n.h) {
				break
			}
			if math.Abs(n.cx-num.cx) > colW || n.cx > l.w*0.5 {
				continue
			}
			if len(sum) == 0 {
				rest, ok := vvOf(n.text)
				if !ok {
					break
				}
				sum = append(sum, "V/v "+rest)
			} else {
				sum = append(sum, n.text)
			}
			conf += n.conf
			prev = n
		}
		if len(sum) > 0 {
			c := conf / float64(len(sum))
			m.Type = &Field{Value: "CÔNG VĂN", Confidence: round2(c * 0.9)}
			m.Summary = &Field{Value: undot(strings.Join(sum, " ")), Confidence: round2(c)}
		}
	}
	if m.Type == nil && kinhGui != nil {
		// "Kính gửi:" under the header: a letter (công văn), whose "V/v"
		// under the number went unread.
		m.Type = &Field{Value: "CÔNG VĂN", Confidence: round2(kinhGui.conf * 0.8)}
	}
	return hb
}

// hasHeader: the top of the page carries a header as Decree 30 lays it
// out: the "Số: …" row in the left half, the national name and motto, or
// an issuing body's name at the top left.
func (l *pageLayout) hasHeader() bool {
	for i := range l.segs {
		s := &l.segs[i]
		if s.cy > l.h*0.4 {
			break
		}
		if _, ok := numberOf(s.text); ok && s.cx < l.w*0.5 || s.cy < l.h*0.25 && mottoLike(s.text) ||
			s.cy < l.h*0.15 && s.cx < l.w*0.45 && mostlyUpper(s.text) && bodyName(s.text) {
			return true
		}
	}
	return false
}

// bodyNames are how the names of issuing bodies start, folded and
// without spaces.
var bodyNames = []string{"uybannhandan", "ubnd", "hoidongnhandan", "hdnd", "bo", "so", "phong", "cuc", "tongcuc", "vanphong",
	"chinhphu", "quochoi", "thutuong", "ban", "truong", "congan", "toaan", "vienkiemsat", "kiemtoan", "nganhang", "thanhtra", "chicuc", "trungtam", "benhvien"}

// bodyName: s starts as an issuing body's name does ("ỦY BAN NHÂN DÂN",
// "BỘ TƯ PHÁP", "SỞ NỘI VỤ"); a body page's headings ("II. KẾT QUẢ") do not.
func bodyName(s string) bool {
	w := strings.Fields(foldWord(cleanUpper(s)))
	if len(w) == 0 {
		return false
	}
	for _, n := range bodyNames {
		if j := strings.Join(w, ""); strings.HasPrefix(j, n) && (len(n) > 3 || w[0] == n) {
			return true
		}
	}
	return false
}

// continues: a segment of s's line ends just left of s, as the words of
// a sentence before a wide space do ("… số 30/2020/NĐ-CP | ngày 05 tháng 3
// năm 2020"); the header's number cell ends far left of its date cell.
func (l *pageLayout) continues(s *segment) bool {
	for i := range l.segs {
		t := &l.segs[i]
		if t != s && sameLine(t, s) && t.x1 <= s.x0 && s.x0-t.x1 < 1.5*s.h {
			return true
		}
	}
	return false
}

// sameLine: a and b are on one text line.
func sameLine(a, b *segment) bool { return math.Abs(a.cy-b.cy) < min(a.h, b.h)/2 }

// signerBlock is where signature found the signer's name and titles.
type signerBlock struct {
	name   *segment
	titles []*segment // top to bottom
}

// signature reads the signer's block at the bottom right of the page: the
// lowest name in the right column, and the capitalised lines above it.
func (l *pageLayout) signature(m *Metadata) (sb signerBlock) {
	// Under a header, the block is below it; on a last page of its own it
	// can be at the top (the body ended on the page before).
	from := 0.0
	if l.hasHeader() {
		from = l.h * 0.25
	}
	name := -1
	for i := len(l.segs) - 1; i >= 0; i-- {
		s := &l.segs[i]
		if s.x0 > l.w*0.4 && s.cy > from && looksLikeName(nameOf(s.text)) {
			name = i
			break
		}
	}
	if name < 0 {
		return sb
	}
	n := &l.segs[name]
	var titles []*segment
	for i := name - 1; i >= 0; i-- {
		s := &l.segs[i]
		if s.x0 < l.w*0.35 || math.Abs(s.cx-n.cx) > l.w*0.15 {
			continue
		}
		if !mostlyUpper(s.text) && !titleLike(s.text) {
			if s.conf < 0.6 || letters(s.text) < 5 {
				continue // a piece of the seal or the signature read as letters
			}
			break
		}
		limit := 2.2 * s.h
		if !slices.ContainsFunc(titles, func(s *segment) bool { return titleLike(s.text) }) {
			// The signature and the seal (its text read as capitals) sit
			// between the title and the name.
			limit = l.h * 0.15
		}
		prev := n
		if len(titles) > 0 {
			prev = titles[len(titles)-1]
		}
		if prev.cy-s.cy > limit {
			break
		}
		titles = append(titles, s)
	}
	if len(titles) > 0 && !slices.ContainsFunc(titles, func(s *segment) bool { return titleLike(s.text) }) {
		titles = nil // capitals above a name that name no office: a heading
	}
	if first := strings.Fields(foldWord(n.text)); len(first) > 0 && slices.Contains([]string{"chuong", "dieu", "muc", "phan", "khoan", "phu"}, first[0]) {
		return sb // "Chương I", "Điều 2": a body's heading
	}
	score := 1.0
	if len(titles) == 0 {
		// A name with no title above it is the signer's only when it reads
		// as a person's (a known surname) at the right of the page's foot
		// half: the seal can make the titles unreadable.
		if !knownSurname(nameOf(n.text)) || n.cx < l.w*0.5 {
			return sb
		}
		score = 0.6
	}
	m.Signer = &Field{Value: snapSurname(nameOf(n.text)), Confidence: round2((n.conf + minConf(n)) / 2 * score)}
	slices.Reverse(titles)
	sb = signerBlock{name: n, titles: titles}
	if len(titles) == 0 {
		return sb
	}
	// "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "TL. …", "Q. …": on behalf
	// of; the signer's own title is the last line, under them.
	// The seal's strokes can cut that line in pieces ("PHÔ" | "CHỦ TỊCH");
	// the seal's own text, read between title and name, is no title.
	last := titles[len(titles)-1]
	for i := len(titles) - 1; i >= 0; i-- {
		if onBehalf(titles[i].text) && i > 0 {
			continue
		}
		if t, score := snapTitle(titles[i].text); score < 1 || slices.Contains(officeTitles, t) || titleLike(titles[i].text) {
			last = titles[i]
			break
		}
	}
	var line []*segment
	for _, t := range titles {
		if sameLine(t, last) && (t == last || !titleLike(t.text) || strings.HasPrefix(foldWord(last.text), "pho")) {
			line = append(line, t)
		}
	}
	slices.SortFunc(line, func(a, b *segment) int { return cmp.Compare(a.x0, b.x0) })
	var parts []string
	var conf float64
	for _, t := range line {
		parts = append(parts, t.text)
		conf += t.conf
	}
	title, score := snapTitle(correctUpper(cleanUpper(strings.Join(parts, " "))))
	m.SignerTitle = &Field{Value: title, Confidence: round2(conf / float64(len(line)) * score)}
	return sb
}

// surnamesExact are the commonest family names as they are written.
var surnamesExact = []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
	"Dương", "Lý", "Trịnh", "Đinh", "Đoàn", "Lâm", "Mai", "Trương", "Hà", "Cao", "Lưu", "Lương", "Tạ", "Thái", "Tô", "Chu"}

// snapSurname undoes one OCR slip in a name's family name ("Dặng Thị
// Trung" for "Đặng Thị Trung"): a first word one edit from exactly one
// common family name, and not one itself, becomes it.
func snapSurname(name string) string {
	// Two words read of a name of three: the family name was lost, and the
	// first word is the middle name ("Thu Vinh"), not to be made one.
	w := strings.Fields(name)
	if len(w) < 3 || slices.Contains(surnamesExact, w[0]) {
		return name
	}
	// One edit, or a stroke of the signature read as letters before it
	// ("INưuỳnh" for "Huỳnh"): the word's tail one edit from the name.
	found := ""
	r := []rune(w[0])
	for k := 0; k+3 <= len(r) && found == ""; k++ {
		for _, s := range surnamesExact {
			if levenshtein(string(r[k:]), s) == 1 || k > 0 && string(r[k:]) == s {
				if found != "" && found != s {
					return name
				}
				found = s
			}
		}
	}
	if f := foldWord(w[0]); found == "" && !knownSyllable(w[0]) {
		// Not a syllable at all ("Đăñg", "ILran"): the marks or a stroke
		// of the signature garbled it. Folded, the word or its tail after
		// a stroke read as a letter is one family name, or one edit from
		// one.
		fr := []rune(f)
		for k := 0; k+3 <= len(fr) && k <= 1; k++ {
			for _, s := range surnamesExact {
				if levenshtein(string(fr[k:]), foldWord(s)) <= 1 {
					if found != "" && found != s {
						return name
					}
					found = s
				}
			}
		}
	}
	if f := foldWord(w[0]); found == "" && len(r) >= 4 && !slices.Contains(surnames, f) {
		// Folded, for the marks OCR misread with the letter ("Iran" for
		// "Trần"); not a short word, which may be a rarer family name
		// ("Mạc", "Kha").
		for _, s := range surnamesExact {
			if levenshtein(foldWord(w[0]), foldWord(s)) == 1 {
				if found != "" && found != s {
					return name
				}
				found = s
			}
		}
	}
	if found == "" {
		return name
	}
	w[0] = found
	return strings.Join(w, " ")
}

// titles are the offices signers hold, as the signer block prints them.
var officeTitles = []string{"CHỦ TỊCH", "PHÓ CHỦ TỊCH", "GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG",
	"BỘ TRƯỞNG", "THỨ TRƯỞNG", "CỤC TRƯỞNG", "PHÓ CỤC TRƯỞNG", "CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG", "TRƯỞNG BAN",
	"PHÓ TRƯỞNG BAN", "THỦ TƯỚNG", "PHÓ THỦ TƯỚNG", "CHI CỤC TRƯỞNG", "PHÓ CHI CỤC TRƯỞNG", "HIỆU TRƯỞNG", "CHÁNH THANH TRA", "TỔNG CỤC TRƯỞNG"}

// snapTitle is the office title s reads as, OCR's slips undone ("CHỗ
// TỊCH", "PHO GIAMĐÖðC"): the title it is within two edits of (folded,
// without spaces), the "KT."/"TM." it was glued to cut off; else s.
func snapTitle(s string) (string, float64) {
	f := strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) {
			return r
		}
		return -1
	}, foldWord(s))
	best, bestD := "", 3
	for _, t := range officeTitles {
		if d := levenshtein(f, strings.ReplaceAll(foldWord(t), " ", "")); d < bestD || d == bestD && best != "" && len(t) > len(best) {
			best, bestD = t, d
		}
	}
	if best == "" {
		return s, 1
	}
	// "PHÔ ) TỊCH": the seal took the middle of "PHÓ CHỦ TỊCH", and the
	// shorter title is nearer; the deputy's "PHÓ" read at its start says
	// which it is.
	if strings.HasPrefix(f, "pho") && !strings.HasPrefix(best, "PHÓ ") && slices.Contains(officeTitles, "PHÓ "+best) {
		best = "PHÓ " + best
	}
	return best, 1 - 0.1*float64(bestD)
}

// minConf is the confidence of s's least sure word, 0..1: an exact value
// needs every word right.
func minConf(s *segment) float64 {
	low := 1.0
	for _, w := range s.words {
		low = min(low, w.Conf/100)
	}
	return low
}

var reStrayDot = regexp.MustCompile(`(\pL)\. (\p{Ll})`)

// undot drops the full stops OCR puts inside a summary's sentence ("Quy
// chế. làm việc"): a stop followed by a word in lower case.
func undot(s string) string {
	s = reStrayDot.ReplaceAllString(s, "$1 $2")
	// "VỀ việc …": a capital OCR read for the small letter after the first.
	if w := strings.Fields(s); len(w) > 1 && len([]rune(w[0])) > 1 && mostlyUpper(w[0]) && !mostlyUpper(w[1]) && strings.ToLower(w[1]) == w[1] {
		r := []rune(w[0])
		w[0] = string(r[0]) + strings.ToLower(string(r[1:]))
		s = strings.Join(w, " ")
	}
	// A seal's or stamp's ink read as one long run of letters and digits
	// ("S35T3S72TiffirEsagipicosi"): no Vietnamese word is that long.
	w := strings.Fields(s)
	kept := w[:0]
	for _, x := range w {
		if len([]rune(x)) <= 12 || strings.ContainsAny(x, "/-") {
			kept = append(kept, x)
		}
	}
	return strings.Join(kept, " ")
}

// onBehalf: s is a line of the block that signs on behalf of a body or
// its head ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"), not the signer's own
// title.
func onBehalf(s string) bool {
	f := strings.ReplaceAll(foldWord(s), " ", "")
	return reOnBehalf.MatchString(s) || strings.HasPrefix(f, "tm") || strings.HasPrefix(f, "kt") || strings.Contains(f, "uybannhandan")
}

// titleLike: s names an office a signer holds or signs for ("PHÓ CHỦ
// TỊCH", "KT. GIÁM ĐỐC", "TM. ỦY BAN NHÂN DÂN"), however OCR spaced it.
func titleLike(s string) bool {
	if reOnBehalf.MatchString(s) {
		return true
	}
	f := strings.ReplaceAll(foldWord(s), " ", "")
	for _, t := range []string{"chutich", "giamdoc", "truong", "thutuong", "uybannhandan", "chanhvanphong", "phovanphong"} {
		if strings.Contains(f, t) {
			return true
		}
	}
	return false
}

// surnames are the commonest Vietnamese family names, folded (about nine
// people in ten carry one of them).
var surnames = []string{"nguyen", "tran", "le", "pham", "hoang", "huynh", "phan", "vu", "vo", "dang", "bui", "do", "ho", "ngo",
	"duong", "ly", "trinh", "dinh", "doan", "lam", "mai", "truong", "ha", "cao", "luu", "luong", "ta", "thai", "to", "chu",
	"kieu", "tang", "quach", "vuong", "la", "trieu", "lai", "phung", "khuc", "tong", "giang", "thach", "nong", "au", "lo", "an", "tieu", "nghiem", "van", "hua"}

// knownSurname: the name's first word is a common family name.
func knownSurname(name string) bool {
	w := strings.Fields(foldWord(name))
	return len(w) >= 2 && slices.Contains(surnames, w[0])
}

var reInnerStop = regexp.MustCompile(`(\pL)[.,;:]+\s`)

var reGlued = regexp.MustCompile(`\p{Lu}?\p{Ll}{2,}.*$`)

// nameOf cleans a full name as OCR reads it: trailing punctuation off,
// and words it glued together ("BùiQuốcYến") apart.
func nameOf(s string) string {
	var b strings.Builder
	prev := ' '
	// Stops OCR puts after a word inside the name ("Huỳnh Quốc. Hạnh");
	// a signature's stroke read as a letter before it ("ð Đức Nam").
	s = reInnerStop.ReplaceAllString(strings.TrimRight(s, ".,;:"), "$1 ")
	if w := strings.Fields(s); len(w) > 2 && (len([]rune(w[0])) == 1 || !unicode.IsUpper([]rune(w[0])[0])) {
		s = strings.Join(w[1:], " ")
	}
	for _, r := range s {
		if unicode.IsUpper(r) && unicode.IsLower(prev) {
			b.WriteRune(' ')
		}
		b.WriteRune(r)
		prev = r
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

var reOnBehalf = regexp.MustCompile(`^(?:TM|KT|TL|TUQ|Q|T/M)\s*[.:]`)

// garbledNumber: s starts like "Số:" and has digits, like a number row
// numberOf could not read ("SỞ: 9GM-UBND"). A body's name that starts
// with "SỞ" has no digits.
func garbledNumber(s string) bool {
	return reNumberWordAnyCase.MatchString(s) && strings.ContainsAny(s, "0123456789")
}

// reNumberWordAnyCase is reNumberWord with capitals too ("SỐ;"), which
// only the digits after it tell from the "SỞ" of a body's name.
var reNumberWordAnyCase = regexp.MustCompile(`^[SsŠ§&][ốôồổỗộóòỏõọoOơớờởỡợ0ỐÔỒỔỖỘÓÒỎÕỌƠỚỜỞỠỢ][:;.,]?`)

// numberOf reads "Số: 123/QĐ-UBND" and returns the number and symbol.
// The "Số:" OCR often garbles ("Sô:", "SỐ:", "§ố:", "&ố:"); the number
// and symbol themselves are the anchor: digits, a slash, a capital.
func numberOf(s string) (string, bool) {
	// A speck read as a mark beside a hyphen: "2704/UBND-.VP".
	s = hyphenSpeck.Replace(s)
	loc := reSymbol.FindStringSubmatchIndex(s)
	lostSlash := false
	if loc == nil {
		// The slash read as a letter ("272ICT-STP"): taken only when what
		// follows is a symbol of known codes.
		if loc = reSymbolNoSlash.FindStringSubmatchIndex(s); loc == nil {
			return "", false
		}
		lostSlash = true
	}
	// Before the number at most a garbled "Số:", one short word.
	if pre := strings.Fields(s[:loc[0]]); len(pre) > 1 || len(pre) == 1 && len([]rune(pre[0])) > 4 {
		return "", false
	}
	num := strings.Join(strings.Fields(s[loc[2]:loc[3]]), "")
	sym := strings.TrimRight(strings.Join(strings.Fields(s[loc[4]:loc[5]]), ""), ".,;:"+junkMarks)
	v := fixSymbol(num + "/" + sym)
	if lostSlash && !knownSymbol(v) {
		return "", false
	}
	return v, true
}

var (
	reSymbol        = regexp.MustCompile(`(\d{1,6})\s*/\s*([A-ZĐÐ][\pL0-9]*(?:\s*[-–]\s*[\pL0-9]+)*(?:/[\pL0-9]+)*)`)
	reSymbolNoSlash = regexp.MustCompile(`(\d{1,6})[Il|]([A-ZĐÐ][\pL0-9]*(?:\s*[-–]\s*[\pL0-9]+)+)`)
	hyphenSpeck     = strings.NewReplacer("-.", "-", ".-", "-", "-,", "-", ",-", "-")
)

// symbolCodes are the abbreviations of Decree 30 (appendix III) and of
// common issuing bodies, to repair what OCR reads as look-alikes.
var symbolCodes = append(slices.Clone(typeCodes),
	"UBND", "HĐND", "VP", "SCT", "SCTĐT", "BS", "STP", "SNV", "STC", "PTP", "BTP", "VTLTNN", "BNV", "BTC")

// codeTypes are the document types the codes of a symbol stand for
// (Decree 30/2020, appendix III).
var codeTypes = map[string]string{
	"QĐ": "QUYẾT ĐỊNH", "NQ": "NGHỊ QUYẾT", "NĐ": "NGHỊ ĐỊNH", "CT": "CHỈ THỊ", "QC": "QUY CHẾ", "QyĐ": "QUY ĐỊNH",
	"TB": "THÔNG BÁO", "HD": "HƯỚNG DẪN", "CTr": "CHƯƠNG TRÌNH", "KH": "KẾ HOẠCH", "PA": "PHƯƠNG ÁN", "ĐA": "ĐỀ ÁN",
	"DA": "DỰ ÁN", "BC": "BÁO CÁO", "BB": "BIÊN BẢN", "TTr": "TỜ TRÌNH", "HĐ": "HỢP ĐỒNG", "CĐ": "CÔNG ĐIỆN",
	"BGN": "BẢN GHI NHỚ", "BTT": "BẢN THỎA THUẬN", "GUQ": "GIẤY ỦY QUYỀN", "GM": "GIẤY MỜI", "GGT": "GIẤY GIỚI THIỆU",
	"GNP": "GIẤY NGHỈ PHÉP", "PG": "PHIẾU GỬI", "PC": "PHIẾU CHUYỂN", "PB": "PHIẾU BÁO", "GCN": "GIẤY CHỨNG NHẬN",
	"GP": "GIẤY PHÉP", "GXN": "GIẤY XÁC NHẬN",
}

// typeOfSymbol is the document type the number and symbol n says, with
// less confidence than n: the type its first code stands for
// ("12/QĐ-UBND": QUYẾT ĐỊNH), or a letter (công văn) when a symbol of
// known codes starts with the issuing body's ("12/UBND-VP"). Nil when n
// says nothing: nil, or of unknown codes.
func typeOfSymbol(n *Field) *Field {
	if n == nil || !knownSymbol(n.Value) {
		return nil
	}
	first, _, _ := strings.Cut(n.Value[strings.Index(n.Value, "/")+1:], "-")
	if t, ok := codeTypes[first]; ok {
		return &Field{Value: t, Confidence: round2(n.Confidence * 0.7)}
	}
	if slices.Contains(typeCodes, first) {
		return nil
	}
	return &Field{Value: "CÔNG VĂN", Confidence: round2(n.Confidence * 0.6)}
}

// typeCodes are the codes of document types: in a symbol, one is followed
// by the issuing body's ("QĐ-UBND").
var typeCodes = []string{
	"QĐ", "NQ", "NĐ", "CT", "QC", "QyĐ", "TB", "HD", "CTr", "KH", "PA", "ĐA", "DA", "BC", "BB", "TTr", "HĐ",
	"CĐ", "BGN", "BTT", "GUQ", "GM", "GGT", "GNP", "PG", "PC", "PB", "TC", "GCN", "GP", "GXN",
}

// fixSymbol repairs the letters of a symbol: Ð (U+00D0) for Đ, and a
// part that folds to a known code but is not one.
func fixSymbol(s string) string {
	s = strings.NewReplacer("Ð", "Đ", "–", "-", "—", "-").Replace(s)
	slash := strings.Index(s, "/")
	parts := strings.Split(s[slash+1:], "-")
	for i, p := range parts {
		if slices.Contains(symbolCodes, p) {
			continue
		}
		if loc := reGlued.FindStringIndex(p); loc != nil && i == len(parts)-1 {
			// The date cell glued on: "UBNDThành" → "UBND".
			p = p[:loc[0]]
			parts[i] = p
		}
		for _, c := range symbolCodes {
			if strings.EqualFold(foldWord(p), foldWord(c)) {
				parts[i] = c
				break
			}
		}
		if !slices.Contains(symbolCodes, parts[i]) {
			if c := unslip(p, symbolCodes); c != "" {
				parts[i] = c
			} else {
				parts[i] = snapCode(p)
			}
		}
	}
	return s[:slash+1] + strings.Join(parts, "-")
}

// knownSymbol: every part of the symbol of s ("123/QĐ-UBND") is a code of
// symbolCodes.
func knownSymbol(s string) bool {
	slash := strings.Index(s, "/")
	if slash < 0 {
		return false
	}
	for _, p := range strings.Split(s[slash+1:], "-") {
		if !slices.Contains(symbolCodes, p) {
			return false
		}
	}
	return true
}

// unslip is the one code of codes that p becomes when one of Tesseract's
// slips on a symbol's letters is undone, or "" when none or several
// does: a letter doubled ("QĐĐ", "QĐĐĐ"), a T read as I, l, 1 or | ("TIr",
// "C1") or one of those added ("TTIr", "TT1r"), a P read as F ("STF").
// Hand-written: the slips are the ones go run ./metadata/eval shows.
func unslip(p string, codes []string) string {
	r := []rune(p)
	var variants []string
	var undoubled []rune
	for i, c := range r {
		if i == 0 || c != r[i-1] {
			undoubled = append(undoubled, c)
		}
	}
	variants = append(variants, string(undoubled))
	for i, c := range r {
		switch c {
		case 'I', 'l', '1', '|', '!':
			variants = append(variants, string(r[:i])+"T"+string(r[i+1:]), string(r[:i])+string(r[i+1:]))
		case 'F':
			variants = append(variants, string(r[:i])+"P"+string(r[i+1:]))
		}
	}
	found := ""
	for _, v := range variants {
		if v == p || !slices.Contains(codes, v) || v == found {
			continue
		}
		if found != "" {
			return ""
		}
		found = v
	}
	return found
}

// snapCode repairs a part p of a symbol that is no known code when there
// is one way to: two codes whose hyphen OCR lost ("CTVTLTNN" →
// "CT-VTLTNN"), or a code of four letters or more one letter off
// ("UBNT" → "UBND"), with no other code as near. Else p is returned.
func snapCode(p string) string {
	var glued []string
	for _, a := range symbolCodes {
		if b, ok := strings.CutPrefix(p, a); ok && slices.Contains(symbolCodes, b) {
			glued = append(glued, a+"-"+b)
		}
	}
	if len(glued) == 1 {
		return glued[0]
	}
	if len(glued) > 1 {
		return p
	}
	near := ""
	for _, c := range symbolCodes {
		if levenshtein(p, c) == 1 && len([]rune(c)) >= 4 && len([]rune(p)) >= 4 {
			if near != "" {
				return p
			}
			near = c
		}
	}
	if near == "" {
		return p
	}
	return near
}

// dateOf reads "Hà Nội, ngày 05 tháng 6 năm 2026": the place, day, month
// and year, and the number of the place's words.
func dateOf(s string) (place string, dmy [3]int, n int, ok bool) {
	// A comma glues the place to "ngày" when the space after it is lost
	// ("Hà Nội,.ngày 19").
	w := strings.Fields(strings.ReplaceAll(spaceDigits(s), ",", ", "))
	num := func(x string) (int, bool) {
		v, err := strconv.Atoi(x)
		return v, err == nil
	}
	for k := 0; k+5 < len(w); k++ {
		if foldWord(strings.Trim(w[k], ".,;:")) != "ngay" || !strings.HasPrefix(foldWord(w[k+2]), "thang") || !strings.HasPrefix(foldWord(w[k+4]), "nam") {
			continue
		}
		d, ok1 := num(w[k+1])
		mo, ok2 := num(w[k+3])
		y, ok3 := num(w[k+5])
		if !ok1 || !ok2 || !ok3 || !calendarDay(y, mo, d) || y < 1900 || y > 2200 {
			continue
		}
		// The header's date row is a place and the date, nothing after:
		// a body's date is followed by what it dates ("… năm 2020 của
		// Chính phủ") or preceded by more than a place ("Căn cứ Luật Tổ
		// chức chính quyền địa phương ngày …").
		if k > 6 || words(w[k+6:]) > 0 {
			continue
		}
		if !placeLike(w[:k]) {
			continue // "Điều này được tính từ ngày …": a sentence, not a place
		}
		place = correctPlace(strings.TrimRight(strings.Join(w[:k], " "), " ,.;:"))
		return place, [3]int{d, mo, y}, k, true
	}
	return "", dmy, 0, false
}

// placeLike: w, the words before a date, can be a place's name: each
// starts with a capital but the kind words inside a name ("Thành phố Hồ
// Chí Minh", "Thị xã …") and, maybe, a first word OCR slipped on; OCR's
// stray marks (no letters) do not count.
func placeLike(w []string) bool {
	lower := 0
	for i, x := range w {
		r := []rune(strings.Trim(x, ".,;:'\"-"))
		if len(r) == 0 || !unicode.IsLetter(r[0]) {
			continue
		}
		if unicode.IsLower(r[0]) && !slices.Contains([]string{"phố", "xã", "thị", "trấn"}, string(r)) {
			// OCR reads a capital I as l ("la KRai" for "Ia KRai"): a
			// first word may slip, a sentence has more than one.
			if lower++; i > 0 || lower > 1 {
				return false
			}
		}
	}
	return true
}

// words counts the words of w with two letters or more.
func words(w []string) int {
	n := 0
	for _, x := range w {
		l := 0
		for _, r := range x {
			if unicode.IsLetter(r) {
				l++
			}
		}
		if l >= 2 {
			n++
		}
	}
	return n
}

// spaceDigits separates digits from letters and from the punctuation OCR
// glues to them ("tháng4năm-2023." → "tháng 4 năm 2023").
func spaceDigits(s string) string {
	r := []rune(s)
	var b strings.Builder
	for i, c := range r {
		digitNear := i > 0 && unicode.IsDigit(r[i-1]) || i+1 < len(r) && unicode.IsDigit(r[i+1])
		switch {
		case strings.ContainsRune("-–.,;:_", c) && digitNear:
			b.WriteRune(' ')
			continue
		case i > 0 && (unicode.IsDigit(c) && unicode.IsLetter(r[i-1]) || unicode.IsLetter(c) && unicode.IsDigit(r[i-1])):
			b.WriteRune(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// vvOf reads the "V/v …" of a letter, which OCR sometimes reads "VW", "V/V", "Vlv".
var reVV = regexp.MustCompile(`^V[/|Il1\\ví]{0,2}[vVWwyY4]?\s+`)

func vvOf(s string) (string, bool) {
	loc := reVV.FindStringIndex(s)
	if loc == nil {
		return "", false
	}
	return strings.TrimSpace(s[loc[1]:]), true
}

// matchType maps a centred capitalised line to a document type: a known
// type (score 1, or less for OCR slips), or the line itself when it is
// short (0.6). Score 0: not a type line.
func matchType(s string) (string, float64) {
	s = strings.ToUpper(cleanUpper(s))
	s = strings.TrimRight(s, ":")
	f := strings.ReplaceAll(foldWord(s), " ", "")
	best, bestD := "", 1<<30
	for _, t := range types {
		if d := levenshtein(f, strings.ReplaceAll(foldWord(t), " ", "")); d < bestD {
			best, bestD = t, d
		}
		if s == t {
			return t, 1
		}
	}
	if bestD <= max(1, len([]rune(best))/4) {
		return best, 0.9 - 0.1*float64(bestD)
	}
	if n := len(strings.Fields(s)); n >= 1 && n <= 5 && !isMotto(s) {
		return s, 0.6
	}
	return "", 0
}

// foldWord lower-cases s and strips Vietnamese diacritics (đ → d).
func foldWord(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'đ':
			b.WriteRune('d')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mostlyUpper: at least 80% of the letters are capitals.
func mostlyUpper(s string) bool {
	var up, low int
	for _, r := range s {
		switch {
		case unicode.IsUpper(r):
			up++
		case unicode.IsLower(r):
			low++
		}
	}
	return up >= 2 && up*5 >= 4*(up+low)
}

// cleanUpper trims stray punctuation OCR puts around capitalised lines.
func cleanUpper(s string) string {
	return strings.Join(strings.Fields(strings.Trim(s, " _-—~|'\"‘’`.,:;")), " ")
}

// levenshtein is the edit distance between a and b in runes. Hand-written:
// a dozen lines, not worth a dependency.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			c := 1
			if ra[i-1] == rb[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
