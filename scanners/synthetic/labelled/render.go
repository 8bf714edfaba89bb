package labelled

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/f64"
	"golang.org/x/image/math/fixed"

	"github.com/sohoa-vn/sohoa/scanners/synthetic"
)

// FontDirs are where the font files are looked up: Debian's
// fonts-liberation2 and fonts-dejavu-core / fonts-dejavu-extra.
var FontDirs = []string{"/usr/share/fonts/truetype/liberation2", "/usr/share/fonts/truetype/dejavu"}

type style int

const (
	regular style = iota
	bold
	italic
)

var fontFiles = map[string][3]string{
	LiberationSerif: {"LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf", "LiberationSerif-Italic.ttf"},
	LiberationSans:  {"LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf", "LiberationSans-Italic.ttf"},
	DejaVuSerif:     {"DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf"},
}

var fontCache sync.Map // file name → *opentype.Font

func loadFont(family string, st style) *opentype.Font {
	files, ok := fontFiles[family]
	if !ok {
		panic(fmt.Sprintf("labelled: unknown font family %q", family))
	}
	name := files[st]
	if f, ok := fontCache.Load(name); ok {
		return f.(*opentype.Font)
	}
	for _, dir := range FontDirs {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		f, err := opentype.Parse(b)
		if err != nil {
			panic(fmt.Sprintf("labelled: font %s: %v", name, err))
		}
		fontCache.Store(name, f)
		return f
	}
	panic(fmt.Sprintf("labelled: font %s not found in %v (install the Debian packages fonts-liberation2, fonts-dejavu-core and fonts-dejavu-extra)", name, FontDirs))
}

// Page geometry in points: A4 with Decree 30 margins.
const (
	mm      = 72 / 25.4
	pageW   = 210 * mm
	pageH   = 297 * mm
	marginL = 30 * mm
	marginR = 15 * mm
	marginT = 20 * mm
	marginB = 20 * mm
	textW   = pageW - marginL - marginR
	leftC   = marginL + 100 // centre of the left header column
	rightC  = pageW - marginR - 150
	colW    = 230.0 // widest line of a header column
	colGap  = 8.0   // least space between the header's columns
)

type align int

const (
	left align = iota
	centre
)

// item is a line of text, or a rule when text is "", in points from the
// top-left corner; y is the baseline.
type item struct {
	x, y  float64
	align align
	size  float64
	style style
	text  string
	ruleW float64
}

// width measures s in points in the design units of the font.
func width(family string, st style, size float64, s string) float64 {
	f := loadFont(family, st)
	var buf sfnt.Buffer
	upem := fixed.Int26_6(f.UnitsPerEm()) << 6
	var total fixed.Int26_6
	for _, r := range s {
		gi, err := f.GlyphIndex(&buf, r)
		if err != nil {
			continue
		}
		if adv, err := f.GlyphAdvance(&buf, gi, upem, font.HintingNone); err == nil {
			total += adv
		}
	}
	return float64(total) / 64 * size / float64(f.UnitsPerEm())
}

