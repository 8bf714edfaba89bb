package ingest

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/sohoa-vn/sohoa/ocr"
)

// How a PDF page becomes a page image, by kind (measured on files made by
// Ghostscript, tiff2pdf, img2pdf, qpdf, LibreOffice and OpenJPEG; see
// ingesttest.PDFKinds and TestSplitPDFKinds):
//
//   - One image XObject and nothing else, unmasked, in a filter pdfcpu decodes
//     (DCT, Flate, CCITT G4, LZW, RunLength, none), /Type /XObject or not
//     (Ghostscript leaves it out, as PDF 32000-1 8.9.5 allows): taken out
//     as it is (JPEG) or decoded to PNG, the scanner's pixels exactly.
//   - Anything else is rendered by Ghostscript, at the pixel size of the
//     page's full-page image (300 dpi when it has none), grey for a grey
//     or bilevel image (a bilevel one then thresholded to 1 bit): JBIG2
//     and JPX images (pdfcpu decodes neither; Ghostscript does, with
//     jbig2dec and OpenJPEG), images with a soft or stencil mask (the page
//     shows the composite, not the base image), inline images, images in
//     form XObjects (qpdf --overlay, pdfpages), several images, pages of
//     vector drawing only (text turned to curves, a blank page), and an
//     image pdfcpu fails on (tiff2pdf -z's CalGray). Measured on the G4,
//     CalGray, JBIG2, JPX, inline and form pages: Ghostscript's rendering
//     has the source's pixels exactly (0 of 3.9 million differ), where
//     poppler's pdftoppm moves 1.4% (-r 200) to 3.3% (-scale-to, JBIG2)
//     of a bilevel page's pixels and 1.5% of a grey one's, and takes 3×
//     as long; so Ghostscript renders and poppler reads text.
//   - A page that carries text (born-digital, or a scan with a text layer
//     already) is rendered the same way and keeps its own text: the words
//     and their boxes poppler's pdftotext -bbox-layout reads from the
//     page, laid over the rendering as the invisible text layer instead
//     of OCR (as OCRmyPDF's --skip-text). The vector page itself is not
//     carried over: sohoa's signed PDF/A is one image per page, with the
//     text layer over it, and a 300 dpi rendering keeps what a reader sees.

// renderTimeout bounds one Ghostscript or poppler run on one page.
const renderTimeout = 2 * time.Minute

// pdfImage is an image XObject a page paints, directly or through forms.
type pdfImage struct {
	sd       *types.StreamDict
	name     string
	objNr    int
	w, h     int
	bits     int  // BitsPerComponent; 1 for a stencil mask
	gray     bool // one colour component
	masked   bool // SMask, Mask or a stencil mask
	filter   string
	viaForm  bool
	decodeOK bool // a filter pdfcpu decodes
}

// pdfInventory is what a page's resources hold.
type pdfInventory struct {
	images []pdfImage
	forms  int
	fonts  bool
}

// maxFormDepth bounds nesting of form XObjects.
const maxFormDepth = 8

func (s *splitter) inventory(ctx *model.Context, res types.Dict) (pdfInventory, error) {
	var inv pdfInventory
	seen := map[int]bool{}
	var walk func(res types.Dict, depth int, viaForm bool) error
	walk = func(res types.Dict, depth int, viaForm bool) error {
		if res == nil {
			return nil
		}
		if f, _ := ctx.DereferenceDict(res["Font"]); len(f) > 0 {
			inv.fonts = true
		}
		xobjs, err := ctx.DereferenceDict(res["XObject"])
		if err != nil {
			return err
		}
		for k, o := range xobjs {
			nr := 0
			if ir, ok := o.(types.IndirectRef); ok {
				nr = ir.ObjectNumber.Value()
				if seen[nr] {
					continue
				}
				seen[nr] = true
			}
			d, _, err := ctx.DereferenceStreamDict(o)
			if err != nil || d == nil {
				return errors.New("bad XObject")
			}
			switch st := d.Subtype(); {
			case st != nil && *st == "Image":
				inv.images = append(inv.images, imageInfo(ctx, d, k, nr, viaForm))
			case st != nil && *st == "Form":
				inv.forms++
				if depth >= maxFormDepth {
					return errors.New("form XObjects nested too deep")
				}
				fr, err := ctx.DereferenceDict(d.Dict["Resources"])
				if err != nil {
					return err
				}
				if err := walk(fr, depth+1, true); err != nil {
					return err
				}
			}
		}
		return nil
	}
	err := walk(res, 0, false)
	return inv, err
}

