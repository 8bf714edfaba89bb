package ocr

/*
#include <stdlib.h>
#include <leptonica/allheaders.h>

static PIX *sohoa_read(const void *data, size_t n) { return pixReadMem((const l_uint8 *)data, n); }
static void sohoa_destroy(PIX *p) { if (p != NULL) pixDestroy(&p); }
*/
import "C"

import (
	"fmt"
	"image"
	"math"
	"unsafe"
)

// Preprocess selects the corrections Recognize applies to a page image
// before recognition, all done with Leptonica on the image as decoded once.
// The zero value does nothing; DefaultPreprocess is what bench/ measured
// to pay for itself.
type Preprocess struct {
	// Border whitens dark areas connected to the image edge (scanner
	// borders, shadows of the page edge).
	Border bool `json:"border"`
	// Blank detects pages without text: they are flagged (Page.Blank) and
	// not recognised.
	Blank bool `json:"blank"`
	// Orientation detects pages turned by 90, 180 or 270 degrees and turns
	// them upright (Leptonica, then Tesseract's OSD where Leptonica cannot
	// decide; see orient.go); a page neither can tell is flagged
	// Applied.OrientationUnsure.
	Orientation bool `json:"orientation"`
	// Deskew straightens pages tilted by up to 45 degrees.
	Deskew bool `json:"deskew"`
	// Upsample turns bilevel pages under 300 dpi into 300 dpi greyscale.
	Upsample bool `json:"upsample"`
	// Downsample brings pages over 400 dpi down to 300 dpi.
	Downsample bool `json:"downsample"`
}

// DefaultPreprocess returns the corrections that lowered the error rate
// or cost next to nothing in bench/ (see bench/README.md).
func DefaultPreprocess() Preprocess {
	return Preprocess{Border: true, Blank: true, Orientation: true, Deskew: true, Downsample: true}
}

// Applied says what preprocessing did to a page. Word boxes are always
// in the original image's pixels; Applied lets a reader redo the same
// transformation.
type Applied struct {
	// Rotation is 0, 90, 180 or 270: degrees clockwise the original image
	// was turned to be upright.
	Rotation int `json:"rotation,omitempty"`
	// Skew is the angle in degrees (clockwise positive) the upright image
	// was then rotated about its centre to straighten its lines.
	Skew float64 `json:"skew,omitempty"`
	// Scale is the factor by which the image was resized (0: not resized).
	Scale float64 `json:"scale,omitempty"`
	// Border is true when dark border areas were whitened.
	Border bool `json:"border,omitempty"`
	// DPI is the resolution given to Tesseract (0: Tesseract estimated it).
	DPI int `json:"dpi,omitempty"`
	// OrientationConf is Tesseract's confidence in the page's
	// orientation (0 when it was not detected).
	OrientationConf float64 `json:"orientation_conf,omitempty"`
	// OrientationUnsure is true when orientation detection ran and could
	// not tell which way up the page is: it was left as its text lines
	// run, and a person should look at it.
	OrientationUnsure bool `json:"orientation_unsure,omitempty"`
}

// Constants of the preprocessing heuristics.
const (
	binThreshold   = 140    // grey level under which a pixel is ink, for analysis only
	blankInkRatio  = 0.0002 // under this fraction of ink in text-sized components a page is blank
	minSkewConf    = 3.0    // Leptonica's own threshold for a trustworthy skew angle
	minSkewDegrees = 0.1    // smaller angles are left alone
	minOrientConf  = 4.0    // Leptonica's default is 8, too strict for half-filled pages
	minOrientRatio = 2.5
	upsampleDPI    = 300
	maxDPI         = 400
)

// readPix decodes an encoded image with Leptonica (the same decoder the
// tesseract command uses). Leptonica returns NULL for data it cannot
// decode, which is turned into an error here rather than handed on to
// Tesseract.
func readPix(data []byte) (*C.PIX, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("ocr: ảnh rỗng / empty image")
	}
	p := C.sohoa_read(unsafe.Pointer(&data[0]), C.size_t(len(data)))
	if p == nil {
		return nil, fmt.Errorf("ocr: ảnh hỏng / corrupt image")
	}
	return p, nil
}

