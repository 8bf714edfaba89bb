package assemble

import (
	"bytes"
	"compress/zlib"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/sohoa-vn/sohoa/ocr"
)

// fonts-liberation (1.07) lacks the precomposed Vietnamese letters; 2.x has them.
const fontPath = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"

var testLines = []string{
	"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
	"Độc lập - Tự do - Hạnh phúc",
	"Số: 123/QĐ-UBND",
	"Quyết định về việc cấp giấy chứng nhận quyền sử dụng đất",
}

// renderPage draws lines on a white w×h page at dpi and returns the image
// and the word boxes measured from the font, as an OCR engine would report
// them (no Tesseract needed here).
func renderPage(t testing.TB, lines []string, w, h int, dpi float64) (*image.Gray, *ocr.Page) {
	t.Helper()
	data, err := os.ReadFile(fontPath)
	if err != nil {
		t.Fatalf("read font (apt-get install fonts-liberation2): %v", err)
	}
	f, err := opentype.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: 12, DPI: dpi, Hinting: font.HintingFull})
	if err != nil {
		t.Fatal(err)
	}
	defer face.Close()
	img := image.NewGray(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	d := &font.Drawer{Dst: img, Src: image.NewUniform(color.Black), Face: face}
	m := face.Metrics()
	page := &ocr.Page{Width: w, Height: h}
	margin := int(dpi)
	for i, l := range lines {
		base := margin + 2*m.Height.Ceil()*(i+1)
		x := fixed.I(margin)
		for j, word := range strings.Fields(l) {
			if j > 0 {
				x += d.MeasureString(" ")
			}
			d.Dot = fixed.Point26_6{X: x, Y: fixed.I(base)}
			d.DrawString(word)
			end := x + d.MeasureString(word)
			page.Words = append(page.Words, ocr.Word{Text: word, Conf: 95, Block: 1, Par: 1, Line: i + 1,
				Box: image.Rect(x.Floor(), base-m.Ascent.Ceil(), end.Ceil(), base+m.Descent.Ceil())})
			x = end
		}
	}
	page.Text = strings.Join(lines, "\n")
	return img, page
}

// threshold makes a bilevel image (grey levels 0 and 255 only).
func threshold(img *image.Gray) *image.Gray {
	out := image.NewGray(img.Bounds())
	for i, v := range img.Pix {
		if v >= 128 {
			out.Pix[i] = 0xff
		}
	}
	return out
}

func encode(t testing.TB, img image.Image, format string) []byte {
	t.Helper()
	var buf bytes.Buffer
	var err error
	if format == "png" {
		err = png.Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85})
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		pkg := "poppler-utils"
		if name == "qpdf" {
			pkg = "qpdf"
		}
		t.Fatalf("%s not found: apt-get install %s", name, pkg)
	}
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// writeTestPDF writes a 2-page A4 PDF: a bilevel PNG at 200 dpi and a
// colour JPEG whose DPI is inferred.
func writeTestPDF(t *testing.T) (path string, words *ocr.Page) {
	t.Helper()
	img1, ocr1 := renderPage(t, testLines, 1654, 2339, 200)
	for i, w := range ocr1.Words {
		if w.Text == "-" { // OCR boxes a dash tightly, mid-line
			mid := (w.Box.Min.Y + w.Box.Max.Y) / 2
			ocr1.Words[i].Box = image.Rect(w.Box.Min.X, mid-2, w.Box.Max.X, mid+2)
		}
	}
	img2, ocr2 := renderPage(t, []string{"Điều 1. Cấp giấy chứng nhận cho ông Nguyễn Văn An"}, 1654, 2339, 200)
	rgb2 := image.NewRGBA(img2.Bounds())
	draw.Draw(rgb2, rgb2.Bounds(), img2, image.Point{}, draw.Src)
	draw.Draw(rgb2, image.Rect(1200, 2000, 1500, 2300), image.NewUniform(color.RGBA{200, 30, 30, 255}), image.Point{}, draw.Src) // a red seal
	pages := []Page{
		{Image: encode(t, threshold(img1), "png"), Format: "png", DPI: 200, OCR: ocr1},
		{Image: encode(t, rgb2, "jpeg"), Format: "jpeg", OCR: ocr2},
	}
	path = filepath.Join(t.TempDir(), "out.pdf")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	info := Info{Title: "Quyết định 123/QĐ-UBND", Created: time.Date(2026, 6, 5, 10, 30, 0, 0, time.FixedZone("ICT", 7*3600)),
		Issuer: "ỦY BAN NHÂN DÂN PHƯỜNG BẾN NGHÉ", Subject: "Về việc cấp giấy chứng nhận <đất> & nhà", Date: "2026-06-04",
		Identifier: "123/QĐ-UBND"}
	if err := WritePages(f, info, pages); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path, ocr1
}

