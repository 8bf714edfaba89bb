package ingest

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/sohoa-vn/sohoa/ingest/ingesttest"
	"github.com/sohoa-vn/sohoa/scanners/synthetic"
)

var (
	samplesOnce sync.Once
	samplesDir  string
	samples     []synthetic.Sample
	samplesErr  error
)

// sampleSet writes the synthetic sample set once for all tests.
func sampleSet(t testing.TB) (string, []synthetic.Sample) {
	t.Helper()
	samplesOnce.Do(func() {
		samplesDir, samplesErr = os.MkdirTemp("", "split-samples-")
		if samplesErr == nil {
			samples, samplesErr = synthetic.WriteSamples(samplesDir, 11)
		}
	})
	if samplesErr != nil {
		t.Fatal(samplesErr)
	}
	return samplesDir, samples
}

func TestMain(m *testing.M) {
	code := m.Run()
	if samplesDir != "" {
		os.RemoveAll(samplesDir)
	}
	os.Exit(code)
}

func splitBytes(b []byte, name string, lim Limits) ([]Page, error) {
	var pages []Page
	err := Split(context.Background(), bytes.NewReader(b), int64(len(b)), name, lim, func(p Page) error {
		pages = append(pages, p)
		return nil
	})
	return pages, err
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSplitSamples(t *testing.T) {
	dir, samples := sampleSet(t)
	// A CCITT G4, big-endian copy of the TIFF, as fax-style scanners write.
	g4 := filepath.Join(dir, "quyet-dinh-g4.tif")
	if out, err := exec.Command("tiffcp", "-B", "-c", "g4", filepath.Join(dir, "quyet-dinh.tif"), g4).CombinedOutput(); err != nil {
		t.Fatalf("tiffcp (install the Debian package libtiff-tools): %v\n%s", err, out)
	}
	tif := samples[0]
	tif.File = filepath.Base(g4)
	// The same with PhotometricInterpretation patched to BlackIsZero: libtiff
	// reads its bits, and so must we, as the inverse picture.
	inv := tif
	inv.File = "quyet-dinh-g4-minisblack.tif"
	if err := os.WriteFile(filepath.Join(dir, inv.File), patchPhotometric(t, readFile(t, g4)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, s := range append(samples, tif, inv) {
		t.Run(s.File, func(t *testing.T) {
			data := readFile(t, filepath.Join(dir, s.File))
			pages, err := splitBytes(data, "renamed.bin", DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if len(pages) != s.Pages {
				t.Fatalf("%d pages, want %d", len(pages), s.Pages)
			}
			wantFormat := map[string]string{".tif": "png", ".png": "png", ".jpg": "jpeg", ".pdf": "jpeg"}[filepath.Ext(s.File)]
			for i, p := range pages {
				if p.Seq != i+1 || p.Format != wantFormat || p.DPI != s.DPI || p.Width != s.Width || p.Height != s.Height {
					t.Errorf("page %d: seq %d %s %dx%d at %d dpi, want %s %dx%d at %d dpi",
						i+1, p.Seq, p.Format, p.Width, p.Height, p.DPI, wantFormat, s.Width, s.Height, s.DPI)
				}
				mode := synthetic.Grey300
				if s.Mode == synthetic.Bilevel200.String() {
					mode = synthetic.Bilevel200
				}
				want := synthetic.Render(s.Doc, i, mode)
				switch filepath.Ext(s.File) {
				case ".png":
					if !bytes.Equal(p.Data, data) {
						t.Error("PNG was not passed through unchanged")
					}
				case ".pdf", ".jpg":
					// The JPEG the scanner made is handed on as it is.
					enc, _ := synthetic.EncodeJPEG(want, s.DPI, synthetic.JPEGQuality)
					if !bytes.Equal(p.Data, enc) {
						t.Error("JPEG page is not the original JPEG")
					}
				case ".tif":
					if p.Data[24] != 1 {
						t.Errorf("bilevel TIFF page became a %d-bit PNG, want 1-bit", p.Data[24])
					}
					if pngDPI(p.Data) != s.DPI {
						t.Errorf("PNG page declares %d dpi, want %d", pngDPI(p.Data), s.DPI)
					}
					img, err := png.Decode(bytes.NewReader(p.Data))
					if err != nil {
						t.Fatal(err)
					}
					if s.File == inv.File {
						want = invert(want)
					}
					if !samePixels(img, want) {
						t.Error("TIFF page pixels differ from the rendered page")
					}
				}
			}
		})
	}
}

// patchPhotometric sets PhotometricInterpretation to 1 in every IFD of a
// big-endian TIFF.
func patchPhotometric(t *testing.T, b []byte) []byte {
	be := binary.BigEndian
	if string(b[:4]) != "MM\x00*" {
		t.Fatal("want a big-endian TIFF")
	}
	for off := be.Uint32(b[4:]); off != 0; {
		n := int(be.Uint16(b[off:]))
		for i := 0; i < n; i++ {
			e := b[int(off)+2+12*i:]
			if be.Uint16(e) == 262 {
				be.PutUint16(e[8:], 1)
			}
		}
		off = be.Uint32(b[int(off)+2+12*n:])
	}
	return b
}

func invert(img image.Image) image.Image {
	p := img.(*image.Paletted)
	q := image.NewPaletted(p.Rect, p.Palette)
	for i, v := range p.Pix {
		q.Pix[i] = 1 - v
	}
	return q
}

func samePixels(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			ga, _, _, _ := a.At(x, y).RGBA()
			gb, _, _, _ := b.At(x, y).RGBA()
			if ga != gb {
				return false
			}
		}
	}
	return true
}

func TestSplitDPI(t *testing.T) {
	s := splitter{name: "x", lim: DefaultLimits()}
	for _, tc := range []struct {
		declared, w, h, want int
	}{
		{300, 2480, 3508, 300},
		{200, 2480, 3508, 200}, // declared and in range: trusted
		{72, 2480, 3508, 300},  // phone default: inferred from A4
		{0, 1654, 2339, 200},   // none declared
		{0, 3508, 2480, 300},   // A4 landscape
		{0, 1240, 1754, 150},
		{1200, 4960, 7016, 600},
		{0, 4961, 7016, 600},
	} {
		if got := s.dpi(1, tc.declared, tc.w, tc.h); got != tc.want {
			t.Errorf("dpi(declared %d, %dx%d) = %d, want %d", tc.declared, tc.w, tc.h, got, tc.want)
		}
	}
}

func qpdfEncrypt(t *testing.T, in string, user, owner string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "enc.pdf")
	cmd := exec.Command("qpdf", "--encrypt", user, owner, "256", "--", in, out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("qpdf --encrypt (install the Debian package qpdf): %v\n%s", err, b)
	}
	return readFile(t, out)
}

func TestSplitBadInput(t *testing.T) {
	dir, _ := sampleSet(t)
	jpg := readFile(t, filepath.Join(dir, "cong-van.jpg"))
	pngb := readFile(t, filepath.Join(dir, "giay-chung-nhan.png"))
	pdf := filepath.Join(dir, "thong-bao.pdf")
	small := DefaultLimits()
	small.MaxBytes = 100_000
	onePage := DefaultLimits()
	onePage.MaxPages = 1

	for _, tc := range []struct {
		name     string
		data     []byte
		lim      Limits
		code     string
		vi, en   string // substrings the message must hold
		page     int
		maxAlloc uint64 // bytes Split may allocate
	}{
		{"empty.png", nil, DefaultLimits(), CodeEmpty, "tệp rỗng", "empty file", 0, 1 << 10},
		{"notes.png", []byte("Biên bản họp ngày 05/6/2026\nNội dung: ...\n"), DefaultLimits(), CodeUnsupported,
			"định dạng không được hỗ trợ", "unsupported file type", 0, 16 << 10},
		{"half.jpg", jpg[:len(jpg)/2], DefaultLimits(), CodeTruncated, "cắt cụt", "truncated", 1, 64 << 20},
		{"half.png", pngb[:len(pngb)/2], DefaultLimits(), CodeTruncated, "cắt cụt", "truncated", 1, 64 << 20},
		{"big.jpg", jpg, small, CodeTooLarge, "tệp quá lớn", "file too large", 0, 16 << 10},
		{"bomb.png", ingesttest.PNGBomb(60000, 60000), DefaultLimits(), CodeTooManyPixels, "trang quá lớn", "page too large", 1, 1 << 20},
		{"bomb.tif", ingesttest.TIFFBomb(100000, 100000), DefaultLimits(), CodeTooManyPixels, "trang quá lớn", "page too large", 1, 1 << 20},
		{"locked.pdf", qpdfEncrypt(t, pdf, "mật-khẩu", "owner"), DefaultLimits(), CodeEncrypted, "PDF được mã hóa", "encrypted PDF", 0, 16 << 20},
		{"owner-only.pdf", qpdfEncrypt(t, pdf, "", "owner"), DefaultLimits(), CodeEncrypted, "PDF được mã hóa", "encrypted PDF", 0, 16 << 20},
		{"long.pdf", readFile(t, pdf), onePage, CodeTooManyPages, "quá nhiều trang", "too many pages", 0, 16 << 20},
		{"long.tif", readFile(t, filepath.Join(dir, "quyet-dinh.tif")), onePage, CodeTooManyPages, "quá nhiều trang", "too many pages", 0, 1 << 20},
		// A page drawn, not scanned, is rendered: a page box of 830×1170
		// inches is refused before Ghostscript draws it.
		{"huge-page.pdf", bytes.Replace(ingesttest.TextPDF(), []byte("[0 0 595 842]"), []byte("[0 0 59500 84200]"), 1),
			DefaultLimits(), CodeTooManyPixels, "trang quá lớn", "page too large", 1, 4 << 20},
		{"garbage.pdf", []byte("%PDF-1.4\nthis is not really a PDF\n"), DefaultLimits(), CodeCorrupt, "tệp bị hỏng", "corrupt file", 0, 4 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			pages, err := splitBytes(tc.data, tc.name, tc.lim)
			runtime.ReadMemStats(&after)
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("got %v (%T), %d pages; want *InputError %s", err, err, len(pages), tc.code)
			}
			if ie.Code != tc.code || ie.File != tc.name || ie.Page != tc.page {
				t.Errorf("got code %q file %q page %d, want %q %q %d", ie.Code, ie.File, ie.Page, tc.code, tc.name, tc.page)
			}
			msg := ie.Error()
			if !strings.Contains(msg, tc.vi) || !strings.Contains(msg, tc.en) || !strings.Contains(msg, tc.name) {
				t.Errorf("message %q lacks %q, %q or the file name", msg, tc.vi, tc.en)
			}
			if len(pages) != 0 && tc.code != CodeTruncated {
				t.Errorf("%d pages emitted before the error", len(pages))
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > tc.maxAlloc {
				t.Errorf("allocated %d bytes, want at most %d", alloc, tc.maxAlloc)
			}
		})
	}
}

func TestSplitStops(t *testing.T) {
	dir, _ := sampleSet(t)
	tif := readFile(t, filepath.Join(dir, "quyet-dinh.tif"))
	stop := errors.New("stop")
	n := 0
	err := Split(context.Background(), bytes.NewReader(tif), int64(len(tif)), "a.tif", DefaultLimits(), func(Page) error {
		n++
		return stop
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("fn error: got %v after %d pages, want stop after 1", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = Split(ctx, bytes.NewReader(tif), int64(len(tif)), "a.tif", DefaultLimits(), func(Page) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: got %v", err)
	}
}
