package metadata

import (
	"strings"
	"sync"
)

// phrases are the words of issuing bodies, signer titles and document
// types as Decree 30/2020/NĐ-CP spells them, and the names of the
// provinces and centrally-run cities (including those merged in 2025).
// Capitalised lines are corrected against them: OCR often slips a tone or
// vowel mark on capitals (BAN → BẠN, PHỐ → PHÔ, NẴNG → NĂNG).
var phrases = []string{
	// bodies
	"ỦY BAN NHÂN DÂN", "UBND", "HỘI ĐỒNG NHÂN DÂN", "HĐND", "THÀNH PHỐ", "TỈNH", "QUẬN", "HUYỆN", "THỊ XÃ",
	"THỊ TRẤN", "XÃ", "PHƯỜNG", "ĐẶC KHU", "SỞ", "BỘ", "CỤC", "TỔNG CỤC", "CHI CỤC", "VỤ", "VIỆN", "PHÒNG", "BAN",
	"VĂN PHÒNG", "TRUNG TÂM", "CHÍNH PHỦ", "NHÀ NƯỚC", "TƯ PHÁP", "NỘI VỤ", "TÀI CHÍNH", "TÀI NGUYÊN VÀ MÔI TRƯỜNG",
	"NÔNG NGHIỆP VÀ MÔI TRƯỜNG", "NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN", "XÂY DỰNG", "GIAO THÔNG VẬN TẢI",
	"CÔNG THƯƠNG", "Y TẾ", "GIÁO DỤC VÀ ĐÀO TẠO", "KẾ HOẠCH VÀ ĐẦU TƯ", "LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI",
	"VĂN HÓA, THỂ THAO VÀ DU LỊCH", "VĂN HÓA - XÃ HỘI", "KINH TẾ", "KHOA HỌC VÀ CÔNG NGHỆ", "THÔNG TIN VÀ TRUYỀN THÔNG",
	"CÔNG AN", "QUỐC PHÒNG", "NGOẠI GIAO", "DÂN TỘC VÀ TÔN GIÁO", "VĂN THƯ VÀ LƯU TRỮ NHÀ NƯỚC", "THUẾ", "HẢI QUAN",
	"KHO BẠC", "TÒA ÁN NHÂN DÂN", "VIỆN KIỂM SÁT NHÂN DÂN", "THI HÀNH ÁN DÂN SỰ", "ĐĂNG KÝ KINH DOANH",
	"HỘ TỊCH", "CHỨNG THỰC", "MỘT CỬA", "HÀNH CHÍNH CÔNG",
	"XÃ HỘI", // a word, not a commune: no unit name follows its "XÃ"
	// signer titles
	"TM.", "KT.", "TL.", "TUQ.", "CHỦ TỊCH", "PHÓ CHỦ TỊCH", "GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "TRƯỞNG PHÒNG",
	"PHÓ TRƯỞNG PHÒNG", "BỘ TRƯỞNG", "THỨ TRƯỞNG", "CỤC TRƯỞNG", "PHÓ CỤC TRƯỞNG", "CHÁNH VĂN PHÒNG",
	"PHÓ CHÁNH VĂN PHÒNG", "TRƯỞNG BAN", "PHÓ TRƯỞNG BAN", "VỤ TRƯỞNG", "VIỆN TRƯỞNG", "TỔNG CỤC TRƯỞNG",
	"CHI CỤC TRƯỞNG", "THỦ TRƯỞNG",
	// provinces and cities
	"HÀ NỘI", "HỒ CHÍ MINH", "HẢI PHÒNG", "ĐÀ NẴNG", "CẦN THƠ", "HUẾ", "AN GIANG", "BÀ RỊA - VŨNG TÀU", "BẮC GIANG",
	"BẮC KẠN", "BẠC LIÊU", "BẮC NINH", "BẾN TRE", "BÌNH ĐỊNH", "BÌNH DƯƠNG", "BÌNH PHƯỚC", "BÌNH THUẬN", "CÀ MAU",
	"CAO BẰNG", "ĐẮK LẮK", "ĐẮK NÔNG", "ĐIỆN BIÊN", "ĐỒNG NAI", "ĐỒNG THÁP", "GIA LAI", "HÀ GIANG", "HÀ NAM", "HÀ TĨNH",
	"HẢI DƯƠNG", "HẬU GIANG", "HÒA BÌNH", "HƯNG YÊN", "KHÁNH HÒA", "KIÊN GIANG", "KON TUM", "LAI CHÂU", "LÂM ĐỒNG",
	"LẠNG SƠN", "LÀO CAI", "LONG AN", "NAM ĐỊNH", "NGHỆ AN", "NINH BÌNH", "NINH THUẬN", "PHÚ THỌ", "PHÚ YÊN",
	"QUẢNG BÌNH", "QUẢNG NAM", "QUẢNG NGÃI", "QUẢNG NINH", "QUẢNG TRỊ", "SÓC TRĂNG", "SƠN LA", "TÂY NINH", "THÁI BÌNH",
	"THÁI NGUYÊN", "THANH HÓA", "THỪA THIÊN HUẾ", "TIỀN GIANG", "TRÀ VINH", "TUYÊN QUANG", "VĨNH LONG", "VĨNH PHÚC",
	"YÊN BÁI",
}

