package ingesttest

import (
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// Kind is a PDF as a common tool writes it, made by that tool from the
// sample scans.
type Kind struct {
	Name   string // file name
	Path   string
	Tool   string // the command that made it
	Source string // the sample scan whose first page it holds; "" for none
	Pages  int
	Text   []bool // by page: carries its own text (kept, not OCR'd)
	// Pixels says how the page image Split takes out compares with the
	// source: "jpeg" (the same JPEG bytes), "exact" (the same pixels),
	// "close" (a rendering or a re-encoding: nearly the same pixels),
	// "" (not compared: the scan is placed on a larger page).
	Pixels string
}

// LetterText is the text of the born-digital letter LibreOffice exports.
const LetterText = `ỦY BAN NHÂN DÂN PHƯỜNG BẾN NGHÉ
Số: 125/TB-UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
THÔNG BÁO
Về việc tiếp nhận hồ sơ thủ tục hành chính trực tuyến
Ủy ban nhân dân phường thông báo đến các tổ chức và công dân được biết:
kể từ ngày 01 tháng 7 năm 2026, việc tiếp nhận hồ sơ được thực hiện tại bộ phận một cửa.
`

// PDFKinds makes, in dir, PDFs of page images as everyday tools write
// them, from the samples in samples (synthetic.WriteSamples: the bilevel
// 200 dpi TIFF quyet-dinh.tif, the grey 300 dpi JPEG cong-van.jpg and the
// bilevel PNG giay-chung-nhan.png). Every file is made by the real tool
// from Debian's packages (ghostscript, libtiff-tools, img2pdf, qpdf,
// libopenjp2-tools, libreoffice-writer, imagemagick), except the JBIG2
// one: see JBIG2FromG4.
func PDFKinds(t testing.TB, samples, dir string) []Kind {
	t.Helper()
	in := func(name string) string { return filepath.Join(samples, name) }
	out := func(name string) string { return filepath.Join(dir, name) }
	run := func(name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, b)
		}
		return name + " " + strings.Join(args, " ")
	}
	var kinds []Kind
	add := func(k Kind) {
		k.Path = out(k.Name)
		if k.Text == nil {
			k.Text = make([]bool, k.Pages)
		}
		kinds = append(kinds, k)
	}
	// A fax-style scan: the first page, CCITT G4.
	run("tiffcp", "-c", "g4", in("quyet-dinh.tif")+",0", out("g4.tif"))
	run("convert", in("cong-van.jpg"), "-compress", "none", out("grey.tif"))
	run("convert", in("cong-van.jpg"), out("grey.pgm"))

	add(Kind{Name: "tiff2pdf-g4.pdf", Tool: run("tiff2pdf", "-o", out("tiff2pdf-g4.pdf"), out("g4.tif")),
		Source: "quyet-dinh.tif", Pages: 1, Pixels: "exact"})
	add(Kind{Name: "tiff2pdf-z.pdf", Tool: run("tiff2pdf", "-z", "-o", out("tiff2pdf-z.pdf"), out("grey.tif")),
		Source: "cong-van.jpg", Pages: 1, Pixels: "close"})
	// ImageMagick writes the PNG's white point and chromaticities into
	// the TIFF, which tiff2pdf turns into a CalGray colour space.
	run("convert", in("giay-chung-nhan.png"), out("calgray.tif"))
	add(Kind{Name: "tiff2pdf-z-calgray.pdf", Tool: run("tiff2pdf", "-z", "-o", out("tiff2pdf-z-calgray.pdf"), out("calgray.tif")),
		Source: "giay-chung-nhan.png", Pages: 1, Pixels: "exact"})
	add(Kind{Name: "tiff2pdf-j.pdf", Tool: run("tiff2pdf", "-j", "-q", "95", "-o", out("tiff2pdf-j.pdf"), out("grey.tif")),
		Source: "cong-van.jpg", Pages: 1, Pixels: "close"})
	add(Kind{Name: "img2pdf-jpeg.pdf", Tool: run("img2pdf", "-o", out("img2pdf-jpeg.pdf"), in("cong-van.jpg")),
		Source: "cong-van.jpg", Pages: 1, Pixels: "jpeg"})
	add(Kind{Name: "img2pdf-png.pdf", Tool: run("img2pdf", "-o", out("img2pdf-png.pdf"), in("giay-chung-nhan.png")),
		Source: "giay-chung-nhan.png", Pages: 1, Pixels: "exact"})
	add(Kind{Name: "gs-pdfwrite.pdf", Tool: run("gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pdfwrite",
		"-o", out("gs-pdfwrite.pdf"), out("tiff2pdf-g4.pdf")), Source: "quyet-dinh.tif", Pages: 1, Pixels: "exact"})
	add(Kind{Name: "gs-pdfwrite-jpeg.pdf", Tool: run("gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pdfwrite",
		"-o", out("gs-pdfwrite-jpeg.pdf"), out("img2pdf-jpeg.pdf")), Source: "cong-van.jpg", Pages: 1, Pixels: "close"})
	add(Kind{Name: "gs-inline.pdf", Tool: run("gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pdfwrite",
		"-dMaxInlineImageSize=100000000", "-o", out("gs-inline.pdf"), out("tiff2pdf-g4.pdf")),
		Source: "quyet-dinh.tif", Pages: 1, Pixels: "close"})
	run("gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pdfwrite", "-dDEVICEWIDTHPOINTS=595.44",
		"-dDEVICEHEIGHTPOINTS=842.04", "-dFIXEDMEDIA", "-o", out("blank.pdf"), "-c", "showpage")
	add(Kind{Name: "qpdf-form.pdf", Tool: run("qpdf", out("blank.pdf"), "--overlay", out("tiff2pdf-g4.pdf"), "--",
		out("qpdf-form.pdf")), Source: "quyet-dinh.tif", Pages: 1, Pixels: "close"})
	run("opj_compress", "-i", out("grey.pgm"), "-o", out("grey.jp2"))
	add(Kind{Name: "jpx.pdf", Tool: "opj_compress -i grey.pgm -o grey.jp2; " +
		run("img2pdf", "-s", "300dpi", "-o", out("jpx.pdf"), out("grey.jp2")),
		Source: "cong-van.jpg", Pages: 1, Pixels: "close"})
	JBIG2FromG4(t, out("tiff2pdf-g4.pdf"), out("jbig2.pdf"))
	add(Kind{Name: "jbig2.pdf", Tool: "JBIG2FromG4(tiff2pdf-g4.pdf)", Source: "quyet-dinh.tif", Pages: 1, Pixels: "close"})

	// LibreOffice: a born-digital letter, and a picture with transparency.
	lo := func(src, filter string) string {
		return run("soffice", "-env:UserInstallation=file://"+out("lo-profile"), "--headless", "--infilter="+filter,
			"--convert-to", "pdf:writer_pdf_Export", "--outdir", dir, out(src))
	}
	if err := os.WriteFile(out("libreoffice.txt"), []byte(LetterText), 0o644); err != nil {
		t.Fatal(err)
	}
	add(Kind{Name: "libreoffice.pdf", Tool: lo("libreoffice.txt", "Text (encoded):UTF8,,,"), Pages: 1, Text: []bool{true}})
	run("convert", in("cong-van.jpg"), "-alpha", "set", "-channel", "A", "-evaluate", "set", "99%", "+channel",
		"-density", "300", "-units", "PixelsPerInch", out("alpha.png"))
	html := `<html><body><p><img src="alpha.png" width="500" height="707"></p></body></html>`
	if err := os.WriteFile(out("libreoffice-mask.html"), []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	add(Kind{Name: "libreoffice-mask.pdf", Tool: lo("libreoffice-mask.html", "HTML (StarWriter)"),
		Source: "cong-van.jpg", Pages: 1})
	add(Kind{Name: "mixed.pdf", Tool: run("qpdf", "--empty", "--pages", out("libreoffice.pdf"), out("tiff2pdf-g4.pdf"), "--",
		out("mixed.pdf")), Pages: 2, Text: []bool{true, false}})
	return kinds
}

