package metadata

import (
	"image"
	"math"
	"strings"
	"testing"

	"github.com/sohoa-vn/sohoa/ocr"
)

// row is a line of text cells at a baseline: each cell is centred on cx.
type row struct {
	y     int
	cells []cellAt
}

type cellAt struct {
	cx   int
	text string
}

// fakePage lays rows out as OCR would report them on a 1654×2339 page
// (200 dpi), 18 px per letter, 30 px high, every cell of a row in one
// Tesseract line (as it often merges the header's columns), the whole
// page rotated by deg degrees about its centre.
func fakePage(rows []row, deg float64) *ocr.Page {
	const w, h = 1654, 2339
	p := &ocr.Page{Width: w, Height: h}
	a := deg * math.Pi / 180
	rot := func(x, y float64) (float64, float64) {
		x, y = x-w/2, y-h/2
		return x*math.Cos(a) - y*math.Sin(a) + w/2, x*math.Sin(a) + y*math.Cos(a) + h/2
	}
	for i, r := range rows {
		for _, c := range r.cells {
			n := len([]rune(c.text))
			x := float64(c.cx - n*18/2)
			for _, word := range strings.Fields(c.text) {
				wl := float64(len([]rune(word)) * 18)
				x0, y0 := rot(x, float64(r.y-30))
				x1, y1 := rot(x+wl, float64(r.y))
				p.Words = append(p.Words, ocr.Word{Text: word, Conf: 97, Block: 1, Par: 1, Line: i + 1,
					Box: image.Rect(int(min(x0, x1)), int(min(y0, y1)), int(max(x0, x1)), int(max(y0, y1)))})
				x += wl + 18
			}
		}
	}
	return p
}

const left, right, mid = 480, 1150, 880

