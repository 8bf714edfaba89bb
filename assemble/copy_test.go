package assemble

import (
	"image"
	"image/color"
	"image/draw"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"golang.org/x/text/unicode/norm"

	"github.com/sohoa-vn/sohoa/ocr"
)

// cell is text drawn at a place, as one OCR block.
type cell struct {
	x, base int // pixels: left edge and baseline
	lines   []string
}

// drawCells draws cells on an A4 page at 200 dpi and returns the image and
// the OCR words, block by block as Tesseract reports columns.
func drawCells(t *testing.T, cells []cell) (*image.Gray, *ocr.Page) {
	t.Helper()
	data, err := os.ReadFile(fontPath)
	if err != nil {
		t.Fatalf("read font (apt-get install fonts-liberation2): %v", err)
	}
	f, err := opentype.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: 13, DPI: 200, Hinting: font.HintingFull})
	if err != nil {
		t.Fatal(err)
	}
	defer face.Close()
	const w, h = 1654, 2339
	img := image.NewGray(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	d := &font.Drawer{Dst: img, Src: image.NewUniform(color.Black), Face: face}
	m := face.Metrics()
	page := &ocr.Page{Width: w, Height: h}
	for b, c := range cells {
		for li, l := range c.lines {
			base := c.base + li*m.Height.Ceil()*3/2
			x := fixed.I(c.x)
			for j, word := range strings.Fields(l) {
				if j > 0 {
					x += d.MeasureString(" ")
				}
				d.Dot = fixed.Point26_6{X: x, Y: fixed.I(base)}
				d.DrawString(word)
				end := x + d.MeasureString(word)
				page.Words = append(page.Words, ocr.Word{Text: word, Conf: 95, Block: b + 1, Par: 1, Line: li + 1,
					Box: image.Rect(x.Floor(), base-m.Ascent.Ceil(), end.Ceil(), base+m.Descent.Ceil())})
				x = end
			}
		}
	}
	return img, page
}

// TestCopyText checks what a reader copies from the text layer with
// poppler: Vietnamese letters composed (NFC) as OCR gave them, spaces
// between words, and the two cells of the header's shared rows kept
// apart, each in its own reading order.
func TestCopyText(t *testing.T) {
	left := []string{"ỦY BAN NHÂN DÂN", "PHƯỜNG BẾN NGHÉ", "Số: 123/QĐ-UBND"}
	right := []string{"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Bến Nghé, ngày 05 tháng 6 năm 2026"}
	body := []string{"Quyết định về việc cấp giấy chứng nhận quyền sử dụng đất cho ông Nguyễn Văn Hưởng,",
		"bà Trần Thị Thủy; địa chỉ: số 12 đường Lê Thánh Tôn, phường Bến Nghé."}
	img, words := drawCells(t, []cell{{x: 300, base: 200, lines: left}, {x: 820, base: 200, lines: right}, {x: 240, base: 600, lines: body}})
	path := filepath.Join(t.TempDir(), "copy.pdf")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	err = WritePages(f, Info{Title: "copy", Created: time.Date(2026, 6, 5, 0, 0, 0, 0, time.UTC)},
		[]Page{{Image: encode(t, threshold(img), "png"), Format: "png", DPI: 200, OCR: words}})
	if err != nil {
		t.Fatal(err)
	}
	f.Close()

	for _, mode := range []struct {
		name string
		args []string
	}{{"reading order", nil}, {"layout", []string{"-layout"}}, {"raw", []string{"-raw"}}} {
		t.Run(mode.name, func(t *testing.T) {
			out := run(t, "pdftotext", append(append([]string{}, mode.args...), "-enc", "UTF-8", path, "-")...)
			if !norm.NFC.IsNormalString(out) {
				t.Errorf("extracted text is not NFC:\n%q", out)
			}
			// Each line of each cell comes out whole: words in order, one
			// space apart, nothing from the other column inside.
			lines := map[string]bool{}
			for _, l := range strings.Split(out, "\n") {
				for _, part := range regexp2Split(l) {
					lines[part] = true
				}
			}
			for _, want := range append(append(append([]string{}, left...), right...), body...) {
				if !lines[want] {
					t.Errorf("line %q not extracted whole:\n%s", want, out)
				}
			}
		})
	}
	// Per-word extraction returns the OCR words exactly.
	out := run(t, "pdftotext", "-bbox", path, "-")
	for _, w := range words.Words {
		if !strings.Contains(out, ">"+htmlEscape(w.Text)+"</word>") {
			t.Errorf("word %q not in -bbox output", w.Text)
		}
	}
}

// regexp2Split cuts a -layout line at runs of 3 or more spaces (the gap
// between the columns) and trims each part.
func regexp2Split(l string) []string {
	var out []string
	for _, p := range strings.Split(l, "   ") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}
