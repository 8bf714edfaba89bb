package metadata

import (
	"context"
	"fmt"
	"image"
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/sohoa-vn/sohoa/ocr"
)

// Reread recognises again, on its own, a rectangle of the image of the
// document's page i (counted from 0 in the pages given to
// FromPagesReread): ocr.Pool.RecognizeRegion on that page's image.
type Reread func(ctx context.Context, page int, r ocr.Region) (*ocr.Page, error)

// FromPagesReread is FromPages, except that when the issuing body it
// reads is uncertain (no "Số: …" row to anchor it, a low confidence, or
// words that are not Vietnamese syllables) it has the header's left
// column recognised again on its own through reread, and keeps the
// better of the two readings. Tesseract reading a whole page can merge
// the header's short capitalised lines with their neighbours or with dust
// (e.g. "NGHỆ AN / SỞ NỘI VỤ" as "NGHEAIU"); the same lines cut out of the
// page and cleaned of specks read well. Only uncertain pages pay for the
// second recognition, of a small rectangle.
//
// The document type is read again the same way, from its band under the
// header, when none of Decree 30's types was read with confidence: heavy
// dust makes Tesseract drop the large bold type line from the page's
// reading, or garble it ("QUWẾTBNH"), while the band alone, cleaned of
// specks, reads well. So is the number, from its cell of the number row,
// when none was read (or one of unknown codes), and the date, from its
// cell, when none was read or one of its numbers was read unsure; when
// two readings of the date disagree a third, enlarged, settles it (see
// rereadRows).
//
// When reread fails, the metadata of the first reading is returned with
// the error.
func FromPagesReread(ctx context.Context, pages []*ocr.Page, reread Reread) (Metadata, error) {
	return fromPages(ctx, pages, reread)
}

// minIssuerConf is the confidence under which an issuing body is read
// again. Measured on go run ./metadata/eval: right readings score 0.72 and
// up when the number row anchors them, wrong ones mostly under 0.8.
const minIssuerConf = 0.8

// issuerUncertain: the issuing body in m, as read with hb, is worth a
// second reading.
func issuerUncertain(m *Metadata, hb headerBlock) bool {
	return m.Issuer == nil || hb.num == nil || m.Issuer.Confidence < minIssuerConf || !plausibleUpper(m.Issuer.Value)
}

// subordinates are the first words, folded, of bodies that Decree 30
// heads with the name of the body they answer to: a department (SỞ TƯ
// PHÁP under UBND TỈNH …), a directorate (CỤC … under BỘ …), an office
// (PHÒNG …, VỤ …), and a unit's name, which an issuing body carries after
// its people's committee (ỦY BAN NHÂN DÂN / THÀNH PHỐ ĐÀ NẴNG).
var subordinates = append([]string{"so", "cuc", "chi cuc", "tong cuc", "phong", "vu"}, unitKinds...)

// lacksParent: the issuing body f starts as a subordinate body does, with
// no line above naming the body it answers to. Tesseract leaves a short
// first line of the header unread (BỘ NỘI VỤ, ỦY BAN NHÂN DÂN) where no
// right column stands beside it, and what remains reads with confidence.
func lacksParent(f *Field) bool {
	if f == nil {
		return false
	}
	v := foldWord(f.Value)
	for _, k := range subordinates {
		if strings.HasPrefix(v, k+" ") {
			return true
		}
	}
	return false
}

// rereadIssuer reads the issuing body again when it is uncertain, and
// replaces it in m when the second reading is better. words are the
// page's as the first reading found them.
func (l *pageLayout) rereadIssuer(ctx context.Context, m *Metadata, hb headerBlock, words []ocr.Word, reread func(context.Context, ocr.Region) (*ocr.Page, error)) error {
	reg := l.headerRegion(hb)
	if reg.rect.Empty() {
		return nil
	}
	doubted := l.doubtfulInk(words, reg) || l.skippedRow(hb, reg) || lacksParent(m.Issuer)
	if !doubted && !issuerUncertain(m, hb) {
		return nil
	}
	rect := reg.rect
	p, err := reread(ctx, ocr.Region{Rect: rect, Erase: reg.erase, Despeckle: true, PSM: 4})
	if err != nil {
		return fmt.Errorf("metadata: đọc lại cơ quan ban hành thất bại / reread the issuing body: %w", err)
	}
	// Words the rectangle's sides cut through are pieces of the
	// neighbouring cells (the national motto): drop them. (Tesseract's
	// box of a cut letter can stop a pixel or two short of the cut.)
	kept := p.Words[:0:0]
	for _, w := range p.Words {
		if w.Box.Min.X > rect.Min.X+3 && w.Box.Max.X < rect.Max.X-3 {
			kept = append(kept, w)
		}
	}
	if len(kept) == 0 {
		return nil
	}
	again := *p
	again.Words = kept
	var m2 Metadata
	newLayout(&again).header(&m2)
	if m2.Issuer != nil && m2.NumberSymbol == nil && hb.num != nil {
		// The first reading's number row anchors the rectangle, and so
		// the lines the second reads above it, even when the second
		// reads that row worse.
		m2.Issuer.Confidence = min(1, round2(m2.Issuer.Confidence/unanchored))
	}
	if betterIssuer(m2.Issuer, m.Issuer, doubted) {
		m.Issuer = m2.Issuer
	}
	// The rectangle holds the number row: a number the first reading
	// missed comes with it, and so does the "V/v" of a letter under it.
	if m.NumberSymbol == nil {
		m.NumberSymbol = m2.NumberSymbol
	}
	if m.Type == nil && m2.Type.String() == "CÔNG VĂN" {
		m.Type, m.Summary = m2.Type, m2.Summary
	}
	return nil
}

