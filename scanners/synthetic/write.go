package synthetic

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"

	"github.com/sohoa-vn/sohoa/internal/pngdpi"
	"golang.org/x/text/unicode/norm"
)

// Sample is one file written by WriteSamples, as listed in manifest.json.
type Sample struct {
	File   string `json:"file"`   // file name in the sample directory
	Pages  int    `json:"pages"`  // page count
	DPI    int    `json:"dpi"`    // resolution written into the file
	Mode   string `json:"mode"`   // "bilevel200" or "grey300"
	Width  int    `json:"width"`  // page width in pixels
	Height int    `json:"height"` // page height in pixels
	Meta   Meta   `json:"meta"`
	Truth  string `json:"truth"` // ground-truth file: pages' text separated by \f
	Doc    Doc    `json:"-"`     // the document, with each page's ground truth
}

// JPEGQuality is the quality of the JPEG files WriteSamples writes.
const JPEGQuality = 85

// WriteSamples writes to dir a sample set in the formats users bring:
//   - quyet-dinh.tif: 2 pages, multi-page TIFF, 200 dpi bilevel (deflate;
//     no Go library writes CCITT G4)
//   - giay-chung-nhan.png: 1 page, 200 dpi bilevel PNG (1 bit per pixel)
//   - cong-van.jpg: 1 page, 300 dpi greyscale JPEG
//   - thong-bao.pdf: 2 pages, a PDF of 300 dpi greyscale JPEG page images
//
// with NAME.truth.txt (pages separated by \f) beside each and a
// manifest.json listing the samples. It returns the samples.
func WriteSamples(dir string, seed int64) ([]Sample, error) {
	docs := map[string]Doc{}
	for _, d := range Documents(seed) {
		docs[d.Name] = d
	}
	plan := []struct {
		doc, ext string
		mode     Mode
		encode   func(d Doc, mode Mode) ([]byte, error)
	}{
		{"quyet-dinh", ".tif", Bilevel200, tiffFile},
		{"giay-chung-nhan", ".png", Bilevel200, pngFile},
		{"cong-van", ".jpg", Grey300, jpegFile},
		{"thong-bao", ".pdf", Grey300, pdfFile},
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("write samples: %w", err)
	}
	var samples []Sample
	for _, p := range plan {
		d := docs[p.doc]
		b, err := p.encode(d, p.mode)
		if err != nil {
			return nil, fmt.Errorf("write sample %s: %w", p.doc, err)
		}
		w, h := PageSize(p.mode.DPI())
		s := Sample{
			File: d.Name + p.ext, Pages: len(d.Pages), DPI: p.mode.DPI(), Mode: p.mode.String(),
			Width: w, Height: h, Meta: d.Meta, Truth: d.Name + ".truth.txt", Doc: d,
		}
		if err := os.WriteFile(filepath.Join(dir, s.File), b, 0o644); err != nil {
			return nil, fmt.Errorf("write samples: %w", err)
		}
		if err := os.WriteFile(filepath.Join(dir, s.Truth), []byte(TruthText(d)), 0o644); err != nil {
			return nil, fmt.Errorf("write samples: %w", err)
		}
		samples = append(samples, s)
	}
	m, err := json.MarshalIndent(samples, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("write samples: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), append(m, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("write samples: %w", err)
	}
	return samples, nil
}

// TruthText is the ground truth of a whole document: pages separated by \f.
func TruthText(d Doc) string {
	s := make([]string, len(d.Pages))
	for i, p := range d.Pages {
		s[i] = p.Text
	}
	return strings.Join(s, "\f") + "\n"
}

func pngFile(d Doc, mode Mode) ([]byte, error) { return EncodePNG(Render(d, 0, mode), mode.DPI()) }

func jpegFile(d Doc, mode Mode) ([]byte, error) {
	return EncodeJPEG(Render(d, 0, mode), mode.DPI(), JPEGQuality)
}

func tiffFile(d Doc, mode Mode) ([]byte, error) {
	pages := make([]*image.Paletted, len(d.Pages))
	for i := range d.Pages {
		pages[i] = Render(d, i, mode).(*image.Paletted)
	}
	return EncodeBilevelTIFF(pages, mode.DPI())
}

func pdfFile(d Doc, mode Mode) ([]byte, error) {
	var pages [][]byte
	for i := range d.Pages {
		b, err := EncodeJPEG(Render(d, i, mode), mode.DPI(), JPEGQuality)
		if err != nil {
			return nil, err
		}
		pages = append(pages, b)
	}
	w, h := PageSize(mode.DPI())
	return ImagePDF(pages, w, h, mode.DPI()), nil
}

// EncodePNG encodes img as PNG with its resolution in a pHYs chunk, which
// image/png does not write: the chunk is inserted by hand after IHDR.
// A two-colour *image.Paletted is written with 1 bit per pixel.
func EncodePNG(img image.Image, dpi int) ([]byte, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return pngdpi.Insert(buf.Bytes(), dpi), nil
}

// EncodeJPEG encodes img as baseline JPEG with a JFIF APP0 segment giving
// its density in dots per inch; image/jpeg writes no APP0, so the segment
// is inserted by hand after SOI.
func EncodeJPEG(img image.Image, dpi, quality int) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	app0 := []byte{0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 1, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint16(app0[12:], uint16(dpi))
	binary.BigEndian.PutUint16(app0[14:], uint16(dpi))
	out := make([]byte, 0, len(b)+len(app0))
	out = append(out, b[:2]...)
	out = append(out, app0...)
	return append(out, b[2:]...), nil
}

// EncodeBilevelTIFF writes a multi-page TIFF of 1-bit pages (palette index
// 0 black, 1 white) stored WhiteIsZero as scanners and fax software do,
// one deflate-compressed strip per page, with
// X/YResolution in dpi. Hand-written: golang.org/x/image/tiff writes one
// page only and no 1-bit images, and no Go library writes CCITT G4.
func EncodeBilevelTIFF(pages []*image.Paletted, dpi int) ([]byte, error) {
	le := binary.LittleEndian
	out := []byte{'I', 'I', 42, 0, 0, 0, 0, 0}
	nextIFD := 4 // where to write the offset of the next IFD
	pad := func() {
		if len(out)%2 == 1 {
			out = append(out, 0)
		}
	}
	for n, img := range pages {
		b := img.Bounds()
		w, h := b.Dx(), b.Dy()
		stride := (w + 7) / 8
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		row := make([]byte, stride)
		for y := b.Min.Y; y < b.Max.Y; y++ {
			clear(row)
			pix := img.Pix[(y-b.Min.Y)*img.Stride:]
			for x := 0; x < w; x++ {
				if pix[x] == 0 { // black: 1 under WhiteIsZero
					row[x/8] |= 0x80 >> (x % 8)
				}
			}
			if _, err := zw.Write(row); err != nil {
				return nil, err
			}
		}
		if err := zw.Close(); err != nil {
			return nil, err
		}
		strip := len(out)
		out = append(out, z.Bytes()...)
		pad()
		res := len(out)
		out = le.AppendUint32(out, uint32(dpi))
		out = le.AppendUint32(out, 1)
		ifd := len(out)
		le.PutUint32(out[nextIFD:], uint32(ifd))
		type entry struct {
			tag, typ uint16
			count    uint32
			value    uint32
		}
		const short, long, rational = 3, 4, 5
		entries := []entry{
			{256, long, 1, uint32(w)},
			{257, long, 1, uint32(h)},
			{258, short, 1, 1}, // BitsPerSample
			{259, short, 1, 8}, // Compression: deflate
			{262, short, 1, 0}, // PhotometricInterpretation: WhiteIsZero
			{273, long, 1, uint32(strip)},
			{277, short, 1, 1}, // SamplesPerPixel
			{278, long, 1, uint32(h)},
			{279, long, 1, uint32(z.Len())},
			{282, rational, 1, uint32(res)},
			{283, rational, 1, uint32(res)},
			{296, short, 1, 2},                                  // ResolutionUnit: inch
			{297, short, 2, uint32(n) | uint32(len(pages))<<16}, // PageNumber
		}
		out = le.AppendUint16(out, uint16(len(entries)))
		for _, e := range entries {
			out = le.AppendUint16(out, e.tag)
			out = le.AppendUint16(out, e.typ)
			out = le.AppendUint32(out, e.count)
			out = le.AppendUint32(out, e.value) // SHORT values sit in the low bytes (little-endian)
		}
		nextIFD = len(out)
		out = le.AppendUint32(out, 0)
	}
	return out, nil
}

// ImagePDF writes a PDF whose every page is one greyscale JPEG image
// (DCTDecode) filling the page, sized so that the image is at dpi.
// Hand-written, because pdfcpu stamps the current time and a random ID
// into its output and the samples must be byte-for-byte reproducible.
func ImagePDF(jpegs [][]byte, w, h, dpi int) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	var offsets []int
	obj := func(body string, stream []byte) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s", len(offsets), body)
		if stream != nil {
			b.WriteString("\nstream\n")
			b.Write(stream)
			b.WriteString("\nendstream")
		}
		b.WriteString("\nendobj\n")
	}
	pw, ph := float64(w)/float64(dpi)*72, float64(h)/float64(dpi)*72
	kids := make([]string, len(jpegs))
	for i := range jpegs {
		kids[i] = fmt.Sprintf("%d 0 R", 3+3*i)
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>", nil)
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(jpegs)), nil)
	for i, j := range jpegs {
		content, img := 4+3*i, 5+3*i // the page itself is object 3+3*i
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>", pw, ph, img, content), nil)
		c := fmt.Sprintf("q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q", pw, ph)
		obj(fmt.Sprintf("<< /Length %d >>", len(c)), []byte(c))
		obj(fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>", w, h, len(j)), j)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return b.Bytes()
}

// CER is the character error rate of ocr against truth: the edit distance
// between the two, counted in Unicode code points after both are NFC
// normalised and every run of white space is made one space, divided by
// the length of truth.
func CER(truth, ocr string) float64 {
	clean := func(s string) []rune { return []rune(strings.Join(strings.Fields(norm.NFC.String(s)), " ")) }
	a, b := clean(truth), clean(ocr)
	if len(a) == 0 {
		return float64(len(b))
	}
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			sub := 1
			if a[i-1] == b[j-1] {
				sub = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+sub)
		}
		prev, cur = cur, prev
	}
	return float64(prev[len(b)]) / float64(len(a))
}
