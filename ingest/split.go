package ingest

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"log/slog"
	"math"
	"os"
	"sync"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
	"golang.org/x/image/tiff"

	"github.com/sohoa-vn/sohoa/ocr"
)

// Page is one page image taken from an input file.
type Page struct {
	Seq           int    // 1-based position in the file
	Data          []byte // the encoded image
	Format        string // "png" or "jpeg"
	Width, Height int    // pixels
	DPI           int
	// Text is the page's own text (a born-digital page), which then is
	// not recognised again; nil for a page to OCR.
	Text *ocr.Page
}

// Split sniffs the content of a file (not its name, which is used only in
// messages) and calls fn for each of its pages in order, one decoded page
// in memory at a time. PNG and JPEG pass through unchanged after a full
// decode has shown they are whole; TIFF pages (one or many) are re-encoded
// as PNG, bilevel pages as 1-bit PNG; a PDF page's scanned image is taken
// out as it is when it is a JPEG and as PNG otherwise, any other page is
// rendered, and a page with text keeps its text (see pdfpage.go). Bad input returns an *InputError, hostile input too (a file
// that is two formats at once, a PDF with scripts or attachments, a
// decompression bomb: see hostile.go and Limits); an error from fn or ctx
// is returned as it is.
func Split(ctx context.Context, r io.ReaderAt, size int64, name string, lim Limits, fn func(Page) error) error {
	lim = lim.orDefault()
	switch {
	case size <= 0:
		return inputErr(name, 0, CodeEmpty, "tệp rỗng", "empty file")
	case size > lim.MaxBytes:
		return tooLarge(name, lim.MaxBytes)
	}
	head := make([]byte, min(size, 1024))
	if _, err := r.ReadAt(head, 0); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("split %s: %w", name, err)
	}
	s := splitter{ctx: ctx, r: r, size: size, name: name, lim: lim, fn: fn}
	var format string
	switch {
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		format = "png"
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		format = "jpeg"
	case bytes.HasPrefix(head, []byte("II*\x00")) || bytes.HasPrefix(head, []byte("MM\x00*")):
		format = "tiff"
	case bytes.Contains(head, []byte("%PDF-")):
		format = "pdf"
	default:
		return unsupported(name)
	}
	if err := s.polyglotHead(head, format); err != nil {
		return err
	}
	switch format {
	case "tiff":
		return s.tiff()
	case "pdf":
		return s.pdf()
	}
	return s.single(format)
}

type splitter struct {
	ctx  context.Context
	r    io.ReaderAt
	size int64
	name string
	lim  Limits
	fn   func(Page) error
	// path is a file holding the input for poppler (pdfPath); tmpPath
	// the temporary copy to remove, if one was made.
	path, tmpPath string
}

// emit hands a page to fn, unless the context is done.
func (s *splitter) emit(p Page) error {
	if err := s.ctx.Err(); err != nil {
		return err
	}
	return s.fn(p)
}

// decodeErr classifies a decoder's error (or panic) on page.
func (s *splitter) decodeErr(page int, err error) *InputError {
	var pe *panicError
	switch {
	case errors.As(err, &pe):
		// A library's panic message (an index out of range deep in a
		// nested PDF) means nothing to an archivist and tells of the code:
		// the report says the file is corrupt; the log keeps the panic.
		slog.Warn("ingest: decoder panicked on malformed input", "file", s.name, "page", page, "panic", pe.v)
		return inputErr(s.name, page, CodeCorrupt, "tệp bị hỏng, không đọc được", "corrupt file, it cannot be read")
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return truncated(s.name, page)
	}
	return corrupt(s.name, page, err)
}

// panicError is a decoder's panic, recovered.
type panicError struct{ v any }

func (p *panicError) Error() string { return fmt.Sprintf("decoder failed: %v", p.v) }

// guard runs a decoder, turning a panic on malformed input into an error.
func guard(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &panicError{v: r}
		}
	}()
	return f()
}

