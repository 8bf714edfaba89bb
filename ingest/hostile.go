package ingest

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"maps"
	"slices"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// Polyglots. A file that two programs read as two different things can
// show a reviewer one content and carry another past the checks, so a
// file is refused when:
//   - an image (PNG, JPEG, TIFF) has a PDF header in its first 1024 bytes,
//     where PDF readers look for one;
//   - any file opens as a ZIP archive (ZIP readers read from the end, so
//     an archive can follow or hide inside any file);
//   - a PDF's header is preceded by anything but white space (it would be
//     another format's header: GIF, HTML, ...);
//   - a PNG or JPEG has data after its end (IEND chunk, EOI marker): more
//     than maxTrailing bytes once the padding some scanners write (zero
//     bytes, 0xFF, white space) is trimmed from both ends.
//
// Real scans never do any of these.

// maxTrailing is the most non-padding bytes tolerated after an image's
// end: too few to hold another file (the smallest ZIP is 22 bytes).
const maxTrailing = 16

// padding are the bytes scanners and transfer tools pad files with.
const padding = "\x00\xff \t\r\n"

// polyglotHead checks the start of a file sniffed as format and the
// whole file as a ZIP archive.
func (s *splitter) polyglotHead(head []byte, format string) error {
	if format == "pdf" {
		i := bytes.Index(head, []byte("%PDF-"))
		if len(bytes.Trim(head[:i], padding)) > 0 {
			return polyglot(s.name, "có dữ liệu khác trước phần đầu PDF", "other data before the PDF header")
		}
	} else if bytes.Contains(head, []byte("%PDF-")) {
		return polyglot(s.name, "ảnh có phần đầu PDF", "an image with a PDF header")
	}
	// archive/zip finds the end of central directory in the last 64 KiB
	// and checks the directory it points to, so random data in a scan does
	// not open as an archive. An archive with names that climb out
	// ("../") opens too, with ErrInsecurePath under some GODEBUG settings.
	if _, err := zip.NewReader(s.r, s.size); err == nil || errors.Is(err, zip.ErrInsecurePath) {
		return polyglot(s.name, "cũng là một tệp nén ZIP", "also a ZIP archive")
	}
	return nil
}

// polyglotTail checks what follows the end of a whole PNG or JPEG file
// that has been decoded successfully.
func (s *splitter) polyglotTail(data []byte, format string) error {
	end := -1
	if format == "png" {
		end = pngEnd(data)
	} else {
		end = jpegEnd(data)
	}
	if end < 0 {
		// The decoder read the image but the walk found no end: nothing
		// to say about what follows.
		return nil
	}
	if len(bytes.Trim(data[end:], padding)) > maxTrailing {
		return polyglot(s.name, "có dữ liệu sau điểm kết thúc ảnh", "data after the end of the image")
	}
	return nil
}

// pngEnd returns the offset just past the IEND chunk, or -1.
func pngEnd(b []byte) int {
	for i := 8; i+12 <= len(b); {
		n := int64(binary.BigEndian.Uint32(b[i:]))
		if n > int64(len(b)-i-12) {
			return -1
		}
		next := i + 12 + int(n)
		if string(b[i+4:i+8]) == "IEND" {
			return next
		}
		i = next
	}
	return -1
}

// jpegEnd returns the offset just past the EOI marker, or -1. It walks
// the segments by their lengths (an EXIF thumbnail inside APP1 has its own
// EOI, which must not count) and, after each start of scan, the entropy
// coded data up to the next marker.
func jpegEnd(b []byte) int {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return -1
	}
	i := 2
	for i < len(b) {
		if b[i] != 0xFF {
			return -1
		}
		for i < len(b) && b[i] == 0xFF { // fill bytes
			i++
		}
		if i >= len(b) {
			return -1
		}
		m := b[i]
		i++
		switch {
		case m == 0xD9: // EOI
			return i
		case m == 0x01 || m >= 0xD0 && m <= 0xD7: // TEM, RSTn: no length
			continue
		}
		if i+2 > len(b) {
			return -1
		}
		i += int(binary.BigEndian.Uint16(b[i:]))
		if m != 0xDA { // not SOS
			continue
		}
		// Entropy-coded data: 0xFF is followed by 0x00 (stuffing), a
		// restart marker or fill; anything else is the next marker.
		for i < len(b) {
			if b[i] != 0xFF {
				i++
				continue
			}
			if i+1 < len(b) && (b[i+1] == 0x00 || b[i+1] >= 0xD0 && b[i+1] <= 0xD7) {
				i += 2
				continue
			}
			break
		}
	}
	return -1
}

