package vncorrect

import (
	_ "embed"
	"sort"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// corpus is Vietnamese administrative prose written for this package
// (testdata/corpus.txt). It shares no text with the synthetic documents
// or the born-digital pages bench/ evaluates on.
//
//go:embed testdata/corpus.txt
var corpus string

// Corrector corrects syllables against a frequency list. It is safe for
// concurrent use once built.
type Corrector struct {
	freq     map[string]int      // lower-case syllable → occurrences
	variants map[string][]string // skeleton → valid syllables, most frequent first
	// MinCount, when > 0, lets a valid syllable that never occurs in the
	// list be replaced by a variant occurring at least MinCount times.
	// Off (0) by default: with a small list it replaces more correct
	// words (phường→phương, cửa→của) than wrong ones (bench/README.md).
	MinCount int
	// Lex, when set, lets CorrectLine choose marks from the neighbours.
	Lex *Lexicon
}

// New builds a Corrector from the syllable frequencies of texts.
func New(texts ...string) *Corrector {
	c := &Corrector{freq: map[string]int{}, variants: map[string][]string{}}
	for _, t := range texts {
		eachRun(norm.NFC.String(t), func(run string, letters bool) {
			if s := strings.ToLower(run); letters && Valid(s) {
				c.freq[s]++
			}
		})
	}
	for s := range c.freq {
		k := skeleton(s)
		c.variants[k] = append(c.variants[k], s)
	}
	for _, vs := range c.variants {
		sort.Slice(vs, func(i, j int) bool {
			if c.freq[vs[i]] != c.freq[vs[j]] {
				return c.freq[vs[i]] > c.freq[vs[j]]
			}
			return vs[i] < vs[j]
		})
	}
	return c
}

var (
	defaultOnce sync.Once
	defaultC    *Corrector
)

// Default returns the Corrector built from the package's own corpus.
func Default() *Corrector {
	defaultOnce.Do(func() { defaultC = New(corpus) })
	return defaultC
}

// Freq is the number of occurrences of lower-case syllable s in the list.
func (c *Corrector) Freq(s string) int { return c.freq[s] }

// CorrectWord corrects every run of letters in word (a word as Tesseract
// returns it, with punctuation attached) and keeps everything else.
func (c *Corrector) CorrectWord(word string) string {
	var b strings.Builder
	eachRun(norm.NFC.String(word), func(run string, letters bool) {
		if letters {
			run = c.syllable(run)
		}
		b.WriteString(run)
	})
	return b.String()
}

// CorrectText corrects every word of s, keeping its spacing.
func (c *Corrector) CorrectText(s string) string { return c.CorrectWord(s) }

// syllable corrects one run of letters, keeping its case pattern.
func (c *Corrector) syllable(run string) string {
	rs := []rune(run)
	lower := strings.ToLower(run)
	var title, upper bool
	switch {
	case run == lower:
	case run == strings.ToUpper(run):
		upper = true
		if len(rs) == 1 {
			upper, title = false, true
		}
	case unicode.IsUpper(rs[0]) && string(rs[1:]) == strings.ToLower(string(rs[1:])):
		title = true
	default:
		return run // mixed case: an abbreviation or garbage, leave it
	}
	fixed := c.fix(lower, title)
	if fixed == lower {
		return run
	}
	switch {
	case upper:
		return strings.ToUpper(fixed)
	case title:
		f := []rune(fixed)
		return string(unicode.ToUpper(f[0])) + string(f[1:])
	}
	return fixed
}

// fix returns the correction of lower-case syllable s, or s.
func (c *Corrector) fix(s string, title bool) string {
	if _, _, ok := split(s); !ok {
		return s // digits, foreign letters: not a Vietnamese syllable
	}
	if c.freq[s] > 0 {
		return s
	}
	vs := c.variants[skeleton(s)]
	if !Valid(s) {
		if len(vs) > 0 {
			return vs[0]
		}
		return repairTone(s)
	}
	// A valid syllable never seen: replace it only by a common variant,
	// and never a capitalised one (names are often missing from the list).
	if c.MinCount > 0 && !title && len(vs) > 0 && c.freq[vs[0]] >= c.MinCount {
		return vs[0]
	}
	return s
}

// repairTone gives a stop-final syllable with an impossible tone the sắc
// tone (far more frequent than nặng) when that makes it valid.
func repairTone(s string) string {
	bare, tone, ok := split(s)
	if !ok || tone == sac || tone == nang {
		return s
	}
	// Put the mark where the original had one, else on the last vowel
	// before the final consonants.
	rs := []rune(s)
	pos := -1
	for i, r := range rs {
		if v, isV := vowel[r]; isV && v.tone != ngang {
			pos = i
		}
	}
	if pos < 0 {
		b := []rune(bare)
		for i := len(b) - 1; i >= 0; i-- {
			if _, isV := vowel[b[i]]; isV {
				pos = i
				break
			}
		}
	}
	if pos < 0 {
		return s
	}
	base := vowel[rs[pos]].base
	rs[pos] = withTone[[2]rune{base, sac}]
	if out := string(rs); Valid(out) {
		return out
	}
	return s
}

// eachRun calls fn for each maximal run of letters and of non-letters in s.
func eachRun(s string, fn func(run string, letters bool)) {
	start, inLetters := 0, false
	for i, r := range s {
		l := unicode.IsLetter(r) || unicode.Is(unicode.Mn, r)
		if i == 0 {
			inLetters = l
			continue
		}
		if l != inLetters {
			fn(s[start:i], inLetters)
			start, inLetters = i, l
		}
	}
	if start < len(s) {
		fn(s[start:], inLetters)
	}
}
