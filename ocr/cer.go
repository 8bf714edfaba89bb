package ocr

import (
	"strings"

	"golang.org/x/text/unicode/norm"
)

// CER is the character error rate of hypothesis against reference: the
// Levenshtein distance over Unicode code points, after NFC normalisation
// and collapsing runs of white space to one space (and trimming), divided
// by the reference length. An empty reference gives 0 for an empty
// hypothesis and 1 otherwise.
func CER(reference, hypothesis string) float64 {
	ref := []rune(normalise(reference))
	hyp := []rune(normalise(hypothesis))
	if len(ref) == 0 {
		if len(hyp) == 0 {
			return 0
		}
		return 1
	}
	return float64(levenshtein(ref, hyp)) / float64(len(ref))
}

func normalise(s string) string {
	return strings.Join(strings.Fields(norm.NFC.String(s)), " ")
}

// levenshtein is the edit distance with unit costs, two-row dynamic
// programming (hand-written: a few lines, no library needed).
func levenshtein(a, b []rune) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