func imageInfo(ctx *model.Context, d *types.StreamDict, name string, nr int, viaForm bool) pdfImage {
	im := pdfImage{sd: d, name: name, objNr: nr, viaForm: viaForm}
	if w := d.IntEntry("Width"); w != nil {
		im.w = *w
	}
	if h := d.IntEntry("Height"); h != nil {
		im.h = *h
	}
	if b := d.IntEntry("BitsPerComponent"); b != nil {
		im.bits = *b
	}
	if m := d.BooleanEntry("ImageMask"); m != nil && *m {
		im.bits, im.masked = 1, true
	}
	_, smask := d.Find("SMask")
	_, mask := d.Find("Mask")
	im.masked = im.masked || smask || mask
	if len(d.FilterPipeline) > 0 {
		im.filter = d.FilterPipeline[len(d.FilterPipeline)-1].Name
	}
	switch im.filter {
	case "JBIG2Decode", "CCITTFaxDecode":
		im.bits, im.gray = 1, true
	}
	im.gray = im.gray || oneComponent(ctx, d.Dict["ColorSpace"])
	switch im.filter {
	case "", "FlateDecode", "DCTDecode", "CCITTFaxDecode", "LZWDecode", "RunLengthDecode":
		im.decodeOK = true
	}
	return im
}

// oneComponent reports whether a colour space has one component:
// DeviceGray, CalGray, ICCBased with /N 1.
func oneComponent(ctx *model.Context, o types.Object) bool {
	o, _ = ctx.Dereference(o)
	switch cs := o.(type) {
	case types.Name:
		return cs == "DeviceGray" || cs == "G"
	case types.Array:
		if len(cs) == 0 {
			return false
		}
		n, _ := ctx.Dereference(cs[0])
		switch n {
		case types.Name("CalGray"):
			return true
		case types.Name("ICCBased"):
			if len(cs) > 1 {
				if sd, _, err := ctx.DereferenceStreamDict(cs[1]); err == nil && sd != nil {
					if c := sd.IntEntry("N"); c != nil {
						return *c == 1
					}
				}
			}
		}
	}
	return false
}

// fullPage reports whether an image of w×h pixels has the shape of the
// page box (within 3%), as a scan placed on its page does, and the
// resolution it then has.
func (s *splitter) fullPage(w, h int, box *types.Rectangle) (int, bool) {
	if w <= 0 || h <= 0 || box == nil || box.Width() <= 0 || box.Height() <= 0 {
		return 0, false
	}
	ia, pa := float64(w)/float64(h), box.Width()/box.Height()
	if math.Abs(ia-pa)/pa > 0.03 {
		return 0, false
	}
	return snapDPI(float64(w) / (box.Width() / 72)), true
}

// renderMode is how a page is rendered.
type renderMode int

const (
	renderColour renderMode = iota // reduced to grey when it has no colour
	renderGray
	renderMono
)

// pdfPath is a file holding the PDF, for Ghostscript and poppler: the input itself when
// it is one (ingest spools uploads to a file), else a temporary copy made
// on first use and removed by pdf().
func (s *splitter) pdfPath() (string, error) {
	if s.path != "" {
		return s.path, nil
	}
	if f, ok := s.r.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() == s.size {
			s.path = f.Name()
			return s.path, nil
		}
	}
	f, err := os.CreateTemp("", "sohoa-split-*.pdf")
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(f, io.NewSectionReader(s.r, 0, s.size)); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return "", err
	}
	s.path, s.tmpPath = f.Name(), f.Name()
	return s.path, nil
}

// tool runs a program on the PDF (named in args by the placeholder
// "PDF") for page seq, and returns what it wrote to its standard output.
func (s *splitter) tool(name string, seq int, args ...string) ([]byte, error) {
	out, _, err := s.toolStderr(name, seq, args...)
	return out, err
}

