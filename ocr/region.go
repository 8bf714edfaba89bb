package ocr

/*
#include <leptonica/allheaders.h>
#include <tesseract/capi.h>

// sohoa_despeckle whitens, in grey (8 bpp) or bilevel pix, the connected
// components of ink smaller than size×size pixels. Returns 0 on success.
static int sohoa_despeckle(PIX *pix, int size) {
	PIX *bin = pixGetDepth(pix) == 1 ? pixClone(pix) : pixConvertTo1(pix, 140);
	if (bin == NULL) return 1;
	PIX *kept = pixSelectBySize(bin, size, size, 8, L_SELECT_IF_EITHER, L_SELECT_IF_GTE, NULL);
	if (kept == NULL) { pixDestroy(&bin); return 1; }
	PIX *specks = pixXor(NULL, bin, kept);
	pixSetMasked(pix, specks, pixGetDepth(pix) == 1 ? 0 : 255);
	pixDestroy(&specks);
	pixDestroy(&kept);
	pixDestroy(&bin);
	return 0;
}

// sohoa_whiten paints a rectangle of a 1 or 8 bpp pix white.
static void sohoa_whiten(PIX *pix, int x, int y, int w, int h) {
	BOX *b = boxCreate(x, y, w, h);
	if (pixGetDepth(pix) == 1) pixClearInRect(pix, b); else pixSetInRect(pix, b);
	boxDestroy(&b);
}

static PIX *sohoa_clip(PIX *pix, int x, int y, int w, int h) {
	BOX *b = boxCreate(x, y, w, h);
	PIX *out = pixClipRectangle(pix, b, NULL);
	boxDestroy(&b);
	return out;
}
*/
import "C"

import (
	"context"
	"fmt"
	"image"
	"math"
)

// Region is a rectangle of a page image to recognise again on its own
// (see Pool.RecognizeRegion).
type Region struct {
	// Rect is in the original image's pixels; it is clipped to the image.
	// With Rotation, it is in the pixels of the image so turned.
	Rect image.Rectangle
	// Rotation is 0, 90, 180 or 270: degrees clockwise the image is
	// turned before the rectangle is cut from it, as preprocessing turned
	// a page scanned sideways (Applied.Rotation). Rect, Erase and the
	// returned page's word boxes and size are then in the turned image.
	Rotation int
	// Skew is the angle in degrees (clockwise positive) to rotate the
	// rectangle by, about its centre, to make its text lines horizontal:
	// the page's Applied.Skew makes the region read as the page was.
	Skew float64
	// Erase lists rectangles (in the original image's pixels) whitened
	// before recognition: text of a neighbouring cell that reaches into
	// Rect and would be read with it.
	Erase []image.Rectangle
	// Despeckle whitens specks of ink smaller than a pen stroke before
	// recognition.
	Despeckle bool
	// PSM is Tesseract's page segmentation mode for this recognition
	// (0: PSM_AUTO); the engine's own mode is restored afterwards.
	PSM int
	// Scale, when above 1 (up to 4), enlarges the region (grey,
	// interpolated) before recognition: another look at small or italic
	// print, whose digits Tesseract reads differently at another size.
	Scale float64
}

// Image is a page image decoded once, for several RecognizeImageRegion
// calls: decoding a 300 dpi greyscale PNG costs more than recognising a
// row of it. Not safe for concurrent use; Close frees it.
type Image struct {
	pix  *C.PIX
	w, h int
}

// DecodeImage decodes a page image (PNG, JPEG, TIFF: what Leptonica
// reads) for RecognizeImageRegion.
func DecodeImage(img []byte) (*Image, error) {
	cfg, err := imageSize(img) // refuses a bomb before decoding
	if err != nil {
		return nil, err
	}
	pix, err := readPix(img)
	if err != nil {
		return nil, err
	}
	return &Image{pix: pix, w: cfg.Width, h: cfg.Height}, nil
}

