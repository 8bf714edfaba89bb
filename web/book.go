package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sohoa-vn/sohoa/certify"
	"github.com/sohoa-vn/sohoa/results"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

type bookView struct {
	Book       string
	Month      string // YYYY-MM
	Year       int
	Prev, Next string
	Entries    []catalog.BookEntry
	Voided     string
}

// book shows the clerk's office's book for a month (?month=YYYY-MM,
// default this month), with a void form on each number left pending.
func (s *Server) book(w http.ResponseWriter, r *http.Request) {
	p := sessionOf(r).P
	o, err := s.Service.Office(p.OfficeID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m, err := time.ParseInLocation("2006-01", r.URL.Query().Get("month"), results.Vietnam)
	if err != nil {
		now := time.Now().In(results.Vietnam)
		m = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, results.Vietnam)
	}
	es, err := s.Service.Book(r.Context(), p.OfficeID, m.Year(), int(m.Month()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "book.html", bookView{Book: o.Book(), Month: m.Format("2006-01"),
		Prev: m.AddDate(0, -1, 0).Format("2006-01"), Next: m.AddDate(0, 1, 0).Format("2006-01"), Entries: es,
		Voided: r.URL.Query().Get("voided")}, "")
}

// void voids a pending number of the clerk's office's book, with a reason.
func (s *Server) void(w http.ResponseWriter, r *http.Request) {
	p := sessionOf(r).P
	year, err1 := strconv.Atoi(r.PathValue("year"))
	number, err2 := strconv.Atoi(r.PathValue("number"))
	if err1 != nil || err2 != nil {
		s.fail(w, r, catalog.ErrNotFound)
		return
	}
	e, err := s.Service.VoidNumber(r.Context(), p.OfficeID, year, number, p.Actor()+" web", strings.TrimSpace(r.FormValue("reason")))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/clerk/book?month=%s&voided=%d", e.Date[:7], e.Number), http.StatusSeeOther)
}

// preview serves the copy as it would be issued now, stamped and not
// signed (an inline PDF); it takes no number.
func (s *Server) preview(w http.ResponseWriter, r *http.Request) {
	d, err := s.visibleDoc(r, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := sessionOf(r).P
	q := r.URL.Query()
	var b bytes.Buffer
	err = s.Service.Preview(r.Context(), &b, certify.IssueRequest{OfficeID: p.OfficeID, DocumentID: d.ID,
		Title: q.Get("title"), Certifier: q.Get("certifier"), Actor: p.Actor() + " web"})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.auditView(r, d.ID, d.ID, map[string]any{"kind": "copy_preview", "size": b.Len()}); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="xem-truoc-`+d.ID+`.pdf"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.Write(b.Bytes())
}

// auditView writes a read of content (a preview, a page image) to the
// audit log before it is served: no entry, no content.
func (s *Server) auditView(r *http.Request, documentID, subject string, detail map[string]any) error {
	ctx := r.Context()
	office, err := s.Service.DB.DocumentOffice(ctx, documentID)
	if err != nil {
		return err
	}
	detail["document_id"] = documentID
	b, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	_, err = s.Service.DB.Audit(ctx, catalog.AuditEntry{Actor: sessionOf(r).P.Actor() + " web", OfficeID: office,
		Action: catalog.AuditContentView, Subject: subject, Detail: b})
	return err
}
