// Package assemble writes searchable PDF/A-2b files: each page is a
// scanned image at its native resolution with an invisible text layer
// (text render mode 3) laid over the OCR word boxes, so that text
// extraction and search return the Vietnamese text with its diacritics at
// the words' places. The file carries XMP metadata consistent with its
// Info dictionary, an sRGB output intent with an embedded ICC profile, and
// a document ID in the trailer (ISO 19005-2, conformance level B).
//
// DeviceCMYK JPEG pages are written as they are, which PDF/A forbids
// under an RGB output intent; scanners do not produce them in practice.
//
// The PDF writer is hand-written and streaming: objects are written one
// after the other to the io.Writer with their offsets counted, and a
// classic xref table closes the file. pdfcpu, the PDF library in go.mod,
// builds the whole document in memory before writing it, which does not
// suit batches of hundreds of full-page scans; here only one page is held
// at a time, and image data is compressed straight into the output.
package assemble

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
	"hash"
	"image"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/sohoa-vn/sohoa/ocr"
)

// Page is one page to write.
type Page struct {
	Image  []byte    // PNG or JPEG bytes
	Format string    // "png" or "jpeg"
	DPI    int       // image resolution; 0: inferred assuming an A4-wide page
	OCR    *ocr.Page // text layer; nil for an image-only page
}

// Info is the document information, written both to the Info dictionary
// and to the XMP metadata.
type Info struct {
	Title   string
	Created time.Time
	// From the document's metadata; empty fields are left out.
	Issuer     string // issuing body: Author, dc:creator
	Subject    string // summary line: Subject, dc:description
	Date       string // date of issue, YYYY-MM-DD: dc:date
	Identifier string // number and symbol: dc:identifier
}

// srgbICC is the output intent's profile (icc/LICENSE).
//
//go:embed icc/sRGB.icc
var srgbICC []byte

// a4WidthInch is the width of an A4 sheet (210 mm) in inches.
const a4WidthInch = 210 / 25.4

// Fixed object numbers; page i uses objects firstPage+4i … firstPage+4i+3
// (page, contents, image, image length).
const (
	objCatalog = 1 + iota
	objPages
	objInfo
	objFont
	objCIDFont
	objDescriptor
	objFontFile
	objToUnicode
	objCIDToGID
	objMetadata
	objICC
	firstPage
)

// Write writes an n-page PDF to w, fetching page i (0-based) with page(i)
// when it is its turn, so that pages can come from storage one at a time.
func Write(w io.Writer, info Info, n int, page func(i int) (Page, error)) error {
	if n <= 0 {
		return fmt.Errorf("assemble: tài liệu không có trang / document has no pages")
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	p := &pdf{w: bw, offsets: make([]int64, firstPage+4*n), sum: sha256.New()}
	if err := p.write(info, n, page); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("assemble: write: %w", err)
	}
	return nil
}

// WritePages is Write for pages already in memory.
func WritePages(w io.Writer, info Info, pages []Page) error {
	return Write(w, info, len(pages), func(i int) (Page, error) { return pages[i], nil })
}

type pdf struct {
	w       *bufio.Writer
	n       int64   // bytes written
	offsets []int64 // by object number
	sum     hash.Hash
	err     error
}

func (p *pdf) Write(b []byte) (int, error) {
	if p.err != nil {
		return 0, p.err
	}
	n, err := p.w.Write(b)
	p.n += int64(n)
	p.sum.Write(b[:n])
	p.err = err
	return n, err
}

func (p *pdf) printf(format string, a ...any) { fmt.Fprintf(p, format, a...) }

// begin starts indirect object num at the current offset.
func (p *pdf) begin(num int) {
	p.offsets[num] = p.n
	p.printf("%d 0 obj\n", num)
}

// object writes a whole non-stream object.
func (p *pdf) object(num int, body string) {
	p.begin(num)
	p.printf("%s\nendobj\n", body)
}

// stream writes a stream object whose data is in memory.
func (p *pdf) stream(num int, dict string, data []byte) {
	p.begin(num)
	p.printf("<<%s/Length %d>>\nstream\n", dict, len(data))
	p.Write(data)
	p.printf("\nendstream\nendobj\n")
}

