package metadata

import (
	"bytes"
	"image"
	"image/color"
	_ "image/jpeg" // colour scans come as JPEG…
	"image/png"    // … or PNG

	"github.com/sohoa-vn/sohoa/internal/pngdpi"
)

// chromaDrop is how far from grey (|Cb−128| + |Cr−128|, 0..255) a pixel's
// colour must be to count as coloured ink: the red of a seal is near
// 150, the violet or blue of a stamp or a pen 50 to 100; black print,
// grey paper and JPEG's fringes around them stay under 30.
const chromaDrop = 36

// DropColour returns a colour page image with its coloured ink — the red
// seal over the signer's name, a blue signature, a violet reception
// stamp — turned white, as a greyscale PNG at dpi (when above 0), for
// reading the black print under it again (colour dropout, as scanners
// do it in hardware). An image that is not in colour, or that it cannot
// decode, is returned as it is, with false.
func DropColour(img []byte, dpi int) ([]byte, bool) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(img))
	if err != nil || cfg.Width*cfg.Height > 64<<20 {
		return img, false
	}
	switch cfg.ColorModel {
	case color.GrayModel, color.Gray16Model:
		return img, false
	}
	if p, ok := cfg.ColorModel.(color.Palette); ok && len(p) <= 2 {
		return img, false // bilevel
	}
	src, _, err := image.Decode(bytes.NewReader(img))
	if err != nil {
		return img, false
	}
	b := src.Bounds()
	out := image.NewGray(b)
	coloured := 0
	switch s := src.(type) {
	case *image.YCbCr:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				yi, ci := s.YOffset(x, y), s.COffset(x, y)
				v := s.Y[yi]
				if abs(int(s.Cb[ci])-128)+abs(int(s.Cr[ci])-128) > chromaDrop {
					v = 255
					coloured++
				}
				out.Pix[out.PixOffset(x, y)] = v
			}
		}
	case *image.Gray:
		return img, false
	default:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bl, _ := src.At(x, y).RGBA()
				yy, cb, cr := color.RGBToYCbCr(uint8(r>>8), uint8(g>>8), uint8(bl>>8))
				if abs(int(cb)-128)+abs(int(cr)-128) > chromaDrop {
					yy = 255
					coloured++
				}
				out.Pix[out.PixOffset(x, y)] = yy
			}
		}
	}
	if coloured == 0 {
		return img, false
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, out); err != nil {
		return img, false
	}
	if dpi > 0 {
		return pngdpi.Insert(buf.Bytes(), dpi), true
	}
	return buf.Bytes(), true
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
