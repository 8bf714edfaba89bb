package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sohoa-vn/sohoa/certify"
	"github.com/sohoa-vn/sohoa/results"
	"github.com/sohoa-vn/sohoa/storage"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// Copies serves certified copies: issuing them (clerks), fetching them
// (clerks and systems), the certification book, and the public
// verification page reached from a copy's QR code.
type Copies struct {
	Service *certify.Service
	Log     *slog.Logger
}

func (c *Copies) log() *slog.Logger {
	if c.Log != nil {
		return c.Log
	}
	return slog.Default()
}

var (
	clerks       = []Scope{ScopeClerk}
	copyFetchers = []Scope{ScopeClerk, ScopeSystem}
)

// CopyRoutes are the routes of certified copies, to append to Routes
// (Server.Extra).
func CopyRoutes(c *Copies) []Route {
	copyOffice := func(r *http.Request) (string, error) {
		if c.Service == nil {
			return "", catalog.ErrNotFound // no certification service here
		}
		cp, err := c.Service.DB.Copy(r.Context(), r.PathValue("id"))
		return cp.OfficeID, err
	}
	return []Route{
		{"GET", "/verify/{code}", nil, nil, c.verifyPage},
		{"GET", "/verify/", nil, nil, c.verifyForm},
		{"GET", "/v1/copies", copyFetchers, nil, c.listCopies},
		{"POST", "/v1/copies", clerks, nil, c.issue},
		{"POST", "/v1/copies/lookup", clerks, nil, c.lookup},
		{"GET", "/v1/copies/{id}", copyFetchers, copyOffice, c.getCopy},
		{"GET", "/v1/copies/{id}/pdf", copyFetchers, copyOffice, c.getCopyPDF},
		{"GET", "/v1/certbook/{year}/{month}", clerks, nil, c.book},
	}
}

