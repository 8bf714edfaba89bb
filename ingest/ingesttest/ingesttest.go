// Package ingesttest builds hostile input files for the tests of ingest
// and of the API: truncated and bomb images, PDFs with scripts, encrypted,
// with a broken cross-reference table or with ten thousand pages, and
// polyglots. Every file is generated, none is checked in, so what each one
// holds is visible here.
package ingesttest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/image/tiff"
)

// Gray returns a w×h greyscale test card: a gradient crossed by dark
// lines, so that every encoder has something to encode.
func Gray(w, h int) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint8(255 - (x+y)%64)
			if x%17 == 0 || y%23 == 0 {
				v = 20
			}
			g.SetGray(x, y, color.Gray{v})
		}
	}
	return g
}

// JPEG encodes Gray(w, h) as a baseline JPEG.
func JPEG(w, h int) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, Gray(w, h), &jpeg.Options{Quality: 75}); err != nil {
		panic(err) // encoding to memory cannot fail
	}
	return b.Bytes()
}

// PNG encodes Gray(w, h) as PNG.
func PNG(w, h int) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, Gray(w, h)); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// TIFF encodes Gray(w, h) as an uncompressed TIFF. golang.org/x/image/tiff
// writes the pixels before the directory, so a cut copy has no directory.
func TIFF(w, h int) []byte {
	var b bytes.Buffer
	if err := tiff.Encode(&b, Gray(w, h), nil); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// pngChunk appends one PNG chunk with its CRC.
func pngChunk(b []byte, typ string, data []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	c := append([]byte(typ), data...)
	b = append(b, c...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(c))
}

// PNGBomb is a PNG whose header claims w×h pixels, followed by a tiny IDAT.
func PNGBomb(w, h uint32) []byte {
	b := []byte("\x89PNG\r\n\x1a\n")
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 0, 0, 0, 0) // 8-bit grey
	b = pngChunk(b, "IHDR", ihdr)
	b = pngChunk(b, "IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	return pngChunk(b, "IEND", nil)
}

// TIFFBomb is a one-page TIFF whose IFD claims w×h 8-bit pixels.
func TIFFBomb(w, h uint32) []byte {
	le := binary.LittleEndian
	b := []byte{'I', 'I', 42, 0, 8, 0, 0, 0}
	entries := [][3]uint32{ // tag, type, value
		{256, 4, w}, {257, 4, h}, {258, 3, 8}, {259, 3, 1}, {262, 3, 1},
		{273, 4, 200}, {277, 3, 1}, {278, 4, h}, {279, 4, 16},
	}
	b = le.AppendUint16(b, uint16(len(entries)))
	for _, e := range entries {
		b = le.AppendUint16(b, uint16(e[0]))
		b = le.AppendUint16(b, uint16(e[1]))
		b = le.AppendUint32(b, 1)
		b = le.AppendUint32(b, e[2])
	}
	b = le.AppendUint32(b, 0)
	return append(b, make([]byte, 216-len(b))...)
}

// TextPDF is a one-page PDF with text on it, as a word processor makes.
func TextPDF() []byte {
	content := "BT /F1 24 Tf 72 720 Td (Hello) Tj ET"
	var b bytes.Buffer
	w := newPDFWriter(&b)
	w.object("<< /Type /Catalog /Pages 2 0 R >>")
	w.object("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	w.object("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>")
	w.object(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	w.object("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	w.finish(1)
	return b.Bytes()
}

// pdfWriter writes a classic PDF (objects numbered from 1 in the order
// written, a cross-reference table) straight to w, keeping only the
// offsets: a file of any number of pages costs a few bytes per object.
type pdfWriter struct {
	w    *bufio.Writer
	n    int64
	offs []int64
	err  error
}

func newPDFWriter(w io.Writer) *pdfWriter {
	p := &pdfWriter{w: bufio.NewWriter(w)}
	p.printf("%%PDF-1.4\n%%\xe2\xe3\xcf\xd3\n")
	return p
}

func (p *pdfWriter) printf(format string, args ...any) {
	if p.err != nil {
		return
	}
	n, err := fmt.Fprintf(p.w, format, args...)
	p.n += int64(n)
	p.err = err
}

// object writes the next object; the number it gets is returned.
func (p *pdfWriter) object(body string) int {
	p.offs = append(p.offs, p.n)
	nr := len(p.offs)
	p.printf("%d 0 obj\n%s\nendobj\n", nr, body)
	return nr
}

// finish writes the cross-reference table and the trailer.
func (p *pdfWriter) finish(root int) error {
	x := p.n
	p.printf("xref\n0 %d\n0000000000 65535 f \n", len(p.offs)+1)
	for _, o := range p.offs {
		p.printf("%010d 00000 n \n", o)
	}
	p.printf("trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(p.offs)+1, root, x)
	if p.err != nil {
		return p.err
	}
	return p.w.Flush()
}

// ScanSpec describes a PDF as a scanner makes it, one JPEG per page, with
// whatever a hostile file adds.
type ScanSpec struct {
	Pages int    // 1 when 0
	JPEG  []byte // the image on every page, one XObject shared by all; JPEG(150, 150) when nil
	// Catalog and Page are extra entries of the catalog and of every page
	// dictionary, e.g. "/OpenAction 4 0 R".
	Catalog, Page string
	// Objects are extra objects, numbered from 4 in order (1 is the
	// catalog, 2 the page tree, 3 the image); the pages follow them.
	Objects []string
}

// WriteScanPDF writes the PDF of spec to w as it goes, so that a file of
// ten thousand pages needs no more memory than one of a single page. Every
// page is a flat kid of the page tree root (the hostile shape: no
// intermediate nodes) and shows the image on 72×72 points, so that a
// 150-pixel image declares 150 dpi.
func WriteScanPDF(w io.Writer, spec ScanSpec) error {
	if spec.Pages <= 0 {
		spec.Pages = 1
	}
	img := spec.JPEG
	if img == nil {
		img = JPEG(150, 150)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(img))
	if err != nil {
		return fmt.Errorf("scan PDF image: %w", err)
	}
	p := newPDFWriter(w)
	first := 4 + len(spec.Objects)
	p.object("<< /Type /Catalog /Pages 2 0 R " + spec.Catalog + " >>")
	// The Kids array is written piecemeal, without building the string.
	p.offs = append(p.offs, p.n)
	p.printf("2 0 obj\n<< /Type /Pages /Count %d /Kids [", spec.Pages)
	for i := 0; i < spec.Pages; i++ {
		p.printf("%d 0 R ", first+i)
	}
	p.printf("] >>\nendobj\n")
	p.offs = append(p.offs, p.n)
	p.printf("3 0 obj\n<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n",
		cfg.Width, cfg.Height, len(img))
	if p.err == nil {
		n, err := p.w.Write(img)
		p.n += int64(n)
		p.err = err
	}
	p.printf("\nendstream\nendobj\n")
	for _, o := range spec.Objects {
		p.object(o)
	}
	for i := 0; i < spec.Pages; i++ {
		p.object("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] /Resources << /XObject << /Im0 3 0 R >> >> " + spec.Page + " >>")
	}
	return p.finish(1)
}

// ScanPDF is WriteScanPDF into memory.
func ScanPDF(spec ScanSpec) []byte {
	var b bytes.Buffer
	if err := WriteScanPDF(&b, spec); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// Active-content PDFs: each is a valid one-page scan with one way to run
// something when the file is opened or clicked.
var (
	// OpenActionJS runs JavaScript when the document opens.
	OpenActionJS = ScanSpec{Catalog: "/OpenAction 4 0 R", Objects: []string{"<< /Type /Action /S /JavaScript /JS (app.alert\\('xin chào'\\);) >>"}}
	// NamesJS has a document-level script in the name tree.
	NamesJS = ScanSpec{Catalog: "/Names << /JavaScript 4 0 R >>", Objects: []string{
		"<< /Names [(init) 5 0 R] >>", "<< /S /JavaScript /JS 6 0 R >>", "<< /Length 11 >>\nstream\napp.beep();\nendstream"}}
	// PageAA runs a script when the page opens, its action name spelt with
	// a #-escape as a byte search would miss it.
	PageAA = ScanSpec{Page: "/AA << /O << /S /Java#53cript /JS (this.print\\(\\);) >> >>"}
	// AnnotJS is a link annotation whose action is a script.
	AnnotJS = ScanSpec{Page: "/Annots [4 0 R]", Objects: []string{
		"<< /Type /Annot /Subtype /Link /Rect [0 0 72 72] /A << /S /JavaScript /JS (app.launchURL\\('http://example.invalid'\\);) >> >>"}}
	// Launch starts a program.
	Launch = ScanSpec{Catalog: "/OpenAction << /S /Launch /F (cmd.exe) >>"}
	// Embedded carries an attached file.
	Embedded = ScanSpec{Catalog: "/Names << /EmbeddedFiles << /Names [(a.exe) 4 0 R] >> >>", Objects: []string{
		"<< /Type /Filespec /F (a.exe) /EF << /F 5 0 R >> >>", "<< /Type /EmbeddedFile /Length 2 >>\nstream\nMZ\nendstream"}}
	// LinkURI is a plain web link: not active content, accepted.
	LinkURI = ScanSpec{Page: "/Annots [4 0 R]", Objects: []string{
		"<< /Type /Annot /Subtype /Link /Rect [0 0 72 72] /A << /S /URI /URI (https://dichvucong.gov.vn/) >> >>"}}
)

// BrokenXref is a valid three-page scan whose cross-reference table and
// startxref point nowhere: every offset is shifted by 7 bytes and
// startxref by 13, as when a file is edited in a text editor. Its objects
// are intact, so a reader can rebuild the table by scanning for them.
func BrokenXref() []byte {
	b := ScanPDF(ScanSpec{Pages: 3})
	x := bytes.LastIndex(b, []byte("\nxref\n")) + 1
	tail := b[x:]
	var out bytes.Buffer
	out.Write(b[:x])
	for _, line := range bytes.SplitAfter(tail, []byte("\n")) {
		var off, gen int
		var kind string
		if n, _ := fmt.Sscanf(string(line), "%010d %05d %s", &off, &gen, &kind); n == 3 && kind == "n" && len(line) == 20 {
			fmt.Fprintf(&out, "%010d %05d n \n", off+7, gen)
			continue
		}
		out.Write(line)
	}
	fixed := out.Bytes()
	i := bytes.LastIndex(fixed, []byte("startxref\n")) + len("startxref\n")
	return append(append([]byte{}, fixed[:i]...), fmt.Sprintf("%d\n%%%%EOF\n", x+13)...)
}

// Damaged is a three-page scan whose first page object has lost its
// "obj" keyword: no reader can rebuild the page tree.
func Damaged() []byte {
	b := ScanPDF(ScanSpec{Pages: 3})
	return bytes.Replace(b, []byte("\n4 0 obj\n"), []byte("\n4 0 xyz\n"), 1)
}

// Polyglots: files that are two formats at once.

// PNGThenPDF is a PNG with a PDF appended after its IEND chunk, past the
// first 1024 bytes.
func PNGThenPDF() []byte { return append(PNG(300, 200), ScanPDF(ScanSpec{})...) }

// JPEGThenPDF is a JPEG with a PDF appended after its EOI marker.
func JPEGThenPDF() []byte { return append(JPEG(300, 200), ScanPDF(ScanSpec{})...) }

// PNGWithPDFHeader is a PNG with a PDF header in a text chunk right after
// IHDR, within the first 1024 bytes where PDF readers look for one.
func PNGWithPDFHeader() []byte {
	p := PNG(120, 90)
	const ihdrEnd = 8 + 25
	b := append([]byte{}, p[:ihdrEnd]...)
	b = pngChunk(b, "tEXt", []byte("Comment\x00%PDF-1.4\n1 0 obj << >> endobj\n"))
	return append(b, p[ihdrEnd:]...)
}

// PDFThenZIP is a scan PDF with a ZIP archive appended: a ZIP reader,
// which reads from the end, opens it.
func PDFThenZIP() []byte {
	var z bytes.Buffer
	zw := zip.NewWriter(&z)
	f, _ := zw.Create("payload.txt")
	io.WriteString(f, "not a scan")
	zw.Close()
	return append(ScanPDF(ScanSpec{}), z.Bytes()...)
}

// GIFThenPDF is a GIF header followed by a PDF: PDF readers find the
// header anywhere in the first 1024 bytes.
func GIFThenPDF() []byte {
	return append([]byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), ScanPDF(ScanSpec{})...)
}

// qpdf runs qpdf (Debian package qpdf) on pdf; args gets the input and
// output paths and returns the command line.
func qpdf(t testing.TB, pdf []byte, args func(in, out string) []string) []byte {
	t.Helper()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	a := args(in, out)
	if b, err := exec.Command("qpdf", a...).CombinedOutput(); err != nil {
		t.Fatalf("qpdf %v (install the Debian package qpdf): %v\n%s", a, err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Encrypt encrypts a PDF with AES-256; an empty user password makes a
// file anyone can open but that is still encrypted.
func Encrypt(t testing.TB, pdf []byte, user, owner string) []byte {
	t.Helper()
	return qpdf(t, pdf, func(in, out string) []string {
		return []string{"--encrypt", user, owner, "256", "--", in, out}
	})
}

// ObjectStreams rewrites a PDF with its objects packed into compressed
// object streams, where a byte search sees nothing of them.
func ObjectStreams(t testing.TB, pdf []byte) []byte {
	t.Helper()
	return qpdf(t, pdf, func(in, out string) []string {
		return []string{"--object-streams=generate", "--compress-streams=y", in, out}
	})
}

// Case is one hostile file and how ingest must refuse it.
type Case struct {
	Name string
	Data []byte
	// Code is the ingest.InputError code expected (the values of the
	// ingest.Code* constants; this package does not import ingest so that
	// ingest's own tests can use it).
	Code string
	Page int // the page the error names; 0 for the whole file
	// VI and EN are words the message must hold.
	VI, EN string
}

// Corpus is the hostile corpus of issue 8: one file per way an upload
// can be bad, each with the specific error it must end in. bigPDF is the
// number of pages of the many-pages file, which must exceed the page limit
// in force. A PDF with a broken cross-reference table is not in it: pdfcpu
// repairs that (see BrokenXref).
func Corpus(t testing.TB, bigPDF int) []Case {
	t.Helper()
	jpg, pngb, tif := JPEG(300, 200), PNG(300, 200), TIFF(300, 200)
	js := ScanPDF(OpenActionJS)
	jsPacked := ObjectStreams(t, js)
	if bytes.Contains(jsPacked, []byte("JavaScript")) {
		t.Fatal("qpdf left the script readable: the object-stream case tests nothing")
	}
	var big bytes.Buffer
	if err := WriteScanPDF(&big, ScanSpec{Pages: bigPDF}); err != nil {
		t.Fatal(err)
	}
	const (
		active   = "active_content"
		polyglot = "polyglot"
	)
	activeVI, activeEN := "JavaScript hoặc nội dung chủ động", "JavaScript or active content"
	polyVI, polyEN := "mang hai định dạng", "polyglot"
	return []Case{
		{"empty.jpg", nil, "empty", 0, "tệp rỗng", "empty file"},
		{"half.jpg", jpg[:len(jpg)/2], "truncated", 1, "cắt cụt", "truncated"},
		{"half.png", pngb[:len(pngb)/2], "truncated", 1, "cắt cụt", "truncated"},
		{"half.tif", tif[:len(tif)/2], "truncated", 0, "cắt cụt", "truncated"},
		{"bomb.png", PNGBomb(60000, 60000), "too_many_pixels", 1, "trang quá lớn", "page too large"},
		{"bomb.tif", TIFFBomb(60000, 60000), "too_many_pixels", 1, "trang quá lớn", "page too large"},
		{"script.pdf", js, active, 0, activeVI, activeEN},
		{"script-packed.pdf", jsPacked, active, 0, activeVI, activeEN},
		{"names-script.pdf", ScanPDF(NamesJS), active, 0, activeVI, activeEN},
		{"page-script.pdf", ScanPDF(PageAA), active, 0, activeVI, activeEN},
		{"link-script.pdf", ScanPDF(AnnotJS), active, 0, activeVI, activeEN},
		{"launch.pdf", ScanPDF(Launch), active, 0, activeVI, activeEN},
		{"attachment.pdf", ScanPDF(Embedded), active, 0, activeVI, activeEN},
		{"locked.pdf", Encrypt(t, ScanPDF(ScanSpec{}), "mật-khẩu", "owner"), "encrypted", 0, "PDF được mã hóa", "encrypted PDF"},
		{"damaged.pdf", Damaged(), "corrupt", 0, "tệp bị hỏng", "corrupt file"},
		{fmt.Sprintf("pages-%d.pdf", bigPDF), big.Bytes(), "too_many_pages", 0, fmt.Sprintf("quá nhiều trang: %d", bigPDF), "too many pages"},
		{"png-then-pdf.png", PNGThenPDF(), polyglot, 0, polyVI, polyEN},
		{"jpeg-then-pdf.jpg", JPEGThenPDF(), polyglot, 0, polyVI, polyEN},
		{"png-pdf-header.png", PNGWithPDFHeader(), polyglot, 0, polyVI, polyEN},
		{"pdf-then-zip.pdf", PDFThenZIP(), polyglot, 0, polyVI, polyEN},
		{"gif-then-pdf.pdf", GIFThenPDF(), polyglot, 0, polyVI, polyEN},
		{"notes.png", []byte("Biên bản họp ngày 05/6/2026\n"), "unsupported", 0, "định dạng không được hỗ trợ", "unsupported file type"},
	}
}
