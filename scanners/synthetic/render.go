package synthetic

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Mode is a scanner setting.
type Mode int

const (
	// Bilevel200 is 200 dpi black and white (1 bit per pixel), the usual
	// setting for text pages; Render returns an *image.Paletted with the
	// two colours black (index 0) and white (index 1).
	Bilevel200 Mode = iota
	// Grey300 is 300 dpi 8-bit greyscale; Render returns an *image.Gray.
	Grey300
)

// DPI is the mode's resolution in dots per inch.
func (m Mode) DPI() int {
	if m == Grey300 {
		return 300
	}
	return 200
}

func (m Mode) String() string {
	if m == Grey300 {
		return "grey300"
	}
	return "bilevel200"
}

// Bilevel is the palette of Bilevel200 pages.
var Bilevel = color.Palette{color.Gray{0}, color.Gray{255}}

// PageSize is the size in pixels of an A4 page at dpi.
func PageSize(dpi int) (w, h int) {
	return int(math.Round(pageW / 72 * float64(dpi))), int(math.Round(pageH / 72 * float64(dpi)))
}

// Render draws page (0-based) of d. It panics if page is out of range.
func Render(d Doc, page int, mode Mode) image.Image {
	if page < 0 || page >= len(d.Pages) {
		panic(fmt.Sprintf("synthetic: %s has %d pages, no page %d", d.Name, len(d.Pages), page))
	}
	dpi := float64(mode.DPI())
	w, h := PageSize(mode.DPI())
	img := image.NewGray(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	px := func(pt float64) float64 { return pt / 72 * dpi }

	faces := map[[2]float64]font.Face{}
	face := func(size float64, bold bool) font.Face {
		k := [2]float64{size, 0}
		if bold {
			k[1] = 1
		}
		if f, ok := faces[k]; ok {
			return f
		}
		f, err := opentype.NewFace(fontFor(bold), &opentype.FaceOptions{Size: size, DPI: dpi, Hinting: font.HintingNone})
		if err != nil {
			panic("synthetic: " + err.Error())
		}
		faces[k] = f
		return f
	}

	for _, l := range d.Pages[page].lines {
		if l.text == "" {
			// A rule, 0.6 pt thick.
			x0 := int(math.Round(px(l.x - l.ruleW/2)))
			x1 := int(math.Round(px(l.x + l.ruleW/2)))
			y0 := int(math.Round(px(l.y)))
			y1 := y0 + max(1, int(math.Round(px(0.6))))
			draw.Draw(img, image.Rect(x0, y0, x1, y1), image.Black, image.Point{}, draw.Src)
			continue
		}
		dr := font.Drawer{Dst: img, Src: image.Black, Face: face(l.size, l.bold)}
		x := px(l.x)
		if l.align == alignCentre {
			x -= float64(dr.MeasureString(l.text)) / 64 / 2
		}
		dr.Dot = fixed.Point26_6{X: fixed.Int26_6(math.Round(x * 64)), Y: fixed.Int26_6(math.Round(px(l.y) * 64))}
		dr.DrawString(l.text)
	}

	if mode == Grey300 {
		return img
	}
	bw := image.NewPaletted(img.Bounds(), Bilevel)
	for i, v := range img.Pix {
		if v >= 128 {
			bw.Pix[i] = 1
		}
	}
	return bw
}
