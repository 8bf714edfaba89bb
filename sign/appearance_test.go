package sign

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// renderPage renders one page with poppler's pdftoppm at 100 dpi, in grey.
func renderPage(t *testing.T, pdf []byte, page int) *image.Gray {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pdf")
	os.WriteFile(in, pdf, 0o644)
	if out, err := run(t, "pdftoppm", "-r", "100", "-f", fmt.Sprint(page), "-l", fmt.Sprint(page), "-gray", "-png", "-singlefile", in, filepath.Join(dir, "page")); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	f, err := os.Open(filepath.Join(dir, "page.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	g, ok := img.(*image.Gray)
	if !ok {
		g = image.NewGray(img.Bounds())
		for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
			for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
				g.Set(x, y, img.At(x, y))
			}
		}
	}
	return g
}

// pixelRect converts a rectangle in points (PDF user space, page height pageH) to pixels at 100 dpi.
func pixelRect(r [4]float64, pageH float64) image.Rectangle {
	s := 100.0 / 72
	return image.Rect(int(r[0]*s), int((pageH-r[3])*s), int(r[2]*s+0.999), int((pageH-r[1])*s+0.999))
}

// darkRatio is the share of pixels in r darker than mid-grey.
func darkRatio(g *image.Gray, r image.Rectangle) float64 {
	r = r.Intersect(g.Bounds())
	dark, n := 0, 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			n++
			if g.GrayAt(x, y).Y < 128 {
				dark++
			}
		}
	}
	if n == 0 {
		return 0
	}
	return float64(dark) / float64(n)
}

// changedOutside counts the pixels that differ between a and b outside the rectangles (grown by 2 px).
func changedOutside(a, b *image.Gray, rects ...image.Rectangle) int {
	n := 0
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
	pixel:
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			p := image.Pt(x, y)
			for _, r := range rects {
				if p.In(r.Inset(-2)) {
					continue pixel
				}
			}
			if a.GrayAt(x, y) != b.GrayAt(x, y) {
				n++
			}
		}
	}
	return n
}

// textIn runs pdftotext on a rectangle of a page (points; pdftotext's default 72 dpi makes pixels points).
func textIn(t *testing.T, path string, page int, r [4]float64, pageH float64) string {
	t.Helper()
	args := []string{"-f", fmt.Sprint(page), "-l", fmt.Sprint(page), "-enc", "UTF-8",
		"-x", fmt.Sprint(int(r[0])), "-y", fmt.Sprint(int(pageH - r[3])), "-W", fmt.Sprint(int(r[2]-r[0]) + 1), "-H", fmt.Sprint(int(r[3]-r[1]) + 1), path, "-"}
	out, err := run(t, "pdftotext", args...)
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return out
}

