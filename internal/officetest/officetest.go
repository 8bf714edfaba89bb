// Package officetest makes test pages the way offices make them: a
// document typeset by LibreOffice (headless, Liberation Serif 14 pt,
// justified, as Decree 30/2020 documents are), exported to PDF,
// rasterised by poppler's pdftoppm, and turned or tilted by ImageMagick as
// a crooked scan would be. Every tool is the real one from Debian's
// packages; a missing tool fails the test, never skips it.
package officetest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// Doc is a document to typeset: centred bold heading lines, then
// justified paragraphs.
type Doc struct {
	Heading []string
	Body    []string
}

// Decree is a one-page administrative decision.
var Decree = Doc{
	Heading: []string{"ỦY BAN NHÂN DÂN TỈNH BẮC NINH", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
		"Độc lập - Tự do - Hạnh phúc", "QUYẾT ĐỊNH"},
	Body: []string{
		"Về việc phê duyệt kế hoạch số hóa hồ sơ lưu trữ và kết quả giải quyết thủ tục hành chính còn hiệu lực trên địa bàn tỉnh năm 2026.",
		"Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; Căn cứ Luật Giao dịch điện tử ngày 22 tháng 6 năm 2023; Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư; Theo đề nghị của Giám đốc Sở Nội vụ tại Tờ trình số 123/TTr-SNV.",
		"Điều 1. Phê duyệt kế hoạch số hóa hồ sơ, tài liệu lưu trữ của các cơ quan, tổ chức thuộc phạm vi quản lý của tỉnh, bảo đảm dữ liệu được cập nhật đầy đủ, chính xác và kết nối với cơ sở dữ liệu quốc gia.",
		"Điều 2. Giao Sở Nội vụ chủ trì, phối hợp với các sở, ban, ngành và Ủy ban nhân dân các huyện, thị xã, thành phố tổ chức triển khai thực hiện kế hoạch này; định kỳ báo cáo kết quả về Ủy ban nhân dân tỉnh trước ngày 15 tháng 12 hằng năm.",
		"Điều 3. Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng Ủy ban nhân dân tỉnh, Giám đốc các sở, Thủ trưởng các ban, ngành và Chủ tịch Ủy ban nhân dân các huyện chịu trách nhiệm thi hành Quyết định này.",
	},
}

// Notice is a short notice that fills a third of its page.
var Notice = Doc{
	Heading: []string{"SỞ TƯ PHÁP THÀNH PHỐ HÀ NỘI", "THÔNG BÁO"},
	Body: []string{
		"Sở Tư pháp thông báo lịch tiếp nhận hồ sơ chứng thực bản sao điện tử từ bản chính tại bộ phận một cửa từ thứ hai đến thứ sáu hằng tuần, buổi sáng từ 8 giờ đến 11 giờ 30, buổi chiều từ 13 giờ 30 đến 17 giờ.",
		"Công dân mang theo bản chính giấy tờ và giấy tờ tùy thân còn giá trị sử dụng.",
	},
}

// Letter is an official letter with a long body.
var Letter = Doc{
	Heading: []string{"BỘ NỘI VỤ", "CỤC VĂN THƯ VÀ LƯU TRỮ NHÀ NƯỚC", "Về việc hướng dẫn lập hồ sơ điện tử"},
	Body: []string{
		"Kính gửi: Sở Nội vụ các tỉnh, thành phố trực thuộc Trung ương.",
		"Thực hiện Nghị định số 30/2020/NĐ-CP của Chính phủ về công tác văn thư, Cục Văn thư và Lưu trữ nhà nước hướng dẫn việc lập hồ sơ điện tử và nộp lưu hồ sơ, tài liệu điện tử vào lưu trữ cơ quan như sau.",
		"Thứ nhất, văn bản điện tử phải được ký số bởi người có thẩm quyền và ký số của cơ quan, tổ chức theo quy định; bản số hóa phải bảo đảm đầy đủ các trang có thông tin của bản chính.",
		"Thứ hai, mỗi hồ sơ có mã hồ sơ, tiêu đề, thời hạn bảo quản, ngày bắt đầu, ngày kết thúc, số lượng tờ và ngôn ngữ; dữ liệu đặc tả được lập đồng thời với việc số hóa.",
		"Thứ ba, các cơ quan rà soát, thống kê tài liệu giấy còn hiệu lực, ưu tiên số hóa kết quả giải quyết thủ tục hành chính, bảo đảm tra cứu, khai thác thuận tiện cho người dân và doanh nghiệp.",
		"Trong quá trình thực hiện, nếu có vướng mắc, đề nghị các cơ quan phản ánh về Cục Văn thư và Lưu trữ nhà nước để được hướng dẫn.",
	},
}

// Signature is the last page of a decree: a few lines, the signer's
// block and the recipients.
var Signature = Doc{
	Heading: []string{"TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Văn An"},
	Body: []string{
		"Nơi nhận: Như Điều 3; Văn phòng Chính phủ; Bộ Nội vụ; Lưu: VT, NC.",
	},
}