// JBIG2FromG4 rewrites the PDF in, whose images are CCITT G4 (as
// tiff2pdf writes a G4 TIFF), into out with each image as JBIG2.
//
// Debian has no JBIG2 encoder (jbig2enc is not packaged; Ghostscript,
// ImageMagick, libtiff and pdfcpu decode or write other formats only), so
// the stream is made here, and made to the letter of ITU-T T.88 in the
// form PDF embeds (PDF 32000-1 7.4.7: no file header): a page
// information segment, an immediate lossless generic region coded with
// MMR, and an end-of-page segment. A generic region with MMR set carries
// T.6 (G4) coded data (T.88 6.2.6), so the G4 bits libtiff wrote are the
// region's data as they are. Real encoders (jbig2enc) use the arithmetic
// coder and symbol dictionaries instead; both are decoded by the same
// JBIG2 decoder in poppler, which is what sohoa relies on.
func JBIG2FromG4(t testing.TB, in, out string) {
	t.Helper()
	ctx, err := api.ReadContextFile(in)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ctx.Table {
		if e == nil || e.Object == nil {
			continue
		}
		sd, ok := e.Object.(types.StreamDict)
		if !ok || sd.Subtype() == nil || *sd.Subtype() != "Image" || !sd.HasSoleFilterNamed("CCITTFaxDecode") {
			continue
		}
		w, h := *sd.IntEntry("Width"), *sd.IntEntry("Height")
		parms := sd.FilterPipeline[0].DecodeParms
		if k := parms.IntEntry("K"); k == nil || *k >= 0 {
			t.Fatalf("%s: CCITT image is not G4", in)
		}
		jb := jbig2MMR(w, h, sd.Raw)
		sd.Raw = jb
		sd.Content = nil
		sd.FilterPipeline = []types.PDFFilter{{Name: "JBIG2Decode"}}
		sd.Dict["Filter"] = types.Name("JBIG2Decode")
		delete(sd.Dict, "DecodeParms")
		l := int64(len(jb))
		sd.StreamLength = &l
		sd.Dict["Length"] = types.Integer(len(jb))
		e.Object = sd
		n++
	}
	if n == 0 {
		t.Fatalf("%s: no G4 image", in)
	}
	if err := api.WriteContextFile(ctx, out); err != nil {
		t.Fatal(err)
	}
}