func destroy(p *C.PIX) { C.sohoa_destroy(p) }

// Leptonica reports every decision ("1 bpp; rotate by shear") on stderr;
// keep warnings and errors only.
func init() { C.setMsgSeverity(C.L_SEVERITY_WARNING) }

// step is one geometric transformation applied to the image, with the
// size of its input.
type step struct {
	kind  int // stepScale, stepOrth, stepSkew
	w, h  int
	scale float64
	quads int     // clockwise quarter turns
	angle float64 // radians, clockwise positive
}

const (
	stepScale = iota
	stepOrth
	stepSkew
)

// transform records the steps from the original image to the one
// recognised, to map word boxes back.
type transform struct {
	w, h  int // original size
	steps []step
}

// toOriginal maps a box in the recognised image's pixels back to the
// original image's pixels, clipped to it.
func (t *transform) toOriginal(r image.Rectangle) image.Rectangle {
	x0, y0, x1, y1 := float64(r.Min.X), float64(r.Min.Y), float64(r.Max.X), float64(r.Max.Y)
	for i := len(t.steps) - 1; i >= 0; i-- {
		s := t.steps[i]
		w, h := float64(s.w), float64(s.h)
		switch s.kind {
		case stepScale:
			x0, y0, x1, y1 = x0/s.scale, y0/s.scale, x1/s.scale, y1/s.scale
		case stepOrth:
			switch s.quads {
			case 1: // output (X,Y) came from input (Y, h-X)
				x0, y0, x1, y1 = y0, h-x1, y1, h-x0
			case 2:
				x0, y0, x1, y1 = w-x1, h-y1, w-x0, h-y0
			case 3: // output (X,Y) came from input (w-Y, X)
				x0, y0, x1, y1 = w-y1, x0, w-y0, x1
			}
		case stepSkew:
			// out = c + R(a)(in - c), so in = c + R(-a)(out - c).
			cx, cy := w/2, h/2
			sin, cos := math.Sincos(-s.angle)
			nx0, ny0, nx1, ny1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
			for _, p := range [][2]float64{{x0, y0}, {x1, y0}, {x0, y1}, {x1, y1}} {
				dx, dy := p[0]-cx, p[1]-cy
				x, y := cx+dx*cos-dy*sin, cy+dx*sin+dy*cos
				nx0, ny0, nx1, ny1 = min(nx0, x), min(ny0, y), max(nx1, x), max(ny1, y)
			}
			x0, y0, x1, y1 = nx0, ny0, nx1, ny1
		}
	}
	out := image.Rect(int(math.Floor(x0+1e-9)), int(math.Floor(y0+1e-9)), int(math.Ceil(x1-1e-9)), int(math.Ceil(y1-1e-9)))
	return out.Intersect(image.Rect(0, 0, t.w, t.h))
}

// prepared is a page image ready for Tesseract.
type prepared struct {
	pix     *C.PIX // owned; destroy after use
	dpi     int
	blank   bool
	tr      transform
	applied Applied
}