func (s *splitter) checkPixels(page, w, h int) error {
	if w <= 0 || h <= 0 {
		return corrupt(s.name, page, fmt.Errorf("image size %d×%d", w, h))
	}
	if int64(w)*int64(h) > s.lim.MaxPixels {
		return tooManyPixels(s.name, page, w, h, s.lim.MaxPixels)
	}
	return nil
}

// single passes a PNG or JPEG file through as its one page.
func (s *splitter) single(format string) error {
	data := make([]byte, s.size)
	if _, err := s.r.ReadAt(data, 0); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("split %s: %w", s.name, err)
	}
	p, err := s.checkImage(1, data, format)
	if err != nil {
		return err
	}
	if err := s.polyglotTail(data, format); err != nil {
		return err
	}
	declared := jfifDPI(data)
	if format == "png" {
		declared = pngDPI(data)
	}
	p.DPI = s.dpi(1, declared, p.Width, p.Height)
	return s.emit(p)
}

// checkImage validates an encoded PNG or JPEG page: its header size first,
// then a full decode, which catches truncation. The caller decides the
// page's DPI.
func (s *splitter) checkImage(seq int, data []byte, format string) (Page, error) {
	var cfg image.Config
	err := guard(func() (err error) {
		if format == "png" {
			cfg, err = png.DecodeConfig(bytes.NewReader(data))
		} else {
			cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
		}
		return err
	})
	if err != nil {
		return Page{}, s.decodeErr(seq, err)
	}
	if err := s.checkPixels(seq, cfg.Width, cfg.Height); err != nil {
		return Page{}, err
	}
	err = guard(func() (err error) {
		if format == "png" {
			_, err = png.Decode(bytes.NewReader(data))
		} else {
			_, err = jpeg.Decode(bytes.NewReader(data))
		}
		return err
	})
	if err != nil {
		if !hasEnd(data, format) {
			return Page{}, truncated(s.name, seq)
		}
		return Page{}, s.decodeErr(seq, err)
	}
	return Page{Seq: seq, Data: data, Format: format, Width: cfg.Width, Height: cfg.Height}, nil
}

// hasEnd reports whether an encoded image ends with its end marker (PNG
// IEND chunk, JPEG EOI), allowing for padding after it: without one, a
// failed decode means a truncated file rather than a corrupt one.
func hasEnd(data []byte, format string) bool {
	tail := data[max(0, len(data)-64):]
	if format == "png" {
		return bytes.Contains(tail, []byte("IEND\xaeB`\x82"))
	}
	return bytes.Contains(tail, []byte{0xFF, 0xD9})
}

// standardDPI are the resolutions scanners offer; inferred ones snap to them.
var standardDPI = []int{150, 200, 300, 400, 600}

// dpi decides a page's resolution from what the file declares (0: nothing)
// and its pixel size; see Limits.
func (s *splitter) dpi(seq, declared, w, h int) int {
	if declared >= s.lim.MinDPI && declared <= s.lim.MaxDPI {
		return declared
	}
	// A4 is 8.27 × 11.69 inches; take the short side against the short side.
	short, long := float64(min(w, h)), float64(max(w, h))
	raw := (short/8.27 + long/11.69) / 2
	best := standardDPI[0]
	for _, d := range standardDPI {
		if math.Abs(raw-float64(d)) < math.Abs(raw-float64(best)) {
			best = d
		}
	}
	slog.Warn("page resolution not declared or out of range; inferred from A4",
		"file", s.name, "page", seq, "declared_dpi", declared, "width", w, "height", h, "dpi", best)
	return best
}

// pngDPI reads the pHYs chunk, if any, before the image data.
func pngDPI(b []byte) int {
	for i := 8; i+8 <= len(b); {
		n := int(binary.BigEndian.Uint32(b[i:]))
		typ := string(b[i+4 : i+8])
		if typ == "IDAT" || n < 0 || i+12+n > len(b) {
			return 0
		}
		if typ == "pHYs" && n == 9 && b[i+16] == 1 { // unit: metre
			return int(math.Round(float64(binary.BigEndian.Uint32(b[i+8:])) * 0.0254))
		}
		i += 12 + n
	}
	return 0
}

