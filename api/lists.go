package api

import (
	"encoding/base64"
	"net/http"
	"strconv"

	"github.com/sohoa-vn/sohoa/results"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// Every list endpoint pages the same way: ?limit= (1 to 1000, default
// 100) and ?cursor=, the next_cursor of the previous page; next_cursor is
// absent after the last page. The older lists (QC queue, a batch's pages,
// the audit log) take cursor= too and answer next_cursor beside their
// older after=/next fields, which keep working.

// listQuery reads limit and cursor; ok is false after answering 400.
func listQuery(w http.ResponseWriter, r *http.Request) (q catalog.ListQuery, ok bool) {
	q.Limit = 100
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			writeJSON(w, http.StatusBadRequest, errorBody{Error: apiError{Code: "invalid", VI: "dữ liệu không hợp lệ", EN: "invalid data"},
				Problems: results.Problems{{Field: "limit", VI: "limit phải từ 1 đến 1000", EN: "limit must be 1 to 1000"}}})
			return q, false
		}
		q.Limit = n
	}
	q.Cursor = r.URL.Query().Get("cursor")
	q.Offices = PrincipalFrom(r.Context()).Visible()
	return q, true
}

// BatchList is one page of GET /v1/batches.
type BatchList struct {
	Batches    []Batch `json:"batches"`
	NextCursor string  `json:"next_cursor,omitempty"`
}

func (a *Archive) listBatches(s *Server) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, ok := listQuery(w, r)
		if !ok {
			return
		}
		bs, next, err := a.DB.ListBatches(r.Context(), q)
		if err != nil {
			a.failErr(w, r, noun{"lô", "batch"}, err)
			return
		}
		out := BatchList{Batches: []Batch{}, NextCursor: next}
		for _, b := range bs {
			v, err := s.batch(r.Context(), b)
			if err != nil {
				a.failErr(w, r, noun{"lô", "batch"}, err)
				return
			}
			out.Batches = append(out.Batches, v)
		}
		writeJSON(w, http.StatusOK, out)
	}
}

// DocumentList is one page of GET /v1/documents.
type DocumentList struct {
	Documents  []Document `json:"documents"`
	NextCursor string     `json:"next_cursor,omitempty"`
}

var docStatuses = []catalog.DocStatus{catalog.DocOCR, catalog.DocAssembling, catalog.DocSigning,
	catalog.DocSigned, catalog.DocFailed}

func (a *Archive) listDocuments(s *Server) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, ok := listQuery(w, r)
		if !ok {
			return
		}
		q.Batch, q.Status = r.URL.Query().Get("batch"), r.URL.Query().Get("status")
		if q.Status != "" && !knownStatus(q.Status) {
			a.failErr(w, r, noun{}, results.Problems{{Field: "status",
				VI: "trạng thái không hợp lệ: ocr, assembling, signing, signed hoặc failed",
				EN: "invalid status: ocr, assembling, signing, signed or failed"}})
			return
		}
		if q.Batch != "" {
			// An unknown batch, or one of another office, is a 404, not an
			// empty page: a typo must not look like an empty batch.
			office, err := a.DB.BatchOffice(r.Context(), q.Batch)
			if err == nil && !PrincipalFrom(r.Context()).CanSee(office) {
				err = catalog.ErrNotFound
			}
			if err != nil {
				a.failErr(w, r, noun{"lô", "batch"}, err)
				return
			}
		}
		ds, next, err := a.DB.ListDocuments(r.Context(), q)
		if err != nil {
			a.failErr(w, r, noun{"tài liệu", "document"}, err)
			return
		}
		out := DocumentList{Documents: []Document{}, NextCursor: next}
		for _, d := range ds {
			v, err := s.document(r.Context(), d)
			if err != nil {
				a.failErr(w, r, noun{"tài liệu", "document"}, err)
				return
			}
			out.Documents = append(out.Documents, v)
		}
		writeJSON(w, http.StatusOK, out)
	}
}

func knownStatus(s string) bool {
	for _, st := range docStatuses {
		if string(st) == s {
			return true
		}
	}
	return false
}

// ResultList is one page of GET /v1/results.
type ResultList struct {
	Results    []Result `json:"results"`
	NextCursor string   `json:"next_cursor,omitempty"`
}

func (a *Archive) listResults(w http.ResponseWriter, r *http.Request) {
	q, ok := listQuery(w, r)
	if !ok {
		return
	}
	rs, next, err := a.DB.ListResults(r.Context(), q)
	if err != nil {
		a.failErr(w, r, noun{"kết quả", "result"}, err)
		return
	}
	out := ResultList{Results: []Result{}, NextCursor: next}
	for _, res := range rs {
		out.Results = append(out.Results, a.view(res))
	}
	writeJSON(w, http.StatusOK, out)
}

// CopyList is one page of GET /v1/copies.
type CopyList struct {
	Copies     []CopyView `json:"copies"`
	NextCursor string     `json:"next_cursor,omitempty"`
}

func (c *Copies) listCopies(w http.ResponseWriter, r *http.Request) {
	q, ok := listQuery(w, r)
	if !ok {
		return
	}
	out := CopyList{Copies: []CopyView{}}
	if c.Service == nil { // no certification service here: no copies
		writeJSON(w, http.StatusOK, out)
		return
	}
	cs, next, err := c.Service.DB.ListCopies(r.Context(), q)
	if err != nil {
		c.failErr(w, r, noun{"bản sao", "copy"}, err)
		return
	}
	out.NextCursor = next
	for _, cp := range cs {
		e, err := c.Service.DB.CertEntry(r.Context(), cp.EntryID)
		if err != nil {
			c.failErr(w, r, noun{"bản sao", "copy"}, err)
			return
		}
		out.Copies = append(out.Copies, c.view(cp, e))
	}
	writeJSON(w, http.StatusOK, out)
}

// afterOrCursor reads the position of the older lists: cursor= (as on
// every list) or their original after=, kept for existing clients.
func afterOrCursor(w http.ResponseWriter, r *http.Request) (string, bool) {
	c := r.URL.Query().Get("cursor")
	if c == "" {
		return r.URL.Query().Get("after"), true
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) == 0 {
		writeJSON(w, http.StatusBadRequest, errorBody{Error: apiError{Code: "invalid", VI: "dữ liệu không hợp lệ", EN: "invalid data"},
			Problems: catalog.ErrBadCursor})
		return "", false
	}
	return string(b), true
}
