package sign

// The incremental-update writer is hand-written: pdfcpu reads the PDF structure for us but
// always rewrites whole files, it cannot append an incremental update.

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// docInfo is what the incremental update needs to know about the existing PDF.
type docInfo struct {
	size       int64
	needEOL    bool // the file does not end with an end-of-line marker
	prevXref   int64
	xrefStream bool // the last cross-reference section is a stream
	nextObj    int  // first free object number (trailer /Size)
	root       types.IndirectRef
	catalog    types.Dict
	info       *types.IndirectRef
	id         types.Array
	pageNr     int // the page the widget goes on
	pageRef    types.IndirectRef
	page       types.Dict
	annots     types.Array
	pageBox    [4]float64         // the page's crop box (else media box)
	sigRects   [][4]float64       // /Rect of the signature widgets already on the page
	acroRef    *types.IndirectRef // AcroForm as an indirect object, or nil if inline/absent
	acroForm   types.Dict
	fields     types.Array
	fieldNames map[string]bool
	mdpPerm    int // /P of the document's DocMDP certification signature, 0 if none
	dss        dssArrays
}

// dssArrays are the entries of an existing /DSS, kept when a new DSS replaces it.
type dssArrays struct {
	certs, ocsps, crls types.Array
	vri                types.Dict
}

// pdfcpuConfig returns a relaxed pdfcpu configuration for reading.
func pdfcpuConfig() *model.Configuration {
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	return conf
}

// recoverMalformed turns a panic into an error; deferred by the functions that walk a PDF
// with pdfcpu, which panics on some malformed files (found by FuzzIncrementalInput).
func recoverMalformed(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("tệp PDF hỏng / malformed PDF: %v", r)
	}
}

// readContext parses the PDF with pdfcpu (which loads the objects, and their stream data, into memory).
func readContext(ctx context.Context, src io.ReaderAt, size int64) (_ *model.Context, err error) {
	defer recoverMalformed(&err)
	pctx, err := pdfcpu.ReadWithContext(ctx, io.NewSectionReader(src, 0, size), pdfcpuConfig())
	if err != nil {
		return nil, fmt.Errorf("đọc PDF / read PDF: %w", err)
	}
	return pctx, nil
}