func (c *Copies) fail(w http.ResponseWriter, r *http.Request, status int, code, vi, en string, err error) {
	if err != nil {
		c.log().Error("api", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	writeJSON(w, status, errorBody{Error: apiError{Code: code, VI: vi, EN: en}})
}

func (c *Copies) failErr(w http.ResponseWriter, r *http.Request, what noun, err error) {
	var ps results.Problems
	switch {
	case errors.As(err, &ps):
		writeJSON(w, http.StatusBadRequest, errorBody{Error: apiError{Code: "invalid", VI: "dữ liệu không hợp lệ", EN: "invalid data"}, Problems: ps})
	case errors.Is(err, certify.ErrNeedsAck):
		c.fail(w, r, http.StatusConflict, "needs_ack", "kết quả gốc không còn hiệu lực: cần xác nhận cảnh báo (ack_warning)",
			"the original's result is not valid: acknowledge the warning (ack_warning)", nil)
	case errors.Is(err, certify.ErrNotReady):
		c.fail(w, r, http.StatusConflict, "not_ready", "tài liệu chưa xử lý xong", "the document is not processed yet", nil)
	case errors.Is(err, certify.ErrPageTooSmall):
		c.fail(w, r, http.StatusUnprocessableEntity, "page_too_small",
			"trang cuối quá hẹp để đóng lời chứng (kiểm tra độ phân giải khi quét); số đã lấy được hủy kèm lý do",
			"the last page is too narrow for the statement (check the scan's resolution); the number taken was voided with the reason", nil)
	case errors.Is(err, certify.ErrNoPublicURL):
		c.fail(w, r, http.StatusConflict, "no_public_url",
			"chưa cấu hình địa chỉ công khai của trang xác minh (SOHOA_PUBLIC_URL): không cấp bản sao có mã QR dẫn tới địa chỉ không ai truy cập được",
			"the public address of the verification page is not set (SOHOA_PUBLIC_URL): no copy is issued with a QR code leading to an address nobody can reach", err)
	case errors.Is(err, certify.ErrUnknownOffice):
		c.fail(w, r, http.StatusConflict, "no_book", "cơ quan của bạn chưa được cấu hình sổ chứng thực", "your office has no certification book configured", nil)
	case errors.Is(err, catalog.ErrNotFound):
		c.fail(w, r, http.StatusNotFound, "not_found", strings.TrimSpace("không tìm thấy "+what.vi), strings.TrimSpace(what.en+" not found"), nil)
	default:
		c.fail(w, r, http.StatusInternalServerError, "internal", "lỗi hệ thống", "internal error", err)
	}
}

// CopyView is an issued copy as the API shows it.
type CopyView struct {
	ID         string `json:"id"`
	Code       string `json:"code"`
	VerifyURL  string `json:"verify_url"`
	PDFURL     string `json:"pdf_url"`
	Book       string `json:"book"`
	Number     int    `json:"number"`
	Date       string `json:"date"`
	DocumentID string `json:"document_id"`
	ResultID   string `json:"result_id,omitempty"`
	Validity   string `json:"validity,omitempty"`
	WarningAck string `json:"warning_ack,omitempty"`
	// NoResultReason is why the copy is linked to no result.
	NoResultReason string    `json:"no_result_reason,omitempty"`
	SHA256         string    `json:"sha256"`
	Size           int64     `json:"size"`
	Pages          int       `json:"pages"`
	IssuedAt       time.Time `json:"issued_at"`
}

func (c *Copies) view(cp catalog.Copy, e catalog.BookEntry) CopyView {
	v := CopyView{ID: cp.ID, Code: cp.Code, PDFURL: "/v1/copies/" + cp.ID + "/pdf", Book: e.Book, Number: e.Number, Date: e.Date,
		DocumentID: cp.DocumentID, ResultID: cp.ResultID, Validity: cp.Validity, WarningAck: cp.WarningAck,
		NoResultReason: e.NoResultReason, SHA256: cp.SHA256, Size: cp.Size, Pages: cp.PageCount, IssuedAt: cp.IssuedAt}
	if o, ok := c.Service.Offices[cp.OfficeID]; ok {
		v.VerifyURL = o.VerifyURL + cp.Code
	}
	return v
}

// IssueRequest is the body of POST /v1/copies: requester, certifier and
// either result_id or no_result_reason are required (400 naming the
// fields otherwise); ack_warning is required when the result, or one the
// original was found to be, is not valid (409 needs_ack).
type IssueRequest struct {
	DocumentID     string `json:"document_id"`
	ResultID       string `json:"result_id,omitempty"`
	NoResultReason string `json:"no_result_reason,omitempty"`
	Title          string `json:"title,omitempty"`
	Requester      string `json:"requester,omitempty"`
	Certifier      string `json:"certifier,omitempty"`
	Fee            int64  `json:"fee,omitempty"`
	Notes          string `json:"notes,omitempty"`
	AckWarning     string `json:"ack_warning,omitempty"`
}

// issue issues a copy in the caller's office of a document it may see.
func (c *Copies) issue(w http.ResponseWriter, r *http.Request) {
	var q IssueRequest
	if !(&Archive{Log: c.Log}).decode(w, r, &q) {
		return
	}
	ctx := r.Context()
	p := PrincipalFrom(ctx)
	if !c.visible(w, r, p, q.DocumentID, q.ResultID) {
		return
	}
	is, err := c.Service.Issue(ctx, certify.IssueRequest{OfficeID: p.OfficeID, DocumentID: q.DocumentID, ResultID: q.ResultID,
		NoResultReason: q.NoResultReason, Offices: p.Visible(), Title: q.Title, Requester: q.Requester, Certifier: q.Certifier, Fee: q.Fee, Notes: q.Notes, AckWarning: q.AckWarning,
		Actor: p.Actor()})
	if err != nil {
		c.failErr(w, r, noun{"tài liệu", "document"}, err)
		return
	}
	writeJSON(w, http.StatusCreated, c.view(is.Copy, is.Entry))
}

// visible answers 404 when p may not see the document or the result.
func (c *Copies) visible(w http.ResponseWriter, r *http.Request, p *Principal, docID, resultID string) bool {
	ctx := r.Context()
	office, err := c.Service.DB.DocumentOffice(ctx, docID)
	if err == nil && resultID != "" {
		var ro string
		if ro, err = c.Service.DB.ResultOffice(ctx, resultID); err == nil && !p.CanSee(ro) {
			err = catalog.ErrNotFound
		}
	}
	if err == nil && !p.CanSee(office) {
		err = catalog.ErrNotFound
	}
	if err != nil {
		c.failErr(w, r, noun{"tài liệu hoặc kết quả", "document or result"}, err)
		return false
	}
	return true
}

// CopyLookupRequest is the body of POST /v1/copies/lookup.
type CopyLookupRequest struct {
	DocumentID   string `json:"document_id,omitempty"`
	Code         string `json:"code,omitempty"`
	NumberSymbol string `json:"number_symbol,omitempty"`
	Issuer       string `json:"issuer,omitempty"`
	IssueDate    string `json:"issue_date,omitempty"`
}

func (c *Copies) lookup(w http.ResponseWriter, r *http.Request) {
	var q CopyLookupRequest
	if !(&Archive{Log: c.Log}).decode(w, r, &q) {
		return
	}
	if q.IssueDate != "" {
		d, err := results.ParseDate(q.IssueDate)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, errorBody{Error: apiError{Code: "invalid", VI: "dữ liệu không hợp lệ", EN: "invalid data"},
				Problems: []results.Problem{{Field: "issue_date", VI: "ngày ban hành phải là YYYY-MM-DD hoặc DD/MM/YYYY", EN: "issue_date must be YYYY-MM-DD or DD/MM/YYYY"}}})
			return
		}
		q.IssueDate = d
	}
	p := PrincipalFrom(r.Context())
	if q.DocumentID != "" && !c.visible(w, r, p, q.DocumentID, "") {
		return
	}
	found, err := c.Service.Lookup(r.Context(), certify.LookupRequest{DocumentID: q.DocumentID, Code: q.Code,
		NumberSymbol: q.NumberSymbol, Issuer: q.Issuer, IssueDate: q.IssueDate, Offices: p.Visible()})
	if err != nil {
		c.failErr(w, r, noun{"kết quả", "result"}, err)
		return
	}
	if found == nil {
		found = []certify.Finding{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"findings": found})
}

