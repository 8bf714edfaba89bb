package sane

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"testing"

	"github.com/sohoa-vn/sohoa/scanners/separator"
)

// The tests drive SANE's "test" backend, a real SANE driver shipped with
// Debian's sane-utils (libsane1).
func needScanimage(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("scanimage"); err != nil {
		t.Fatal("scanimage not found: install the Debian package sane-utils")
	}
}

// pngInfo reads a PNG page: its size, colour type and bit depth.
func pngInfo(t *testing.T, path string) (image.Rectangle, byte, byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	// IHDR: 8 signature, 4 length, 4 type, 4 width, 4 height, depth, colour type.
	if len(b) < 26 || string(b[12:16]) != "IHDR" || binary.BigEndian.Uint32(b[16:]) != uint32(img.Bounds().Dx()) {
		t.Fatalf("%s: bad IHDR", path)
	}
	return img.Bounds(), b[25], b[24]
}

func TestScanModesAndResolution(t *testing.T) {
	needScanimage(t)
	ctx := context.Background()
	type got struct {
		size         image.Rectangle
		ctype, depth byte
	}
	scan := func(mode string, res, count int) []got {
		var out []got
		err := Scan(ctx, Options{Device: "test", Mode: mode, Resolution: res, Source: "adf", Count: count, Dir: t.TempDir(),
			Extra: []string{"--test-picture=Grid"}}, func(ctx context.Context, p Page) error {
			if p.Seq != len(out)+1 {
				t.Errorf("page %d came as number %d", len(out)+1, p.Seq)
			}
			size, ctype, depth := pngInfo(t, p.Path)
			out = append(out, got{size, ctype, depth})
			return nil
		})
		if err != nil {
			t.Fatalf("Scan(%s, %d dpi): %v", mode, res, err)
		}
		return out
	}
	gray := scan("gray", 50, 3)
	if len(gray) != 3 || gray[0].ctype != 0 || gray[0].depth != 8 {
		t.Fatalf("gray: %+v, want 3 pages of 8-bit grey (PNG colour type 0)", gray)
	}
	color := scan("color", 50, 1)
	if color[0].ctype != 2 || color[0].size != gray[0].size {
		t.Errorf("color: %+v, want RGB (colour type 2) of the grey page's size %v", color[0], gray[0].size)
	}
	line := scan("lineart", 50, 1)
	if line[0].depth != 1 || line[0].ctype != 0 {
		t.Errorf("lineart: %+v, want 1-bit grey", line[0])
	}
	double := scan("gray", 100, 1)
	if w0, w1 := gray[0].size.Dx(), double[0].size.Dx(); w1 < 2*w0-2 || w1 > 2*w0+2 {
		t.Errorf("width %d px at 100 dpi, %d at 50 dpi: resolution not applied", w1, w0)
	}
	// Without a count, the feeder runs until empty (the test backend's holds 10 sheets).
	if n := len(scan("gray", 25, 0)); n != 10 {
		t.Errorf("ADF run until empty gave %d pages, want 10", n)
	}
}

func TestArgs(t *testing.T) {
	fujitsu := map[string][]string{"mode": {"Lineart", "Halftone", "Gray", "Color"}, "source": {"ADF Front", "ADF Back", "ADF Duplex"}}
	test := map[string][]string{"mode": {"Gray", "Color"}, "depth": {"1", "8", "16"}, "source": {"Flatbed", "Automatic Document Feeder"}}
	for _, tc := range []struct {
		opt   Options
		avail map[string][]string
		want  []string
		err   bool
	}{
		{Options{Mode: "lineart", Source: "adf"}, fujitsu, []string{"--mode=Lineart", "--source=ADF Front", "--resolution=200"}, false},
		{Options{Mode: "lineart", Source: "duplex", Resolution: 300}, fujitsu, []string{"--mode=Lineart", "--source=ADF Duplex", "--resolution=300"}, false},
		{Options{Mode: "lineart", Source: "adf"}, test, []string{"--mode=Gray", "--depth=1", "--source=Automatic Document Feeder"}, false},
		{Options{Mode: "color", Source: "flatbed", Count: 5}, test, []string{"--mode=Color", "--source=Flatbed", "--batch-count=5"}, false},
		{Options{Source: "flatbed"}, fujitsu, nil, true},
		{Options{Mode: "sepia"}, fujitsu, []string{"--mode=sepia"}, false},
	} {
		args, err := Args(tc.opt, tc.avail, "/tmp/p%05d.png")
		if (err != nil) != tc.err {
			t.Errorf("Args(%+v): error %v", tc.opt, err)
			continue
		}
		for _, w := range tc.want {
			if !slices.Contains(args, w) {
				t.Errorf("Args(%+v) = %v, lacks %s", tc.opt, args, w)
			}
		}
	}
}

type sink struct {
	mu   sync.Mutex
	docs map[string][]byte
}

func (s *sink) File(ctx context.Context, batch, name string, r io.Reader) error {
	b, err := io.ReadAll(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.docs == nil {
		s.docs = map[string][]byte{}
	}
	s.docs[batch+"/"+name] = b
	return err
}

func TestFeed(t *testing.T) {
	needScanimage(t)
	ctx := context.Background()
	// The whole run as one document: 3 pages in one PDF.
	s := &sink{}
	n, err := Feed(ctx, Options{Device: "test", Mode: "gray", Resolution: 50, Source: "adf", Count: 3, Extra: []string{"--test-picture=Grid"}},
		separator.PerFile, "b1", "hop-01", s)
	if err != nil || n != 1 {
		t.Fatalf("Feed = %d, %v", n, err)
	}
	pdf := s.docs["b1/hop-01-0001.pdf"]
	p := filepath.Join(t.TempDir(), "doc.pdf")
	os.WriteFile(p, pdf, 0o644)
	out, err := exec.Command("pdfinfo", p).CombinedOutput()
	if err != nil || !regexp.MustCompile(`(?m)^Pages:\s+3$`).Match(out) {
		t.Errorf("pdfinfo (poppler-utils) on the document: %v\n%s", err, out)
	}
	// Blank pages are separators: a run of blank sheets is no document at all.
	s = &sink{}
	n, err = Feed(ctx, Options{Device: "test", Mode: "gray", Resolution: 50, Source: "adf", Count: 3, Extra: []string{"--test-picture=Solid white"}},
		separator.Blank, "b1", "hop-02", s)
	if err != nil || n != 0 || len(s.docs) != 0 {
		t.Errorf("blank run: %d documents %v, %v", n, len(s.docs), err)
	}
	// Solid black pages are not blank: each run is one document of 2 pages.
	s = &sink{}
	n, err = Feed(ctx, Options{Device: "test", Mode: "gray", Resolution: 50, Source: "adf", Count: 2, Extra: []string{"--test-picture=Solid black"}},
		separator.Blank, "b1", "hop-03", s)
	if err != nil || n != 1 {
		t.Errorf("black run: %d documents, %v", n, err)
	}
}