// jfifDPI reads the density of a JFIF APP0 segment, if the JPEG starts with one.
func jfifDPI(b []byte) int {
	if len(b) < 18 || b[2] != 0xFF || b[3] != 0xE0 || string(b[6:11]) != "JFIF\x00" {
		return 0
	}
	x := float64(binary.BigEndian.Uint16(b[14:]))
	switch b[13] {
	case 1:
		return int(x)
	case 2: // dots per cm
		return int(math.Round(x * 2.54))
	}
	return 0
}

// tiff splits a TIFF, single- or multi-page. golang.org/x/image/tiff
// decodes only the first image file directory (IFD) but handles every
// compression scanners use, CCITT G4 included; so this walks the IFD
// chain itself and hands the decoder, for each page, a view of the file
// whose header points at that page's IFD (hand-written: no maintained Go
// library reads multi-page TIFF).
func (s *splitter) tiff() error {
	var hdr [8]byte
	if _, err := s.r.ReadAt(hdr[:], 0); err != nil {
		return truncated(s.name, 0)
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if hdr[0] == 'M' {
		bo = binary.BigEndian
	}
	// Walk the chain: count pages before decoding any.
	var ifds []int64
	seen := map[int64]bool{}
	for off := int64(bo.Uint32(hdr[4:])); off != 0; {
		if seen[off] || off < 8 || off+2 > s.size {
			switch {
			case len(ifds) > 0:
				// A broken or looping chain ends the file.
			case off+2 > s.size:
				// The first directory lies past the end: writers put it
				// after the pixels, so a cut file has lost it.
				return truncated(s.name, 0)
			default:
				return corrupt(s.name, 0, errors.New("bad TIFF directory offset"))
			}
			break
		}
		seen[off] = true
		ifds = append(ifds, off)
		if len(ifds) > s.lim.MaxPages {
			return tooManyPages(s.name, len(ifds), s.lim.MaxPages)
		}
		var nb [2]byte
		if _, err := s.r.ReadAt(nb[:], off); err != nil {
			return truncated(s.name, len(ifds))
		}
		next := off + 2 + 12*int64(bo.Uint16(nb[:]))
		var p [4]byte
		if _, err := s.r.ReadAt(p[:], next); err != nil {
			break // no next-IFD pointer: treat as the last page
		}
		off = int64(bo.Uint32(p[:]))
	}
	if len(ifds) == 0 {
		// A first-directory offset of 0: a TIFF of no image.
		return corrupt(s.name, 0, errors.New("TIFF has no image directory"))
	}
	for i, off := range ifds {
		seq := i + 1
		if err := s.ctx.Err(); err != nil {
			return err
		}
		v := &ifdView{r: s.r, size: s.size, ifd: uint32(off), bo: bo}
		var cfg image.Config
		if err := guard(func() (err error) { cfg, err = tiff.DecodeConfig(v.reader()); return err }); err != nil {
			return s.decodeErr(seq, err)
		}
		if err := s.checkPixels(seq, cfg.Width, cfg.Height); err != nil {
			return err
		}
		tags := readTIFFTags(s.r, off, bo)
		dpi := s.dpi(seq, tags.dpi, cfg.Width, cfg.Height)
		var fast []byte // nil: not a page bilevelTIFF takes (a panic in it too)
		_ = guard(func() error {
			fast, _ = bilevelTIFF(s.r, s.size, off, bo, cfg.Width, cfg.Height, dpi)
			return nil
		})
		if fast != nil {
			if err := s.emit(Page{Seq: seq, Data: fast, Format: "png", Width: cfg.Width, Height: cfg.Height, DPI: dpi}); err != nil {
				return err
			}
			continue
		}
		var img image.Image
		if err := guard(func() (err error) { img, err = tiff.Decode(v.reader()); return err }); err != nil {
			return s.decodeErr(seq, err)
		}
		if g, ok := img.(*image.Gray); ok && (tags.compression == 3 || tags.compression == 4) && tags.photometric == 1 {
			// libtiff, the reference, codes CCITT runs on the stored bits, so
			// under BlackIsZero a "white" run is black; x/image/tiff always
			// decodes white runs as white: undo that.
			for i, v := range g.Pix {
				g.Pix[i] = 255 - v
			}
		}
		data, err := encodePNG(img, dpi)
		if err != nil {
			return fmt.Errorf("split %s page %d: %w", s.name, seq, err)
		}
		img = nil
		if err := s.emit(Page{Seq: seq, Data: data, Format: "png", Width: cfg.Width, Height: cfg.Height, DPI: dpi}); err != nil {
			return err
		}
	}
	return nil
}

// ifdView is a TIFF file whose header's first-IFD offset reads as ifd.
type ifdView struct {
	r    io.ReaderAt
	size int64
	ifd  uint32
	bo   binary.ByteOrder
}

func (v *ifdView) ReadAt(p []byte, off int64) (int, error) {
	n, err := v.r.ReadAt(p, off)
	if off < 8 && off+int64(n) > 4 {
		var b [4]byte
		v.bo.PutUint32(b[:], v.ifd)
		for i := max(off, 4); i < min(off+int64(n), 8); i++ {
			p[i-off] = b[i-4]
		}
	}
	return n, err
}

// reader gives the view as the io.Reader the tiff package takes; the
// package uses its ReadAt.
func (v *ifdView) reader() io.Reader {
	return struct {
		io.Reader
		io.ReaderAt
	}{io.NewSectionReader(v, 0, v.size), v}
}

type tiffTags struct{ dpi, compression, photometric int }

// readTIFFTags reads the resolution (XResolution, ResolutionUnit),
// Compression and PhotometricInterpretation of the IFD at off.
func readTIFFTags(r io.ReaderAt, off int64, bo binary.ByteOrder) (t tiffTags) {
	t.photometric = -1
	var nb [2]byte
	if _, err := r.ReadAt(nb[:], off); err != nil {
		return t
	}
	n := int(bo.Uint16(nb[:]))
	ents := make([]byte, 12*n)
	if _, err := r.ReadAt(ents, off+2); err != nil {
		return t
	}
	var xres float64
	unit := 2 // TIFF default: inch
	for i := 0; i < n; i++ {
		e := ents[12*i:]
		switch bo.Uint16(e) {
		case 282: // XResolution, RATIONAL
			var rat [8]byte
			if _, err := r.ReadAt(rat[:], int64(bo.Uint32(e[8:]))); err == nil && bo.Uint32(rat[4:]) != 0 {
				xres = float64(bo.Uint32(rat[:])) / float64(bo.Uint32(rat[4:]))
			}
		case 296: // ResolutionUnit, SHORT
			unit = int(bo.Uint16(e[8:]))
		case 259:
			t.compression = int(bo.Uint16(e[8:]))
		case 262:
			t.photometric = int(bo.Uint16(e[8:]))
		}
	}
	switch unit {
	case 2:
		t.dpi = int(math.Round(xres))
	case 3:
		t.dpi = int(math.Round(xres * 2.54))
	}
	return t
}

var disablePDFConfigDir sync.Once

// pdfConfig is pdfcpu's configuration with its resource limits taken from
// ours, so that what a PDF declares (object counts in cross-reference and
// object streams, stream lengths, image sizes) cannot make the parser
// allocate beyond them.
func (s *splitter) pdfConfig() *model.Configuration {
	conf := model.NewDefaultConfiguration()
	// Four times ours: a file a little over MaxObjects is read, and gets
	// our own specific error once counted; pdfcpu stops one far over it,
	// which it then reports as corrupt.
	conf.Limits.MaxObjectCount = 4 * s.lim.MaxObjects
	conf.Limits.MaxXRefEntries = 4 * s.lim.MaxObjects
	conf.Limits.MaxObjectStreamCount = 4 * s.lim.MaxObjects
	conf.Limits.MaxStreamBytes = s.lim.MaxBytes
	conf.Limits.MaxImagePixels = s.lim.MaxPixels
	// Four bytes a pixel: an 8-bit CMYK or RGBA page of MaxPixels.
	conf.Limits.MaxDecodeBytes = 4 * s.lim.MaxPixels
	conf.Limits.MaxImageBytes = 4 * s.lim.MaxPixels
	return conf
}

// pdf splits a PDF whose every page is one scanned image.
func (s *splitter) pdf() error {
	// pdfcpu would otherwise create and read a configuration directory in
	// the user's home; the built-in defaults are what we want.
	disablePDFConfigDir.Do(api.DisableConfigDir)
	defer func() {
		if s.tmpPath != "" {
			os.Remove(s.tmpPath)
		}
	}()
	// pdfcpu builds every object in memory: count them first.
	n, err := countPDFObjects(s.r, s.size, s.lim.MaxObjects)
	if err != nil {
		return fmt.Errorf("split %s: %w", s.name, err)
	}
	if n > s.lim.MaxObjects {
		return tooManyObjects(s.name, n, s.lim.MaxObjects)
	}
	var ctx *model.Context
	err = guard(func() (err error) {
		ctx, err = pdfcpu.ReadWithContext(s.ctx, io.NewSectionReader(s.r, 0, s.size), s.pdfConfig())
		if err == nil {
			err = ctx.EnsurePageCount()
		}
		return err
	})
	switch {
	case err != nil && s.ctx.Err() != nil:
		return s.ctx.Err()
	case errors.Is(err, pdfcpu.ErrWrongPassword):
		return encrypted(s.name)
	case err != nil:
		return s.decodeErr(0, err)
	case ctx.Encrypt != nil:
		return encrypted(s.name)
	case len(ctx.Table) > s.lim.MaxObjects:
		// Objects unpacked from object streams, which the count missed.
		return tooManyObjects(s.name, len(ctx.Table), s.lim.MaxObjects)
	case ctx.PageCount > s.lim.MaxPages:
		// The declared count, checked before walking the tree.
		return tooManyPages(s.name, ctx.PageCount, s.lim.MaxPages)
	}
	if what := findActiveContent(s.ctx, ctx); what != "" {
		return activeContent(s.name, what)
	}
	var pages []pdfPageAttrs
	err = guard(func() (err error) { pages, err = s.pageTree(ctx); return err })
	var ie *InputError
	switch {
	case errors.As(err, &ie):
		return ie
	case err != nil:
		return s.decodeErr(0, err)
	}
	for i, pg := range pages {
		seq := i + 1
		if err := s.ctx.Err(); err != nil {
			return err
		}
		var p Page
		err := guard(func() (err error) { p, err = s.pdfPage(ctx, seq, pg); return err })
		switch {
		case errors.As(err, &ie):
			return ie
		case err != nil:
			return s.decodeErr(seq, err)
		}
		if err := s.emit(p); err != nil {
			return err
		}
	}
	return nil
}

// pdfPageAttrs is a page's dictionary with the attributes it inherits
// from the page tree.
type pdfPageAttrs struct {
	dict              types.Dict
	resources         types.Dict
	mediaBox, cropBox *types.Rectangle
	rotate            int
}

// maxPageTreeDepth bounds the page tree: a balanced tree of any real file
// is a few levels deep.
const maxPageTreeDepth = 64

// pageTree lists the pages in order, walking the page tree once (pdfcpu's
// PageDict walks it from the root for every page, which takes time
// quadratic in the pages of a flat tree: half a minute for 10,000). It
// trusts the tree, not the root's /Count, for how many pages there are,
// and refuses a tree that loops or has more than MaxPages leaves (which
// it counts on without keeping them, for the message).
func (s *splitter) pageTree(ctx *model.Context) ([]pdfPageAttrs, error) {
	root, err := ctx.Pages()
	if err != nil || root == nil {
		return nil, corrupt(s.name, 0, errors.New("PDF has no page tree"))
	}
	type frame struct {
		kids  types.Array
		next  int
		attrs pdfPageAttrs
	}
	var (
		pages []pdfPageAttrs
		count int
		stack []frame
		seen  = map[int]bool{}
	)
	node := func(o types.Object, parent pdfPageAttrs) error {
		ref, ok := o.(types.IndirectRef)
		if !ok {
			return corrupt(s.name, 0, errors.New("page tree node is not an indirect object"))
		}
		nr := ref.ObjectNumber.Value()
		if seen[nr] {
			return corrupt(s.name, 0, errors.New("page tree loops"))
		}
		seen[nr] = true
		d, err := ctx.DereferenceDict(ref)
		if err != nil || d == nil {
			return corrupt(s.name, 0, errors.New("page tree node is not a dictionary"))
		}
		attrs, err := inheritPageAttrs(ctx, parent, d)
		if err != nil {
			return corrupt(s.name, 0, err)
		}
		kids, _ := ctx.DereferenceArray(d["Kids"])
		if t := d.Type(); t != nil && *t == "Pages" || t == nil && kids != nil {
			if len(stack) >= maxPageTreeDepth {
				return corrupt(s.name, 0, errors.New("page tree too deep"))
			}
			stack = append(stack, frame{kids: kids, attrs: attrs})
			return nil
		}
		if count++; count <= s.lim.MaxPages {
			pages = append(pages, attrs)
		}
		return nil
	}
	if err := node(*root, pdfPageAttrs{}); err != nil {
		return nil, err
	}
	for len(stack) > 0 {
		if err := s.ctx.Err(); err != nil {
			return nil, err
		}
		f := &stack[len(stack)-1]
		if f.next == len(f.kids) {
			stack = stack[:len(stack)-1]
			continue
		}
		kid := f.kids[f.next]
		f.next++
		if err := node(kid, f.attrs); err != nil {
			return nil, err
		}
	}
	switch {
	case count > s.lim.MaxPages:
		return nil, tooManyPages(s.name, count, s.lim.MaxPages)
	case count == 0:
		return nil, corrupt(s.name, 0, errors.New("PDF has no pages"))
	}
	return pages, nil
}

// inheritPageAttrs is parent's attributes overridden by those d sets.
func inheritPageAttrs(ctx *model.Context, parent pdfPageAttrs, d types.Dict) (pdfPageAttrs, error) {
	a := parent
	a.dict = d
	if o, ok := d.Find("Resources"); ok {
		r, err := ctx.DereferenceDict(o)
		if err != nil {
			return a, fmt.Errorf("page resources: %w", err)
		}
		a.resources = r
	}
	for _, b := range []struct {
		key string
		box **types.Rectangle
	}{{"MediaBox", &a.mediaBox}, {"CropBox", &a.cropBox}} {
		key, box := b.key, b.box
		o, ok := d.Find(key)
		if !ok {
			continue
		}
		arr, err := ctx.DereferenceArray(o)
		if err != nil || len(arr) != 4 {
			return a, fmt.Errorf("bad %s", key)
		}
		var v [4]float64
		for i := range v {
			if v[i], err = ctx.DereferenceNumber(arr[i]); err != nil {
				return a, fmt.Errorf("bad %s: %w", key, err)
			}
		}
		*box = types.NewRectangle(v[0], v[1], v[2], v[3])
	}
	if o, ok := d.Find("Rotate"); ok {
		r, err := ctx.DereferenceNumber(o)
		if err != nil {
			return a, fmt.Errorf("bad Rotate: %w", err)
		}
		a.rotate = int(math.Round(r))
	}
	return a, nil
}

// snapDPI rounds a computed resolution, to a standard one when within 2%.
func snapDPI(d float64) int {
	for _, s := range standardDPI {
		if math.Abs(d-float64(s)) <= 0.02*float64(s) {
			return s
		}
	}
	return int(math.Round(d))
}