// betterIssuer: reading a of the issuing body (the second) is to be
// preferred to b (the first): a plausible reading over an implausible
// one; else not when it differs only in diacritics (the first saw the
// marks before despeckling); else a confident one (see minIssuerConf)
// over one that is not, b counting as not when doubted (unread ink was
// found among its rows); else the longer of the two (a line lost is the
// commoner slip: merged with dust, or left unread); else the more
// confident.
func betterIssuer(a, b *Field, doubted bool) bool {
	switch {
	case a == nil:
		return false
	case b == nil:
		return true
	}
	if pa, pb := plausibleUpper(a.Value), plausibleUpper(b.Value); pa != pb {
		return pa
	}
	if foldWord(a.Value) == foldWord(b.Value) {
		return false
	}
	if ca, cb := a.Confidence >= minIssuerConf, b.Confidence >= minIssuerConf && !doubted; ca != cb {
		return ca
	}
	if na, nb := len(strings.Fields(a.Value)), len(strings.Fields(b.Value)); na != nb {
		return na > nb
	}
	return a.Confidence > b.Confidence
}

// region is where the issuing body is on the page.
type region struct {
	rect  image.Rectangle   // in the page image's pixels
	erase []image.Rectangle // the right column's words inside rect
	// In the layout's frame: the column's right side, where its rows
	// above the number row end, and the height of a line.
	right, rowsEnd, h float64
}

// headerRegion is the rectangle of the page image (in its pixels) that
// holds the issuing body: the left column of the header, from the top of
// the page down to the number row included (it anchors the second
// reading as it does the first), and up to the right column (the motto)
// or the middle of the page.
func (l *pageLayout) headerRegion(hb headerBlock) region {
	h := l.h * 0.012 // a text line at 12–14 pt, when no row says better
	switch {
	case hb.num != nil:
		h = hb.num.h
	case len(hb.iss) > 0:
		h = hb.iss[0].h
	}
	// Without the number row, the header ends with the date row when it
	// was found where the header ends (a date in the body does not say),
	// else by the top fifth of the page, as Decree 30 places it.
	bottom, rowsEnd := hb.bottom, hb.bottom
	if hb.num != nil {
		bottom, rowsEnd = hb.num.cy+hb.num.h, hb.num.cy-hb.num.h/2
	} else if hb.date == nil || hb.bottom > l.h*0.2 {
		bottom, rowsEnd = l.h*0.18, l.h*0.18
	}
	// The left column reaches the middle of the page and stops before
	// the right column.
	right, rightCol := l.w*0.5, math.Inf(1)
	var cells []*segment
	for i := range l.segs {
		s := &l.segs[i]
		if s.cy >= rowsEnd {
			break
		}
		// A cell of the right column starts right of the left column's
		// centre, which every line of the left column crosses. (A row
		// that crosses it too is the two columns read as one.)
		if s.x0 > hb.colC && (s.cx > l.w*0.4 || isMotto(s.text)) {
			rightCol = min(rightCol, s.x0)
			cells = append(cells, s)
		}
	}
	right = min(right, rightCol-h/2)
	// A long line of the body's name can reach past that, beside a
	// shorter line of the right column: the rectangle then takes it
	// whole, and the right column's words it takes in are erased.
	for _, s := range hb.iss {
		if s.x1+h/2 > right {
			right = min(s.x1+h/2, l.w*0.6)
		}
	}
	var erase []image.Rectangle
	for _, s := range cells {
		for _, w := range s.words {
			erase = append(erase, w.Box.Inset(-int(h/5)))
		}
	}
	if right <= hb.colC {
		return region{}
	}
	// The left column's lines are centred on colC; the rows read first
	// may have lost a word at either end ("Số:" of the number row), so
	// the rectangle reaches past both the mirror of its right side and
	// what was read.
	left := 2*hb.colC - right
	for _, s := range append([]*segment{hb.num}, hb.iss...) {
		if s != nil {
			left = min(left, s.x0-2*h)
		}
	}
	left = max(0, left)
	return region{rect: l.pageRect(left, 0, right, bottom), erase: erase, right: right, rowsEnd: rowsEnd, h: h}
}

