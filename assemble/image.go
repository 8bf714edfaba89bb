package assemble

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
)

// pageImage is an image ready to be written as an image XObject.
type pageImage struct {
	width, height int
	colorSpace    string // DeviceGray, DeviceRGB, DeviceCMYK
	bits          int
	filter        string // DCTDecode, FlateDecode
	decodeParms   string // the stream's /DecodeParms dictionary, or ""
	decode        string // the image's /Decode array, or ""
	writeData     func(w io.Writer) error
}

func newZlib(w io.Writer) *zlib.Writer {
	zw, _ := zlib.NewWriterLevel(w, zlib.DefaultCompression) // the level is valid
	return zw
}

// prepareImage reads the image header (and, for PNG, the pixels).
func prepareImage(data []byte, format string) (*pageImage, error) {
	switch format {
	case "jpeg", "jpg":
		// JPEG goes in as it is: PDF's DCTDecode is JPEG.
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("ảnh JPEG hỏng / bad JPEG: %w", err)
		}
		cs := "DeviceRGB"
		switch cfg.ColorModel {
		case color.GrayModel:
			cs = "DeviceGray"
		case color.CMYKModel:
			cs = "DeviceCMYK"
		}
		return &pageImage{width: cfg.Width, height: cfg.Height, colorSpace: cs, bits: 8, filter: "DCTDecode",
			writeData: func(w io.Writer) error { _, err := w.Write(data); return err }}, nil
	case "png":
		if pi := bilevelPNG(data); pi != nil {
			return pi, nil
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("ảnh PNG hỏng / bad PNG: %w", err)
		}
		return flateImage(img), nil
	default:
		return nil, fmt.Errorf("định dạng ảnh %q không hỗ trợ / unsupported image format %q (want png or jpeg)", format, format)
	}
}

// bilevelPNG returns a 1-bit black-and-white PNG's compressed pixels as
// they are, for FlateDecode with PNG predictors (PDF 32000-1 7.4.4.4): no
// decoding and no re-compression, which for the bilevel pages archives
// scan is most of the cost of assembly. It returns nil for any other PNG
// (grey or colour depths, alpha, transparency, interlacing, a palette that
// is not black and white), which is decoded instead. The bytes were fully
// decoded once at ingest, and storage checks their SHA-256 on every read.
//
// Written by hand: image/png offers no access to a PNG's chunks, and the
// chunk layout (PNG spec 5.3) is all that is read here.
func bilevelPNG(data []byte) *pageImage {
	const sig = "\x89PNG\r\n\x1a\n"
	if len(data) < len(sig) || string(data[:len(sig)]) != sig {
		return nil
	}
	var (
		width, height int
		paletted      bool   // colour type 3: needs a black-and-white PLTE
		decode        string // "[1 0]" when the palette is white, black
		sawPalette    bool
		idat          [][]byte
	)
	for rest := data[len(sig):]; ; {
		if len(rest) < 12 {
			return nil
		}
		n := int(binary.BigEndian.Uint32(rest))
		if n < 0 || n > len(rest)-12 {
			return nil
		}
		typ, body := string(rest[4:8]), rest[8:8+n]
		rest = rest[12+n:]
		switch typ {
		case "IHDR":
			// width, height, bit depth, colour type, compression, filter, interlace
			if n != 13 || body[8] != 1 || (body[9] != 0 && body[9] != 3) || body[10] != 0 || body[11] != 0 || body[12] != 0 {
				return nil
			}
			width, height = int(binary.BigEndian.Uint32(body)), int(binary.BigEndian.Uint32(body[4:]))
			if width <= 0 || height <= 0 || width > 1<<24 || height > 1<<24 {
				return nil
			}
			paletted = body[9] == 3
		case "PLTE":
			switch string(body) {
			case "\x00\x00\x00\xff\xff\xff": // index 0 black: the same bits as DeviceGray
			case "\xff\xff\xff\x00\x00\x00":
				decode = "[1 0]"
			default:
				return nil
			}
			sawPalette = true
		case "tRNS":
			return nil
		case "IDAT":
			if width == 0 || (paletted && !sawPalette) {
				return nil
			}
			idat = append(idat, body)
		case "IEND":
			if len(idat) == 0 {
				return nil
			}
			return &pageImage{width: width, height: height, colorSpace: "DeviceGray", bits: 1, filter: "FlateDecode",
				decodeParms: fmt.Sprintf("<</Predictor 15/Colors 1/BitsPerComponent 1/Columns %d>>", width),
				decode:      decode,
				writeData: func(w io.Writer) error {
					for _, b := range idat {
						if _, err := w.Write(b); err != nil {
							return err
						}
					}
					return nil
				}}
		}
	}
}

