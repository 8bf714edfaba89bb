package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/sohoa-vn/sohoa/ingest"
	"github.com/sohoa-vn/sohoa/storage"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// QCDB is what the QC queue needs of the catalog.
type QCDB interface {
	Page(ctx context.Context, id string) (catalog.Page, error)
	Document(ctx context.Context, id string) (catalog.Document, error)
	QCQueue(ctx context.Context, batchID, after string, limit int) ([]catalog.Page, error)
	AcceptPage(ctx context.Context, pageID, by, note string) (bool, error)
	ReplacePage(ctx context.Context, pageID string, np catalog.Page, by, reason string) error
	PageVersions(ctx context.Context, documentID, pageID string) ([]catalog.PageVersion, error)
	DocumentOffice(ctx context.Context, documentID string) (string, error)
	BatchOffice(ctx context.Context, batchID string) (string, error)
	Audit(ctx context.Context, e catalog.AuditEntry) (catalog.AuditEntry, error)
}

// QCQueuer queues the work a QC decision releases.
type QCQueuer interface {
	EnqueueOCR(ctx context.Context, pageID string) error
	EnqueueAssemble(ctx context.Context, documentID string) error
}

// QC is the archivists' quality-control queue: pages OCR flagged (blank,
// unreadable, low confidence, skewed, orientation unknown) hold their document before assembly
// and signing until an archivist accepts them or replaces them with a
// rescan. Every decision goes to the audit log.
type QC struct {
	DB     QCDB
	Store  storage.Store
	Ingest *ingest.Ingester // stores rescans under the ingest limits
	Queue  QCQueuer
	Log    *slog.Logger
}

// QCRoutes are the QC queue's routes, for archivists of the batch's office.
func QCRoutes(q *QC) []Route {
	page := func(r *http.Request) (string, error) {
		if q.DB == nil {
			return "", catalog.ErrNotFound
		}
		p, err := q.DB.Page(r.Context(), r.PathValue("id"))
		if err != nil {
			return "", err
		}
		return q.DB.DocumentOffice(r.Context(), p.DocumentID)
	}
	batch := func(r *http.Request) (string, error) {
		if q.DB == nil {
			return "", catalog.ErrNotFound
		}
		return q.DB.BatchOffice(r.Context(), r.PathValue("id"))
	}
	return []Route{
		{"GET", "/v1/batches/{id}/qc", archivists, batch, q.queue},
		{"GET", "/v1/pages/{id}", archivists, page, q.get},
		{"GET", "/v1/pages/{id}/image", archivists, page, q.image},
		{"POST", "/v1/pages/{id}/accept", archivists, page, q.accept},
		{"POST", "/v1/pages/{id}/rescan", archivists, page, q.rescan},
	}
}

// QCPage is a page as the QC queue shows it, with its earlier images.
type QCPage struct {
	ID         string        `json:"id"`
	DocumentID string        `json:"document_id"`
	BatchID    string        `json:"batch_id"`
	Seq        int           `json:"seq"`
	Status     string        `json:"status"`
	Error      string        `json:"error,omitempty"`
	Confidence float64       `json:"confidence"`
	QC         []string      `json:"qc"`
	QCState    string        `json:"qc_state"`
	QCBy       string        `json:"qc_by,omitempty"`
	QCNote     string        `json:"qc_note,omitempty"`
	ImageURL   string        `json:"image_url,omitempty"`
	SHA256     string        `json:"sha256,omitempty"`
	History    []PageVersion `json:"history,omitempty"`
}

// PageVersion is an image a page had before a rescan.
type PageVersion struct {
	Version    int       `json:"version"`
	SHA256     string    `json:"sha256"`
	Status     string    `json:"status"`
	Error      string    `json:"error,omitempty"`
	Confidence float64   `json:"confidence"`
	QC         []string  `json:"qc"`
	ReplacedAt time.Time `json:"replaced_at"`
	ReplacedBy string    `json:"replaced_by"`
	Reason     string    `json:"reason"`
}

// QCList is one page of a batch's QC queue; Next, when set, is the
// after= cursor of the following one.
type QCList struct {
	Pages []QCPage `json:"pages"`
	Next  string   `json:"next,omitempty"`
	// NextCursor is the cursor= of the following page, as on every list.
	NextCursor string `json:"next_cursor,omitempty"`
}

func qcPage(p catalog.Page) QCPage {
	v := QCPage{ID: p.ID, DocumentID: p.DocumentID, BatchID: p.BatchID, Seq: p.Seq, Status: string(p.Status),
		Error: p.Error, Confidence: p.Confidence, QC: p.QC, QCState: string(p.QCState), QCBy: p.QCBy,
		QCNote: p.QCNote, SHA256: p.SHA256}
	if v.QC == nil {
		v.QC = []string{}
	}
	if p.BlobKey != "" {
		v.ImageURL = "/v1/pages/" + p.ID + "/image"
	}
	return v
}

