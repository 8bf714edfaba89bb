package metadata

import (
	"slices"
	"testing"
)

func TestValidSyllable(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"NGHỆ", true}, {"NGƯỜI", true}, {"TRƯỞNG", true}, {"KIỀU", true}, {"QUYẾT", true}, {"GIẤY", true},
		{"GÌ", true}, {"ĐỒNG", true}, {"HÒA", true}, {"KHUYÊN", true}, {"ỦY", true}, {"A", true}, {"tỉnh", true},
		{"NGHEAIU", false}, // four vowels in a row
		{"NAL", false},     // no Vietnamese syllable ends in L
		{"SỞTÀICHNH", false}, {"NINHKIỀU", false}, {"UBND", false}, {"1¬", false}, {"S0", false}, {"", false},
		{"TTr", false}, {"BCH", false},
	} {
		if got := validSyllable(tc.s); got != tc.want {
			t.Errorf("validSyllable(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

func TestPlausibleUpper(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"UBND TỈNH NGHỆ AN SỞ NỘI VỤ", true},
		{"ỦY BAN NHÂN DÂN THÀNH PHỐ HỒ CHÍ MINH", true},
		{"VĂN HÓA, THỂ THAO VÀ DU LỊCH", true},
		{"UBND TỈNH NGHEAIU", false},
		{"THÀNH PHỐ ĐÀ NẴNG 1¬", false},
		{"UBND TỈNH ĐỒNG NAL SỞ TÀI CHÍNH", false},
		{"BỘ NỘI VỤ CỤC VĂN THƯ VÀ LƯU TRỮ NHÀ Tó, NƯỚC", false}, // a small letter
		{"UBND TỈNH NGHỆ AN SỞ NỘI VỤ SỞ: 39//TTr-SNV", false},
		{"", false},
	} {
		if got := plausibleUpper(tc.s); got != tc.want {
			t.Errorf("plausibleUpper(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

func TestSplitSyllables(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want []string
	}{
		{"NINHKIỀU", []string{"NINH", "KIỀU"}},
		{"HOÀNKIẾM", []string{"HOÀN", "KIẾM"}},
		{"THÀNHPHỐ", []string{"THÀNH", "PHỐ"}},
		{"BANNHÂN", []string{"BAN", "NHÂN"}},
		// TÂN GA or TÂ NGA: no guess.
		{"TÂNGA", nil},
		// One vowel group is one syllable, and EAIU is none.
		{"NGHEAIU", nil},
		{"NAL", nil},
	} {
		if got := splitSyllables(tc.s); !slices.Equal(got, tc.want) {
			t.Errorf("splitSyllables(%q) = %q, want %q", tc.s, got, tc.want)
		}
	}
}

func TestCorrectUpperGluedSyllables(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		// Words of the lexicon are cut first, as before.
		{"SỞTƯPHÁP", "SỞ TƯ PHÁP"},
		// A district that is not in the lexicon is cut into syllables.
		{"UBND QUẬN NINHKIỀU", "UBND QUẬN NINH KIỀU"},
		// Words of the lexicon (HỒ, AN, KIỂM) that would cut a vowel
		// group: syllables instead.
		{"PHƯỜNG HOÀNKIẾM", "PHƯỜNG HOÀN KIẾM"},
		// A capital's marks read as a second vowel.
		{"PHƯỜNG HOÀN KIẾỂM", "PHƯỜNG HOÀN KIẾM"},
		{"PHƯỜNG HOÀN KIẾÊM", "PHƯỜNG HOÀN KIẾM"},
		{"TỈNH BĂẰCNINH", "TỈNH BẮC NINH"},
		// ƯU is two vowels, not one read twice.
		{"LƯU TRỮ", "LƯU TRỮ"},
		{"HƯU TRÍ", "HƯU TRÍ"},
		// Garbage stays as it was read.
		{"UBND TỈNH NGHEAIU", "UBND TỈNH NGHEAIU"},
	} {
		if got := correctUpper(tc.in); got != tc.want {
			t.Errorf("correctUpper(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