// kind of pixels an image holds.
const (
	bilevel = iota // black and white only: 1-bit gray
	gray           // 8-bit gray
	rgb            // 8-bit RGB
)

// flateImage prepares a decoded image for FlateDecode in the smallest
// colour space that holds it.
func flateImage(img image.Image) *pageImage {
	b := img.Bounds()
	pi := &pageImage{width: b.Dx(), height: b.Dy(), filter: "FlateDecode"}
	k := classify(img)
	switch k {
	case bilevel:
		pi.colorSpace, pi.bits = "DeviceGray", 1
	case gray:
		pi.colorSpace, pi.bits = "DeviceGray", 8
	default:
		pi.colorSpace, pi.bits = "DeviceRGB", 8
	}
	pi.writeData = func(w io.Writer) error {
		zw := newZlib(w)
		if err := writeRows(zw, img, k); err != nil {
			return err
		}
		return zw.Close()
	}
	return pi
}

// grayOf returns the gray level of c composited over white, and whether c
// is a shade of gray.
func grayOf(c color.Color) (uint8, bool) {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	if n.A != 0xff {
		// Drop alpha by compositing over white paper.
		a := uint32(n.A)
		n.R = uint8((uint32(n.R)*a + 255*(255-a)) / 255)
		n.G = uint8((uint32(n.G)*a + 255*(255-a)) / 255)
		n.B = uint8((uint32(n.B)*a + 255*(255-a)) / 255)
	}
	return n.R, n.R == n.G && n.G == n.B
}

func rgbOf(c color.Color) (r, g, b uint8) {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	a := uint32(n.A)
	f := func(v uint8) uint8 { return uint8((uint32(v)*a + 255*(255-a)) / 255) }
	return f(n.R), f(n.G), f(n.B)
}

// classify finds the kind of an image: from the palette for paletted
// images, from the pixels otherwise.
func classify(img image.Image) int {
	switch m := img.(type) {
	case *image.Paletted:
		return classifyColors(m.Palette)
	case *image.Gray:
		k := bilevel
		for _, v := range m.Pix {
			if v != 0 && v != 0xff {
				return gray
			}
		}
		return k
	}
	b := img.Bounds()
	k := bilevel
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			g, isGray := grayOf(img.At(x, y))
			if !isGray {
				return rgb
			}
			if g != 0 && g != 0xff {
				k = gray
			}
		}
	}
	return k
}

func classifyColors(p color.Palette) int {
	k := bilevel
	for _, c := range p {
		g, isGray := grayOf(c)
		if !isGray {
			return rgb
		}
		if g != 0 && g != 0xff {
			k = gray
		}
	}
	return k
}

// writeRows writes the image's samples row by row in the layout of kind k.
func writeRows(w io.Writer, img image.Image, k int) error {
	b := img.Bounds()
	width := b.Dx()
	var row []byte
	switch k {
	case bilevel:
		row = make([]byte, (width+7)/8)
	case gray:
		row = make([]byte, width)
	default:
		row = make([]byte, 3*width)
	}
	// Per-palette-index lookups make paletted images (common for bilevel
	// scans) fast.
	var lut [][3]uint8
	pal, _ := img.(*image.Paletted)
	if pal != nil {
		lut = make([][3]uint8, len(pal.Palette))
		for i, c := range pal.Palette {
			lut[i][0], lut[i][1], lut[i][2] = rgbOf(c)
		}
	}
	gimg, _ := img.(*image.Gray)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		clear(row)
		for x := 0; x < width; x++ {
			var r, g, bl uint8
			switch {
			case gimg != nil:
				r = gimg.Pix[(y-b.Min.Y)*gimg.Stride+x]
				g, bl = r, r
			case pal != nil:
				c := lut[pal.Pix[(y-b.Min.Y)*pal.Stride+x]]
				r, g, bl = c[0], c[1], c[2]
			default:
				r, g, bl = rgbOf(img.At(b.Min.X+x, y))
			}
			switch k {
			case bilevel:
				if r != 0 { // 1 is white in DeviceGray
					row[x/8] |= 0x80 >> (x % 8)
				}
			case gray:
				row[x] = r
			default:
				row[3*x], row[3*x+1], row[3*x+2] = r, g, bl
			}
		}
		if _, err := w.Write(row); err != nil {
			return err
		}
	}
	return nil
}
