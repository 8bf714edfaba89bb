package catalog

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// FuzzSearchText parses arbitrary text as a search query and as a
// document's text. The query's terms are what SQLite's FTS5 gets inside
// double quotes, so none may hold a quote or anything but letters and
// digits; Fold maps rune for rune, which snippet relies on to cut the
// body where the folded term was found: the snippet of a body holds the
// first term found in it.
//
//	go test -run '^$' -fuzz '^FuzzSearchText$' -fuzztime 60s ./storage/catalog/
func FuzzSearchText(f *testing.F) {
	for _, s := range [][2]string{
		{"quyết định", "ỦY BAN NHÂN DÂN PHƯỜNG BẾN NGHÉ\nQUYẾT ĐỊNH về việc cấp giấy phép xây dựng"},
		{`giấy "phép" OR x*`, "Giấy phép số 12/GPXD"},
		{"Đà Nẵng", strings.Repeat("văn bản ", 50) + "thành phố Đà Nẵng" + strings.Repeat(" trang", 80)},
		{"İstanbul ǅ ﬀ", "İSTANBUL ǆ ﬀ"},
		{"a\xffb", "\xff\xfe a b"},
		{"", ""},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, query, body string) {
		if n, m := utf8.RuneCountInString(Fold(body)), utf8.RuneCountInString(body); n != m {
			t.Fatalf("Fold(%q) has %d runes, the text %d", body, n, m)
		}
		terms := words(Fold(norm.NFC.String(query)))
		for _, w := range terms {
			if w == "" || strings.ContainsFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
				t.Fatalf("query %q gave term %q", query, w)
			}
		}
		body = norm.NFC.String(body) // as stored
		s := snippet(body, terms)
		if utf8.ValidString(body) && !utf8.ValidString(s) {
			t.Fatalf("snippet %q of UTF-8 text is not UTF-8", s)
		}
		if n := utf8.RuneCountInString(s); n > 200+2 {
			t.Fatalf("snippet of %d runes", n)
		}
		folded := Fold(body)
		for _, w := range terms {
			if strings.Contains(folded, w) {
				if utf8.RuneCountInString(w) <= 140 && !strings.Contains(Fold(s), w) {
					t.Fatalf("snippet %q of %q lacks the term %q", s, body, w)
				}
				break
			}
		}
	})
}
