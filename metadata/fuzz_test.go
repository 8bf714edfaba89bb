package metadata

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sohoa-vn/sohoa/ocr"
	"github.com/sohoa-vn/sohoa/scanners/synthetic"
)

// checkMetadata asserts what holds of any Metadata, whatever the input:
// every field present has a value and a confidence in [0,1] (positive for
// Extract, which sets fixed ones), a date is a real calendar day written
// YYYY-MM-DD, a number and symbol has its slash and no spaces, values are
// UTF-8 when the input was, and the whole encodes as JSON (a NaN
// confidence would not).
func checkMetadata(t *testing.T, m Metadata, validInput, positive bool) {
	t.Helper()
	for name, f := range map[string]*Field{"issuer": m.Issuer, "number_symbol": m.NumberSymbol, "place": m.Place,
		"date": m.Date, "type": m.Type, "summary": m.Summary, "signer": m.Signer, "signer_title": m.SignerTitle} {
		if f == nil {
			continue
		}
		if f.Value == "" {
			t.Errorf("%s: empty value", name)
		}
		if !(f.Confidence >= 0 && f.Confidence <= 1) || positive && f.Confidence == 0 {
			t.Errorf("%s: confidence %v", name, f.Confidence)
		}
		if validInput && !utf8.ValidString(f.Value) {
			t.Errorf("%s: %q is not UTF-8", name, f.Value)
		}
	}
	if m.Date != nil {
		if d, err := time.Parse(time.DateOnly, m.Date.Value); err != nil || d.Format(time.DateOnly) != m.Date.Value {
			t.Errorf("date %q is not a calendar day: %v", m.Date.Value, err)
		}
	}
	if m.NumberSymbol != nil && (!strings.Contains(m.NumberSymbol.Value, "/") || strings.ContainsFunc(m.NumberSymbol.Value, unicode.IsSpace)) {
		t.Errorf("number and symbol %q", m.NumberSymbol.Value)
	}
	if _, err := json.Marshal(m); err != nil {
		t.Errorf("metadata does not encode: %v", err)
	}
}

// FuzzExtract reads arbitrary text as a document's OCR text.
//
//	go test -run '^$' -fuzz '^FuzzExtract$' -fuzztime 60s ./metadata/
func FuzzExtract(f *testing.F) {
	for _, d := range synthetic.Documents(1) {
		var pages []string
		for _, p := range d.Pages {
			pages = append(pages, p.Text)
		}
		f.Add(strings.Join(pages, "\f"))
	}
	for _, s := range []string{
		"ỦY BAN NHÂN DÂN\nPHƯỜNG BẾN NGHÉ\nSố: 123/QĐ-UBND\nBến Nghé, ngày 5 tháng 6 năm 2026\nQUYẾT ĐỊNH\nVề việc cấp giấy phép\nCHỦ TỊCH\nNguyễn Văn An\n",
		"Sô: 45 / TB-UBND\nHà Nội, ngày 17 tháng 12 năm 2025\nTHÔNG BÁO\n",
		"Huế, ngày 31 tháng 2 năm 2026\n",
		"Số: 7/\nV/v cấp phép\n",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		checkMetadata(t, Extract(text), utf8.ValidString(text), true)
	})
}

// parseScript reads a page written as one row a line, "y|cx text|cx
// text", into rows for fakePage; what does not parse is left out.
func parseScript(s string) []row {
	var rows []row
	for _, line := range strings.Split(s, "\n") {
		cells := strings.Split(line, "|")
		y, err := strconv.Atoi(cells[0])
		if err != nil || y < -10000 || y > 10000 {
			continue
		}
		r := row{y: y}
		for _, c := range cells[1:] {
			x, text, _ := strings.Cut(c, " ")
			cx, err := strconv.Atoi(x)
			if err != nil || cx < -10000 || cx > 10000 {
				continue
			}
			r.cells = append(r.cells, cellAt{cx, text})
		}
		rows = append(rows, r)
	}
	return rows
}

// script writes rows as parseScript reads them.
func script(rows []row) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strconv.Itoa(r.y))
		for _, c := range r.cells {
			b.WriteString("|" + strconv.Itoa(c.cx) + " " + c.text)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// FuzzFromPages lays arbitrary rows of text out on a page, at any angle
// and OCR confidence, as OCR reports word boxes, and reads the layout.
//
//	go test -run '^$' -fuzz '^FuzzFromPages$' -fuzztime 60s ./metadata/
func FuzzFromPages(f *testing.F) {
	rows := decision("ỦY BAN NHÂN DÂN", "PHƯỜNG BẾN NGHÉ", "Số: 123/QĐ-UBND", "QUYẾT ĐỊNH", true)
	if s := script(rows); len(parseScript(s)) != len(rows) {
		f.Fatalf("script round trip lost rows: %q", s)
	}
	f.Add(script(rows), int8(0), uint8(90))
	f.Add(script(rows), int8(2), uint8(40))
	f.Add(script(decision("BỘ TƯ PHÁP", "", "Số:12/TB-BTP", "THÔNG BÁO", false)), int8(-3), uint8(99))
	f.Add("300|480 Số: 5/UBND-VP|1150 Hà Nội, ngày 1 tháng 1 năm 2026\n360|480 V/v tiếp dân\n2000|1150 Trần Thị Bình\n", int8(0), uint8(100))
	f.Add("10|10 a\n10|10 a\n", int8(90), uint8(0))
	f.Fuzz(func(t *testing.T, s string, deg int8, conf uint8) {
		// A hang is kept as a crasher only if the worker panics.
		stop := time.AfterFunc(10*time.Second, func() { panic("FromPages hung for 10 s on this input") })
		defer stop.Stop()
		rows := parseScript(s)
		p := fakePage(rows, float64(deg))
		var lines []string
		for _, r := range rows {
			var cells []string
			for _, c := range r.cells {
				cells = append(cells, c.text)
			}
			lines = append(lines, strings.Join(cells, " "))
		}
		p.Text = strings.Join(lines, "\n")
		for i := range p.Words {
			p.Words[i].Conf = float64(conf % 101) // Tesseract's range
		}
		var last *ocr.Page
		if len(p.Words) > 0 {
			last = &ocr.Page{Width: p.Width, Height: p.Height, Words: p.Words[len(p.Words)/2:], Text: p.Text}
		}
		m := FromPages([]*ocr.Page{p, nil, last})
		checkMetadata(t, m, utf8.ValidString(s), false)
	})
}
