package metadata

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

// TestDropColour: on a colour scan the red seal and the blue signature go
// white and the black print under them stays; the resolution is kept;
// a greyscale scan is left as it is.
func TestDropColour(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 200, 100))
	for y := range 100 {
		for x := range 200 {
			c := color.RGBA{250, 250, 245, 255} // paper
			switch {
			case y >= 40 && y < 60 && x >= 20 && x < 180 && x%10 < 6:
				c = color.RGBA{15, 15, 15, 255} // print
			case x >= 60 && x < 120:
				c = color.RGBA{220, 30, 40, 255} // seal
			case x >= 150 && y < 30:
				c = color.RGBA{25, 35, 110, 255} // signature
			}
			img.Set(x, y, c)
		}
	}
	var src bytes.Buffer
	if err := jpeg.Encode(&src, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	out, ok := DropColour(src.Bytes(), 300)
	if !ok {
		t.Fatal("colour scan left as it is")
	}
	g, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	lum := func(x, y int) uint8 { return color.GrayModel.Convert(g.At(x, y)).(color.Gray).Y }
	for _, c := range []struct {
		x, y int
		dark bool
		what string
	}{{22, 50, true, "print"}, {82, 50, true, "print under the seal"}, {90, 20, false, "seal"}, {170, 10, false, "signature"}, {5, 5, false, "paper"}} {
		if v := lum(c.x, c.y); (v < 100) != c.dark {
			t.Errorf("%s at %d,%d: luminance %d", c.what, c.x, c.y, v)
		}
	}
	// pHYs right after IHDR: 300 dpi is 11811 pixels per metre.
	if i := bytes.Index(out, []byte("pHYs")); i < 0 || binary.BigEndian.Uint32(out[i+4:]) != 11811 {
		t.Error("resolution not written")
	}
	if _, err := png.DecodeConfig(bytes.NewReader(out)); err != nil {
		t.Errorf("PNG with pHYs: %v", err)
	}
	grey := image.NewGray(image.Rect(0, 0, 50, 50))
	var gb bytes.Buffer
	if err := png.Encode(&gb, grey); err != nil {
		t.Fatal(err)
	}
	if out, ok := DropColour(gb.Bytes(), 300); ok || !bytes.Equal(out, gb.Bytes()) {
		t.Error("greyscale scan changed")
	}
}
