package vncorrect

import (
	_ "embed"
	"encoding/binary"
	"hash/fnv"
	"slices"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

//go:generate go run ./gen -o lexicon.bin

// lexiconBin holds sorted 32-bit hashes of the Vietnamese syllables and
// syllable pairs of Tesseract's legacy Vietnamese word and bigram lists
// and of Debian's hunspell-vi, as gen derives them: figures, not text.
//
//go:embed lexicon.bin
var lexiconBin []byte

// Hash is the 32-bit hash lexicon.bin stores for a lower-case syllable or
// a pair of them joined by one space.
func Hash(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}

// Lexicon is the context model: which syllables exist and which pairs of
// them follow each other in Vietnamese text. Safe for concurrent use.
type Lexicon struct {
	uni, bi  []uint32
	variants sync.Map // skeleton → []string, known syllables sharing it
}

var (
	lexOnce sync.Once
	lex     *Lexicon
)

// DefaultLexicon is the Lexicon of lexicon.bin.
func DefaultLexicon() *Lexicon {
	lexOnce.Do(func() {
		l, err := parseLexicon(lexiconBin)
		if err != nil {
			panic("vncorrect: " + err.Error())
		}
		lex = l
	})
	return lex
}

type lexError string

func (e lexError) Error() string { return string(e) }

func parseLexicon(b []byte) (*Lexicon, error) {
	const magic = "VNLX1\n"
	if !strings.HasPrefix(string(b), magic) {
		return nil, lexError("lexicon.bin: bad header")
	}
	b = b[len(magic):]
	read := func() ([]uint32, error) {
		if len(b) < 4 {
			return nil, lexError("lexicon.bin: truncated")
		}
		n := int(binary.LittleEndian.Uint32(b))
		b = b[4:]
		if len(b) < 4*n {
			return nil, lexError("lexicon.bin: truncated")
		}
		hs := make([]uint32, n)
		for i := range hs {
			hs[i] = binary.LittleEndian.Uint32(b[4*i:])
		}
		b = b[4*n:]
		return hs, nil
	}
	l := &Lexicon{}
	var err error
	if l.uni, err = read(); err != nil {
		return nil, err
	}
	if l.bi, err = read(); err != nil {
		return nil, err
	}
	return l, nil
}

func has(hs []uint32, s string) bool {
	_, ok := slices.BinarySearch(hs, Hash(s))
	return ok
}

// Known says whether lower-case syllable s is in the lexicon.
func (l *Lexicon) Known(s string) bool { return has(l.uni, s) }

// Pair says whether lower-case syllables a and b follow each other in the
// lexicon's bigrams.
func (l *Lexicon) Pair(a, b string) bool { return has(l.bi, a+" "+b) }

// marks lists, for each base letter, the letters differing from it only
// by a vowel mark or the stroke of đ: what Tesseract confuses.
var marks = map[rune][]rune{'a': {'a', 'ă', 'â'}, 'e': {'e', 'ê'}, 'o': {'o', 'ô', 'ơ'}, 'u': {'u', 'ư'}, 'd': {'d', 'đ'}}

// Variants are the known syllables that differ from lower-case s only by
// tone and vowel marks (s included when known).
func (l *Lexicon) Variants(s string) []string {
	k := skeleton(s)
	if v, ok := l.variants.Load(k); ok {
		return v.([]string)
	}
	var out []string
	seen := map[string]bool{}
	var walk func(i int, acc []rune)
	sk := []rune(k)
	walk = func(i int, acc []rune) {
		if i == len(sk) {
			add := func(w string) {
				if !seen[w] && Valid(w) && l.Known(w) {
					seen[w] = true
					out = append(out, w)
				}
			}
			add(string(acc))
			// Every tone on every vowel (old and new placements both
			// occur in the lists).
			for pos, r := range acc {
				v, isV := vowel[r]
				if !isV {
					continue
				}
				for t := huyen; t <= nang; t++ {
					c := slices.Clone(acc)
					c[pos] = withTone[[2]rune{v.base, rune(t)}]
					add(string(c))
				}
			}
			return
		}
		alts, ok := marks[sk[i]]
		if !ok {
			alts = []rune{sk[i]}
		}
		for _, a := range alts {
			walk(i+1, append(acc, a))
		}
	}
	walk(0, make([]rune, 0, len(sk)))
	slices.Sort(out)
	l.variants.Store(k, out)
	return out
}

var (
	marksOnce sync.Once
	marksC    *Corrector
)

// Marks is the Corrector sohoa runs on recognised pages by default: the
// package's frequency list for syllables that cannot exist, and the
// Lexicon for marks chosen from the neighbours (CorrectLine). Measured on
// held-out LibreOffice-rendered pages it lowers CER slightly (see the ocr
// package documentation).
func Marks() *Corrector {
	marksOnce.Do(func() {
		marksC = New(corpus)
		marksC.Lex = DefaultLexicon()
	})
	return marksC
}

// token is one word of a line split into its letters and what surrounds
// them.
type token struct {
	pre, core, post string
	lower           string
	upper, title    bool
	ok              bool // core is a lower/upper/title-case candidate syllable
}

func parseToken(w string) token {
	w = norm.NFC.String(w)
	var runs []string
	var letters []bool
	eachRun(w, func(run string, l bool) { runs = append(runs, run); letters = append(letters, l) })
	t := token{core: w}
	var idx = -1
	for i, l := range letters {
		if l {
			if idx >= 0 {
				return t // two runs of letters (QĐ-UBND): not one syllable
			}
			idx = i
		}
	}
	if idx < 0 {
		return t
	}
	t.pre, t.core, t.post = strings.Join(runs[:idx], ""), runs[idx], strings.Join(runs[idx+1:], "")
	t.lower = strings.ToLower(t.core)
	rs := []rune(t.core)
	switch {
	case t.core == t.lower:
	case t.core == strings.ToUpper(t.core) && len(rs) > 1:
		t.upper = true
	case unicode.IsUpper(rs[0]) && string(rs[1:]) == strings.ToLower(string(rs[1:])):
		t.title = true
	default:
		return t
	}
	t.ok = Valid(t.lower)
	return t
}

// CorrectLine restores the tone and vowel marks of the words of one
// line from their neighbours: a known syllable is replaced by a variant
// differing only in its marks when the variant pairs with a neighbour in
// the lexicon's bigrams and the word pairs with neither (sửa đối bố sung
// → sửa đổi bổ sung). Capitalised words (names) are left alone, and so
// is anything not a single Vietnamese syllable. Words that are not
// syllables at all go through CorrectWord.
func (c *Corrector) CorrectLine(words []string) []string {
	l := c.Lex
	if l == nil {
		out := make([]string, len(words))
		for i, w := range words {
			out[i] = c.CorrectWord(w)
		}
		return out
	}
	toks := make([]token, len(words))
	for i, w := range words {
		toks[i] = parseToken(w)
	}
	// ctx is the lower-case neighbour syllable joined to word i on side
	// d (-1, +1), "" when punctuation or a non-syllable is between.
	ctx := func(i, d int) string {
		j := i + d
		if j < 0 || j >= len(toks) || !toks[j].ok {
			return ""
		}
		if d < 0 && (toks[j].post != "" || toks[i].pre != "") || d > 0 && (toks[i].post != "" || toks[j].pre != "") {
			return ""
		}
		return toks[j].lower
	}
	score := func(prev, s, next string) int {
		n := 0
		if prev != "" && l.Pair(prev, s) {
			n++
		}
		if next != "" && l.Pair(s, next) {
			n++
		}
		return n
	}
	out := make([]string, len(words))
	fixed := make([]string, len(words)) // lower-case choices, used as context on the right
	for i, t := range toks {
		out[i] = words[i]
		if !t.ok {
			if t.lower != "" {
				out[i] = c.CorrectWord(words[i])
			}
			continue
		}
		fixed[i] = t.lower
		if t.title {
			continue
		}
		prev, next := ctx(i, -1), ctx(i, +1)
		if i > 0 && prev != "" {
			prev = fixed[i-1]
		}
		if prev == "" && next == "" {
			continue
		}
		if score(prev, t.lower, next) > 0 {
			continue
		}
		best, bestScore := "", 0
		for _, v := range l.Variants(t.lower) {
			if v == t.lower || !slip(t.lower, v) {
				continue
			}
			if s := score(prev, v, next); s > bestScore {
				best, bestScore = v, s
			}
		}
		if best == "" {
			if !l.Known(t.lower) {
				out[i] = c.CorrectWord(words[i])
			}
			continue
		}
		fixed[i] = best
		if t.upper {
			best = strings.ToUpper(best)
		}
		out[i] = t.pre + best + t.post
	}
	return out
}

// slip says whether Tesseract is known to read syllable want as got: the
// same letters with the hook above (hỏi) read as an acute (sắc) or
// missed (tố chức, kiếm tra, TRƯƠNG for tổ chức, kiểm tra, TRƯỞNG at 200
// dpi). Measured on the tuning pages, every other swap (a lost acute,
// huyền, nặng, ngã; a circumflex or horn added or dropped) replaced more
// right words than wrong ones: năm→nằm, phải→phái, quận→quản, lúa→lửa.
func slip(got, want string) bool {
	gb, gt, ok1 := split(got)
	wb, wt, ok2 := split(want)
	return ok1 && ok2 && gb == wb && wt == hoi && (gt == sac || gt == ngang)
}
