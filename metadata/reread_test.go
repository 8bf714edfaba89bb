package metadata

import (
	"context"
	"errors"
	"image"
	"slices"
	"strings"
	"testing"

	"github.com/sohoa-vn/sohoa/ocr"
)

// rereader answers FromPagesReread's calls as Tesseract would on the
// region: the words of a clean reading of the page that lie inside the
// rectangle, and the piece of a word its right side cuts through.
type rereader struct {
	clean   []row   // what the page reads like on its own
	deg     float64 // skew of the page
	fail    error
	calls   int
	regions []ocr.Region
	// numbers, when set, are what successive readings of the number's
	// cell (a region from the page's left side, under its top) find
	// there instead of the clean page's number.
	numbers []string
	// dates, when set, are what successive readings of the date's cell
	// (a region right of the issuing body's column) find there instead
	// of the clean page's date: Tesseract reads the same italic digits
	// differently in different crops and scales.
	dates []string
}

func (r *rereader) reread(_ context.Context, page int, reg ocr.Region) (*ocr.Page, error) {
	r.calls++
	r.regions = append(r.regions, reg)
	if page != 0 {
		return nil, errors.New("reread of a page other than the first")
	}
	if r.fail != nil {
		return nil, r.fail
	}
	rows := r.clean
	if len(r.dates) > 0 && reg.Rect.Min.X > left {
		rows = slices.Clone(rows)
		for i, rw := range rows {
			for j, c := range rw.cells {
				if strings.Contains(c.text, "ngày") && rw.y < 400 {
					rows[i].cells = slices.Clone(rw.cells)
					rows[i].cells[j].text = r.dates[0]
				}
			}
		}
		r.dates = r.dates[1:]
	}
	if len(r.numbers) > 0 && reg.Rect.Min.X == 0 && reg.Rect.Min.Y > 0 {
		rows = slices.Clone(rows)
		for i, rw := range rows {
			for j, c := range rw.cells {
				if strings.HasPrefix(c.text, "Số: ") {
					rows[i].cells = slices.Clone(rw.cells)
					rows[i].cells[j].text = "Số: " + r.numbers[0]
				}
			}
		}
		r.numbers = r.numbers[1:]
	}
	full := fakePage(rows, r.deg)
	p := &ocr.Page{Width: full.Width, Height: full.Height}
words:
	for _, w := range full.Words {
		for _, e := range reg.Erase {
			if w.Box.Overlaps(e) {
				continue words
			}
		}
		if w.Box.In(reg.Rect) {
			p.Words = append(p.Words, w)
		}
	}
	if len(p.Words) == 0 {
		return p, nil
	}
	// "CỘN" of "CỘNG HÒA", cut by the rectangle's right side.
	y := p.Words[0].Box.Min.Y
	p.Words = append(p.Words, ocr.Word{Text: "CỘN", Conf: 90, Block: 1, Par: 1, Line: 1,
		Box: image.Rect(reg.Rect.Max.X-60, y, reg.Rect.Max.X, y+30)})
	return p, nil
}

