package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/sohoa-vn/sohoa/ingest/ingesttest"
)

// Every file of the hostile corpus ends in its own specific error, with no
// page taken and an allocation bounded by the file's size (pdfcpu builds
// about 70 bytes of objects per byte of a PDF made of tiny objects, such
// as the 10,000-page file).
func TestSplitHostileCorpus(t *testing.T) {
	for _, c := range ingesttest.Corpus(t, 10000) {
		t.Run(c.Name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			pages, err := splitBytes(c.Data, c.Name, DefaultLimits())
			runtime.ReadMemStats(&after)
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("got %v (%T), %d pages; want *InputError %s", err, err, len(pages), c.Code)
			}
			if ie.Code != c.Code || ie.File != c.Name || ie.Page != c.Page {
				t.Errorf("got code %q file %q page %d, want %q %q %d (%v)", ie.Code, ie.File, ie.Page, c.Code, c.Name, c.Page, ie)
			}
			if !strings.Contains(ie.VI, c.VI) || !strings.Contains(ie.EN, c.EN) || !strings.Contains(ie.Error(), c.Name) {
				t.Errorf("message %q lacks %q, %q or the file name", ie.Error(), c.VI, c.EN)
			}
			if len(pages) != 0 {
				t.Errorf("%d pages emitted before the error", len(pages))
			}
			maxAlloc := 8<<20 + 100*uint64(len(c.Data))
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > maxAlloc {
				t.Errorf("allocated %d bytes, want at most %d", alloc, maxAlloc)
			}
		})
	}
}

// The codes the corpus expects are this package's.
func TestCorpusCodes(t *testing.T) {
	known := map[string]bool{CodeEmpty: true, CodeUnsupported: true, CodeTruncated: true, CodeCorrupt: true,
		CodeTooLarge: true, CodeTooManyPixels: true, CodeTooManyPages: true, CodeEncrypted: true,
		CodeActiveContent: true, CodePolyglot: true, CodeTooManyObjects: true}
	for _, c := range ingesttest.Corpus(t, 3) {
		if !known[c.Code] {
			t.Errorf("%s: code %q is not an ingest code", c.Name, c.Code)
		}
	}
}

type acceptedCase struct {
	name  string
	data  []byte
	pages int
}

// acceptedCases are files that look odd but are what scanners and
// everyday tools make, or that a reader repairs: they must not be refused.
func acceptedCases() []acceptedCase {
	jpg, pngb := ingesttest.JPEG(300, 200), ingesttest.PNG(300, 200)
	// An EXIF segment right after SOI holding a thumbnail, itself a JPEG
	// with its own EOI: the end is the outer EOI.
	thumb := ingesttest.JPEG(40, 30)
	app1 := append([]byte("Exif\x00\x00"), thumb...)
	exif := append([]byte{0xFF, 0xD8, 0xFF, 0xE1, byte((len(app1) + 2) >> 8), byte(len(app1) + 2)}, app1...)
	exif = append(exif, jpg[2:]...)
	three := ingesttest.ScanPDF(ingesttest.ScanSpec{Pages: 3})
	noXref := three[:bytes.LastIndex(three, []byte("\nxref\n"))+1]
	return []acceptedCase{
		{"jpeg padded with zeros", append(append([]byte{}, jpg...), make([]byte, 4096)...), 1},
		{"jpeg with a line end after EOI", append(append([]byte{}, jpg...), "\r\n"...), 1},
		{"jpeg with 16 stray bytes after EOI", append(append([]byte{}, jpg...), "\x00"+"0123456789abcdef"+"\xff\x00"...), 1},
		{"jpeg with an EXIF thumbnail", exif, 1},
		{"png padded with zeros", append(append([]byte{}, pngb...), make([]byte, 512)...), 1},
		{"pdf with a web link", ingesttest.ScanPDF(ingesttest.LinkURI), 1},
		// A typed page is rendered and keeps its text (it used to be
		// refused as "not a scanned image").
		{"pdf of a typed letter", ingesttest.TextPDF(), 1},
		// A broken cross-reference table is rebuilt by pdfcpu from the
		// objects, which are intact: the file is taken (see Damaged in the
		// corpus for objects that are not).
		{"pdf with a broken xref", ingesttest.BrokenXref(), 3},
		{"pdf without xref or trailer", noXref, 3},
		// The tree, not the root's /Count, says how many pages there are.
		{"pdf whose /Count says 1 of 3", bytes.Replace(three, []byte("/Count 3"), []byte("/Count 1"), 1), 3},
		{"pdf whose /Count is negative", bytes.Replace(three, []byte("/Count 3"), []byte("/Count -3"), 1), 3},
	}
}