func (q *QC) fail(w http.ResponseWriter, r *http.Request, status int, code, vi, en string, err error) {
	if err != nil {
		q.log().Error("api", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	writeJSON(w, status, errorBody{Error: apiError{Code: code, VI: vi, EN: en}})
}

func (q *QC) log() *slog.Logger {
	if q.Log != nil {
		return q.Log
	}
	return slog.Default()
}

// queue lists a batch's pages waiting for review: GET /v1/batches/{id}/qc.
func (q *QC) queue(w http.ResponseWriter, r *http.Request) {
	limit := 100
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			q.fail(w, r, http.StatusBadRequest, "invalid", "limit phải từ 1 đến 1000", "limit must be 1 to 1000", nil)
			return
		}
		limit = n
	}
	after, ok := afterOrCursor(w, r)
	if !ok {
		return
	}
	pages, err := q.DB.QCQueue(r.Context(), r.PathValue("id"), after, limit+1)
	if err != nil {
		q.fail(w, r, http.StatusInternalServerError, "internal", "lỗi hệ thống", "internal error", err)
		return
	}
	out := QCList{Pages: []QCPage{}}
	for i, p := range pages {
		if i == limit {
			out.Next = pages[i-1].ID
			out.NextCursor = catalog.EncodeCursor(out.Next)
			break
		}
		out.Pages = append(out.Pages, qcPage(p))
	}
	writeJSON(w, http.StatusOK, out)
}

// view answers with the page as it is now, with its history.
func (q *QC) view(w http.ResponseWriter, r *http.Request, status int, id string) {
	ctx := r.Context()
	p, err := q.DB.Page(ctx, id)
	if err != nil {
		q.lookupFailed(w, r, err)
		return
	}
	vs, err := q.DB.PageVersions(ctx, p.DocumentID, p.ID)
	if err != nil {
		q.fail(w, r, http.StatusInternalServerError, "internal", "lỗi hệ thống", "internal error", err)
		return
	}
	out := qcPage(p)
	for _, v := range vs {
		qc := v.QC
		if qc == nil {
			qc = []string{}
		}
		out.History = append(out.History, PageVersion{Version: v.Version, SHA256: v.SHA256, Status: string(v.Status),
			Error: v.Error, Confidence: v.Confidence, QC: qc, ReplacedAt: v.ReplacedAt,
			ReplacedBy: v.ReplacedBy, Reason: v.Reason})
	}
	writeJSON(w, status, out)
}

func (q *QC) lookupFailed(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, catalog.ErrNotFound) {
		q.fail(w, r, http.StatusNotFound, "not_found", "không tìm thấy trang", "page not found", nil)
		return
	}
	q.fail(w, r, http.StatusInternalServerError, "internal", "lỗi hệ thống", "internal error", err)
}

func (q *QC) get(w http.ResponseWriter, r *http.Request) {
	q.view(w, r, http.StatusOK, r.PathValue("id"))
}

// image streams the page's current image, for the archivist to look at.
func (q *QC) image(w http.ResponseWriter, r *http.Request) {
	p, err := q.DB.Page(r.Context(), r.PathValue("id"))
	if err != nil {
		q.lookupFailed(w, r, err)
		return
	}
	if p.BlobKey == "" {
		q.fail(w, r, http.StatusNotFound, "no_image", "trang bị từ chối khi tiếp nhận, không có ảnh",
			"the page was refused at ingest and has no image", nil)
		return
	}
	ct := "image/png"
	if p.Format == "jpeg" {
		ct = "image/jpeg"
	}
	// Every read of content is audited, before it is served.
	office, ok := officeFrom(r.Context())
	if !ok {
		office, err = q.DB.DocumentOffice(r.Context(), p.DocumentID)
	}
	if err == nil {
		_, err = q.DB.Audit(r.Context(), catalog.AuditEntry{Actor: PrincipalFrom(r.Context()).Actor(), OfficeID: office,
			Action: catalog.AuditContentView, Subject: p.ID,
			Detail: mustMarshal(map[string]any{"kind": "page_image", "document_id": p.DocumentID, "seq": p.Seq, "sha256": p.SHA256})})
	}
	if err != nil {
		q.fail(w, r, http.StatusServiceUnavailable, "audit", "không ghi được nhật ký kiểm toán, hãy thử lại",
			"the read could not be written to the audit log; try again", err)
		return
	}
	if err := ServeBlob(w, r, q.Store, storage.Info{Key: p.BlobKey, SHA256: p.SHA256}, ct, p.ID+"."+p.Format); err != nil {
		q.log().Error("api: stream page image", "page", p.ID, "err", err)
	}
}

