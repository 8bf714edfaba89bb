package web

import (
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sohoa-vn/sohoa/api"
	"github.com/sohoa-vn/sohoa/results"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// ArchiveDB is what the archive console reads from the catalog.
type ArchiveDB interface {
	BatchIDs(ctx context.Context) ([]string, error)
	Batch(ctx context.Context, id string) (catalog.Batch, error)
	BatchOffice(ctx context.Context, batchID string) (string, error)
	Progress(ctx context.Context, batchID string) (catalog.Progress, error)
	BatchDocumentPage(ctx context.Context, batchID, after string, limit int) ([]catalog.Document, error)
	DocumentOffice(ctx context.Context, id string) (string, error)
	Document(ctx context.Context, id string) (catalog.Document, error)
	RetryDocument(ctx context.Context, docID string) (pages []string, assemble bool, err error)
	RemoveDocument(ctx context.Context, docID string) (catalog.Document, error)
	Audit(ctx context.Context, e catalog.AuditEntry) (catalog.AuditEntry, error)
}

// Archive is the archivist's console, mounted at /archive/: the office's
// batches with their live progress. Archivists sign in with a key of
// scope archivist into a server-side session, exactly as clerks do at
// /clerk/ (same session store design, same CSRF tokens, its own cookie
// path), Vietnamese by default with an English switch.
type Archive struct {
	DB   ArchiveDB
	Keys api.KeyStore
	// QC and Blobs, when set, give the quality-control review.
	QC    QCDB
	Blobs Blobs
	// Rescan, when set, lets a held page be replaced by an upload.
	Rescan Rescanner
	// Search, when set, gives the search and the document view.
	Search SearchDB
	// Queue takes the work a retry puts back (nil: retry is refused).
	Queue api.QCQueuer
	// Secure, CSRFKey, SessionMaxAge, SessionIdle: as on Server.
	Secure                     bool
	CSRFKey                    []byte
	SessionMaxAge, SessionIdle time.Duration
	Log                        *slog.Logger

	core  *Server
	rates rateBook
}

// Handler returns the console's handler; mount it at "/archive/".
func (a *Archive) Handler() http.Handler {
	a.core = &Server{Keys: a.Keys, Secure: a.Secure, CSRFKey: a.CSRFKey, SessionMaxAge: a.SessionMaxAge,
		SessionIdle: a.SessionIdle, Log: a.Log}
	a.core.init("/archive/", api.ScopeArchivist, archiveTexts)
	a.core.tpl = template.Must(template.New("").Funcs(template.FuncMap{
		"vn":         func(t time.Time) string { return t.In(results.Vietnam).Format("02/01/2006 15:04") },
		"pct":        pct,
		"low":        func(c float64) bool { return c < lowConf },
		"validities": func() []string { return []string{"valid", "expired", "revoked", "replaced"} },
	}).ParseFS(files, "templates/archive/*.html"))
	static, _ := fs.Sub(files, "static")
	s := a.core
	mux := http.NewServeMux()
	mux.Handle("GET /archive/static/", http.StripPrefix("/archive/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /archive/login", s.loginPage)
	mux.HandleFunc("POST /archive/login", s.login)
	mux.HandleFunc("POST /archive/logout", s.auth(s.logout))
	mux.HandleFunc("GET /archive/{$}", s.auth(a.batches))
	mux.HandleFunc("GET /archive/progress.json", s.auth(a.progressJSON))
	mux.HandleFunc("GET /archive/batches/{id}", s.auth(a.batch))
	mux.HandleFunc("GET /archive/batches/{id}/qc", s.auth(a.qc))
	mux.HandleFunc("GET /archive/batches/{id}/qc/list", s.auth(a.qcList))
	mux.HandleFunc("POST /archive/batches/{id}/qc/accept", s.auth(a.acceptSelected))
	mux.HandleFunc("GET /archive/pages/{id}/image", s.auth(a.pageImage))
	mux.HandleFunc("POST /archive/pages/{id}/accept", s.auth(a.accept))
	mux.HandleFunc("POST /archive/pages/{id}/rescan", s.auth(a.rescan))
	mux.HandleFunc("GET /archive/search", s.auth(a.search))
	mux.HandleFunc("GET /archive/documents/{id}", s.auth(a.document))
	mux.HandleFunc("GET /archive/documents/{id}/pdf", s.auth(a.signedPDF))
	mux.HandleFunc("POST /archive/documents/{id}/retry", s.auth(a.retry))
	mux.HandleFunc("POST /archive/documents/{id}/remove", s.auth(a.remove))
	return securityHeaders(mux)
}

// BatchRow is one batch as the console shows it.
type BatchRow struct {
	ID, Name   string
	Created    time.Time
	P          catalog.Progress
	Done       bool    // every document signed or failed
	Empty      bool    // no document yet
	PerMinute  float64 // pages recognised per minute, over the last minutes watched
	ETASeconds int     // -1: unknown
}

// Pending is the pages not yet recognised nor failed.
func (b BatchRow) Pending() int { return max(b.P.PagesReceived-b.P.PagesOCRed-b.P.PagesFailed, 0) }

func pct(n, of int) int {
	if of <= 0 {
		return 0
	}
	return n * 100 / of
}

// rows lists the batches the archivist may see, newest first.
func (a *Archive) rows(r *http.Request) ([]BatchRow, error) {
	ctx := r.Context()
	p := sessionOf(r).P
	ids, err := a.DB.BatchIDs(ctx)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	var out []BatchRow
	for _, id := range ids {
		office, err := a.DB.BatchOffice(ctx, id)
		if err != nil || !p.CanSee(office) {
			continue
		}
		b, err := a.DB.Batch(ctx, id)
		if err != nil {
			return nil, err
		}
		pr, err := a.DB.Progress(ctx, id)
		if err != nil {
			return nil, err
		}
		row := BatchRow{ID: b.ID, Name: b.Name, Created: b.CreatedAt, P: pr, ETASeconds: -1}
		row.Empty = pr.Documents == 0
		row.Done = !row.Empty && pr.DocumentsSigned+pr.DocumentsFailed == pr.Documents
		row.PerMinute = a.rates.observe(id, now, pr.PagesOCRed+pr.PagesFailed)
		if n := row.Pending(); n == 0 || row.Done {
			row.ETASeconds = 0
		} else if row.PerMinute > 0 {
			row.ETASeconds = int(float64(n) / row.PerMinute * 60)
		}
		out = append(out, row)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out, nil
}

func (a *Archive) batches(w http.ResponseWriter, r *http.Request) {
	rows, err := a.rows(r)
	if err != nil {
		a.core.fail(w, r, err)
		return
	}
	a.core.render(w, r, http.StatusOK, "batches.html", rows, "")
}

// progressJSON is what the batches page polls to update itself.
func (a *Archive) progressJSON(w http.ResponseWriter, r *http.Request) {
	rows, err := a.rows(r)
	if err != nil {
		http.Error(w, "lỗi hệ thống / internal error", http.StatusInternalServerError)
		a.core.log().Error("archive: progress", "err", err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	type out struct {
		ID                                        string
		Received, OCRed, Failed, QC, Docs, Signed int
		DocsFailed                                int
		PerMinute                                 float64
		ETASeconds                                int
		Done, Empty                               bool
	}
	o := []out{}
	for _, b := range rows {
		o = append(o, out{ID: b.ID, Received: b.P.PagesReceived, OCRed: b.P.PagesOCRed, Failed: b.P.PagesFailed, QC: b.P.PagesQC,
			Docs: b.P.Documents, Signed: b.P.DocumentsSigned, DocsFailed: b.P.DocumentsFailed, PerMinute: b.PerMinute,
			ETASeconds: b.ETASeconds, Done: b.Done, Empty: b.Empty})
	}
	json.NewEncoder(w).Encode(o)
}

type batchView struct {
	Row    BatchRow
	Failed []catalog.Document
	Docs   []catalog.Document
	More   string
	Done   string // "retry" or "remove": what was just done
}

// visibleBatch is the batch of the request's path and its office, when
// the session's office may see it; otherwise it answers (404 for another
// office's, as for a missing one) and reports false.
func (a *Archive) visibleBatch(w http.ResponseWriter, r *http.Request) (id, office string, ok bool) {
	id = r.PathValue("id")
	office, err := a.DB.BatchOffice(r.Context(), id)
	if err == nil && !sessionOf(r).P.CanSee(office) {
		err = catalog.ErrNotFound
	}
	if err != nil {
		a.fail(w, r, err)
		return "", "", false
	}
	return id, office, true
}

// batch shows one batch: its progress, its failed documents with their
// reasons, and its documents a page (keyset) at a time.
func (a *Archive) batch(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, _, ok := a.visibleBatch(w, r)
	if !ok {
		return
	}
	rows, err := a.rows(r)
	if err != nil {
		a.core.fail(w, r, err)
		return
	}
	v := batchView{}
	for _, b := range rows {
		if b.ID == id {
			v.Row = b
		}
	}
	const pageSize = 200
	docs, err := a.DB.BatchDocumentPage(ctx, id, r.URL.Query().Get("after"), pageSize+1)
	if err != nil {
		a.core.fail(w, r, err)
		return
	}
	if len(docs) > pageSize {
		docs = docs[:pageSize]
		v.More = docs[pageSize-1].ID
	}
	v.Docs = docs
	for _, d := range docs {
		if d.Status == catalog.DocFailed {
			v.Failed = append(v.Failed, d)
		}
	}
	v.Done = r.URL.Query().Get("done")
	a.core.render(w, r, http.StatusOK, "batch.html", v, "")
}

// visibleDoc returns the document if the archivist may see it.
func (a *Archive) visibleDoc(r *http.Request) (catalog.Document, string, error) {
	id := r.PathValue("id")
	office, err := a.DB.DocumentOffice(r.Context(), id)
	if err == nil && !sessionOf(r).P.CanSee(office) {
		err = catalog.ErrNotFound
	}
	if err != nil {
		return catalog.Document{}, "", err
	}
	d, err := a.DB.Document(r.Context(), id)
	return d, office, err
}

// retry puts a failed document back into the pipeline and queues its work.
func (a *Archive) retry(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	d, office, err := a.visibleDoc(r)
	if err == nil && a.Queue == nil {
		err = errors.New("archive: no queue to retry into")
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	pages, assemble, err := a.DB.RetryDocument(ctx, d.ID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	detail, _ := json.Marshal(map[string]any{"previous_error": d.Error, "pages": pages, "assemble": assemble})
	if _, err := a.DB.Audit(ctx, catalog.AuditEntry{Actor: sessionOf(r).P.Actor() + " web", OfficeID: office,
		Action: catalog.AuditDocumentRetry, Subject: d.ID, Detail: detail}); err != nil {
		a.fail(w, r, err)
		return
	}
	// Queued after the catalog says so: a lost enqueue is found again by
	// the recovery sweep (catalog.Unfinished), a queued task never finds
	// its document still failed.
	for _, p := range pages {
		if err = a.Queue.EnqueueOCR(ctx, p); err != nil {
			break
		}
	}
	if err == nil && assemble {
		err = a.Queue.EnqueueAssemble(ctx, d.ID)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/archive/batches/"+url.PathEscape(d.BatchID)+"?done=retry", http.StatusSeeOther)
}

// remove deletes a document not signed, with the reason recorded.
func (a *Archive) remove(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	d, office, err := a.visibleDoc(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	reason := strings.TrimSpace(r.FormValue("reason"))
	if reason == "" {
		a.fail(w, r, errNeedReason)
		return
	}
	if _, err := a.DB.RemoveDocument(ctx, d.ID); err != nil {
		a.fail(w, r, err)
		return
	}
	detail, _ := json.Marshal(map[string]any{"reason": reason, "batch": d.BatchID, "source_name": d.SourceName,
		"source_sha256": d.SourceSHA256, "status": d.Status})
	if _, err := a.DB.Audit(ctx, catalog.AuditEntry{Actor: sessionOf(r).P.Actor() + " web", OfficeID: office,
		Action: catalog.AuditDocumentRemove, Subject: d.ID, Detail: detail}); err != nil {
		a.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/archive/batches/"+url.PathEscape(d.BatchID)+"?done=remove", http.StatusSeeOther)
}

var errNeedReason = errors.New("archive: a reason is required")

// fail renders the error an archivist can act on.
func (a *Archive) fail(w http.ResponseWriter, r *http.Request, err error) {
	l := a.core.lang(w, r)
	t := archiveTexts[l]
	switch {
	case errors.Is(err, catalog.ErrNotFound):
		a.core.render(w, r, http.StatusNotFound, "error.html", nil, t["notfound"])
	case errors.Is(err, catalog.ErrWrongStatus):
		a.core.render(w, r, http.StatusConflict, "error.html", nil, t["wrongstatus"])
	case errors.Is(err, catalog.ErrDocumentInUse):
		a.core.render(w, r, http.StatusConflict, "error.html", nil, t["inuse"])
	case errors.Is(err, errNeedReason):
		a.core.render(w, r, http.StatusBadRequest, "error.html", nil, t["needreason"])
	case errors.Is(err, errNeedRescanReason):
		a.core.render(w, r, http.StatusBadRequest, "error.html", nil, t["needrescanreason"])
	case errors.Is(err, errNeedFile):
		a.core.render(w, r, http.StatusBadRequest, "error.html", nil, t["needfile"])
	case errors.Is(err, catalog.ErrPageLocked):
		a.core.render(w, r, http.StatusConflict, "error.html", nil, t["locked"])
	default:
		a.core.fail(w, r, err)
	}
}

// rateBook remembers, per batch, how many pages were done when, to give
// the throughput over the last few minutes watched (not since the batch
// began: a batch resumed after a week would show a meaningless rate).
type rateBook struct {
	mu sync.Mutex
	m  map[string][]sample
}

type sample struct {
	at   time.Time
	done int
}

const rateWindow = 5 * time.Minute

// observe records done pages of batch id at now and returns the pages
// per minute over the window (0 with too little history).
func (rb *rateBook) observe(id string, now time.Time, done int) float64 {
	rb.mu.Lock()
	defer rb.mu.Unlock()
	if rb.m == nil {
		rb.m = map[string][]sample{}
	}
	s := rb.m[id]
	for len(s) > 0 && now.Sub(s[0].at) > rateWindow {
		s = s[1:]
	}
	if len(s) == 0 || now.Sub(s[len(s)-1].at) >= time.Second {
		s = append(s, sample{now, done})
	}
	if len(s) > 600 {
		s = s[len(s)-600:]
	}
	rb.m[id] = s
	first := s[0]
	dt := now.Sub(first.at).Minutes()
	if dt <= 0 || done <= first.done {
		return 0
	}
	return float64(done-first.done) / dt
}

// Landing is the page at "/": where the clerk's desk and the archive
// console are.
func Landing() http.Handler {
	tpl := template.Must(template.ParseFS(files, "templates/archive/layout.html", "templates/archive/landing.html"))
	return securityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l := "vi"
		if r.URL.Query().Get("lang") == "en" {
			l = "en"
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		tpl.ExecuteTemplate(w, "landing.html", page{Lang: l, Other: map[string]string{"vi": "en", "en": "vi"}[l], T: archiveTexts[l]})
	}))
}