func (p *pdf) write(info Info, n int, page func(int) (Page, error)) error {
	p.printf("%%PDF-1.7\n%%\xe2\xe3\xcf\xd3\n")

	created := info.Created
	if created.IsZero() {
		created = time.Now()
	}
	if info.Date != "" {
		if _, err := time.Parse("2006-01-02", info.Date); err != nil {
			return fmt.Errorf("assemble: ngày ban hành %q không hợp lệ / bad date of issue %q (want YYYY-MM-DD)", info.Date, info.Date)
		}
	}
	created = created.Truncate(time.Second)
	p.object(objCatalog, fmt.Sprintf("<</Type/Catalog/Pages %d 0 R/Lang(vi-VN)/ViewerPreferences<</DisplayDocTitle true>>"+
		"/Metadata %d 0 R/OutputIntents[<</Type/OutputIntent/S/GTS_PDFA1/OutputConditionIdentifier(sRGB IEC61966-2.1)"+
		"/Info(sRGB IEC61966-2.1)/DestOutputProfile %d 0 R>>]>>", objPages, objMetadata, objICC))
	var kids strings.Builder
	for i := range n {
		fmt.Fprintf(&kids, "%d 0 R ", firstPage+4*i)
	}
	p.object(objPages, fmt.Sprintf("<</Type/Pages/Count %d/Kids[%s]>>", n, strings.TrimSpace(kids.String())))
	var extra strings.Builder
	if info.Issuer != "" {
		fmt.Fprintf(&extra, "/Author%s", textString(info.Issuer))
	}
	if info.Subject != "" {
		fmt.Fprintf(&extra, "/Subject%s", textString(info.Subject))
	}
	p.object(objInfo, fmt.Sprintf("<</Producer(%s)/Title%s%s/CreationDate(%s)/ModDate(%s)>>",
		producer, textString(info.Title), extra.String(), pdfDate(created), pdfDate(created)))
	p.stream(objMetadata, "/Type/Metadata/Subtype/XML", xmp(info, created))
	var icc bytes.Buffer
	zw := newZlib(&icc)
	zw.Write(srgbICC)
	zw.Close()
	p.stream(objICC, "/N 3/Filter/FlateDecode", icc.Bytes())
	p.writeFont()
	if p.err != nil {
		return fmt.Errorf("assemble: write: %w", p.err)
	}

	for i := range n {
		pg, err := page(i)
		if err != nil {
			return fmt.Errorf("assemble: page %d: %w", i+1, err)
		}
		if err := p.writePage(firstPage+4*i, pg); err != nil {
			return fmt.Errorf("assemble: trang %d / page %d: %w", i+1, i+1, err)
		}
		if p.err != nil {
			return fmt.Errorf("assemble: write: %w", p.err)
		}
	}

	xref := p.n
	p.printf("xref\n0 %d\n0000000000 65535 f \n", len(p.offsets))
	for _, off := range p.offsets[1:] {
		p.printf("%010d 00000 n \n", off)
	}
	// The ID is derived from the content: the same pages and info give
	// the same file.
	id := hex.EncodeToString(p.sum.Sum(nil)[:16])
	p.printf("trailer\n<</Size %d/Root %d 0 R/Info %d 0 R/ID[<%s><%s>]>>\nstartxref\n%d\n%%%%EOF\n",
		len(p.offsets), objCatalog, objInfo, id, id, xref)
	if p.err != nil {
		return fmt.Errorf("assemble: write: %w", p.err)
	}
	return nil
}

