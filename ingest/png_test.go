package ingest

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/sohoa-vn/sohoa/scanners/synthetic"
)

func TestEncodePNG(t *testing.T) {
	bw := image.NewGray(image.Rect(0, 0, 21, 5)) // 21: the last byte of a row is partly padding
	for i := range bw.Pix {
		if i%3 != 0 {
			bw.Pix[i] = 255
		}
	}
	grey := image.NewGray(image.Rect(0, 0, 21, 5))
	copy(grey.Pix, bw.Pix)
	grey.Pix[40] = 128 // in a row's last, partial byte
	grey8 := image.NewGray(image.Rect(0, 0, 21, 5))
	copy(grey8.Pix, bw.Pix)
	grey8.Pix[23] = 254                                       // in a row's first eight pixels
	sub := bw.SubImage(image.Rect(3, 1, 20, 4)).(*image.Gray) // a stride wider than the rows
	for _, tc := range []struct {
		name      string
		img       *image.Gray
		bitDepth  byte
		colorType byte
	}{
		{"black and white", bw, 1, 0},
		{"a grey pixel", grey, 8, 0},
		{"a grey pixel among the first eight", grey8, 8, 0},
		{"sub-image", sub, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := encodePNG(tc.img, 200)
			if err != nil {
				t.Fatal(err)
			}
			if b[24] != tc.bitDepth || b[25] != tc.colorType {
				t.Errorf("bit depth %d, colour type %d; want %d, %d", b[24], b[25], tc.bitDepth, tc.colorType)
			}
			if got := pngDPI(b); got != 200 {
				t.Errorf("pHYs says %d dpi, want 200", got)
			}
			m, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			r := tc.img.Bounds()
			if m.Bounds().Dx() != r.Dx() || m.Bounds().Dy() != r.Dy() {
				t.Fatalf("decoded %v, want %v", m.Bounds(), r)
			}
			for y := 0; y < r.Dy(); y++ {
				for x := 0; x < r.Dx(); x++ {
					if got, want := color.GrayModel.Convert(m.At(x, y)).(color.Gray).Y, tc.img.GrayAt(r.Min.X+x, r.Min.Y+y).Y; got != want {
						t.Fatalf("pixel (%d,%d) = %d, want %d", x, y, got, want)
					}
				}
			}
		})
	}
}

// BenchmarkEncodePNGBilevel encodes a rendered 200 dpi bilevel A4 page:
// the hand-packed 1-bit PNG against image/png from an image.Paletted, the
// way it was done before.
func BenchmarkEncodePNGBilevel(b *testing.B) {
	// Render gives bilevel pages as image.Paletted (0 black, 1 white); the
	// TIFF decoder gives image.Gray.
	bw := synthetic.Render(synthetic.Documents(1)[0], 0, synthetic.Bilevel200).(*image.Paletted)
	page := image.NewGray(bw.Bounds())
	for i, v := range bw.Pix {
		page.Pix[i] = v * 255
	}
	b.Run("bilevelPNG", func(b *testing.B) {
		for b.Loop() {
			out, _, err := bilevelPNG(page, 200)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(out)))
		}
	})
	b.Run("image/png paletted", func(b *testing.B) {
		for b.Loop() {
			bw := image.NewPaletted(page.Bounds(), color.Palette{color.Gray{0}, color.Gray{255}})
			for i, v := range page.Pix {
				bw.Pix[i] = v >> 7
			}
			var buf bytes.Buffer
			if err := png.Encode(&buf, bw); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(buf.Len()))
		}
	})
}