func wrap(family string, st style, size float64, text string, w, first float64) []string {
	var lines []string
	cur, avail := "", w-first
	for _, word := range strings.Fields(text) {
		try := word
		if cur != "" {
			try = cur + " " + word
		}
		if cur != "" && width(family, st, size, try) > avail {
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

// layout places the document on the page and returns its items and its
// ground-truth text.
func layout(v Variant, b body, title, number, summary string, date time.Time, paras, titles []string, signer string) ([]item, string) {
	f := v.Font
	s := v.Size
	hs := min(s-1, 12.0) // header size
	national := "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
	// The national name must fit its column beside the issuing body.
	for width(f, bold, hs, national) > 290 {
		hs -= 0.5
	}
	lh := s * 1.38
	var items []item
	add := func(it item) { items = append(items, it) }

	motto := "Độc lập - Tự do - Hạnh phúc"
	ms := min(s, hs+1)
	// Left column: the issuing body (parent regular, the body itself in
	// bold, wrapped to the column), a short rule, the number. Its lines
	// beside the national name and the motto wrap short of them: the two
	// columns of a header never overprint each other.
	avail := func(row int) float64 {
		if !v.Motto || row > 1 {
			return colW
		}
		beside := rightC - width(f, bold, hs, national)/2
		if row == 1 {
			beside = rightC - width(f, bold, ms, motto)/2
		}
		return min(colW, 2*(beside-colGap-leftC))
	}
	y := marginT + hs
	row := 0
	for i, l := range b.lines {
		st := regular
		if i == len(b.lines)-1 {
			st = bold
		}
		cur := ""
		emit := func() {
			if row > 0 {
				y += hs * 1.3
			}
			add(item{x: leftC, y: y, align: centre, size: hs, style: st, text: cur})
			row++
			cur = ""
		}
		for _, w := range strings.Fields(l) {
			try := w
			if cur != "" {
				try = cur + " " + w
			}
			if cur != "" && width(f, st, hs, try) > avail(row) {
				emit()
				try = w
			}
			cur = try
		}
		if cur != "" {
			emit()
		}
	}
	last := b.lines[len(b.lines)-1]
	add(item{x: leftC, y: y + 5, ruleW: 0.4 * min(colW, width(f, bold, hs, last))})
	numY := max(y+24, marginT+hs+40)
	add(item{x: leftC, y: numY, align: centre, size: s, text: "Số: " + number})
	ly := numY
	if title == "" {
		for _, l := range wrap(f, regular, hs, summary, colW, 0) {
			ly += hs * 1.35
			add(item{x: leftC, y: ly, align: centre, size: hs, text: l})
		}
	}

	// Right column: national name and motto (optional), the place and date
	// in italics on the row of the number.
	if v.Motto {
		add(item{x: rightC, y: marginT + hs, align: centre, size: hs, style: bold, text: national})
		add(item{x: rightC, y: marginT + hs + hs*1.3, align: centre, size: ms, style: bold, text: motto})
		add(item{x: rightC, y: marginT + hs + hs*1.3 + 5, ruleW: width(f, bold, ms, motto)})
	}
	// The place and date, centred in the right column unless that would
	// overprint the number: then moved right, up to the margin, and
	// smaller when a long place name does not fit even so.
	dateLine := b.place + ", " + viDate(date)
	numRight := leftC + width(f, regular, s, "Số: "+number)/2
	ds := s
	for numRight+colGap+width(f, italic, ds, dateLine) > pageW-marginR && ds > 9 {
		ds -= 0.5
	}
	dw := width(f, italic, ds, dateLine)
	dx := min(max(rightC, numRight+colGap+dw/2), pageW-marginR-dw/2)
	add(item{x: dx, y: numY, align: centre, size: ds, style: italic, text: dateLine})

	y = ly + 2*lh
	cx := marginL + textW/2
	if title != "" {
		add(item{x: cx, y: y, align: centre, size: s + 1, style: bold, text: title})
		y += lh
		for _, l := range wrap(f, bold, s, summary, 330, 0) {
			add(item{x: cx, y: y, align: centre, size: s, style: bold, text: l})
			y += lh
		}
		add(item{x: cx, y: y - lh + 6, ruleW: 60})
		y += lh / 2
	} else {
		add(item{x: cx, y: y, align: centre, size: s, text: "Kính gửi: Các cơ quan, đơn vị có liên quan."})
		y += lh * 1.5
	}

	// Body paragraphs while they leave room for the closing block.
	closing := float64(len(titles))*lh + 64 + lh + 20
	for _, p := range paras {
		ls := wrap(f, regular, s, p, textW, 10*mm)
		if y+float64(len(ls))*lh+closing > pageH-marginB {
			break
		}
		for i, l := range ls {
			x := marginL
			if i == 0 {
				x += 10 * mm
			}
			add(item{x: x, y: y, size: s, text: l})
			y += lh
		}
		y += s / 2
	}

	// Closing block: recipients at the left, the signer at the right.
	y += lh / 2
	add(item{x: marginL, y: y, size: 12, style: bold, text: "Nơi nhận:"})
	for i, r := range []string{"- Như trên;", "- Lưu: VT."} {
		add(item{x: marginL, y: y + 15 + float64(i)*14, size: 11, text: r})
	}
	ty := y
	for _, t := range titles {
		add(item{x: rightC, y: ty, align: centre, size: s, style: bold, text: t})
		ty += lh
	}
	add(item{x: rightC, y: ty + 64, align: centre, size: s, style: bold, text: signer})
	return items, text(items)
}

// text is the ground truth, read as synthetic.ReadingText reads a page.
func text(items []item) string {
	cells := make([]synthetic.Cell, len(items))
	for i, it := range items {
		cells[i] = synthetic.Cell{X: it.x, Y: it.y, Text: it.text}
	}
	return synthetic.ReadingText(cells)
}

// Render draws the page as the variant's scanner would see it: a
// *image.Paletted with synthetic.Bilevel's two colours at 200 dpi, or an
// *image.Gray at 300 dpi.
func (d Doc) Render() image.Image {
	v := d.Variant
	dpi := float64(v.Mode.DPI())
	w, h := synthetic.PageSize(v.Mode.DPI())
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	px := func(pt float64) float64 { return pt / 72 * dpi }
	faces := map[[2]float64]font.Face{}
	face := func(size float64, st style) font.Face {
		k := [2]float64{size, float64(st)}
		if f, ok := faces[k]; ok {
			return f
		}
		f, err := opentype.NewFace(loadFont(v.Font, st), &opentype.FaceOptions{Size: size, DPI: dpi, Hinting: font.HintingNone})
		if err != nil {
			panic("labelled: " + err.Error())
		}
		faces[k] = f
		return f
	}
	for _, it := range d.lines {
		if it.text == "" {
			x0, x1 := int(math.Round(px(it.x-it.ruleW/2))), int(math.Round(px(it.x+it.ruleW/2)))
			y0 := int(math.Round(px(it.y)))
			xdraw.Draw(img, image.Rect(x0, y0, x1, y0+max(1, int(math.Round(px(0.6))))), image.Black, image.Point{}, xdraw.Src)
			continue
		}
		dr := font.Drawer{Dst: img, Src: image.Black, Face: face(it.size, it.style)}
		x := px(it.x)
		if it.align == centre {
			x -= float64(dr.MeasureString(it.text)) / 64 / 2
		}
		dr.Dot = fixed.Point26_6{X: fixed.Int26_6(math.Round(x * 64)), Y: fixed.Int26_6(math.Round(px(it.y) * 64))}
		dr.DrawString(it.text)
	}

	out := img
	if v.Skew != 0 {
		// Rotate about the centre onto white paper.
		out = image.NewGray(img.Bounds())
		for i := range out.Pix {
			out.Pix[i] = 0xff
		}
		a := v.Skew * math.Pi / 180
		c, s := math.Cos(a), math.Sin(a)
		cx, cy := float64(w)/2, float64(h)/2
		m := f64.Aff3{c, -s, cx - c*cx + s*cy, s, c, cy - s*cx - c*cy}
		xdraw.BiLinear.Transform(out, m, img, img.Bounds(), xdraw.Over, nil)
	}
	rng := rand.New(rand.NewSource(d.seed))
	if v.Mode == synthetic.Grey300 {
		// Paper and toner are not pure: jitter every pixel a little.
		for i, p := range out.Pix {
			out.Pix[i] = uint8(max(0, min(255, int(p)+rng.Intn(25)-12)))
		}
	}
	if v.Noise > 0 {
		// Dust: specks of 1–2 pixels.
		for range int(v.Noise * float64(w*h)) {
			x, y := rng.Intn(w-1), rng.Intn(h-1)
			sz := 1 + rng.Intn(2)
			for dy := range sz {
				for dx := range sz {
					out.SetGray(x+dx, y+dy, color.Gray{uint8(rng.Intn(80))})
				}
			}
		}
	}
	if v.Mode == synthetic.Grey300 {
		return out
	}
	bw := image.NewPaletted(out.Bounds(), synthetic.Bilevel)
	for i, p := range out.Pix {
		if p >= 128 {
			bw.Pix[i] = 1
		}
	}
	return bw
}

// PNG renders the page and encodes it as PNG with its resolution.
func (d Doc) PNG() ([]byte, error) {
	b, err := synthetic.EncodePNG(d.Render(), d.Variant.Mode.DPI())
	if err != nil {
		return nil, fmt.Errorf("labelled: encode %s: %w", d.Name, err)
	}
	return b, nil
}