// countPDFObjects counts, reading r in chunks, the "obj" keywords that
// open an indirect object ("12 0 obj"), stopping once over limit: an upper
// bound of the objects a parser will build, known before parsing. Objects
// packed in object streams are invisible here; pdfcpu's own limits bound
// those (see pdfConfig).
func countPDFObjects(r io.ReaderAt, size int64, limit int) (int, error) {
	const chunk = 1 << 16
	buf := make([]byte, chunk+4)
	n := 0
	// Each chunk is read with the 4 bytes before it, so that a keyword cut
	// by the chunk boundary is seen, and seen once.
	for off := int64(0); off < size; off += chunk {
		start := max64(0, off-4)
		b := buf[:min(off+chunk, size)-start]
		if _, err := r.ReadAt(b, start); err != nil && !errors.Is(err, io.EOF) {
			return n, err
		}
		skip := int(off - start) // bytes already scanned in the last chunk
		for i := 0; ; {
			j := bytes.Index(b[i:], []byte("obj"))
			if j < 0 {
				break
			}
			k := i + j
			i = k + 1
			if k+3 <= skip || k == 0 {
				continue
			}
			if c := b[k-1]; c != ' ' && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != 0 && (c < '0' || c > '9') {
				continue
			}
			if k+3 < len(b) {
				if c := b[k+3] | 0x20; c >= 'a' && c <= 'z' {
					continue
				}
			}
			if n++; n > limit {
				return n, nil
			}
		}
	}
	return n, nil
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// activeActions are the action types (/S) that run something or reach
// outside the document, as found in an /OpenAction, an /AA entry, an
// annotation's /A or a /Next chain; the value names the finding.
var activeActions = map[string]string{
	"JavaScript":       "JavaScript",
	"Launch":           "Launch",
	"SubmitForm":       "SubmitForm",
	"ImportData":       "ImportData",
	"RichMediaExecute": "RichMedia",
	"GoToE":            "EmbeddedFile",
	"GoToR":            "GoToR", // opens another file
}

// findActiveContent returns what active content the PDF holds, or "". It
// looks at every object pdfcpu parsed, those unpacked from compressed
// object streams included, and at every dictionary nested in them, with
// names already decoded (/Java#53cript is /JavaScript): a search of the
// file's bytes would miss both. It does not follow references: every
// object is visited on its own anyway.
func findActiveContent(c context.Context, ctx *model.Context) string {
	name := func(o types.Object) string {
		if ref, ok := o.(types.IndirectRef); ok {
			o, _ = ctx.Dereference(ref)
		}
		n, _ := o.(types.Name)
		return string(n)
	}
	check := func(d types.Dict) string {
		switch {
		case d["JS"] != nil:
			return "JavaScript"
		case d["JavaScript"] != nil: // the name tree of document scripts
			return "JavaScript"
		case d["EmbeddedFiles"] != nil || d["EF"] != nil || name(d["Type"]) == "EmbeddedFile":
			return "EmbeddedFile"
		case d["XFA"] != nil:
			return "XFA"
		case name(d["Subtype"]) == "RichMedia":
			return "RichMedia"
		}
		return activeActions[name(d["S"])]
	}
	var stack []types.Object
	for _, nr := range slices.Sorted(maps.Keys(ctx.Table)) {
		e := ctx.Table[nr]
		if e == nil || e.Free || e.Object == nil {
			continue
		}
		o := e.Object
		if l, ok := o.(types.LazyObjectStreamObject); ok {
			// An object in an object stream, decoded on first use. One
			// pdfcpu cannot decode is no use to it either: skip it.
			var err error
			if o, err = l.DecodedObject(c); err != nil {
				continue
			}
		}
		stack = append(stack[:0], o)
		for len(stack) > 0 {
			o := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			var d types.Dict
			switch v := o.(type) {
			case types.Dict:
				d = v
			case types.StreamDict:
				d = v.Dict
			case types.ObjectStreamDict:
				d = v.Dict
			case types.Array:
				stack = append(stack, v...)
				continue
			default:
				continue
			}
			if what := check(d); what != "" {
				return what
			}
			for _, v := range d {
				stack = append(stack, v)
			}
		}
	}
	return ""
}
