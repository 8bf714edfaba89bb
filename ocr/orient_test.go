package ocr

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/internal/officetest"
)

// orientCase is a rendered page turned by a known angle.
type orientCase struct {
	name  string
	img   []byte
	quads int     // clockwise quarter turns that set it upright
	tilt  float64 // degrees it was tilted by beyond the quarter turns
}

// orientCorpus renders the officetest documents at 200 dpi bilevel and
// 300 dpi grey and turns each page by every quarter turn with
// ImageMagick, the bilevel ones also tilted by 7° more.
func orientCorpus(t *testing.T) []orientCase {
	var cases []orientCase
	for _, doc := range []officetest.Doc{officetest.Decree, officetest.Notice, officetest.Letter, officetest.Signature} {
		for _, k := range []struct {
			dpi  int
			mono bool
		}{{200, true}, {300, false}} {
			for i, page := range officetest.Pages(t, doc, k.dpi, k.mono) {
				for _, deg := range []float64{0, 90, 180, 270} {
					for _, tilt := range []float64{0, 7} {
						if tilt != 0 && !k.mono {
							continue // ImageMagick takes long to tilt a 300 dpi grey page
						}
						img := page
						if deg+tilt != 0 {
							img = officetest.Turn(t, page, deg+tilt, k.mono)
						}
						cases = append(cases, orientCase{name: officetest.Name(doc, i, k.dpi, k.mono, deg+tilt), img: img,
							quads: (4 - int(deg)/90) % 4, tilt: tilt})
					}
				}
			}
		}
	}
	return cases
}

// TestOrientationDetectors measures Tesseract OSD against Leptonica's
// pixOrientDetect on pages LibreOffice rendered and ImageMagick turned,
// both on the page straightened by its line direction as preprocessing
// does, and requires what preprocessing uses (Leptonica, then OSD where
// Leptonica cannot decide) to be right on every page. Run with -v for
// the figures.
func TestOrientationDetectors(t *testing.T) {
	dir, err := osdDatapath("")
	if err != nil {
		t.Fatal(err)
	}
	osd, err := newOSD(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer osd.close()
	cases := orientCorpus(t)
	var osdRight, osdLow, leptRight, leptUndecided, lineRight, bothRight, osdCalls int
	var osdTime, leptTime, lineTime time.Duration
	minOSD, minLept := math.Inf(1), math.Inf(1)
	for _, c := range cases {
		d, err := compareDetectors(c.img, osd)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		osdTime += d.osdTime
		leptTime += d.leptTime
		lineTime += d.lineTime
		if d.lineQuads == c.quads%2 {
			lineRight++
		} else {
			t.Errorf("%s: lines found running %s (conf %.1f)", c.name, map[int]string{0: "across", 1: "down"}[d.lineQuads], d.skewConf)
		}
		if d.osdQuads == c.quads {
			osdRight++
			minOSD = min(minOSD, d.osdConf)
		} else {
			t.Logf("%s: OSD turns by %d quarters (conf %.2f), want %d", c.name, d.osdQuads, d.osdConf, c.quads)
		}
		if d.osdConf < minOSDConf {
			osdLow++
		}
		switch {
		case !d.leptOK:
			leptUndecided++
			t.Logf("%s: Leptonica undecided (conf %.2f)", c.name, d.leptConf)
		case d.leptQuads == c.quads:
			leptRight++
			minLept = min(minLept, d.leptConf)
		default:
			t.Logf("%s: Leptonica turns by %d quarters (conf %.2f), want %d", c.name, d.leptQuads, d.leptConf, c.quads)
		}
		// What preprocessing does.
		got, conf := d.leptQuads, d.leptConf
		if !d.leptOK {
			osdCalls++
			got, conf = d.osdQuads, d.osdConf
		}
		if got == c.quads && (d.leptOK || conf >= minOSDConf) {
			bothRight++
		} else {
			t.Errorf("%s: preprocessing would turn by %d quarters (conf %.2f), want %d", c.name, got, conf, c.quads)
		}
	}
	n := float64(len(cases))
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / n }
	t.Logf("%d pages: line direction right %d (%.0f ms CPU/page); OSD right %d, under its threshold %d, lowest confidence when right %.2f (%.0f ms CPU/page); "+
		"Leptonica right %d, undecided %d, wrong %d, lowest confidence when right %.2f (%.0f ms CPU/page); "+
		"Leptonica then OSD right %d, OSD run on %d",
		len(cases), lineRight, ms(lineTime), osdRight, osdLow, minOSD, ms(osdTime),
		leptRight, leptUndecided, len(cases)-leptRight-leptUndecided, minLept, ms(leptTime), bothRight, osdCalls)
}

