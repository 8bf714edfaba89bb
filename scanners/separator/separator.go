// Package separator finds document boundaries in a stream of scanned
// pages. An archivist feeding a box through a scanner puts a separator
// sheet between documents: a blank page, or the sheet with a QR code
// saying "SOHOA-SEPARATOR" that Sheet prints. A Splitter takes pages in
// order and emits each document (its pages, separators dropped), holding
// only the current document's page list, never the page images.
package separator

import (
	"context"
	"errors"
	"fmt"
	"image"
	"strings"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	xdraw "golang.org/x/image/draw"
)

// Payload is the text of the separator sheet's QR code.
const Payload = "SOHOA-SEPARATOR"

// Mode says how a batch marks document boundaries.
type Mode string

// Modes.
const (
	PerFile Mode = "file"  // every input file is one document: no splitting
	Blank   Mode = "blank" // a blank page separates documents
	QR      Mode = "qr"    // a sheet with the QR code Payload separates documents
	Either  Mode = "blank-or-qr"
)

// ParseMode parses a Mode as configured per batch.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case PerFile, Blank, QR, Either:
		return m, nil
	case "":
		return PerFile, nil
	}
	return "", fmt.Errorf("separator: chế độ %q không hợp lệ (file, blank, qr, blank-or-qr) / unknown mode", s)
}

// Page is one scanned page: where its image is, and its place in the stream.
type Page struct {
	Seq  int
	Path string
}

// Splitter groups a page stream into documents.
type Splitter struct {
	Mode Mode
	// MaxInk is the largest share of dark pixels (inside a 5% margin) a
	// page may have and still count as blank; default 0.003.
	MaxInk float64
	// Emit receives each document's pages, in order.
	Emit func(ctx context.Context, doc []Page) error

	cur        []Page
	Separators int // separator pages seen
}

var errNoEmit = errors.New("separator: Emit not set")

// Add takes the next page with its decoded image. A separator page ends
// the current document and is dropped; separators with no page between
// them (two in a row, one first) make no empty document. In PerFile mode
// nothing is a separator: call Close at the end of each file.
func (s *Splitter) Add(ctx context.Context, p Page, img image.Image) error {
	if s.Emit == nil {
		return errNoEmit
	}
	if s.isSeparator(img) {
		s.Separators++
		return s.flush(ctx)
	}
	s.cur = append(s.cur, p)
	return nil
}

// Close ends the stream (or, in PerFile mode, the file): the pages since
// the last separator are the last document.
func (s *Splitter) Close(ctx context.Context) error {
	if s.Emit == nil {
		return errNoEmit
	}
	return s.flush(ctx)
}

func (s *Splitter) flush(ctx context.Context) error {
	if len(s.cur) == 0 {
		return nil
	}
	doc := s.cur
	s.cur = nil
	return s.Emit(ctx, doc)
}

func (s *Splitter) isSeparator(img image.Image) bool {
	switch s.Mode {
	case Blank:
		return IsBlank(img, s.MaxInk)
	case QR:
		return IsSeparatorSheet(img)
	case Either:
		return IsBlank(img, s.MaxInk) || IsSeparatorSheet(img)
	}
	return false
}

// IsBlank reports whether a page carries (almost) no ink: at most maxInk
// (0: 0.003) of the pixels inside a 5% margin are dark. The margin skips
// the shadows a feeder leaves at the edges. Pixels are sampled on a grid
// of about 400×400, so a 600 dpi page costs no more than a 200 dpi one.
func IsBlank(img image.Image, maxInk float64) bool {
	if maxInk <= 0 {
		maxInk = 0.003
	}
	b := img.Bounds()
	mx, my := b.Dx()/20, b.Dy()/20
	in := image.Rect(b.Min.X+mx, b.Min.Y+my, b.Max.X-mx, b.Max.Y-my)
	if in.Empty() {
		return true
	}
	step := max(1, max(in.Dx(), in.Dy())/400)
	dark, total := 0, 0
	for y := in.Min.Y; y < in.Max.Y; y += step {
		for x := in.Min.X; x < in.Max.X; x += step {
			r, g, bl, _ := img.At(x, y).RGBA()
			luma := (299*r + 587*g + 114*bl) / 1000
			if luma < 0x8000 {
				dark++
			}
			total++
		}
	}
	return float64(dark) <= maxInk*float64(total)
}

// IsSeparatorSheet reports whether the page holds a QR code whose text
// begins with Payload.
func IsSeparatorSheet(img image.Image) bool {
	// The sheet's code is a third of the page wide: about 800 px of page
	// width keeps its modules over 10 px and makes decoding 4–9× cheaper.
	if b := img.Bounds(); b.Dx() > 1000 {
		f := float64(800) / float64(b.Dx())
		small := image.NewGray(image.Rect(0, 0, 800, int(float64(b.Dy())*f)))
		xdraw.ApproxBiLinear.Scale(small, small.Bounds(), img, b, xdraw.Src, nil)
		img = small
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return false
	}
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, hints)
	return err == nil && strings.HasPrefix(res.GetText(), Payload)
}
