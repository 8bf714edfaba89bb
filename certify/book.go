package certify

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"codeberg.org/go-pdf/fpdf"

	"github.com/sohoa-vn/sohoa/results"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// Fonts of the book report (Debian: fonts-liberation2).
const (
	reportFont     = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"
	reportFontBold = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf"
)

// bookColumns are the columns of the certification book: heading and
// width in mm on a landscape A4 page.
var bookColumns = []struct {
	vi, en string
	width  float64
}{
	{"Số chứng thực", "Number", 20},
	{"Ngày, tháng, năm chứng thực", "Date", 27},
	{"Tên bản chính giấy tờ, văn bản", "Certified document", 75},
	{"Họ tên người yêu cầu chứng thực", "Person requesting", 45},
	{"Người thực hiện chứng thực", "Certifier", 40},
	{"Lệ phí (đồng)", "Fee (VND)", 22},
	{"Ghi chú", "Notes", 48},
}

// BookReport writes the printable monthly report of a certification book
// as a PDF in the book's columns: number, date, certified document, person
// requesting, certifier, fee, notes. Voided numbers are listed with their
// reason in the notes, so the numbering shows no gap.
func BookReport(w io.Writer, o Office, year, month int, entries []catalog.BookEntry) error {
	regular, err := os.ReadFile(reportFont)
	if err != nil {
		return fmt.Errorf("book report: phông chữ / font (Debian: fonts-liberation2): %w", err)
	}
	bold, err := os.ReadFile(reportFontBold)
	if err != nil {
		return fmt.Errorf("book report: phông chữ / font (Debian: fonts-liberation2): %w", err)
	}
	pdf := fpdf.New("L", "mm", "A4", "")
	pdf.SetTitle(fmt.Sprintf("Sổ chứng thực bản sao điện tử %s, tháng %02d/%d", o.Book(), month, year), true)
	pdf.SetCreator("sohoa", true)
	pdf.AddUTF8FontFromBytes("serif", "", regular)
	pdf.AddUTF8FontFromBytes("serif", "B", bold)
	pdf.SetMargins(10, 12, 10)
	pdf.SetAutoPageBreak(false, 12)
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-10)
		pdf.SetFont("serif", "", 8)
		pdf.CellFormat(0, 4, fmt.Sprintf("Trang %d/{nb}", pdf.PageNo()), "", 0, "C", false, 0, "")
	})
	_, pageH := pdf.GetPageSize()
	const lineH = 4.6

	header := func() {
		pdf.SetFont("serif", "B", 9)
		x, y := pdf.GetXY()
		for _, c := range bookColumns {
			pdf.Rect(x, y, c.width, 14, "D")
			pdf.SetXY(x+0.5, y+1)
			pdf.MultiCell(c.width-1, 4, c.vi+"\n("+c.en+")", "", "C", false)
			x += c.width
		}
		pdf.SetXY(10, y+14)
		pdf.SetFont("serif", "", 9.5)
	}
	pdf.AddPage()
	pdf.SetFont("serif", "B", 14)
	pdf.CellFormat(0, 7, "SỔ CHỨNG THỰC BẢN SAO ĐIỆN TỬ TỪ BẢN CHÍNH", "", 1, "C", false, 0, "")
	pdf.SetFont("serif", "", 10.5)
	title := fmt.Sprintf("Quyển số: %s — Tháng %02d năm %d", o.Book(), month, year)
	if o.Name != "" {
		title = o.Name + " — " + title
	}
	pdf.CellFormat(0, 6, title, "", 1, "C", false, 0, "")
	pdf.Ln(2)
	header()

	for _, e := range entries {
		notes := BookNotes(e)
		fee := ""
		if e.Fee != 0 {
			fee = groupThousands(e.Fee)
		}
		date := e.Date
		if len(date) == 10 {
			date = date[8:10] + "/" + date[5:7] + "/" + date[:4]
		}
		cells := []string{strconv.Itoa(e.Number), date, e.Title, e.Requester, e.Certifier, fee, notes}
		lines := make([][]string, len(cells))
		n := 1
		for i, s := range cells {
			lines[i] = pdf.SplitText(s, bookColumns[i].width-2)
			n = max(n, len(lines[i]))
		}
		h := float64(n)*lineH + 1.5
		if pdf.GetY()+h > pageH-14 {
			pdf.AddPage()
			header()
		}
		x, y := pdf.GetXY()
		for i, c := range bookColumns {
			pdf.Rect(x, y, c.width, h, "D")
			align := "L"
			if i == 0 || i == 1 {
				align = "C"
			} else if i == 5 {
				align = "R"
			}
			for k, l := range lines[i] {
				pdf.SetXY(x+1, y+0.75+float64(k)*lineH)
				pdf.CellFormat(c.width-2, lineH, l, "", 0, align, false, 0, "")
			}
			x += c.width
		}
		pdf.SetXY(10, y+h)
	}
	if len(entries) == 0 {
		pdf.CellFormat(0, 8, "Không có số chứng thực nào trong tháng / no certifications this month", "1", 1, "C", false, 0, "")
	}
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("book report: %w", err)
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("book report: %w", err)
	}
	return nil
}

// validityText is a result's validity in both languages, for the book.
var validityText = map[string]string{
	string(results.Valid): "còn hiệu lực / valid", string(results.Expired): "hết hiệu lực / expired",
	string(results.Revoked): "đã bị thu hồi / revoked", string(results.Replaced): "đã bị thay thế / replaced",
}

// BookNotes is the notes column of a book line: the state of a number not
// issued, what the copy stands on (the result's code and its validity when
// issued, the clerk's acknowledgement of a warning, or the reason recorded
// for linking no result), then the clerk's notes.
func BookNotes(e catalog.BookEntry) string {
	var parts []string
	switch e.Status {
	case catalog.EntryVoided:
		parts = append(parts, "Số đã hủy / voided: "+e.VoidReason)
	case catalog.EntryPending:
		parts = append(parts, "Đang cấp / pending")
	}
	if e.ResultID != "" {
		p := "Kết quả / result " + e.ResultCode
		if e.ResultCode == "" {
			p = "Kết quả / result " + e.ResultID
		}
		if v, ok := validityText[e.Validity]; ok {
			p += " (" + v + ")"
		}
		parts = append(parts, p)
	}
	if e.WarningAck != "" {
		parts = append(parts, "Xác nhận cảnh báo / warning acknowledged: "+e.WarningAck)
	}
	if e.NoResultReason != "" {
		parts = append(parts, "Không gắn kết quả / no result: "+e.NoResultReason)
	}
	if n := strings.TrimSpace(e.Notes); n != "" {
		parts = append(parts, n)
	}
	return strings.Join(parts, "; ")
}

// groupThousands writes 20000 as "20.000", the Vietnamese way.
func groupThousands(v int64) string {
	s := strconv.FormatInt(v, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