func TestSplitAccepts(t *testing.T) {
	for _, c := range acceptedCases() {
		t.Run(c.name, func(t *testing.T) {
			pages, err := splitBytes(c.data, "ok", DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if len(pages) != c.pages {
				t.Fatalf("%d pages, want %d", len(pages), c.pages)
			}
			for i, p := range pages {
				if p.Seq != i+1 || p.Width <= 0 || p.DPI <= 0 {
					t.Errorf("page %d: %+v", i+1, p)
				}
			}
		})
	}
}

// Near misses of the accepted cases, and hostile page trees.
func TestSplitRefuses(t *testing.T) {
	jpg, pngb := ingesttest.JPEG(300, 200), ingesttest.PNG(300, 200)
	three := ingesttest.ScanPDF(ingesttest.ScanSpec{Pages: 3})
	for _, tc := range []struct {
		name string
		data []byte
		code string
		en   string
	}{
		{"jpeg with 17 stray bytes after EOI", append(append([]byte{}, jpg...), "\x00"+"0123456789abcdefg"+"\xff"...), CodePolyglot, "data after the end of the image"},
		{"png with a ZIP after IEND", append(append([]byte{}, pngb...), "PK\x03\x04 a payload here"...), CodePolyglot, "data after the end of the image"},
		{"jpeg with a PDF header in a comment", append(append([]byte{0xFF, 0xD8, 0xFF, 0xFE, 0, 10}, "%PDF-1.7"...), jpg[2:]...), CodePolyglot, "PDF header"},
		{"tiff with a PDF header", append(ingesttest.TIFF(20, 20)[:8:8], "%PDF-1.4"...), CodePolyglot, "PDF header"},
		{"html then pdf", append([]byte("<html><body>hello</body></html>\n"), three...), CodePolyglot, "before the PDF header"},
		{"page tree that loops", bytes.Replace(three, []byte("/Kids [4 0 R "), []byte("/Kids [2 0 R "), 1), CodeCorrupt, "page tree loops"},
		{"page tree without kids", bytes.Replace(three, []byte("/Kids ["), []byte("/Kidz ["), 1), CodeCorrupt, "no pages"},
		{"page tree of a direct dictionary", bytes.Replace(three, []byte("/Kids [4 0 R "), []byte("/Kids [<< /Type /Page >> "), 1), CodeCorrupt, "not an indirect object"},
		{"escaped action name in an object stream", ingesttest.ObjectStreams(t, ingesttest.ScanPDF(ingesttest.PageAA)), CodeActiveContent, "(JavaScript)"},
		{"form with XFA", ingesttest.ScanPDF(ingesttest.ScanSpec{Catalog: "/AcroForm << /Fields [] /XFA (<xdp/>) >>"}), CodeActiveContent, "(XFA)"},
		{"action name behind a reference", ingesttest.ScanPDF(ingesttest.ScanSpec{Catalog: "/OpenAction << /S 4 0 R /F (x.exe) >>", Objects: []string{"/Launch"}}), CodeActiveContent, "(Launch)"},
		{"script in an annotation's /Next chain", ingesttest.ScanPDF(ingesttest.ScanSpec{Page: "/Annots [4 0 R]", Objects: []string{
			"<< /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI (https://a.invalid) /Next [<< /S /SubmitForm /F (https://b.invalid) >>] >> >>"}}), CodeActiveContent, "(SubmitForm)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pages, err := splitBytes(tc.data, "x", DefaultLimits())
			var ie *InputError
			if !errors.As(err, &ie) || ie.Code != tc.code || !strings.Contains(ie.EN, tc.en) {
				t.Fatalf("got %v, %d pages; want %s with %q", err, len(pages), tc.code, tc.en)
			}
			if len(pages) != 0 {
				t.Errorf("%d pages emitted", len(pages))
			}
		})
	}
}

