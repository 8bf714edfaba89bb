package metadata

import (
	"strings"
	"testing"

	"github.com/sohoa-vn/sohoa/scanners/synthetic"
)

func TestExtractLines(t *testing.T) {
	tests := []struct {
		name, text       string
		number, date     string
		place, typ, sign string
	}{
		{
			name: "decision",
			text: "ỦY BAN NHÂN DÂN\nPHƯỜNG BẾN NGHÉ\nSố: 123/QĐ-UBND\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n" +
				"Bến Nghé, ngày 5 tháng 6 năm 2026\nQUYẾT ĐỊNH\nVề việc cấp giấy phép\nNội dung.\nCHỦ TỊCH\nNguyễn Văn An\n",
			number: "123/QĐ-UBND", date: "2026-06-05", place: "Bến Nghé", typ: "QUYẾT ĐỊNH", sign: "Nguyễn Văn An",
		},
		{
			name:   "OCR noise in Số and spaces in the symbol",
			text:   "Sô: 45 / TB-UBND\nHà Nội, ngày 17 tháng 12 năm 2025\nTHÔNG BÁO\n",
			number: "45/TB-UBND", date: "2025-12-17", place: "Hà Nội", typ: "THÔNG BÁO",
		},
		{name: "nothing", text: "just some words\n"},
		{name: "impossible date", text: "Huế, ngày 45 tháng 13 năm 2026\n"},
		{
			// The header's date row unread: the body's dates date
			// something else and are not the document's.
			name: "body dates only",
			text: "Số: 12/QĐ-UBND\nQUYẾT ĐỊNH\nCăn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;\n" +
				"Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ;\n",
			number: "12/QĐ-UBND", typ: "QUYẾT ĐỊNH",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Extract(tt.text)
			check(t, "number", m.NumberSymbol, tt.number)
			check(t, "date", m.Date, tt.date)
			check(t, "place", m.Place, tt.place)
			check(t, "type", m.Type, tt.typ)
			check(t, "signer", m.Signer, tt.sign)
		})
	}
}

func check(t *testing.T, what string, f *Field, want string) {
	t.Helper()
	got := ""
	if f != nil {
		got = f.Value
		if f.Confidence <= 0 || f.Confidence > 1 {
			t.Errorf("%s: confidence %v out of (0,1]", what, f.Confidence)
		}
	}
	if got != want {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

// The generated documents carry their metadata: extraction from their
// ground-truth text must find it.
func TestExtractSynthetic(t *testing.T) {
	for _, d := range synthetic.Documents(1) {
		t.Run(d.Name, func(t *testing.T) {
			var pages []string
			for _, p := range d.Pages {
				pages = append(pages, p.Text)
			}
			m := Extract(strings.Join(pages, "\f"))
			check(t, "number", m.NumberSymbol, d.Meta.Number)
			check(t, "date", m.Date, d.Meta.Date)
			if m.Type == nil || !strings.EqualFold(m.Type.Value, d.Meta.Type) {
				t.Errorf("type = %+v, want %q", m.Type, d.Meta.Type)
			}
			check(t, "signer", m.Signer, d.Meta.Signer)
		})
	}
}