// writeFont writes the Type0 font used by every page's text layer.
func (p *pdf) writeFont() {
	p.object(objFont, fmt.Sprintf("<</Type/Font/Subtype/Type0/BaseFont/GlyphLessFont/Encoding/Identity-H"+
		"/DescendantFonts[%d 0 R]/ToUnicode %d 0 R>>", objCIDFont, objToUnicode))
	p.object(objCIDFont, fmt.Sprintf("<</Type/Font/Subtype/CIDFontType2/BaseFont/GlyphLessFont"+
		"/CIDSystemInfo<</Registry(Adobe)/Ordering(Identity)/Supplement 0>>"+
		"/FontDescriptor %d 0 R/DW %d/CIDToGIDMap %d 0 R>>", objDescriptor, glyphWidth, objCIDToGID))
	// Descent -1, not 0: poppler takes 0 as missing and uses -0.35 em,
	// which would stretch extracted word boxes below the baseline.
	p.object(objDescriptor, fmt.Sprintf("<</Type/FontDescriptor/FontName/GlyphLessFont/Flags 5"+
		"/FontBBox[0 -1 %d 1000]/ItalicAngle 0/Ascent 1000/Descent -1/CapHeight 1000/StemV 80"+
		"/FontFile2 %d 0 R>>", glyphWidth, objFontFile))
	font := glyphlessFont()
	p.stream(objFontFile, fmt.Sprintf("/Length1 %d", len(font)), font)
	p.stream(objToUnicode, "", toUnicodeCMap())
	p.stream(objCIDToGID, "/Filter/FlateDecode", cidToGIDMap())
}

// toUnicodeCMap maps each 2-byte code to the same UTF-16 code unit: codes
// are the Unicode code points (surrogates excluded).
func toUnicodeCMap() []byte {
	var b bytes.Buffer
	b.WriteString("/CIDInit/ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo<</Registry(Adobe)/Ordering(UCS)/Supplement 0>>def\n" +
		"/CMapName/Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000><FFFF>\nendcodespacerange\n")
	var hi []int
	for h := 0; h < 256; h++ {
		if h < 0xD8 || h > 0xDF {
			hi = append(hi, h)
		}
	}
	// A bfrange may vary only in its last byte: one range per high byte,
	// at most 100 per block.
	for len(hi) > 0 {
		k := min(100, len(hi))
		fmt.Fprintf(&b, "%d beginbfrange\n", k)
		for _, h := range hi[:k] {
			fmt.Fprintf(&b, "<%02X00><%02XFF><%02X00>\n", h, h, h)
		}
		b.WriteString("endbfrange\n")
		hi = hi[k:]
	}
	b.WriteString("endcmap\nCMapName currentdict/CMap defineresource pop\nend\nend\n")
	return b.Bytes()
}

// cidToGIDMap maps every CID to glyph 1, compressed.
func cidToGIDMap() []byte {
	m := make([]byte, 2*65536)
	for i := 1; i < len(m); i += 2 {
		m[i] = 1
	}
	var b bytes.Buffer
	zw := newZlib(&b)
	zw.Write(m)
	zw.Close()
	return b.Bytes()
}

// writePage writes page objects num (page), num+1 (contents), num+2
// (image), num+3 (image stream length).
func (p *pdf) writePage(num int, pg Page) error {
	img, err := prepareImage(pg.Image, pg.Format)
	if err != nil {
		return err
	}
	pl := place(pg.OCR, img.width, img.height)
	// Image pixels across and down the page as shown.
	pxW, pxH := img.width, img.height
	if pl.sideways {
		pxW, pxH = img.height, img.width
	}
	var scale float64 // points per pixel
	if pg.DPI > 0 {
		scale = 72 / float64(pg.DPI)
	} else {
		scale = a4WidthInch * 72 / float64(pxW)
	}
	w, h := float64(pxW)*scale, float64(pxH)*scale

	var c bytes.Buffer
	toPage := matrix{w / pl.frameW, 0, 0, -h / pl.frameH, 0, h}
	fmt.Fprintf(&c, "q %s cm /Im0 Do Q\n", pl.image.then(toPage))
	if pg.OCR != nil {
		textLayer(&c, pg.OCR, pl, w, h)
	}

	p.object(num, fmt.Sprintf("<</Type/Page/Parent %d 0 R/MediaBox[0 0 %s %s]"+
		"/Resources<</Font<</F0 %d 0 R>>/XObject<</Im0 %d 0 R>>/ProcSet[/PDF/Text/ImageB/ImageC]>>"+
		"/Contents %d 0 R>>", objPages, num2(w), num2(h), objFont, num+2, num+1))
	p.stream(num+1, "", c.Bytes())

	p.begin(num + 2)
	var extra string
	if img.decodeParms != "" {
		extra += "/DecodeParms" + img.decodeParms
	}
	if img.decode != "" {
		extra += "/Decode" + img.decode
	}
	p.printf("<</Type/XObject/Subtype/Image/Width %d/Height %d/ColorSpace/%s/BitsPerComponent %d/Filter/%s%s/Length %d 0 R>>\nstream\n",
		img.width, img.height, img.colorSpace, img.bits, img.filter, extra, num+3)
	start := p.n
	if err := img.writeData(p); err != nil {
		return err
	}
	length := p.n - start
	p.printf("\nendstream\nendobj\n")
	p.object(num+3, strconv.FormatInt(length, 10))
	return nil
}