// pageRect is the rectangle of the page image (in its pixels, clipped to
// the page) that holds the rectangle x0,y0–x1,y1 of the layout's deskewed
// frame: the bounding box of its corners.
func (l *pageLayout) pageRect(left, top, right, bottom float64) image.Rectangle {
	a := math.Atan(l.slope)
	sin, cos := math.Sin(a), math.Cos(a)
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, c := range [][2]float64{{left, top}, {right, top}, {left, bottom}, {right, bottom}} {
		x, y := c[0]*cos-c[1]*sin, c[0]*sin+c[1]*cos
		x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
	}
	r := image.Rect(int(math.Floor(x0)), int(math.Floor(y0)), int(math.Ceil(x1)), int(math.Ceil(y1)))
	return r.Intersect(image.Rect(0, 0, int(l.w), int(l.h)))
}

// doubtfulInk: the first reading put a word Tesseract was unsure of
// (confidence under 60), too big to be a speck of dust and with letters
// in it (dust reads as dots and dashes), among the issuing body's rows. A line it could not read at all is dropped from the
// issuing body as junk, and what is left can look certain.
func (l *pageLayout) doubtfulInk(words []ocr.Word, reg region) bool {
	a := math.Atan(l.slope)
	sin, cos := math.Sin(a), math.Cos(a)
	for _, w := range words {
		if w.Conf >= 60 || float64(w.Box.Dx()) < reg.h/2 || float64(w.Box.Dy()) < reg.h/2 || letters(w.Text) == 0 {
			continue
		}
		x, y := float64(w.Box.Min.X+w.Box.Max.X)/2, float64(w.Box.Min.Y+w.Box.Max.Y)/2
		if x*cos+y*sin < reg.right && -x*sin+y*cos < reg.rowsEnd {
			return true
		}
	}
	return false
}

// letters counts the letters and digits of s.
func letters(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	return n
}

// skippedRow: a row of the left column above the number row was left out
// of the issuing body (not capitals, or read as one with the right
// column's cell beside it: "SỞ TÀI CHÍNH _Õ Độclập-Tựdo-Hạnhphúc").
func (l *pageLayout) skippedRow(hb headerBlock, reg region) bool {
	for i := range l.segs {
		s := &l.segs[i]
		if s.cy >= reg.rowsEnd {
			break
		}
		if s.x0 < hb.colC && letters(s.text) >= 2 && !slices.Contains(hb.iss, s) {
			return true
		}
	}
	return false
}

// minTypeConf is the confidence under which a known document type is
// read again.
const minTypeConf = 0.5

// typeUncertain: the document type t is worth a second reading: none was
// found, or a line that is no type of Decree 30's list, or one read with
// little confidence. Heavy dust makes Tesseract drop the large bold type
// line from a page's reading altogether, or read it as "QUWẾTBNH".
func typeUncertain(t *Field) bool {
	return t == nil || !slices.Contains(types, t.Value) || t.Confidence < minTypeConf
}