// jbig2MMR is a JBIG2 embedded stream of one w×h page whose bitmap is
// the T.6-coded data g4.
func jbig2MMR(w, h int, g4 []byte) []byte {
	var b []byte
	u32 := func(v int) { b = binary.BigEndian.AppendUint32(b, uint32(v)) }
	segment := func(num int, typ byte, data []byte) {
		u32(num)
		b = append(b, typ, 0, 1) // flags: type, 1-byte page association; no referred-to segments; page 1
		u32(len(data))
		b = append(b, data...)
	}
	var page []byte
	page = binary.BigEndian.AppendUint32(page, uint32(w))
	page = binary.BigEndian.AppendUint32(page, uint32(h))
	page = append(page, make([]byte, 8)...) // resolution unknown
	page = append(page, 0)                  // flags: default pixel 0, OR
	page = append(page, 0, 0)               // not striped
	segment(0, 48, page)
	var region []byte
	region = binary.BigEndian.AppendUint32(region, uint32(w))
	region = binary.BigEndian.AppendUint32(region, uint32(h))
	region = append(region, make([]byte, 8)...) // at 0, 0
	region = append(region, 0)                  // external combination: OR
	region = append(region, 1)                  // generic region flags: MMR
	region = append(region, g4...)
	segment(1, 38, region) // 38: immediate generic region
	segment(2, 49, nil)    // end of page
	return b
}