func TestWritePDF(t *testing.T) {
	path, ocr1 := writeTestPDF(t)

	t.Run("qpdf", func(t *testing.T) {
		out := run(t, "qpdf", "--check", path)
		if !strings.Contains(out, "No syntax or stream encoding errors") {
			t.Errorf("qpdf --check:\n%s", out)
		}
	})
	for _, mode := range []struct {
		name string
		mode int
	}{{"relaxed", model.ValidationRelaxed}, {"strict", model.ValidationStrict}} {
		t.Run("pdfcpu "+mode.name, func(t *testing.T) {
			conf := model.NewDefaultConfiguration()
			conf.ValidationMode = mode.mode
			if err := api.ValidateFile(path, conf); err != nil {
				t.Errorf("pdfcpu validate (%s): %v", mode.name, err)
			}
		})
	}
	t.Run("pdftotext", func(t *testing.T) {
		out := run(t, "pdftotext", "-layout", path, "-")
		for _, want := range []string{"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
			"Số: 123/QĐ-UBND", "Quyết định", "quyền sử dụng đất", "Nguyễn Văn An"} {
			if !strings.Contains(out, want) {
				t.Errorf("pdftotext output lacks %q:\n%s", want, out)
			}
		}
		// Pages in order, separated by a form feed.
		if i, j := strings.Index(out, "Độc lập"), strings.Index(out, "Nguyễn"); i < 0 || j < i || !strings.Contains(out[i:j], "\f") {
			t.Errorf("page order or break wrong:\n%q", out)
		}
	})
	t.Run("bbox", func(t *testing.T) {
		out := run(t, "pdftotext", "-f", "1", "-l", "1", "-bbox", path, "-")
		re := regexp.MustCompile(`<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>`)
		got := map[string][4]float64{}
		for _, m := range re.FindAllStringSubmatch(out, -1) {
			var v [4]float64
			for i := range v {
				v[i], _ = strconv.ParseFloat(m[i+1], 64)
			}
			got[m[5]] = v
		}
		const s = 72.0 / 200 // points per pixel
		checked := 0
		for _, w := range ocr1.Words {
			if w.Text == "-" {
				continue
			}
			b, ok := got[w.Text]
			if !ok {
				t.Errorf("word %q not in -bbox output", w.Text)
				continue
			}
			want := [4]float64{float64(w.Box.Min.X) * s, float64(w.Box.Min.Y) * s, float64(w.Box.Max.X) * s, float64(w.Box.Max.Y) * s}
			for i := range b {
				if d := b[i] - want[i]; d > 2 || d < -2 {
					t.Errorf("word %q bbox %v, want %v (±2 pt)", w.Text, b, want)
					break
				}
			}
			checked++
		}
		if checked < 20 {
			t.Errorf("only %d words checked", checked)
		}
	})
	t.Run("pdfinfo", func(t *testing.T) {
		out := run(t, "pdfinfo", "-isodates", "-f", "1", "-l", "2", path)
		re := regexp.MustCompile(`Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts`)
		sizes := re.FindAllStringSubmatch(out, -1)
		if len(sizes) != 2 {
			t.Fatalf("want 2 page sizes:\n%s", out)
		}
		for _, m := range sizes {
			w, _ := strconv.ParseFloat(m[1], 64)
			h, _ := strconv.ParseFloat(m[2], 64)
			if w < 594 || w > 596 || h < 841 || h > 843 {
				t.Errorf("page size %v x %v, want 595 x 842 (±1)", w, h)
			}
		}
		for _, want := range []string{"Title:           Quyết định 123/QĐ-UBND", "Producer:        sohoa", "Pages:           2",
			"CreationDate:    2026-06-05T10:30:00+07"} {
			if !strings.Contains(out, want) {
				t.Errorf("pdfinfo lacks %q:\n%s", want, out)
			}
		}
	})
	t.Run("pdfimages", func(t *testing.T) {
		out := run(t, "pdfimages", "-list", path)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 4 {
			t.Fatalf("want 2 images:\n%s", out)
		}
		// page num type width height color comp bpc enc ...
		f1, f2 := strings.Fields(lines[2]), strings.Fields(lines[3])
		if got := strings.Join([]string{f1[3], f1[4], f1[5], f1[6], f1[7], f1[8]}, " "); got != "1654 2339 gray 1 1 image" {
			t.Errorf("page 1 image = %q, want 1654 2339 gray 1 1 image\n%s", got, out)
		}
		if got := strings.Join([]string{f2[3], f2[4], f2[5], f2[6], f2[7], f2[8]}, " "); got != "1654 2339 rgb 3 8 jpeg" {
			t.Errorf("page 2 image = %q, want 1654 2339 rgb 3 8 jpeg\n%s", got, out)
		}
	})
	t.Run("fonts", func(t *testing.T) {
		out := run(t, "pdffonts", path)
		if !regexp.MustCompile(`GlyphLessFont\s+CID TrueType\s+Identity-H\s+yes\s+no\s+yes`).MatchString(out) {
			t.Errorf("pdffonts:\n%s", out)
		}
		// Rendering loads the embedded font program; poppler reports a
		// broken one on stderr.
		cmd := exec.Command("pdftoppm", "-r", "20", "-png", path, filepath.Join(t.TempDir(), "p"))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil || stderr.Len() > 0 {
			t.Errorf("pdftoppm: %v\n%s", err, stderr.String())
		}
	})
	t.Run("lang", func(t *testing.T) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(data, []byte("/Lang(vi-VN)")) {
			t.Error("catalog lacks /Lang(vi-VN)")
		}
	})
}

