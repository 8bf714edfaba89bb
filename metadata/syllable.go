package metadata

import (
	"strings"
	"unicode"
)

// Vietnamese writes one syllable per word: an optional initial consonant,
// a vowel nucleus (with its glides) and an optional final consonant. OCR
// errors on capitals (glued words, a letter misread) mostly break that
// shape, so it tells a plausible reading of a line of capitals from a
// garbled one, and where to cut words OCR glued together. The rules work
// on folded text (no diacritics, đ → d): they accept a few spellings
// Vietnamese does not use, never reject one it does.

// onsets are the initial consonants, longest first so that "ngh" is
// tried before "ng" and "n".
var onsets = []string{
	"ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr",
	"b", "c", "d", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x",
}

// codas are the final consonants.
var codas = map[string]bool{"": true, "c": true, "ch": true, "m": true, "n": true, "ng": true, "nh": true, "p": true, "t": true}

// nuclei are the folded vowel groups, glides included (ươi → uoi,
// uyê → uye, oai, …).
var nuclei = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`a e i o u y
		ai ao au ay eo eu ia ie iu oa oe oi oo ua ue ui uo uu uy ya ye
		ieu oai oay oeo uay uoi uou uya uye uyu yeu`) {
		nuclei[n] = true
	}
}

func isVowel(r rune) bool { return strings.ContainsRune("aeiouy", r) }

// validSyllable: s, folded, has the shape of one Vietnamese syllable.
func validSyllable(s string) bool {
	f := foldWord(s)
	if f == "" {
		return false
	}
	for _, r := range f {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	for _, o := range append(onsets, "") {
		if !strings.HasPrefix(f, o) {
			continue
		}
		rest := f[len(o):]
		if o == "gi" && (rest == "" || codas[rest]) {
			rest = "i" + rest // "gì", "gìn": g + i
		}
		i := 0
		for i < len(rest) && isVowel(rune(rest[i])) {
			i++
		}
		if nuclei[rest[:i]] && codas[rest[i:]] {
			return true
		}
	}
	return false
}

// plausibleUpper: every word of a line of capitals is a syllable or a
// word of the lexicon (UBND, TM., …), in capitals.
func plausibleUpper(s string) bool {
	w := strings.Fields(s)
	if len(w) == 0 {
		return false
	}
	for _, x := range w {
		x = strings.TrimRight(x, ",")
		if !isUpper(x) || !validSyllable(x) && !inLexicon(x) {
			return false
		}
	}
	return true
}

// splitSyllables cuts a word OCR glued together ("NINHKIỀU") into
// syllables, one per vowel group, or returns nil when it cannot, or when
// it can in more than one way ("TÂNGA": TÂN GA or TÂ NGA): a guess would
// be as likely wrong, and the word left whole marks the line implausible.
func splitSyllables(s string) []string {
	r := []rune(s)
	want := vowelGroups(s)
	// ways[i] counts (up to 2) the cuts of r[:i] into valid syllables;
	// parts[i] is one of them.
	ways := make([]int, len(r)+1)
	parts := make([][]string, len(r)+1)
	ways[0] = 1
	for i := 0; i < len(r); i++ {
		if ways[i] == 0 {
			continue
		}
		for j := i + 1; j <= len(r); j++ {
			if j < len(r) && vowelAt(r, j-1) && vowelAt(r, j) {
				continue // never through a vowel group
			}
			piece := string(r[i:j])
			if !validSyllable(piece) {
				continue
			}
			if ways[j] == 0 {
				parts[j] = append(append([]string{}, parts[i]...), piece)
			}
			ways[j] = min(2, ways[j]+ways[i])
		}
	}
	if ways[len(r)] != 1 || len(parts[len(r)]) != want {
		return nil
	}
	return parts[len(r)]
}

func vowelAt(r []rune, i int) bool {
	f := []rune(foldWord(string(r[i])))
	return len(f) == 1 && isVowel(f[0])
}

// undouble drops the second of two marked copies of one vowel ("KIẾỂM",
// "KIẾÊM", "BĂẰC"): Tesseract can read the stacked marks of a capital as
// a second letter. Vietnamese never writes the same vowel twice with
// marks on both (ƯU has one bare; OO in a few loanwords has none).
func undouble(s string) string {
	r := []rune(s)
	out := r[:0:0]
	for i, c := range r {
		if i > 0 && vowelAt(r, i) && vowelAt(r, i-1) && foldWord(string(c)) == foldWord(string(r[i-1])) &&
			marked(c) && marked(r[i-1]) {
			continue
		}
		out = append(out, c)
	}
	return string(out)
}

// marked: r carries a diacritic (a tone, a circumflex, a breve or a horn).
func marked(r rune) bool {
	f := []rune(foldWord(string(r)))
	return len(f) == 1 && f[0] != unicode.ToLower(r)
}
