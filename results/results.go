// Package results models the archive of still-valid procedure results
// (kết quả giải quyết thủ tục hành chính còn hiệu lực): the licences,
// certificates and decisions that certified copies and other systems link
// to.
//
// A Result's recorded status is valid, revoked or replaced; "expired" is
// never recorded: Validity derives it from ValidUntil at the moment of
// asking, so it cannot go stale. Revocation and replacement are explicit
// acts with a reason, kept in the result's history with who and when.
//
// The package holds the rules (validation, validity, the fields taken from
// a digitized document, CSV import of an existing register); storage is in
// storage/catalog.
package results

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Status is a result's validity.
type Status string

// Statuses. Expired is derived, never stored.
const (
	Valid    Status = "valid"
	Expired  Status = "expired"
	Revoked  Status = "revoked"
	Replaced Status = "replaced"
)

// ParseStatus parses one of the four statuses.
func ParseStatus(s string) (Status, error) {
	switch st := Status(s); st {
	case Valid, Expired, Revoked, Replaced:
		return st, nil
	}
	return "", fmt.Errorf("trạng thái %q không hợp lệ (valid, expired, revoked, replaced) / invalid status %q", s, s)
}

// Errors returned by validation and by stores.
var (
	// ErrInvalid wraps a validation failure (see Problems).
	ErrInvalid = errors.New("kết quả không hợp lệ / invalid result")
	// ErrDuplicate is returned when the office already has a result with the code.
	ErrDuplicate = errors.New("mã kết quả đã tồn tại trong cơ quan / result code already exists in the office")
	// ErrFinal is returned when revoking or replacing a result that is
	// already revoked or replaced.
	ErrFinal = errors.New("kết quả đã bị thu hồi hoặc thay thế / result is already revoked or replaced")
)

// Vietnam is the time zone whose calendar day decides expiry (UTC+7, no
// daylight saving; fixed so that no tzdata is needed).
var Vietnam = time.FixedZone("ICT", 7*3600)

// DateLayout is the layout of IssueDate and ValidUntil.
const DateLayout = time.DateOnly

// Result is one procedure result. Field comments give the name in the
// national portal's integration model.
type Result struct {
	ID            string // ours, assigned on create
	Code          string // MaKetQua: opaque, unique within the office
	OfficeID      string // the office that keeps the record (tenancy)
	OwnerID       string // SoDinhDanhChuSoHuu: person or organisation
	ProcedureCode string // MaThuTuc
	Name          string // TenGiayTo
	NumberSymbol  string // SoKyHieu, e.g. 123/QĐ-UBND
	Issuer        string // CoQuanBanHanh
	IssueDate     string // NgayBanHanh, YYYY-MM-DD
	ValidUntil    string // YYYY-MM-DD inclusive; "" when it does not expire
	Status        Status // recorded: Valid, Revoked or Replaced
	ReplacedBy    string // ID of the result that replaced this one
	StatusReason  string // why it was revoked or replaced
	DocumentIDs   []string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Validity is the result's status at now: a valid result whose ValidUntil
// day has passed in Vietnam is Expired.
func (r Result) Validity(now time.Time) Status {
	if r.Status != Valid && r.Status != "" {
		return r.Status
	}
	if r.ValidUntil != "" && r.ValidUntil < Today(now) {
		return Expired
	}
	return Valid
}

// Today is now's calendar day in Vietnam, as YYYY-MM-DD.
func Today(now time.Time) string { return now.In(Vietnam).Format(DateLayout) }

// Problem is one thing wrong with a field, in both languages.
type Problem struct {
	Field string `json:"field"`
	VI    string `json:"vi"`
	EN    string `json:"en"`
}

func (p Problem) String() string { return p.Field + ": " + p.VI + " / " + p.EN }

// Problems is a list of validation problems; it is an error wrapping ErrInvalid.
type Problems []Problem

func (ps Problems) Error() string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return ErrInvalid.Error() + ": " + strings.Join(s, "; ")
}

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (ps Problems) Unwrap() error { return ErrInvalid }

const maxField = 1000