func TestFromPagesReread(t *testing.T) {
	clean := decision("UBND TỈNH NGHỆ AN", "SỞ NỘI VỤ", "706/QĐ-SNV", "QUYẾT ĐỊNH", true)
	// Tesseract on the whole page merged the issuing body's lines.
	garbled := decision("UBND TỈNH NGHEAIU", "", "706/QĐ-SNV", "QUYẾT ĐỊNH", true)
	// … or lost the number too.
	noNumber := decision("UBND TỈNH NGHEAIU", "", "706/QĐ-SNV", "QUYẾT ĐỊNH", true)
	noNumber[2].cells[0].text = "S6 7O6;SNV"
	for _, tc := range []struct {
		name       string
		first      []row
		deg        float64
		fail       error
		rotation   int
		skew       float64
		wantCalls  int
		wantIssuer string
		wantNumber string
		wantErr    bool
	}{
		{name: "certain: not read again", first: clean, wantIssuer: "UBND TỈNH NGHỆ AN SỞ NỘI VỤ", wantNumber: "706/QĐ-SNV"},
		{name: "garbled", first: garbled, wantCalls: 1, wantIssuer: "UBND TỈNH NGHỆ AN SỞ NỘI VỤ", wantNumber: "706/QĐ-SNV"},
		{name: "garbled, skewed +2°", first: garbled, deg: 2, wantCalls: 1, wantIssuer: "UBND TỈNH NGHỆ AN SỞ NỘI VỤ", wantNumber: "706/QĐ-SNV"},
		{name: "garbled, skewed -1.5°", first: garbled, deg: -1.5, wantCalls: 1, wantIssuer: "UBND TỈNH NGHỆ AN SỞ NỘI VỤ", wantNumber: "706/QĐ-SNV"},
		{name: "number lost too", first: noNumber, wantCalls: 1, wantIssuer: "UBND TỈNH NGHỆ AN SỞ NỘI VỤ", wantNumber: "706/QĐ-SNV"},
		{name: "preprocessing deskewed the page", first: garbled, skew: 1.2, wantCalls: 1, wantIssuer: "UBND TỈNH NGHỆ AN SỞ NỘI VỤ", wantNumber: "706/QĐ-SNV"},
		{name: "reread fails", first: garbled, fail: errors.New("engine gone"), wantCalls: 1, wantIssuer: "UBND TỈNH NGHEAIU", wantNumber: "706/QĐ-SNV", wantErr: true},
		// Scanned sideways: the words' boxes are in the image as scanned,
		// the region is cut from the image turned as preprocessing did.
		{name: "page turned upright", first: garbled, rotation: 270, wantCalls: 1, wantIssuer: "UBND TỈNH NGHỆ AN SỞ NỘI VỤ", wantNumber: "706/QĐ-SNV"},
		{name: "page turned upside down", first: garbled, rotation: 180, deg: 1, wantCalls: 1, wantIssuer: "UBND TỈNH NGHỆ AN SỞ NỘI VỤ", wantNumber: "706/QĐ-SNV"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page := fakePage(tc.first, tc.deg)
			page.Preprocess.Skew = tc.skew
			if tc.rotation != 0 {
				page = scannedAs(page, tc.rotation)
			}
			rr := &rereader{clean: clean, deg: tc.deg, fail: tc.fail}
			m, err := FromPagesReread(context.Background(), []*ocr.Page{page}, rr.reread)
			for _, r := range rr.regions {
				if r.Rotation != tc.rotation {
					t.Errorf("region %v read turned %d°, want %d°", r.Rect, r.Rotation, tc.rotation)
				}
			}
			if (err != nil) != tc.wantErr || tc.fail != nil && !errors.Is(err, tc.fail) {
				t.Fatalf("err = %v, want %v", err, tc.fail)
			}
			if rr.calls != tc.wantCalls {
				t.Fatalf("%d rereads, want %d", rr.calls, tc.wantCalls)
			}
			check(t, "issuer", m.Issuer, tc.wantIssuer)
			check(t, "number", m.NumberSymbol, tc.wantNumber)
			// The other fields are the first reading's.
			first := FromPages([]*ocr.Page{page})
			check(t, "date", m.Date, first.Date.String())
			check(t, "type", m.Type, first.Type.String())
			check(t, "signer", m.Signer, first.Signer.String())
			if first.Date.String() != "2026-02-05" || first.Type.String() != "QUYẾT ĐỊNH" {
				t.Fatalf("first reading: %+v %+v", first.Date, first.Type)
			}
			if rr.calls == 0 {
				return
			}
			reg := rr.regions[0]
			if reg.Skew != tc.skew || !reg.Despeckle {
				t.Errorf("region %+v: want skew %v and despeckled", reg, tc.skew)
			}
			// The rectangle holds the left column down to the number row
			// and stops short of the motto and of the type.
			for _, w := range fakePage(clean, tc.deg).Words {
				inLeft := w.Box.Min.X < 800 && w.Box.Max.Y < 320
				switch {
				case inLeft && !w.Box.In(reg.Rect):
					t.Errorf("%q %v outside the region %v", w.Text, w.Box, reg.Rect)
				case !inLeft && w.Box.Overlaps(reg.Rect):
					t.Errorf("%q %v inside the region %v", w.Text, w.Box, reg.Rect)
				}
			}
		})
	}
}