// toolStderr is tool that also returns what the program wrote to its
// standard error.
func (s *splitter) toolStderr(name string, seq int, args ...string) ([]byte, string, error) {
	path, err := s.pdfPath()
	if err != nil {
		return nil, "", fmt.Errorf("split %s: %w", s.name, err)
	}
	for i, a := range args {
		if a == "PDF" {
			args[i] = path
		}
	}
	ctx, cancel := context.WithTimeout(s.ctx, renderTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	err = cmd.Run()
	switch {
	case s.ctx.Err() != nil:
		return nil, "", s.ctx.Err()
	case errors.Is(err, exec.ErrNotFound):
		// A missing run dependency is the system's fault, not the file's.
		return nil, "", fmt.Errorf("split %s: %s not found (scripts/deps.sh installs it): %w", s.name, name, err)
	case ctx.Err() != nil:
		return nil, "", corrupt(s.name, seq, fmt.Errorf("%s took longer than %s", name, renderTimeout))
	case err != nil:
		return nil, "", corrupt(s.name, seq, fmt.Errorf("%s: %v: %s", name, err, firstLine(stderr.String())))
	}
	return out.Bytes(), stderr.String(), nil
}

// damaged returns the line of Ghostscript's messages that says an image
// of the page could not be decoded, or "". Ghostscript draws what it can
// of a broken JPX or JBIG2 image and exits 0 (even with
// -dPDFSTOPONERROR), saying so only in these words (measured on
// Ghostscript 10.0 with spoilt JPX and JBIG2 data; a good page prints
// none of them).
func damaged(msgs string) string {
	for _, l := range strings.Split(msgs, "\n") {
		if strings.Contains(l, "image error") || strings.HasPrefix(l, "jbig2dec WARNING") ||
			strings.HasPrefix(l, "jbig2dec FATAL") || strings.HasPrefix(l, "jbig2dec error") {
			return strings.TrimSpace(l)
		}
	}
	return ""
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// rendering is how to render a page: at dpi, or, when w and h are set,
// to exactly w×h pixels (the page's scan image, one for one).
type rendering struct {
	dpi, w, h int
	mode      renderMode
}

// render has Ghostscript draw page seq and returns it as a page image, 1-bit,
// grey or colour PNG as r.mode says (colour falls back to grey when the
// rendering has none).
func (s *splitter) render(seq int, box *types.Rectangle, rotate int, r rendering) (Page, error) {
	w, h := 8.27*float64(r.dpi), 11.69*float64(r.dpi)
	if box != nil {
		w, h = box.Width()/72*float64(r.dpi), box.Height()/72*float64(r.dpi)
	}
	if r.w > 0 && r.h > 0 {
		w, h = float64(r.w), float64(r.h)
	}
	if rotate%180 != 0 {
		w, h = h, w
	}
	if err := s.checkPixels(seq, int(math.Ceil(w)), int(math.Ceil(h))); err != nil {
		return Page{}, err
	}
	// A bilevel page too is rendered grey, then thresholded here.
	device := "-sDEVICE=pnggray"
	if r.mode == renderColour {
		device = "-sDEVICE=png16m"
	}
	p := strconv.Itoa(seq)
	// Not -q: Ghostscript then tells, on its messages, of image data it
	// could not decode (see damaged).
	args := []string{"-dSAFER", "-dBATCH", "-dNOPAUSE", "-sstdout=%stderr", "-dFirstPage=" + p, "-dLastPage=" + p,
		// An error in the page (a broken image) fails the page, where
		// Ghostscript would otherwise draw what it could and exit 0; a
		// repaired cross-reference table is no error.
		"-dPDFSTOPONERROR", device, "-r" + strconv.Itoa(r.dpi), "-dUseCropBox"}
	if r.w > 0 && r.h > 0 {
		// The scan's own pixel size, the page fitted to it.
		args = append(args, fmt.Sprintf("-g%dx%d", int(w), int(h)), "-dPDFFitPage")
	}
	out, msgs, err := s.toolStderr("gs", seq, append(args, "-sOutputFile=-", "PDF")...)
	if err != nil {
		return Page{}, err
	}
	if what := damaged(msgs); what != "" {
		return Page{}, corrupt(s.name, seq, fmt.Errorf("ghostscript: damaged image: %s", what))
	}
	var img image.Image
	if err := guard(func() (err error) { img, err = png.Decode(bytes.NewReader(out)); return err }); err != nil {
		return Page{}, corrupt(s.name, seq, fmt.Errorf("ghostscript: %w", err))
	}
	out = nil
	if r.mode == renderMono {
		img = threshold(img)
	} else if g := grayOnly(img); g != nil {
		img = g
	}
	b := img.Bounds()
	dpi := s.dpi(seq, r.dpi, b.Dx(), b.Dy())
	data, err := encodePNG(img, dpi)
	if err != nil {
		return Page{}, fmt.Errorf("split %s page %d: %w", s.name, seq, err)
	}
	return Page{Seq: seq, Data: data, Format: "png", Width: b.Dx(), Height: b.Dy(), DPI: dpi}, nil
}

// grayOnly returns img as grey when every pixel is grey, else nil.
func grayOnly(img image.Image) *image.Gray {
	b := img.Bounds()
	g := image.NewGray(b)
	switch m := img.(type) {
	case *image.Gray:
		return m
	case *image.RGBA:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := m.Pix[(y-b.Min.Y)*m.Stride:]
			out := g.Pix[(y-b.Min.Y)*g.Stride:]
			for x := 0; x < b.Dx(); x++ {
				r, gg, bb := row[4*x], row[4*x+1], row[4*x+2]
				if r != gg || gg != bb {
					return nil
				}
				out[x] = r
			}
		}
		return g
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, gg, bb, _ := img.At(x, y).RGBA()
			if r != gg || gg != bb {
				return nil
			}
			g.SetGray(x, y, color.Gray{Y: uint8(r >> 8)})
		}
	}
	return g
}