// preprocess applies pp to src (which it takes ownership of).
//
// osd detects orientation when pp.Orientation is set; nil leaves pages
// sideways or upside down as they are.
func preprocess(src *C.PIX, pp Preprocess, osd *osdEngine) *prepared {
	w, h := int(C.pixGetWidth(src)), int(C.pixGetHeight(src))
	dpi := int(C.pixGetXRes(src))
	out := &prepared{pix: src, dpi: dpi, tr: transform{w: w, h: h}}
	if pp == (Preprocess{}) {
		return out
	}
	// From here on out.pix is a private, colormap-free 1 or 8 bpp copy.
	if C.pixGetDepth(src) == 1 {
		out.pix = C.pixConvertTo1(src, 128)
	} else {
		out.pix = C.pixConvertTo8(src, 0)
	}
	destroy(src)
	replace := func(p *C.PIX) {
		if p != nil && p != out.pix {
			destroy(out.pix)
			out.pix = p
		}
	}
	if pp.Downsample && dpi > maxDPI {
		s := float64(upsampleDPI) / float64(dpi)
		out.tr.steps = append(out.tr.steps, step{kind: stepScale, w: w, h: h, scale: s})
		if C.pixGetDepth(out.pix) == 1 {
			replace(C.pixScaleToGray(out.pix, C.l_float32(s)))
		} else {
			replace(C.pixScaleAreaMap(out.pix, C.l_float32(s), C.l_float32(s)))
		}
		out.dpi = upsampleDPI
		out.applied.Scale = s
	}
	bin := C.pixConvertTo1(out.pix, binThreshold)
	defer func() { destroy(bin) }()

	if pp.Border {
		clean := C.pixRemoveBorderConnComps(bin, 8)
		mask := C.pixXor(nil, bin, clean)
		var n C.l_int32
		C.pixCountPixels(mask, &n, nil)
		if n > 0 {
			white := C.l_uint32(255)
			if C.pixGetDepth(out.pix) == 1 {
				white = 0
			}
			C.pixSetMasked(out.pix, mask, white)
			out.applied.Border = true
		}
		destroy(mask)
		destroy(bin)
		bin = clean
	}
	if pp.Blank {
		d := max(dpi, 150)
		minSize := C.l_int32(max(3, d/30)) // ~0.85 mm: smaller components are specks
		text := C.pixSelectBySize(bin, minSize, minSize, 8, C.L_SELECT_IF_EITHER, C.L_SELECT_IF_GTE, nil)
		var n C.l_int32
		C.pixCountPixels(text, &n, nil)
		destroy(text)
		bw, bh := int(C.pixGetWidth(bin)), int(C.pixGetHeight(bin))
		if float64(n) < blankInkRatio*float64(bw*bh) {
			out.blank = true
			return out
		}
	}
	if pp.Orientation || pp.Deskew {
		g := findGeometry(bin, out.dpi, pp, osd)
		out.applied.OrientationConf, out.applied.OrientationUnsure = g.conf, g.unsure
		if g.quads != 0 {
			cw, ch := int(C.pixGetWidth(out.pix)), int(C.pixGetHeight(out.pix))
			out.tr.steps = append(out.tr.steps, step{kind: stepOrth, w: cw, h: ch, quads: g.quads})
			replace(C.pixRotateOrth(out.pix, C.l_int32(g.quads)))
			out.applied.Rotation = 90 * g.quads
		}
		if g.skew != 0 {
			a := g.skew * math.Pi / 180
			cw, ch := int(C.pixGetWidth(out.pix)), int(C.pixGetHeight(out.pix))
			out.tr.steps = append(out.tr.steps, step{kind: stepSkew, w: cw, h: ch, angle: a})
			typ := C.l_int32(C.L_ROTATE_AREA_MAP)
			if C.pixGetDepth(out.pix) == 1 {
				typ = C.L_ROTATE_SAMPLING
			}
			replace(C.pixRotate(out.pix, C.l_float32(a), typ, C.L_BRING_IN_WHITE, 0, 0))
			out.applied.Skew = g.skew
		}
	}
	if pp.Upsample && C.pixGetDepth(out.pix) == 1 && dpi > 0 && dpi < upsampleDPI {
		s := float64(upsampleDPI) / float64(dpi)
		cw, ch := int(C.pixGetWidth(out.pix)), int(C.pixGetHeight(out.pix))
		out.tr.steps = append(out.tr.steps, step{kind: stepScale, w: cw, h: ch, scale: s})
		grey := C.pixConvert1To8(nil, out.pix, 255, 0)
		replace(C.pixScaleGrayLI(grey, C.l_float32(s), C.l_float32(s)))
		destroy(grey)
		out.dpi = upsampleDPI
		out.applied.Scale = s
	}
	return out
}
