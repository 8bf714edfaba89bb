package ingest

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/sohoa-vn/sohoa/assemble"
	"github.com/sohoa-vn/sohoa/ingest/ingesttest"
	"github.com/sohoa-vn/sohoa/ocr"
	"github.com/sohoa-vn/sohoa/scanners/synthetic"
)

var (
	kindsOnce sync.Once
	kinds     []ingesttest.Kind
)

func pdfKinds(t *testing.T) (string, []synthetic.Sample, []ingesttest.Kind) {
	t.Helper()
	dir, samples := sampleSet(t)
	kindsOnce.Do(func() {
		out := filepath.Join(dir, "kinds")
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
		kinds = ingesttest.PDFKinds(t, dir, out)
	})
	if kinds == nil {
		t.Fatal("making the PDF kinds failed")
	}
	return dir, samples, kinds
}

// Every kind of PDF everyday tools write is taken, each page as an image
// like its source scan, and pages with text keep their text.
func TestSplitPDFKinds(t *testing.T) {
	dir, samples, kinds := pdfKinds(t)
	bySource := map[string]synthetic.Sample{}
	for _, s := range samples {
		bySource[s.File] = s
	}
	for _, k := range kinds {
		t.Run(k.Name, func(t *testing.T) {
			data := readFile(t, k.Path)
			if strings.Contains(k.Name, "calgray") && !bytes.Contains(data, []byte("/CalGray")) {
				t.Fatalf("%s wrote no CalGray image: the case tests nothing", k.Tool)
			}
			pages, err := splitBytes(data, k.Name, DefaultLimits())
			if err != nil {
				t.Fatalf("made by %s: %v", k.Tool, err)
			}
			if len(pages) != k.Pages {
				t.Fatalf("%d pages, want %d", len(pages), k.Pages)
			}
			for i, p := range pages {
				if got := p.Text != nil; got != k.Text[i] {
					t.Errorf("page %d: has text %v, want %v", i+1, got, k.Text[i])
				}
				if p.Text != nil {
					if !strings.Contains(p.Text.Text, "Ủy ban nhân dân phường thông báo") || len(p.Text.Words) < 30 {
						t.Errorf("page %d: text kept is %q (%d words)", i+1, p.Text.Text, len(p.Text.Words))
					}
					for _, w := range p.Text.Words {
						if w.Box.Empty() || !w.Box.In(image.Rect(0, 0, p.Width, p.Height)) {
							t.Errorf("word %q box %v outside the %dx%d page", w.Text, w.Box, p.Width, p.Height)
						}
					}
				}
			}
			if k.Source == "" || k.Pixels == "" {
				return
			}
			src := bySource[k.Source]
			p := pages[0]
			if p.Width != src.Width || p.Height != src.Height || p.DPI != src.DPI {
				t.Errorf("page is %dx%d at %d dpi, want %dx%d at %d dpi", p.Width, p.Height, p.DPI, src.Width, src.Height, src.DPI)
			}
			if k.Pixels == "jpeg" {
				if !bytes.Equal(p.Data, readFile(t, filepath.Join(dir, k.Source))) {
					t.Error("the JPEG is not the source JPEG")
				}
				return
			}
			got := decode(t, p.Data, p.Format)
			want := sourceImage(t, dir, src)
			diff := pixelDiff(got, want)
			t.Logf("%s (%s): %.3f%% of the pixels differ from the source", k.Name, p.Format, 100*diff)
			switch {
			case k.Pixels == "exact" && diff != 0:
				t.Errorf("pixels differ from the source (%.3f%%), want exact", 100*diff)
			case diff > 0.001:
				// Measured: none differ. A JPEG re-encoded by tiff2pdf -j
				// changes greys, never by a quarter of the range.
				t.Errorf("%.3f%% of the pixels differ from the source, want at most 0.1%%", 100*diff)
			}
			if src.Mode == synthetic.Bilevel200.String() && p.Data[24] != 1 {
				t.Errorf("bilevel page became a %d-bit PNG", p.Data[24])
			}
		})
	}
}

