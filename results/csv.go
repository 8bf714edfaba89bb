package results

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Creator stores a new result with the first event of its history.
type Creator interface {
	CreateResult(ctx context.Context, r Result, ev Event) (Result, error)
}

// ImportReport says what a CSV import did.
type ImportReport struct {
	Rows     int           `json:"rows"` // data rows read (header excluded)
	Created  int           `json:"created"`
	Rejected []RejectedRow `json:"rejected"`
}

// RejectedRow is a CSV row that was not imported, and why.
type RejectedRow struct {
	Line     int       `json:"line"` // 1-based line of the file where the row starts
	Code     string    `json:"code,omitempty"`
	Problems []Problem `json:"problems"`
}

// columns maps folded header names (see headerKey) to fields. The
// portal's names (MaKetQua...), Vietnamese titles (Mã kết quả...) and
// English snake_case names are accepted.
var columns = map[string]string{
	"maketqua": "code", "resultcode": "code", "code": "code",
	"sodinhdanhchusohuu": "owner_id", "sodinhdanh": "owner_id", "ownerid": "owner_id",
	"mathutuc": "procedure_code", "procedurecode": "procedure_code",
	"tengiayto": "name", "name": "name",
	"sokyhieu": "number_symbol", "numbersymbol": "number_symbol",
	"coquanbanhanh": "issuer", "issuer": "issuer",
	"ngaybanhanh": "issue_date", "issuedate": "issue_date",
	"hieulucden": "valid_until", "validuntil": "valid_until", "ngayhethieuluc": "valid_until",
}

// headerKey folds a header: no accents, đ as d, lower case, letters and digits only.
func headerKey(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)))
	s, _, _ = transform.String(t, s)
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r == 'đ':
			b.WriteRune('d')
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ImportCSV reads a register of results as CSV (UTF-8, optional BOM,
// comma or semicolon separated, a header row naming the columns) and
// creates each valid row in office through store, as actor. Rows are
// validated one by one: a bad row is reported and skipped, the others are
// imported. The error is non-nil only when the file as a whole cannot be
// read (no header, unknown or missing columns, an I/O or storage failure).
func ImportCSV(ctx context.Context, src io.Reader, office, actor string, store Creator) (ImportReport, error) {
	rep := ImportReport{Rejected: []RejectedRow{}}
	br := bufio.NewReader(src)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	first, _ := br.Peek(4096)
	line, _, _ := bytes.Cut(first, []byte("\n"))
	cr := csv.NewReader(br)
	if bytes.Count(line, []byte(";")) > bytes.Count(line, []byte(",")) {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return rep, fmt.Errorf("đọc dòng tiêu đề CSV / read CSV header: %w", err)
	}
	index := map[string]int{}
	for i, h := range header {
		f, ok := columns[headerKey(h)]
		if !ok {
			return rep, fmt.Errorf("cột %q không được hỗ trợ / unknown column %q", h, h)
		}
		if _, dup := index[f]; dup {
			return rep, fmt.Errorf("cột %s xuất hiện hai lần / column %s appears twice", f, f)
		}
		index[f] = i
	}
	for _, f := range []string{"code", "owner_id", "procedure_code", "name", "issue_date"} {
		if _, ok := index[f]; !ok {
			return rep, fmt.Errorf("thiếu cột %s / missing column %s", f, f)
		}
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return rep, nil
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			rep.Rows++
			rep.Rejected = append(rep.Rejected, RejectedRow{Line: pe.StartLine, Problems: []Problem{{
				Field: "", VI: "dòng CSV sai định dạng: " + pe.Err.Error(), EN: "malformed CSV row: " + pe.Err.Error()}}})
			continue
		}
		if err != nil {
			return rep, fmt.Errorf("đọc CSV / read CSV: %w", err)
		}
		// Only a record read whole has field positions: FieldPos panics
		// after an error in the record's first field.
		lineNo, _ := cr.FieldPos(0)
		rep.Rows++
		get := func(f string) string {
			if i, ok := index[f]; ok && i < len(rec) {
				return rec[i]
			}
			return ""
		}
		row := RejectedRow{Line: lineNo, Code: strings.TrimSpace(get("code"))}
		if len(rec) != len(header) {
			row.Problems = append(row.Problems, Problem{VI: fmt.Sprintf("có %d cột, tiêu đề có %d", len(rec), len(header)),
				EN: fmt.Sprintf("%d fields, the header has %d", len(rec), len(header))})
			rep.Rejected = append(rep.Rejected, row)
			continue
		}
		for i, v := range rec {
			if !utf8.ValidString(v) {
				row.Problems = append(row.Problems, Problem{Field: header[i], VI: "không phải UTF-8", EN: "not UTF-8"})
			}
		}
		if len(row.Problems) > 0 {
			rep.Rejected = append(rep.Rejected, row)
			continue
		}
		r := Result{Code: get("code"), OfficeID: office, OwnerID: get("owner_id"), ProcedureCode: get("procedure_code"),
			Name: get("name"), NumberSymbol: get("number_symbol"), Issuer: get("issuer"),
			IssueDate: get("issue_date"), ValidUntil: get("valid_until"), Status: Valid}
		if err := Normalize(&r); err != nil {
			var ps Problems
			errors.As(err, &ps)
			row.Problems = ps
			rep.Rejected = append(rep.Rejected, row)
			continue
		}
		_, err = store.CreateResult(ctx, r, Event{Actor: actor, Action: ActionCreate,
			Reason: fmt.Sprintf("nhập từ sổ CSV, dòng %d / imported from a CSV register, line %d", lineNo, lineNo)})
		switch {
		case errors.Is(err, ErrDuplicate):
			row.Problems = []Problem{{Field: "code", VI: "mã kết quả đã tồn tại", EN: "result code already exists"}}
			rep.Rejected = append(rep.Rejected, row)
		case errors.Is(err, ErrInvalid):
			row.Problems = []Problem{{Field: "", VI: err.Error(), EN: err.Error()}}
			rep.Rejected = append(rep.Rejected, row)
		case err != nil:
			return rep, fmt.Errorf("nhập dòng %d / import line %d: %w", lineNo, lineNo, err)
		default:
			rep.Created++
		}
	}
}