// typeRegion is the band of the page image (in its pixels) where the
// document type is: under the header, centred on the page, down to the
// line under the type (the summary) or, without one, a few lines down.
func (l *pageLayout) typeRegion(hb headerBlock) (image.Rectangle, []image.Rectangle) {
	h := l.h * 0.012
	switch {
	case hb.num != nil:
		h = hb.num.h
	case hb.date != nil:
		h = hb.date.h
	case len(hb.iss) > 0:
		h = hb.iss[0].h
	}
	top := hb.bottom
	bottom := top + 6*h
	from := top + h // lines under the header start below this
	if hb.num == nil && hb.date == nil {
		// No row says where the header ends: under the issuing body's
		// last line, else where Decree 30's header ends at the earliest,
		// with the number row, unread, in the band.
		top = l.h * 0.12
		if len(hb.iss) > 0 {
			top = hb.iss[len(hb.iss)-1].cy + h/2
		}
		bottom, from = top+8*h, top+3*h
	}
	centreX := l.w * 0.53
	if t := hb.typ; t != nil {
		top, bottom = max(top, t.cy-1.5*h), min(bottom, t.cy+1.5*h)
	}
	// The rows read around the band (the number row too when it was read
	// garbled: see garbledRow), whose words are erased where the band's
	// rectangle (on a skewed page, the bounding box of the band) takes
	// them in: they would be read as one with the type.
	var known []*segment
	row := l.garbledRow(hb)
	for _, s := range []*segment{hb.num, hb.date, row} {
		if s != nil {
			known = append(known, s)
		}
	}
	known = append(known, hb.iss...)
	for i := range l.segs {
		s := &l.segs[i]
		// The first centred line under the type's place that reads as
		// text (the summary, or the body; not the type line garbled, nor
		// the number row): the type sits above it.
		if s == hb.typ || s == row || s.cy-s.h/2 <= from || math.Abs(s.cx-centreX) > l.w*0.12 || mostlyUpper(s.text) || s.conf < 0.6 {
			continue
		}
		bottom = min(bottom, s.cy-0.7*s.h)
		known = append(known, s)
		break
	}
	if bottom-top < h {
		return image.Rectangle{}, nil
	}
	rect := l.pageRect(centreX-0.25*l.w, top, centreX+0.25*l.w, bottom)
	var erase []image.Rectangle
	for _, s := range known {
		for _, w := range s.words {
			if b := w.Box.Inset(-int(h / 5)); b.Overlaps(rect) {
				erase = append(erase, b)
			}
		}
	}
	return rect, erase
}

// rereadType reads the document type again, from its band alone, when it
// is uncertain, and keeps the second reading when it is a type of the list
// and the first was not, or is read with more confidence.
func (l *pageLayout) rereadType(ctx context.Context, m *Metadata, hb headerBlock, reread func(context.Context, ocr.Region) (*ocr.Page, error)) error {
	if !typeUncertain(m.Type) {
		return nil
	}
	rect, erase := l.typeRegion(hb)
	if rect.Empty() {
		return nil
	}
	p, err := reread(ctx, ocr.Region{Rect: rect, Erase: erase, Despeckle: true, PSM: 4})
	if err != nil {
		return fmt.Errorf("metadata: đọc lại loại văn bản thất bại / reread the document type: %w", err)
	}
	t := bestType(newLayout(p))
	if t == nil {
		return nil
	}
	if m.Type == nil || !slices.Contains(types, m.Type.Value) || t.Confidence > m.Type.Confidence {
		m.Type = t
	}
	return nil
}

// bestType is the line of l that reads best as a type of the list, or nil.
func bestType(l *pageLayout) *Field {
	var best *Field
	for _, s := range l.segs {
		if !mostlyUpper(s.text) {
			continue
		}
		t, score := matchType(s.text)
		if !slices.Contains(types, t) {
			continue
		}
		if c := round2(s.conf * score); best == nil || c > best.Confidence {
			best = &Field{Value: t, Confidence: c}
		}
	}
	return best
}

// minNumberConf is the confidence under which a number is read again:
// dust changes its digits ("1549" read "1849" at 0.46).
const minNumberConf = 0.6

// numberUncertain: the number and symbol f is worth a second reading:
// none, one of codes not known (see knownSymbol), a type's code without
// the issuing body's after it ("2436/BC" for "2436/BC-UBND"), a symbol of
// one code (a letter's "2704/UBND-VP" read "2704/UBND": the page's
// reading drops a short last part), or one read with little confidence.
func numberUncertain(f *Field) bool {
	return f == nil || !completeSymbol(f.Value) || !strings.Contains(f.Value, "-") || f.Confidence < minNumberConf
}

// completeSymbol: s is of known codes, and a type's code is not its last.
func completeSymbol(s string) bool {
	if !knownSymbol(s) {
		return false
	}
	parts := strings.Split(s[strings.Index(s, "/")+1:], "-")
	return !slices.Contains(typeCodes, parts[len(parts)-1])
}

// betterNumber: reading a of the number (the second) is to be preferred
// to b: a complete symbol (see completeSymbol) over one that is not, else
// one that is b with a code more ("2704/UBND-VP" over "2704/UBND"), else
// the more confident.
func betterNumber(a, b *Field) bool {
	if b == nil {
		return true
	}
	if ca, cb := completeSymbol(a.Value), completeSymbol(b.Value); ca != cb {
		return ca
	}
	if ea, eb := strings.HasPrefix(a.Value, b.Value+"-"), strings.HasPrefix(b.Value, a.Value+"-"); ea != eb {
		return ea
	}
	return a.Confidence > b.Confidence
}

// minNumberDigitConf is the confidence (0..100) of the number's word
// under which its digits are read again: on go run ./metadata/eval,
// Tesseract's digit slips ("2850" read "2880", "199" read "189") scored
// 18-62, and 38% of numbers score under 70.
const minNumberDigitConf = 70

