package certify

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzNormalizeCode reads arbitrary text as a verification code typed by
// a citizen: the result is empty or Crockford digits only, normalising
// twice changes nothing, and a code written as GroupCode prints it (in
// any case, with spaces for dashes) reads back as itself.
//
//	go test -run '^$' -fuzz '^FuzzNormalizeCode$' -fuzztime 60s ./certify/
func FuzzNormalizeCode(f *testing.F) {
	for _, s := range []string{NewCode(), NewCode(), "7K3M9-QXR2D", "7k3m9 qxr2d", "OIL01", "7K3M9QXR2DX", "", "-", "ĐỨC", "7K3M9–QXR2D"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeCode(s)
		if strings.Trim(n, crockford) != "" {
			t.Fatalf("NormalizeCode(%q) = %q, not Crockford base 32", s, n)
		}
		if again := NormalizeCode(n); again != n {
			t.Fatalf("NormalizeCode not idempotent: %q → %q → %q", s, n, again)
		}
		if len(n) != 10 {
			return
		}
		g := GroupCode(n)
		if len(g) != 11 || g[5] != '-' {
			t.Fatalf("GroupCode(%q) = %q", n, g)
		}
		for _, typed := range []string{g, strings.ToLower(g), strings.ReplaceAll(g, "-", " "), " " + g + " "} {
			if back := NormalizeCode(typed); back != n {
				t.Fatalf("code %q typed as %q reads %q", n, typed, back)
			}
		}
	})
}

// FuzzResultCodeCandidates reads arbitrary text as what a QR code holds:
// every candidate is a distinct code-like string, and text that is itself
// a code (not a URL) is its own single candidate.
//
//	go test -run '^$' -fuzz '^FuzzResultCodeCandidates$' -fuzztime 60s ./certify/
func FuzzResultCodeCandidates(f *testing.F) {
	for _, s := range []string{
		"KQ-2024-000123",
		"https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ket-qua.html?maketqua=KQ-2024-000123",
		"https://portal.example.gov.vn/ket-qua/000.00.00.H29-240101-0001",
		"https://x.invalid/?Code=A1&code=A1&id=B2#frag",
		"http://[::1]:80/%zz",
		"  KQ 1  ",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, qr string) {
		got := ResultCodeCandidates(qr)
		seen := map[string]bool{}
		for _, c := range got {
			if !codeRe.MatchString(c) || c != strings.TrimSpace(c) || !utf8.ValidString(c) {
				t.Fatalf("candidate %q of %q is not a code", c, qr)
			}
			if seen[c] {
				t.Fatalf("candidate %q twice in %q", c, got)
			}
			seen[c] = true
		}
		if s := strings.TrimSpace(qr); codeRe.MatchString(s) && !strings.Contains(s, ":") && (len(got) != 1 || got[0] != s) {
			t.Fatalf("code %q gave candidates %q", s, got)
		}
	})
}

// FuzzGroupThousands checks the fee formatting of the certification book
// against strconv: the digits are the number's, in groups of three from
// the right separated by dots, the first group of one to three.
//
//	go test -run '^$' -fuzz '^FuzzGroupThousands$' -fuzztime 60s ./certify/
func FuzzGroupThousands(f *testing.F) {
	for _, v := range []int64{0, 2000, 20000, 999, 1000, -1000, 1234567, -9223372036854775808, 9223372036854775807} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v int64) {
		s := groupThousands(v)
		if plain := strings.ReplaceAll(s, ".", ""); plain != strconv.FormatInt(v, 10) {
			t.Fatalf("groupThousands(%d) = %q", v, s)
		}
		groups := strings.Split(strings.TrimPrefix(s, "-"), ".")
		if n := len(groups[0]); n < 1 || n > 3 {
			t.Fatalf("groupThousands(%d) = %q: first group %q", v, s, groups[0])
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				t.Fatalf("groupThousands(%d) = %q: group %q", v, s, g)
			}
		}
	})
}
