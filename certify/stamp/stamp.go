// Package stamp writes the certification statement onto the last page of
// a PDF as an incremental update: a white box at the bottom left of the
// page holding a QR code and lines of text, set in a TrueType font with
// the Vietnamese glyphs (Liberation Serif by default).
//
// The font file is embedded whole (Type0, Identity-H, CIDFontType2 with a
// ToUnicode map, so the statement can be searched and copied); it adds
// about 250 KB to the file. The update is hand-written because pdfcpu, the
// PDF library in go.mod, rewrites whole files and cannot append one.
// Only PDFs whose last cross-reference section is a classic table (as
// package assemble writes) are accepted.
package stamp

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
	"github.com/skip2/go-qrcode"
	"golang.org/x/text/unicode/norm"
)

// ErrTooWide is returned when the statement and its QR code do not fit
// across the page: the scan is too narrow (or its resolution is wrong).
var ErrTooWide = errors.New("lời chứng quá rộng cho trang / the statement is wider than the page")

// Statement is what to stamp.
type Statement struct {
	Lines    []string // text lines, top to bottom
	QR       string   // content of the QR code (the verification URL); "" for none
	FontFile string   // TrueType font; "" = DefaultFontFile
	FontSize float64  // points; 0 = 10
}

// pdfObject is one object of the update: a dictionary body, or a stream
// (dict holds the stream dictionary's entries other than /Length).
type pdfObject struct {
	num    int
	gen    int
	body   string
	dict   string
	stream []byte
}

