package ocr

// Page geometry: which way up a page is (0/90/180/270) and how far its
// lines are tilted (up to 45°), found on the page's binarised image.
//
// The direction of the text lines comes first: Leptonica's projection
// search over ±45°, on the page as it is and turned a quarter, whichever
// finds the clearer lines (pixFindSkew, used before, searches ±7° only and
// missed a page tilted 10°). On the page so straightened, which way up it
// reads is told by Leptonica's pixOrientDetect (counts of ascenders and
// descenders), and where Leptonica cannot decide, by Tesseract's
// orientation and script detection (OSD, osd.traineddata from Debian's
// tesseract-ocr-osd). Measured on 48 pages LibreOffice rendered and
// ImageMagick turned and tilted (TestOrientationDetectors, -v): OSD was
// right on all 48; Leptonica on 37, undecided on 11 (the short pages),
// wrong on none; but OSD costs 373 ms of CPU a page against Leptonica's
// 31 (and the line search's 30), half the cost of recognising the page.
// So Leptonica decides, and OSD reads only the pages it cannot: right on
// all 48, OSD run on 11. A page neither can tell is left as its lines
// run and flagged (Applied.OrientationUnsure).

/*
#include <stdlib.h>
#include <leptonica/allheaders.h>
#include <tesseract/capi.h>

// sohoa_osd runs Tesseract's orientation detection on pix. deg is the
// page's orientation: the clockwise angle it is turned by from upright.
// Returns 0 on success.
static int sohoa_osd(TessBaseAPI *api, PIX *pix, int dpi, int *deg, float *conf) {
	TessBaseAPISetImage2(api, pix);
	TessBaseAPISetSourceResolution(api, dpi);
	// No script name: Tesseract 5 returns a pointer into its own
	// tables there, which capi.h wrongly says to free.
	float sconf = 0;
	BOOL ok = TessBaseAPIDetectOrientationScript(api, deg, conf, NULL, &sconf);
	TessBaseAPIClear(api);
	return ok ? 0 : 1;
}
*/
import "C"

import (
	"fmt"
	"image"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"time"
	"unsafe"
)

// Constants of geometry detection.
const (
	// maxSkewSearch is the half-range, in degrees, searched for the
	// direction of text lines: beyond 45° a page is better read as turned
	// a quarter and tilted the other way.
	maxSkewSearch = 45.0
	// minOSDConf is the orientation confidence (Tesseract's, the margin
	// between the best and second orientation) under which a page is not
	// turned and is flagged for review (Applied.OrientationUnsure). The
	// tesseract command prints the same figure as "Orientation
	// confidence"; OCRmyPDF's --rotate-pages-threshold defaults to 14 on
	// it. Measured on rendered pages: upright or turned pages of text score
	// 12–25, tilted ones a little less, pages without text under 1.
	minOSDConf = 2.0
)

// osdEngine is a Tesseract instance loaded with osd.traineddata; not safe
// for concurrent use.
type osdEngine struct {
	api *C.TessBaseAPI
}

// osdDatapath is the folder to load osd.traineddata from: the configured
// tessdata folder when it holds it, then TESSDATA_PREFIX, then
// Tesseract's own folder. It returns an error naming the package to
// install when none holds it.
func osdDatapath(prefix string) (string, error) {
	var tried []string
	for _, dir := range []string{prefix, os.Getenv("TESSDATA_PREFIX"), defaultTessdata()} {
		if dir == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "osd.traineddata")); err == nil {
			return dir, nil
		}
		tried = append(tried, dir)
	}
	return "", fmt.Errorf("ocr: thiếu osd.traineddata để nhận biết chiều trang, hãy cài tesseract-ocr-osd / "+
		"osd.traineddata (page orientation) not found in %v: install tesseract-ocr-osd", tried)
}

func newOSD(datapath string) (*osdEngine, error) {
	api := C.TessBaseAPICreate()
	e := &osdEngine{api: api}
	setVar := func(name, value string) {
		n, v := C.CString(name), C.CString(value)
		C.TessBaseAPISetVariable(api, n, v)
		C.free(unsafe.Pointer(n))
		C.free(unsafe.Pointer(v))
	}
	setVar("debug_file", "/dev/null")
	dp, lang := C.CString(datapath), C.CString("osd")
	defer C.free(unsafe.Pointer(dp))
	defer C.free(unsafe.Pointer(lang))
	// OSD is part of Tesseract's legacy engine, which osd.traineddata
	// holds.
	if C.TessBaseAPIInit2(api, dp, lang, C.OEM_TESSERACT_ONLY) != 0 {
		e.close()
		return nil, fmt.Errorf("ocr: khởi tạo nhận biết chiều trang thất bại / cannot initialise orientation detection from %s", datapath)
	}
	setVar("debug_file", "/dev/null")
	C.TessBaseAPISetPageSegMode(api, C.PSM_OSD_ONLY)
	return e, nil
}