// A second reading no better than the first is not taken.
func TestRereadKeepsBetterReading(t *testing.T) {
	garbled := decision("UBND TỈNH NGHEAIU", "", "706/QĐ-SNV", "QUYẾT ĐỊNH", true)
	worse := decision("TnUU NGHEAIU", "", "706/QĐ-SNV", "QUYẾT ĐỊNH", true)
	rr := &rereader{clean: worse}
	m, err := FromPagesReread(context.Background(), []*ocr.Page{fakePage(garbled, 0)}, rr.reread)
	if err != nil || rr.calls != 1 {
		t.Fatalf("err %v, %d calls", err, rr.calls)
	}
	check(t, "issuer", m.Issuer, "UBND TỈNH NGHEAIU")

	for _, tc := range []struct {
		a, b    *Field
		doubted bool
		want    bool
	}{
		{&Field{Value: "SỞ NỘI VỤ", Confidence: 0.5}, &Field{Value: "SỞNỘIVỤ", Confidence: 0.9}, false, true},
		{&Field{Value: "SỞNỘIVỤ", Confidence: 0.9}, &Field{Value: "SỞ NỘI VỤ", Confidence: 0.5}, false, false},
		{&Field{Value: "SỞ NỘI VỤ", Confidence: 0.9}, &Field{Value: "SỞ TƯ PHÁP", Confidence: 0.5}, false, true},
		{&Field{Value: "SỞ NỘI VỤ", Confidence: 0.5}, &Field{Value: "SỞ TƯ PHÁP", Confidence: 0.9}, false, false},
		{&Field{Value: "SỞ NỘI VỤ", Confidence: 0.5}, &Field{Value: "SỞ TƯ PHÁP", Confidence: 0.7}, false, false},
		// Only the marks differ: the first reading saw them undespeckled.
		{&Field{Value: "PHƯỜNG HOÀN KIỂM", Confidence: 0.95}, &Field{Value: "PHƯỜNG HOÀN KIẾM", Confidence: 0.85}, false, false},
		// Two confident readings: the one that lost no line.
		{&Field{Value: "BỘ NỘI VỤ CỤC VĂN THƯ", Confidence: 0.85}, &Field{Value: "CỤC VĂN THƯ", Confidence: 0.95}, false, true},
		{&Field{Value: "CỤC VĂN THƯ", Confidence: 0.95}, &Field{Value: "BỘ NỘI VỤ CỤC VĂN THƯ", Confidence: 0.85}, false, false},
		// … but not a long reading no one is sure of, unless the first
		// is doubted too.
		{&Field{Value: "BỘ NỘI VỤ CỤC VĂN THƯ", Confidence: 0.6}, &Field{Value: "CỤC VĂN THƯ", Confidence: 0.95}, false, false},
		{&Field{Value: "BỘ NỘI VỤ CỤC VĂN THƯ", Confidence: 0.6}, &Field{Value: "CỤC VĂN THƯ", Confidence: 0.95}, true, true},
		{nil, &Field{Value: "SỞ TƯ PHÁP"}, false, false},
		{&Field{Value: "SỞ TƯ PHÁP"}, nil, false, true},
	} {
		if got := betterIssuer(tc.a, tc.b, tc.doubted); got != tc.want {
			t.Errorf("betterIssuer(%v, %v, %v) = %v", tc.a, tc.b, tc.doubted, got)
		}
	}
}

