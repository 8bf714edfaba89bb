package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// realVersion names the generator's output in the cache: bump it when
// what the generator writes changes.
const realVersion = "v2"

// realPage is one page image of the real-rendering corpus.
type realPage struct {
	page
	doc, seq int // document index, 1-based page in the document
	of       int // pages in the document
	heldOut  bool
}

// realCorpus is what realCorpusBuild writes and realCorpusLoad reads back.
type realCorpus struct {
	Docs  []*realDoc    `json:"docs"`
	Pages []realPageRec `json:"pages"`
}

type realPageRec struct {
	Doc   int    `json:"doc"`
	Seq   int    `json:"seq"`
	Of    int    `json:"of"`
	File  string `json:"file"`
	DPI   int    `json:"dpi"`
	Set   string `json:"set"`
	Truth string `json:"truth"`
}

// writeFODT writes d as a flat ODF text document (LibreOffice's .fodt):
// A4, margins 2/2/3/2 cm, Liberation Serif, the two-column header of
// Decree 30 with the rules under the issuing body and the motto, type and
// summary centred in bold, a justified body, tables, and the signature
// block beside the recipients.
func writeFODT(path string, d *realDoc) error {
	var b strings.Builder
	esc := func(s string) string {
		var w strings.Builder
		xml.EscapeText(&w, []byte(s))
		return w.String()
	}
	p := func(style, text string) {
		fmt.Fprintf(&b, `<text:p text:style-name="%s">%s</text:p>`+"\n", style, esc(text))
	}
	sz := fmt.Sprint(d.Size)
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
<office:font-face-decls><style:font-face style:name="Liberation Serif" svg:font-family="'Liberation Serif'" style:font-family-generic="roman" style:font-pitch="variable"/></office:font-face-decls>
<office:styles><style:default-style style:family="paragraph"><style:paragraph-properties fo:margin-top="0cm" fo:margin-bottom="0cm"/><style:text-properties style:font-name="Liberation Serif" fo:font-size="` + sz + `pt" fo:language="vi" fo:country="VN"/></style:default-style></office:styles>
<office:automatic-styles>
<style:page-layout style:name="pm1"><style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm" fo:margin-top="2cm" fo:margin-bottom="2cm" fo:margin-left="3cm" fo:margin-right="2cm"/></style:page-layout>
`)
	type ps struct {
		name, align, size, weight, style, extra string
	}
	for _, s := range []ps{
		{"H", "center", "13", "normal", "normal", ""},
		{"HB", "center", "13", "bold", "normal", ""},
		{"HM", "center", "14", "bold", "normal", ""},
		{"HI", "center", "14", "normal", "italic", ""},
		{"V", "center", "12", "normal", "normal", ` fo:margin-top="0.1cm"`},
		{"R1", "center", "2", "normal", "normal", ` fo:border-top="0.6pt solid #000000" fo:margin-left="2.2cm" fo:margin-right="2.2cm" fo:margin-top="0.05cm" fo:margin-bottom="0.25cm"`},
		{"R2", "center", "2", "normal", "normal", ` fo:border-top="0.6pt solid #000000" fo:margin-left="1.6cm" fo:margin-right="1.6cm" fo:margin-top="0.05cm" fo:margin-bottom="0.25cm"`},
		{"R3", "center", "2", "normal", "normal", ` fo:border-top="0.6pt solid #000000" fo:margin-left="6.5cm" fo:margin-right="6.5cm" fo:margin-top="0.1cm" fo:margin-bottom="0.3cm"`},
		{"T", "center", "14", "bold", "normal", ` fo:margin-top="0.6cm"`},
		{"S", "center", "14", "bold", "normal", ` fo:margin-left="1cm" fo:margin-right="1cm"`},
		{"J", "justify", sz, "normal", "normal", ` fo:text-indent="1cm" fo:margin-bottom="0.2cm"`},
		{"JI", "justify", sz, "normal", "italic", ` fo:text-indent="1cm" fo:margin-bottom="0.2cm"`},
		{"CB", "center", sz, "bold", "normal", ` fo:margin-top="0.2cm" fo:margin-bottom="0.25cm"`},
		{"LB", "start", sz, "bold", "normal", ` fo:text-indent="1cm" fo:margin-bottom="0.2cm"`},
		{"SB", "center", sz, "bold", "normal", ""},
		{"SE", "center", sz, "normal", "normal", ""},
		{"NN", "start", "12", "bold", "italic", ` fo:margin-top="0.3cm"`},
		{"NL", "start", "11", "normal", "normal", ""},
		{"TH", "center", "12", "bold", "normal", ""},
		{"TC", "start", "12", "normal", "normal", ""},
	} {
		fmt.Fprintf(&b, `<style:style style:name="%s" style:family="paragraph"><style:paragraph-properties fo:text-align="%s"%s/><style:text-properties fo:font-size="%spt" fo:font-weight="%s" fo:font-style="%s"/></style:style>`+"\n",
			s.name, s.align, s.extra, s.size, s.weight, s.style)
	}
	b.WriteString(`<style:style style:name="Tb" style:family="table"><style:table-properties style:width="16cm" table:align="margins" style:may-break-between-rows="false"/></style:style>
<style:style style:name="Tg" style:family="table"><style:table-properties style:width="16cm" table:align="margins" fo:margin-top="0.1cm" fo:margin-bottom="0.3cm"/></style:style>
<style:style style:name="Cn" style:family="table-cell"><style:table-cell-properties fo:border="none" fo:padding="0.02cm"/></style:style>
<style:style style:name="Cg" style:family="table-cell"><style:table-cell-properties fo:border="0.5pt solid #000000" fo:padding="0.08cm"/></style:style>
<style:style style:name="K1" style:family="table-column"><style:table-column-properties style:column-width="6.4cm"/></style:style>
<style:style style:name="K2" style:family="table-column"><style:table-column-properties style:column-width="9.6cm"/></style:style>
<style:style style:name="K3" style:family="table-column"><style:table-column-properties style:column-width="7.5cm"/></style:style>
<style:style style:name="K4" style:family="table-column"><style:table-column-properties style:column-width="8.5cm"/></style:style>
<style:style style:name="G1" style:family="table-column"><style:table-column-properties style:column-width="1.2cm"/></style:style>
<style:style style:name="G2" style:family="table-column"><style:table-column-properties style:column-width="7cm"/></style:style>
<style:style style:name="G3" style:family="table-column"><style:table-column-properties style:column-width="4.3cm"/></style:style>
<style:style style:name="G4" style:family="table-column"><style:table-column-properties style:column-width="3.5cm"/></style:style>
</office:automatic-styles>
<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="pm1"/></office:master-styles>
<office:body><office:text>
`)
	cell := func(style string, f func()) {
		fmt.Fprintf(&b, `<table:table-cell table:style-name="%s" office:value-type="string">`, style)
		f()
		b.WriteString("</table:table-cell>\n")
	}
	// Header: issuing body | motto, then number | place and date.
	b.WriteString(`<table:table table:name="header" table:style-name="Tb"><table:table-column table:style-name="K1"/><table:table-column table:style-name="K2"/>` + "\n<table:table-row>")
	cell("Cn", func() {
		p("H", d.body.lines[0])
		p("HB", d.body.lines[1])
		p("R1", "")
	})
	cell("Cn", func() {
		p("HB", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
		p("HM", "Độc lập - Tự do - Hạnh phúc")
		p("R2", "")
	})
	b.WriteString("</table:table-row>\n<table:table-row>")
	cell("Cn", func() {
		p("H", "Số: "+d.Number)
		if d.Type == "CÔNG VĂN" {
			p("V", d.Summary)
		}
	})
	cell("Cn", func() { p("HI", d.Place+", "+d.dateVN) })
	b.WriteString("</table:table-row></table:table>\n")
	if d.Type != "CÔNG VĂN" {
		p("T", d.Type)
		p("S", d.Summary)
		p("R3", "")
	} else {
		p("R3", "")
	}
	for _, bl := range d.blocks {
		if bl.rows == nil {
			p(bl.style, bl.text)
			continue
		}
		b.WriteString(`<table:table table:name="t" table:style-name="Tg"><table:table-column table:style-name="G1"/><table:table-column table:style-name="G2"/><table:table-column table:style-name="G3"/><table:table-column table:style-name="G4"/>` + "\n")
		for r, row := range bl.rows {
			b.WriteString("<table:table-row>")
			for _, c := range row {
				cell("Cg", func() { p(map[bool]string{true: "TH", false: "TC"}[r == 0], c) })
			}
			b.WriteString("</table:table-row>\n")
		}
		b.WriteString("</table:table>\n")
	}
	// Signature block: recipients | titles, room to sign, name.
	b.WriteString(`<table:table table:name="sign" table:style-name="Tb"><table:table-column table:style-name="K3"/><table:table-column table:style-name="K4"/>` + "\n<table:table-row>")
	cell("Cn", func() {
		p("NN", "Nơi nhận:")
		for _, r := range d.recipients {
			p("NL", r)
		}
	})
	cell("Cn", func() {
		p("SE", "")
		for _, t := range d.titles {
			p("SB", t)
		}
		for range 4 {
			p("SE", "")
		}
		p("SB", d.Signer)
	})
	b.WriteString("</table:table-row></table:table>\n</office:text></office:body></office:document>\n")
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// libreOfficePDF converts the sources to PDF in dir with one headless
// LibreOffice, in a profile of its own (a user's running LibreOffice
// would otherwise take the job).
func libreOfficePDF(ctx context.Context, dir string, srcs []string) error {
	if _, err := exec.LookPath("soffice"); err != nil {
		return fmt.Errorf("the real-rendering corpus needs LibreOffice (apt-get install libreoffice-writer): %w", err)
	}
	prof, err := filepath.Abs(filepath.Join(dir, "lo-profile"))
	if err != nil {
		return err
	}
	args := append([]string{"-env:UserInstallation=file://" + prof, "--headless", "--norestore", "--convert-to", "pdf", "--outdir", dir}, srcs...)
	cmd := exec.CommandContext(ctx, "soffice", args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("soffice --convert-to pdf: %v: %s", err, out)
	}
	for _, s := range srcs {
		if _, err := os.Stat(strings.TrimSuffix(s, filepath.Ext(s)) + ".pdf"); err != nil {
			return fmt.Errorf("soffice wrote no PDF for %s: %s", s, out)
		}
	}
	return nil
}

// bboxWord is a word of pdftotext -bbox, in PDF points from the top left.
type bboxWord struct {
	x0, y0, x1, y1 float64
	text           string
}

var reBBox = regexp.MustCompile(`<word xMin="([0-9.]+)" yMin="([0-9.]+)" xMax="([0-9.]+)" yMax="([0-9.]+)">([^<]*)</word>`)

func pdfWords(ctx context.Context, pdf string, page int) ([]bboxWord, error) {
	out, err := exec.CommandContext(ctx, "pdftotext", "-bbox", "-f", fmt.Sprint(page), "-l", fmt.Sprint(page), pdf, "-").Output()
	if err != nil {
		return nil, fmt.Errorf("pdftotext -bbox %s: %w", pdf, err)
	}
	var ws []bboxWord
	for _, m := range reBBox.FindAllStringSubmatch(string(out), -1) {
		var v [4]float64
		for i := range v {
			v[i], _ = strconv.ParseFloat(m[i+1], 64)
		}
		ws = append(ws, bboxWord{v[0], v[1], v[2], v[3], htmlUnescape(m[5])})
	}
	return ws, nil
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&apos;", "'").Replace(s)
}

// pdfPageCount is the number of pages pdftotext finds, and the text of
// each in its -layout reading: rows across the columns, as OCR reads a
// page (the two-column header and signature block come out row by row,
// not column after column).
func pdfPageCount(ctx context.Context, pdf string) (int, []string, error) {
	out, err := exec.CommandContext(ctx, "pdftotext", "-layout", pdf, "-").Output()
	if err != nil {
		return 0, nil, fmt.Errorf("pdftotext %s (apt-get install poppler-utils): %w", pdf, err)
	}
	texts := strings.Split(strings.TrimRight(string(out), "\f"), "\f")
	return len(texts), texts, nil
}

// magick runs ImageMagick's convert (Debian's imagemagick), one thread.
func magick(ctx context.Context, args ...string) error {
	bin := "/usr/bin/convert" // ImageMagick 6 as Debian installs it
	if _, err := os.Stat(bin); err != nil {
		if bin, err = exec.LookPath("convert"); err != nil {
			return fmt.Errorf("the real-rendering corpus needs ImageMagick (apt-get install imagemagick): %w", err)
		}
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "MAGICK_THREAD_LIMIT=1", "OMP_THREAD_LIMIT=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("convert %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return nil
}

const (
	sansBold = "/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf"
	sans     = "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf"
)

// stampArgs draws, at 300 dpi over the page's rendering, what a paper
// original carries besides its print: on the first page the reception
// stamp ("ĐẾN", number, hour, day) below the number; on the last page the
// red seal over the left of the signer's title and name, and a signature
// scribbled across them. ws are the page's words (points).
func stampArgs(d *realDoc, seq, of int, ws []bboxWord, rng *rand.Rand, dpi int) []string {
	k := float64(dpi) / 72  // points to pixels
	s := float64(dpi) / 300 // sizes below are for 300 dpi
	tr := func(x, y, a float64) string {
		return fmt.Sprintf("translate %.0f,%.0f rotate %.1f scale %.3f,%.3f ", x, y, a, s, s)
	}
	var args []string
	if seq == 1 {
		for _, w := range ws {
			if w.text == "Số:" {
				// In the top left margin, under the number's row.
				x, y := 20*k+rng.Float64()*40*s, (w.y1+8)*k
				if d.Type == "CÔNG VĂN" {
					y += 40 * k
				}
				a := rng.Float64()*8 - 4
				ink := []string{"rgba(110,40,160,0.85)", "rgba(200,30,40,0.8)", "rgba(30,50,170,0.85)"}[rng.Intn(3)]
				at := tr(x, y, a)
				args = append(args, "-fill", "none", "-stroke", ink, "-strokewidth", "5",
					"-draw", at+"rectangle 0,0 470,240",
					"-stroke", "none", "-fill", ink, "-font", sansBold, "-pointsize", "58",
					"-draw", at+"text 18,75 'ĐẾN'",
					"-font", sans, "-pointsize", "36",
					"-draw", at+fmt.Sprintf("text 190,60 'Số: %d'", 100+rng.Intn(5000)),
					"-draw", at+fmt.Sprintf("text 190,115 'Giờ: %dh%02d'", 7+rng.Intn(10), rng.Intn(60)),
					"-draw", at+fmt.Sprintf("text 18,170 'Ngày: %d/%d/%d'", 1+rng.Intn(28), 1+rng.Intn(12), 2026),
					"-draw", at+"text 18,222 'Chuyển: ............'")
				break
			}
		}
	}
	if seq != of {
		return args
	}
	// The signer block: the right-hand words from the first title line to
	// the name, the last lines of the page.
	first := strings.Fields(d.titles[0])[0]
	last := strings.Fields(d.Signer)
	var top, bottom, left, right float64 = -1, -1, 1e9, 0
	for i, w := range ws {
		if w.x0 < 250 {
			continue
		}
		if w.text == first && top < 0 {
			top = w.y0
		}
		if top >= 0 && w.text == last[0] && i+len(last) <= len(ws) && ws[i+len(last)-1].text == last[len(last)-1] {
			bottom = ws[i+len(last)-1].y1
			for _, v := range ws[i : i+len(last)] {
				left, right = min(left, v.x0), max(right, v.x1)
			}
		}
	}
	if top < 0 || bottom < 0 {
		return args
	}
	for _, w := range ws {
		if w.x0 >= 250 && w.y0 >= top && w.y1 <= bottom {
			left, right = min(left, w.x0), max(right, w.x1)
		}
	}
	// Seal: centred over the left third of the block, on the titles.
	cx := (left + (right-left)*(0.15+0.2*rng.Float64())) * k
	cy := (top + (bottom-top)*(0.45+0.15*rng.Float64())) * k
	r := (190.0 + rng.Float64()*30) * s
	red := fmt.Sprintf("rgba(%d,%d,%d,0.82)", 200+rng.Intn(40), 20+rng.Intn(30), 30+rng.Intn(30))
	var star []string
	for i := range 10 {
		rr := 42 * s
		if i%2 == 1 {
			rr = 17 * s
		}
		a := -math.Pi/2 + float64(i)*math.Pi/5
		star = append(star, fmt.Sprintf("%.0f,%.0f", cx+rr*math.Cos(a), cy+rr*math.Sin(a)))
	}
	args = append(args, "-fill", "none", "-stroke", red, "-strokewidth", fmt.Sprintf("%.1f", 8*s),
		"-draw", fmt.Sprintf("circle %.0f,%.0f %.0f,%.0f", cx, cy, cx+r, cy),
		"-strokewidth", fmt.Sprintf("%.1f", 3*s), "-draw", fmt.Sprintf("circle %.0f,%.0f %.0f,%.0f", cx, cy, cx+r-30*s, cy),
		"-stroke", "none", "-fill", red, "-draw", "polygon "+strings.Join(star, " "),
		"-font", sansBold, "-pointsize", fmt.Sprintf("%.1f", 24*s), "-gravity", "NorthWest")
	for j, t := range []string{d.body.sealTop, d.body.sealB} {
		w := float64(len([]rune(t))) * 17 * s
		y := cy - 70*s
		if j == 1 {
			y = cy + 95*s
		}
		args = append(args, "-draw", fmt.Sprintf("text %.0f,%.0f '%s'", cx-w/2, y, t))
	}
	// Signature: a few loops across the room between the titles and the name.
	sx, sy := (left+(right-left)*0.3)*k, (bottom-22)*k
	path := fmt.Sprintf("M %.0f,%.0f", sx, sy)
	x := sx
	for range 4 + rng.Intn(3) {
		nx := x + (60+rng.Float64()*60)*s
		path += fmt.Sprintf(" C %.0f,%.0f %.0f,%.0f %.0f,%.0f", x+20*s, sy-(120+rng.Float64()*80)*s, nx-30*s, sy+40*s, nx, sy+(rng.Float64()*40-30)*s)
		x = nx
	}
	path += fmt.Sprintf(" L %.0f,%.0f", sx-20*s, sy-(10+rng.Float64()*30)*s)
	args = append(args, "-fill", "none", "-stroke", "rgba(25,35,110,0.9)", "-strokewidth", fmt.Sprintf("%.1f", 5*s), "-draw", "path '"+path+"'")
	return args
}

// scanArgs turn a colour rendering at the scan's resolution into a scan:
// skewed, noisy, then 200 dpi bilevel (blurred and thresholded, the seal
// black), 300 dpi grey JPEG or 300 dpi colour JPEG.
//
// noise seeds ImageMagick's random noise, so that a seed's corpus is the
// same scan on every build (unseeded, two builds differed in the letters
// Tesseract read under the seal).
func scanArgs(scan string, skew float64, noise int64) (args []string, ext string, dpi int) {
	rot := []string{"-seed", fmt.Sprint(noise), "-virtual-pixel", "White", "-distort", "SRT", fmt.Sprintf("%.2f", skew)}
	switch scan {
	case "bilevel200":
		return append(append([]string{"-colorspace", "Gray"}, rot...), "-blur", "0x0.7",
			"-attenuate", "0.6", "+noise", "Gaussian", "-threshold", "55%", "-type", "bilevel",
			"-units", "PixelsPerInch", "-density", "200"), ".png", 200
	case "grey300":
		return append(append([]string{"-colorspace", "Gray"}, rot...), "-blur", "0x0.5", "-attenuate", "0.3",
			"+noise", "Gaussian", "-quality", "70", "-units", "PixelsPerInch", "-density", "300"), ".jpg", 300
	default:
		return append(rot, "-attenuate", "0.3", "+noise", "Gaussian", "-quality", "80",
			"-units", "PixelsPerInch", "-density", "300"), ".jpg", 300
	}
}

// realCorpusBuild writes n documents from seed into dir (sources, PDFs,
// page images, manifest.json), or reads them back when dir already holds
// them.
func realCorpusBuild(ctx context.Context, dir string, seed int64, n int) (*realCorpus, error) {
	man := filepath.Join(dir, fmt.Sprintf("manifest-layout-n%d.json", n))
	if b, err := os.ReadFile(man); err == nil {
		var c realCorpus
		if err := json.Unmarshal(b, &c); err == nil && len(c.Docs) == n {
			for i, d := range c.Docs { // the unexported parts
				c.Docs[i] = newRealDoc(seed, d.Index)
			}
			return &c, nil
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	c := &realCorpus{}
	// A document already rendered (a smaller corpus of the same seed) is
	// kept: document i does not depend on n.
	var srcs []string
	for i := range n {
		d := newRealDoc(seed, i)
		c.Docs = append(c.Docs, d)
		if _, err := os.Stat(filepath.Join(dir, d.Name+".pdf")); err == nil {
			continue
		}
		src := filepath.Join(dir, d.Name+".fodt")
		if err := writeFODT(src, d); err != nil {
			return nil, err
		}
		srcs = append(srcs, src)
	}
	if len(srcs) > 0 {
		if err := libreOfficePDF(ctx, dir, srcs); err != nil {
			return nil, err
		}
	}
	type job struct {
		d   *realDoc
		seq int
	}
	var jobs []job
	counts := map[int]int{}
	for _, d := range c.Docs {
		pdf := filepath.Join(dir, d.Name+".pdf")
		nPages, texts, err := pdfPageCount(ctx, pdf)
		if err != nil {
			return nil, err
		}
		counts[d.Index] = nPages
		for s := 1; s <= nPages; s++ {
			jobs = append(jobs, job{d, s})
			c.Pages = append(c.Pages, realPageRec{Doc: d.Index, Seq: s, Of: nPages, Set: d.Scan, Truth: strings.TrimSpace(texts[s-1])})
		}
	}
	// Rasterise and damage, two pages at a time.
	errs := make([]error, len(jobs))
	work := make(chan int)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for i := range work {
				j := jobs[i]
				errs[i] = realPageImage(ctx, dir, j.d, j.seq, counts[j.d.Index], &c.Pages[i])
			}
		})
	}
	for i := range jobs {
		work <- i
	}
	close(work)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(c, "", " ")
	if err != nil {
		return nil, err
	}
	return c, os.WriteFile(man, b, 0o644)
}

// realPageImage renders page seq of d in colour at the scan's resolution,
// stamps it and scans it as d.Scan says.
func realPageImage(ctx context.Context, dir string, d *realDoc, seq, of int, rec *realPageRec) error {
	pdf := filepath.Join(dir, d.Name+".pdf")
	stem := filepath.Join(dir, fmt.Sprintf("%s-p%d", d.Name, seq))
	dpi := 300
	if d.Scan == "bilevel200" {
		dpi = 200
	}
	rng := rand.New(rand.NewSource(int64(d.Index)*101 + int64(seq)))
	args, ext, _ := scanArgs(d.Scan, d.Skew+rng.Float64()*0.2-0.1, rng.Int63n(1<<31))
	out := stem + "-" + d.Scan + ext
	rec.File, rec.DPI = filepath.Base(out), dpi
	if _, err := os.Stat(out); err == nil {
		return nil // made by an earlier build
	}
	if out, err := exec.CommandContext(ctx, "pdftoppm", "-r", fmt.Sprint(dpi), "-png", "-singlefile", "-f", fmt.Sprint(seq), "-l", fmt.Sprint(seq), pdf, stem+"-render").CombinedOutput(); err != nil {
		return fmt.Errorf("pdftoppm %s: %v: %s", pdf, err, out)
	}
	ws, err := pdfWords(ctx, pdf, seq)
	if err != nil {
		return err
	}
	all := append(append([]string{stem + "-render.png"}, stampArgs(d, seq, of, ws, rng, dpi)...), "-gravity", "NorthWest")
	tmp := stem + "-partial" + ext // a build cut short leaves no page to reuse
	if err := magick(ctx, append(append(all, args...), tmp)...); err != nil {
		return err
	}
	os.Remove(stem + "-render.png")
	return os.Rename(tmp, out)
}

// realPages loads the corpus's page images.
func (c *realCorpus) pages(dir string) ([]realPage, error) {
	var out []realPage
	for _, r := range c.Pages {
		f := filepath.Join(dir, r.File)
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		out = append(out, realPage{page: page{name: r.File, set: r.Set, file: f, data: data, truth: r.Truth, dpi: r.DPI},
			doc: r.Doc, seq: r.Seq, of: r.Of, heldOut: heldOut(r.Doc)})
	}
	return out, nil
}