// Stamp copies the PDF read from src (size bytes) to dst and appends an
// incremental update that draws s on the last page.
func Stamp(ctx context.Context, dst io.Writer, src io.ReaderAt, size int64, s Statement) (err error) {
	defer func() {
		if r := recover(); r != nil { // pdfcpu panics on some malformed files
			err = fmt.Errorf("stamp: tệp PDF hỏng / malformed PDF: %v", r)
		}
		if err != nil {
			err = fmt.Errorf("stamp: %w", err)
		}
	}()
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	pctx, err := pdfcpu.ReadWithContext(ctx, io.NewSectionReader(src, 0, size), conf)
	if err != nil {
		return fmt.Errorf("đọc PDF / read PDF: %w", err)
	}
	if pctx.Encrypt != nil {
		return fmt.Errorf("tệp PDF được mã hóa / encrypted PDF")
	}
	if err := pctx.EnsurePageCount(); err != nil {
		return err
	}
	page, pageRef, inh, err := pctx.PageDict(pctx.PageCount, false)
	if err != nil || pageRef == nil || inh == nil {
		return fmt.Errorf("trang cuối / last page: %v", err)
	}
	prevXref, isTable, err := lastXref(src, size)
	if err != nil {
		return err
	}
	if !isTable {
		return fmt.Errorf("bảng tham chiếu dạng luồng chưa được hỗ trợ / cross-reference streams are not supported")
	}
	box := inh.MediaBox
	if inh.CropBox != nil {
		box = inh.CropBox
	}
	if box == nil {
		box = types.RectForDim(595, 842)
	}

	f, err := loadFont(s.FontFile)
	if err != nil {
		return err
	}
	fs := s.FontSize
	if fs == 0 {
		fs = 10
	}
	next := *pctx.Size
	alloc := func() int { next++; return next - 1 }
	fontNum, qrNum := alloc(), 0
	for range 4 {
		alloc()
	}

	// Layout, in points from the page's lower left corner.
	const margin, pad = 28.0, 6.0
	lead := fs * 1.3
	var text []string
	textW := 0.0
	for _, l := range s.Lines {
		hex, w, err := f.encode(norm.NFC.String(l))
		if err != nil {
			return err
		}
		text = append(text, hex)
		textW = max(textW, float64(w)*fs/1000)
	}
	qrSize := 0.0
	var qrObj pdfObject
	if s.QR != "" {
		q, err := qrcode.New(s.QR, qrcode.Medium)
		if err != nil {
			return fmt.Errorf("mã QR / QR code: %w", err)
		}
		bm := q.Bitmap() // with its 4-module quiet zone
		qrNum = alloc()
		qrObj = qrImage(qrNum, bm)
		qrSize = max(80, float64(len(bm))*2) // at least 2 pt per module: readable when printed
	}
	textH := lead * float64(len(text))
	boxW := pad*2 + textW
	if qrSize > 0 {
		boxW += qrSize + pad
	}
	boxH := pad*2 + max(textH, qrSize)
	x0, y0 := box.LL.X+margin, box.LL.Y+margin
	if boxW > box.Width()-2*margin {
		return fmt.Errorf("%w (%.0f > %.0f pt)", ErrTooWide, boxW, box.Width()-2*margin)
	}

	var c bytes.Buffer
	fmt.Fprintf(&c, "Q q 1 g 0 G 0.8 w %s %s %s %s re B\n", num(x0), num(y0), num(boxW), num(boxH))
	tx := x0 + pad
	if qrSize > 0 {
		fmt.Fprintf(&c, "q %s 0 0 %s %s %s cm /QRStmt Do Q\n", num(qrSize), num(qrSize), num(tx), num(y0+boxH-pad-qrSize))
		tx += qrSize + pad
	}
	c.WriteString("0 g BT\n")
	fmt.Fprintf(&c, "/FStmt %s Tf %s TL %s %s Td\n", num(fs), num(lead), num(tx), num(y0+boxH-pad-fs))
	for i, h := range text {
		if i > 0 {
			c.WriteString("T* ")
		}
		c.WriteString(h + " Tj\n")
	}
	c.WriteString("ET Q\n")

	// The page: its old contents between q and Q (so that a state they
	// leave does not move the stamp), then the stamp.
	open, stampNum := alloc(), alloc()
	var contents []string
	contents = append(contents, fmt.Sprintf("%d 0 R", open))
	switch o := page["Contents"].(type) {
	case types.IndirectRef:
		arr, err := pctx.DereferenceArray(o)
		if err == nil && arr != nil {
			for _, e := range arr {
				contents = append(contents, e.PDFString())
			}
		} else {
			contents = append(contents, o.PDFString())
		}
	case types.Array:
		for _, e := range o {
			contents = append(contents, e.PDFString())
		}
	}
	contents = append(contents, fmt.Sprintf("%d 0 R", stampNum))

	res := types.Dict{}
	for k, v := range inh.Resources {
		res[k] = v
	}
	for _, kind := range []string{"Font", "XObject"} {
		sub := types.Dict{}
		if d, err := pctx.DereferenceDict(res[kind]); err == nil && d != nil {
			for k, v := range d {
				sub[k] = v
			}
		}
		res[kind] = sub
	}
	res["Font"].(types.Dict)["FStmt"] = *types.NewIndirectRef(fontNum, 0)
	if qrNum != 0 {
		res["XObject"].(types.Dict)["QRStmt"] = *types.NewIndirectRef(qrNum, 0)
	}
	newPage := types.Dict{}
	for k, v := range page {
		newPage[k] = v
	}
	newPage["Resources"] = res
	delete(newPage, "Contents")
	pageBody := strings.TrimSuffix(newPage.PDFString(), ">>") + "/Contents [" + strings.Join(contents, " ") + "]>>"

	objs, err := f.objects(fontNum)
	if err != nil {
		return err
	}
	objs = append(objs,
		pdfObject{num: open, stream: []byte("q\n")},
		pdfObject{num: stampNum, stream: c.Bytes()},
		pdfObject{num: pageRef.ObjectNumber.Value(), gen: pageRef.GenerationNumber.Value(), body: pageBody},
	)
	if qrNum != 0 {
		objs = append(objs, qrObj)
	}

	trailer := fmt.Sprintf("/Size %d /Root %s /Prev %d", next, pctx.Root.PDFString(), prevXref)
	if pctx.Info != nil {
		trailer += " /Info " + pctx.Info.PDFString()
	}
	if pctx.ID != nil {
		trailer += " /ID " + pctx.ID.PDFString()
	}
	last := make([]byte, 1)
	if _, err := src.ReadAt(last, size-1); err != nil {
		return err
	}
	var eol string
	if last[0] != '\n' && last[0] != '\r' {
		eol = "\n"
	}
	if _, err := io.Copy(dst, io.NewSectionReader(src, 0, size)); err != nil {
		return err
	}
	_, err = dst.Write(update(size, eol, objs, trailer))
	return err
}

