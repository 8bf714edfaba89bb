package ocr

import (
	"context"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"math/rand"
	"os"
	"strings"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// header draws the two columns of a Decree 30 header on a 300 dpi page
// 2480×1200: the issuing body at the left, the national name and motto
// at the right, on the same rows.
func header(t testing.TB) (*image.Gray, map[string]image.Point) {
	t.Helper()
	data, err := os.ReadFile(fontPath)
	if err != nil {
		t.Fatalf("read font (apt-get install fonts-liberation2): %v", err)
	}
	f, err := opentype.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: 13, DPI: 300, Hinting: font.HintingFull})
	if err != nil {
		t.Fatal(err)
	}
	defer face.Close()
	img := image.NewGray(image.Rect(0, 0, 2480, 1200))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	d := &font.Drawer{Dst: img, Src: image.NewUniform(color.Black), Face: face}
	at := map[string]image.Point{} // where each line starts (baseline)
	for _, c := range []struct {
		x, y int
		s    string
	}{
		{420, 300, "UBND TỈNH NGHỆ AN"}, {1300, 300, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"},
		{520, 370, "SỞ NỘI VỤ"}, {1450, 370, "Độc lập - Tự do - Hạnh phúc"},
		{470, 480, "Số: 706/SNV"}, {1400, 480, "Nghệ An, ngày 23 tháng 8 năm 2024"},
	} {
		d.Dot = fixed.P(c.x, c.y)
		d.DrawString(c.s)
		at[c.s] = image.Pt(c.x, c.y)
	}
	return img, at
}

// dust scatters n specks of 1–2 pixels over r.
func dust(img *image.Gray, r image.Rectangle, n int, seed int64) {
	rng := rand.New(rand.NewSource(seed))
	for range n {
		x, y := r.Min.X+rng.Intn(r.Dx()-1), r.Min.Y+rng.Intn(r.Dy()-1)
		sz := 1 + rng.Intn(2)
		for dy := range sz {
			for dx := range sz {
				img.SetGray(x+dx, y+dy, color.Gray{Y: uint8(rng.Intn(80))})
			}
		}
	}
}

func TestRecognizeRegion(t *testing.T) {
	p := testPool(t)
	img, at := header(t)
	left := image.Rect(300, 150, 1150, 540) // the left column, number row included
	want := "UBND TỈNH NGHỆ AN\nSỞ NỘI VỤ\nSố: 706/SNV"

	dusty := image.NewGray(img.Bounds())
	copy(dusty.Pix, img.Pix)
	dust(dusty, img.Bounds(), 600, 1)
	specksOnly := image.Rect(300, 600, 1150, 1100) // below the text: dust and nothing else
	erase := []image.Rectangle{image.Rect(1280, 200, 2450, 320), image.Rect(1430, 320, 2450, 400), image.Rect(1380, 420, 2450, 500)}
	// The same page as a bilevel scan (1 bit per pixel: white is 0 to
	// Leptonica, not 255).
	bw := image.NewPaletted(img.Bounds(), color.Palette{color.Black, color.White})
	for i, v := range img.Pix {
		if v >= 128 {
			bw.Pix[i] = 1
		}
	}

	for _, tc := range []struct {
		name string
		img  image.Image
		r    Region
		want string // "" for no words at all
	}{
		{"left column", img, Region{Rect: left}, want},
		{"single column mode", img, Region{Rect: left, PSM: 4}, want},
		{"dusty, despeckled", dusty, Region{Rect: left, Despeckle: true, PSM: 4}, want},
		{"dust alone, despeckled", dusty, Region{Rect: specksOnly, Despeckle: true}, ""},
		{"rectangle partly off the page", img, Region{Rect: image.Rect(300, -100, 1150, 540)}, want},
		// Both columns, the right one erased.
		{"right column erased", img, Region{Rect: image.Rect(300, 150, 2450, 540), PSM: 4, Erase: erase}, want},
		{"bilevel, right column erased", bw, Region{Rect: image.Rect(300, 150, 2450, 540), PSM: 4, Erase: erase, Despeckle: true}, want},
		// Enlarged before recognition, boxes still in the page's pixels.
		{"enlarged", img, Region{Rect: left, PSM: 4, Scale: 2}, want},
		{"bilevel, enlarged", bw, Region{Rect: left, PSM: 4, Scale: 1.5, Despeckle: true}, want},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page, err := p.RecognizeRegion(context.Background(), encodePNG(t, tc.img), tc.r)
			if err != nil {
				t.Fatal(err)
			}
			if page.Width != 2480 || page.Height != 1200 {
				t.Errorf("size %dx%d, want the whole image's 2480x1200", page.Width, page.Height)
			}
			if tc.want == "" {
				if len(page.Words) > 0 {
					t.Errorf("specks read as %q", page.Text)
				}
				return
			}
			if cer := CER(tc.want, page.Text); cer > 0.05 {
				t.Errorf("CER %.3f, text:\n%s", cer, page.Text)
			}
			for _, w := range page.Words {
				if !w.Box.In(tc.r.Rect) {
					t.Errorf("word %q at %v outside the region %v", w.Text, w.Box, tc.r.Rect)
				}
			}
			// Boxes are in the page's pixels: "SỞ" starts where it was drawn.
			so := at["SỞ NỘI VỤ"]
			var found bool
			for _, w := range page.Words {
				if w.Text == "SỞ" && abs(w.Box.Min.X-so.X) < 8 && w.Box.Max.Y > so.Y-5 && w.Box.Max.Y < so.Y+20 {
					found = true
				}
			}
			if !found {
				t.Errorf("no SỞ at %v: %+v", so, page.Words)
			}
		})
	}
}

