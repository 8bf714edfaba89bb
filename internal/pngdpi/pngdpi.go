// Package pngdpi writes a PNG's resolution, the pHYs chunk, which
// image/png does not write and Leptonica (so Tesseract) reads. Written by
// hand: the chunk is 21 bytes.
package pngdpi

import (
	"encoding/binary"
	"hash/crc32"
	"math"
)

// ihdrEnd is where the first chunk after IHDR starts: signature, IHDR
// length and type, its 13 bytes of data, its CRC.
const ihdrEnd = 8 + 8 + 13 + 4

// Chunk is a pHYs chunk giving dpi in both directions.
func Chunk(dpi int) []byte {
	ppm := uint32(math.Round(float64(dpi) / 0.0254))
	chunk := make([]byte, 21)
	binary.BigEndian.PutUint32(chunk, 9)
	copy(chunk[4:], "pHYs")
	binary.BigEndian.PutUint32(chunk[8:], ppm)
	binary.BigEndian.PutUint32(chunk[12:], ppm)
	chunk[16] = 1 // unit: metre
	binary.BigEndian.PutUint32(chunk[17:], crc32.ChecksumIEEE(chunk[4:17]))
	return chunk
}

// Insert returns the PNG p (as image/png writes it: IHDR first) with a
// pHYs chunk for dpi after its IHDR; p too short to hold an IHDR is
// returned as it is.
func Insert(p []byte, dpi int) []byte {
	if len(p) < ihdrEnd {
		return p
	}
	out := make([]byte, 0, len(p)+21)
	out = append(out, p[:ihdrEnd]...)
	out = append(out, Chunk(dpi)...)
	return append(out, p[ihdrEnd:]...)
}