// update lays out the objects, the cross-reference table and the trailer
// of an update starting at offset base.
func update(base int64, eol string, objs []pdfObject, trailer string) []byte {
	var b bytes.Buffer
	b.WriteString(eol)
	offsets := map[int]int64{}
	gens := map[int]int{}
	for _, o := range objs {
		offsets[o.num] = base + int64(b.Len())
		gens[o.num] = o.gen
		fmt.Fprintf(&b, "%d %d obj\n", o.num, o.gen)
		if o.stream != nil {
			fmt.Fprintf(&b, "<< %s /Length %d >>\nstream\n", o.dict, len(o.stream))
			b.Write(o.stream)
			b.WriteString("\nendstream")
		} else {
			b.WriteString(o.body)
		}
		b.WriteString("\nendobj\n")
	}
	xref := base + int64(b.Len())
	nums := make([]int, 0, len(offsets))
	for n := range offsets {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	b.WriteString("xref\n")
	for i := 0; i < len(nums); {
		j := i
		for j+1 < len(nums) && nums[j+1] == nums[j]+1 {
			j++
		}
		fmt.Fprintf(&b, "%d %d\n", nums[i], j-i+1)
		for _, n := range nums[i : j+1] {
			fmt.Fprintf(&b, "%010d %05d n\r\n", offsets[n], gens[n])
		}
		i = j + 1
	}
	fmt.Fprintf(&b, "trailer\n<< %s >>\nstartxref\n%d\n%%%%EOF\n", trailer, xref)
	return b.Bytes()
}

// qrImage is the QR code as a 1-bit DeviceGray image, one pixel per module.
func qrImage(n int, bm [][]bool) pdfObject {
	side := len(bm)
	row := (side + 7) / 8
	raw := make([]byte, row*side)
	for y, line := range bm {
		for x, black := range line {
			if !black { // 1 = white in DeviceGray
				raw[y*row+x/8] |= 0x80 >> (x % 8)
			}
		}
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(raw)
	zw.Close()
	return pdfObject{num: n, stream: z.Bytes(), dict: fmt.Sprintf(
		"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 1 /Interpolate false /Filter /FlateDecode", side, side)}
}

// lastXref returns the offset the last startxref names and whether a
// classic table ("xref") starts there.
func lastXref(src io.ReaderAt, size int64) (int64, bool, error) {
	n := min(size, 2048)
	tail := make([]byte, n)
	if _, err := src.ReadAt(tail, size-n); err != nil && err != io.EOF {
		return 0, false, err
	}
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return 0, false, fmt.Errorf("không tìm thấy startxref / startxref not found")
	}
	fields := strings.Fields(string(tail[i+len("startxref"):]))
	if len(fields) == 0 {
		return 0, false, fmt.Errorf("startxref rỗng / empty startxref")
	}
	off, err := strconv.ParseInt(fields[0], 10, 64)
	if err != nil || off < 0 || off >= size {
		return 0, false, fmt.Errorf("startxref sai / bad startxref %q", fields[0])
	}
	head := make([]byte, 4)
	if _, err := src.ReadAt(head, off); err != nil {
		return 0, false, err
	}
	return off, string(head) == "xref", nil
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
