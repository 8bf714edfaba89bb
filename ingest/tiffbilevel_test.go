package ingest

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/image/tiff"

	"github.com/sohoa-vn/sohoa/scanners/synthetic"
)

// TestBilevelTIFF checks the transcoder against golang.org/x/image/tiff on
// the TIFFs libtiff writes for a bilevel page: each compression it takes
// gives the decoder's pixels, in one strip or many, in either byte order
// and photometric interpretation; the others are left to the decoder.
func TestBilevelTIFF(t *testing.T) {
	if _, err := exec.LookPath("tiffcp"); err != nil {
		t.Fatal("tiffcp not found: apt-get install libtiff-tools")
	}
	doc := synthetic.Documents(3)[0]
	page := synthetic.Render(doc, 0, synthetic.Bilevel200).(*image.Paletted)
	// A crop with an odd width, so that rows end inside a byte.
	crop := image.NewPaletted(image.Rect(0, 0, 1001, 613), page.Palette)
	for y := 0; y < 613; y++ {
		copy(crop.Pix[y*1001:(y+1)*1001], page.Pix[(y+200)*page.Stride+100:])
	}
	src, err := synthetic.EncodeBilevelTIFF([]*image.Paletted{crop}, 200)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in.tif")
	if err := os.WriteFile(in, src, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name        string
		args        []string
		blackIsZero bool
		fast        bool
	}{
		{"as written (Deflate)", nil, false, true},
		{"none", []string{"-c", "none"}, false, true},
		{"zip, 7 rows a strip", []string{"-c", "zip", "-r", "7"}, false, true},
		{"g4", []string{"-c", "g4"}, false, true},
		{"g4 big-endian, 64 rows a strip", []string{"-B", "-c", "g4", "-r", "64"}, false, true},
		{"g4 BlackIsZero", []string{"-B", "-c", "g4"}, true, true},
		{"none BlackIsZero", []string{"-B", "-c", "none", "-r", "100"}, true, true},
		{"lzw", []string{"-c", "lzw"}, false, false},
		{"packbits", []string{"-c", "packbits"}, false, false},
		{"g3", []string{"-c", "g3"}, false, false},
		{"tiled", []string{"-c", "none", "-t", "-w", "256", "-l", "256"}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, "out.tif")
			if b, err := exec.Command("tiffcp", append(append([]string{}, tc.args...), in, out)...).CombinedOutput(); err != nil {
				t.Fatalf("tiffcp: %v\n%s", err, b)
			}
			b := readFile(t, out)
			if tc.blackIsZero {
				b = patchPhotometric(t, b)
			}
			var bo binary.ByteOrder = binary.LittleEndian
			if b[0] == 'M' {
				bo = binary.BigEndian
			}
			off := int64(bo.Uint32(b[4:]))
			got, ok := bilevelTIFF(bytes.NewReader(b), int64(len(b)), off, bo, 1001, 613, 200)
			if ok != tc.fast {
				t.Fatalf("transcoded: %v, want %v", ok, tc.fast)
			}
			if !ok {
				return
			}
			want, err := tiff.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			g := want.(*image.Gray)
			if tags := readTIFFTags(bytes.NewReader(b), off, bo); tags.compression == 4 && tags.photometric == 1 {
				for i, v := range g.Pix {
					g.Pix[i] = 255 - v
				}
			}
			m, err := png.Decode(bytes.NewReader(got))
			if err != nil {
				t.Fatal(err)
			}
			if got[24] != 1 || pngDPI(got) != 200 || m.Bounds() != g.Bounds() {
				t.Fatalf("PNG of %d bits at %d dpi, %v; want 1 bit at 200 dpi, %v", got[24], pngDPI(got), m.Bounds(), g.Bounds())
			}
			bad := 0
			for y := 0; y < 613; y++ {
				for x := 0; x < 1001; x++ {
					if r, _, _, _ := m.At(x, y).RGBA(); (r > 0x7fff) != (g.GrayAt(x, y).Y > 127) {
						bad++
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d pixels differ from x/image/tiff's", bad)
			}
		})
	}
}

// BenchmarkBilevelTIFF takes one 200 dpi A4 page out of a Deflate TIFF:
// transcoded, against decoded by x/image/tiff and encoded (the way taken
// for other TIFFs).
func BenchmarkBilevelTIFF(b *testing.B) {
	page := synthetic.Render(synthetic.Documents(1)[0], 0, synthetic.Bilevel200).(*image.Paletted)
	src, err := synthetic.EncodeBilevelTIFF([]*image.Paletted{page}, 200)
	if err != nil {
		b.Fatal(err)
	}
	off := int64(binary.LittleEndian.Uint32(src[4:]))
	w, h := page.Rect.Dx(), page.Rect.Dy()
	b.Run("transcode", func(b *testing.B) {
		for b.Loop() {
			if _, ok := bilevelTIFF(bytes.NewReader(src), int64(len(src)), off, binary.LittleEndian, w, h, 200); !ok {
				b.Fatal("not transcoded")
			}
		}
	})
	b.Run("decode and encode", func(b *testing.B) {
		for b.Loop() {
			img, err := tiff.Decode(bytes.NewReader(src))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := encodePNG(img, 200); err != nil {
				b.Fatal(err)
			}
		}
	})
}