// textLayer writes the invisible words of o, whose boxes (as pl gives
// them) are in pixels of pl's frame, onto a page w×h points.
func textLayer(c *bytes.Buffer, o *ocr.Page, pl placement, w, h float64) {
	if len(o.Words) == 0 {
		return
	}
	sx, sy := w/pl.frameW, h/pl.frameH
	// All words of a line share its font size and baseline (its box's
	// height and bottom): per-word sizes would put a dash or a comma on a
	// line of its own in extracted text.
	type lineKey struct{ block, par, line int }
	lines := map[lineKey]image.Rectangle{}
	boxes := make([]image.Rectangle, len(o.Words))
	for i, wd := range o.Words {
		boxes[i] = pl.box(wd)
		k := lineKey{wd.Block, wd.Par, wd.Line}
		if r, ok := lines[k]; ok {
			lines[k] = r.Union(boxes[i])
		} else {
			lines[k] = boxes[i]
		}
	}
	c.WriteString("BT 3 Tr\n")
	for i, wd := range o.Words {
		runes := []rune(wd.Text)
		lb := lines[lineKey{wd.Block, wd.Par, wd.Line}]
		bw, bh := float64(boxes[i].Dx())*sx, float64(lb.Dy())*sy
		if len(runes) == 0 || bw <= 0 || bh <= 0 {
			continue
		}
		size := bh
		x, y := float64(boxes[i].Min.X)*sx, h-float64(lb.Max.Y)*sy
		fmt.Fprintf(c, "/F0 %s Tf %s Tz 1 0 0 1 %s %s Tm <%s> Tj", num2(size),
			num2(100*bw/(float64(len(runes))*glyphWidth/1000*size)), num2(x), num2(y), hexText(runes))
		// A space stretched over the gap to the next word on the line, so
		// that copied text has its spaces.
		if i+1 < len(o.Words) {
			nx := o.Words[i+1]
			gap := float64(boxes[i+1].Min.X-boxes[i].Max.X) * sx
			if nx.Block == wd.Block && nx.Par == wd.Par && nx.Line == wd.Line && gap > 0 {
				fmt.Fprintf(c, " %s Tz <0020> Tj", num2(100*gap/(glyphWidth/1000.0*size)))
			}
		}
		c.WriteByte('\n')
	}
	c.WriteString("ET\n")
}

// hexText encodes runes as 2-byte codes equal to their code points; those
// outside the BMP become U+FFFD.
func hexText(runes []rune) string {
	var b strings.Builder
	for _, r := range runes {
		if r > 0xFFFF || (r >= 0xD800 && r <= 0xDFFF) {
			r = 0xFFFD
		}
		fmt.Fprintf(&b, "%04X", r)
	}
	return b.String()
}

// textString is a PDF text string, encoded by pdfcpu: a literal for
// printable ASCII, UTF-16BE with a byte-order mark in hex otherwise.
func textString(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return strings.ToUpper(types.NewHexLiteral([]byte(types.EncodeUTF16String(s))).PDFString())
		}
	}
	esc, _ := types.Escape(s) // never fails
	return "(" + *esc + ")"
}

// pdfDate formats t as a PDF date, D:YYYYMMDDHHmmSS+HH'mm'.
func pdfDate(t time.Time) string {
	_, off := t.Zone()
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Sprintf("D:%s%c%02d'%02d'", t.Format("20060102150405"), sign, off/3600, off%3600/60)
}

// num2 formats v with at most two decimals.
func num2(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" || s == "" {
		return "0"
	}
	return s
}