// TestGeometryRealPages runs turned and tilted rendered pages through
// Recognize and requires them set upright and straight, and read.
func TestGeometryRealPages(t *testing.T) {
	pool, err := NewPool(Config{Workers: 2, Preprocess: DefaultPreprocess()})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	page := officetest.Pages(t, officetest.Decree, 200, true)[0]
	for _, tc := range []struct {
		deg      float64
		rotation int
		skew     float64
	}{
		{0, 0, 0}, {90, 270, 0}, {180, 180, 0}, {270, 90, 0},
		{10, 0, -10}, {-10, 0, 10}, {30, 0, -30}, {-40, 0, 40}, {4, 0, -4},
		{98, 270, -8}, {200, 180, -20},
	} {
		img := page
		if tc.deg != 0 {
			img = officetest.Turn(t, page, tc.deg, true)
		}
		p, err := pool.Recognize(context.Background(), img)
		if err != nil {
			t.Fatal(err)
		}
		if p.Preprocess.Rotation != tc.rotation || math.Abs(p.Preprocess.Skew-tc.skew) > 0.5 || p.Preprocess.OrientationUnsure {
			t.Errorf("turned %g°: rotation %d, skew %.2f, unsure %v; want rotation %d, skew %g",
				tc.deg, p.Preprocess.Rotation, p.Preprocess.Skew, p.Preprocess.OrientationUnsure, tc.rotation, tc.skew)
		}
		// On the page as it reads, the heading is at the top, centred.
		fw, fh := p.Upright()
		for _, w := range p.Words {
			if w.Text != "QUYẾT" {
				continue
			}
			b := w.Box
			if tc.rotation != 0 || tc.skew != 0 {
				b = w.Upright
			}
			if cx := (b.Min.X + b.Max.X) / 2; b.Max.Y > fh/3 || cx < fw/4 || cx > fw*3/4 {
				t.Errorf("turned %g°: %q at %v on the upright %dx%d page, want at the top, centred", tc.deg, w.Text, b, fw, fh)
			}
		}
		for _, want := range []string{"QUYẾT ĐỊNH", "Điều 2. Giao Sở Nội vụ"} {
			if !strings.Contains(p.Text, want) {
				t.Errorf("turned %g°: text lacks %q:\n%s", tc.deg, want, p.Text)
			}
		}
	}
}

// TestOrientationUnsure: a page with ink but no text (a photograph's
// blotches, made by ImageMagick) cannot be set upright and says so.
func TestOrientationUnsure(t *testing.T) {
	pool, err := NewPool(Config{Workers: 1, Preprocess: DefaultPreprocess()})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	img := officetest.Blotches(t)
	p, err := pool.Recognize(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	if p.Blank || !p.Preprocess.OrientationUnsure || p.Preprocess.Rotation != 0 {
		t.Errorf("blotches: blank %v, unsure %v (conf %.2f), rotation %d; want unsure, not turned",
			p.Blank, p.Preprocess.OrientationUnsure, p.Preprocess.OrientationConf, p.Preprocess.Rotation)
	}
	// A page of text is sure.
	p, err = pool.Recognize(context.Background(), officetest.Pages(t, officetest.Notice, 200, true)[0])
	if err != nil {
		t.Fatal(err)
	}
	if p.Preprocess.OrientationUnsure {
		t.Errorf("notice: unsure (conf %.2f)", p.Preprocess.OrientationConf)
	}
}