// Close frees the decoded image; the Image is unusable afterwards.
func (im *Image) Close() {
	if im != nil && im.pix != nil {
		destroy(im.pix)
		im.pix = nil
	}
}

// Images decodes the page images of one document on first use, each
// once, for the several regions metadata extraction reads again on them.
// Not safe for concurrent use; Close frees them.
type Images struct {
	load func(page int) ([]byte, error)
	imgs map[int]*Image
}

// NewImages returns Images that load page i's encoded image with load.
func NewImages(load func(page int) ([]byte, error)) *Images {
	return &Images{load: load, imgs: map[int]*Image{}}
}

// Get is page i's decoded image.
func (s *Images) Get(i int) (*Image, error) {
	if im, ok := s.imgs[i]; ok {
		return im, nil
	}
	b, err := s.load(i)
	if err != nil {
		return nil, err
	}
	im, err := DecodeImage(b)
	if err != nil {
		return nil, err
	}
	s.imgs[i] = im
	return im, nil
}

// Close frees every image decoded.
func (s *Images) Close() {
	for _, im := range s.imgs {
		im.Close()
	}
	clear(s.imgs)
}

// RecognizeRegion recognises one rectangle of a page image on its own:
// cut out, and optionally cleared of a neighbour's text, straightened and
// cleaned of specks, with Tesseract finding its lines afresh. A page's
// reading can merge
// lines or misread a small block (the issuing body of a letter, say) that
// reads well once the rest of the page is out of the way. The returned
// page has the whole image's size and its words are in the original
// image's pixels, so it can stand in for the page's words in the
// rectangle. It costs a decode of the image and a recognition of the
// rectangle: meant for a few uncertain pages, not every one. To read
// several regions of one image, decode it once (DecodeImage) and call
// RecognizeImageRegion.
func (p *Pool) RecognizeRegion(ctx context.Context, img []byte, r Region) (*Page, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	im, err := DecodeImage(img)
	if err != nil {
		return nil, err
	}
	defer im.Close()
	return p.RecognizeImageRegion(ctx, im, r)
}

// check refuses a region's bad settings.
func (r Region) check() error {
	if r.PSM < 0 || r.PSM >= int(C.PSM_COUNT) {
		return fmt.Errorf("ocr: chế độ phân đoạn %d không hợp lệ / bad page segmentation mode %d", r.PSM, r.PSM)
	}
	if r.Rotation%90 != 0 || r.Rotation < 0 || r.Rotation >= 360 {
		return fmt.Errorf("ocr: góc xoay %d không hợp lệ / bad rotation %d", r.Rotation, r.Rotation)
	}
	if r.Scale < 0 || r.Scale > 4 {
		return fmt.Errorf("ocr: tỉ lệ phóng %g không hợp lệ (tối đa 4) / bad scale %g (at most 4)", r.Scale, r.Scale)
	}
	return nil
}

