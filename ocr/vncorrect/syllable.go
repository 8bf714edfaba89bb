// Package vncorrect corrects Tesseract's typical Vietnamese errors — lost
// or confused tone and vowel marks (đất→đât, vốn→vôn, dụng→đụng) — using
// the structure of Vietnamese syllables and syllable frequencies. By
// default it only changes a syllable that is impossible in Vietnamese
// (đât: a stop final takes only the sắc or nặng tone), choosing the most
// frequent variant that differs only in marks; replacing possible but
// unseen syllables (vôn, đụng) is an option, Corrector.MinCount.
package vncorrect

import (
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Tones, in the order of the combining marks below.
const (
	ngang = iota // no mark
	huyen        // grave
	sac          // acute
	hoi          // hook above
	nga          // tilde
	nang         // dot below
)

var toneMarks = []rune{0, '\u0300', '\u0301', '\u0309', '\u0303', '\u0323'}

// vowel maps every lower-case Vietnamese vowel letter to its base vowel
// (with its shape: ă â ê ô ơ ư) and tone.
var vowel = map[rune]struct {
	base rune
	tone int
}{}

// withTone is the inverse of vowel.
var withTone = map[[2]rune]rune{}

func init() {
	for _, b := range "aăâeêioôơuưy" {
		for t, m := range toneMarks {
			s := string(b)
			if m != 0 {
				s += string(m)
			}
			r := []rune(norm.NFC.String(s))
			if len(r) != 1 {
				panic("vncorrect: no precomposed form for " + s)
			}
			vowel[r[0]] = struct {
				base rune
				tone int
			}{b, t}
			withTone[[2]rune{b, rune(t)}] = r[0]
		}
	}
}

// Rhymes of Vietnamese syllables in the national orthography
// (hand-written inventories: no library provides them); Valid lists the
// onsets, longest first, "qu" and "gi" among them.

var rhymes = set(
	"a", "ai", "ao", "au", "ay", "an", "am", "ang", "anh", "ac", "ach", "at", "ap",
	"ăn", "ăm", "ăng", "ăc", "ăt", "ăp",
	"âu", "ây", "ân", "âm", "âng", "âc", "ât", "âp",
	"e", "eo", "en", "em", "eng", "ec", "et", "ep",
	"ê", "êu", "ên", "êm", "ênh", "êch", "êt", "êp",
	"i", "ia", "iu", "in", "im", "inh", "ich", "it", "ip",
	"iêu", "iên", "iêm", "iêng", "iêc", "iêt", "iêp",
	"yêu", "yên", "yêm", "yêt",
	"o", "oi", "on", "om", "ong", "oc", "ot", "op", "ooc", "oong",
	"ô", "ôi", "ôn", "ôm", "ông", "ôc", "ôt", "ôp",
	"ơ", "ơi", "ơn", "ơm", "ơt", "ơp",
	"u", "ua", "ui", "un", "um", "ung", "uc", "ut", "up",
	"uôi", "uôn", "uôm", "uông", "uôc", "uôt",
	"ư", "ưa", "ưi", "ưu", "ưn", "ưng", "ưc", "ưt", "ưm",
	"ươi", "ươu", "ươn", "ươm", "ương", "ươc", "ươt", "ươp",
	"y",
	"oa", "oai", "oao", "oay", "oan", "oam", "oang", "oanh", "oac", "oach", "oat", "oap",
	"oăn", "oăm", "oăng", "oăc", "oăt",
	"oe", "oeo", "oen", "oet",
	"uân", "uâng", "uât", "uây",
	"uê", "uêch", "uênh", "uêt",
	"uy", "uya", "uych", "uynh", "uyu", "uyt", "uyn", "uyên", "uyêt", "uơ",
)

// afterQu are the rhymes written after "qu" (its u is the medial).
var afterQu = set("a", "ai", "ao", "au", "ay", "an", "am", "ang", "anh", "ac", "ach", "at", "ap",
	"ăn", "ăm", "ăng", "ăc", "ăt", "ăp", "ân", "âng", "ât", "ây",
	"e", "eo", "en", "em", "et", "ê", "ên", "ênh", "êt", "êch",
	"i", "y", "yên", "yêt", "ynh", "ych", "yt", "yn", "yu",
	"o", "ơ", "ôc", "ôn", "ôt", "ông")

func set(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// split separates a lower-case syllable into its toneless letters and
// its tone. ok is false when it carries two tone marks or a letter that is
// not Vietnamese.
func split(s string) (bare string, tone int, ok bool) {
	var b strings.Builder
	for _, r := range s {
		if v, isV := vowel[r]; isV {
			if v.tone != ngang {
				if tone != ngang {
					return "", 0, false
				}
				tone = v.tone
			}
			b.WriteRune(v.base)
			continue
		}
		if !strings.ContainsRune("bcdđghklmnpqrstvx", r) {
			return "", 0, false
		}
		b.WriteRune(r)
	}
	return b.String(), tone, true
}

// Valid reports whether lower-case s is a possible Vietnamese syllable:
// a known onset and rhyme, and a stop-final rhyme (-p, -t, -c, -ch) with
// only the sắc or nặng tone.
func Valid(s string) bool {
	bare, tone, ok := split(s)
	if !ok || bare == "" {
		return false
	}
	for _, on := range []string{"ngh", "ch", "gh", "gi", "kh", "ng", "nh", "ph", "qu", "th", "tr", "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", ""} {
		if !strings.HasPrefix(bare, on) {
			continue
		}
		rh := bare[len(on):]
		switch {
		case on == "qu":
			if !afterQu[rh] {
				continue
			}
		case on == "gi" && rh == "":
			rh = "i" // gì, gỉ
		case !rhymes[rh]:
			continue
		}
		if stopFinal(rh) && tone != sac && tone != nang {
			return false
		}
		return true
	}
	return false
}

func stopFinal(rh string) bool {
	return strings.HasSuffix(rh, "p") || strings.HasSuffix(rh, "t") ||
		strings.HasSuffix(rh, "c") || strings.HasSuffix(rh, "ch")
}

// skeleton is s without any mark: tones removed, ă â → a, ê → e,
// ô ơ → o, ư → u, đ → d. Variants of a syllable share its skeleton.
func skeleton(s string) string {
	var b strings.Builder
	for _, r := range s {
		if v, ok := vowel[r]; ok {
			r = v.base
		}
		switch r {
		case 'ă', 'â':
			r = 'a'
		case 'ê':
			r = 'e'
		case 'ô', 'ơ':
			r = 'o'
		case 'ư':
			r = 'u'
		case 'đ':
			r = 'd'
		}
		b.WriteRune(r)
	}
	return b.String()
}
