package synthetic

import (
	"cmp"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// FontDir holds LiberationSerif-{Regular,Bold}.ttf version 2 (Debian:
// fonts-liberation2; version 1, in fonts-liberation, has no Vietnamese glyphs).
// Liberation Serif is metric-compatible with Times New Roman, the font
// Decree 30 prescribes.
var FontDir = "/usr/share/fonts/truetype/liberation2"

// Page geometry in points (1/72 inch): A4 with Decree 30 margins
// (top and bottom 20 mm, left 30 mm, right 15 mm).
const (
	mm        = 72 / 25.4
	pageW     = 210 * mm
	pageH     = 297 * mm
	marginL   = 30 * mm
	marginR   = 15 * mm
	marginT   = 20 * mm
	marginB   = 20 * mm
	textW     = pageW - marginL - marginR
	bodySize  = 13.0
	lineH     = 18.0 // baseline to baseline, 13 pt text
	paraGap   = 6.0
	indentW   = 10 * mm
	leftColC  = marginL + 100 // centre of the left header column
	rightColC = pageW - marginR - 150
	signGap   = 64.0 // room for the handwritten signature and seal
)

type align int

const (
	alignLeft align = iota
	alignCentre
)

// placed is one line of text (or a rule, when text is "") on a page, in
// points from the top-left corner; y is the baseline.
type placed struct {
	x, y  float64
	align align
	size  float64
	bold  bool
	text  string
	ruleW float64 // rule: width, centred on x, drawn at y
}

var fonts struct {
	once          sync.Once
	regular, bold *opentype.Font
	err           error
}

func loadFonts() (regular, bold *opentype.Font) {
	fonts.once.Do(func() {
		load := func(name string) *opentype.Font {
			b, err := os.ReadFile(filepath.Join(FontDir, name))
			if err != nil {
				fonts.err = err
				return nil
			}
			f, err := opentype.Parse(b)
			if err != nil {
				fonts.err = err
			}
			return f
		}
		fonts.regular = load("LiberationSerif-Regular.ttf")
		fonts.bold = load("LiberationSerif-Bold.ttf")
	})
	if fonts.err != nil {
		panic("synthetic: Liberation Serif font not found (install the Debian package fonts-liberation2): " + fonts.err.Error())
	}
	return fonts.regular, fonts.bold
}

func fontFor(bold bool) *opentype.Font {
	r, b := loadFonts()
	if bold {
		return b
	}
	return r
}

// width measures s in points from the font's design units, so that line
// breaks do not depend on the resolution a page is later rendered at.
func width(s string, size float64, bold bool) float64 {
	f := fontFor(bold)
	var buf sfnt.Buffer
	upem := fixed.Int26_6(f.UnitsPerEm()) << 6
	var total fixed.Int26_6
	prev := sfnt.GlyphIndex(0)
	for i, r := range s {
		gi, err := f.GlyphIndex(&buf, r)
		if err != nil {
			continue
		}
		if i > 0 {
			if k, err := f.Kern(&buf, prev, gi, upem, font.HintingNone); err == nil {
				total += k
			}
		}
		if adv, err := f.GlyphAdvance(&buf, gi, upem, font.HintingNone); err == nil {
			total += adv
		}
		prev = gi
	}
	return float64(total) / 64 * size / float64(f.UnitsPerEm())
}

// wrap breaks text into lines no wider than w points (the first line
// narrower by first points).
func wrap(text string, size float64, bold bool, w, first float64) []string {
	var lines []string
	cur := ""
	avail := w - first
	for _, word := range strings.Fields(text) {
		try := word
		if cur != "" {
			try = cur + " " + word
		}
		if cur != "" && width(try, size, bold) > avail {
			lines = append(lines, cur)
			cur, avail = word, w
			continue
		}
		cur = try
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

// pageBuilder collects the lines of one page, in reading order.
type pageBuilder struct {
	lines []placed
	y     float64 // baseline of the next line
}

func (b *pageBuilder) add(p placed) { b.lines = append(b.lines, p) }

// text is the page's ground truth (see ReadingText).
func (b *pageBuilder) text() string {
	cells := make([]Cell, len(b.lines))
	for i, l := range b.lines {
		cells[i] = Cell{X: l.x, Y: l.y, Text: l.text}
	}
	return ReadingText(cells)
}

// Cell is a run of text drawn at a baseline position.
type Cell struct {
	X, Y float64
	Text string
}

// ReadingText is the ground truth of a page's cells: lines top to bottom;
// cells that share a baseline (the two-column header and closing blocks)
// form one line, left cell first, as a line-oriented reader such as OCR
// reads them.
func ReadingText(cells []Cell) string {
	ls := slices.Clone(cells)
	slices.SortStableFunc(ls, func(a, b Cell) int {
		if c := cmp.Compare(a.Y, b.Y); c != 0 {
			return c
		}
		return cmp.Compare(a.X, b.X)
	})
	var rows []string
	lastY := -1.0
	for _, l := range ls {
		if l.Text == "" {
			continue
		}
		if l.Y == lastY {
			rows[len(rows)-1] += " " + l.Text
			continue
		}
		rows = append(rows, l.Text)
		lastY = l.Y
	}
	return strings.Join(rows, "\n")
}

// layout places a document's text on A4 pages.
func layout(s docSpec) Doc {
	p := s.p
	var pages []*pageBuilder
	newPage := func() *pageBuilder {
		b := &pageBuilder{y: marginT + bodySize}
		if n := len(pages) + 1; n > 1 {
			// Decree 30: page numbers from the second page, centred in the top margin.
			b.add(placed{x: pageW / 2, y: marginT - 6, align: alignCentre, size: bodySize, text: strconv.Itoa(n)})
			b.y += 4
		}
		pages = append(pages, b)
		return b
	}
	b := newPage()

	// Header, left column: issuing body, its parent, the number.
	y0 := b.y
	b.add(placed{x: leftColC, y: y0, align: alignCentre, size: 12, text: "ỦY BAN NHÂN DÂN"})
	unit := "PHƯỜNG " + strings.ToUpper(p.ward.name)
	b.add(placed{x: leftColC, y: y0 + 16, align: alignCentre, size: 12, bold: true, text: unit})
	b.add(placed{x: leftColC, y: y0 + 21, ruleW: 0.4 * width(unit, 12, true)})
	b.add(placed{x: leftColC, y: y0 + 40, align: alignCentre, size: bodySize, text: "Số: " + s.h.number})
	ly := y0 + 40
	for _, v := range s.h.vv {
		ly += 16
		b.add(placed{x: leftColC, y: ly, align: alignCentre, size: 12, text: v})
	}
	// Header, right column: national name, motto, place and date.
	b.add(placed{x: rightColC, y: y0, align: alignCentre, size: 12, bold: true, text: "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"})
	motto := "Độc lập - Tự do - Hạnh phúc"
	b.add(placed{x: rightColC, y: y0 + 16, align: alignCentre, size: bodySize, bold: true, text: motto})
	b.add(placed{x: rightColC, y: y0 + 21, ruleW: width(motto, bodySize, true)})
	b.add(placed{x: rightColC, y: y0 + 40, align: alignCentre, size: bodySize, text: dateLine(p.ward.name, p.date)})
	b.y = max(ly, y0+40) + 2*lineH

	if s.h.title != "" {
		b.add(placed{x: marginL + textW/2, y: b.y, align: alignCentre, size: 14, bold: true, text: s.h.title})
		b.y += lineH
		for _, l := range s.h.summary {
			b.add(placed{x: marginL + textW/2, y: b.y, align: alignCentre, size: bodySize, bold: true, text: l})
			b.y += lineH
		}
		b.add(placed{x: marginL + textW/2, y: b.y - lineH + 5, ruleW: 60})
		b.y += lineH / 2
	}
	if s.h.kinhGui != "" {
		b.add(placed{x: marginL + textW/2, y: b.y, align: alignCentre, size: bodySize, text: s.h.kinhGui})
		b.y += lineH * 1.5
	}

	bottom := pageH - marginB
	for _, para := range s.body {
		first := 0.0
		if para.indent {
			first = indentW
		}
		for i, l := range wrap(para.text, bodySize, para.bold, textW, first) {
			if b.y > bottom {
				b = newPage()
			}
			pl := placed{x: marginL, y: b.y, size: bodySize, bold: para.bold, text: l}
			if i == 0 {
				pl.x += first
			}
			if para.center {
				pl.x, pl.align = marginL+textW/2, alignCentre
			}
			b.add(pl)
			b.y += lineH
		}
		b.y += paraGap
	}

	// Closing block: recipients at the left, signer at the right, top-aligned.
	title1, title2 := "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"
	if p.deputy {
		title1, title2 = "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"
	}
	height := max(float64(len(s.h.noiNhan))*14+16, 16+lineH+signGap) + lineH
	if b.y+height > bottom {
		b = newPage()
	}
	y := b.y + lineH/2
	b.add(placed{x: marginL, y: y, size: 12, bold: true, text: "Nơi nhận:"})
	for i, r := range s.h.noiNhan {
		b.add(placed{x: marginL, y: y + 16 + float64(i)*14, size: 11, text: r})
	}
	b.add(placed{x: rightColC, y: y, align: alignCentre, size: bodySize, bold: true, text: title1})
	b.add(placed{x: rightColC, y: y + 16, align: alignCentre, size: bodySize, bold: true, text: title2})
	b.add(placed{x: rightColC, y: y + 16 + lineH + signGap, align: alignCentre, size: bodySize, bold: true, text: p.signer})

	d := Doc{Name: s.name, Meta: s.meta}
	for _, pb := range pages {
		d.Pages = append(d.Pages, PageTruth{Text: pb.text(), lines: pb.lines})
	}
	return d
}
