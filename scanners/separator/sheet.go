package separator

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/pdfcpu/pdfcpu/pkg/api"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Sheet writes the separator sheet to print and put between documents:
// one A4 page (a 200 dpi bilevel image) with the QR code Payload in the
// middle and a line of text above and below it.
func Sheet(w io.Writer) error {
	wpx, hpx := 1654, 2339 // A4 at 200 dpi
	page := image.NewGray(image.Rect(0, 0, wpx, hpx))
	draw.Draw(page, page.Bounds(), image.White, image.Point{}, draw.Src)
	qr, err := qrcode.NewQRCodeWriter().Encode(Payload, gozxing.BarcodeFormat_QR_CODE, 800, 800,
		map[gozxing.EncodeHintType]any{gozxing.EncodeHintType_ERROR_CORRECTION: "H", gozxing.EncodeHintType_MARGIN: 2})
	if err != nil {
		return fmt.Errorf("separator: QR code: %w", err)
	}
	off := image.Pt((wpx-qr.GetWidth())/2, (hpx-qr.GetHeight())/2)
	for y := 0; y < qr.GetHeight(); y++ {
		for x := 0; x < qr.GetWidth(); x++ {
			if qr.Get(x, y) {
				page.SetGray(off.X+x, off.Y+y, color.Gray{})
			}
		}
	}
	// basicfont is ASCII only: the Vietnamese is written without marks.
	label(page, "SOHOA-SEPARATOR  /  TO PHAN CACH TAI LIEU", off.Y-120)
	label(page, "Dat giua hai tai lieu - Put between two documents", off.Y+qr.GetHeight()+120)
	var img bytes.Buffer
	if err := png.Encode(&img, page); err != nil {
		return err
	}
	return api.ImportImages(nil, w, []io.Reader{&img}, a4(), nil)
}

// label draws text centred at baseline y, scaled 3× (basicfont is 7×13 px).
func label(dst *image.Gray, text string, y int) {
	const scale = 3
	small := image.NewGray(image.Rect(0, 0, len(text)*7, 16))
	draw.Draw(small, small.Bounds(), image.White, image.Point{}, draw.Src)
	d := font.Drawer{Dst: small, Src: image.Black, Face: basicfont.Face7x13, Dot: fixed.P(0, 12)}
	d.DrawString(text)
	x0 := (dst.Bounds().Dx() - small.Bounds().Dx()*scale) / 2
	for sy := 0; sy < small.Bounds().Dy(); sy++ {
		for sx := 0; sx < small.Bounds().Dx(); sx++ {
			c := small.GrayAt(sx, sy)
			for dy := 0; dy < scale; dy++ {
				for dx := 0; dx < scale; dx++ {
					dst.SetGray(x0+sx*scale+dx, y-12*scale+sy*scale+dy, c)
				}
			}
		}
	}
}
