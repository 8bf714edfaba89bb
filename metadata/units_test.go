package metadata

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestUnitName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"NINH KIỂU", "Ninh Kiều"}, // a tone slipped
		{"Ninh Kiều", "Ninh Kiều"},
		{"HOÀN KIỂM", "Hoàn Kiếm"},
		{"ĐỔNG NAI", "Đồng Nai"},
		{"HÒA BÌNH", "Hòa Bình"}, // the list has "Hoà Bình" too: the spelling read is kept
		{"HOÀ BÌNH", "Hoà Bình"},
		{"HẢI PHỎNG", ""}, // as near to Hải Phòng as to Hải Phong: no guess
		{"HẢI PHÒNG", "Hải Phòng"},
		{"TƯ PHÁP", ""}, // no unit
		{"", ""},
	} {
		if got := unitName(tc.in); got != tc.want {
			t.Errorf("unitName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Unit names after a unit's kind are corrected in issuing bodies; the
// words of other phrases ("XÃ HỘI" of a department's name) are not names.
// Words read twice or lost in a body's name are mended.
func TestCorrectUnits(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"UBND QUẬN NINH KIỂU PHÒNG TƯ PHÁP", "UBND QUẬN NINH KIỀU PHÒNG TƯ PHÁP"},
		{"ỦY BAN NHÂN DÂN PHƯỜNG HOÀN KIỂM", "ỦY BAN NHÂN DÂN PHƯỜNG HOÀN KIẾM"},
		{"ỦY BAN NHÂN DÂN PHƯỜNG LỂ CHÂN", "ỦY BAN NHÂN DÂN PHƯỜNG LÊ CHÂN"},
		{"UBND THỊ XÃ SƠN TẨY", "UBND THỊ XÃ SƠN TÂY"},
		{"UBND THÀNH PHỐ HÀ NỘI SỞ TƯ PHÁP", "UBND THÀNH PHỐ HÀ NỘI SỞ TƯ PHÁP"},
		{"SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI", "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI"},
		{"UBND XÃ NINH KIỂU,", "UBND XÃ NINH KIỀU,"},
		{"ỦY BAN NHÂN DÂN XÃ TÂN PHỦ", "ỦY BAN NHÂN DÂN XÃ TÂN PHÚ"},
		{"PHƯỜNG", "PHƯỜNG"},
		{"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"},
		{"UBND THÀNH PHỐ HÀ NỘI SỞ TƯ TƯ PHÁP", "UBND THÀNH PHỐ HÀ NỘI SỞ TƯ PHÁP"}, // a word read twice
		{"PHÒNG TƯ PHÁP TƯ", "PHÒNG TƯ PHÁP TƯ"},
		{"BAN NHÂN DÂN THÀNH PHỐ ĐÀ NẴNG", "ỦY BAN NHÂN DÂN THÀNH PHỐ ĐÀ NẴNG"}, // "ỦY" lost
		{"ỦY BAN NHÂN DÂN THÀNH PHỐ ĐÀ NẴNG", "ỦY BAN NHÂN DÂN THÀNH PHỐ ĐÀ NẴNG"},
		{"TM. ỦY BAN NHÂN DÂN", "TM. ỦY BAN NHÂN DÂN"},
	} {
		if got := correctUpper(tc.in); got != tc.want {
			t.Errorf("correctUpper(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCanonTone(t *testing.T) {
	if canonTone("KHÁNH HOÀ") != canonTone("KHÁNH HÒA") || canonTone("THUỶ") != canonTone("THỦY") {
		t.Error("tone on either vowel of oa/uy not the same")
	}
	if canonTone("HÒN") == canonTone("HÔN") {
		t.Error("different vowels made the same")
	}
}

func TestCorrectPlace(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Ninh Kiểu", "Ninh Kiều"},
		{"Đổng Nai", "Đồng Nai"},
		{"lể Chân", "Lê Chân"},
		{"Thành phố Hồ Chí Mính", "Thành phố Hồ Chí Minh"},
		{"Hà Nội", "Hà Nội"},
		{"CP", "CP"},
		{"Ninh Kiểu;", "Ninh Kiểu;"}, // dateOf trims the punctuation first
	} {
		if got := correctPlace(tc.in); got != tc.want {
			t.Errorf("correctPlace(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// The list as metadata/genunits writes it: sorted, each name once, in
// NFC, no numbered units; provinces and wards from before and after 2025.
func TestUnitsList(t *testing.T) {
	var names []string
	for _, l := range strings.Split(unitsTxt, "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			names = append(names, l)
		}
	}
	if len(names) < 7000 {
		t.Fatalf("%d names", len(names))
	}
	for i, n := range names {
		if i > 0 && n <= names[i-1] {
			t.Errorf("%q after %q: not sorted or repeated", n, names[i-1])
		}
		if n != norm.NFC.String(n) || strings.ContainsAny(n, "0123456789") || n != strings.TrimSpace(n) {
			t.Errorf("bad name %q", n)
		}
	}
	for _, n := range []string{"Nghệ An", "Ninh Kiều", "Hoàn Kiếm", "Ba Đình", "Phú Quốc"} {
		if !slices.Contains(names, n) {
			t.Errorf("%q missing", n)
		}
	}
}
