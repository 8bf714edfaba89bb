package main

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	_ "image/png" // the corpus decodes PNG pages
	"math"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"codeberg.org/go-pdf/fpdf"

	"github.com/sohoa-vn/sohoa/scanners/synthetic"
)

// page is one corpus page: a file on disk (for the tesseract command and
// the pipeline) and the same bytes in memory (for the OCR stage).
type page struct {
	name  string
	set   string // "synthetic", "born-digital", or the degradation
	file  string
	data  []byte
	truth string
	dpi   int // when known: passed to the tesseract command as --dpi
}

func writePage(dir string, p page) (page, error) {
	p.file = filepath.Join(dir, p.name)
	return p, os.WriteFile(p.file, p.data, 0o644)
}

// syntheticPages writes n single pages of the synthetic documents,
// alternating 200 dpi bilevel PNG and 300 dpi greyscale JPEG.
func syntheticPages(dir string, n int) ([]page, error) {
	var out []page
	for seed := int64(1); len(out) < n; seed++ {
		for _, d := range synthetic.Documents(seed) {
			for i := range d.Pages {
				if len(out) == n {
					return out, nil
				}
				mode := synthetic.Bilevel200
				if len(out)%2 == 1 {
					mode = synthetic.Grey300
				}
				img := synthetic.Render(d, i, mode)
				p := page{set: "synthetic", truth: d.Pages[i].Text,
					name: fmt.Sprintf("syn-%03d-%s-p%d", len(out), d.Name, i+1)}
				var err error
				if mode == synthetic.Bilevel200 {
					p.name += ".png"
					p.data, err = synthetic.EncodePNG(img, mode.DPI())
				} else {
					p.name += ".jpg"
					p.data, err = synthetic.EncodeJPEG(img, mode.DPI(), synthetic.JPEGQuality)
				}
				if err != nil {
					return nil, err
				}
				if p, err = writePage(dir, p); err != nil {
					return nil, err
				}
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// bornDigital writes n one-page text PDFs in Liberation Serif and
// rasterises each with pdftoppm at 200 dpi bilevel and 300 dpi grey; the
// reference text is pdftotext's reading of the PDF.
func bornDigital(dir string, n int) ([]page, error) {
	const font = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"
	ttf, err := os.ReadFile(font)
	if err != nil {
		return nil, fmt.Errorf("born-digital PDFs need %s (apt-get install fonts-liberation2): %w", font, err)
	}
	var out []page
	for i := range n {
		pdf := fpdf.New("P", "mm", "A4", "")
		pdf.AddUTF8FontFromBytes("serif", "", ttf)
		pdf.SetMargins(25, 20, 20)
		pdf.AddPage()
		size := []float64{12, 13, 11, 14}[i%4]
		pdf.SetFont("serif", "", size)
		// Paragraphs in a rotating order so that pages differ.
		for k := range len(prose) {
			pdf.MultiCell(0, size*0.5, prose[(i+k)%len(prose)], "", "J", false)
			pdf.Ln(size * 0.3)
			if pdf.GetY() > 240 {
				break
			}
		}
		path := filepath.Join(dir, fmt.Sprintf("born-%02d.pdf", i))
		if err := pdf.OutputFileAndClose(path); err != nil {
			return nil, fmt.Errorf("write %s: %w", path, err)
		}
		txt, err := exec.Command("pdftotext", path, "-").Output()
		if err != nil {
			return nil, fmt.Errorf("pdftotext %s (apt-get install poppler-utils): %w", path, err)
		}
		truth := strings.TrimRight(string(txt), "\f\n")
		for _, r := range []struct {
			dpi  int
			args []string
			tag  string
		}{{200, []string{"-mono"}, "bilevel200"}, {300, []string{"-gray"}, "grey300"}} {
			stem := strings.TrimSuffix(path, ".pdf") + "-" + r.tag
			args := append([]string{"-r", fmt.Sprint(r.dpi), "-png", "-singlefile"}, r.args...)
			if out, err := exec.Command("pdftoppm", append(args, path, stem)...).CombinedOutput(); err != nil {
				return nil, fmt.Errorf("pdftoppm %s: %v: %s", path, err, out)
			}
			data, err := os.ReadFile(stem + ".png")
			if err != nil {
				return nil, err
			}
			out = append(out, page{set: "born-digital", name: filepath.Base(stem) + ".png", file: stem + ".png", data: data, truth: truth})
		}
	}
	return out, nil
}

// degradation is a way a real scan goes wrong, applied to a 300 dpi
// greyscale rendering.
type degradation struct {
	name string
	fn   func(img *image.Gray, rng *rand.Rand) (out image.Image, dpi int)
}

var degradations = []degradation{
	{"noisy-bilevel200", func(img *image.Gray, rng *rand.Rand) (image.Image, int) {
		return threshold(noise(blur(scale(img, 200.0/300), 1), rng, 28), 150), 200
	}},
	{"blurred-grey150", func(img *image.Gray, rng *rand.Rand) (image.Image, int) {
		return noise(blur(scale(img, 150.0/300), 1), rng, 12), 150
	}},
	{"skewed-bilevel200", func(img *image.Gray, rng *rand.Rand) (image.Image, int) {
		a := (1.5 + 2*rng.Float64()) * float64(1-2*rng.Intn(2))
		return threshold(noise(scale(rotate(img, a), 200.0/300), rng, 12), 140), 200
	}},
	{"bordered-grey300", func(img *image.Gray, rng *rand.Rand) (image.Image, int) {
		return noise(border(rotate(img, 0.8), 60+rng.Intn(60)), rng, 10), 300
	}},
	{"upside-down-grey300", func(img *image.Gray, rng *rand.Rand) (image.Image, int) {
		return noise(rotate(img, 180), rng, 8), 300
	}},
	{"sideways-bilevel200", func(img *image.Gray, rng *rand.Rand) (image.Image, int) {
		return threshold(scale(rotate(img, 90), 200.0/300), 140), 200
	}},
}

// degradedPages renders synthetic documents from seed 101 on at 300 dpi
// grey and applies each degradation in turn; one page in ten is blank
// (a scanned empty sheet: noise and a shadow at the edge).
func degradedPages(dir string, n int) ([]page, error) {
	rng := rand.New(rand.NewSource(7))
	var out []page
	for seed := int64(101); len(out) < n; seed++ {
		for _, d := range synthetic.Documents(seed) {
			for i := range d.Pages {
				if len(out) == n {
					return out, nil
				}
				k := len(out)
				if k%10 == 9 {
					w, h := synthetic.PageSize(200)
					blank := image.NewGray(image.Rect(0, 0, w, h))
					draw.Draw(blank, blank.Bounds(), image.White, image.Point{}, draw.Src)
					data, err := synthetic.EncodePNG(threshold(noise(border(blank, 30), rng, 30), 140), 200)
					if err != nil {
						return nil, err
					}
					p, err := writePage(dir, page{set: "blank", name: fmt.Sprintf("deg-%03d-blank.png", k), data: data})
					if err != nil {
						return nil, err
					}
					out = append(out, p)
					continue
				}
				g := degradations[k%len(degradations)]
				img, dpi := g.fn(synthetic.Render(d, i, synthetic.Grey300).(*image.Gray), rng)
				data, err := synthetic.EncodePNG(img, dpi)
				if err != nil {
					return nil, err
				}
				p, err := writePage(dir, page{set: g.name, name: fmt.Sprintf("deg-%03d-%s.png", k, g.name), data: data, truth: d.Pages[i].Text})
				if err != nil {
					return nil, err
				}
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// The image transforms below are hand-written: each is a few lines, and
// they only make test scans worse.

// scale resizes by f with bilinear interpolation.
func scale(img *image.Gray, f float64) *image.Gray {
	b := img.Bounds()
	w, h := int(float64(b.Dx())*f), int(float64(b.Dy())*f)
	out := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		sy := (float64(y)+0.5)/f - 0.5
		y0 := max(0, min(b.Dy()-2, int(math.Floor(sy))))
		fy := max(0, min(1, sy-float64(y0)))
		for x := range w {
			sx := (float64(x)+0.5)/f - 0.5
			x0 := max(0, min(b.Dx()-2, int(math.Floor(sx))))
			fx := max(0, min(1, sx-float64(x0)))
			p := func(dx, dy int) float64 { return float64(img.Pix[(y0+dy)*img.Stride+x0+dx]) }
			v := (p(0, 0)*(1-fx)+p(1, 0)*fx)*(1-fy) + (p(0, 1)*(1-fx)+p(1, 1)*fx)*fy
			out.Pix[y*out.Stride+x] = uint8(v + 0.5)
		}
	}
	return out
}

// blur is a (2r+1)² box blur.
func blur(img *image.Gray, r int) *image.Gray {
	b := img.Bounds()
	out := image.NewGray(b)
	for y := range b.Dy() {
		for x := range b.Dx() {
			sum, n := 0, 0
			for dy := -r; dy <= r; dy++ {
				for dx := -r; dx <= r; dx++ {
					if xx, yy := x+dx, y+dy; xx >= 0 && yy >= 0 && xx < b.Dx() && yy < b.Dy() {
						sum += int(img.Pix[yy*img.Stride+xx])
						n++
					}
				}
			}
			out.Pix[y*out.Stride+x] = uint8(sum / n)
		}
	}
	return out
}

// noise adds Gaussian noise of standard deviation sd grey levels.
func noise(img *image.Gray, rng *rand.Rand, sd float64) *image.Gray {
	out := image.NewGray(img.Bounds())
	for i, v := range img.Pix {
		out.Pix[i] = uint8(max(0, min(255, float64(v)+rng.NormFloat64()*sd)))
	}
	return out
}

// threshold makes a bilevel image (synthetic's palette).
func threshold(img *image.Gray, t uint8) *image.Paletted {
	out := image.NewPaletted(img.Bounds(), synthetic.Bilevel)
	for i, v := range img.Pix {
		if v >= t {
			out.Pix[i] = 1
		}
	}
	return out
}

// rotate turns img clockwise by deg degrees about its centre (nearest
// neighbour); multiples of 90 swap the sides, other angles keep the size.
func rotate(img *image.Gray, deg float64) *image.Gray {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	ow, oh := w, h
	if int(math.Round(deg))%180 == 90 {
		ow, oh = h, w
	}
	out := image.NewGray(image.Rect(0, 0, ow, oh))
	sin, cos := math.Sincos(deg * math.Pi / 180)
	for y := range oh {
		for x := range ow {
			dx, dy := float64(x)+0.5-float64(ow)/2, float64(y)+0.5-float64(oh)/2
			sx, sy := float64(w)/2+dx*cos+dy*sin, float64(h)/2-dx*sin+dy*cos
			v := uint8(255)
			if ix, iy := int(math.Floor(sx)), int(math.Floor(sy)); ix >= 0 && iy >= 0 && ix < w && iy < h {
				v = img.Pix[iy*img.Stride+ix]
			}
			out.Pix[y*out.Stride+x] = v
		}
	}
	return out
}

// border paints a dark scanner border of width px on the left and top
// edges and a thinner one on the right.
func border(img *image.Gray, px int) *image.Gray {
	out := image.NewGray(img.Bounds())
	copy(out.Pix, img.Pix)
	b := out.Bounds()
	dark := image.NewUniform(color.Gray{Y: 35})
	draw.Draw(out, image.Rect(0, 0, px, b.Dy()), dark, image.Point{}, draw.Src)
	draw.Draw(out, image.Rect(0, 0, b.Dx(), px/2), dark, image.Point{}, draw.Src)
	draw.Draw(out, image.Rect(b.Dx()-px/3, 0, b.Dx(), b.Dy()), dark, image.Point{}, draw.Src)
	return out
}
