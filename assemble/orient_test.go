package assemble

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sohoa-vn/sohoa/internal/officetest"
	"github.com/sohoa-vn/sohoa/ocr"
)

var spaces = regexp.MustCompile(`\s+`)

// TestTurnedPagesShowUpright: a decree LibreOffice typeset, rasterised at
// 200 dpi bilevel and turned or tilted by ImageMagick as a crooked scan,
// goes through OCR and assembly; the PDF passes qpdf --check, its page
// is portrait, its text layer (pdftotext) has the words with their
// spaces, and the page as poppler renders it is read upright by the
// plain tesseract command.
func TestTurnedPagesShowUpright(t *testing.T) {
	officetest.Need(t, "soffice", "pdftoppm", "pdftotext", "convert", "tesseract", "qpdf")
	pool, err := ocr.NewPool(ocr.Config{Workers: 2, Preprocess: ocr.DefaultPreprocess()})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	page := officetest.Pages(t, officetest.Decree, 200, true)[0]
	for _, deg := range []float64{90, 180, 270, 10, -30} {
		t.Run(fmt.Sprint(deg), func(t *testing.T) {
			img := officetest.Turn(t, page, deg, true)
			o, err := pool.Recognize(context.Background(), img)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			out := filepath.Join(dir, "out.pdf")
			var buf bytes.Buffer
			if err := WritePages(&buf, Info{Title: "turned"}, []Page{{Image: img, Format: "png", DPI: 200, OCR: o}}); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			officetest.Run(t, "qpdf", "--check", out)

			text := spaces.ReplaceAllString(officetest.Run(t, "pdftotext", "-layout", out, "-"), " ")
			for _, want := range []string{"QUYẾT ĐỊNH", "Giao Sở Nội vụ chủ trì", "Quyết định này có hiệu lực"} {
				if !strings.Contains(text, want) {
					t.Errorf("text layer lacks %q:\n%s", want, text)
				}
			}

			officetest.Run(t, "pdftoppm", "-r", "150", "-gray", "-png", "-singlefile", out, filepath.Join(dir, "shown"))
			shown, err := os.ReadFile(filepath.Join(dir, "shown.png"))
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := png.DecodeConfig(bytes.NewReader(shown))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Width >= cfg.Height {
				t.Errorf("page shown %dx%d, want portrait", cfg.Width, cfg.Height)
			}
			read := spaces.ReplaceAllString(officetest.Run(t, "tesseract", filepath.Join(dir, "shown.png"), "-", "-l", "vie"), " ")
			for _, want := range []string{"QUYẾT ĐỊNH", "Sở Nội vụ", "hiệu lực"} {
				if !strings.Contains(read, want) {
					t.Errorf("tesseract does not read %q on the page as shown:\n%s", want, read)
				}
			}
		})
	}
}

// TestPlace checks where the scanned image's top-left corner lands on
// the page as shown, for every quarter turn, and that a tilt turns the
// image about the page's centre.
func TestPlace(t *testing.T) {
	const w, h = 1000, 1400 // the scan, sideways: its width is the page's height
	words := []ocr.Word{{Text: "x", Box: image.Rect(10, 20, 30, 40), Upright: image.Rect(1, 2, 3, 4)}}
	for _, tc := range []struct {
		rotation        int
		skew            float64
		frameW, frameH  float64
		topLeftX, topLY float64 // where the scan's top-left pixel goes
	}{
		{0, 0, w, h, 0, 0},
		{90, 0, h, w, h, 0},  // turned clockwise: top-left goes to top-right
		{180, 0, w, h, w, h}, // bottom-right
		{270, 0, h, w, 0, w}, // bottom-left
	} {
		o := &ocr.Page{Width: w, Height: h, Words: words, Preprocess: ocr.Applied{Rotation: tc.rotation, Skew: tc.skew}}
		pl := place(o, w, h)
		// The unit square's top-left corner is (0, 1).
		m := pl.image
		x, y := m[2]+m[4], m[3]+m[5]
		if pl.frameW != tc.frameW || pl.frameH != tc.frameH || math.Abs(x-tc.topLeftX) > 1e-9 || math.Abs(y-tc.topLY) > 1e-9 {
			t.Errorf("rotation %d: frame %gx%g, top-left at (%g, %g); want %gx%g, (%g, %g)",
				tc.rotation, pl.frameW, pl.frameH, x, y, tc.frameW, tc.frameH, tc.topLeftX, tc.topLY)
		}
		if got := pl.box(words[0]); tc.rotation != 0 && got != words[0].Upright {
			t.Errorf("rotation %d: box %v, want the upright one", tc.rotation, got)
		}
	}
	// A tilt keeps the centre where it is.
	o := &ocr.Page{Width: w, Height: h, Words: words, Preprocess: ocr.Applied{Skew: 30}}
	m := place(o, w, h).image
	if x, y := 0.5*m[0]+0.5*m[2]+m[4], 0.5*m[1]+0.5*m[3]+m[5]; math.Abs(x-w/2) > 1e-9 || math.Abs(y-h/2) > 1e-9 {
		t.Errorf("tilted: centre at (%g, %g), want (%d, %d)", x, y, w/2, h/2)
	}
	// Results without upright boxes keep a tilted scan as it is.
	o.Words = []ocr.Word{{Text: "x", Box: image.Rect(10, 20, 30, 40)}}
	if m := place(o, w, h).image; m != (matrix{w, 0, 0, -h, 0, h}) {
		t.Errorf("tilted, no upright boxes: image matrix %v, want the scan as it is", m)
	}
}
