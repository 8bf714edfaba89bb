package api

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"

	"github.com/sohoa-vn/sohoa/certify"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// CertBookRoutes are the routes that void a number of the certification
// book and preview a copy before it is issued; append them beside
// CopyRoutes.
func CertBookRoutes(c *Copies) []Route {
	return []Route{
		{"POST", "/v1/certbook/{year}/{number}/void", clerks, nil, c.voidNumber},
		{"POST", "/v1/copies/preview", clerks, nil, c.preview},
	}
}

// VoidRequest is the body of POST /v1/certbook/{year}/{number}/void.
type VoidRequest struct {
	Reason string `json:"reason"`
}

// voidNumber voids a pending number of the caller's office's book for a
// year, with a reason; the catalog writes the audit entry.
func (c *Copies) voidNumber(w http.ResponseWriter, r *http.Request) {
	year, err1 := strconv.Atoi(r.PathValue("year"))
	number, err2 := strconv.Atoi(r.PathValue("number"))
	if err1 != nil || err2 != nil || year < 2000 || year > 9999 || number < 1 {
		c.fail(w, r, http.StatusBadRequest, "invalid", "năm hoặc số không hợp lệ", "invalid year or number", nil)
		return
	}
	var q VoidRequest
	if !(&Archive{Log: c.Log}).decode(w, r, &q) {
		return
	}
	p := PrincipalFrom(r.Context())
	e, err := c.Service.VoidNumber(r.Context(), p.OfficeID, year, number, p.Actor(), q.Reason)
	if errors.Is(err, catalog.ErrEntryNotPending) {
		c.fail(w, r, http.StatusConflict, "not_pending", "số chứng thực đã được cấp hoặc đã hủy",
			"the certification number is already issued or voided", nil)
		return
	}
	if err != nil {
		c.failErr(w, r, noun{"số chứng thực", "certification number"}, err)
		return
	}
	writeJSON(w, http.StatusOK, bookLine(e))
}

// preview answers the copy POST /v1/copies would issue from the same
// body, stamped and not signed (application/pdf); no number is taken.
func (c *Copies) preview(w http.ResponseWriter, r *http.Request) {
	var q IssueRequest
	if !(&Archive{Log: c.Log}).decode(w, r, &q) {
		return
	}
	ctx := r.Context()
	p := PrincipalFrom(ctx)
	if !c.visible(w, r, p, q.DocumentID, q.ResultID) {
		return
	}
	var b bytes.Buffer
	err := c.Service.Preview(ctx, &b, certify.IssueRequest{OfficeID: p.OfficeID, DocumentID: q.DocumentID, ResultID: q.ResultID,
		Title: q.Title, Requester: q.Requester, Certifier: q.Certifier, Fee: q.Fee, Notes: q.Notes, Actor: p.Actor()})
	if err != nil {
		c.failErr(w, r, noun{"tài liệu", "document"}, err)
		return
	}
	// The preview is the whole document: its read is audited like a fetch.
	office, err := c.Service.DB.DocumentOffice(ctx, q.DocumentID)
	if err == nil {
		_, err = c.Service.DB.Audit(ctx, catalog.AuditEntry{Actor: p.Actor(), OfficeID: office,
			Action: catalog.AuditContentView, Subject: q.DocumentID,
			Detail: mustMarshal(map[string]any{"kind": "copy_preview", "result_id": q.ResultID, "size": b.Len()})})
	}
	if err != nil {
		c.fail(w, r, http.StatusServiceUnavailable, "audit", "không ghi được nhật ký kiểm toán, hãy thử lại",
			"the read could not be written to the audit log; try again", err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="xem-truoc.pdf"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.Write(b.Bytes())
}