// numberUnsure: the number row's digits were read with little confidence.
func numberUnsure(hb headerBlock) bool {
	return hb.num != nil && unsureDigits(hb.num, minNumberDigitConf)
}

// unsureDigits: a word of s with a digit in it scored under conf.
func unsureDigits(s *segment, conf float64) bool {
	for _, w := range s.words {
		if strings.ContainsAny(w.Text, "0123456789") && w.Conf < conf {
			return true
		}
	}
	return false
}

// numberOfPage is the first number and symbol of l (see numberOf), or nil.
func numberOfPage(l *pageLayout) *Field {
	for _, s := range l.segs {
		if v, ok := numberOf(s.text); ok {
			return &Field{Value: v, Confidence: round2(s.conf)}
		}
	}
	return nil
}

// digitsOf is the number of a number and symbol: "2850" of "2850/TB-BTP".
func digitsOf(v string) string {
	d, _, _ := strings.Cut(v, "/")
	return d
}

// voteNumber combines readings of the number row, the most trusted first
// (the cell's, then the page's): the number is the one most readings
// agree on (ties going to the more trusted), and its symbol the best (see
// betterNumber) of the readings of that number, ties going the other way,
// to the page's: the cell reads digits better, not letters. Its
// confidence is that reading's times the share of readings that agree on
// the number. Nil when there are none.
func voteNumber(rs []*Field) *Field {
	if len(rs) == 0 {
		return nil
	}
	best, bestN := "", 0
	for _, r := range rs {
		n := 0
		for _, o := range rs {
			if digitsOf(o.Value) == digitsOf(r.Value) {
				n++
			}
		}
		if n > bestN {
			best, bestN = digitsOf(r.Value), n
		}
	}
	var out *Field
	for i := len(rs) - 1; i >= 0; i-- {
		if r := rs[i]; digitsOf(r.Value) == best && (out == nil || betterNumber(r, out)) {
			out = r
		}
	}
	return &Field{Value: out.Value, Confidence: round2(out.Confidence * float64(bestN) / float64(len(rs)))}
}

// rowBand is where the number and date row is, top to bottom in the
// layout's frame, and the height of its line: around the number or the
// date when one was read, else around a row that reads as the header's
// date or spans both columns under the issuing body (the row garbled),
// else under the header's last line read well (the issuing body's, the
// motto's) and above the type.
func (l *pageLayout) rowBand(hb headerBlock) (top, bottom, h float64) {
	for _, s := range []*segment{hb.num, hb.date, l.garbledRow(hb)} {
		if s != nil {
			return s.cy - 1.2*s.h, s.cy + 1.2*s.h, s.h
		}
	}
	h = l.h * 0.012
	top = l.h * 0.08
	if len(hb.iss) > 0 {
		h = hb.iss[0].h
	}
	// (The issuing body's lines may end with the number row itself,
	// garbled into capitals: "BAO". Lines read well are above it.)
	end := l.h * 0.3
	if hb.typ != nil {
		end = hb.typ.cy - hb.typ.h/2
	}
	for i := range l.segs {
		s := &l.segs[i]
		if s.cy >= end {
			break
		}
		if s.conf >= 0.5 && (slices.Contains(hb.iss, s) || mottoLike(s.text)) {
			top = max(top, s.cy+s.h/2)
		}
	}
	bottom = top + 3*h
	if hb.typ != nil {
		bottom = min(bottom, hb.typ.cy-hb.typ.h/2)
	}
	return top, bottom, h
}

// mottoLike: s reads as a line of the national name and motto, however
// glued or garbled ("Độclập-Tựdo-Hạnh phúc").
func mottoLike(s string) bool {
	f := strings.ReplaceAll(foldWord(s), " ", "")
	for _, m := range []string{"conghoa", "chunghia", "doclap", "tudo", "hanhphuc"} {
		if strings.Contains(f, m) {
			return true
		}
	}
	return false
}