// A line of the body's name that reaches past where the right column
// starts is not cut to keep the motto out: the motto is erased instead.
func TestRereadLongLineBesideMotto(t *testing.T) {
	const lc = 520
	rows := func(second string) []row {
		return []row{
			{180, []cellAt{{lc, "BỘ NỘI VỤ"}, {1000, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"}}},
			{225, []cellAt{{lc, second}, {1150, "Độc lập - Tự do - Hạnh phúc"}}},
			{300, []cellAt{{lc, "Số: 12/HD-VTLTNN"}, {1150, "Hà Nội, ngày 05 tháng 02 năm 2026"}}},
			{400, []cellAt{{mid, "HƯỚNG DẪN"}}},
			{450, []cellAt{{mid, "Thực hiện chứng thực bản sao điện tử"}}},
		}
	}
	clean := rows("CỤC VĂN THƯ VÀ LƯU TRỮ NHÀ NƯỚC")
	first := fakePage(rows("CỤC VĂN THƯ VÀ LƯU TRỮ NHÀ NƯỚG"), 0)
	rr := &rereader{clean: clean}
	m, err := FromPagesReread(context.Background(), []*ocr.Page{first}, rr.reread)
	// The issuing body's column is read once; the summary, whose words
	// pair in no bigram the lexicon has, may be read after it (twice).
	if err != nil || rr.calls < 1 || rr.calls > 3 {
		t.Fatalf("err %v, %d calls", err, rr.calls)
	}
	check(t, "issuer", m.Issuer, "BỘ NỘI VỤ CỤC VĂN THƯ VÀ LƯU TRỮ NHÀ NƯỚC")
	check(t, "summary", m.Summary, "Thực hiện chứng thực bản sao điện tử")
	reg := rr.regions[0]
	var cong image.Rectangle
	for _, w := range fakePage(clean, 0).Words {
		if w.Text == "NƯỚC" && !w.Box.In(reg.Rect) {
			t.Errorf("the long line's last word %v is outside the region %v", w.Box, reg.Rect)
		}
		if w.Text == "CỘNG" {
			cong = w.Box
		}
	}
	if !cong.In(reg.Rect) {
		t.Fatalf("the test wants CỘNG %v inside the region %v", cong, reg.Rect)
	}
	var erased bool
	for _, e := range reg.Erase {
		erased = erased || cong.In(e)
	}
	if !erased {
		t.Errorf("CỘNG %v not erased: %v", cong, reg.Erase)
	}
}

// A line Tesseract could not read at all, or read as one with the motto
// beside it, leaves a certain-looking issuing body without it; the unsure
// word, or the row left out, brings the second reading.
func TestRereadUnreadLine(t *testing.T) {
	clean := decision("UBND TỈNH NGHỆ AN", "SỞ NỘI VỤ", "706/QĐ-SNV", "QUYẾT ĐỊNH", true)
	for _, tc := range []struct {
		name      string
		line      string // the first line as read
		conf      float64
		body      string // the second line as read
		wantCalls int
		want      string
	}{
		{"unsure", "Ẽ", 12, "BỘ NỘI VỤ", 1, "UBND TỈNH NGHỆ AN SỞ NỘI VỤ"},
		{"sure", "Ẽ", 91, "BỘ NỘI VỤ", 0, "BỘ NỘI VỤ"}, // then it is what the page says
		// A department stands under the body it answers to: alone, a
		// line above it went unread, whatever the confidences say.
		{"department alone, letter sure", "Ẽ", 91, "SỞ NỘI VỤ", 1, "UBND TỈNH NGHỆ AN SỞ NỘI VỤ"},
		{"department alone, nothing above", "", 0, "SỞ NỘI VỤ", 1, "UBND TỈNH NGHỆ AN SỞ NỘI VỤ"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The line read as one letter (or not at all): no issuing
			// body's line, no row left out, only the letter's confidence
			// or what the body's name says tells.
			first := fakePage(decision(tc.line, tc.body, "706/QĐ-SNV", "QUYẾT ĐỊNH", true), 0)
			for i, w := range first.Words {
				if w.Text == "Ẽ" {
					first.Words[i].Conf = tc.conf
				}
			}
			if m := FromPages([]*ocr.Page{first}); m.Issuer.String() != tc.body || m.Issuer.Confidence < minIssuerConf {
				t.Fatalf("the first reading should look certain: %+v", m.Issuer)
			}
			rr := &rereader{clean: clean}
			m, err := FromPagesReread(context.Background(), []*ocr.Page{first}, rr.reread)
			if err != nil || rr.calls != tc.wantCalls {
				t.Fatalf("err %v, %d calls, want %d", err, rr.calls, tc.wantCalls)
			}
			check(t, "issuer", m.Issuer, tc.want)
		})
	}
	t.Run("row read with the motto", func(t *testing.T) {
		rows := decision("UBND TỈNH NGHỆ AN", "", "706/QĐ-SNV", "QUYẾT ĐỊNH", true)
		rows[1].cells = []cellAt{{700, "SỞ NỘI VỤ Độclập-Tựdo-Hạnhphúc"}}
		first := fakePage(rows, 0)
		if m := FromPages([]*ocr.Page{first}); m.Issuer.String() != "UBND TỈNH NGHỆ AN" || m.Issuer.Confidence < minIssuerConf {
			t.Fatalf("the first reading should look certain: %+v", m.Issuer)
		}
		rr := &rereader{clean: clean}
		m, err := FromPagesReread(context.Background(), []*ocr.Page{first}, rr.reread)
		if err != nil || rr.calls != 1 {
			t.Fatalf("err %v, %d calls", err, rr.calls)
		}
		check(t, "issuer", m.Issuer, "UBND TỈNH NGHỆ AN SỞ NỘI VỤ")
	})
}

// A type line the first reading lost or garbled is read again from its
// band under the header; a certain one is not.
func TestRereadType(t *testing.T) {
	clean := decision("ỦY BAN NHÂN DÂN", "TỈNH BẮC NINH", "929/CT-UBND", "CHỈ THỊ", true)
	for _, tc := range []struct {
		name      string
		typ       string // as the first reading has it; "" for lost
		second    string // as the second reads it
		wantCalls int
		want      string
	}{
		{"lost", "", "CHỈ THỊ", 1, "CHỈ THỊ"},
		{"garbled", "GCHỈTH", "CHỈ THỊ", 1, "CHỈ THỊ"},
		{"read slightly off", "CHỈ THI", "CHỈ THỊ", 0, "CHỈ THỊ"},
		{"certain", "CHỈ THỊ", "", 0, "CHỈ THỊ"},
		// A second reading that is no type of the list is not taken;
		// the symbol's code ("CT") then says the type.
		{"second no better", "GCHỈTH", "GCHỈTH", 1, "CHỈ THỊ"},
		{"second reads nothing", "", "", 1, "CHỈ THỊ"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			first := slices.Clone(clean)
			first[3] = row{400, []cellAt{{mid, tc.typ}}}
			second := slices.Clone(clean)
			second[3] = row{400, []cellAt{{mid, tc.second}}}
			rr := &rereader{clean: second}
			m, err := FromPagesReread(context.Background(), []*ocr.Page{fakePage(first, 0)}, rr.reread)
			if err != nil || rr.calls != tc.wantCalls {
				t.Fatalf("err %v, %d calls, want %d", err, rr.calls, tc.wantCalls)
			}
			check(t, "type", m.Type, tc.want)
			check(t, "issuer", m.Issuer, "ỦY BAN NHÂN DÂN TỈNH BẮC NINH")
			if rr.calls == 0 {
				return
			}
			// The band holds the type's place, not the header's rows nor
			// the summary under it.
			reg := rr.regions[0]
			if !reg.Despeckle {
				t.Errorf("region %+v not despeckled", reg)
			}
			for _, w := range fakePage(second, 0).Words {
				isType := w.Box.Max.Y == 400
				if isType && !w.Box.In(reg.Rect) || !isType && w.Box.Overlaps(reg.Rect) {
					t.Errorf("%q %v: in the region %v is %v", w.Text, w.Box, reg.Rect, !isType)
				}
			}
		})
	}
}

// A date row that does not parse, or a number of unknown codes, is read
// again from its cell of the number row.
func TestRereadRows(t *testing.T) {
	const dateCell = "Hà Nội, ngày 05 tháng 02 năm 2026"
	for _, tc := range []struct {
		name            string
		number, date    string // as the first reading has them
		second          string // the number as the second reads it
		wantCalls       int
		wantNum, wantDt string
	}{
		{"clean", "706/QĐ-SNV", dateCell, "706/QĐ-SNV", 0, "706/QĐ-SNV", "2026-02-05"},
		{"year cut", "706/QĐ-SNV", "Hà Nội, ngày 05 tháng 02 năm202", "706/QĐ-SNV", 1, "706/QĐ-SNV", "2026-02-05"},
		{"month garbled", "706/QĐ-SNV", "Hà Nội, ngày 05 tháng Ö năm 2026", "706/QĐ-SNV", 1, "706/QĐ-SNV", "2026-02-05"},
		{"unknown code", "706/QĐ-SNT", dateCell, "706/QĐ-SNV", 1, "706/QĐ-SNV", "2026-02-05"},
		{"unknown code, second no better", "706/QĐ-SNT", dateCell, "706/QĐ-SNX", 1, "706/QĐ-SNT", "2026-02-05"},
		// A letter's symbol of one code: its last part may have been lost.
		{"one code, the cell reads another", "2704/UBND", dateCell, "2704/UBND-VP", 1, "2704/UBND-VP", "2026-02-05"},
		{"one code, the cell reads the same", "139/STP", dateCell, "139/STP", 1, "139/STP", "2026-02-05"},
		{"both", "706/QĐ-SNT", "Hà Nội, ngày 05 tháng 02 nữm", "706/QĐ-SNV", 2, "706/QĐ-SNV", "2026-02-05"},
		// The number row's words garbled and read as one with the date:
		// the number's cell is still the left column's.
		{"number read with the date", "", "KUÐNÔ Ủy Hà Nội, ngày 05 tháng 02 năm 2026", "706/QĐ-SNV", 2, "706/QĐ-SNV", "2026-02-05"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			first := decision("UBND TỈNH NGHỆ AN", "SỞ NỘI VỤ", tc.number, "QUYẾT ĐỊNH", true)
			first[2].cells[1].text = tc.date
			if tc.number == "" {
				first[2].cells = []cellAt{{850, tc.date}}
			}
			second := decision("UBND TỈNH NGHỆ AN", "SỞ NỘI VỤ", tc.second, "QUYẾT ĐỊNH", true)
			rr := &rereader{clean: second}
			m, err := FromPagesReread(context.Background(), []*ocr.Page{fakePage(first, 0)}, rr.reread)
			if err != nil || rr.calls != tc.wantCalls {
				t.Fatalf("err %v, %d calls, want %d", err, rr.calls, tc.wantCalls)
			}
			check(t, "number", m.NumberSymbol, tc.wantNum)
			check(t, "date", m.Date, tc.wantDt)
			if tc.number != "" { // (else the garbled words are the place's)
				check(t, "place", m.Place, "Hà Nội")
			}
			check(t, "type", m.Type, "QUYẾT ĐỊNH")
			// Each region holds its cell of the number row and no other
			// row (but the issuing body's, from the top of the page).
			for _, reg := range rr.regions {
				if reg.Rect.Min.Y == 0 {
					continue
				}
				for _, w := range fakePage(second, 0).Words {
					if w.Box.Max.Y != 300 && w.Box.Overlaps(reg.Rect) {
						t.Errorf("%q %v of another row inside the region %v", w.Text, w.Box, reg.Rect)
					}
				}
			}
		})
	}
}