// threshold makes a grey rendering of a bilevel page black and white.
func threshold(img image.Image) *image.Gray {
	if g := grayOnly(img); g != nil {
		for i, v := range g.Pix {
			if v < 128 {
				g.Pix[i] = 0
			} else {
				g.Pix[i] = 255
			}
		}
		return g
	}
	b := img.Bounds()
	g := image.NewGray(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y >= 128 {
				g.SetGray(x, y, color.Gray{Y: 255})
			}
		}
	}
	return g
}

// bboxDoc is pdftotext -bbox-layout's XHTML: pages of blocks of lines of
// words, in points from the page's top left.
type bboxDoc struct {
	Pages []struct {
		Width  float64 `xml:"width,attr"`
		Height float64 `xml:"height,attr"`
		Flows  []struct {
			Blocks []struct {
				Lines []struct {
					Words []struct {
						XMin float64 `xml:"xMin,attr"`
						YMin float64 `xml:"yMin,attr"`
						XMax float64 `xml:"xMax,attr"`
						YMax float64 `xml:"yMax,attr"`
						Text string  `xml:",chardata"`
					} `xml:"word"`
				} `xml:"line"`
			} `xml:"block"`
		} `xml:"flow"`
	} `xml:"body>doc>page"`
}

// pageText reads the text page seq carries with pdftotext, as words with
// boxes in the pixels of a w×h rendering of it; nil when it has none.
// Both the rendering and the text are of the crop box, what a reader
// shows: text cropped away is not kept.
func (s *splitter) pageText(seq, w, h int) (*ocr.Page, error) {
	p := strconv.Itoa(seq)
	out, err := s.tool("pdftotext", seq, "-f", p, "-l", p, "-cropbox", "-bbox-layout", "-enc", "UTF-8", "PDF", "-")
	if err != nil {
		return nil, err
	}
	var doc bboxDoc
	if err := xml.Unmarshal(out, &doc); err != nil {
		return nil, corrupt(s.name, seq, fmt.Errorf("pdftotext: %w", err))
	}
	if len(doc.Pages) != 1 || doc.Pages[0].Width <= 0 || doc.Pages[0].Height <= 0 {
		return nil, nil
	}
	pg := doc.Pages[0]
	sx, sy := float64(w)/pg.Width, float64(h)/pg.Height
	res := &ocr.Page{Width: w, Height: h, MeanConf: 100}
	var text strings.Builder
	block := 0
	for _, f := range pg.Flows {
		for _, b := range f.Blocks {
			block++
			if text.Len() > 0 {
				text.WriteString("\n\n")
			}
			for li, l := range b.Lines {
				if li > 0 {
					text.WriteString("\n")
				}
				for wi, wd := range l.Words {
					t := strings.TrimSpace(wd.Text)
					if t == "" {
						continue
					}
					if wi > 0 {
						text.WriteString(" ")
					}
					text.WriteString(t)
					r := image.Rect(int(math.Floor(wd.XMin*sx)), int(math.Floor(wd.YMin*sy)),
						int(math.Ceil(wd.XMax*sx)), int(math.Ceil(wd.YMax*sy))).Intersect(image.Rect(0, 0, w, h))
					res.Words = append(res.Words, ocr.Word{Text: t, Box: r, Conf: 100, Block: block, Par: 1, Line: li + 1})
				}
			}
		}
	}
	if len(res.Words) == 0 {
		return nil, nil
	}
	res.Text = text.String()
	return res, nil
}