func TestImageKinds(t *testing.T) {
	// A 2-bit palette of only black and white is decoded (1-bit PNGs
	// pass through: TestBilevelPNGPassThrough) and written 1-bit.
	bw := image.NewPaletted(image.Rect(0, 0, 10, 3), color.Palette{color.White, color.Black, color.White})
	bw.SetColorIndex(0, 0, 1)
	bw.SetColorIndex(9, 2, 1)
	grey := image.NewGray(image.Rect(0, 0, 10, 3))
	grey.Pix[4] = 0x80
	rgba := image.NewNRGBA(image.Rect(0, 0, 10, 3))
	rgba.Set(1, 1, color.NRGBA{255, 0, 0, 255}) // the rest is transparent: white
	for _, tc := range []struct {
		name   string
		img    image.Image
		cs     string
		bits   int
		pixels []byte
	}{
		{"bilevel palette", bw, "DeviceGray", 1, []byte{0x7f, 0xc0, 0xff, 0xc0, 0xff, 0x80}},
		{"grey", grey, "DeviceGray", 8, append(append(make([]byte, 4), 0x80), make([]byte, 25)...)},
		{"colour with alpha", rgba, "DeviceRGB", 8, func() []byte {
			p := bytes.Repeat([]byte{255}, 90)
			copy(p[3*11:], []byte{255, 0, 0})
			return p
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pi, err := prepareImage(encode(t, tc.img, "png"), "png")
			if err != nil {
				t.Fatal(err)
			}
			if pi.colorSpace != tc.cs || pi.bits != tc.bits || pi.filter != "FlateDecode" || pi.width != 10 || pi.height != 3 {
				t.Errorf("got %s %d-bit %s %dx%d", pi.colorSpace, pi.bits, pi.filter, pi.width, pi.height)
			}
			var buf bytes.Buffer
			if err := pi.writeData(&buf); err != nil {
				t.Fatal(err)
			}
			got := inflate(t, buf.Bytes())
			if !bytes.Equal(got, tc.pixels) {
				t.Errorf("samples %x, want %x", got, tc.pixels)
			}
		})
	}
	// A grey image holding only black and white is bilevel too.
	g := image.NewGray(image.Rect(0, 0, 8, 1))
	g.Pix[0] = 0xff
	pi, err := prepareImage(encode(t, g, "png"), "png")
	if err != nil || pi.bits != 1 {
		t.Errorf("0/255 grey: %v, %+v", err, pi)
	}
}

