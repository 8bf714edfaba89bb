// Package certify issues electronic certified copies from originals
// (chứng thực bản sao điện tử từ bản chính; Decree 23/2015/NĐ-CP as
// amended by Decree 07/2025/NĐ-CP).
//
// A clerk scans the original (its pages are OCR'd by the pipeline), looks
// it up in the archive of procedure results (Lookup), and issues the copy
// (Issue): the next number of the office's electronic certification book
// for the year is taken, the copy is made fresh from the original's page
// images with its text layer (package assemble), the statement with a QR
// code linking to the public verification page is stamped on the last
// page (package stamp), and the copy is signed twice, by the certifier and
// then by the agency, each an incremental update (package sign). The copy
// is stored, and its record, the book line turned to issued and the audit
// entry are written in one transaction.
//
// # Numbers across failures and crashes
//
// The number is printed in the signed content, so it is taken before
// signing, and signing (with a timestamp authority, seconds) is not done
// inside a database transaction. The book line is therefore allocated as
// pending; an issuance that fails voids its line with the error as reason,
// and one cut short by a crash leaves the line pending until Recover (run
// at start and periodically) voids it as interrupted. Every number ends
// issued or voided with a reason: never a silent gap. A copy whose line
// was voided meanwhile is never recorded (catalog.IssueCopy refuses it)
// and its blob is deleted.
package certify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/template"
	"time"

	"github.com/sohoa-vn/sohoa/assemble"
	"github.com/sohoa-vn/sohoa/certify/stamp"
	"github.com/sohoa-vn/sohoa/metadata"
	"github.com/sohoa-vn/sohoa/ocr"
	"github.com/sohoa-vn/sohoa/results"
	"github.com/sohoa-vn/sohoa/sign"
	"github.com/sohoa-vn/sohoa/storage"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// BookType is the type code of the electronic certification book.
const BookType = "SCTĐT/BS"

// DefaultTemplate is the statement used when an office sets none: Go
// text/template over StatementData, one line per line.
const DefaultTemplate = `Chứng thực bản sao đúng với bản chính.
Số chứng thực: {{.Number}}, Quyển số: {{.Book}}
Ngày {{.Day}} tháng {{.Month}} năm {{.Year}}
Mã xác minh: {{.Code}}`

// Office is how one office certifies.
type Office struct {
	ID         string // tenancy id
	Name       string // shown on the verification page, e.g. "UBND phường Bến Nghé"
	BookNumber string // e.g. "02": the book is "02-SCTĐT/BS"
	Template   string // statement template; "" = DefaultTemplate
	// VerifyURL is the public verification page's base; the code is
	// appended: "https://dichvu.example.gov.vn/verify/". It is signed
	// into every copy (the QR code), so it must be an address citizens
	// and agencies reach: without one, or with an unspecified host
	// (0.0.0.0, ::), issuance is refused (see CheckVerifyURL).
	VerifyURL string
	// ShowRequester puts the requesting person's name on the public
	// verification page; off by default (personal data).
	ShowRequester bool
}

// Book is the office's book code, e.g. "02-SCTĐT/BS".
func (o Office) Book() string { return o.BookNumber + "-" + BookType }

// StatementData is what the statement template sees.
type StatementData struct {
	Number           int
	Book             string // "02-SCTĐT/BS"
	Day, Month, Year string // "05", "06", "2026"
	Date             time.Time
	Code             string // verification code, grouped for reading: "7K3M9-QXR2D"
	URL              string // the verification page
	Office           string
	Certifier        string
}

// Statement renders the office's template.
func (o Office) Statement(d StatementData) ([]string, error) {
	src := o.Template
	if strings.TrimSpace(src) == "" {
		src = DefaultTemplate
	}
	tpl, err := template.New("statement").Option("missingkey=error").Parse(src)
	if err != nil {
		return nil, fmt.Errorf("mẫu lời chứng / statement template: %w", err)
	}
	var b bytes.Buffer
	if err := tpl.Execute(&b, d); err != nil {
		return nil, fmt.Errorf("mẫu lời chứng / statement template: %w", err)
	}
	var lines []string
	for l := range strings.SplitSeq(strings.TrimRight(b.String(), "\n"), "\n") {
		lines = append(lines, strings.TrimRight(l, " \t\r"))
	}
	return lines, nil
}