func decision(issuer1, issuer2, number, typ string, motto bool) []row {
	top := []cellAt{{left, issuer1}}
	second := []cellAt{{left, issuer2}}
	if motto {
		top = append(top, cellAt{right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"})
		second = append(second, cellAt{right, "Độc lập - Tự do - Hạnh phúc"})
	}
	return []row{
		{180, top}, {225, second},
		{300, []cellAt{{left, "Số: " + number}, {right, "Hà Nội, ngày 05 tháng 02 năm 2026"}}},
		{400, []cellAt{{mid, typ}}},
		{450, []cellAt{{mid, "Về việc cấp giấy phép"}}},
		{500, []cellAt{{mid, "xây dựng có thời hạn"}}},
		{580, []cellAt{{mid, "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;"}}},
		{640, []cellAt{{mid, "Căn cứ Nghị định số 30/2020/NĐ-CP của Chính phủ về công tác văn thư;"}}},
		{900, []cellAt{{360, "Nơi nhận:"}, {right, "KT. CHỦ TỊCH"}}},
		{945, []cellAt{{360, "- Như trên;"}, {right, "PHÓ CHỦ TỊCH"}}},
		{990, []cellAt{{360, "- Lưu: VT."}}},
		{1150, []cellAt{{right, "Trần Thị Bích Ngọc"}}},
	}
}

func TestFromPages(t *testing.T) {
	type want struct{ issuer, number, date, place, typ, summary, signer, title string }
	std := want{"ỦY BAN NHÂN DÂN PHƯỜNG BẾN NGHÉ", "123/QĐ-UBND", "2026-02-05", "Hà Nội", "QUYẾT ĐỊNH",
		"Về việc cấp giấy phép xây dựng có thời hạn", "Trần Thị Bích Ngọc", "PHÓ CHỦ TỊCH"}
	letter := []row{
		{180, []cellAt{{left, "BỘ TƯ PHÁP"}, {right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"}}},
		{225, []cellAt{{right, "Độc lập - Tự do - Hạnh phúc"}}},
		{300, []cellAt{{left, "Số: 45/BTP-VP"}, {right, "Hà Nội, ngày 17 tháng 12 năm 2025"}}},
		{345, []cellAt{{left, "V/v góp ý dự thảo Quy chế"}}},
		{390, []cellAt{{left, "làm việc"}}},
		{470, []cellAt{{mid, "Kính gửi: Các cơ quan, đơn vị có liên quan."}}},
		{560, []cellAt{{mid, "Bộ Tư pháp đề nghị các cơ quan, đơn vị nghiên cứu, góp ý dự thảo Quy chế."}}},
		{700, []cellAt{{right, "BỘ TRƯỞNG"}}},
		{900, []cellAt{{right, "Lê Hoàng Minh"}}},
	}
	for _, tc := range []struct {
		name string
		rows []row
		deg  float64
		want want
	}{
		{"straight", decision("ỦY BAN NHÂN DÂN", "PHƯỜNG BẾN NGHÉ", "123/QĐ-UBND", "QUYẾT ĐỊNH", true), 0, std},
		{"skewed +2°", decision("ỦY BAN NHÂN DÂN", "PHƯỜNG BẾN NGHÉ", "123/QĐ-UBND", "QUYẾT ĐỊNH", true), 2, std},
		{"skewed -2°", decision("ỦY BAN NHÂN DÂN", "PHƯỜNG BẾN NGHÉ", "123/QĐ-UBND", "QUYẾT ĐỊNH", true), -2, std},
		{"no motto", decision("ỦY BAN NHÂN DÂN", "PHƯỜNG BẾN NGHÉ", "123/QĐ-UBND", "QUYẾT ĐỊNH", false), 1, std},
		{"OCR slips", decision("ỦY BẠN NHÂN DÂN", "PHƯỜNG BẾN NGHÉ", "123 / QÐ-UBND", "QUYÊT ĐỊNH", true), 0, std},
		{"glued words", decision("UBNDTHÀNH PHỐ HÀ NỘI", "SỞTƯPHÁP", "9/QD-STP", "GIẤYMỜI", true), 0,
			want{"UBND THÀNH PHỐ HÀ NỘI SỞ TƯ PHÁP", "9/QĐ-STP", "2026-02-05", "Hà Nội", "GIẤY MỜI",
				"Về việc cấp giấy phép xây dựng có thời hạn", "Trần Thị Bích Ngọc", "PHÓ CHỦ TỊCH"}},
		{"number row garbled", decision("ỦY BAN NHÂN DÂN", "PHƯỜNG BẾN NGHÉ", "9GM-UBND", "QUYẾT ĐỊNH", true), 0,
			want{"ỦY BAN NHÂN DÂN PHƯỜNG BẾN NGHÉ", "", "2026-02-05", "Hà Nội", "QUYẾT ĐỊNH",
				"Về việc cấp giấy phép xây dựng có thời hạn", "Trần Thị Bích Ngọc", "PHÓ CHỦ TỊCH"}},
		{"letter", letter, 0.5, want{"BỘ TƯ PHÁP", "45/BTP-VP", "2025-12-17", "Hà Nội", "CÔNG VĂN",
			"V/v góp ý dự thảo Quy chế làm việc", "Lê Hoàng Minh", "BỘ TRƯỞNG"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := FromPages([]*ocr.Page{fakePage(tc.rows, tc.deg)})
			check(t, "issuer", m.Issuer, tc.want.issuer)
			check(t, "number", m.NumberSymbol, tc.want.number)
			check(t, "date", m.Date, tc.want.date)
			check(t, "place", m.Place, tc.want.place)
			check(t, "type", m.Type, tc.want.typ)
			check(t, "summary", m.Summary, tc.want.summary)
			check(t, "signer", m.Signer, tc.want.signer)
			check(t, "signer title", m.SignerTitle, tc.want.title)
		})
	}
}

// The signer is read on the last page, the header on the first.
func TestFromPagesMultiPage(t *testing.T) {
	rows := decision("ỦY BAN NHÂN DÂN", "PHƯỜNG BẾN NGHÉ", "7/TB-UBND", "THÔNG BÁO", true)
	first, last := fakePage(rows[:8], 0), fakePage(rows[8:], 0)
	m := FromPages([]*ocr.Page{first, nil, last})
	check(t, "number", m.NumberSymbol, "7/TB-UBND")
	check(t, "type", m.Type, "THÔNG BÁO")
	check(t, "signer", m.Signer, "Trần Thị Bích Ngọc")
	if got := FromPages(nil); got != (Metadata{}) {
		t.Errorf("no pages: %+v", got)
	}
	// Confidence falls with the OCR's.
	low := fakePage(rows, 0)
	for i := range low.Words {
		low.Words[i].Conf = 45
	}
	if l, h := FromPages([]*ocr.Page{low}), FromPages([]*ocr.Page{fakePage(rows, 0)}); l.NumberSymbol.Confidence >= h.NumberSymbol.Confidence {
		t.Errorf("confidence %v at OCR 45%%, %v at 97%%", l.NumberSymbol.Confidence, h.NumberSymbol.Confidence)
	}
}

func TestHelpers(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{correctUpper("ỦY BẠN NHÂN DÂN THÀNH PHÔ ĐÀ NĂNG"), "ỦY BAN NHÂN DÂN THÀNH PHỐ ĐÀ NẴNG"},
		{correctUpper("UBNDTỈNH NGHỆ AN"), "UBND TỈNH NGHỆ AN"},
		{correctUpper("PHƯỜNG HOÀN KIẾM"), "PHƯỜNG HOÀN KIẾM"}, // one syllable each: not cut
		{correctUpper("CHỦTỊCH"), "CHỦ TỊCH"},
		{cleanUpper("THÀNH PHỐ ĐÀ NẴNG:"), "THÀNH PHỐ ĐÀ NẴNG"},
		{fixSymbol("12/QÐ-UBNDThành"), "12/QĐ-UBND"},
		{fixSymbol("12/TTr-UBND"), "12/TTr-UBND"},
		// Codes glued together, or one letter off, when one code fits.
		{fixSymbol("176/CTVTLTNN"), "176/CT-VTLTNN"},
		{fixSymbol("1600/KH-UBNT"), "1600/KH-UBND"},
		{fixSymbol("12/UBNDVP"), "12/UBND-VP"},
		{fixSymbol("12/QĐ-XYZW"), "12/QĐ-XYZW"}, // no code near: as read
		{fixSymbol("12/QĐ-SNT"), "12/QĐ-SNT"},   // three letters: too short to say
		{fixSymbol("12/BTP"), "12/BTP"},
		// Slips on the letters of codes.
		{fixSymbol("583/QĐĐ-BTP"), "583/QĐ-BTP"},
		{fixSymbol("1301/QĐĐĐ-STC"), "1301/QĐ-STC"},
		{fixSymbol("2342/TIr-SNV"), "2342/TTr-SNV"},
		{fixSymbol("2102/TTIr-VTLTNN"), "2102/TTr-VTLTNN"},
		{fixSymbol("2818/TT1r-UBND"), "2818/TTr-UBND"},
		{fixSymbol("964/C1-UBND"), "964/CT-UBND"},
		{fixSymbol("1946/TTr-PTIP"), "1946/TTr-PTP"},
		{fixSymbol("2969/STF"), "2969/STP"},
		{fixSymbol("12/QĐ-SNT"), "12/QĐ-SNT"}, // no slip undone makes a code
		{fixSymbol("12/TIT-SNV"), "12/TIT-SNV"},
		{spaceDigits("tháng4năm-2023."), "tháng 4 năm 2023 "},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	for s, want := range map[string]string{
		"Số: 123/QĐ-UBND": "123/QĐ-UBND", "§ố:45 / TB-UBND": "45/TB-UBND", "Sô: 7/UBND-VP.": "7/UBND-VP",
		"Căn cứ Nghị định số 30/2020/NĐ-CP": "", "Số điện thoại": "",
		// The slash read as a letter: only before known codes.
		"Số:272ICT-STP": "272/CT-STP", "Số: 272lQĐ-UBND": "272/QĐ-UBND", "Số: 272IXY-ABC": "", "Số: 12IBN": "",
		// A speck beside the hyphen.
		"Số: 2704/UBND-.VP": "2704/UBND-VP", "Số: 2704/UBND.-VP": "2704/UBND-VP",
	} {
		got, ok := numberOf(s)
		if got != want || ok != (want != "") {
			t.Errorf("numberOf(%q) = %q, %v; want %q", s, got, ok, want)
		}
	}
	for s, want := range map[string]string{"QUYẾT ĐỊNH": "QUYẾT ĐỊNH", "QUYÊT DỊNH": "QUYẾT ĐỊNH", "kEHoacd": "KẾ HOẠCH", "GIẤY MỜI": "GIẤY MỜI"} {
		if got, score := matchType(s); got != want || score <= 0 {
			t.Errorf("matchType(%q) = %q, %v; want %q", s, got, score, want)
		}
	}
	if _, score := matchType("CĂN CỨ LUẬT TỔ CHỨC CHÍNH QUYỀN ĐỊA PHƯƠNG"); score != 0 {
		t.Errorf("a long capitalised line taken as a type")
	}
	if p, d, _, ok := dateOf("Bến Nghé, ngày 05 tháng 6 năm 2026"); !ok || p != "Bến Nghé" || d != [3]int{5, 6, 2026} {
		t.Errorf("dateOf = %q %v %v", p, d, ok)
	}
	if p, d, _, ok := dateOf("Hà Nội,.ngày 19 tháng 01 năm 2022"); !ok || p != "Hà Nội" || d != [3]int{19, 1, 2022} {
		t.Errorf("dateOf, the place glued to the date = %q %v %v", p, d, ok)
	}
	if p, _, _, ok := dateOf("Ninh Kiểu; ngày 19 tháng 01 năm 2022"); !ok || p != "Ninh Kiều" {
		t.Errorf("dateOf, a tone slipped in the place = %q %v", p, ok)
	}
	if _, _, _, ok := dateOf("ngày 45 tháng 13 năm 2026"); ok {
		t.Error("impossible date accepted")
	}
	for s, want := range map[string]bool{
		"SỞ: 9GM-UBND": true, "SỐ; 272ICT-SIE": true, "§ố 27": true, "SỞ TƯ PHÁP": false, "SỞ NỘI VỤ": false,
	} {
		if garbledNumber(s) != want {
			t.Errorf("garbledNumber(%q) = %v", s, !want)
		}
	}
	// The body's dates are not the header's date row.
	for s, want := range map[string]bool{
		"Thành phố Hồ Chí Minh, ngày 25 tháng 01 năm 2026":                     true,
		"Hà Nội, ngày 05 tháng 6 năm 2026.":                                    true,
		"ngày 05 tháng 3 năm 2020 của Chính phủ về":                            false,
		"Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;": false,
	} {
		if _, _, _, ok := dateOf(s); ok != want {
			t.Errorf("dateOf(%q): %v, want %v", s, ok, want)
		}
	}
}

// A body's name that wraps is corrected as one text: the lexicon's
// "VĂN THƯ VÀ LƯU TRỮ NHÀ NƯỚC" spans the break.
func TestIssuerWrapped(t *testing.T) {
	rows := decision("BỘ NỘI VỤ", "CỤC VĂN THƯ VÀ LUU TRỮ NHÀ", "5/QĐ-VTLTNN", "QUYẾT ĐỊNH", true)
	rows = append(rows[:2], append([]row{{262, []cellAt{{left, "NUỢC"}}}}, rows[2:]...)...)
	m := FromPages([]*ocr.Page{fakePage(rows, 0)})
	check(t, "issuer", m.Issuer, "BỘ NỘI VỤ CỤC VĂN THƯ VÀ LƯU TRỮ NHÀ NƯỚC")
	check(t, "number", m.NumberSymbol, "5/QĐ-VTLTNN")
}

// Rows dust garbled: the number row that lost "Số:" and is read as one
// with the date cell; a header date that does not parse, when the body
// has one.
func TestGarbledHeaderRows(t *testing.T) {
	for _, tc := range []struct {
		name       string
		numRow     []cellAt
		wantNumber string
		wantDate   string
	}{
		{"clean", []cellAt{{left, "Số: 1742/GM-UBND"}, {right, "Hà Nội, ngày 05 tháng 02 năm 2026"}}, "1742/GM-UBND", "2026-02-05"},
		{"Số lost, one cell", []cellAt{{900, "1742/GM-UBND......... Hà Nội, ngày 05 tháng 02 năm 2026"}}, "1742/GM-UBND", "2026-02-05"},
		{"header date unreadable", []cellAt{{left, "Số: 1742/GM-UBND"}, {right, "Hà Nội, ngày 05 tháng 02 nữm 202..."}}, "1742/GM-UBND", ""},
		{"whole row unreadable", []cellAt{{900, "3222001. PO DgO 20 TỢ Sñnản202"}}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows := decision("ỦY BAN NHÂN DÂN", "PHƯỜNG HOÀN KIẾM", "1/QĐ-UBND", "GIẤY MỜI", true)
			rows[2].cells = tc.numRow
			// The body's date, low on the page.
			rows = append(rows, row{1500, []cellAt{{1100, "Hà Nội, ngày 16 tháng 6 năm 2025"}}})
			p := fakePage(rows, 0)
			for i, w := range p.Words {
				if w.Box.Max.Y == 300 && tc.wantNumber == "" {
					p.Words[i].Conf = 15 // dust
				}
			}
			m := FromPages([]*ocr.Page{p})
			check(t, "number", m.NumberSymbol, tc.wantNumber)
			// The type is found under the header however its rows read.
			check(t, "type", m.Type, "GIẤY MỜI")
			if tc.wantDate != "" {
				check(t, "date", m.Date, tc.wantDate)
			} else if m.Date != nil && m.Date.Confidence > 0.6 {
				t.Errorf("the body's date taken with confidence: %+v", *m.Date)
			}
		})
	}
}

// With the header's rows unreadable, a body's date high on the page is
// not the header's, though Tesseract reads it as a line of its own: it
// ends a sentence whose words stand just left of it. The header's date,
// on a line of its own with no place, still is.
func TestBodyDateBesideItsSentence(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cells []cellAt
		want  string
	}{
		{"after its sentence", []cellAt{{620, "số 30/2020/NĐ-CP"}, {1010, "ngày 05 tháng 3 năm 2020"}}, ""},
		{"alone", []cellAt{{1010, "ngày 05 tháng 3 năm 2020"}}, "2020-03-05"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows := decision("BỘ TƯ PHÁP", "", "1/QĐ-BTP", "QUYẾT ĐỊNH", false)
			rows[2].cells = []cellAt{{900, "3222001. PO DgO 20 TỢ Sñnản202"}}
			rows = append(rows[:3], row{350, tc.cells})
			p := fakePage(rows, 0)
			for i, w := range p.Words {
				switch {
				case w.Box.Max.Y == 300:
					p.Words[i].Conf = 15 // dust
				case w.Box.Max.Y == 350 && w.Box.Min.X > 780:
					p.Words[i].Line = 99 // a line of its own
				}
			}
			m := FromPages([]*ocr.Page{p})
			check(t, "date", m.Date, tc.want)
		})
	}
}

// A letter (công văn) whose "V/v" under the number went unread is known
// by its "Kính gửi:".
func TestLetterByKinhGui(t *testing.T) {
	for _, tc := range []struct {
		name, under, want string
	}{
		{"V/v read", "V/v góp ý dự thảo Quy chế làm việc", "CÔNG VĂN"},
		{"V/v unread", "Ẽ..", "CÔNG VĂN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A symbol of codes unknown, which says no type.
			rows := decision("UBND QUẬN NINH KIỀU", "PHÒNG TƯ PHÁP", "112/XYZ", "", true)
			rows[3] = row{340, []cellAt{{left, tc.under}}}
			rows[4] = row{450, []cellAt{{mid, "Kính gửi: Các cơ quan, đơn vị có liên quan."}}}
			rows[5] = row{500, nil}
			m := FromPages([]*ocr.Page{fakePage(rows, 0)})
			check(t, "type", m.Type, tc.want)
		})
	}
}

// A line of the issuing body the gaps cut in two keeps its words' order
// whatever order Tesseract gives its pieces in.
func TestIssuerLinePieces(t *testing.T) {
	rows := decision("ỦY BAN NHÂN DÂN", "PHƯỜNG HOÀN KIẾM", "1986/CT-UBND", "CHỈ THỊ", true)
	p := fakePage(rows, 0)
	// Tesseract's second line: "HOÀN KIẾM" first, "PHƯỜNG" then, as two
	// lines of their own.
	var moved []ocr.Word
	kept := p.Words[:0]
	for _, w := range p.Words {
		if w.Text == "PHƯỜNG" {
			w.Line = 99
			moved = append(moved, w)
			continue
		}
		kept = append(kept, w)
	}
	p.Words = append(kept, moved...)
	for i, w := range p.Words {
		if w.Text == "HOÀN" || w.Text == "KIẾM" {
			p.Words[i].Line = 98
		}
	}
	m := FromPages([]*ocr.Page{p})
	check(t, "issuer", m.Issuer, "ỦY BAN NHÂN DÂN PHƯỜNG HOÀN KIẾM")
}