// A date whose numbers the first reading was unsure of is read again from
// its cell; when the two readings disagree, a third, enlarged, and the
// three vote number by number. A date read with confidence is left as it
// is, wrong or not: nothing on the page tells.
func TestRereadDateVote(t *testing.T) {
	const clean = "Hà Nội, ngày 05 tháng 02 năm 2026"
	for _, tc := range []struct {
		name     string
		first    string  // the date row as the first reading has it
		conf     float64 // the confidence of its numbers
		dates    []string
		want     string
		calls    int
		wantConf float64 // at least, at most 1
	}{
		{"sure", clean, 97, nil, "2026-02-05", 0, 0.9},
		{"sure and wrong", "Hà Nội, ngày 05 tháng 02 năm 2025", 97, nil, "2025-02-05", 0, 0.9},
		{"unsure, the cell agrees", clean, 70, []string{clean}, "2026-02-05", 1, 0.9},
		{"misread, the cell and the enlarged cell agree", "Hà Nội, ngày 05 tháng 02 năm 2020", 57, []string{clean, clean}, "2026-02-05", 2, 0.6},
		{"digits misread apart", "Hà Nội, ngày 25 tháng 09 năm 2021", 89,
			[]string{"Hà Nội, ngày 23 tháng 09 năm 2021", "Hà Nội, ngày 23 tháng 03 năm 2021"}, "2021-09-23", 2, 0.3},
		{"two against the cell", "Hà Nội, ngày 05 tháng 02 năm 2026", 80,
			[]string{"Hà Nội, ngày 05 tháng 02 năm 2028", clean}, "2026-02-05", 2, 0.6},
		{"cell unreadable", clean, 60, []string{"Hà Nội, ngày Ö tháng 02 năm", "Hà Nội, ngày 05 tháng"}, "2026-02-05", 2, 0.8},
		{"no first reading", "Hà Nội, ngày 05 tháng 02 năm 202", 97, []string{clean}, "2026-02-05", 1, 0.9},
		{"no first, the cell unreadable once", "Hà Nội, ngày 05 tháng 02 năm 202", 97, []string{"ngày Ö", clean}, "2026-02-05", 2, 0.9},
		{"a vote that is no day keeps the cell's", "Hà Nội, ngày 31 tháng 01 năm 2026", 80,
			[]string{"Hà Nội, ngày 28 tháng 02 năm 2026", "Hà Nội, ngày 31 tháng 02 năm 2025"}, "2026-02-28", 2, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows := decision("UBND TỈNH NGHỆ AN", "SỞ NỘI VỤ", "706/QĐ-SNV", "QUYẾT ĐỊNH", true)
			rows[2].cells[1].text = tc.first
			first := fakePage(rows, 0)
			for i, w := range first.Words {
				if w.Box.Min.X > left && strings.ContainsAny(w.Text, "0123456789") {
					first.Words[i].Conf = tc.conf
				}
			}
			rr := &rereader{clean: decision("UBND TỈNH NGHỆ AN", "SỞ NỘI VỤ", "706/QĐ-SNV", "QUYẾT ĐỊNH", true), dates: tc.dates}
			m, err := FromPagesReread(context.Background(), []*ocr.Page{first}, rr.reread)
			if err != nil || rr.calls != tc.calls {
				t.Fatalf("err %v, %d calls, want %d", err, rr.calls, tc.calls)
			}
			check(t, "date", m.Date, tc.want)
			check(t, "place", m.Place, "Hà Nội")
			if m.Date.Confidence < tc.wantConf || m.Date.Confidence > 1 {
				t.Errorf("confidence %v, want %v to 1", m.Date.Confidence, tc.wantConf)
			}
			for i, reg := range rr.regions {
				if want := []float64{0, 2}[i]; reg.Scale != want || !reg.Despeckle {
					t.Errorf("reading %d of the cell: %+v, want scale %v, despeckled", i+1, reg, want)
				}
				// The number's words are erased, should they reach in.
				if len(reg.Erase) != 2 {
					t.Errorf("reading %d of the cell erases %v, want the 2 words of the number", i+1, reg.Erase)
				}
			}
		})
	}
}