func TestVisibleSignature(t *testing.T) {
	id, caFile := testIdentity(t)
	const pageH = 842.0
	tm := time.Date(2026, 6, 5, 7, 3, 12, 0, time.UTC) // 14:03:12 in Hà Nội
	custom := [4]float64{60, 300, 330, 390}
	tests := []struct {
		name       string
		in         []byte
		page       int        // Appearance.Page of both signatures
		wantPage   int        // the page they land on
		rect2      [4]float64 // second signature's Rect (zero: default, stacked above the first)
		xrefStream bool
	}{
		{"classic, last page, default rects", makePDF(pdfSpec{pages: 3, acroFormField: true}), 0, 3, [4]float64{}, false},
		{"xref stream, page 1, custom second rect", rewrite(t, makePDF(pdfSpec{pages: 2, annotsRef: true}), true), 1, 1, custom, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opt1 := Options{Name: "Nguyễn Văn An", Reason: "Chứng thực bản sao đúng với bản chính", Time: tm,
				Appearance: &Appearance{Page: tc.page, Organisation: "Phòng Tư pháp quận Hoàn Kiếm"}}
			once := signBytes(t, tc.in, id, opt1)
			opt2 := Options{Name: "Trần Thị Bình", Reason: "Đóng dấu cơ quan", Time: tm.Add(time.Minute),
				Appearance: &Appearance{Page: tc.page, Rect: tc.rect2, Organisation: "UBND phường Bến Nghé"}}
			twice := signBytes(t, once, id, opt2)
			if !bytes.HasPrefix(twice, once) || !bytes.HasPrefix(once, tc.in) {
				t.Fatal("earlier revisions are not prefixes")
			}
			if got := bytes.Contains(twice[len(once):], []byte("/Type /XRef")); got != tc.xrefStream {
				t.Errorf("second update has an xref stream = %v, want %v", got, tc.xrefStream)
			}
			path := writeTemp(t, "visible.pdf", twice)

			// Checked by others: poppler, qpdf, pdfcpu, OpenSSL.
			got, err := run(t, "pdfsig", path)
			if err != nil || strings.Count(got, "Signature is Valid.") != 2 {
				t.Fatalf("pdfsig: %v\n%s", err, got)
			}
			if got, err := run(t, "qpdf", "--check", path); err != nil {
				t.Fatalf("qpdf --check: %v\n%s", err, got)
			}
			checkPdfcpu(t, path, caFile, 2)
			checkOpenSSL(t, twice, caFile)
			fonts, err := run(t, "pdffonts", "-f", fmt.Sprint(tc.wantPage), "-l", fmt.Sprint(tc.wantPage), path)
			if err != nil || !strings.Contains(fonts, "LiberationSans") || !strings.Contains(fonts, "CID TrueType") {
				t.Fatalf("pdffonts: %v\n%s", err, fonts)
			}
			for _, l := range strings.Split(fonts, "\n") {
				if strings.Contains(l, "LiberationSans") && !strings.Contains(l, "Identity-H       yes yes yes") {
					t.Errorf("stamp font not embedded as a subset with ToUnicode: %q", l)
				}
			}

			// Where the stamps are, per the widgets: independent of the package, by regexp.
			rects := widgetRects(t, twice)
			if len(rects) != 2 {
				t.Fatalf("widget rects %v, want 2", rects)
			}
			r1, r2 := rects[0], rects[1]
			if want := [4]float64{595 - 28 - 200, 28, 595 - 28, 28 + 70}; r1 != want {
				t.Errorf("first stamp at %v, want bottom-right %v", r1, want)
			}
			if tc.rect2 != ([4]float64{}) && r2 != tc.rect2 {
				t.Errorf("second stamp at %v, want %v", r2, tc.rect2)
			}
			if r1[0] < r2[2] && r2[0] < r1[2] && r1[1] < r2[3] && r2[1] < r1[3] {
				t.Errorf("stamps overlap: %v %v", r1, r2)
			}

			// Rendering: each stamp area is inked, nothing else on the page moved.
			plain, signed := renderPage(t, tc.in, tc.wantPage), renderPage(t, twice, tc.wantPage)
			if plain.Bounds() != signed.Bounds() {
				t.Fatalf("page size changed: %v -> %v", plain.Bounds(), signed.Bounds())
			}
			p1, p2 := pixelRect(r1, pageH), pixelRect(r2, pageH)
			for i, pr := range []image.Rectangle{p1, p2} {
				before, after := darkRatio(plain, pr), darkRatio(signed, pr)
				if before > 0.001 || after < 0.05 {
					t.Errorf("stamp %d area %v: dark pixels %.3f before, %.3f after signing", i+1, pr, before, after)
				}
			}
			if n := changedOutside(plain, signed, p1, p2); n != 0 {
				t.Errorf("%d pixels changed outside the stamps", n)
			}
			other := 1
			if tc.wantPage == 1 {
				other = 2
			}
			if n := changedOutside(renderPage(t, tc.in, other), renderPage(t, twice, other)); n != 0 {
				t.Errorf("page %d (no stamp): %d pixels changed", other, n)
			}

			// Text: extractable, with its diacritics, from each stamp's rectangle.
			for i, c := range []struct {
				r    [4]float64
				want []string
			}{
				{r1, []string{"Người ký: Nguyễn Văn An", "Cơ quan: Phòng Tư pháp quận Hoàn Kiếm", "Thời gian ký: 05/06/2026 14:03:12 +07:00", "Lý do: Chứng thực bản sao"}},
				{r2, []string{"Người ký: Trần Thị Bình", "Cơ quan: UBND phường Bến Nghé", "Thời gian ký: 05/06/2026 14:04:12 +07:00", "Lý do: Đóng dấu cơ quan"}},
			} {
				txt := textIn(t, path, tc.wantPage, c.r, pageH)
				for _, w := range c.want {
					if !strings.Contains(txt, w) {
						t.Errorf("stamp %d text lacks %q:\n%s", i+1, w, txt)
					}
				}
			}

			rep, err := Verify(bytes.NewReader(twice), int64(len(twice)), nil)
			if err != nil || len(rep.Signatures) != 2 || !rep.AllIntact() {
				t.Fatalf("Verify: %v %+v", err, rep)
			}
			for _, s := range rep.Signatures {
				if len(s.Modifications) > 0 || len(s.Problems) > 0 {
					t.Errorf("%s: modifications %v, problems %v", s.Field, s.Modifications, s.Problems)
				}
			}
		})
	}
}

var sigWidgetRE = regexp.MustCompile(`/Subtype /Widget /FT /Sig /T [^\n]*?/Rect \[([^\]]*)\]`)

