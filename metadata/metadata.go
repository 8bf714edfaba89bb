// Package metadata finds the metadata of a Vietnamese administrative
// document (Decree 30/2020/NĐ-CP layout) in its OCR'd text: number and
// symbol, place and date, document type, summary line, issuing body and
// signer. Each field carries a confidence in [0,1].
package metadata

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Field is one extracted value.
type Field struct {
	Value      string  `json:"value"`
	Confidence float64 `json:"confidence"`
}

// String is the field's value, or "" for a nil field.
func (f *Field) String() string {
	if f == nil {
		return ""
	}
	return f.Value
}

// Metadata is what was found; absent fields are nil.
type Metadata struct {
	Issuer       *Field `json:"issuer,omitempty"`
	NumberSymbol *Field `json:"number_symbol,omitempty"` // e.g. 123/QĐ-UBND
	Place        *Field `json:"place,omitempty"`
	Date         *Field `json:"date,omitempty"` // ISO 8601, YYYY-MM-DD
	Type         *Field `json:"type,omitempty"` // QUYẾT ĐỊNH, GIẤY CHỨNG NHẬN, ...
	Summary      *Field `json:"summary,omitempty"`
	Signer       *Field `json:"signer,omitempty"`
	SignerTitle  *Field `json:"signer_title,omitempty"`
}

var (
	reNumber = regexp.MustCompile(`(?i)^\s*s[ốô0o]\s*[:;.]?\s*([0-9]+[A-Za-zĐđ0-9]*\s*/\s*[0-9A-ZĐa-zđ/.\-]+)`)
	motto    = []string{"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM", "ĐỘC LẬP - TỰ DO - HẠNH PHÚC"}
	// Document types named in Decree 30/2020 (appendix III) and common results.
	types = []string{
		"QUYẾT ĐỊNH", "NGHỊ QUYẾT", "NGHỊ ĐỊNH", "CHỈ THỊ", "QUY CHẾ", "QUY ĐỊNH", "THÔNG BÁO", "HƯỚNG DẪN",
		"CHƯƠNG TRÌNH", "KẾ HOẠCH", "PHƯƠNG ÁN", "ĐỀ ÁN", "DỰ ÁN", "BÁO CÁO", "BIÊN BẢN", "TỜ TRÌNH",
		"HỢP ĐỒNG", "CÔNG VĂN", "CÔNG ĐIỆN", "BẢN GHI NHỚ", "BẢN THỎA THUẬN", "GIẤY ỦY QUYỀN", "GIẤY MỜI",
		"GIẤY GIỚI THIỆU", "GIẤY NGHỈ PHÉP", "PHIẾU GỬI", "PHIẾU CHUYỂN", "PHIẾU BÁO", "THƯ CÔNG",
		"GIẤY CHỨNG NHẬN", "GIẤY PHÉP", "GIẤY XÁC NHẬN", "GIẤY KHAI SINH", "CHỨNG CHỈ", "BẰNG",
	}
	reTitle = regexp.MustCompile(`(?:PHÓ )?(?:CHỦ TỊCH|GIÁM ĐỐC|TRƯỞNG PHÒNG|BỘ TRƯỞNG|CHÁNH VĂN PHÒNG|THỨ TRƯỞNG|TRƯỞNG BAN)`)
)