// A number whose digits the first reading was unsure of is read again
// from its cell, and enlarged when the two disagree; the digits vote as
// the date's numbers do.
func TestRereadNumberVote(t *testing.T) {
	for _, tc := range []struct {
		name    string
		first   string
		conf    float64
		numbers []string
		want    string
		calls   int
	}{
		{"sure", "2880/TB-BTP", 97, nil, "2880/TB-BTP", 0},
		{"unsure, the cell agrees", "2850/TB-BTP", 60, []string{"2850/TB-BTP"}, "2850/TB-BTP", 1},
		{"a digit misread", "2880/TB-BTP", 60, []string{"2850/TB-BTP", "2850/TB-BTP"}, "2850/TB-BTP", 2},
		{"the cell misreads", "71/BC-UBND", 60, []string{"7/BC-UBND", "71/BC-UBND"}, "71/BC-UBND", 2},
		{"the cell unreadable once", "28/CT-UBND", 30, []string{"S6 CT", "825/CT-UBND"}, "825/CT-UBND", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			first := fakePage(decision("UBND TỈNH NGHỆ AN", "SỞ NỘI VỤ", tc.first, "QUYẾT ĐỊNH", true), 0)
			for i, w := range first.Words {
				if w.Box.Max.Y == 300 && w.Box.Max.X < 827 {
					first.Words[i].Conf = tc.conf
				}
			}
			rr := &rereader{clean: decision("UBND TỈNH NGHỆ AN", "SỞ NỘI VỤ", tc.first, "QUYẾT ĐỊNH", true), numbers: tc.numbers}
			m, err := FromPagesReread(context.Background(), []*ocr.Page{first}, rr.reread)
			if err != nil || rr.calls != tc.calls {
				t.Fatalf("err %v, %d calls, want %d", err, rr.calls, tc.calls)
			}
			check(t, "number", m.NumberSymbol, tc.want)
			for i, reg := range rr.regions {
				if want := []float64{0, 2}[i]; reg.Scale != want {
					t.Errorf("reading %d of the cell at scale %v, want %v", i+1, reg.Scale, want)
				}
			}
		})
	}
}