// Errors.
var (
	// ErrNeedsAck is returned by Issue when the original's result is not
	// valid (expired, revoked, replaced) and no acknowledgement was given.
	ErrNeedsAck = errors.New("kết quả gốc không còn hiệu lực: cần xác nhận cảnh báo / the original's result is not valid: the warning must be acknowledged")
	// ErrUnknownOffice is returned for an office the service has no settings for.
	ErrUnknownOffice = errors.New("cơ quan chưa được cấu hình chứng thực / the office is not configured for certification")
	// ErrPageTooSmall is returned when the statement does not fit on the
	// copy's last page (stamp.ErrTooWide): retrying cannot help.
	ErrPageTooSmall = stamp.ErrTooWide
	// ErrNotReady is returned for a document whose pages are not all OCR'd.
	ErrNotReady = errors.New("tài liệu chưa xử lý xong / the document is not processed yet")
	// ErrNoPublicURL is returned by Issue and Preview when the office's
	// verification address is missing or is no address anyone can reach:
	// the QR code signed into the copy would lead nowhere.
	ErrNoPublicURL = errors.New("chưa cấu hình địa chỉ công khai của trang xác minh (SOHOA_PUBLIC_URL, hoặc VerifyURL của cơ quan trong SOHOA_CERTIFY_OFFICES): " +
		"mã QR ký vào bản sao phải dẫn tới địa chỉ công dân truy cập được / the public address of the verification page is not set " +
		"(SOHOA_PUBLIC_URL, or the office's VerifyURL in SOHOA_CERTIFY_OFFICES): the QR code signed into the copy must lead to an address citizens can reach")
)