// Normalize trims the fields and returns the problems of r as a new
// record (no ID, status or history needed), or nil when it is acceptable.
func Normalize(r *Result) error {
	for _, f := range []*string{&r.Code, &r.OfficeID, &r.OwnerID, &r.ProcedureCode, &r.Name,
		&r.NumberSymbol, &r.Issuer, &r.IssueDate, &r.ValidUntil} {
		*f = strings.TrimSpace(*f)
	}
	var ps Problems
	required := []struct {
		field, value, vi string
	}{
		{"code", r.Code, "mã kết quả"},
		{"owner_id", r.OwnerID, "số định danh chủ sở hữu"},
		{"procedure_code", r.ProcedureCode, "mã thủ tục"},
		{"name", r.Name, "tên giấy tờ"},
		{"issue_date", r.IssueDate, "ngày ban hành"},
	}
	for _, f := range required {
		if f.value == "" {
			ps = append(ps, Problem{f.field, "thiếu " + f.vi, "missing " + f.field})
		}
	}
	for field, v := range map[string]string{"code": r.Code, "office_id": r.OfficeID, "owner_id": r.OwnerID,
		"procedure_code": r.ProcedureCode, "name": r.Name, "number_symbol": r.NumberSymbol, "issuer": r.Issuer} {
		if len(v) > maxField {
			ps = append(ps, Problem{field, fmt.Sprintf("dài quá %d byte", maxField), fmt.Sprintf("longer than %d bytes", maxField)})
		}
	}
	if r.IssueDate != "" {
		d, err := ParseDate(r.IssueDate)
		if err != nil {
			ps = append(ps, Problem{"issue_date", "ngày không hợp lệ: " + r.IssueDate, "invalid date: " + r.IssueDate})
		}
		r.IssueDate = d
	}
	if r.ValidUntil != "" {
		d, err := ParseDate(r.ValidUntil)
		switch {
		case err != nil:
			ps = append(ps, Problem{"valid_until", "ngày không hợp lệ: " + r.ValidUntil, "invalid date: " + r.ValidUntil})
		case r.IssueDate != "" && d < r.IssueDate:
			ps = append(ps, Problem{"valid_until", "hiệu lực đến trước ngày ban hành", "valid until is before the issue date"})
		}
		r.ValidUntil = d
	}
	if len(ps) > 0 {
		return ps
	}
	return nil
}

// ParseDate accepts YYYY-MM-DD and the Vietnamese DD/MM/YYYY (also with
// dashes or dots) and returns YYYY-MM-DD.
func ParseDate(s string) (string, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{DateLayout, "2/1/2006", "2-1-2006", "2.1.2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format(DateLayout), nil
		}
	}
	return s, fmt.Errorf("ngày %q không hợp lệ (YYYY-MM-DD hoặc DD/MM/YYYY) / invalid date %q (YYYY-MM-DD or DD/MM/YYYY)", s, s)
}

// Event is one change in a result's history.
type Event struct {
	Seq      int64     `json:"seq"`
	ResultID string    `json:"result_id"`
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`
	Action   string    `json:"action"` // one of the Action constants
	Reason   string    `json:"reason"`
	Changes  []Change  `json:"changes,omitempty"`
}

// Actions recorded in a result's history.
const (
	ActionCreate  = "create"
	ActionCorrect = "correct"
	ActionRevoke  = "revoke"
	ActionReplace = "replace"
)

// Change is one field's change, or for a record made from a digitized
// document, one field's extracted value and what the archivist kept.
type Change struct {
	Field string `json:"field"`
	From  string `json:"from"`
	To    string `json:"to"`
	Note  string `json:"note,omitempty"`
}

// Patch is a correction of a result's descriptive fields: nil fields stay.
// Status changes are not patches: see revoke and replace.
type Patch struct {
	Code, OwnerID, ProcedureCode, Name, NumberSymbol, Issuer, IssueDate, ValidUntil *string
	// AddDocuments links more digitized documents to the result.
	AddDocuments []string
}

// Apply returns r with p applied and the list of changed fields, after
// Normalize of the result; it does not touch storage.
func (p Patch) Apply(r Result) (Result, []Change, error) {
	before := r
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&r.Code, p.Code)
	set(&r.OwnerID, p.OwnerID)
	set(&r.ProcedureCode, p.ProcedureCode)
	set(&r.Name, p.Name)
	set(&r.NumberSymbol, p.NumberSymbol)
	set(&r.Issuer, p.Issuer)
	set(&r.IssueDate, p.IssueDate)
	set(&r.ValidUntil, p.ValidUntil)
	if err := Normalize(&r); err != nil {
		return before, nil, err
	}
	var changes []Change
	for _, f := range []struct {
		name     string
		from, to string
	}{
		{"code", before.Code, r.Code}, {"owner_id", before.OwnerID, r.OwnerID},
		{"procedure_code", before.ProcedureCode, r.ProcedureCode}, {"name", before.Name, r.Name},
		{"number_symbol", before.NumberSymbol, r.NumberSymbol}, {"issuer", before.Issuer, r.Issuer},
		{"issue_date", before.IssueDate, r.IssueDate}, {"valid_until", before.ValidUntil, r.ValidUntil},
	} {
		if f.from != f.to {
			changes = append(changes, Change{Field: f.name, From: f.from, To: f.to})
		}
	}
	have := map[string]bool{}
	for _, id := range r.DocumentIDs {
		have[id] = true
	}
	r.DocumentIDs = append([]string(nil), r.DocumentIDs...)
	for _, id := range p.AddDocuments {
		if id = strings.TrimSpace(id); id != "" && !have[id] {
			have[id] = true
			r.DocumentIDs = append(r.DocumentIDs, id)
			changes = append(changes, Change{Field: "document_ids", To: id, Note: "liên kết tài liệu / document linked"})
		}
	}
	return r, changes, nil
}
