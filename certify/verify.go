package certify

import (
	"bytes"
	"context"
	"fmt"
	"time"

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
	Valid bool `json:"valid"`
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
		v.Signatures = append(v.Signatures, SignatureRow{Signer: sr.SignerSubject, Name: sr.Name, Time: sr.ClaimedTime,
			Level: sr.Level, Intact: sr.Intact && sr.CoversRevision, Trusted: sr.Trusted})
		ok = ok && sr.Intact && sr.CoversRevision && (s.Roots == nil || sr.Trusted)
	}
	v.Valid = ok && n >= 2 && rep.AllIntact() && (s.Roots == nil || rep.AllTrusted())
	return v, nil
}

// CopyPDF returns a copy's record (for serving its PDF).
func (s *Service) CopyPDF(ctx context.Context, id string) (catalog.Copy, error) {
	return s.DB.Copy(ctx, id)
}
