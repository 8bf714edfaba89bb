package ocr

import (
	"context"
	"image"
	"image/color"
	"math"
	"strings"
	"testing"
)

// turn rotates img clockwise by deg degrees about its centre
// (nearest neighbour; quarter turns change the size), white outside.
func turn(img *image.Gray, deg float64) *image.Gray {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	ow, oh := w, h
	if int(math.Round(deg))%180 == 90 {
		ow, oh = h, w
	}
	out := image.NewGray(image.Rect(0, 0, ow, oh))
	sin, cos := math.Sincos(deg * math.Pi / 180)
	for y := range oh {
		for x := range ow {
			// out = c' + R(deg)(in - c), so in = c + R(-deg)(out - c').
			dx, dy := float64(x)+0.5-float64(ow)/2, float64(y)+0.5-float64(oh)/2
			sx := float64(w)/2 + dx*cos + dy*sin
			sy := float64(h)/2 - dx*sin + dy*cos
			c := color.Gray{Y: 255}
			if ix, iy := int(math.Floor(sx)), int(math.Floor(sy)); ix >= 0 && iy >= 0 && ix < w && iy < h {
				c = img.GrayAt(ix, iy)
			}
			out.SetGray(x, y, c)
		}
	}
	return out
}

// where maps point (x,y) of img (w×h) to the image turned by deg.
func where(x, y, w, h int, deg float64) image.Point {
	ow, oh := w, h
	if int(math.Round(deg))%180 == 90 {
		ow, oh = h, w
	}
	sin, cos := math.Sincos(deg * math.Pi / 180)
	dx, dy := float64(x)-float64(w)/2, float64(y)-float64(h)/2
	return image.Pt(int(float64(ow)/2+dx*cos-dy*sin), int(float64(oh)/2+dx*sin+dy*cos))
}

func TestPreprocessGeometry(t *testing.T) {
	pool, err := NewPool(Config{Workers: 2, Preprocess: DefaultPreprocess()})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var lines []string
	for range 3 {
		lines = append(lines, testLines...)
	}
	const w, h = 2480, 2000
	upright := renderPage(t, lines, w, h, 300, 12)
	// Where "CỘNG" of the first line is on the upright page.
	ref, err := pool.Recognize(context.Background(), encodePNG(t, upright))
	if err != nil {
		t.Fatal(err)
	}
	if ref.Words[0].Text != "CỘNG" || ref.Preprocess.Rotation != 0 || ref.Preprocess.Skew != 0 {
		t.Fatalf("upright page: first word %q, preprocess %+v", ref.Words[0].Text, ref.Preprocess)
	}
	box := ref.Words[0].Box
	centre := image.Pt((box.Min.X+box.Max.X)/2, (box.Min.Y+box.Max.Y)/2)
	for _, tc := range []struct {
		deg      float64
		rotation int
	}{{90, 270}, {180, 180}, {270, 90}, {2.5, 0}, {-3, 0}, {92, 270}} {
		img := turn(upright, tc.deg)
		page, err := pool.Recognize(context.Background(), encodePNG(t, img))
		if err != nil {
			t.Fatal(err)
		}
		if page.Preprocess.Rotation != tc.rotation {
			t.Errorf("turned %v°: rotation %d, want %d", tc.deg, page.Preprocess.Rotation, tc.rotation)
		}
		skew := math.Mod(tc.deg, 90)
		if math.Abs(skew) > 45 {
			skew -= 90 * math.Copysign(1, skew)
		}
		if got := page.Preprocess.Skew; math.Abs(got+skew) > 0.3 {
			t.Errorf("turned %v°: skew %.2f, want %.2f", tc.deg, got, -skew)
		}
		if cer := CER(strings.Join(lines, "\n"), page.Text); cer > 0.05 {
			t.Errorf("turned %v°: CER %.3f\n%s", tc.deg, cer, page.Text)
		}
		if page.Width != img.Bounds().Dx() || page.Height != img.Bounds().Dy() {
			t.Errorf("turned %v°: size %dx%d, want the original's %v", tc.deg, page.Width, page.Height, img.Bounds().Size())
		}
		// The first word's box, in the turned image's pixels, contains
		// where the upright "CỘNG" went.
		want := where(centre.X, centre.Y, w, h, tc.deg)
		var found bool
		for _, wd := range page.Words {
			if wd.Text == "CỘNG" && want.In(wd.Box) {
				found = true
			}
		}
		if !found {
			t.Errorf("turned %v°: no CỘNG box contains %v; first words %+v", tc.deg, want, page.Words[:2])
		}
	}
}

func TestPreprocessBlankBorderReview(t *testing.T) {
	pool, err := NewPool(Config{Workers: 1, Preprocess: DefaultPreprocess(), ReviewThreshold: 99.5})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	const w, h = 1654, 1100 // 200 dpi
	// A scanned empty sheet: specks and a dark border on the left.
	blank := image.NewGray(image.Rect(0, 0, w, h))
	for i := range blank.Pix {
		blank.Pix[i] = 255
	}
	for y := range h {
		for x := range 40 {
			blank.Pix[y*blank.Stride+x] = 30
		}
	}
	for i := 0; i < len(blank.Pix); i += 997 {
		blank.Pix[i] = 0
	}
	page, err := pool.Recognize(context.Background(), encodePNG(t, blank))
	if err != nil {
		t.Fatal(err)
	}
	if !page.Blank || len(page.Words) != 0 || page.NeedsReview || !page.Preprocess.Border {
		t.Errorf("blank page: Blank %v, %d words, NeedsReview %v, preprocess %+v", page.Blank, len(page.Words), page.NeedsReview, page.Preprocess)
	}
	// The same border beside text: text recognised, border whitened, and
	// with a threshold of 99.5 the page is flagged for review.
	text := renderPage(t, testLines, w, h, 200, 12)
	for y := range h {
		for x := range 40 {
			text.Pix[y*text.Stride+x] = 30
		}
	}
	page, err = pool.Recognize(context.Background(), encodePNG(t, text))
	if err != nil {
		t.Fatal(err)
	}
	if page.Blank || !page.Preprocess.Border || !page.NeedsReview {
		t.Errorf("text page: Blank %v, preprocess %+v, NeedsReview %v (mean conf %.1f)", page.Blank, page.Preprocess, page.NeedsReview, page.MeanConf)
	}
	if cer := CER(strings.Join(testLines, "\n"), page.Text); cer > 0.05 {
		t.Errorf("text page with border: CER %.3f\n%s", cer, page.Text)
	}
}
