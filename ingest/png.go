package ingest

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"

	"github.com/sohoa-vn/sohoa/internal/pngdpi"
)

// encodePNG encodes a page as PNG with its resolution in a pHYs chunk,
// inserted by hand after IHDR since image/png writes none. A greyscale
// page holding only black and white is written with 1 bit per pixel
// (bilevelPNG).
func encodePNG(img image.Image, dpi int) ([]byte, error) {
	if g, ok := img.(*image.Gray); ok {
		if b, ok, err := bilevelPNG(g, dpi); ok || err != nil {
			return b, err
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return pngdpi.Insert(buf.Bytes(), dpi), nil
}

// bilevelPNG writes g as a 1-bit greyscale PNG (0 black, 1 white) when
// every pixel is 0 or 255; ok is false, and nothing is written, when one
// is not.
func bilevelPNG(g *image.Gray, dpi int) (b []byte, ok bool, err error) {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	stride := (w + 7) / 8
	return packedPNG(w, h, dpi, func(y int, row []byte) (bool, error) {
		pix := g.Pix[y*g.Stride:][:w]
		// Eight pixels at a time: their top bits gathered into one byte by
		// a multiply (pixel 0 in the top bit), and bad collecting any byte
		// that is neither 0 nor 255.
		var bad uint64
		i := 0
		for ; 8*i+8 <= w; i++ {
			v := binary.BigEndian.Uint64(pix[8*i:])
			hi := v & 0x8080808080808080
			bad |= v ^ (hi>>7)*0xff
			row[i] = byte((hi * 0x0002040810204081) >> 56)
		}
		if i < stride { // the last, partial byte
			var packed byte
			for k, v := range pix[8*i:] {
				packed |= v >> 7 << (7 - k)
				bad |= uint64((v + 1) >> 1) // 0 for 0 and 255 (uint8 wraps)
			}
			row[i] = packed
		}
		return bad == 0, nil
	})
}

// packedPNG writes a w×h 1-bit greyscale PNG at dpi whose rows fill
// gives, packed 8 pixels a byte, first pixel in the top bit, 1 white;
// fill returning false stops it, and ok is false. Rows are stored
// unfiltered, which is what suits bilevel scans, and the page assembler
// can put these bytes into a PDF as they are.
//
// Written by hand: image/png writes 1-bit images only from an
// image.Paletted, fetching each pixel through ColorIndexAt, which made
// this encoding the largest cost of taking in a bilevel TIFF; the chunk
// layout is PNG spec 5.3 and 11.2.
func packedPNG(w, h, dpi int, fill func(y int, row []byte) (bool, error)) (b []byte, ok bool, err error) {
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, 4) // 4: 40% faster than the default, 3-4% larger on text pages
	row := make([]byte, 1+(w+7)/8)      // filter type 0, then the packed pixels
	for y := 0; y < h; y++ {
		if ok, err := fill(y, row[1:]); !ok || err != nil {
			return nil, false, err
		}
		if _, err := zw.Write(row); err != nil {
			return nil, false, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, false, err
	}
	out := make([]byte, 0, 8+25+21+12+z.Len()+12)
	out = append(out, "\x89PNG\r\n\x1a\n"...)
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8] = 1 // bit depth; colour type 0 (grey), deflate, no filter method, no interlace
	out = appendChunk(out, "IHDR", ihdr)
	out = append(out, pngdpi.Chunk(dpi)...)
	out = appendChunk(out, "IDAT", z.Bytes())
	out = appendChunk(out, "IEND", nil)
	return out, true, nil
}

// appendChunk appends a PNG chunk: length, type, data, CRC of type and data.
func appendChunk(b []byte, typ string, data []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	start := len(b)
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[start:]))
}
