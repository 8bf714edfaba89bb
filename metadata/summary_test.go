package metadata

import (
	"context"
	"fmt"
	"image"
	"testing"

	"github.com/sohoa-vn/sohoa/ocr"
)

// A summary line with one slip ("nh hình" for "Tình hình") is read again
// on its own, and the reading with fewer lexical misses kept; a second
// reading that is worse leaves the first.
func TestRereadSummary(t *testing.T) {
	rows := func(sum string) []row {
		return []row{
			{180, []cellAt{{left, "ỦY BAN NHÂN DÂN"}, {right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"}}},
			{225, []cellAt{{left, "PHƯỜNG HOÀN KIẾM"}, {right, "Độc lập - Tự do - Hạnh phúc"}}},
			{300, []cellAt{{left, "Số: 12/BC-UBND"}, {right, "Hà Nội, ngày 05 tháng 02 năm 2026"}}},
			{400, []cellAt{{mid, "BÁO CÁO"}}},
			{450, []cellAt{{mid, sum}}},
		}
	}
	for _, tc := range []struct{ first, clean, want string }{
		{"nh hình thực hiện nhiệm vụ chuyển đổi số quý III năm 2026", "Tình hình thực hiện nhiệm vụ chuyển đổi số quý III năm 2026", "Tình hình thực hiện nhiệm vụ chuyển đổi số quý III năm 2026"},
		{"Về việc ban hảnh Quy chế số hóa hồ sơ", "việc ban hành Quy chế số hóa hồ sơ", "Về việc ban hành Quy chế số hóa hồ sơ"},
		{"Tình hình thực hiện nhiệm vụ chuyển đổi số", "Tìhh hình thực hiện nhiệm vụ chuyển đối số", "Tình hình thực hiện nhiệm vụ chuyển đổi số"},
	} {
		rr := &rereader{clean: rows(tc.clean)}
		m, err := FromPagesReread(context.Background(), []*ocr.Page{fakePage(rows(tc.first), 0)}, rr.reread)
		if err != nil {
			t.Fatal(err)
		}
		check(t, "summary", m.Summary, tc.want)
	}
}

func TestVeViec(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Vũ việc ban hành Quy chế", "Về việc ban hành Quy chế"},
		{"V việc giao chỉ tiêu", "Về việc giao chỉ tiêu"},
		{"Về việc giao chỉ tiêu", "Về việc giao chỉ tiêu"},
		{"Vũ Văn Việt", "Vũ Văn Việt"},
		{"Vận động việc", "Vận động việc"},
	} {
		if got := veViec(c.in); got != c.want {
			t.Errorf("veViec(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestMerge(t *testing.T) {
	for _, tc := range []struct{ a, b, want string }{
		{"Vũ việc ban hành và kết quá giải quyết", "15h25 việc ban hành và kết quả giải quyết", "Vũ việc ban hành và kết quả giải quyết"},
		{"Về việc ban hảnh Quy chế", "việc ban hành Quy chế", "Về việc ban hành Quy chế"},
		{"Tình hình thực hiện", "Tìhh hình thực hiện", "Tình hình thực hiện"},
	} {
		if got := merge(tc.a, tc.b); got != tc.want {
			t.Errorf("merge(%q, %q) = %q, want %q", tc.a, tc.b, got, tc.want)
		}
	}
}

// A signer's name of two words whose first is no family name lost it
// under the seal: the signer is absent, not a middle name made one; the
// title above it is still read. A name with its family name is kept.
func TestSignerWithoutFamilyNameAbsent(t *testing.T) {
	for _, c := range []struct{ name, want string }{
		{"Đức Nam", ""},
		{"Võ Đức Nam", "Võ Đức Nam"},
		{"Lê Hùng", "Lê Hùng"},
	} {
		p := fakePage([]row{
			{1500, []cellAt{{300, "Nơi nhận:"}, {right, "KT. CHỦ TỊCH"}}},
			{1550, []cellAt{{300, "- Như trên;"}, {right, "PHÓ CHỦ TỊCH"}}},
			{1800, []cellAt{{right, c.name}}},
		}, 0)
		m := FromPages([]*ocr.Page{p})
		check(t, "signer of "+c.name, m.Signer, c.want)
		check(t, "title over "+c.name, m.SignerTitle, "PHÓ CHỦ TỊCH")
	}
}

// A page scanned sideways and turned upright by preprocessing
// (Preprocess.Rotation) has its words' boxes in the image as scanned:
// the layout reads them turned, and finds what it finds on the page
// scanned upright.
func TestTurnedPageLayout(t *testing.T) {
	rows := []row{
		{180, []cellAt{{left, "ỦY BAN NHÂN DÂN"}, {right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"}}},
		{225, []cellAt{{left, "PHƯỜNG HOÀN KIẾM"}, {right, "Độc lập - Tự do - Hạnh phúc"}}},
		{300, []cellAt{{left, "Số: 12/QĐ-UBND"}, {right, "Hà Nội, ngày 05 tháng 02 năm 2026"}}},
		{400, []cellAt{{mid, "QUYẾT ĐỊNH"}}},
		{450, []cellAt{{mid, "Về việc ban hành Quy chế số hóa hồ sơ"}}},
		{1500, []cellAt{{300, "Nơi nhận:"}, {right, "KT. CHỦ TỊCH"}}},
		{1550, []cellAt{{300, "- Như trên;"}, {right, "PHÓ CHỦ TỊCH"}}},
		{1800, []cellAt{{right, "Võ Đức Nam"}}},
	}
	up := fakePage(rows, 0)
	want := FromPages([]*ocr.Page{up})
	for _, rot := range []int{90, 180, 270} {
		s := scannedAs(up, rot)
		got := FromPages([]*ocr.Page{s})
		for _, f := range []struct {
			name string
			w, g *Field
		}{{"issuer", want.Issuer, got.Issuer}, {"number", want.NumberSymbol, got.NumberSymbol}, {"date", want.Date, got.Date},
			{"type", want.Type, got.Type}, {"summary", want.Summary, got.Summary}, {"signer", want.Signer, got.Signer}, {"title", want.SignerTitle, got.SignerTitle}} {
			if f.w == nil {
				t.Fatalf("%s not read upright", f.name)
			}
			check(t, fmt.Sprintf("%s turned %d°", f.name, rot), f.g, f.w.Value)
		}
	}
}

// scannedAs is the upright page up as a scanner that fed it turned gives
// it: its words' boxes in the image as scanned, which preprocessing
// turned rot degrees clockwise to set upright.
func scannedAs(up *ocr.Page, rot int) *ocr.Page {
	W, H := up.Width, up.Height
	s := &ocr.Page{Width: W, Height: H, Text: up.Text, Preprocess: up.Preprocess}
	s.Preprocess.Rotation = rot
	if rot != 180 {
		s.Width, s.Height = H, W
	}
	for _, w := range up.Words {
		b := w.Box
		switch rot {
		case 270: // scanned turned 90° clockwise: (x, y) → (H−y, x)
			w.Box = image.Rect(H-b.Max.Y, b.Min.X, H-b.Min.Y, b.Max.X)
		case 180:
			w.Box = image.Rect(W-b.Max.X, H-b.Max.Y, W-b.Min.X, H-b.Min.Y)
		case 90: // scanned turned 90° anticlockwise: (x, y) → (y, W−x)
			w.Box = image.Rect(b.Min.Y, W-b.Max.X, b.Max.Y, W-b.Min.X)
		}
		s.Words = append(s.Words, w)
	}
	return s
}