type phrase struct {
	words []string // as spelled
	fold  []string // folded, for matching
}

var lexicon = sync.OnceValue(func() map[string][]phrase {
	// Indexed by the fold of the first word; longest phrases first.
	m := map[string][]phrase{}
	for _, t := range append(phrases, types...) {
		w := strings.Fields(t)
		p := phrase{words: w}
		for _, x := range w {
			p.fold = append(p.fold, foldWord(strings.TrimRight(x, ",;:")))
		}
		m[p.fold[0]] = append(m[p.fold[0]], p)
	}
	for k, ps := range m {
		for i := 1; i < len(ps); i++ {
			for j := i; j > 0 && len(ps[j].words) > len(ps[j-1].words); j-- {
				ps[j], ps[j-1] = ps[j-1], ps[j]
			}
		}
		m[k] = ps
	}
	return m
})

// correctUpper replaces runs of words of a capitalised line that differ
// from a known phrase only by diacritics (or Đ/D) with the phrase.
func correctUpper(s string) string {
	lex := lexicon()
	// Words OCR glued together ("UBNDTỈNH", "SỞTƯPHÁP"): a Vietnamese
	// syllable has one vowel group, so a word with more is cut into
	// words of the lexicon when it can be, else into syllables when
	// there is one way to (see splitSyllables).
	var w []string
	for _, x := range strings.Fields(s) {
		x = undouble(x)
		if vowelGroups(x) < 2 {
			w = append(w, x)
			continue
		}
		if b := breakWords(x); len(b) > 1 {
			w = append(w, b...)
		} else if sy := splitSyllables(x); sy != nil {
			// Not words of the lexicon, but syllables: a place name
			// ("NINHKIỀU").
			w = append(w, sy...)
		} else {
			w = append(w, x)
		}
	}
	// Words a phrase took, and the phrases that name a unit's kind
	// ("PHƯỜNG", "THỊ XÃ"): the unit's name follows them.
	matched := make([]bool, len(w))
	kinds := make([]int, len(w))
	for i := 0; i < len(w); {
		n := 1
		for _, p := range lex[foldWord(strings.TrimRight(w[i], ",;:"))] {
			if i+len(p.words) > len(w) {
				continue
			}
			ok := true
			for k, f := range p.fold {
				if foldWord(strings.TrimRight(w[i+k], ",;:")) != f {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			last := w[i+len(p.words)-1]
			punct := last[len(strings.TrimRight(last, ",;:")):]
			copy(w[i:], p.words)
			w[i+len(p.words)-1] += punct
			n = len(p.words)
			for k := range n {
				matched[i+k] = true
			}
			if isKind(p.fold) {
				kinds[i] = n
			}
			break
		}
		i += n
	}
	correctUnits(w, matched, func(i int) int { return kinds[i] })
	// A word read twice ("SỞ TƯ TƯ PHÁP"): one that no phrase took, the
	// same as the first of the phrase after it. And "ỦY" lost before
	// "BAN NHÂN DÂN", which names nothing else.
	var out []string
	for i, x := range w {
		if !matched[i] && i+1 < len(w) && matched[i+1] && foldWord(x) == foldWord(w[i+1]) {
			continue
		}
		if i+2 < len(w) && foldWord(x) == "ban" && foldWord(w[i+1]) == "nhan" && foldWord(strings.TrimRight(w[i+2], ",;:")) == "dan" &&
			(i == 0 || foldWord(w[i-1]) != "uy") {
			out = append(out, "ỦY")
		}
		out = append(out, x)
	}
	return strings.Join(out, " ")
}

// inLexicon: w, folded, is a word of a phrase of the lexicon.
func inLexicon(w string) bool {
	f := foldWord(strings.TrimRight(w, ",;:"))
	return len(lexicon()[f]) > 0 || secondWords()[f]
}

// secondWords are the folded words that follow the first in a phrase.
var secondWords = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, ps := range lexicon() {
		for _, p := range ps {
			for _, f := range p.fold[1:] {
				m[f] = true
			}
		}
	}
	return m
})

// vowelGroups counts the runs of vowels in s (after folding).
func vowelGroups(s string) int {
	n, in := 0, false
	for _, r := range foldWord(s) {
		v := strings.ContainsRune("aeiouy", r)
		if v && !in {
			n++
		}
		in = v
	}
	return n
}

// breakWords cuts s into the fewest words of the lexicon, or returns it
// whole. Hand-written dynamic programming over runes.
func breakWords(s string) []string {
	r := []rune(s)
	best := make([][]string, len(r)+1)
	best[0] = []string{}
	for i := 0; i < len(r); i++ {
		if best[i] == nil {
			continue
		}
		for j := i + 1; j <= len(r); j++ {
			if j < len(r) && vowelAt(r, j-1) && vowelAt(r, j) {
				continue // a vowel group is one syllable's: "HOÀN", not "HO ÀN"
			}
			piece := string(r[i:j])
			if !inLexicon(piece) {
				continue
			}
			if best[j] == nil || len(best[i])+1 < len(best[j]) {
				best[j] = append(append([]string{}, best[i]...), piece)
			}
		}
	}
	if best[len(r)] == nil {
		return []string{s}
	}
	return best[len(r)]
}
