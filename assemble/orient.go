package assemble

import (
	"image"
	"math"
	"strconv"
	"strings"

	"github.com/sohoa-vn/sohoa/ocr"
)

// A page scanned sideways, upside down or crooked is shown as it reads:
// the page is sized upright and the image, written as it was scanned (not
// decoded, turned and encoded again), is drawn with a matrix that turns
// it by the quarter turns and the tilt OCR's preprocessing found
// (ocr.Applied). The text layer is laid over the words' boxes in that
// same frame (ocr.Word.Upright), so that it covers the words where a
// reader sees them and its lines run across the page, which keeps the
// spaces between words in extracted text. A tilted page is rotated about
// its centre within its own size, as the OCR saw it: the corners that
// leave the sheet are the scanner's margin.

// matrix is an affine transformation [a b c d e f] as PDF's cm takes it:
// x' = a x + c y + e, y' = b x + d y + f.
type matrix [6]float64

// then returns m followed by n.
func (m matrix) then(n matrix) matrix {
	return matrix{
		m[0]*n[0] + m[1]*n[2], m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2], m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4], m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

func (m matrix) String() string {
	var parts []string
	for _, v := range m {
		s := strconv.FormatFloat(v, 'f', 5, 64)
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
		if s == "-0" || s == "" {
			s = "0"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// placement is how a page image is shown and where its words are.
type placement struct {
	// frameW, frameH is the size of the page as shown, in the pixels
	// word boxes are in.
	frameW, frameH float64
	// image maps the image's unit square to the frame's pixels (y down).
	image matrix
	// sideways is true when the image is shown a quarter turn off: its
	// width runs down the page.
	sideways bool
	// box is a word's box in the frame.
	box func(ocr.Word) image.Rectangle
}

// place works out how the page of o (nil: no OCR) whose image is pxW×pxH
// is shown.
func place(o *ocr.Page, pxW, pxH int) placement {
	w0, h0 := float64(pxW), float64(pxH)
	if o != nil && o.Width > 0 && o.Height > 0 {
		// Boxes are in the OCR image's pixels, which may differ from the
		// page image's (e.g. OCR on a normalised copy).
		w0, h0 = float64(o.Width), float64(o.Height)
	}
	// Unit square (v up) to the scanned image's pixels (y down).
	unit := matrix{w0, 0, 0, -h0, 0, h0}
	pl := placement{frameW: w0, frameH: h0, image: unit, box: func(wd ocr.Word) image.Rectangle { return wd.Box }}
	if o == nil {
		return pl
	}
	quads := (o.Preprocess.Rotation / 90) % 4
	if quads < 0 {
		quads += 4
	}
	upright := false
	for _, wd := range o.Words {
		if !wd.Upright.Empty() {
			upright = true
			break
		}
	}
	if quads == 0 && (!upright || o.Preprocess.Skew == 0) {
		return pl
	}
	// Quarter turns clockwise, in pixels with y down (the inverse of
	// ocr's mapping back to the original image).
	var orth matrix
	switch quads {
	case 0:
		orth = matrix{1, 0, 0, 1, 0, 0}
	case 1: // (x, y) → (h0-y, x)
		orth = matrix{0, 1, -1, 0, h0, 0}
	case 2: // (x, y) → (w0-x, h0-y)
		orth = matrix{-1, 0, 0, -1, w0, h0}
	case 3: // (x, y) → (y, w0-x)
		orth = matrix{0, -1, 1, 0, 0, w0}
	}
	if quads%2 == 1 {
		pl.frameW, pl.frameH, pl.sideways = h0, w0, true
	}
	pl.image = unit.then(orth)
	if upright {
		if a := o.Preprocess.Skew * math.Pi / 180; a != 0 {
			// out = c + R(a)(in - c), clockwise on screen with y down.
			sin, cos := math.Sincos(a)
			cx, cy := pl.frameW/2, pl.frameH/2
			pl.image = pl.image.then(matrix{cos, sin, -sin, cos, cx - cos*cx + sin*cy, cy - sin*cx - cos*cy})
		}
		pl.box = func(wd ocr.Word) image.Rectangle { return wd.Upright }
		return pl
	}
	// Results written before words had upright boxes: quarter turns map
	// boxes exactly; a tilt is left as scanned.
	pl.box = func(wd ocr.Word) image.Rectangle {
		r := wd.Box
		x0, y0, x1, y1 := float64(r.Min.X), float64(r.Min.Y), float64(r.Max.X), float64(r.Max.Y)
		ax, ay := orth[0]*x0+orth[2]*y0+orth[4], orth[1]*x0+orth[3]*y0+orth[5]
		bx, by := orth[0]*x1+orth[2]*y1+orth[4], orth[1]*x1+orth[3]*y1+orth[5]
		return image.Rect(int(math.Round(ax)), int(math.Round(ay)), int(math.Round(bx)), int(math.Round(by))).Canon()
	}
	return pl
}
