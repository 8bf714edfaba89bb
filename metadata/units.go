package metadata

import (
	_ "embed"
	"slices"
	"strings"
	"sync"

	"golang.org/x/text/unicode/norm"
)

// unitsTxt holds the names of Vietnam's administrative units, before and
// after the 2025 reorganisation (written by metadata/genunits).
//
//go:embed units.txt
var unitsTxt string

// units are the unit names by their fold (see foldWord): every spelling
// that folds alike ("Thanh Hóa", "Thạnh Hòa", …).
var units = sync.OnceValue(func() map[string][]string {
	m := map[string][]string{}
	for _, line := range strings.Split(unitsTxt, "\n") {
		if line = strings.TrimSpace(line); line == "" || line[0] == '#' {
			continue
		}
		f := foldWord(line)
		m[f] = append(m[f], line)
	}
	return m
})

// UnitNames are the names of the administrative units the package knows,
// in the list's order (for corpora that need real unit names).
func UnitNames() []string {
	var out []string
	for _, line := range strings.Split(unitsTxt, "\n") {
		if line = strings.TrimSpace(line); line != "" && line[0] != '#' {
			out = append(out, line)
		}
	}
	return out
}

// unitKinds are the words that name a unit's kind, folded: the name
// follows them ("PHƯỜNG HOÀN KIẾM", "QUẬN NINH KIỀU").
var unitKinds = []string{"phuong", "xa", "quan", "huyen", "thi xa", "thi tran", "thanh pho", "tinh", "dac khu"}

// unitName is the spelling of the unit name that s (a name as read, in
// any case) stands for: the name of the list s is, or s when it differs
// from one only in where "oa", "oe" or "uy" carries the tone; else the
// one name of the list that folds as s does and is nearest to it (edit
// distance, ignoring case); else "" when there is none or no one
// nearest. OCR slips a tone or vowel mark ("NINH KIỂU" for "NINH KIỀU");
// a mark it reads right is never changed for a name of another spelling.
func unitName(s string) string {
	cands := units()[foldWord(s)]
	if len(cands) == 0 {
		return ""
	}
	up := strings.ToUpper(s)
	for _, c := range cands {
		if strings.ToUpper(c) == up {
			return c
		}
	}
	up = canonTone(up)
	best, bestD, ties := "", 1<<30, 0
	for _, c := range cands {
		d := levenshtein(up, canonTone(strings.ToUpper(c)))
		if d == 0 {
			return s // a spelling of the name, its tone on the other vowel
		}
		switch {
		case d < bestD:
			best, bestD, ties = c, d, 0
		case d == bestD:
			ties++
		}
	}
	if ties > 0 {
		return ""
	}
	return best
}

// canonTone puts the tone mark of "oa", "oe" and "uy" where the 2025 list
// and the older one disagree ("Hoà"/"Hòa"): on the second vowel.
func canonTone(s string) string {
	r := []rune(norm.NFD.String(s))
	var out []rune
	for i := 0; i < len(r); i++ {
		out = append(out, r[i])
		// O or U with a tone mark right after, then A, E or Y.
		if (r[i] == 'O' || r[i] == 'U') && i+2 < len(r) && isTone(r[i+1]) && strings.ContainsRune("AEY", r[i+2]) {
			out = append(out, r[i+2], r[i+1])
			i += 2
		}
	}
	return norm.NFC.String(string(out))
}

func isTone(r rune) bool {
	switch r {
	case '\u0300', '\u0301', '\u0303', '\u0309', '\u0323':
		return true
	}
	return false
}

// correctUnits corrects, in the words of a capitalised line, the unit
// names that follow a unit's kind: the longest run of up to four words
// after it that no phrase of the lexicon took (matched[i]) and that names
// a unit (see unitName). kindAt reports the words a kind spans at i (0
// for none).
func correctUnits(w []string, matched []bool, kindAt func(i int) int) {
	for i := 0; i < len(w); i++ {
		k := kindAt(i)
		if k == 0 {
			continue
		}
		start := i + k
		end := start
		for end < len(w) && end-start < 4 && !matched[end] {
			end++
		}
		for n := end - start; n > 0; n-- {
			last := w[start+n-1]
			punct := last[len(strings.TrimRight(last, ",;:")):]
			name := strings.Join(w[start:start+n], " ")
			name = name[:len(name)-len(punct)]
			u := unitName(name)
			if u == "" {
				continue
			}
			copy(w[start:], strings.Fields(strings.ToUpper(u)))
			w[start+n-1] += punct
			i = start + n - 1
			break
		}
	}
}

// correctPlace corrects the place of a date line ("Ninh Kiểu") against
// the unit names, keeping it when it is none or could be several.
func correctPlace(p string) string {
	if u := unitName(p); u != "" {
		return u
	}
	// OCR reads the capital I of "Ia KRai", "Ia Grai" as an l.
	if strings.HasPrefix(p, "l") {
		if u := unitName("I" + p[1:]); u != "" {
			return u
		}
	}
	// "Thành phố Hồ Chí Minh": the kind, then the name.
	f := foldWord(p)
	for _, k := range unitKinds {
		if strings.HasPrefix(f, k+" ") {
			n := len(strings.Fields(k))
			w := strings.Fields(p)
			if u := unitName(strings.Join(w[n:], " ")); u != "" {
				return strings.Join(append(w[:n:n], u), " ")
			}
		}
	}
	return p
}

// isKind: the folded words f name a unit's kind.
func isKind(f []string) bool { return slices.Contains(unitKinds, strings.Join(f, " ")) }