// widgetRects returns the /Rect of the signature widgets in file order, read by regexp.
func widgetRects(t *testing.T, pdf []byte) [][4]float64 {
	t.Helper()
	var out [][4]float64
	for _, m := range sigWidgetRE.FindAllSubmatch(pdf, -1) {
		var r [4]float64
		if _, err := fmt.Sscan(string(m[1]), &r[0], &r[1], &r[2], &r[3]); err != nil {
			t.Fatal(err)
		}
		if r != ([4]float64{}) {
			out = append(out, r)
		}
	}
	return out
}

func TestAppearanceErrors(t *testing.T) {
	id, _ := testIdentity(t)
	in := makePDF(pdfSpec{pages: 2})
	tests := []struct {
		name string
		app  Appearance
		want string
	}{
		{"no such page", Appearance{Page: 3}, "no page 3"},
		{"negative page", Appearance{Page: -1}, "invalid appearance page"},
		{"tiny rect", Appearance{Rect: [4]float64{10, 10, 12, 12}}, "too small"},
		{"missing font", Appearance{FontFile: "/nonexistent/font.ttf"}, "fonts-liberation2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			app := tc.app
			err := Sign(t.Context(), &out, bytes.NewReader(in), int64(len(in)), id, Options{Appearance: &app})
			if err == nil || !strings.Contains(err.Error(), tc.want) || out.Len() != 0 {
				t.Fatalf("err = %v (wrote %d bytes), want %q", err, out.Len(), tc.want)
			}
		})
	}
}

func TestStampLayout(t *testing.T) {
	f, err := loadStampFont(DefaultFontFile)
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("Ủy ban nhân dân thành phố Hồ Chí Minh ", 3)
	tests := []struct {
		name     string
		lines    []string
		maxSize  float64
		minLines int
	}{
		{"short lines use 10 pt", []string{"Người ký: A", "Thời gian ký: x"}, 10, 2},
		{"long line shrinks", []string{"Cơ quan: " + long}, 5, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := layoutStamp(f, tc.lines, [4]float64{0, 0, 200, 70})
			var size float64
			if _, err := fmt.Sscanf(string(s.ops[bytes.Index(s.ops, []byte("/F1 "))+4:]), "%g", &size); err != nil {
				t.Fatal(err)
			}
			if size > tc.maxSize || size < 1 {
				t.Errorf("font size %g, want ≤ %g", size, tc.maxSize)
			}
			for _, l := range tc.lines {
				_, w := s.text.encode(l)
				if w*size/1000 > 200-8+0.01 {
					t.Errorf("line %q is %g pt wide at %g pt, box is 192", l, w*size/1000, size)
				}
			}
			if n := bytes.Count(s.ops, []byte("> Tj")); n != len(tc.lines) {
				t.Errorf("%d text lines, want %d", n, len(tc.lines))
			}
		})
	}
	// A character the font lacks becomes '?', not a missing glyph.
	st := newStampText(f)
	cids, _ := st.encode("a\u4e2db")
	if len(cids) != 3 || st.runes[cids[1]] != '?' {
		t.Errorf("unknown character: cids %v runes %q", cids, st.runes)
	}
}

// Subsetting leaves the parsed font as it was: the same text gives the same program twice,
// and a font program that poppler reads (checked in TestVisibleSignature).
func TestStampSubsetRepeatable(t *testing.T) {
	f, err := loadStampFont(DefaultFontFile)
	if err != nil {
		t.Fatal(err)
	}
	glyphs := f.sfnt.Maxp.NumGlyphs
	var progs [][]byte
	for _, s := range []string{"Người ký: Nguyễn Văn An", "x", "Người ký: Nguyễn Văn An"} {
		st := newStampText(f)
		st.encode(s)
		p, err := st.subset()
		if err != nil {
			t.Fatal(err)
		}
		progs = append(progs, p)
	}
	if !bytes.Equal(progs[0], progs[2]) || bytes.Equal(progs[0], progs[1]) {
		t.Error("subsets of the same text differ, or of different texts are equal")
	}
	if f.sfnt.Maxp.NumGlyphs != glyphs || glyphs < 2000 {
		t.Errorf("parsed font has %d glyphs after subsetting, had %d", f.sfnt.Maxp.NumGlyphs, glyphs)
	}
	if len(progs[0]) > 40<<10 {
		t.Errorf("subset of one line is %d bytes: not subset?", len(progs[0]))
	}
}

func TestDefaultStampRect(t *testing.T) {
	box := [4]float64{0, 0, 595, 842}
	first := defaultStampRect(box, nil)
	if first != [4]float64{367, 28, 567, 98} {
		t.Fatalf("first = %v", first)
	}
	second := defaultStampRect(box, [][4]float64{first})
	if second != [4]float64{367, 104, 567, 174} {
		t.Errorf("second = %v", second)
	}
	if got := defaultStampRect(box, [][4]float64{{0, 0, 10, 10}}); got != first {
		t.Errorf("a far rect moved the stamp: %v", got)
	}
}