// analyze reads the structure the incremental update builds on; the widget goes on page
// pageNr (1-based, 0 = the last page).
func analyze(ctx context.Context, src io.ReaderAt, size int64, pageNr int) (_ *docInfo, err error) {
	defer recoverMalformed(&err)
	pctx, err := readContext(ctx, src, size)
	if err != nil {
		return nil, err
	}
	if pctx.Encrypt != nil {
		return nil, ErrEncrypted
	}
	if pctx.Root == nil || pctx.Size == nil {
		return nil, fmt.Errorf("PDF thiếu /Root hoặc /Size / PDF has no /Root or /Size")
	}
	d := &docInfo{size: size, root: *pctx.Root, info: pctx.Info, id: pctx.ID, nextObj: *pctx.Size, fieldNames: map[string]bool{}}
	if d.catalog, err = pctx.Catalog(); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	if err := pctx.EnsurePageCount(); err != nil {
		return nil, fmt.Errorf("đếm trang / page count: %w", err)
	}
	if pageNr == 0 {
		pageNr = pctx.PageCount
	}
	if pageNr < 1 || pageNr > pctx.PageCount {
		return nil, fmt.Errorf("tài liệu không có trang %d / the document has no page %d (%d pages)", pageNr, pageNr, pctx.PageCount)
	}
	page, pageRef, inh, err := pctx.PageDict(pageNr, false)
	if err != nil || pageRef == nil {
		return nil, fmt.Errorf("trang %d / page %d: %v", pageNr, pageNr, err)
	}
	d.pageNr, d.page, d.pageRef = pageNr, page, *pageRef
	d.pageBox = [4]float64{0, 0, 612, 792}
	if inh != nil {
		if r := inh.CropBox; r != nil && r.Width() > 0 && r.Height() > 0 {
			d.pageBox = [4]float64{r.LL.X, r.LL.Y, r.UR.X, r.UR.Y}
		} else if r := inh.MediaBox; r != nil && r.Width() > 0 && r.Height() > 0 {
			d.pageBox = [4]float64{r.LL.X, r.LL.Y, r.UR.X, r.UR.Y}
		}
	}
	if o, ok := page.Find("Annots"); ok && o != nil {
		if d.annots, err = pctx.DereferenceArray(o); err != nil {
			return nil, fmt.Errorf("page %d /Annots: %w", pageNr, err)
		}
	}
	for _, a := range d.annots {
		ad, err := pctx.DereferenceDict(a)
		if err != nil || ad == nil || !isSigWidget(pctx, ad) {
			continue
		}
		if arr, err := pctx.DereferenceArray(ad["Rect"]); err == nil && len(arr) == 4 {
			if r := types.RectForArray(arr); r != nil {
				d.sigRects = append(d.sigRects, [4]float64{r.LL.X, r.LL.Y, r.UR.X, r.UR.Y})
			}
		}
	}

	d.acroForm = types.Dict{}
	if o, ok := d.catalog.Find("AcroForm"); ok && o != nil {
		if ref, isRef := o.(types.IndirectRef); isRef {
			d.acroRef = &ref
		}
		af, err := pctx.DereferenceDict(o)
		if err != nil {
			return nil, fmt.Errorf("/AcroForm: %w", err)
		}
		if af != nil {
			d.acroForm = af
		} else {
			d.acroRef = nil // a reference to nothing: write the AcroForm into the catalog
		}
	}
	if o, ok := d.acroForm.Find("Fields"); ok && o != nil {
		if d.fields, err = pctx.DereferenceArray(o); err != nil {
			return nil, fmt.Errorf("/AcroForm /Fields: %w", err)
		}
	}
	for _, f := range d.fields {
		fd, err := pctx.DereferenceDict(f)
		if err != nil || fd == nil {
			continue
		}
		if t, err := pctx.DereferenceText(fd["T"]); err == nil {
			d.fieldNames[t] = true
		}
	}

	d.mdpPerm = docMDPPerm(pctx, d.catalog)
	if o, ok := d.catalog.Find("DSS"); ok && o != nil {
		dss, err := pctx.DereferenceDict(o)
		if err != nil {
			return nil, fmt.Errorf("/DSS: %w", err)
		}
		arr := func(k string) types.Array { a, _ := pctx.DereferenceArray(dss[k]); return a }
		d.dss = dssArrays{certs: arr("Certs"), ocsps: arr("OCSPs"), crls: arr("CRLs")}
		d.dss.vri, _ = pctx.DereferenceDict(dss["VRI"])
	}

	if d.prevXref, err = lastStartXref(src, size); err != nil {
		return nil, err
	}
	if d.xrefStream, err = xrefKind(src, size, d.prevXref); err != nil {
		return nil, err
	}
	last := make([]byte, 1)
	if _, err := src.ReadAt(last, size-1); err != nil {
		return nil, err
	}
	d.needEOL = last[0] != '\n' && last[0] != '\r'
	return d, nil
}

// docMDPPerm returns /P of the certification signature named by /Perms /DocMDP (default 2), or 0.
func docMDPPerm(pctx *model.Context, catalog types.Dict) int {
	perms, err := pctx.DereferenceDict(catalog["Perms"])
	if err != nil || perms == nil {
		return 0
	}
	sig, err := pctx.DereferenceDict(perms["DocMDP"])
	if err != nil || sig == nil {
		return 0
	}
	refs, _ := pctx.DereferenceArray(sig["Reference"])
	for _, r := range refs {
		ref, err := pctx.DereferenceDict(r)
		if err != nil || ref == nil {
			continue
		}
		if tm := ref.NameEntry("TransformMethod"); tm == nil || *tm != "DocMDP" {
			continue
		}
		params, _ := pctx.DereferenceDict(ref["TransformParams"])
		if p, err := pctx.DereferenceInteger(params["P"]); err == nil && p != nil {
			return p.Value()
		}
		return 2
	}
	return 2
}

var xrefStreamHead = regexp.MustCompile(`^\s*\d+\s+\d+\s+obj\s*<<`)
var xrefType = regexp.MustCompile(`/Type\s*/XRef\b`)