// RecognizeImageRegion is RecognizeRegion on an image already decoded.
func (p *Pool) RecognizeImageRegion(ctx context.Context, im *Image, r Region) (*Page, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	if im == nil || im.pix == nil {
		return nil, fmt.Errorf("ocr: ảnh đã đóng / image closed")
	}
	src, w, h := im.pix, im.w, im.h
	if q := r.Rotation / 90; q != 0 {
		if q%2 == 1 {
			w, h = h, w
		}
		// Turned whole (a few milliseconds), so that the rectangle is cut
		// as the page reads.
		src = C.pixRotateOrth(im.pix, C.l_int32(q))
		if src == nil {
			return nil, fmt.Errorf("ocr: xoay ảnh thất bại / cannot turn the image")
		}
		defer destroy(src)
	}
	rect := r.Rect.Intersect(image.Rect(0, 0, w, h))
	if rect.Dx() < 8 || rect.Dy() < 8 {
		return nil, fmt.Errorf("ocr: vùng %v nằm ngoài ảnh %dx%d hoặc quá nhỏ / region %v is outside the %dx%d image or too small",
			r.Rect, w, h, r.Rect, w, h)
	}

	e, release, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()

	dpi := int(C.pixGetXRes(im.pix))
	clip := C.sohoa_clip(src, C.int(rect.Min.X), C.int(rect.Min.Y), C.int(rect.Dx()), C.int(rect.Dy()))
	if clip == nil {
		return nil, fmt.Errorf("ocr: cắt vùng %v thất bại / cannot clip region %v", rect, rect)
	}
	// A private, colormap-free 1 or 8 bpp copy, as preprocess works on.
	var cur *C.PIX
	if C.pixGetDepth(clip) == 1 {
		cur = C.pixConvertTo1(clip, 128)
	} else {
		cur = C.pixConvertTo8(clip, 0)
	}
	destroy(clip)
	if cur == nil {
		return nil, fmt.Errorf("ocr: chuyển đổi vùng ảnh thất bại / cannot convert region")
	}
	defer func() { destroy(cur) }()
	replace := func(n *C.PIX) {
		if n != nil && n != cur {
			destroy(cur)
			cur = n
		}
	}
	tr := transform{w: rect.Dx(), h: rect.Dy()}
	for _, er := range r.Erase {
		if er = er.Intersect(rect).Sub(rect.Min); !er.Empty() {
			C.sohoa_whiten(cur, C.int(er.Min.X), C.int(er.Min.Y), C.int(er.Dx()), C.int(er.Dy()))
		}
	}
	if r.Despeckle {
		// Dust and toner specks of a pixel or two at 200–300 dpi; the
		// smallest diacritic (the dot of dấu nặng) is several pixels wide.
		C.sohoa_despeckle(cur, C.int(max(3, dpi/100)))
	}
	if r.Skew != 0 {
		a := r.Skew * math.Pi / 180
		cw, ch := int(C.pixGetWidth(cur)), int(C.pixGetHeight(cur))
		tr.steps = append(tr.steps, step{kind: stepSkew, w: cw, h: ch, angle: a})
		typ := C.l_int32(C.L_ROTATE_AREA_MAP)
		if C.pixGetDepth(cur) == 1 {
			typ = C.L_ROTATE_SAMPLING
		}
		replace(C.pixRotate(cur, C.l_float32(a), typ, C.L_BRING_IN_WHITE, 0, 0))
	}
	if r.Scale > 1 {
		cw, ch := int(C.pixGetWidth(cur)), int(C.pixGetHeight(cur))
		tr.steps = append(tr.steps, step{kind: stepScale, w: cw, h: ch, scale: r.Scale})
		if C.pixGetDepth(cur) == 1 {
			grey := C.pixConvert1To8(nil, cur, 255, 0)
			replace(C.pixScaleGrayLI(grey, C.l_float32(r.Scale), C.l_float32(r.Scale)))
			destroy(grey)
		} else {
			replace(C.pixScaleGrayLI(cur, C.l_float32(r.Scale), C.l_float32(r.Scale)))
		}
		dpi = int(float64(dpi) * r.Scale)
	}
	psm := C.TessPageSegMode(C.PSM_AUTO)
	if r.PSM > 0 {
		psm = C.TessPageSegMode(r.PSM)
	}
	old := C.TessBaseAPIGetPageSegMode(e.api)
	C.TessBaseAPISetPageSegMode(e.api, psm)
	words, err := e.recognize(cur, dpi)
	C.TessBaseAPISetPageSegMode(e.api, old)
	if err != nil {
		return nil, err
	}
	for i := range words {
		words[i].Box = tr.toOriginal(words[i].Box).Add(rect.Min)
		if p.cfg.Corrector != nil {
			words[i].Text = p.cfg.Corrector.CorrectWord(words[i].Text)
		}
	}
	page := &Page{Width: w, Height: h}
	page.fill(words)
	return page, nil
}