// Need fails the test when a command is missing, naming its package.
func Need(t testing.TB, cmds ...string) {
	t.Helper()
	pkgs := map[string]string{"soffice": "libreoffice-writer", "pdftoppm": "poppler-utils", "pdftotext": "poppler-utils",
		"convert": "imagemagick", "tesseract": "tesseract-ocr", "qpdf": "qpdf"}
	for _, c := range cmds {
		if _, err := exec.LookPath(c); err != nil {
			t.Fatalf("%s not found: apt-get install %s (scripts/deps.sh test)", c, pkgs[c])
		}
	}
}

// Run runs a command and returns its standard output, failing the test
// on error.
func Run(t testing.TB, name string, args ...string) string {
	t.Helper()
	Need(t, name)
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

var (
	mu    sync.Mutex
	cache = map[string][][]byte{}
)

// Pages typesets doc with LibreOffice and rasterises its pages with
// pdftoppm at dpi: bilevel when mono (as archives scan), grey otherwise.
// It returns the PNG pages. Results are kept for the test binary's life.
func Pages(t testing.TB, doc Doc, dpi int, mono bool) [][]byte {
	t.Helper()
	Need(t, "soffice", "pdftoppm")
	src := fodt(doc)
	key := fmt.Sprintf("%x-%d-%v", sha256.Sum256([]byte(src)), dpi, mono)
	mu.Lock()
	defer mu.Unlock()
	if p, ok := cache[key]; ok {
		return p
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "doc.fodt"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	// A profile of its own, so that LibreOffice instances of other tests
	// or of the desktop do not collide.
	Run(t, "soffice", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"), "--headless",
		"--convert-to", "pdf", "--outdir", dir, filepath.Join(dir, "doc.fodt"))
	args := []string{"-r", fmt.Sprint(dpi), "-png"}
	if mono {
		args = append(args, "-mono")
	} else {
		args = append(args, "-gray")
	}
	Run(t, "pdftoppm", append(args, filepath.Join(dir, "doc.pdf"), filepath.Join(dir, "page"))...)
	files, _ := filepath.Glob(filepath.Join(dir, "page-*.png"))
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatal("pdftoppm wrote no page")
	}
	var pages [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, b)
	}
	cache[key] = pages
	return pages
}

// Turn rotates a page image clockwise by deg degrees with ImageMagick's
// convert, white brought in at the corners; a bilevel page stays
// bilevel, as a scanner would have written it.
func Turn(t testing.TB, page []byte, deg float64, mono bool) []byte {
	t.Helper()
	Need(t, "convert")
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.png"), filepath.Join(dir, "out.png")
	if err := os.WriteFile(in, page, 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{in, "-background", "white", "-rotate", fmt.Sprint(deg)}
	if mono {
		args = append(args, "-threshold", "50%", "-type", "bilevel")
	}
	Run(t, "convert", append(args, out)...)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Name is a short name for a page made by Pages and Turn, for logs.
func Name(doc Doc, page int, dpi int, mono bool, deg float64) string {
	h := sha256.Sum256([]byte(strings.Join(doc.Heading, "")))
	kind := "grey"
	if mono {
		kind = "mono"
	}
	return fmt.Sprintf("%s-p%d-%d%s-%g°", hex.EncodeToString(h[:3]), page+1, dpi, kind, deg)
}

// fodt writes doc as a flat OpenDocument text, A4 with the margins of
// Decree 30/2020 (top and bottom 2 cm, left 3 cm, right 2 cm).
func fodt(doc Doc) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.text">
<office:font-face-decls><style:font-face style:name="Liberation Serif" svg:font-family="'Liberation Serif'"/></office:font-face-decls>
<office:styles>
<style:style style:name="Standard" style:family="paragraph"><style:paragraph-properties fo:text-align="justify" fo:margin-bottom="0.2cm" fo:text-indent="1cm"/><style:text-properties style:font-name="Liberation Serif" fo:font-size="14pt"/></style:style>
<style:style style:name="H" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:text-align="center" fo:text-indent="0cm"/><style:text-properties fo:font-weight="bold"/></style:style>
</office:styles>
<office:automatic-styles><style:page-layout style:name="A4"><style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm" fo:margin-top="2cm" fo:margin-bottom="2cm" fo:margin-left="3cm" fo:margin-right="2cm"/></style:page-layout></office:automatic-styles>
<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="A4"/></office:master-styles>
<office:body><office:text>
`)
	for _, h := range doc.Heading {
		fmt.Fprintf(&b, "<text:p text:style-name=\"H\">%s</text:p>\n", html.EscapeString(h))
	}
	for _, p := range doc.Body {
		fmt.Fprintf(&b, "<text:p text:style-name=\"Standard\">%s</text:p>\n", html.EscapeString(p))
	}
	b.WriteString("</office:text></office:body></office:document>\n")
	return b.String()
}

// Blotches is an A4 200 dpi bilevel page with ink and no text, as a
// photograph or a stain scans: ImageMagick's blurred noise thresholded
// into blotches.
func Blotches(t testing.TB) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "blotches.png")
	Run(t, "convert", "-size", "1654x2339", "-seed", "7", "xc:gray50", "+noise", "Random",
		"-colorspace", "Gray", "-blur", "0x12", "-normalize", "-threshold", "60%", "-negate", "-type", "bilevel",
		"-density", "200", "-units", "PixelsPerInch", out)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