func (c *Copies) getCopy(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	cp, err := c.Service.DB.Copy(ctx, r.PathValue("id"))
	if err != nil {
		c.failErr(w, r, noun{"bản sao", "copy"}, err)
		return
	}
	e, err := c.Service.DB.CertEntry(ctx, cp.EntryID)
	if err != nil {
		c.failErr(w, r, noun{"bản sao", "copy"}, err)
		return
	}
	writeJSON(w, http.StatusOK, c.view(cp, e))
}

// getCopyPDF streams a copy's signed PDF after writing the fetch to the
// audit log (no audit entry, no PDF).
func (c *Copies) getCopyPDF(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	cp, err := c.Service.DB.Copy(ctx, r.PathValue("id"))
	if err != nil {
		c.failErr(w, r, noun{"bản sao", "copy"}, err)
		return
	}
	rg, ok := auditRange(w, r)
	if !ok {
		return
	}
	detail := map[string]string{"sha256": cp.SHA256, "kind": "certified_copy"}
	if rg != "" {
		detail["range"] = rg
	}
	if _, err := c.Service.DB.Audit(ctx, catalog.AuditEntry{Actor: PrincipalFrom(ctx).Actor(), OfficeID: cp.OfficeID,
		Action: catalog.AuditPDFFetch, Subject: cp.ID, Detail: mustMarshal(detail)}); err != nil {
		c.fail(w, r, http.StatusServiceUnavailable, "audit", "không ghi được nhật ký kiểm toán, hãy thử lại",
			"the fetch could not be written to the audit log; try again", err)
		return
	}
	info := storage.Info{Key: cp.BlobKey, SHA256: cp.SHA256, Size: cp.Size}
	if err := ServeBlob(w, r, c.Service.Store, info, "application/pdf", cp.ID+".pdf"); err != nil {
		c.log().Error("api: stream copy", "copy", cp.ID, "err", err)
	}
}

// BookLine is one line of the certification book as the API shows it.
type BookLine struct {
	Number     int    `json:"number"`
	Date       string `json:"date"`
	Status     string `json:"status"`
	Title      string `json:"title"`
	Requester  string `json:"requester"`
	Certifier  string `json:"certifier"`
	Fee        int64  `json:"fee"`
	Notes      string `json:"notes,omitempty"`
	VoidReason string `json:"void_reason,omitempty"`
	CopyID     string `json:"copy_id,omitempty"`
	DocumentID string `json:"document_id"`
	// What the copy stands on: the result (its code, its validity when
	// the copy was issued, the acknowledgement of a warning) or the
	// reason recorded for linking none.
	ResultID       string `json:"result_id,omitempty"`
	ResultCode     string `json:"result_code,omitempty"`
	Validity       string `json:"validity,omitempty"`
	WarningAck     string `json:"warning_ack,omitempty"`
	NoResultReason string `json:"no_result_reason,omitempty"`
	// BookNotes is the notes column as the printed book shows it.
	BookNotes string `json:"book_notes"`
}

func bookLine(e catalog.BookEntry) BookLine {
	return BookLine{Number: e.Number, Date: e.Date, Status: string(e.Status), Title: e.Title, Requester: e.Requester,
		Certifier: e.Certifier, Fee: e.Fee, Notes: e.Notes, VoidReason: e.VoidReason, CopyID: e.CopyID, DocumentID: e.DocumentID,
		ResultID: e.ResultID, ResultCode: e.ResultCode, Validity: e.Validity, WarningAck: e.WarningAck,
		NoResultReason: e.NoResultReason, BookNotes: certify.BookNotes(e)}
}

// book lists the caller's office's book for a month; ?format=pdf gives
// the printable report.
func (c *Copies) book(w http.ResponseWriter, r *http.Request) {
	year, err1 := strconv.Atoi(r.PathValue("year"))
	month, err2 := strconv.Atoi(r.PathValue("month"))
	if err1 != nil || err2 != nil || year < 2000 || year > 9999 || month < 1 || month > 12 {
		c.fail(w, r, http.StatusBadRequest, "invalid", "năm hoặc tháng không hợp lệ", "invalid year or month", nil)
		return
	}
	p := PrincipalFrom(r.Context())
	office, err := c.Service.Office(p.OfficeID)
	if err != nil {
		c.failErr(w, r, noun{"sổ", "book"}, err)
		return
	}
	entries, err := c.Service.Book(r.Context(), p.OfficeID, year, month)
	if err != nil {
		c.failErr(w, r, noun{"sổ", "book"}, err)
		return
	}
	if r.URL.Query().Get("format") == "pdf" {
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="so-chung-thuc-%04d-%02d.pdf"`, year, month))
		if err := certify.BookReport(w, office, year, month, entries); err != nil {
			c.log().Error("api: book report", "err", err)
		}
		return
	}
	lines := []BookLine{}
	for _, e := range entries {
		lines = append(lines, bookLine(e))
	}
	writeJSON(w, http.StatusOK, map[string]any{"book": office.Book(), "year": year, "month": month, "lines": lines})
}
