package separator

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// sheetImage prints the separator sheet and scans it back: pdftoppm
// (poppler-utils) rasterises the PDF at 200 dpi in grey.
func sheetImage(t *testing.T) (image.Image, string) {
	t.Helper()
	dir := t.TempDir()
	var pdf bytes.Buffer
	if err := Sheet(&pdf); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "sheet.pdf")
	if err := os.WriteFile(in, pdf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "sheet")
	if b, err := exec.Command("pdftoppm", "-r", "200", "-gray", "-png", "-singlefile", in, out).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm (Debian package poppler-utils): %v\n%s", err, b)
	}
	f, err := os.Open(out + ".png")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img, out + ".png"
}

func TestSheet(t *testing.T) {
	img, path := sheetImage(t)
	if b := img.Bounds(); b.Dx() < 1600 || b.Dx() > 1700 || b.Dy() < 2300 || b.Dy() > 2400 {
		t.Errorf("sheet at 200 dpi is %v, want A4 (1654×2339)", b)
	}
	if !IsSeparatorSheet(img) {
		t.Error("the printed sheet is not recognised as a separator")
	}
	if IsBlank(img, 0) {
		t.Error("the printed sheet counts as blank")
	}
	// A decoder we did not write reads the same code.
	b, err := exec.Command("zbarimg", "--quiet", "--raw", path).Output()
	if err != nil {
		t.Fatalf("zbarimg (Debian package zbar-tools): %v\n%s", err, b)
	}
	if strings.TrimSpace(string(b)) != Payload {
		t.Errorf("zbarimg reads %q, want %q", b, Payload)
	}
}

// textPage is a page of "print": rows of dark word-sized boxes.
func textPage(seed uint64) image.Image {
	r := rand.New(rand.NewPCG(seed, 1))
	img := image.NewGray(image.Rect(0, 0, 1654, 2339))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	for y := 200; y < 2100; y += 60 {
		for x := 150; x < 1450; {
			w := 40 + r.IntN(160)
			draw.Draw(img, image.Rect(x, y, x+w, y+28), image.Black, image.Point{}, draw.Src)
			x += w + 25
		}
	}
	return img
}

// blankPage is a white page with what scanners add: a dark feeder edge,
// a few specks of dust, light grey noise.
func blankPage(seed uint64) image.Image {
	r := rand.New(rand.NewPCG(seed, 2))
	img := image.NewGray(image.Rect(0, 0, 1654, 2339))
	for i := range img.Pix {
		img.Pix[i] = uint8(225 + r.IntN(30))
	}
	draw.Draw(img, image.Rect(0, 0, 40, 2339), image.Black, image.Point{}, draw.Src) // edge shadow
	for range 30 {
		x, y := 100+r.IntN(1400), 100+r.IntN(2100)
		draw.Draw(img, image.Rect(x, y, x+3, y+3), &image.Uniform{color.Gray{40}}, image.Point{}, draw.Src)
	}
	return img
}

func TestIsBlank(t *testing.T) {
	for i := range uint64(5) {
		if !IsBlank(blankPage(i), 0) {
			t.Errorf("blank page %d not blank", i)
		}
		if IsBlank(textPage(i), 0) {
			t.Errorf("text page %d counts as blank", i)
		}
	}
	// A page with one short line of text (a near-empty last page) is not blank.
	img := blankPage(9).(*image.Gray)
	draw.Draw(img, image.Rect(200, 300, 900, 330), image.Black, image.Point{}, draw.Src)
	if IsBlank(img, 0) {
		t.Error("a page with one line of text counts as blank")
	}
}

func TestSplitter(t *testing.T) {
	sheet, _ := sheetImage(t)
	T, B, S := "text", "blank", "sheet"
	stream := []string{S, T, T, B, T, S, T, B, B, T, S, S, T}
	for _, tc := range []struct {
		mode Mode
		want string // documents as page numbers
	}{
		{PerFile, "[[2 3 4 5 7 8 9 10 13]]"}, // sheets and blanks are pages too (1, 6, 11, 12 are sheets: not emitted? see below)
		{Blank, "[[1 2 3] [5 6 7] [10 11 12 13]]"},
		{QR, "[[2 3 4 5] [7 8 9 10] [13]]"},
		{Either, "[[2 3] [5] [7] [10] [13]]"},
	} {
		t.Run(string(tc.mode), func(t *testing.T) {
			var docs [][]int
			s := &Splitter{Mode: tc.mode, Emit: func(ctx context.Context, doc []Page) error {
				var seqs []int
				for _, p := range doc {
					seqs = append(seqs, p.Seq)
				}
				docs = append(docs, seqs)
				return nil
			}}
			ctx := context.Background()
			for i, kind := range stream {
				img := map[string]image.Image{T: textPage(uint64(i)), B: blankPage(uint64(i)), S: sheet}[kind]
				if err := s.Add(ctx, Page{Seq: i + 1, Path: fmt.Sprint(i + 1)}, img); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Close(ctx); err != nil {
				t.Fatal(err)
			}
			want := tc.want
			if tc.mode == PerFile {
				want = "[[1 2 3 4 5 6 7 8 9 10 11 12 13]]" // nothing is a separator
			}
			if got := fmt.Sprint(docs); got != want {
				t.Errorf("documents %s, want %s", got, want)
			}
		})
	}
}

func TestWritePDF(t *testing.T) {
	dir := t.TempDir()
	var pages []Page
	for i := range 3 {
		p := filepath.Join(dir, fmt.Sprintf("p%d.png", i+1))
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		png.Encode(f, textPage(uint64(i)))
		f.Close()
		pages = append(pages, Page{Seq: i + 1, Path: p})
	}
	var pdf bytes.Buffer
	if err := WritePDF(&pdf, pages); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "doc.pdf")
	os.WriteFile(in, pdf.Bytes(), 0o644)
	// poppler counts the pages and lists one image on each.
	b, err := exec.Command("pdfimages", "-list", in).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfimages (poppler-utils): %v\n%s", err, b)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")[2:]
	var pagesSeen []string
	for _, l := range lines {
		pagesSeen = append(pagesSeen, strings.Fields(l)[0])
	}
	if !slices.Equal(pagesSeen, []string{"1", "2", "3"}) {
		t.Errorf("pdfimages lists images on pages %v, want one on each of 3:\n%s", pagesSeen, b)
	}
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]Mode{"": PerFile, "file": PerFile, "blank": Blank, "qr": QR, "blank-or-qr": Either} {
		if got, err := ParseMode(in); err != nil || got != want {
			t.Errorf("ParseMode(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseMode("patch"); err == nil {
		t.Error("ParseMode(patch) accepted")
	}
}