// pdfPage turns page seq into a page image (see the top of this file).
func (s *splitter) pdfPage(ctx *model.Context, seq int, pg pdfPageAttrs) (Page, error) {
	box := pg.cropBox
	if box == nil {
		box = pg.mediaBox
	}
	inv, err := s.inventory(ctx, pg.resources)
	if err != nil {
		return Page{}, corrupt(s.name, seq, err)
	}
	for _, im := range inv.images {
		if err := s.checkPixels(seq, im.w, im.h); err != nil {
			return Page{}, err
		}
	}
	if len(inv.images) == 0 {
		// An image drawn in the content stream itself (BI … ID … EI), as
		// Ghostscript writes small images: its size and depth set the
		// rendering's, as an XObject's would.
		if c, err := ctx.PageContent(pg.dict, seq); err == nil {
			inv.images = inlineImages(c)
		}
	}
	// The page's scan: its largest image, when it has the page's shape.
	var scan *pdfImage
	scanDPI := 0
	for i, im := range inv.images {
		if d, ok := s.fullPage(im.w, im.h, box); ok && (scan == nil || im.w*im.h > scan.w*scan.h) {
			scan, scanDPI = &inv.images[i], d
		}
	}
	r := rendering{dpi: 300}
	if scan != nil {
		// The image's own pixels, one for one, whatever resolution the
		// page declares (a stray 96 dpi is inferred again, as for an image
		// taken out).
		r.dpi, r.w, r.h = scanDPI, scan.w, scan.h
		switch {
		case scan.bits == 1:
			r.mode = renderMono
		case scan.gray:
			r.mode = renderGray
		}
	}
	var rendered *Page
	if inv.fonts {
		p, err := s.render(seq, box, pg.rotate, r)
		if err != nil {
			return Page{}, err
		}
		text, err := s.pageText(seq, p.Width, p.Height)
		if err != nil {
			return Page{}, err
		}
		if text != nil {
			p.Text = text
			return p, nil
		}
		// Fonts but no text drawn: a page image like any other.
		rendered = &p
	}
	if len(inv.images) == 1 && inv.forms == 0 && !inv.images[0].masked && inv.images[0].decodeOK && inv.images[0].sd != nil {
		// The page is that image and nothing else: taken as it is, even
		// when placed with margins (pdfcpu import and img2pdf fit a photo
		// of any shape into A4); its resolution is its width over the
		// page's, or inferred (Limits).
		only := &inv.images[0]
		declared := 0
		if box != nil && box.Width() > 0 && box.Height() > 0 {
			pw := box.Width()
			if pg.rotate%180 != 0 {
				pw = box.Height()
			}
			declared = snapDPI(float64(only.w) / (pw / 72))
		}
		p, err := s.extract(ctx, seq, only, declared)
		if ie := (*InputError)(nil); err == nil || errors.As(err, &ie) {
			return p, err
		}
		// Ghostscript may read what pdfcpu does not (a colour space it lacks).
		s.logFallback(seq, err)
	}
	if rendered != nil {
		return *rendered, nil
	}
	return s.render(seq, box, pg.rotate, r)
}

