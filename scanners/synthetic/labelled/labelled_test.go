package labelled

import (
	"bytes"
	"image"
	"regexp"
	"strings"
	"testing"

	"github.com/sohoa-vn/sohoa/scanners/synthetic"
)

func TestGenerate(t *testing.T) {
	docs := Generate(1, 12)
	fonts, sizes, modes, motto := map[string]bool{}, map[float64]bool{}, map[synthetic.Mode]bool{}, map[bool]bool{}
	reDate := regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	for _, d := range docs {
		v := d.Variant
		fonts[v.Font], sizes[v.Size], modes[v.Mode], motto[v.Motto] = true, true, true, true
		if v.Skew < -2 || v.Skew > 2 || v.Size < 12 || v.Size > 14 {
			t.Errorf("%s: variant out of range: %v", d.Name, v)
		}
		tr := d.Truth
		if !reDate.MatchString(tr.Date) {
			t.Errorf("%s: date %q", d.Name, tr.Date)
		}
		// The printed text holds every field where Decree 30 puts it.
		for _, want := range []string{"Số: " + tr.Number, tr.Place + ", ngày", tr.Signer, tr.SignerTitle} {
			if !strings.Contains(d.Text, want) {
				t.Errorf("%s: text lacks %q:\n%s", d.Name, want, d.Text)
			}
		}
		if tr.Type != "CÔNG VĂN" && !strings.Contains(d.Text, "\n"+tr.Type+"\n") {
			t.Errorf("%s: type %q not on a line of its own", d.Name, tr.Type)
		}
		if strings.Contains(d.Text, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") != v.Motto {
			t.Errorf("%s: motto %v but text:\n%s", d.Name, v.Motto, d.Text)
		}
	}
	if len(fonts) != 3 || len(sizes) != 3 || len(modes) != 2 || len(motto) != 2 {
		t.Errorf("12 documents do not cover the variants: %v %v %v %v", fonts, sizes, modes, motto)
	}
	// Reproducible.
	again := Generate(1, 12)
	for i := range docs {
		if docs[i].Text != again[i].Text || docs[i].Truth != again[i].Truth || docs[i].Variant != again[i].Variant {
			t.Fatalf("%s differs between two runs", docs[i].Name)
		}
	}
	if Generate(2, 1)[0].Text == docs[0].Text {
		t.Error("seeds 1 and 2 give the same document")
	}
}

func TestRender(t *testing.T) {
	docs := GenerateWith(1, 2, Options{NoiseLevels: []float64{0.0005}})
	for _, d := range docs {
		img := d.Render()
		w, h := synthetic.PageSize(d.Variant.Mode.DPI())
		if img.Bounds() != image.Rect(0, 0, w, h) {
			t.Errorf("%s: bounds %v, want %dx%d", d.Name, img.Bounds(), w, h)
		}
		switch m := img.(type) {
		case *image.Paletted:
			if d.Variant.Mode != synthetic.Bilevel200 || len(m.Palette) != 2 {
				t.Errorf("%s: paletted image for %v", d.Name, d.Variant.Mode)
			}
		case *image.Gray:
			if d.Variant.Mode != synthetic.Grey300 {
				t.Errorf("%s: grey image for %v", d.Name, d.Variant.Mode)
			}
		default:
			t.Errorf("%s: %T", d.Name, img)
		}
		// Ink covers a plausible share of the page.
		dark, total := 0, 0
		b := img.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y += 3 {
			for x := b.Min.X; x < b.Max.X; x += 3 {
				r, _, _, _ := img.At(x, y).RGBA()
				if r < 0x8000 {
					dark++
				}
				total++
			}
		}
		if f := float64(dark) / float64(total); f < 0.01 || f > 0.15 {
			t.Errorf("%s: %.3f of the page is dark", d.Name, f)
		}
		p1, err := d.PNG()
		if err != nil {
			t.Fatal(err)
		}
		p2, _ := d.PNG()
		if !bytes.Equal(p1, p2) {
			t.Errorf("%s: two renders differ", d.Name)
		}
	}
}

// The header's two columns never overprint each other: a line of the
// issuing body beside the national name or the motto ends short of it,
// and so does the number beside the place and date.
func TestHeaderColumnsApart(t *testing.T) {
	for _, seed := range []int64{1, 21, 53} {
		for _, d := range Generate(seed, 48) {
			for _, a := range d.lines {
				if a.text == "" || a.x != leftC {
					continue
				}
				for _, b := range d.lines {
					if b.text == "" || b.x <= leftC || b.y != a.y {
						continue
					}
					aRight := a.x + width(d.Variant.Font, a.style, a.size, a.text)/2
					bLeft := b.x - width(d.Variant.Font, b.style, b.size, b.text)/2
					if aRight+colGap/2 > bLeft {
						t.Errorf("seed %d %s (%s): %q ends at %.1f pt, %q beside it starts at %.1f pt",
							seed, d.Name, d.Variant.Font, a.text, aRight, b.text, bLeft)
					}
				}
			}
		}
	}
}