// A skewed page's region, straightened by the angle preprocessing finds
// for the page, reads as the upright one and its boxes land on the
// skewed image.
func TestRecognizeRegionSkew(t *testing.T) {
	p := testPool(t)
	img, _ := header(t)
	upright, err := p.RecognizeRegion(context.Background(), encodePNG(t, img), Region{Rect: image.Rect(300, 150, 1150, 540), PSM: 4})
	if err != nil {
		t.Fatal(err)
	}
	const deg = 2.5
	turned := turn(img, deg)
	// The region of the turned page around where the left column went.
	c := where(700, 380, 2480, 1200, deg)
	r := Region{Rect: image.Rect(c.X-450, c.Y-260, c.X+450, c.Y+200), Skew: -deg, PSM: 4}
	page, err := p.RecognizeRegion(context.Background(), encodePNG(t, turned), r)
	if err != nil {
		t.Fatal(err)
	}
	if cer := CER("UBND TỈNH NGHỆ AN\nSỞ NỘI VỤ\nSố: 706/SNV", page.Text); cer > 0.05 {
		t.Errorf("CER %.3f, text:\n%s", cer, page.Text)
	}
	// "UBND", far from the region's centre where a missed rotation shows
	// most, is boxed where its upright box went.
	box := func(pg *Page) image.Rectangle {
		for _, w := range pg.Words {
			if w.Text == "UBND" {
				return w.Box
			}
		}
		t.Fatalf("no UBND in %q", pg.Text)
		return image.Rectangle{}
	}
	u := box(upright)
	want := image.Rectangle{Min: image.Pt(1<<30, 1<<30), Max: image.Pt(-1<<30, -1<<30)}
	for _, pt := range []image.Point{u.Min, {u.Max.X, u.Min.Y}, {u.Min.X, u.Max.Y}, u.Max} {
		q := where(pt.X, pt.Y, 2480, 1200, deg)
		want.Min.X, want.Min.Y = min(want.Min.X, q.X), min(want.Min.Y, q.Y)
		want.Max.X, want.Max.Y = max(want.Max.X, q.X), max(want.Max.Y, q.Y)
	}
	got := box(page)
	if abs(got.Min.X-want.Min.X) > 6 || abs(got.Min.Y-want.Min.Y) > 6 || abs(got.Max.X-want.Max.X) > 6 || abs(got.Max.Y-want.Max.Y) > 6 {
		t.Errorf("UBND at %v on the turned page, want ≈ %v", got, want)
	}
}