// xrefKind tells whether the cross-reference section at off is a table or a stream. Anything
// else means a damaged file that pdfcpu had to repair: an update whose /Prev points there
// would not be read as intended, so it is refused.
func xrefKind(src io.ReaderAt, size, off int64) (stream bool, err error) {
	head := make([]byte, min(size-off, 64<<10))
	if n, err := src.ReadAt(head, off); err != nil && !(err == io.EOF && n == len(head)) {
		return false, fmt.Errorf("startxref %d: %w", off, err)
	}
	if bytes.HasPrefix(bytes.TrimLeft(head, " \t\r\n\x00"), []byte("xref")) {
		return false, nil
	}
	if xrefStreamHead.Match(head) {
		dict := head
		if i := bytes.Index(head, []byte("stream")); i >= 0 {
			dict = head[:i]
		}
		if xrefType.Match(dict) {
			return true, nil
		}
	}
	return false, fmt.Errorf("không có bảng tham chiếu chéo tại startxref %d (tệp hỏng) / no cross-reference section at startxref %d (damaged file)", off, off)
}

// lastStartXref returns the offset after the last "startxref" keyword near the end of the file.
func lastStartXref(src io.ReaderAt, size int64) (int64, error) {
	n := min(size, 2048)
	tail := make([]byte, n)
	if _, err := src.ReadAt(tail, size-n); err != nil && err != io.EOF {
		return 0, fmt.Errorf("read trailer: %w", err)
	}
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return 0, fmt.Errorf("không tìm thấy startxref / startxref not found")
	}
	f := strings.Fields(string(tail[i+len("startxref"):]))
	if len(f) == 0 {
		return 0, fmt.Errorf("startxref rỗng / empty startxref")
	}
	off, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil || off < 0 || off >= size {
		return 0, fmt.Errorf("startxref sai / bad startxref %q", f[0])
	}
	return off, nil
}

// increment is the bytes appended after the original file (and its optional EOL).
type increment struct {
	buf           []byte
	byteRangeAt   int // offset in buf of the ByteRange placeholder
	byteRangeLen  int
	contentsStart int // offset in buf of '<' of /Contents
	contentsEnd   int // offset in buf just after '>'
}

const byteRangeWidth = 3*13 + 2 // "0 " + three numbers of up to 12 digits, space padded

// updateWriter collects the objects of one incremental update and writes its
// cross-reference section, of the same kind (table or stream) as the previous one.
type updateWriter struct {
	d       *docInfo
	base    int64 // file offset of b[0]
	b       bytes.Buffer
	offsets map[int]int64
	gens    map[int]int
	size    int // next free object number
}

func newUpdateWriter(d *docInfo) *updateWriter {
	base := d.size
	if d.needEOL {
		base++
	}
	return &updateWriter{d: d, base: base, offsets: map[int]int64{}, gens: map[int]int{}, size: d.nextObj}
}

// alloc reserves a new object number.
func (w *updateWriter) alloc() int { w.size++; return w.size - 1 }

func (w *updateWriter) begin(num, gen int) {
	w.offsets[num] = w.base + int64(w.b.Len())
	w.gens[num] = gen
	fmt.Fprintf(&w.b, "%d %d obj\n", num, gen)
}

func (w *updateWriter) end() { w.b.WriteString("\nendobj\n") }

// object writes a whole object whose body is s.
func (w *updateWriter) object(num, gen int, s string) {
	w.begin(num, gen)
	w.b.WriteString(s)
	w.end()
}

// stream writes a new unfiltered stream object holding data and returns its number.
func (w *updateWriter) stream(dict string, data []byte) int {
	n := w.alloc()
	w.begin(n, 0)
	fmt.Fprintf(&w.b, "<< %s/Length %d >>\nstream\n", dict, len(data))
	w.b.Write(data)
	w.b.WriteString("\nendstream")
	w.end()
	return n
}

func (w *updateWriter) ref(r types.IndirectRef, body string) {
	w.object(r.ObjectNumber.Value(), r.GenerationNumber.Value(), body)
}