// Service issues and looks up certified copies.
type Service struct {
	DB    *catalog.DB
	Store storage.Store
	// Offices by id.
	Offices map[string]Office
	// Certifier signs first (the competent person), Agency second (the
	// office's seal). Both are required.
	Certifier, Agency *sign.Identity
	// TSAURL, when set, makes both signatures B-T; otherwise B-B.
	TSAURL     string
	HTTPClient *http.Client
	// Roots verify the signatures shown on the verification page.
	Roots   *x509.CertPool
	TempDir string
	Log     *slog.Logger
	// Now is the clock (tests); nil = time.Now.
	Now func() time.Time
	// OnIssued, when set, is told of each copy issued (webhooks). It runs
	// after the copy is recorded; its failure is logged, not returned.
	OnIssued func(ctx context.Context, c catalog.Copy) error

	qrCache qrCache
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// Office returns the settings of office id.
func (s *Service) Office(id string) (Office, error) {
	o, ok := s.Offices[id]
	if !ok || o.BookNumber == "" {
		return o, fmt.Errorf("%w: %q", ErrUnknownOffice, id)
	}
	o.ID = id
	return o, nil
}

// Finding is a result the original was found to be, with its validity now.
type Finding struct {
	Result      results.Result  `json:"result"`
	Validity    results.Status  `json:"validity"`
	Replacement *results.Result `json:"replacement,omitempty"`
	// NeedsAck is true when issuing a copy needs the clerk to acknowledge
	// a warning (the result is expired, revoked or replaced).
	NeedsAck bool `json:"needs_ack"`
	// Via says how the result was found: FoundByQuery, FoundLinked,
	// FoundByQR or FoundByMetadata.
	Via string `json:"via"`
	// QR is the content of the QR code on the original that found it
	// (Via == FoundByQR).
	QR string `json:"qr,omitempty"`
}

// How a finding was found.
const (
	FoundByQuery    = "query"    // the clerk's code or number/symbol
	FoundLinked     = "linked"   // the result names the document
	FoundByQR       = "qr"       // a QR code printed on the original holds the result's code
	FoundByMetadata = "metadata" // the number/symbol read from the original by OCR
)

// LookupRequest says how to find the original in the results archive.
// With only DocumentID, the results linked to the document are taken,
// else the result whose code a QR code printed on the original holds,
// else those matching the number/symbol read from it.
type LookupRequest struct {
	DocumentID                            string
	Code, NumberSymbol, Issuer, IssueDate string
	Offices                               []string // tenancy: nil for every office
}

// Lookup finds the results the original may be.
func (s *Service) Lookup(ctx context.Context, q LookupRequest) ([]Finding, error) {
	var rs []results.Result
	var err error
	via, qr := FoundByQuery, ""
	switch {
	case q.Code != "" || q.NumberSymbol != "":
		rs, err = s.DB.FindResults(ctx, catalog.ResultMatch{Code: q.Code, NumberSymbol: q.NumberSymbol,
			Issuer: q.Issuer, IssueDate: q.IssueDate, Offices: q.Offices})
	case q.DocumentID != "":
		via = FoundLinked
		rs, err = s.DB.DocumentResults(ctx, q.DocumentID)
		if err == nil && len(rs) == 0 {
			via = FoundByQR
			rs, qr, err = s.resultsByQR(ctx, q.DocumentID, q.Offices)
		}
		if err == nil && len(rs) == 0 {
			via = FoundByMetadata
			var d catalog.Document
			if d, err = s.DB.Document(ctx, q.DocumentID); err == nil {
				m := docMetadata(d)
				if n := m.NumberSymbol.String(); n != "" {
					rs, err = s.DB.FindResults(ctx, catalog.ResultMatch{NumberSymbol: n, Offices: q.Offices})
				}
			}
		}
	default:
		return nil, fmt.Errorf("certify: lookup: %w", results.Problems{{Field: "code",
			VI: "cần tài liệu, mã kết quả hoặc số, ký hiệu", EN: "a document, a result code or a number/symbol is required"}})
	}
	if err != nil {
		return nil, fmt.Errorf("certify: lookup: %w", err)
	}
	var out []Finding
	now := s.now()
	for _, r := range rs {
		if q.Offices != nil && !contains(q.Offices, r.OfficeID) {
			continue
		}
		f := Finding{Result: r, Validity: r.Validity(now), Via: via, QR: qr}
		f.NeedsAck = f.Validity != results.Valid
		if r.ReplacedBy != "" {
			if by, err := s.DB.Result(ctx, r.ReplacedBy); err == nil {
				f.Replacement = &by
			}
		}
		out = append(out, f)
	}
	return out, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func docMetadata(d catalog.Document) metadata.Metadata {
	var m metadata.Metadata
	if len(d.Metadata) > 0 {
		json.Unmarshal(d.Metadata, &m)
	}
	return m
}

// IssueRequest asks for one certified copy.
//
// A copy stands on something the book records: ResultID, the procedure
// result the original was found to be, or NoResultReason, why it is linked
// to none (e.g. the original was issued by another authority). Requester
// and Certifier are required, as the book's columns are.
//
// A result that is not valid (revoked, replaced, and also expired: the
// copy is legal, but whoever relies on it must not take it for a valid
// licence) needs AckWarning. So does choosing another result, or none,
// when the original was found to be such a result (linked to the document,
// named by a QR code printed on it, or by the number/symbol read from it):
// the warning cannot be skipped by not choosing it. A document linked to
// results in the archive is certified as one of them.
type IssueRequest struct {
	OfficeID   string
	DocumentID string // the scanned original
	ResultID   string // the result it was found to be; "" when none
	// NoResultReason is why the copy is linked to no result; required
	// without ResultID, refused with it.
	NoResultReason string
	// Offices are the offices whose results the caller may see (tenancy
	// of the lookup of what the original was found to be); nil = every
	// office.
	Offices   []string
	Title     string // the certified document as the book names it; "" = from the result or the metadata
	Requester string // person requesting
	Certifier string // certifier's name for the book
	Fee       int64  // đồng
	Notes     string
	// AckWarning is the clerk's acknowledgement of a warning about the
	// result (required when it is expired, revoked or replaced); recorded.
	AckWarning string
	Actor      string // who asks, for the audit log
}

// Issued is an issued copy with its book line.
type Issued struct {
	Copy  catalog.Copy
	Entry catalog.BookEntry
	URL   string // verification page
}

// Issue makes, signs and stores one certified copy.
func (s *Service) Issue(ctx context.Context, req IssueRequest) (Issued, error) {
	out, err := s.issue(ctx, req)
	if err != nil {
		return out, fmt.Errorf("certify: issue copy of %s: %w", req.DocumentID, err)
	}
	return out, nil
}

func (s *Service) issue(ctx context.Context, req IssueRequest) (Issued, error) {
	office, err := s.Office(req.OfficeID)
	if err != nil {
		return Issued{}, err
	}
	if s.Certifier == nil || s.Agency == nil {
		return Issued{}, errors.New("thiếu chứng thư ký / signing identities are not configured")
	}
	doc, pages, err := s.ready(ctx, req.DocumentID)
	if err != nil {
		return Issued{}, err
	}
	req.ResultID = strings.TrimSpace(req.ResultID)
	if err := checkRequest(req); err != nil {
		return Issued{}, err
	}
	if _, err := CheckVerifyURL(office.VerifyURL); err != nil {
		return Issued{}, err
	}
	b, err := s.basis(ctx, doc, req)
	if err != nil {
		return Issued{}, err
	}
	title := strings.TrimSpace(req.Title)
	if title == "" && b.result != nil {
		title = strings.TrimSpace(b.result.Name + " " + b.result.NumberSymbol)
	}
	if title == "" {
		m := docMetadata(doc)
		title = strings.TrimSpace(strings.Join([]string{m.Type.String(), m.NumberSymbol.String()}, " "))
		if title == "" {
			title = doc.SourceName
		}
	}
	validity, ack := b.validity, b.ack

	at := s.now()
	entry, err := s.DB.AllocateCertNumber(ctx, catalog.BookEntry{OfficeID: office.ID, Book: office.Book(),
		DocumentID: doc.ID, ResultID: req.ResultID, NoResultReason: strings.TrimSpace(req.NoResultReason), Title: title,
		Requester: strings.TrimSpace(req.Requester), Certifier: strings.TrimSpace(req.Certifier), Fee: req.Fee, Notes: req.Notes}, at)
	if err != nil {
		return Issued{}, err
	}
	// From here on the number exists: it ends issued or voided.
	code := NewCode()
	url := office.VerifyURL + code
	blobKey := ""
	fail := func(err error) (Issued, error) {
		reason := "cấp bản sao thất bại / issuance failed: " + err.Error()
		if !s.settle(ctx, entry, blobKey, req.Actor, reason) {
			// The catalog cannot be asked now (it may be what failed):
			// settle once it answers, in the background; if this process
			// ends first, Recover voids the number.
			go func() {
				t := time.NewTicker(15 * time.Second)
				defer t.Stop()
				for range 40 {
					<-t.C
					if s.settle(context.Background(), entry, blobKey, req.Actor, reason) {
						return
					}
				}
			}()
		}
		return Issued{Entry: entry}, err
	}

	lines, err := office.Statement(StatementData{Number: entry.Number, Book: entry.Book,
		Day: at.In(results.Vietnam).Format("02"), Month: at.In(results.Vietnam).Format("01"), Year: at.In(results.Vietnam).Format("2006"),
		Date: at, Code: GroupCode(code), URL: url, Office: office.Name, Certifier: req.Certifier})
	if err != nil {
		return fail(err)
	}
	dir, err := os.MkdirTemp(s.TempDir, "certify-*")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(dir)
	final, err := s.build(ctx, dir, doc, pages, lines, url, title, req.Certifier, office)
	if err != nil {
		return fail(err)
	}
	f, err := os.Open(final)
	if err != nil {
		return fail(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	copyID := "bs_" + strings.ToLower(code)
	blobKey = "copies/" + copyID + ".pdf"
	info, err := s.Store.Put(ctx, blobKey, f, st.Size())
	if err != nil {
		return fail(fmt.Errorf("store %s: %w", blobKey, err))
	}
	c, err := s.DB.IssueCopy(ctx, catalog.Copy{ID: copyID, EntryID: entry.ID, Code: code, BlobKey: info.Key,
		SHA256: info.SHA256, Size: info.Size, PageCount: len(pages), Validity: validity, WarningAck: ack},
		req.Actor, map[string]any{"requester": req.Requester, "certifier": req.Certifier,
			"no_result_reason": strings.TrimSpace(req.NoResultReason), "found": b.found})
	if err != nil {
		return fail(err)
	}
	entry.Status, entry.CopyID = catalog.EntryIssued, c.ID
	if s.OnIssued != nil {
		if err := s.OnIssued(ctx, c); err != nil {
			s.log().Error("certify: announce issued copy", "copy", c.ID, "err", err)
		}
	}
	s.log().Info("certified copy issued", "copy", c.ID, "book", entry.Book, "number", entry.Number,
		"document", doc.ID, "pages", len(pages), "seconds", time.Since(at).Seconds())
	return Issued{Copy: c, Entry: entry, URL: url}, nil
}

// settle ends a failed issuance: it voids the pending number and then
// removes the copy's file, if one was stored. The order matters: when the
// number turns out not to be pending, the copy may have been issued after
// all (its commit succeeded but the answer was lost), and its file must
// stay. It returns false when the catalog could not be asked.
func (s *Service) settle(ctx context.Context, entry catalog.BookEntry, blobKey, actor, reason string) bool {
	// A fresh context: the request's may be what failed.
	vctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	_, err := s.DB.VoidCertEntry(vctx, entry.ID, actor, reason)
	if errors.Is(err, catalog.ErrEntryNotPending) {
		var cur catalog.BookEntry
		if cur, err = s.DB.CertEntry(vctx, entry.ID); err == nil && cur.Status == catalog.EntryIssued {
			s.log().Warn("certify: an issuance reported failed was committed; the copy stands",
				"entry", entry.ID, "number", entry.Number, "copy", cur.CopyID)
			return true
		}
	}
	if err != nil {
		s.log().Error("certify: void number", "entry", entry.ID, "number", entry.Number, "err", err)
		return false
	}
	if blobKey != "" {
		if err := s.Store.Delete(vctx, blobKey); err != nil && !errors.Is(err, storage.ErrNotFound) {
			s.log().Error("certify: delete the file of a voided copy", "key", blobKey, "err", err)
		}
	}
	return true
}

// render writes the copy, stamped and not yet signed, into dir and
// returns its path.
func (s *Service) render(ctx context.Context, dir string, doc catalog.Document, pages []catalog.Page,
	lines []string, url, title string) (string, error) {
	ocrs := make([]*ocr.Page, len(pages))
	for i, p := range pages {
		if p.OCRKey == "" {
			continue
		}
		b, err := s.read(ctx, p.OCRKey)
		if err != nil {
			return "", err
		}
		var r ocr.Page
		if err := json.Unmarshal(b, &r); err != nil {
			return "", fmt.Errorf("page %d OCR: %w", p.Seq, err)
		}
		ocrs[i] = &r
	}
	m := docMetadata(doc)
	base := filepath.Join(dir, "base.pdf")
	bf, err := os.Create(base)
	if err != nil {
		return "", err
	}
	err = assemble.Write(bf, assemble.Info{Title: "Bản sao chứng thực / Certified copy: " + title, Created: s.now(),
		Issuer: m.Issuer.String(), Identifier: m.NumberSymbol.String()}, len(pages), func(i int) (assemble.Page, error) {
		img, err := s.read(ctx, pages[i].BlobKey)
		if err != nil {
			return assemble.Page{}, err
		}
		return assemble.Page{Image: img, Format: pages[i].Format, DPI: pages[i].DPI, OCR: ocrs[i]}, nil
	})
	if cerr := bf.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	stamped := filepath.Join(dir, "stamped.pdf")
	if err := stampFile(ctx, base, stamped, stamp.Statement{Lines: lines, QR: url}); err != nil {
		return "", err
	}
	return stamped, nil
}

// build writes the copy into dir and returns the signed file's path.
func (s *Service) build(ctx context.Context, dir string, doc catalog.Document, pages []catalog.Page,
	lines []string, url, title, certifier string, office Office) (string, error) {
	stamped, err := s.render(ctx, dir, doc, pages, lines, url, title)
	if err != nil {
		return "", err
	}
	level := sign.LevelBB
	if s.TSAURL != "" {
		level = sign.LevelBT
	}
	signed1, signed2 := filepath.Join(dir, "certifier.pdf"), filepath.Join(dir, "agency.pdf")
	opt := sign.Options{Level: level, TSAURL: s.TSAURL, HTTPClient: s.HTTPClient, Location: office.Name,
		Name: certifier, Reason: "Chứng thực bản sao từ bản chính / Certified copy from the original"}
	if err := sign.SignFile(ctx, stamped, signed1, s.Certifier, opt); err != nil {
		return "", fmt.Errorf("chữ ký người chứng thực / certifier's signature: %w", err)
	}
	opt.Name, opt.Reason = office.Name, "Chữ ký số của cơ quan / Agency's signature"
	if err := sign.SignFile(ctx, signed1, signed2, s.Agency, opt); err != nil {
		return "", fmt.Errorf("chữ ký cơ quan / agency's signature: %w", err)
	}
	return signed2, nil
}

func stampFile(ctx context.Context, in, out string, st stamp.Statement) error {
	src, err := os.Open(in)
	if err != nil {
		return err
	}
	defer src.Close()
	fi, err := src.Stat()
	if err != nil {
		return err
	}
	dst, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := stamp.Stamp(ctx, dst, src, fi.Size(), st); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

func (s *Service) read(ctx context.Context, key string) ([]byte, error) {
	rc, _, err := s.Store.Get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	return b, nil
}

// Void gives up a pending number with a reason.
func (s *Service) Void(ctx context.Context, entryID, actor, reason string) (catalog.BookEntry, error) {
	return s.DB.VoidCertEntry(ctx, entryID, actor, reason)
}

// Recover voids numbers left pending by a crash: those allocated more
// than maxIssue ago (longer than any issuance can take; 0 = 10 minutes).
func (s *Service) Recover(ctx context.Context, maxIssue time.Duration) ([]catalog.BookEntry, error) {
	if maxIssue <= 0 {
		maxIssue = 10 * time.Minute
	}
	return s.DB.VoidStaleCertEntries(ctx, time.Now().Add(-maxIssue), "certify.Recover")
}

// Book returns an office's book lines of a month (1..12) of year.
func (s *Service) Book(ctx context.Context, officeID string, year, month int) ([]catalog.BookEntry, error) {
	o, err := s.Office(officeID)
	if err != nil {
		return nil, err
	}
	return s.DB.CertEntries(ctx, o.ID, o.Book(), year, month)
}

// crockford is Crockford's base 32 alphabet (no I, L, O, U).
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewCode returns a random 10-character verification code (50 bits).
func NewCode() string {
	var b [10]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = crockford[b[i]&31]
	}
	return string(b[:])
}

// GroupCode writes a code in two groups of five for reading aloud.
func GroupCode(code string) string {
	if len(code) != 10 {
		return code
	}
	return code[:5] + "-" + code[5:]
}

// NormalizeCode reads a code as typed: case, spaces and dashes ignored,
// and the letters Crockford reads as digits (O→0, I and L→1) mapped.
func NormalizeCode(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == 'O':
			b.WriteByte('0')
		case r == 'I' || r == 'L':
			b.WriteByte('1')
		case r == '-' || r == ' ':
		case strings.ContainsRune(crockford, r):
			b.WriteRune(r)
		default:
			return ""
		}
	}
	return b.String()
}