// garbledRow is, when neither the number nor the date was read, the line
// of the header where they should be: the first under the issuing body's
// first line, above the type and within a few lines of the body, that
// reads as a date with its numbers unread ("Hà Nội, ngày 20 tháng 10 năm
// 201)."); else, right under the body, the first that starts in the left
// column and reaches into the right one, as a row of two cells read as
// one does, and is not the motto. Nil when there is none, or when a row
// was read.
func (l *pageLayout) garbledRow(hb headerBlock) *segment {
	if hb.num != nil || hb.date != nil {
		return nil
	}
	from, to, near := 0.0, l.h*0.3, l.h*0.2
	if n := len(hb.iss); n > 0 {
		from = hb.iss[0].cy
		to = min(to, from+8*hb.iss[0].h)
		// A row across both columns is the number row only right under
		// the issuing body: lower, it is the type or the summary garbled.
		near = hb.iss[n-1].cy + 4*hb.iss[0].h
	}
	if hb.typ != nil {
		to = min(to, hb.typ.cy-hb.typ.h/2)
	}
	var spans *segment
	for i := range l.segs {
		s := &l.segs[i]
		if s.cy <= from || mottoLike(s.text) {
			continue
		}
		if s.cy >= to {
			break
		}
		if dateLike(s.text) {
			return s
		}
		if spans == nil && s.cy < near && s.x0 < l.w*0.4 && s.x1 > l.w*0.6 {
			spans = s
		}
	}
	return spans
}

// dateLike: s has a word of a date, "ngày" or "tháng", whatever became of
// its numbers and of the rest ("HàNG ngày!", "2thang ongm 2024"), or
// "năm" and a year ("Ninh Kiểu ngàu!4thúngGnăm 2021").
func dateLike(s string) bool {
	for _, w := range strings.Fields(foldWord(spaceDigits(s))) {
		if w = strings.Trim(w, ".,;:!"); w == "ngay" || w == "thang" {
			return true
		}
	}
	return reYearOf.MatchString(foldWord(s))
}

var reYearOf = regexp.MustCompile(`nam ?(19|20)\d\d`)

// minDateDigitConf is the word confidence (0..100) under which a number
// of the date row makes the date worth a second reading. Tesseract reads
// italic digits wrong with confidences up to the mid-90s ("23" as "25"
// at 89, "2026" as "2020" at 57 on go run ./metadata/eval), while most
// dates it reads right score 96–97 on every number.
const minDateDigitConf = 96

// dateUncertain: the date of the header's date row is worth a second
// reading: none was read, or one of its numbers has a low confidence.
func dateUncertain(hb headerBlock) bool {
	return hb.date == nil || unsureDigits(hb.date, minDateDigitConf)
}

// dateReading is one reading of the header's date row.
type dateReading struct {
	dmy    [3]int
	place  string
	places int // words of the place
	conf   float64
}

// dateOfPage is the first date row of l (see dateOf), or nil.
func dateOfPage(l *pageLayout) *dateReading {
	for _, s := range l.segs {
		if p, d, n, ok := dateOf(s.text); ok {
			return &dateReading{dmy: d, place: p, places: n, conf: s.conf}
		}
	}
	return nil
}

// voteDate combines readings of one date row, the most trusted first: day,
// month and year are each the value most readings agree on, ties going to
// the more trusted reading; a combination that is no day of the calendar
// is replaced by the first reading. The result's confidence is the mean
// of the readings that agree with it on all three, times the share of
// readings that do; its place is the most confident of theirs. Tesseract
// misreads italic digits one at a time ("23" as "25" in one reading, "09"
// as "03" in another), so the numbers vote apart.
func voteDate(rs []*dateReading) (dateReading, bool) {
	if len(rs) == 0 {
		return dateReading{}, false
	}
	var out dateReading
	for k := range 3 {
		best, bestN := 0, 0
		for _, r := range rs {
			n := 0
			for _, o := range rs {
				if o.dmy[k] == r.dmy[k] {
					n++
				}
			}
			if n > bestN {
				best, bestN = r.dmy[k], n
			}
		}
		out.dmy[k] = best
	}
	if !calendarDay(out.dmy[2], out.dmy[1], out.dmy[0]) {
		out.dmy = rs[0].dmy
	}
	// (The mean of the agreeing readings' confidences times their share
	// is their sum over all readings.)
	var sum, placeConf float64
	for _, r := range rs {
		if r.dmy != out.dmy {
			continue
		}
		sum += r.conf
		if r.place != "" && (out.place == "" || r.conf > placeConf) {
			out.place, out.places, placeConf = r.place, r.places, r.conf
		}
	}
	out.conf = sum / float64(len(rs))
	return out, true
}

// cellReadings reads a cell of the number row again (read, at a scale)
// and, unless it reads nothing or agrees with the page's first reading,
// a second time enlarged 2×. It returns the readings found, the cell's
// first and the page's (when not nil) last: the order voteNumber and
// voteDate trust them in. On the labelled set the cell reads the date
// right more often than the page (92 and 89 of 96 dates against 81).
func cellReadings[T any](read func(scale float64) (*T, error), first *T, agree func(a, b *T) bool) ([]*T, error) {
	var rs []*T
	for _, scale := range []float64{0, 2} {
		r, err := read(scale)
		if err != nil {
			return nil, err
		}
		if r == nil {
			continue
		}
		rs = append(rs, r)
		if first == nil || agree(r, first) {
			break // the cell read where the page did not, or two readings agree
		}
	}
	if first != nil {
		rs = append(rs, first)
	}
	return rs, nil
}

