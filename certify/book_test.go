package certify_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sohoa-vn/sohoa/certify"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

func TestBookReport(t *testing.T) {
	var entries []catalog.BookEntry
	for i := 1; i <= 40; i++ { // more than a page
		e := catalog.BookEntry{Number: i, Date: "2026-06-05", Status: catalog.EntryIssued, Title: "Giấy chứng nhận quyền sử dụng đất số 123/GCN-UBND ngày 15/01/2026",
			Requester: "Nguyễn Văn An", Certifier: "Trần Thị Bình", Fee: 2000}
		if i == 7 {
			e.Status, e.VoidReason, e.Fee = catalog.EntryVoided, catalog.ReasonInterrupted, 0
		}
		entries = append(entries, e)
	}
	var b bytes.Buffer
	if err := certify.BookReport(&b, certify.Office{Name: "UBND phường Một", BookNumber: "02"}, 2026, 6, entries); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if d := os.Getenv("CERTIFY_KEEP"); d != "" {
		dir = d
	}
	path := filepath.Join(dir, "book.pdf")
	os.WriteFile(path, b.Bytes(), 0o644)
	tool(t, "qpdf", "--check", path)
	text := tool(t, "pdftotext", "-layout", path, "-")
	for _, want := range []string{"SỔ CHỨNG THỰC BẢN SAO ĐIỆN TỬ TỪ BẢN CHÍNH", "Quyển số: 02-SCTĐT/BS", "Tháng 06 năm 2026",
		"Số chứng", "Ngày, tháng, năm", "Tên bản chính giấy tờ", "Họ tên người yêu cầu", "Người thực hiện", "Lệ phí", "Ghi chú",
		"05/06/2026", "Nguyễn Văn An", "Trần Thị Bình", "2.000", "Số đã hủy", "Trang 2/"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if n := strings.Count(text, "Nguyễn Văn An"); n != 40 {
		t.Errorf("%d lines, want 40", n)
	}
}