// detect returns the clockwise quarter turns that set pix upright, and
// Tesseract's confidence in them.
func (e *osdEngine) detect(pix *C.PIX, dpi int) (quads int, conf float64, err error) {
	if dpi < 70 {
		dpi = 300
	}
	var deg C.int
	var c C.float
	if C.sohoa_osd(e.api, pix, C.int(dpi), &deg, &c) != 0 {
		return 0, 0, fmt.Errorf("ocr: không nhận biết được chiều trang / orientation detection failed")
	}
	// deg is how far the page is turned clockwise; turning it back is the
	// rest of a full turn.
	return (4 - int(deg)/90%4) % 4, float64(c), nil
}

func (e *osdEngine) close() {
	if e.api != nil {
		C.TessBaseAPIEnd(e.api)
		C.TessBaseAPIDelete(e.api)
		e.api = nil
	}
}

// leptOrient is Leptonica's orientation detection (pixOrientDetect, a
// count of ascenders and descenders) on the 1 bpp bin, as quarter turns
// to set it upright, and its confidence (the larger of its up and left
// confidences, in absolute value); ok is false when makeOrientDecision
// cannot decide.
func leptOrient(bin *C.PIX) (quads int, conf float64, ok bool) {
	var up, left C.l_float32
	var orient C.l_int32
	if C.pixOrientDetect(bin, &up, &left, 0, 0) != 0 ||
		C.makeOrientDecision(up, left, minOrientConf, minOrientRatio, &orient, 0) != 0 {
		return 0, 0, false
	}
	conf = max(math.Abs(float64(up)), math.Abs(float64(left)))
	switch orient {
	case C.L_TEXT_ORIENT_UP:
		return 0, conf, true
	case C.L_TEXT_ORIENT_LEFT: // text turned 90° counter-clockwise
		return 1, conf, true
	case C.L_TEXT_ORIENT_DOWN:
		return 2, conf, true
	case C.L_TEXT_ORIENT_RIGHT:
		return 3, conf, true
	}
	return 0, conf, false
}

// lineSkew finds the tilt of the text lines of the 1 bpp bin within
// ±maxSkewSearch degrees: the angle (clockwise positive) to rotate bin by
// to make them horizontal, and Leptonica's confidence in it (0 when it
// found none).
func lineSkew(bin *C.PIX) (deg, conf float64) {
	var a, c C.l_float32
	// Sweep at a quarter of the size in 1° steps, then a binary search at
	// half size down to 0.01°: Leptonica's pixFindSkew does the same over
	// ±7° only.
	if C.pixFindSkewSweepAndSearch(bin, &a, &c, 4, 2, C.l_float32(maxSkewSearch), 1, 0.01) != 0 {
		return 0, 0
	}
	return float64(a), float64(c)
}

// lineDirection finds whether the text lines of bin run across (quads 0)
// or down (quads 1: the page is a quarter turn off) and their tilt from
// that direction, whichever of the two searches is the more confident.
func lineDirection(bin *C.PIX) (quads int, deg, conf float64) {
	deg, conf = lineSkew(bin)
	turned := C.pixRotateOrth(bin, 1)
	if turned == nil {
		return 0, deg, conf
	}
	d1, c1 := lineSkew(turned)
	destroy(turned)
	if c1 > conf {
		return 1, d1, c1
	}
	return 0, deg, conf
}

// osdPool is one OSD engine per Pool worker.
type osdPool chan *osdEngine

func newOSDPool(n int, prefix string) (osdPool, error) {
	dir, err := osdDatapath(prefix)
	if err != nil {
		return nil, err
	}
	p := make(osdPool, n)
	for range n {
		e, err := newOSD(dir)
		if err != nil {
			p.close()
			return nil, err
		}
		p <- e
	}
	slog.Debug("ocr: orientation detection loaded", "datapath", dir)
	return p, nil
}

func (p osdPool) close() {
	for {
		select {
		case e := <-p:
			e.close()
		default:
			return
		}
	}
}

// geometry is what findGeometry found.
type geometry struct {
	quads  int     // clockwise quarter turns that set the page upright
	skew   float64 // degrees (clockwise positive) to rotate it by then
	conf   float64 // orientation confidence, 0 when not detected
	unsure bool    // orientation was detected and is not to be trusted
}

// findGeometry finds how to set the 1 bpp bin upright and straight: the
// direction and tilt of its text lines first (Leptonica's projection
// search over ±45°, across and down the page), then, on the page so
// straightened, which way up it reads (Tesseract OSD). Reading
// orientation on a straightened page is what makes OSD reliable on a
// crooked scan: its confidence falls fast with the tilt.
func findGeometry(bin *C.PIX, dpi int, pp Preprocess, osd *osdEngine) geometry {
	var g geometry
	var conf float64
	if pp.Orientation {
		g.quads, g.skew, conf = lineDirection(bin)
	} else {
		g.skew, conf = lineSkew(bin)
	}
	if !pp.Deskew || conf < minSkewConf || math.Abs(g.skew) < minSkewDegrees {
		g.skew = 0
	}
	if !pp.Orientation || osd == nil {
		return g
	}
	straight := turnBin(bin, g.quads, g.skew)
	if straight == nil {
		return g
	}
	// Leptonica first: it costs a tenth of OSD and decides most pages;
	// OSD reads the pages it cannot decide.
	q, c, ok := leptOrient(straight)
	if !ok {
		var err error
		q, c, err = osd.detect(straight, dpi)
		if err != nil || c < minOSDConf {
			destroy(straight)
			g.conf = c
			// The lines say which way the page runs, not which way up it is.
			g.unsure = true
			return g
		}
	}
	destroy(straight)
	g.conf = c
	g.quads = (g.quads + q) % 4
	if q%2 == 1 {
		// OSD reads the lines the other way than the projections did:
		// measure their tilt again across the page as OSD turned it.
		turned := C.pixRotateOrth(bin, C.l_int32(g.quads))
		if turned != nil {
			g.skew, conf = lineSkew(turned)
			destroy(turned)
			if !pp.Deskew || conf < minSkewConf || math.Abs(g.skew) < minSkewDegrees {
				g.skew = 0
			}
		}
	}
	return g
}