func decode(t *testing.T, b []byte, format string) image.Image {
	t.Helper()
	var img image.Image
	var err error
	if format == "jpeg" {
		img, err = jpeg.Decode(bytes.NewReader(b))
	} else {
		img, err = png.Decode(bytes.NewReader(b))
	}
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// sourceImage is the first page of a sample as its scanner made it.
func sourceImage(t *testing.T, dir string, s synthetic.Sample) image.Image {
	t.Helper()
	if strings.HasSuffix(s.File, ".jpg") {
		return decode(t, readFile(t, filepath.Join(dir, s.File)), "jpeg")
	}
	mode := synthetic.Grey300
	if s.Mode == synthetic.Bilevel200.String() {
		mode = synthetic.Bilevel200
	}
	return synthetic.Render(s.Doc, 0, mode)
}

// pixelDiff is the share of pixels whose grey differs by more than a
// quarter of the range (a black pixel turned white, or the reverse).
func pixelDiff(a, b image.Image) float64 {
	if a.Bounds().Size() != b.Bounds().Size() {
		return 1
	}
	r := a.Bounds()
	n := 0
	for y := 0; y < r.Dy(); y++ {
		for x := 0; x < r.Dx(); x++ {
			ga, _, _, _ := a.At(r.Min.X+x, r.Min.Y+y).RGBA()
			gb, _, _, _ := b.At(b.Bounds().Min.X+x, b.Bounds().Min.Y+y).RGBA()
			if d := int(ga>>8) - int(gb>>8); d > 64 || d < -64 {
				n++
			}
		}
	}
	return float64(n) / float64(r.Dx()*r.Dy())
}

// A scan that already has a text layer (here sohoa's own output, as a
// searchable PDF sent again) keeps that text, and its image its pixels.
func TestSplitSearchableScan(t *testing.T) {
	dir, samples := sampleSet(t)
	var src synthetic.Sample
	for _, s := range samples {
		if s.File == "giay-chung-nhan.png" {
			src = s
		}
	}
	img := readFile(t, filepath.Join(dir, src.File))
	words := []ocr.Word{
		{Text: "GIẤY", Box: image.Rect(200, 300, 420, 360), Conf: 90, Block: 1, Par: 1, Line: 1},
		{Text: "CHỨNG", Box: image.Rect(440, 300, 700, 360), Conf: 90, Block: 1, Par: 1, Line: 1},
		{Text: "NHẬN", Box: image.Rect(720, 300, 940, 360), Conf: 90, Block: 1, Par: 1, Line: 1},
	}
	var pdf bytes.Buffer
	err := assemble.WritePages(&pdf, assemble.Info{Title: "t"}, []assemble.Page{{Image: img, Format: "png", DPI: src.DPI,
		OCR: &ocr.Page{Width: src.Width, Height: src.Height, Words: words, Text: "GIẤY CHỨNG NHẬN"}}})
	if err != nil {
		t.Fatal(err)
	}
	pages, err := splitBytes(pdf.Bytes(), "searchable.pdf", DefaultLimits())
	if err != nil || len(pages) != 1 {
		t.Fatalf("%d pages, %v", len(pages), err)
	}
	p := pages[0]
	if p.Text == nil || p.Text.Text != "GIẤY CHỨNG NHẬN" {
		t.Fatalf("text kept: %+v", p.Text)
	}
	for i, w := range p.Text.Words {
		// Boxes come back within a few pixels (the text layer's font box).
		if d := w.Box.Min.Sub(words[i].Box.Min); d.X < -4 || d.X > 4 || d.Y < -25 || d.Y > 25 {
			t.Errorf("word %q at %v, written at %v", w.Text, w.Box, words[i].Box)
		}
	}
	if p.Width != src.Width || p.Height != src.Height || p.DPI != src.DPI {
		t.Errorf("page %dx%d at %d dpi, want %dx%d at %d", p.Width, p.Height, p.DPI, src.Width, src.Height, src.DPI)
	}
	if d := pixelDiff(decode(t, p.Data, p.Format), sourceImage(t, dir, src)); d != 0 {
		t.Errorf("%.3f%% of the pixels differ from the scan", 100*d)
	}
}

// A page cropped (pdfcpu crop, as a user trims a letter's blank half) is
// taken as a reader shows it: the crop box rendered, and only the text
// inside it kept.
func TestSplitCropBox(t *testing.T) {
	_, _, kinds := pdfKinds(t)
	var letter string
	for _, k := range kinds {
		if k.Name == "libreoffice.pdf" {
			letter = k.Path
		}
	}
	// The top 100 points of the A4 page: the header lines, not the body.
	box, err := api.Box("[0 742 595 842]", types.POINTS)
	if err != nil {
		t.Fatal(err)
	}
	cropped := filepath.Join(t.TempDir(), "cropped.pdf")
	if err := api.CropFile(letter, cropped, nil, box, nil); err != nil {
		t.Fatal(err)
	}
	pages, err := splitBytes(readFile(t, cropped), "cropped.pdf", DefaultLimits())
	if err != nil || len(pages) != 1 || pages[0].Text == nil {
		t.Fatalf("%d pages, %v", len(pages), err)
	}
	p := pages[0]
	if wantH := 100 * 300 / 72; p.Height < wantH-2 || p.Height > wantH+2 || p.DPI != 300 {
		t.Errorf("page %dx%d at %d dpi, want the crop box's 417 px high at 300 dpi", p.Width, p.Height, p.DPI)
	}
	if !strings.Contains(p.Text.Text, "ỦY BAN NHÂN DÂN") || strings.Contains(p.Text.Text, "bộ phận một cửa") {
		t.Errorf("text kept %q: want the header, not the body cropped away", p.Text.Text)
	}
}

// A page whose image cannot be decoded is refused with a clear reason,
// not rendered as whatever Ghostscript could draw of it.
func TestSplitBrokenRenderedImage(t *testing.T) {
	_, _, kinds := pdfKinds(t)
	for _, k := range kinds {
		if k.Name != "jpx.pdf" && k.Name != "jbig2.pdf" {
			continue
		}
		t.Run(k.Name, func(t *testing.T) {
			b := readFile(t, k.Path)
			filter := map[string]string{"jpx.pdf": "/JPXDecode", "jbig2.pdf": "/JBIG2Decode"}[k.Name]
			f := bytes.Index(b, []byte(filter))
			s := bytes.Index(b[f:], []byte("stream"))
			if f < 0 || s < 0 {
				t.Fatalf("no %s stream", filter)
			}
			// Keep the codestream's header, spoil what follows.
			start := f + s + len("stream\n") + 100
			for i := start; i < start+2000 && i < len(b); i++ {
				b[i] = 0xFF
			}
			_, err := splitBytes(b, "broken-"+k.Name, DefaultLimits())
			var ie *InputError
			if !errors.As(err, &ie) || ie.Code != CodeCorrupt || ie.Page != 1 {
				t.Fatalf("got %v, want a corrupt-file error on page 1", err)
			}
			if !strings.Contains(ie.VI, "tệp bị hỏng") || !strings.Contains(ie.EN, "corrupt file") {
				t.Errorf("message %q is not the bilingual corrupt-file one", ie.Error())
			}
		})
	}
}