// rereadRows reads the number and the date again, each from its cell of
// the header's number row alone: the number when the first reading found
// none or one of unknown codes (see knownSymbol), the date when it found
// none or one of whose numbers it was unsure (see dateUncertain). Dust
// garbles these rows' digits ("năm201", "tháng Ö") and Tesseract misreads
// italic ones ("2026" as "2020") where the cell alone, despeckled, reads
// well. When the cell's reading of the date and the first disagree, the
// cell is read a third time, enlarged, and the three vote (voteDate).
func (l *pageLayout) rereadRows(ctx context.Context, m *Metadata, hb headerBlock, reread func(context.Context, ocr.Region) (*ocr.Page, error)) error {
	needNum := numberUncertain(m.NumberSymbol) || numberUnsure(hb)
	needDate := dateUncertain(hb)
	if !needNum && !needDate {
		return nil
	}
	top, bottom, h := l.rowBand(hb)
	if bottom-top < h {
		return nil
	}
	// The number's cell is the left column's, the date's the right's.
	split := l.w * 0.5
	if hb.date != nil && hb.date.x0 > l.w*0.4 {
		// (A date row that starts further left took in the number
		// row's garbled words: "KUÐNÔ Ủy Nẵng, ngày …".)
		split = min(split, hb.date.x0-h/2)
	}
	read := func(x0, x1, scale float64, erase []image.Rectangle) (*pageLayout, error) {
		p, err := reread(ctx, ocr.Region{Rect: l.pageRect(x0, top, x1, bottom), Erase: erase, Despeckle: true, PSM: 4, Scale: scale})
		if err != nil {
			return nil, fmt.Errorf("metadata: đọc lại dòng số, ngày thất bại / reread the number and date row: %w", err)
		}
		return newLayout(p), nil
	}
	if needNum {
		rs, err := cellReadings(func(scale float64) (*Field, error) {
			again, err := read(0, split, scale, nil)
			if err != nil {
				return nil, err
			}
			return numberOfPage(again), nil
		}, m.NumberSymbol, func(a, b *Field) bool { return digitsOf(a.Value) == digitsOf(b.Value) })
		if err != nil {
			return err
		}
		m.NumberSymbol = voteNumber(rs)
	}
	if !needDate {
		return nil
	}
	var first *dateReading
	if hb.date != nil {
		first = &dateReading{dmy: hb.dmy, conf: m.Date.Confidence}
		if m.Place != nil {
			first.place, first.places = m.Place.Value, len(strings.Fields(m.Place.Value))
		}
	}
	// The number's words that reach into the date's cell are erased: read
	// with it, "…/QĐ-UBND Thành phố Hồ Chí Minh, ngày" is no date row.
	// (Up to the symbol: what follows on its segment may be the date.)
	var erase []image.Rectangle
	if hb.num != nil {
		for _, w := range hb.num.words {
			erase = append(erase, w.Box.Inset(-int(h/5)))
			if strings.Contains(w.Text, "/") {
				break
			}
		}
	}
	rs, err := cellReadings(func(scale float64) (*dateReading, error) {
		again, err := read(l.w*0.4, l.w, scale, erase)
		if err != nil {
			return nil, err
		}
		return dateOfPage(again), nil
	}, first, func(a, b *dateReading) bool { return a.dmy == b.dmy })
	if err != nil {
		return err
	}
	d, ok := voteDate(rs)
	if !ok {
		return nil
	}
	m.Date = &Field{Value: fmt.Sprintf("%04d-%02d-%02d", d.dmy[2], d.dmy[1], d.dmy[0]), Confidence: round2(d.conf)}
	if d.place != "" && (m.Place == nil || m.Place.Confidence < d.conf) {
		m.Place = &Field{Value: d.place, Confidence: round2(d.conf * float64(d.places) / float64(d.places+1))}
	}
	return nil
}

// signerUncertain: the signer's block was not read, or not well: under
// the seal and the signature the titles and the name read as garbage
// ("Ps Yrc I") or not at all.
func signerUncertain(m *Metadata, sb signerBlock) bool {
	return sb.name == nil || m.SignerTitle == nil || m.Signer.Confidence < 0.8 || m.SignerTitle.Confidence < 0.75 ||
		!knownSurname(m.Signer.Value) || len(strings.Fields(m.Signer.Value)) < 3 // most names have three words or more
}