// The engine's page segmentation mode is restored: the page reads the
// same after a region in another mode as before. Bad regions are refused
// with a reason.
func TestRecognizeRegionRestoresMode(t *testing.T) {
	p, err := NewPool(Config{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	img, _ := header(t)
	data := encodePNG(t, img)
	before, err := p.Recognize(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.RecognizeRegion(context.Background(), data, Region{Rect: image.Rect(300, 150, 1150, 540), PSM: 11}); err != nil {
		t.Fatal(err)
	}
	after, err := p.Recognize(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	if before.Text != after.Text || len(before.Words) != len(after.Words) {
		t.Errorf("page read differently after a region:\n%s\n---\n%s", before.Text, after.Text)
	}

	for _, tc := range []struct {
		name string
		data []byte
		r    Region
		want string
	}{
		{"off the page", data, Region{Rect: image.Rect(3000, 0, 3200, 100)}, "outside"},
		{"empty", data, Region{Rect: image.Rect(10, 10, 10, 10)}, "outside"},
		{"not an image", []byte("not an image"), Region{Rect: image.Rect(0, 0, 100, 100)}, "cannot decode"},
		{"bad mode", data, Region{Rect: image.Rect(0, 0, 100, 100), PSM: 99}, "bad page segmentation mode"},
		{"too large a scale", data, Region{Rect: image.Rect(0, 0, 100, 100), Scale: 8}, "bad scale"},
		{"negative scale", data, Region{Rect: image.Rect(0, 0, 100, 100), Scale: -1}, "bad scale"},
	} {
		if _, err := p.RecognizeRegion(context.Background(), tc.data, tc.r); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
	p.Close()
	if _, err := p.RecognizeRegion(context.Background(), data, Region{Rect: image.Rect(0, 0, 100, 100)}); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: err = %v, want ErrClosed", err)
	}
}

// An image decoded once reads its regions as RecognizeRegion does from
// the bytes, as often as asked, until it is closed.
func TestRecognizeImageRegion(t *testing.T) {
	p := testPool(t)
	img, _ := header(t)
	data := encodePNG(t, img)
	im, err := DecodeImage(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []Region{
		{Rect: image.Rect(300, 150, 1150, 540), PSM: 4},
		{Rect: image.Rect(1380, 420, 2450, 500), PSM: 4, Scale: 2, Despeckle: true},
		{Rect: image.Rect(300, 150, 1150, 540), PSM: 4}, // again: the image is not used up
	} {
		want, err := p.RecognizeRegion(context.Background(), data, r)
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.RecognizeImageRegion(context.Background(), im, r)
		if err != nil {
			t.Fatal(err)
		}
		if got.Text != want.Text || len(got.Words) != len(want.Words) || got.Width != 2480 || got.Height != 1200 {
			t.Errorf("region %v: %q (%dx%d), want %q", r.Rect, got.Text, got.Width, got.Height, want.Text)
		}
	}
	im.Close()
	im.Close() // twice is harmless
	if _, err := p.RecognizeImageRegion(context.Background(), im, Region{Rect: image.Rect(300, 150, 1150, 540)}); err == nil || !strings.Contains(err.Error(), "image closed") {
		t.Errorf("after Close: err = %v", err)
	}
	for _, bad := range [][]byte{nil, []byte("not an image")} {
		if _, err := DecodeImage(bad); err == nil {
			t.Errorf("DecodeImage(%q) took it", bad)
		}
	}
}

// Images loads and decodes each page once, however often it is asked
// for, and passes a load's failure on.
func TestImages(t *testing.T) {
	img, _ := header(t)
	data := encodePNG(t, img)
	loads := map[int]int{}
	imgs := NewImages(func(i int) ([]byte, error) {
		loads[i]++
		if i == 2 {
			return nil, errors.New("page gone")
		}
		return data, nil
	})
	a, err := imgs.Get(0)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := imgs.Get(0); b != a {
		t.Error("page 0 decoded twice")
	}
	if _, err := imgs.Get(1); err != nil {
		t.Fatal(err)
	}
	if _, err := imgs.Get(2); err == nil || !strings.Contains(err.Error(), "page gone") {
		t.Errorf("a failed load: err = %v", err)
	}
	if loads[0] != 1 || loads[1] != 1 {
		t.Errorf("loads %v, want one a page", loads)
	}
	imgs.Close()
	if _, err := testPool(t).RecognizeImageRegion(context.Background(), a, Region{Rect: image.Rect(300, 150, 1150, 540)}); err == nil {
		t.Error("an image Images closed still reads")
	}
}

func abs(x int) int { return max(x, -x) }

// Whole pages are segmented automatically, as the tesseract command does
// (PSM_AUTO, 3), not as a single block (the C API's default, 6, which
// lost tone marks and lines on real decree pages: issue 15); a region's
// own mode does not stay behind.
func TestPageSegModeAuto(t *testing.T) {
	p, err := NewPool(Config{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	mode := func() int {
		e, release, err := p.acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer release()
		return e.pageSegMode()
	}
	if got := mode(); got != 3 {
		t.Fatalf("page segmentation mode = %d, want 3 (PSM_AUTO)", got)
	}
	img, _ := header(t)
	if _, err := p.RecognizeRegion(context.Background(), encodePNG(t, img), Region{Rect: image.Rect(300, 150, 1150, 540), PSM: 7}); err != nil {
		t.Fatal(err)
	}
	if got := mode(); got != 3 {
		t.Errorf("after a PSM 7 region: mode = %d, want 3", got)
	}
}

// A region of an image scanned sideways or upside down, with Rotation,
// is cut from the image turned as preprocessing turned the page: the same
// rectangle of the page as it reads gives the same words, in the turned
// image's pixels, as on the image scanned upright.
func TestRecognizeRegionRotation(t *testing.T) {
	p := testPool(t)
	img, _ := header(t)
	r := Region{Rect: image.Rect(300, 150, 1150, 540), PSM: 4}
	want, err := p.RecognizeRegion(context.Background(), encodePNG(t, img), r)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	for _, rot := range []int{90, 180, 270} {
		// The page as scanned: turned back by rot, so that turning it rot
		// degrees clockwise sets it upright.
		var scan *image.Gray
		switch rot {
		case 180:
			scan = image.NewGray(b)
		default:
			scan = image.NewGray(image.Rect(0, 0, b.Dy(), b.Dx()))
		}
		for y := 0; y < b.Dy(); y++ {
			for x := 0; x < b.Dx(); x++ {
				v := img.GrayAt(x, y)
				switch rot {
				case 270: // scanned turned 90° clockwise
					scan.SetGray(b.Dy()-1-y, x, v)
				case 180:
					scan.SetGray(b.Dx()-1-x, b.Dy()-1-y, v)
				case 90: // scanned turned 90° anticlockwise
					scan.SetGray(y, b.Dx()-1-x, v)
				}
			}
		}
		rr := r
		rr.Rotation = rot
		got, err := p.RecognizeRegion(context.Background(), encodePNG(t, scan), rr)
		if err != nil {
			t.Fatal(err)
		}
		if got.Text != want.Text || got.Width != b.Dx() || got.Height != b.Dy() {
			t.Errorf("turned %d°: %q (%dx%d), want %q", rot, got.Text, got.Width, got.Height, want.Text)
		}
		for i := range min(len(got.Words), len(want.Words)) {
			if d := got.Words[i].Box.Min.Sub(want.Words[i].Box.Min); abs(d.X) > 2 || abs(d.Y) > 2 {
				t.Errorf("turned %d°: %q at %v, want %v", rot, got.Words[i].Text, got.Words[i].Box, want.Words[i].Box)
			}
		}
	}
	if _, err := p.RecognizeRegion(context.Background(), encodePNG(t, img), Region{Rect: r.Rect, Rotation: 45}); err == nil {
		t.Error("a rotation of 45° was taken")
	}
}