// With neither the number nor the date read, the row is found where its
// words are, garbled, and both cells are read again around it: not in a
// band guessed from the issuing body, which cuts a row set lower.
func TestRereadGarbledRow(t *testing.T) {
	lower := func(number, date []cellAt) []row {
		rows := decision("BỘ TƯ PHÁP", "", "45/BTP", "QUYẾT ĐỊNH", true)
		rows[2].y = 290 // lower than the band guessed from the issuing body reaches
		rows[2].cells = append(number, date...)
		return rows
	}
	clean := lower([]cellAt{{left, "Số: 45/BTP"}}, []cellAt{{right, "Hà Nội, ngày 19 tháng 01 năm 2022"}})
	for _, tc := range []struct {
		name string
		row  []cellAt
	}{
		{"as one line across", []cellAt{{mid, "S6G9ACTBI PSNO ng l0Ư00ng01010202"}}},
		{"the date's numbers garbled", []cellAt{{left, "SIUƠ"}, {right, "Hà Nội, ngày 1Q tháng (Ì1 năm 2()22"}}},
		{"only a word of the date", []cellAt{{left, "SIUƠ"}, {right, "HàNG ngày!"}}},
		// Both cells garbled, the number's into capitals: it is taken
		// for a line of the issuing body, and the row is found under the
		// lines read well.
		{"garbled into capitals", []cellAt{{left, "BAO"}, {right, "hố cốc an"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			first := fakePage(lower(nil, tc.row), 0)
			for i, w := range first.Words {
				if w.Box.Max.Y == 290 {
					first.Words[i].Conf = 20 // dust
				}
			}
			rr := &rereader{clean: clean}
			m, err := FromPagesReread(context.Background(), []*ocr.Page{first}, rr.reread)
			if err != nil {
				t.Fatal(err)
			}
			check(t, "date", m.Date, "2022-01-19")
			check(t, "number", m.NumberSymbol, "45/BTP")
			check(t, "type", m.Type, "QUYẾT ĐỊNH")
		})
	}
}

func TestMottoLike(t *testing.T) {
	for s, want := range map[string]bool{
		"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM": true, "Độclập-Tựdo-Hạnh phúc": true, "PHƯỜNGLÊCHÀN Độclập-Tựdo-Hạnh phúc": true,
		"Độc lập- Tự do Hạnh phúc": true, "SỞ TƯ PHÁP": false, "Hà Nội, ngày 05 tháng 6 năm 2026": false,
	} {
		if mottoLike(s) != want {
			t.Errorf("mottoLike(%q) = %v", s, !want)
		}
	}
}

// A line across both columns that is the motto read with the issuing
// body's second line is not the number row; a date's words further down
// are.
func TestGarbledRowNotTheMotto(t *testing.T) {
	for _, tc := range []struct {
		row  []cellAt
		want string
	}{
		{[]cellAt{{left, "Số:1270HD-UBND.."}, {right, "LêChân,ngày02 tháng 8năm 20242"}}, "LêChân"},
		{[]cellAt{{mid, "S6G9ACTBI PSNO ng l0Ư00ng01010202"}}, "S6G9ACTBI"},
	} {
		rows := []row{
			{180, []cellAt{{left, "ỦYBANNHẬNDÂN"}, {right, "CỘNG HÒAXÃ HỘI CHỦ NGHĨA VIỆT NAM."}}},
			{225, []cellAt{{mid, "PHƯỜNGLÊCHÀN Độclập-Tựdo-Hạnh phúc"}}},
			{290, tc.row},
			{400, []cellAt{{mid, "HƯỚNG DẪN"}}},
		}
		l := newLayout(fakePage(rows, 0))
		var m Metadata
		hb := l.header(&m)
		if hb.num != nil || hb.date != nil {
			t.Fatalf("the first reading read the row: %v %v", m.NumberSymbol, m.Date)
		}
		if s := l.garbledRow(hb); s == nil || !strings.HasPrefix(s.text, tc.want) {
			t.Errorf("garbled row %+v, want the one starting %q", s, tc.want)
		}
	}
}

func TestDateLike(t *testing.T) {
	for s, want := range map[string]bool{
		"Hà Nội, ngày 20 tháng 10 năm 201).":    true,
		"Ninh Kiểu ngàu!4thúngGnăm 2021":        true, // "năm" and a year
		"HONG hgời l2 hongU2 nam 20201":         true,
		"Số:1054GM-SNV NghệAn,ngày14tháng10":    true,
		"S6G9ACTBI PSNO ng l0Ư00ng01010202":     false,
		"Độc lập - Tự do - Hạnh phúc":           false,
		"Kết quả công tác văn thư, lưu trữ năm": false,
		"HàNG ngày!":       true,
		"2thang ongm 2024": true,
	} {
		if dateLike(s) != want {
			t.Errorf("dateLike(%q) = %v", s, !want)
		}
	}
}

func TestLacksParent(t *testing.T) {
	for s, want := range map[string]bool{
		"SỞ TƯ PHÁP": true, "CỤC VĂN THƯ VÀ LƯU TRỮ NHÀ NƯỚC": true, "THÀNH PHỐ ĐÀ NẴNG": true, "PHÒNG TƯ PHÁP": true,
		"UBND TỈNH NGHỆ AN SỞ NỘI VỤ": false, "ỦY BAN NHÂN DÂN THÀNH PHỐ ĐÀ NẴNG": false, "BỘ TƯ PHÁP": false,
		"BỘ NỘI VỤ CỤC VĂN THƯ VÀ LƯU TRỮ NHÀ NƯỚC": false, "SỞ": false,
	} {
		if got := lacksParent(&Field{Value: s}); got != want {
			t.Errorf("lacksParent(%q) = %v", s, got)
		}
	}
	if lacksParent(nil) {
		t.Error("lacksParent(nil)")
	}
}

func TestTypeOfSymbol(t *testing.T) {
	for _, tc := range []struct {
		number, want string
	}{
		{"929/CT-UBND", "CHỈ THỊ"},
		{"12/QĐ-UBND", "QUYẾT ĐỊNH"},
		{"1955/GCN-VTLTNN", "GIẤY CHỨNG NHẬN"},
		{"2961/UBND-VP", "CÔNG VĂN"}, // a letter's symbol has no type code
		{"112/PTP", "CÔNG VĂN"},
		{"12/XYZ-UBND", ""}, // unknown codes say nothing
		{"12/TC-UBND", ""},  // a type code of no type on the list
		{"", ""},
	} {
		var n *Field
		if tc.number != "" {
			n = &Field{Value: tc.number, Confidence: 0.9}
		}
		got := typeOfSymbol(n)
		if got.String() != tc.want || got != nil && got.Confidence >= 0.9 {
			t.Errorf("typeOfSymbol(%q) = %+v, want %q with less confidence", tc.number, got, tc.want)
		}
	}
}