// finish writes the cross-reference section and trailer and returns the update's bytes.
func (w *updateWriter) finish() []byte {
	d, b := w.d, &w.b
	trailer := fmt.Sprintf("/Root %s", d.root.PDFString())
	if d.info != nil {
		trailer += " /Info " + d.info.PDFString()
	}
	if len(d.id) == 2 {
		trailer += " /ID " + d.id.PDFString()
	}
	trailer += fmt.Sprintf(" /Prev %d", d.prevXref)

	if d.xrefStream {
		xrefNum := w.alloc()
		w.begin(xrefNum, 0)
		nums := sortedKeys(w.offsets)
		xrefOffset := w.offsets[xrefNum]
		width := 1
		for maxOff := xrefOffset; maxOff > 0xff; maxOff >>= 8 {
			width++
		}
		var data []byte
		for _, n := range nums {
			data = append(data, 1)
			var o [8]byte
			binary.BigEndian.PutUint64(o[:], uint64(w.offsets[n]))
			data = append(data, o[8-width:]...)
			data = binary.BigEndian.AppendUint16(data, uint16(w.gens[n]))
		}
		fmt.Fprintf(b, "<< /Type /XRef /Size %d /W [1 %d 2] /Index [%s] %s /Length %d >>\nstream\n",
			w.size, width, xrefIndex(nums), trailer, len(data))
		b.Write(data)
		b.WriteString("\nendstream")
		w.end()
		fmt.Fprintf(b, "startxref\n%d\n%%%%EOF\n", xrefOffset)
	} else {
		xrefOffset := w.base + int64(b.Len())
		b.WriteString("xref\n")
		nums := sortedKeys(w.offsets)
		for i := 0; i < len(nums); {
			j := i
			for j+1 < len(nums) && nums[j+1] == nums[j]+1 {
				j++
			}
			fmt.Fprintf(b, "%d %d\n", nums[i], j-i+1)
			for _, n := range nums[i : j+1] {
				fmt.Fprintf(b, "%010d %05d n\r\n", w.offsets[n], w.gens[n])
			}
			i = j + 1
		}
		fmt.Fprintf(b, "trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n", w.size, trailer, xrefOffset)
	}
	return b.Bytes()
}

// sigKind selects what buildIncrement writes into the signature field.
type sigKind int

const (
	kindSignature    sigKind = iota // PAdES signature, ETSI.CAdES.detached
	kindDocTimestamp                // document timestamp, ETSI.RFC3161
)

// sigSpec is one signature field to add.
type sigSpec struct {
	kind   sigKind
	opt    Options
	docMDP int // 1..3: certification signature with these permissions

	// For a visible signature (opt.Appearance): the stamp's "Người ký" and "Cơ quan".
	stampName, stampOrg string
}

// page is the page the widget goes on: the appearance's (0 = last), else page 1.
func (s sigSpec) page() int {
	if s.kind == kindSignature && s.opt.Appearance != nil {
		return s.opt.Appearance.Page
	}
	return 1
}

