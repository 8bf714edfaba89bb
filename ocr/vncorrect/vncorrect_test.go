package vncorrect

import (
	"slices"
	"strings"
	"testing"
)

func TestValid(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"đất", true}, {"đât", false}, {"đạt", true}, {"đàt", false},
		{"vốn", true}, {"vôn", true}, {"dụng", true}, {"nghiệp", true}, {"nghiêp", false},
		{"quyết", true}, {"quyêt", false}, {"gì", true}, {"giữa", true}, {"khoảng", true},
		{"thường", true}, {"xuất", true}, {"huyện", true}, {"tỉnh", true}, {"chính", true}, {"chinh", true},
		{"uỷ", true}, {"ủy", true}, {"hòa", true}, {"hoà", true},
		{"đẩt", false}, {"ảá", false}, {"abc", false}, {"w", false}, {"ubnd", false}, {"qđ", false}, {"", false},
	} {
		if got := Valid(tc.s); got != tc.want {
			t.Errorf("Valid(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

func TestCorrectWord(t *testing.T) {
	c := Default()
	for _, tc := range []struct{ in, want string }{
		{"đât", "đất"}, {"Đât,", "Đất,"}, {"ĐÂT", "ĐẤT"}, {"(đât)", "(đất)"},
		{"vôn", "vôn"}, {"đụng", "đụng"}, // possible syllables: left alone by default
		{"phường", "phường"}, {"cửa", "cửa"}, // correct words missing from the list
		{"nghiêp", "nghiệp"}, // invalid: stop final without tone
		{"chôt", "chốt"},     // invalid, not in the list: sắc by rule
		// Left alone: correct, unknown, capitalised, or not Vietnamese.
		{"đất", "đất"}, {"123/QĐ-UBND", "123/QĐ-UBND"}, {"Kiếm", "Kiếm"}, {"email", "email"}, {"2026", "2026"},
		{"QĐ-UBND", "QĐ-UBND"}, {"", ""},
	} {
		if got := c.CorrectWord(tc.in); got != tc.want {
			t.Errorf("CorrectWord(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := c.CorrectText("quyền sử dụng đât, nguồn vôn"); got != "quyền sử dụng đất, nguồn vôn" {
		t.Errorf("CorrectText = %q", got)
	}
	// With MinCount, unseen syllables give way to common variants.
	u := New(corpus)
	u.MinCount = 3
	for _, tc := range []struct{ in, want string }{{"vôn", "vốn"}, {"đụng", "dụng"}, {"Kiếm", "Kiếm"}, {"đất", "đất"}} {
		if got := u.CorrectWord(tc.in); got != tc.want {
			t.Errorf("MinCount 3: CorrectWord(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNewCounts(t *testing.T) {
	c := New("Đất đai, đất. ĐẤT x 12 đât")
	if got := c.Freq("đất"); got != 3 {
		t.Errorf("Freq(đất) = %d, want 3", got)
	}
	if got := c.Freq("đât"); got != 0 {
		t.Errorf("invalid syllables are not counted: Freq(đât) = %d", got)
	}
}

func TestCorrectLine(t *testing.T) {
	c := New(corpus)
	c.Lex = DefaultLexicon()
	for _, tc := range []struct{ in, want string }{
		{"hướng dẫn tố chức kỳ thi", "hướng dẫn tổ chức kỳ thi"}, // sắc read for hỏi
		{"Đoàn kiếm tra", "Đoàn kiểm tra"},                       // …after a capitalised word
		{"KT. BỘ TRƯỞNG THỨ TRƯƠNG", "KT. BỘ TRƯỞNG THỨ TRƯỞNG"}, // hook missed, capitals
		{"tổ chức kiểm tra", "tổ chức kiểm tra"},                 // right already
		{"tố", "tố"},                     // no neighbour: no evidence
		{"tố, chức", "tố, chức"},         // punctuation breaks the pair
		{"ông Kiếm tra", "ông Kiếm tra"}, // a capitalised word may be a name
		{"đât đai", "đất đai"},           // not a syllable: CorrectWord
		{"Số 123/QĐ-UBND", "Số 123/QĐ-UBND"},
		{"năm 2025", "năm 2025"},
		{"", ""},
	} {
		got := strings.Join(c.CorrectLine(strings.Fields(tc.in)), " ")
		if got != tc.want {
			t.Errorf("CorrectLine(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// Without a Lexicon it corrects word by word.
	w := New(corpus)
	if got := strings.Join(w.CorrectLine([]string{"tố", "chức", "đât"}), " "); got != "tố chức đất" {
		t.Errorf("no Lexicon: %q", got)
	}
}

func TestLexicon(t *testing.T) {
	l := DefaultLexicon()
	for _, s := range []string{"tổ", "chức", "kiểm", "đất", "nghiệp"} {
		if !l.Known(s) {
			t.Errorf("Known(%q) = false", s)
		}
	}
	if l.Known("đât") || l.Known("xyz") {
		t.Error("invalid syllables are known")
	}
	if !l.Pair("tổ", "chức") || l.Pair("tố", "chức") {
		t.Errorf("Pair(tổ chức) = %v, Pair(tố chức) = %v", l.Pair("tổ", "chức"), l.Pair("tố", "chức"))
	}
	if v := l.Variants("to"); !slices.Contains(v, "tổ") || !slices.Contains(v, "tố") || !slices.Contains(v, "tơ") {
		t.Errorf("Variants(to) = %v", v)
	}
	if _, err := parseLexicon([]byte("VNLX1\n\x05\x00\x00\x00")); err == nil {
		t.Error("a truncated lexicon parses")
	}
}
