package ingest

import (
	"compress/zlib"
	"encoding/binary"
	"errors"
	"io"

	"golang.org/x/image/ccitt"
)

// bilevelTIFF transcodes the page of a 1-bit TIFF whose IFD is at off
// straight into a 1-bit PNG (packedPNG): the TIFF's rows, once
// decompressed, are already packed 8 pixels a byte, so no pixel is
// decoded. It handles what scanners write for bilevel pages — strips, no
// compression, Deflate or CCITT G4, either photometric interpretation,
// fill order 1 — and returns ok false for anything else, or anything
// irregular, which golang.org/x/image/tiff then decodes (and explains).
// The picture is the one that decoder gives, with ingest's correction for
// CCITT under BlackIsZero (see splitter.tiff).
//
// Written by hand: x/image/tiff decodes a 1-bit page bit by bit into an
// image.Gray, which was two thirds of the cost of taking in a bilevel
// TIFF; the tag layout is TIFF 6.0 section 2.
func bilevelTIFF(r io.ReaderAt, size, off int64, bo binary.ByteOrder, w, h, dpi int) (png []byte, ok bool) {
	if w <= 0 || h <= 0 {
		return nil, false
	}
	tags, ok := readIFD(r, size, off, bo)
	if !ok {
		return nil, false
	}
	one := func(tag uint16, def uint64) uint64 {
		if v, ok := tags[tag]; ok && len(v) == 1 {
			return v[0]
		}
		if _, ok := tags[tag]; ok {
			return 1<<64 - 1 // present but not one value: irregular
		}
		return def
	}
	compression := one(259, 1)
	photometric := one(262, 99)
	rowsPerStrip := min(one(278, 1<<32-1), uint64(h))
	switch {
	case one(258, 1) != 1, one(277, 1) != 1, one(266, 1) != 1, one(284, 1) != 1, one(317, 1) != 1,
		one(293, 0) != 0, // T6Options: uncompressed mode, which the CCITT reader lacks
		photometric > 1, rowsPerStrip == 0, tags[322] != nil:
		return nil, false
	case compression != 1 && compression != 4 && compression != 8 && compression != 32946:
		return nil, false
	}
	strips := (uint64(h) + rowsPerStrip - 1) / rowsPerStrip
	offsets, counts := tags[273], tags[279]
	if uint64(len(offsets)) != strips || uint64(len(counts)) != strips {
		return nil, false
	}
	stride := (w + 7) / 8
	// PNG's 1 is white. Uncompressed and Deflate rows are the stored bits:
	// WhiteIsZero (0) has 1 for black. The CCITT reader gives 1 for white
	// runs; under BlackIsZero libtiff, the reference, reads those as black.
	invert := photometric == 0
	if compression == 4 {
		invert = photometric == 1
	}
	var (
		strip io.Reader
		left  int // rows left in the strip
		k     int // next strip
	)
	// next opens strip k, returning false when it cannot be read as the
	// header says.
	next := func() bool {
		rows := int(min(rowsPerStrip, uint64(h)-uint64(k)*rowsPerStrip))
		so, sc := offsets[k], counts[k]
		if so > uint64(size) || sc > uint64(size)-so {
			return false
		}
		sec := io.NewSectionReader(r, int64(so), int64(sc))
		switch compression {
		case 1:
			strip = sec
		case 4:
			strip = ccitt.NewReader(sec, ccitt.MSB, ccitt.Group4, w, rows, nil)
		default:
			z, err := zlib.NewReader(sec)
			if err != nil {
				return false
			}
			strip = z
		}
		left, k = rows, k+1
		return true
	}
	// done checks that a Deflate strip ends where its rows do, which is
	// when zlib checks the stream's checksum.
	done := func() bool {
		if compression == 8 || compression == 32946 {
			var b [1]byte
			if n, err := strip.Read(b[:]); n != 0 || !errors.Is(err, io.EOF) {
				return false
			}
		}
		return true
	}
	b, ok, err := packedPNG(w, h, dpi, func(y int, row []byte) (bool, error) {
		if left == 0 && (k > 0 && !done() || !next()) {
			return false, nil
		}
		if _, err := io.ReadFull(strip, row[:stride]); err != nil {
			return false, nil
		}
		left--
		if invert {
			for i := range row[:stride] {
				row[i] = ^row[i]
			}
		}
		return true, nil
	})
	if err != nil || !ok || !done() {
		return nil, false
	}
	return b, true
}

// readIFD reads the entries of the TIFF directory at off whose values are
// SHORT or LONG numbers: tag → values (at most 1<<16 of them). Other types
// are left out. ok is false when the directory cannot be read.
func readIFD(r io.ReaderAt, size, off int64, bo binary.ByteOrder) (map[uint16][]uint64, bool) {
	var nb [2]byte
	if _, err := r.ReadAt(nb[:], off); err != nil {
		return nil, false
	}
	n := int(bo.Uint16(nb[:]))
	ents := make([]byte, 12*n)
	if _, err := r.ReadAt(ents, off+2); err != nil {
		return nil, false
	}
	tags := make(map[uint16][]uint64, n)
	for i := 0; i < n; i++ {
		e := ents[12*i:]
		tag, typ, count := bo.Uint16(e), bo.Uint16(e[2:]), int64(bo.Uint32(e[4:]))
		var width int64
		switch typ {
		case 3: // SHORT
			width = 2
		case 4: // LONG
			width = 4
		default:
			continue
		}
		if count == 0 || count > 1<<16 {
			return nil, false
		}
		data := e[8:12]
		if count*width > 4 {
			at := int64(bo.Uint32(e[8:]))
			if at > size || count*width > size-at {
				return nil, false
			}
			data = make([]byte, count*width)
			if _, err := r.ReadAt(data, at); err != nil {
				return nil, false
			}
		}
		v := make([]uint64, count)
		for j := range v {
			if width == 2 {
				v[j] = uint64(bo.Uint16(data[2*j:]))
			} else {
				v[j] = uint64(bo.Uint32(data[4*j:]))
			}
		}
		tags[tag] = v
	}
	return tags, true
}