// buildIncrement writes the signature dictionary, the widget, the updated page, catalog or
// AcroForm and a cross-reference section (table or stream, like the previous one) with /Prev.
func buildIncrement(d *docInfo, spec sigSpec, contentsBytes int) (*increment, error) {
	w := newUpdateWriter(d)
	b := &w.b
	inc := &increment{}
	opt := spec.opt

	sigNum, widgetNum := w.alloc(), w.alloc()

	// Signature dictionary (PAdES B-B, ETSI EN 319 142-1 5.3) or document timestamp (5.4).
	w.begin(sigNum, 0)
	if spec.kind == kindDocTimestamp {
		b.WriteString("<< /Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161")
	} else {
		b.WriteString("<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached")
		b.WriteString(" /M " + pdfDate(opt.Time))
		for _, kv := range [][2]string{{"Name", opt.Name}, {"Reason", opt.Reason}, {"Location", opt.Location}, {"ContactInfo", opt.ContactInfo}} {
			if kv[1] != "" {
				b.WriteString(" /" + kv[0] + " " + pdfText(kv[1]))
			}
		}
		if spec.docMDP > 0 {
			fmt.Fprintf(b, " /Reference [<< /Type /SigRef /TransformMethod /DocMDP /TransformParams << /Type /TransformParams /P %d /V /1.2 >> >>]", spec.docMDP)
		}
	}
	b.WriteString(" /ByteRange [")
	inc.byteRangeAt, inc.byteRangeLen = b.Len(), byteRangeWidth
	b.WriteString(strings.Repeat(" ", byteRangeWidth))
	b.WriteString("] /Contents ")
	inc.contentsStart = b.Len()
	b.WriteString("<" + strings.Repeat("0", 2*contentsBytes) + ">")
	inc.contentsEnd = b.Len()
	b.WriteString(" >>")
	w.end()

	// The widget, which is also the signature field: invisible, or with an appearance stream.
	prefix := "Signature"
	if spec.kind == kindDocTimestamp {
		prefix = "DocTimeStamp"
	}
	fieldName := prefix + "1"
	for i := 2; d.fieldNames[fieldName]; i++ {
		fieldName = prefix + strconv.Itoa(i)
	}
	pageRef, pageDict, annots := d.pageRef, d.page, d.annots
	rect, apRef, flags := "[0 0 0 0]", "", 132 // Print, Locked; invisible (ETSI EN 319 142-1 allows it)
	if app := opt.Appearance; app != nil && spec.kind == kindSignature {
		r := app.Rect
		if r == ([4]float64{}) {
			r = defaultStampRect(d.pageBox, d.sigRects)
		}
		fontFile := app.FontFile
		if fontFile == "" {
			fontFile = DefaultFontFile
		}
		f, err := loadStampFont(fontFile)
		if err != nil {
			return nil, err
		}
		xo, err := w.writeStamp(layoutStamp(f, stampLines(spec.stampName, spec.stampOrg, opt.Reason, opt.Time), r))
		if err != nil {
			return nil, err
		}
		rect = fmt.Sprintf("[%s %s %s %s]", num(r[0]), num(r[1]), num(r[2]), num(r[3]))
		apRef = fmt.Sprintf(" /AP << /N %d 0 R >>", xo)
	}
	w.begin(widgetNum, 0)
	fmt.Fprintf(b, "<< /Type /Annot /Subtype /Widget /FT /Sig /T %s /V %d 0 R /P %s /Rect %s /F %d%s >>",
		pdfText(fieldName), sigNum, pageRef.PDFString(), rect, flags, apRef)
	w.end()
	widget := *types.NewIndirectRef(widgetNum, 0)

	page := pageDict.Clone().(types.Dict)
	page.Update("Annots", append(slices.Clone(annots), widget))
	w.ref(pageRef, page.PDFString())

	af := d.acroForm.Clone().(types.Dict)
	af.Update("Fields", append(slices.Clone(d.fields), widget))
	af.Update("SigFlags", types.Integer(3))
	cat := d.catalog.Clone().(types.Dict)
	writeCatalog := d.acroRef == nil
	if d.acroRef != nil {
		w.ref(*d.acroRef, af.PDFString())
	} else {
		cat.Update("AcroForm", af)
	}
	if spec.docMDP > 0 {
		cat.Update("Perms", types.Dict{"DocMDP": *types.NewIndirectRef(sigNum, 0)})
		writeCatalog = true
	}
	if writeCatalog {
		w.ref(d.root, cat.PDFString())
	}
	inc.buf = w.finish()
	return inc, nil
}

// setByteRange fills the ByteRange placeholder once the final length is known.
func (inc *increment) setByteRange(base int64) ([4]int64, error) {
	br := [4]int64{0, base + int64(inc.contentsStart), base + int64(inc.contentsEnd), 0}
	br[3] = base + int64(len(inc.buf)) - br[2]
	s := fmt.Sprintf("0 %d %d %d", br[1], br[2], br[3])
	if len(s) > inc.byteRangeLen {
		return br, fmt.Errorf("tệp quá lớn / file too large for /ByteRange")
	}
	copy(inc.buf[inc.byteRangeAt:], s)
	return br, nil
}

func sortedKeys(m map[int]int64) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// xrefIndex returns the /Index pairs "first count ..." for sorted object numbers.
func xrefIndex(nums []int) string {
	var parts []string
	for i := 0; i < len(nums); {
		j := i
		for j+1 < len(nums) && nums[j+1] == nums[j]+1 {
			j++
		}
		parts = append(parts, fmt.Sprintf("%d %d", nums[i], j-i+1))
		i = j + 1
	}
	return strings.Join(parts, " ")
}

// pdfDate formats t as a PDF date with its time zone, e.g. (D:20260605143000+07'00').
func pdfDate(t time.Time) string {
	_, off := t.Zone()
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Sprintf("(D:%s%c%02d'%02d')", t.Format("20060102150405"), sign, off/3600, off%3600/60)
}

// pdfText is a PDF text string, encoded by pdfcpu: a literal for printable
// ASCII, UTF-16BE with a byte-order mark in hex otherwise.
func pdfText(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return strings.ToUpper(types.NewHexLiteral([]byte(types.EncodeUTF16String(s))).PDFString())
		}
	}
	esc, _ := types.Escape(s) // never fails
	return "(" + *esc + ")"
}
