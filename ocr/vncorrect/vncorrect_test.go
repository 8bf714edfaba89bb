package vncorrect

import "testing"

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
