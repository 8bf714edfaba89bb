package certify

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/sohoa-vn/sohoa/results"
	"github.com/sohoa-vn/sohoa/sign"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// Verification is what the public verification page shows about a copy:
// nothing personal beyond what the office chose to show.
type Verification struct {
	Code       string         `json:"code"`
	CopyID     string         `json:"copy_id"`
	Office     string         `json:"office"`
	Book       string         `json:"book"`
	Number     int            `json:"number"`
	Date       string         `json:"date"` // YYYY-MM-DD, the book's date
	IssuedAt   time.Time      `json:"issued_at"`
	Title      string         `json:"title"` // the certified document
	Pages      int            `json:"pages"`
	SHA256     string         `json:"sha256"`
	Size       int64          `json:"size"`
	Requester  string         `json:"requester,omitempty"` // only when the office shows it
	Signatures []SignatureRow `json:"signatures"`
	// TrustChecked is false when no trust roots are configured: then only
	// integrity is checked.
	TrustChecked bool `json:"trust_checked"`
	// Valid: at least the two signatures, every one intact and, when
	// roots are configured, trusted; and the stored bytes match SHA256.
	// It says nothing of the original: see Original and NoResultReason.
	Valid bool `json:"valid"`
	// Original is the procedure result the copy was certified from, with
	// its validity when the copy was issued and now; nil when the copy is
	// linked to none, and then NoResultReason says why (as recorded).
	Original       *Original `json:"original,omitempty"`
	NoResultReason string    `json:"no_result_reason,omitempty"`
}

// Original is the validity of the result a copy was certified from.
type Original struct {
	Name         string `json:"name"`
	NumberSymbol string `json:"number_symbol"`
	Issuer       string `json:"issuer"`
	IssueDate    string `json:"issue_date"`            // YYYY-MM-DD
	ValidUntil   string `json:"valid_until,omitempty"` // YYYY-MM-DD, the last valid day; "" = no expiry
	// AtIssue is the validity recorded when the copy was issued (on
	// IssuedOn); Acknowledged says the clerk acknowledged the warning
	// about it then.
	AtIssue      results.Status `json:"at_issue"`
	IssuedOn     string         `json:"issued_on"`
	Acknowledged bool           `json:"acknowledged"`
	// Now is its validity today; Since the day it was revoked or
	// replaced (from its history), or the day after ValidUntil when
	// expired.
	Now   results.Status `json:"now"`
	Since string         `json:"since,omitempty"`
	// ReplacedBy names the result that replaced it.
	ReplacedBy string `json:"replaced_by,omitempty"`
}

// SignatureRow is one signature's status.
type SignatureRow struct {
	Signer  string    `json:"signer"`
	Name    string    `json:"name,omitempty"`
	Time    time.Time `json:"time,omitzero"`
	Level   string    `json:"level,omitempty"`
	Intact  bool      `json:"intact"`
	Trusted bool      `json:"trusted"`
}

// Verify looks a copy up by its verification code (as typed: see
// NormalizeCode) and checks its signatures. An unknown code gives an
// error wrapping catalog.ErrNotFound.
func (s *Service) Verify(ctx context.Context, code string) (Verification, error) {
	c, err := s.DB.CopyByCode(ctx, NormalizeCode(code))
	if err != nil {
		return Verification{}, err
	}
	e, err := s.DB.CertEntry(ctx, c.EntryID)
	if err != nil {
		return Verification{}, err
	}
	v := Verification{Code: c.Code, CopyID: c.ID, Office: c.OfficeID, Book: e.Book, Number: e.Number, Date: e.Date,
		IssuedAt: c.IssuedAt, Title: e.Title, Pages: c.PageCount, SHA256: c.SHA256, Size: c.Size, TrustChecked: s.Roots != nil}
	if o, ok := s.Offices[c.OfficeID]; ok {
		if o.Name != "" {
			v.Office = o.Name
		}
		if o.ShowRequester {
			v.Requester = e.Requester
		}
	}
	if err := s.original(ctx, &v, c, e); err != nil {
		return v, fmt.Errorf("certify: verify %s: %w", c.ID, err)
	}
	// Reading through the store checks the SHA-256 recorded on write.
	b, err := s.read(ctx, c.BlobKey)
	if err != nil {
		return v, fmt.Errorf("certify: verify %s: %w", c.ID, err)
	}
	rep, err := sign.Verify(bytes.NewReader(b), int64(len(b)), s.Roots)
	if err != nil {
		return v, fmt.Errorf("certify: verify %s: %w", c.ID, err)
	}
	ok := len(b) > 0
	n := 0
	for _, sr := range rep.Signatures {
		if sr.Kind != "signature" {
			continue
		}
		n++
		// A signature whose bytes check out is still not intact for a
		// reader when something it does not allow changed after it
		// (a shadow attack) or it lists a problem.
		intact := sr.Intact && sr.CoversRevision && len(sr.Modifications) == 0 && len(sr.Problems) == 0
		v.Signatures = append(v.Signatures, SignatureRow{Signer: sr.SignerSubject, Name: sr.Name, Time: sr.ClaimedTime,
			Level: sr.Level, Intact: intact, Trusted: sr.Trusted})
		ok = ok && intact && (s.Roots == nil || sr.Trusted)
	}
	v.Valid = ok && n >= 2 && rep.AllIntact() && (s.Roots == nil || rep.AllTrusted())
	return v, nil
}

// original fills in what the copy was certified from.
func (s *Service) original(ctx context.Context, v *Verification, c catalog.Copy, e catalog.BookEntry) error {
	if c.ResultID == "" {
		v.NoResultReason = e.NoResultReason
		if v.NoResultReason == "" {
			v.NoResultReason = "(không ghi lý do: bản sao cấp trước khi bắt buộc ghi lý do / no reason recorded: issued before one was required)"
		}
		return nil
	}
	r, err := s.DB.Result(ctx, c.ResultID)
	if err != nil {
		return err
	}
	now := s.now()
	o := &Original{Name: r.Name, NumberSymbol: r.NumberSymbol, Issuer: r.Issuer, IssueDate: r.IssueDate, ValidUntil: r.ValidUntil,
		AtIssue: results.Status(c.Validity), IssuedOn: e.Date, Acknowledged: c.WarningAck != "", Now: r.Validity(now)}
	switch o.Now {
	case results.Expired:
		if d, err := time.ParseInLocation(results.DateLayout, r.ValidUntil, results.Vietnam); err == nil {
			o.Since = d.AddDate(0, 0, 1).Format(results.DateLayout)
		}
	case results.Revoked, results.Replaced:
		evs, err := s.DB.ResultHistory(ctx, r.ID)
		if err != nil {
			return err
		}
		for _, ev := range evs {
			if ev.Action == results.ActionRevoke || ev.Action == results.ActionReplace {
				o.Since = results.Today(ev.At)
			}
		}
		if r.ReplacedBy != "" {
			if by, err := s.DB.Result(ctx, r.ReplacedBy); err == nil {
				o.ReplacedBy = strings.TrimSpace(by.Name + " " + by.NumberSymbol)
			}
		}
	}
	v.Original = o
	return nil
}

// CopyPDF returns a copy's record (for serving its PDF).
func (s *Service) CopyPDF(ctx context.Context, id string) (catalog.Copy, error) {
	return s.DB.Copy(ctx, id)
}
