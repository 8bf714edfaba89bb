package metadata

import (
	"testing"

	"github.com/sohoa-vn/sohoa/ocr"
)

// Pages of a three-page decision as Tesseract reads them: the header and
// the start of the body on the first (a chapter heading, no signer), the
// body on the second (a sentence that ends with a date), the signer's
// block on the last.
var (
	firstPage = []row{
		{180, []cellAt{{left, "ỦY BAN NHÂN DÂN"}, {right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"}}},
		{225, []cellAt{{left, "PHƯỜNG BẾN NGHÉ"}, {right, "Độc lập - Tự do - Hạnh phúc"}}},
		{300, []cellAt{{left, "Số: 123/QĐ-UBND"}, {right, "Bến Nghé, ngày 05 tháng 02 năm 2026"}}},
		{400, []cellAt{{mid, "QUYẾT ĐỊNH"}}},
		{450, []cellAt{{mid, "Về việc ban hành Quy chế số hóa hồ sơ"}}},
		{580, []cellAt{{mid, "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;"}}},
		{1500, []cellAt{{mid, "QUYẾT ĐỊNH:"}}},
		{1600, []cellAt{{mid + 100, "Chương I"}}},
		{1700, []cellAt{{mid, "Điều 1. Ban hành kèm theo Quyết định này Quy chế số hóa hồ sơ."}}},
	}
	bodyPage = []row{
		{180, []cellAt{{mid, "Điều 4. Thời hạn quy định tại"}}},
		{225, []cellAt{{1100, "Điều này được tính từ ngày 01 tháng 7 năm 2025"}}},
		{300, []cellAt{{mid, "Điều 5. Các hồ sơ đã hết hiệu lực phải được đánh dấu rõ ràng."}}},
		{900, []cellAt{{mid + 150, "MỤC ĐÍCH, YÊU CẦU"}}},
		{950, []cellAt{{mid + 150, "Đồng Chí Võ Thanh"}}},
	}
	lastPage = []row{
		{180, []cellAt{{mid, "Điều 7. Chánh Văn phòng chịu trách nhiệm thi hành Quyết định này./."}}},
		{400, []cellAt{{360, "Nơi nhận:"}, {right, "TM. ỦY BAN NHÂN DÂN"}}},
		{445, []cellAt{{360, "- Như Điều 7;"}, {right, "KT. CHỦ TỊCH"}}},
		{490, []cellAt{{360, "- Lưu: VT."}, {right, "PHÓ CHỦ TỊCH"}}},
		{700, []cellAt{{right, "Trần Thị Bích Ngọc"}}},
	}
)

// TestAbsentFields: a field a page does not print is absent, not made up
// from the body (issue 15: "Chương I" as the signer of a first page, "Điều
// này được tính từ" as the place of a body page); the signer comes from
// the last page only, the header from the first only.
func TestAbsentFields(t *testing.T) {
	p1, p2, p3 := fakePage(firstPage, 0), fakePage(bodyPage, 0), fakePage(lastPage, 0)
	type fields map[string]string
	get := func(m Metadata) fields {
		return fields{"issuer": m.Issuer.String(), "number": m.NumberSymbol.String(), "place": m.Place.String(), "date": m.Date.String(),
			"type": m.Type.String(), "summary": m.Summary.String(), "signer": m.Signer.String(), "title": m.SignerTitle.String()}
	}
	header := fields{"issuer": "ỦY BAN NHÂN DÂN PHƯỜNG BẾN NGHÉ", "number": "123/QĐ-UBND", "place": "Bến Nghé", "date": "2026-02-05",
		"type": "QUYẾT ĐỊNH", "summary": "Về việc ban hành Quy chế số hóa hồ sơ"}
	signer := fields{"signer": "Trần Thị Bích Ngọc", "title": "PHÓ CHỦ TỊCH"}
	both := fields{}
	for _, f := range []fields{header, signer} {
		for k, v := range f {
			both[k] = v
		}
	}
	for _, c := range []struct {
		name  string
		pages []*ocr.Page
		want  fields
	}{
		{"first page alone", []*ocr.Page{p1}, header},
		{"body page alone", []*ocr.Page{p2}, fields{}},
		{"last page alone", []*ocr.Page{p3}, signer},
		{"first and body pages", []*ocr.Page{p1, p2}, header},
		{"whole document", []*ocr.Page{p1, p2, p3}, both},
		{"body and last pages", []*ocr.Page{p2, p3}, signer},
	} {
		got := get(FromPages(c.pages))
		for k, v := range got {
			if v != c.want[k] {
				t.Errorf("%s: %s = %q, want %q", c.name, k, v, c.want[k])
			}
		}
	}
}

// TestSignerRepairs: the slips a seal and a signature cause in the
// signer's block, undone; names and titles read right left alone.
func TestSignerRepairs(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Dặng Thị Trung", "Đặng Thị Trung"},
		{"INưuỳnh Quốc Hạnh", "Huỳnh Quốc Hạnh"},
		{"Iran Thu Tâm", "Trần Thu Tâm"},
		{"Mạc Văn Hùng", "Mạc Văn Hùng"}, // a rarer family name, not "Mai"
		{"Lê Đức Mai", "Lê Đức Mai"},
		{"Thu Vinh", "Thu Vinh"},             // the family name lost: the middle name stays one
		{"Đăñg Thị Trung", "Đặng Thị Trung"}, // no syllable: its marks garbled
		{"ILran Thu Tâm", "Trần Thu Tâm"},    // a stroke read as a letter before it
		{"Kha Văn Tú", "Kha Văn Tú"},         // a syllable: a rarer family name, left alone
	} {
		if got := snapSurname(c.in); got != c.want {
			t.Errorf("snapSurname(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	sig := func(v string) Metadata { return Metadata{Signer: &Field{Value: v}} }
	for _, c := range []struct {
		name     string
		readings []Metadata
		want     string
	}{
		{"Bùi Quấc Lan", []Metadata{sig("Quốc Lan"), {}}, "Bùi Quốc Lan"},
		{"Võ Thu Thăng", []Metadata{sig("Võ Thu Thắng")}, "Võ Thu Thăng"}, // both syllables: no evidence either way
		{"Bùi Quấc Lan", []Metadata{sig("Bùi Quế Lan")}, "Bùi Quấc Lan"},  // not one letter away
	} {
		if got := voteName(c.name, c.readings); got != c.want {
			t.Errorf("voteName(%q) = %q, want %q", c.name, got, c.want)
		}
	}
	for _, c := range []struct{ in, want string }{
		{"PHÓ`€HỦ TỊCH", "PHÓ CHỦ TỊCH"}, {"CHỗ TỊCH", "CHỦ TỊCH"}, {"PHÓ GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"}, {"TRƯỞNG KHOA", "TRƯỞNG KHOA"},
		{"PHÔ ) TỊCH", "PHÓ CHỦ TỊCH"}, {"PHO GIAM ĐOC", "PHÓ GIÁM ĐỐC"}, {"CHỦ TỊCH", "CHỦ TỊCH"},
	} {
		if got, _ := snapTitle(c.in); got != c.want {
			t.Errorf("snapTitle(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, c := range []struct{ in, want string }{
		{"V/v góp ý dự thảo Quy chế. làm việc", "V/v góp ý dự thảo Quy chế làm việc"},
		{"VỀ việc ban hành Quy chế", "Về việc ban hành Quy chế"},
		{"năm 2026 S35T3S72TiffirEsagipicosi", "năm 2026"},
		{"Về việc thực hiện Nghị định số 30/2020/NĐ-CP", "Về việc thực hiện Nghị định số 30/2020/NĐ-CP"},
	} {
		if got := undot(c.in); got != c.want {
			t.Errorf("undot(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