// signerRegion is the rectangle of the page that holds the signer's block:
// the right half of the page from above the titles to under the name;
// without a name read, the right half beside and under "Nơi nhận:". Empty
// when there is no sign of a block.
func (l *pageLayout) signerRegion(sb signerBlock) image.Rectangle {
	var top, bottom, h float64
	switch {
	case sb.name != nil:
		h = sb.name.h
		top = sb.name.cy - l.h*0.15
		if len(sb.titles) > 0 {
			top = sb.titles[0].cy - 2*h
		}
		bottom = sb.name.cy + 2*h
	default:
		for i := range l.segs {
			s := &l.segs[i]
			if s.x0 < l.w*0.4 && strings.HasPrefix(foldWord(s.text), "noi nhan") {
				h = s.h
				top, bottom = s.cy-2*h, s.cy+l.h*0.25
			}
		}
		if h == 0 {
			return image.Rectangle{}
		}
	}
	return l.pageRect(l.w*0.42, top, l.w, min(l.h, bottom))
}

// rereadSigner reads the signer's block of the last page again, on its
// own, when the first reading of it is uncertain: despeckled (the seal's
// and signature's strokes break into specks on bilevel scans) in one
// block. The second reading's signer replaces the first when it has the
// titles the first lacked, or reads with more confidence.
func (l *pageLayout) rereadSigner(ctx context.Context, m *Metadata, sb signerBlock, reread func(context.Context, ocr.Region) (*ocr.Page, error)) error {
	if !signerUncertain(m, sb) {
		return nil
	}
	rect := l.signerRegion(sb)
	if rect.Dx() < 16 || rect.Dy() < 16 {
		return nil
	}
	var readings []Metadata
	for _, r := range []ocr.Region{{Rect: rect, Despeckle: true, PSM: 6}, {Rect: rect, Despeckle: true, PSM: 6, Scale: 2}} {
		p, err := reread(ctx, r)
		if err != nil {
			return fmt.Errorf("metadata: đọc lại khối chữ ký thất bại / reread the signer's block: %w", err)
		}
		again := *p
		again.Width, again.Height = int(l.w), int(l.h)
		var m2 Metadata
		sb2 := newLayout(&again).signature(&m2)
		if m2.Signer == nil {
			continue
		}
		readings = append(readings, m2)
		// A name with its family name, or a word more, beats one
		// without; one whose words are all syllables the lexicon knows
		// beats one with a garbled word ("Đăñg").
		rank := func(f *Field) int {
			if f == nil {
				return 0
			}
			r := len(strings.Fields(f.Value))
			if knownSurname(f.Value) {
				r += 10
			}
			for _, w := range strings.Fields(f.Value) {
				if !knownSyllable(w) {
					r -= 2
				}
			}
			return r
		}
		better := m.Signer == nil || rank(m2.Signer) > rank(m.Signer) ||
			rank(m2.Signer) == rank(m.Signer) && (m.SignerTitle == nil && m2.SignerTitle != nil ||
				(m2.SignerTitle != nil) == (m.SignerTitle != nil) && m2.Signer.Confidence > m.Signer.Confidence)
		if better {
			m.Signer = m2.Signer
			if m2.SignerTitle != nil {
				m.SignerTitle = m2.SignerTitle
			}
			sb = sb2
		}
		if !signerUncertain(m, sb) {
			break
		}
	}
	if m.Signer != nil {
		m.Signer.Value = voteName(m.Signer.Value, readings)
		if m.SignerTitle == nil {
			// A title the other readings found above the same name.
			for _, r := range readings {
				if r.SignerTitle != nil && r.Signer != nil && lastWord(r.Signer.Value) == lastWord(m.Signer.Value) {
					m.SignerTitle = r.SignerTitle
					break
				}
			}
		}
	}
	return nil
}

// voteName is name with each word another reading, aligned with it from
// the right (the given name last), reads as a syllable the lexicon knows
// where name's is not one ("Bùi Quấc Lan" and "Quốc Lan": "Bùi Quốc
// Lan"), when the two differ by one letter, its marks aside.
func voteName(name string, readings []Metadata) string {
	w := strings.Fields(name)
	for i := range w {
		if knownSyllable(w[i]) {
			continue
		}
		for _, r := range readings {
			if r.Signer == nil {
				continue
			}
			o := strings.Fields(r.Signer.Value)
			j := len(o) - (len(w) - i)
			if j < 0 || !knownSyllable(o[j]) || levenshtein(foldWord(o[j]), foldWord(w[i])) > 1 {
				continue
			}
			w[i] = o[j]
			break
		}
	}
	return strings.Join(w, " ")
}

func lastWord(s string) string {
	w := strings.Fields(s)
	if len(w) == 0 {
		return ""
	}
	return w[len(w)-1]
}