func (s *splitter) logFallback(seq int, err error) {
	slog.Info("ingest: PDF image not decoded here; the page is rendered by Ghostscript instead",
		"file", s.name, "page", seq, "err", err)
}

// extract takes a page's one image out of the PDF as it is.
func (s *splitter) extract(ctx *model.Context, seq int, im *pdfImage, declared int) (Page, error) {
	if im.filter == "DCTDecode" && len(im.sd.FilterPipeline) == 1 {
		// A JPEG stays the JPEG the scanner made.
		p, err := s.checkImage(seq, im.sd.Raw, "jpeg")
		if err != nil {
			return Page{}, err
		}
		p.DPI = s.dpi(seq, declared, p.Width, p.Height)
		return p, nil
	}
	x, err := pdfcpu.ExtractImage(ctx, im.sd, false, im.name, im.objNr, false)
	if err != nil {
		return Page{}, err
	}
	if x == nil || x.Reader == nil {
		return Page{}, errors.New("pdfcpu extracted no image")
	}
	img, _, err := image.Decode(x.Reader)
	if err != nil {
		return Page{}, err
	}
	if _, ok := img.(*image.Gray); !ok {
		// pdfcpu gives bilevel and grey images in other models; as grey,
		// a bilevel page is written 1 bit deep.
		if g := grayOnly(img); g != nil {
			img = g
		}
	}
	dpi := s.dpi(seq, declared, img.Bounds().Dx(), img.Bounds().Dy())
	data, err := encodePNG(img, dpi)
	if err != nil {
		return Page{}, err
	}
	return Page{Seq: seq, Data: data, Format: "png", Width: img.Bounds().Dx(), Height: img.Bounds().Dy(), DPI: dpi}, nil
}

// inlineImages reads the size, depth and colour of the inline images in
// a content stream (PDF 32000-1 8.9.7: "BI key value … ID data EI"). Only
// the dictionaries are read; the data is skipped to its EI.
func inlineImages(c []byte) []pdfImage {
	var out []pdfImage
	for i := 0; i < len(c) && len(out) < 64; {
		j := bytes.Index(c[i:], []byte("BI"))
		if j < 0 {
			break
		}
		j += i
		if j > 0 && !isPDFSpace(c[j-1]) || j+2 < len(c) && !isPDFSpace(c[j+2]) && c[j+2] != '/' {
			i = j + 2
			continue
		}
		k := bytes.Index(c[j:], []byte("ID"))
		if k < 0 {
			break
		}
		fields := strings.Fields(strings.ReplaceAll(string(c[j+2:j+k]), "/", " /"))
		im := pdfImage{bits: 8}
		for f := 0; f+1 < len(fields); f++ {
			v := fields[f+1]
			switch fields[f] {
			case "/W", "/Width":
				im.w, _ = strconv.Atoi(v)
			case "/H", "/Height":
				im.h, _ = strconv.Atoi(v)
			case "/BPC", "/BitsPerComponent":
				im.bits, _ = strconv.Atoi(v)
			case "/IM", "/ImageMask":
				if v == "true" {
					im.bits, im.masked = 1, true
				}
			case "/CS", "/ColorSpace":
				im.gray = v == "/G" || v == "/DeviceGray" || v == "/CalGray"
			case "/F", "/Filter":
				if v == "/CCF" || v == "/CCITTFaxDecode" || v == "/JBIG2Decode" {
					im.bits, im.gray = 1, true
				}
			}
		}
		out = append(out, im)
		e := bytes.Index(c[j+k:], []byte("EI"))
		if e < 0 {
			break
		}
		i = j + k + e + 2
	}
	return out
}

func isPDFSpace(b byte) bool {
	return b == ' ' || b == '\n' || b == '\r' || b == '\t' || b == '\f' || b == 0
}