// Extract finds metadata in a document's text (pages joined by form feeds).
func Extract(text string) Metadata {
	text = norm.NFC.String(text)
	var lines []string
	for _, l := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == '\f' }) {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	var m Metadata
	typeLine := -1
	for i, l := range lines {
		if m.NumberSymbol == nil {
			if loc := reNumber.FindStringSubmatchIndex(l); loc != nil {
				m.NumberSymbol = &Field{Value: strings.Join(strings.Fields(l[loc[2]:loc[3]]), ""), Confidence: 0.9}
				if iss := issuerAbove(lines, i); iss != "" {
					m.Issuer = &Field{Value: iss, Confidence: 0.6}
				}
				// The place and date may share the line (right column).
				l = l[loc[1]:]
			}
		}
		// Only a header's date line: a place and the date, nothing after
		// (see dateOf). The body's dates ("Căn cứ Nghị định … ngày 05
		// tháng 3 năm 2020 của Chính phủ") date something else.
		if m.Date == nil {
			if p, d, _, ok := dateOf(l); ok {
				m.Date = &Field{Value: fmt.Sprintf("%04d-%02d-%02d", d[2], d[1], d[0]), Confidence: 0.9}
				if p != "" {
					m.Place = &Field{Value: p, Confidence: 0.7}
				}
			}
		}
		if m.Type == nil && i < 25 {
			if strings.HasPrefix(l, "V/v") {
				// A letter (công văn) has no type line; its summary starts with "V/v".
				m.Type = &Field{Value: "CÔNG VĂN", Confidence: 0.7}
				typeLine = i - 1
				continue
			}
			for _, t := range types {
				if strings.ToUpper(l) == l && strings.HasPrefix(l, t) && len([]rune(l)) <= len([]rune(t))+12 {
					m.Type = &Field{Value: t, Confidence: 0.8}
					typeLine = i
					break
				}
			}
		}
	}
	if m.Type != nil && typeLine+1 < len(lines) {
		// The summary line (trích yếu) follows the type, sometimes over two lines.
		sum := lines[typeLine+1]
		if typeLine+2 < len(lines) && !strings.HasSuffix(sum, ".") && startsLower(lines[typeLine+2]) {
			sum += " " + lines[typeLine+2]
		}
		m.Summary = &Field{Value: sum, Confidence: 0.6}
	}
	// The signer's block closes the document: the title (after TM./KT./…)
	// and, last, the signer's full name.
	tail := lines[max(0, len(lines)-12):]
	for i := len(tail) - 1; i >= 0 && m.Signer == nil; i-- {
		if looksLikeName(tail[i]) {
			m.Signer = &Field{Value: tail[i], Confidence: 0.6}
		}
	}
	for i := len(tail) - 1; i >= 0 && m.SignerTitle == nil; i-- {
		if t := reTitle.FindAllString(tail[i], -1); t != nil {
			m.SignerTitle = &Field{Value: t[len(t)-1], Confidence: 0.6}
		}
	}
	return m
}

// calendarDay reports whether d/m/y is a day of the calendar: OCR can
// read "21 tháng 2" as "31 tháng 2", which is no date.
func calendarDay(y, m, d int) bool {
	return m >= 1 && m <= 12 && d >= 1 && time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Day() == d
}

// issuerAbove joins the capitalised lines above the number line: the
// issuing body, with the motto of the right column removed.
func issuerAbove(lines []string, i int) string {
	var parts []string
	for j := i - 1; j >= 0 && j >= i-3; j-- {
		l := lines[j]
		for _, m := range append(motto, "ĐỘC LẬP") {
			// ToUpper maps rune for rune but not byte for byte (an invalid
			// byte becomes U+FFFD, "ı" becomes "I"): cut l at the rune.
			up := strings.ToUpper(l)
			if k := strings.Index(up, m); k >= 0 {
				l = strings.TrimSpace(l[:runeOffset(l, utf8.RuneCountInString(up[:k]))])
			}
		}
		if l == "" || !isUpper(l) {
			break
		}
		parts = append([]string{l}, parts...)
	}
	return strings.Join(parts, " ")
}

// runeOffset is the byte offset in s of its n-th rune, counting as range
// does (an invalid byte is a rune).
func runeOffset(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}

func isUpper(s string) bool {
	hasLetter := false
	for _, r := range s {
		if r >= 'a' && r <= 'z' || (r > 127 && strings.ToUpper(string(r)) != string(r)) {
			return false
		}
		if r >= 'A' && r <= 'Z' || r > 127 {
			hasLetter = true
		}
	}
	return hasLetter
}

func isMotto(s string) bool {
	up := strings.ToUpper(s)
	for _, m := range motto {
		if strings.Contains(up, m) {
			return true
		}
	}
	return false
}

func startsLower(s string) bool {
	for _, r := range s {
		return strings.ToLower(string(r)) == string(r) && strings.ToUpper(string(r)) != string(r)
	}
	return false
}

// looksLikeName: 2–5 words, each capitalised (not all capitals), letters only.
func looksLikeName(s string) bool {
	w := strings.Fields(s)
	if len(w) < 2 || len(w) > 5 || isUpper(s) {
		return false
	}
	for _, x := range w {
		r := []rune(x)
		if strings.ToUpper(string(r[0])) != string(r[0]) {
			return false
		}
		for _, c := range r {
			if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c > 127) {
				return false
			}
		}
	}
	return true
}