func inflate(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestWriteErrors(t *testing.T) {
	img, _ := renderPage(t, []string{"Hà Nội"}, 200, 100, 72)
	good := Page{Image: encode(t, img, "png"), Format: "png"}
	boom := errors.New("storage down")
	for _, tc := range []struct {
		name string
		n    int
		page func(int) (Page, error)
		want string
	}{
		{"no pages", 0, nil, "no pages"},
		{"fetch fails", 2, func(i int) (Page, error) {
			if i == 1 {
				return Page{}, boom
			}
			return good, nil
		}, "storage down"},
		{"garbage png", 1, func(int) (Page, error) { return Page{Image: []byte("nope"), Format: "png"}, nil }, "bad PNG"},
		{"garbage jpeg", 1, func(int) (Page, error) { return Page{Image: []byte("nope"), Format: "jpeg"}, nil }, "bad JPEG"},
		{"tiff", 1, func(int) (Page, error) { return Page{Image: good.Image, Format: "tiff"}, nil }, "unsupported image format"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Write(io.Discard, Info{}, tc.n, tc.page)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
	if err := Write(failWriter{}, Info{}, 1, func(int) (Page, error) { return good, nil }); err == nil {
		t.Error("write error not reported")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestHelpers(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{hexText([]rune("Độc")), "01101ED90063"},
		{hexText([]rune("a😀")), "0061FFFD"},
		{textString("a(b)"), `(a\(b\))`},
		{textString("Số"), "<FEFF00531ED1>"},
		{pdfDate(time.Date(2026, 6, 5, 10, 30, 0, 0, time.FixedZone("", 7*3600))), "D:20260605103000+07'00'"},
		{pdfDate(time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("", -(3*3600+1800)))), "D:20260102030405-03'30'"},
		{num2(595.4399), "595.44"}, {num2(842), "842"}, {num2(-0.001), "0"}, {num2(0.5), "0.5"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	// The font program's checksums are consistent: the whole file sums to
	// the TrueType magic.
	if got := checksum(glyphlessFont()); got != 0xB1B0AFBA {
		t.Errorf("font checksum %#x", got)
	}
}

// BenchmarkWrite measures assembling A4 200 dpi bilevel pages with a text
// layer of ~100 words each.
func BenchmarkWrite(b *testing.B) {
	lines := make([]string, 0, 40)
	for range 10 {
		lines = append(lines, testLines...)
	}
	img, words := renderPage(b, lines, 1654, 2339, 200)
	pg := Page{Image: encode(b, threshold(img), "png"), Format: "png", DPI: 200, OCR: words}
	b.ResetTimer()
	for b.Loop() {
		if err := Write(io.Discard, Info{Title: "bench"}, 1, func(int) (Page, error) { return pg, nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
}

// grayPNG1 rewrites a 1-bit paletted PNG with the palette black, white as
// the same bits in a 1-bit grey PNG (colour type 0, no PLTE), the form a
// scanner's own PNG writer may use.
func grayPNG1(t *testing.T, b []byte) []byte {
	t.Helper()
	out := append([]byte{}, b[:8]...)
	for rest := b[8:]; len(rest) >= 12; {
		n := int(uint32(rest[0])<<24 | uint32(rest[1])<<16 | uint32(rest[2])<<8 | uint32(rest[3]))
		chunk := append([]byte{}, rest[:12+n]...)
		rest = rest[12+n:]
		switch string(chunk[4:8]) {
		case "PLTE":
			continue
		case "IHDR":
			chunk[8+9] = 0
			crc := crc32.ChecksumIEEE(chunk[4 : 8+n])
			chunk[8+n], chunk[9+n], chunk[10+n], chunk[11+n] = byte(crc>>24), byte(crc>>16), byte(crc>>8), byte(crc)
		}
		out = append(out, chunk...)
	}
	return out
}

// TestBilevelPNGPassThrough checks that a 1-bit PNG goes into the PDF
// without decoding (its compressed rows, PNG predictors declared) and that
// poppler renders exactly the source's pixels from it, for both palette
// orders, a 1-bit grey PNG and a width that is not a multiple of 8.
func TestBilevelPNGPassThrough(t *testing.T) {
	// Blocks of 7×7 pixels, black or white by a pattern, so that a
	// renderer's sampling of block centres is exact; 7 does not divide 8,
	// so blocks straddle bytes.
	const w, h, block = 203, 35, 7
	src := image.NewGray(image.Rect(0, 0, w, h))
	black := func(x, y int) bool { return ((x/block)*31+(y/block)*17)%5 < 2 }
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if !black(x, y) {
				src.Pix[y*w+x] = 255
			}
		}
	}
	paletted := func(p color.Palette) []byte {
		m := image.NewPaletted(src.Bounds(), p)
		for i, v := range src.Pix {
			if (v == 255) == (p[1] == color.Gray{255}) {
				m.Pix[i] = 1
			}
		}
		return encode(t, m, "png")
	}
	blackWhite := paletted(color.Palette{color.Gray{0}, color.Gray{255}})
	for _, tc := range []struct {
		name   string
		png    []byte
		decode string
	}{
		{"palette black, white", blackWhite, ""},
		{"palette white, black", paletted(color.Palette{color.Gray{255}, color.Gray{0}}), "[1 0]"},
		{"1-bit grey", grayPNG1(t, blackWhite), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if m, err := png.Decode(bytes.NewReader(tc.png)); err != nil || m.Bounds().Dx() != w {
				t.Fatalf("test PNG does not decode: %v", err)
			}
			pi, err := prepareImage(tc.png, "png")
			if err != nil {
				t.Fatal(err)
			}
			if pi.decodeParms == "" || pi.bits != 1 || pi.decode != tc.decode {
				t.Fatalf("not passed through: %+v", pi)
			}
			path := filepath.Join(t.TempDir(), "p.pdf")
			var buf bytes.Buffer
			if err := WritePages(&buf, Info{Title: "t"}, []Page{{Image: tc.png, Format: "png", DPI: 72}}); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			run(t, "qpdf", "--check", path)
			out := filepath.Join(t.TempDir(), "r")
			run(t, "pdftoppm", "-r", "72", "-gray", "-aa", "no", "-aaVector", "no", "-png", "-singlefile", path, out)
			f, err := os.Open(out + ".png")
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := png.Decode(f)
			if err != nil {
				t.Fatal(err)
			}
			if got.Bounds().Dx() != w || got.Bounds().Dy() != h {
				t.Fatalf("rendered %v, want %dx%d", got.Bounds(), w, h)
			}
			bad := 0
			for y := block / 2; y < h; y += block {
				for x := block / 2; x < w; x += block {
					if g, _ := grayOf(got.At(x, y)); (g < 128) != black(x, y) {
						bad++
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d blocks differ from the source", bad, (w/block)*(h/block))
			}
		})
	}
	// Not passed through: decoded and re-compressed as before.
	grey := image.NewGray(image.Rect(0, 0, 8, 2))
	grey.Pix[3] = 0x80
	for name, b := range map[string][]byte{
		"8-bit grey": encode(t, grey, "png"),
		"interlaced": nil, // Go writes no interlaced PNG; covered by the IHDR check
	} {
		if b == nil {
			continue
		}
		if pi, err := prepareImage(b, "png"); err != nil || pi.decodeParms != "" {
			t.Errorf("%s: %v, %+v", name, err, pi)
		}
	}
}