// turnBin returns a new 1 bpp image: bin turned by quads quarter turns
// clockwise, then rotated by deg degrees.
func turnBin(bin *C.PIX, quads int, deg float64) *C.PIX {
	cur := C.pixClone(bin)
	if quads != 0 {
		t := C.pixRotateOrth(cur, C.l_int32(quads))
		destroy(cur)
		cur = t
	}
	if cur != nil && deg != 0 {
		t := C.pixRotate(cur, C.l_float32(deg*math.Pi/180), C.L_ROTATE_SAMPLING, C.L_BRING_IN_WHITE, 0, 0)
		destroy(cur)
		cur = t
	}
	return cur
}

// detectors is what each orientation detector says of one page image,
// for orient_test.go's comparison of the two.
type detectors struct {
	lineQuads      int // 1 when the lines were found running down the page
	skew, skewConf float64
	lineTime       time.Duration
	osdQuads       int // quarter turns, the line direction's included
	osdConf        float64
	osdTime        time.Duration
	leptQuads      int
	leptConf       float64
	leptOK         bool
	leptTime       time.Duration
}

// compareDetectors decodes img and finds its line direction and tilt as
// preprocessing does, then runs both OSD and Leptonica's orientation
// detection on the page so straightened.
func compareDetectors(img []byte, osd *osdEngine) (detectors, error) {
	var d detectors
	pix, err := readPix(img)
	if err != nil {
		return d, err
	}
	defer destroy(pix)
	bin := C.pixConvertTo1(pix, binThreshold)
	if bin == nil {
		return d, fmt.Errorf("ocr: binarise failed")
	}
	defer destroy(bin)
	dpi := int(C.pixGetXRes(pix))
	// CPU time of this thread, not wall time: the figures must not depend
	// on what else the machine runs.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu := func() time.Duration {
		var ru syscall.Rusage
		syscall.Getrusage(1, &ru) // RUSAGE_THREAD
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	t := cpu()
	d.lineQuads, d.skew, d.skewConf = lineDirection(bin)
	d.lineTime = cpu() - t
	skew := d.skew
	if d.skewConf < minSkewConf {
		skew = 0
	}
	straight := turnBin(bin, d.lineQuads, skew)
	if straight == nil {
		return d, fmt.Errorf("ocr: rotate failed")
	}
	defer destroy(straight)
	t = cpu()
	d.osdQuads, d.osdConf, err = osd.detect(straight, dpi)
	d.osdTime = cpu() - t
	if err != nil {
		return d, err
	}
	d.osdQuads = (d.osdQuads + d.lineQuads) % 4
	t = cpu()
	d.leptQuads, d.leptConf, d.leptOK = leptOrient(straight)
	d.leptTime = cpu() - t
	d.leptQuads = (d.leptQuads + d.lineQuads) % 4
	return d, nil
}

// toUpright maps a box in the recognised image's pixels to the page as it
// reads: the original image turned and straightened as preprocessing did,
// at the original image's resolution (only the scaling is undone).
func (t *transform) toUpright(r image.Rectangle) image.Rectangle {
	s := 1.0
	w, h := t.w, t.h
	for _, st := range t.steps {
		switch {
		case st.kind == stepScale:
			s *= st.scale
		case st.kind == stepOrth && st.quads%2 == 1:
			w, h = h, w
		}
	}
	out := image.Rect(int(math.Floor(float64(r.Min.X)/s+1e-9)), int(math.Floor(float64(r.Min.Y)/s+1e-9)),
		int(math.Ceil(float64(r.Max.X)/s-1e-9)), int(math.Ceil(float64(r.Max.Y)/s-1e-9)))
	return out.Intersect(image.Rect(0, 0, w, h))
}

// Upright returns the size, in the original image's pixels, of the page
// as it reads: the original image turned by Preprocess.Rotation (a
// quarter or three quarters swap its sides), then rotated about its
// centre by Preprocess.Skew within the same size. Words' Upright boxes
// are in that frame; it is the frame the text was recognised in, and the
// one a searchable PDF shows the page in.
func (p *Page) Upright() (width, height int) {
	if p.Preprocess.Rotation%180 == 90 {
		return p.Height, p.Width
	}
	return p.Width, p.Height
}