// With the page limit raised, a 10,000-page PDF splits into its 10,000
// pages one at a time: the live heap after page 10,000 is no larger than
// after page 1,000 (give or take 8 MiB), so Split keeps nothing of the
// pages it has emitted (the decoded pixels it checks each page with, 22 KB
// here, would add 200 MB).
func TestSplitTenThousandPages(t *testing.T) {
	const n = 10000
	var buf bytes.Buffer
	img := ingesttest.JPEG(150, 150)
	if err := ingesttest.WriteScanPDF(&buf, ingesttest.ScanSpec{Pages: n, JPEG: img}); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	lim := DefaultLimits()
	lim.MaxPages = n
	live := func() uint64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	var at1000, at10000 uint64
	count := 0
	err := Split(t.Context(), bytes.NewReader(data), int64(len(data)), "many.pdf", lim, func(p Page) error {
		count++
		if p.Seq != count || p.Format != "jpeg" || p.DPI != 150 || !bytes.Equal(p.Data, img) {
			return fmt.Errorf("page %d: seq %d %s %d dpi, same image %v", count, p.Seq, p.Format, p.DPI, bytes.Equal(p.Data, img))
		}
		switch count {
		case 1000:
			at1000 = live()
		case n:
			at10000 = live()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if count != n {
		t.Fatalf("%d pages, want %d", count, n)
	}
	if at10000 > at1000+8<<20 {
		t.Errorf("live heap grew from %d to %d bytes between pages 1,000 and 10,000", at1000, at10000)
	}
}

// Too many objects: counted in the file before pdfcpu parses it, or, when
// they hide in object streams, counted in what pdfcpu parsed.
func TestSplitTooManyObjects(t *testing.T) {
	big := ingesttest.ScanPDF(ingesttest.ScanSpec{Pages: 300})
	packed := ingesttest.ObjectStreams(t, big)
	lim := DefaultLimits()
	lim.MaxObjects = 200
	for _, tc := range []struct {
		name     string
		data     []byte
		maxAlloc uint64
	}{
		{"plain", big, 256 << 10}, // one read buffer: nothing parsed
		{"object streams", packed, 64 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := splitBytes(tc.data, "objects.pdf", lim)
			runtime.ReadMemStats(&after)
			var ie *InputError
			if !errors.As(err, &ie) || ie.Code != CodeTooManyObjects || !strings.Contains(ie.EN, "limit 200") {
				t.Fatalf("got %v, want %s", err, CodeTooManyObjects)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > tc.maxAlloc {
				t.Errorf("allocated %d bytes, want at most %d", alloc, tc.maxAlloc)
			}
		})
	}
}

// countPDFObjects counts object keywords however the 64 KiB chunks it
// reads cut them, and only those.
func TestCountPDFObjects(t *testing.T) {
	re := regexp.MustCompile(`\d+ \d+ obj\b`)
	for _, at := range []int{0, 1, 65530, 65532, 65533, 65534, 65535, 65536, 65537, 131070, 131072} {
		var b []byte
		for len(b) < at {
			b = append(b, "q /XObject Do endobj stream "...)
		}
		b = b[:at]
		b = append(b, "\n12 0 obj\n<< >>\nendobj\n13 0 obj 7 endobj"...)
		want := len(re.FindAll(b, -1))
		got, err := countPDFObjects(bytes.NewReader(b), int64(len(b)), 1000)
		if err != nil || got != want {
			t.Errorf("object at %d: counted %d (%v), want %d", at, got, err, want)
		}
	}
}