// QCDecision is the body of POST /v1/pages/{id}/accept.
type QCDecision struct {
	Note string `json:"note"`
}

func (q *QC) accept(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var req QCDecision
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&req); err != nil && !errors.Is(err, io.EOF) {
		q.fail(w, r, http.StatusBadRequest, "invalid", "nội dung JSON không hợp lệ", "invalid JSON body", nil)
		return
	}
	id := r.PathValue("id")
	actor := PrincipalFrom(ctx).Actor()
	ready, err := q.DB.AcceptPage(ctx, id, actor, req.Note)
	switch {
	case errors.Is(err, catalog.ErrNotPending):
		q.fail(w, r, http.StatusConflict, "not_pending", "trang không chờ kiểm tra chất lượng",
			"the page is not waiting for quality review", nil)
		return
	case err != nil:
		q.lookupFailed(w, r, err)
		return
	}
	p, err := q.DB.Page(ctx, id)
	if err != nil {
		q.lookupFailed(w, r, err)
		return
	}
	q.audit(ctx, catalog.AuditPageAccept, p, map[string]any{"qc": p.QC, "note": req.Note})
	if ready {
		// The reconciler queues it too if this is lost.
		if err := q.Queue.EnqueueAssemble(ctx, p.DocumentID); err != nil {
			q.log().Warn("api: queue assembly after QC", "document", p.DocumentID, "err", err)
		}
	}
	q.view(w, r, http.StatusOK, id)
}

// rescan replaces the page's image with the request body (one page:
// PNG, JPEG, TIFF or a PDF of one scanned image); ?reason= says why.
func (q *QC) rescan(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	reason := r.URL.Query().Get("reason")
	if reason == "" {
		q.fail(w, r, http.StatusBadRequest, "invalid", "thiếu lý do quét lại (reason)", "missing the reason for the rescan (reason)", nil)
		return
	}
	p, err := q.DB.Page(ctx, id)
	if err != nil {
		q.lookupFailed(w, r, err)
		return
	}
	doc, err := q.DB.Document(ctx, p.DocumentID)
	if err != nil {
		q.lookupFailed(w, r, err)
		return
	}
	if doc.Status != catalog.DocOCR && doc.Status != catalog.DocFailed {
		q.locked(w, r)
		return
	}
	name := r.URL.Query().Get("name")
	if name == "" {
		name = p.ID + "-rescan"
	}
	np, err := q.Ingest.Rescan(ctx, doc, p.Seq, name, r.Body)
	var ie *ingest.InputError
	switch {
	case errors.As(err, &ie):
		writeJSON(w, http.StatusUnprocessableEntity, errorBody{Error: apiError{Code: ie.Code, VI: ie.VI, EN: ie.EN}})
		return
	case err != nil:
		q.fail(w, r, http.StatusInternalServerError, "internal", "không lưu được ảnh quét lại, hãy gửi lại",
			"the rescan could not be stored; send it again", err)
		return
	}
	err = q.DB.ReplacePage(ctx, id, np, PrincipalFrom(ctx).Actor(), reason)
	switch {
	case errors.Is(err, catalog.ErrPageLocked):
		q.locked(w, r)
		return
	case err != nil:
		q.lookupFailed(w, r, err)
		return
	}
	q.audit(ctx, catalog.AuditPageRescan, p, map[string]any{"old_sha256": p.SHA256, "new_sha256": np.SHA256,
		"qc": p.QC, "reason": reason})
	if err := q.Queue.EnqueueOCR(ctx, id); err != nil {
		q.log().Warn("api: queue OCR of a rescan", "page", id, "err", err) // the reconciler queues it
	}
	q.view(w, r, http.StatusOK, id)
}

func (q *QC) locked(w http.ResponseWriter, r *http.Request) {
	q.fail(w, r, http.StatusConflict, "locked", "tài liệu đã được ghép hoặc ký, không thể thay trang",
		"the document is assembled or signed; its pages cannot be replaced", nil)
}

// audit records a QC decision. The decision itself is committed; a failed
// audit append is logged loudly rather than undoing it.
func (q *QC) audit(ctx context.Context, action string, p catalog.Page, detail map[string]any) {
	office, err := q.DB.DocumentOffice(ctx, p.DocumentID)
	if err == nil {
		_, err = q.DB.Audit(ctx, catalog.AuditEntry{Actor: PrincipalFrom(ctx).Actor(), OfficeID: office,
			Action: action, Subject: p.ID, Detail: mustMarshal(detail)})
	}
	if err != nil {
		q.log().Error("api: QC decision not in the audit log", "page", p.ID, "action", action, "err", err)
	}
}
