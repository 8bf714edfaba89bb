package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/sohoa-vn/sohoa/ingest"
	"github.com/sohoa-vn/sohoa/ocr"
	"github.com/sohoa-vn/sohoa/storage"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// QCDB is what the quality-control review reads and writes.
type QCDB interface {
	QCQueue(ctx context.Context, batchID, after string, limit int) ([]catalog.Page, error)
	Page(ctx context.Context, id string) (catalog.Page, error)
	AcceptPage(ctx context.Context, pageID, by, note string) (ready bool, err error)
	ReplacePage(ctx context.Context, pageID string, np catalog.Page, by, reason string) error
	QCPrevious(ctx context.Context, batchID, before string) (string, error)
}

// Rescanner stores a rescanned page image under the ingest limits
// (ingest.Ingester).
type Rescanner interface {
	Rescan(ctx context.Context, doc catalog.Document, seq int, name string, r io.Reader) (catalog.Page, error)
}

// Blobs reads page images and OCR results (storage.Store).
type Blobs interface {
	Get(ctx context.Context, key string) (io.ReadCloser, storage.Info, error)
}

// lowConf is the word confidence (0..100) under which a word is
// highlighted on the review page.
const lowConf = 60

type qcView struct {
	Batch     string
	Page      catalog.Page
	Doc       catalog.Document
	OCR       *ocr.Page
	Low       int // words under lowConf
	Remaining int
	Next      string // the page after this one ("" when none)
	Prev      string // ?after= value showing the page before this one; PrevOK when there is one
	PrevOK    bool
	Flags     []string
	Accepted  bool // the page before was just accepted
	Rescanned bool // the page before was just replaced by a rescan
	CanRescan bool
}

// qc shows the first page held for review in a batch after ?after= (keyset
// paging over the partial index of pending pages: as fast with 10,000
// held pages as with ten), its image with the OCR words drawn over it.
func (a *Archive) qc(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	batch, _, ok := a.visibleBatch(w, r)
	if !ok {
		return
	}
	pages, err := a.QC.QCQueue(ctx, batch, r.URL.Query().Get("after"), 2)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if len(pages) == 0 && r.URL.Query().Get("after") != "" {
		// Past the last held page: from the start again (pages skipped).
		pages, err = a.QC.QCQueue(ctx, batch, "", 2)
		if err != nil {
			a.fail(w, r, err)
			return
		}
	}
	v := qcView{Batch: batch, Accepted: r.URL.Query().Get("accepted") == "1", Rescanned: r.URL.Query().Get("rescanned") == "1",
		CanRescan: a.Rescan != nil}
	pr, err := a.DB.Progress(ctx, batch)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	v.Remaining = pr.PagesQC
	if len(pages) > 0 {
		v.Page = pages[0]
		if len(pages) > 1 {
			v.Next = pages[0].ID
		}
		// The page before: shown by ?after= the page before it.
		if before, err := a.QC.QCPrevious(ctx, batch, v.Page.ID); err == nil && before != "" {
			v.PrevOK = true
			v.Prev, _ = a.QC.QCPrevious(ctx, batch, before)
		}
		if v.Doc, err = a.DB.Document(ctx, v.Page.DocumentID); err != nil {
			a.fail(w, r, err)
			return
		}
		v.OCR = a.ocrOf(ctx, v.Page)
		if v.OCR != nil {
			for _, wd := range v.OCR.Words {
				if wd.Conf < lowConf {
					v.Low++
				}
			}
		}
		v.Flags = v.Page.QC
	}
	a.core.render(w, r, http.StatusOK, "qc.html", v, "")
}

// ocrOf reads a page's OCR result; nil when it has none readable (the
// page is then reviewed from its image alone).
func (a *Archive) ocrOf(ctx context.Context, p catalog.Page) *ocr.Page {
	if p.OCRKey == "" || a.Blobs == nil {
		return nil
	}
	rc, _, err := a.Blobs.Get(ctx, p.OCRKey)
	if err != nil {
		a.core.log().Warn("archive: OCR result", "page", p.ID, "err", err)
		return nil
	}
	defer rc.Close()
	var o ocr.Page
	if err := json.NewDecoder(io.LimitReader(rc, 64<<20)).Decode(&o); err != nil {
		a.core.log().Warn("archive: OCR result", "page", p.ID, "err", err)
		return nil
	}
	return &o
}

// visiblePage returns the page if the archivist may see its document.
func (a *Archive) visiblePage(r *http.Request) (catalog.Page, string, error) {
	p, err := a.QC.Page(r.Context(), r.PathValue("id"))
	if err != nil {
		return p, "", err
	}
	office, err := a.DB.DocumentOffice(r.Context(), p.DocumentID)
	if err == nil && !sessionOf(r).P.CanSee(office) {
		err = catalog.ErrNotFound
	}
	return p, office, err
}

// pageImage serves a page's scanned image; every view is audited.
func (a *Archive) pageImage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, office, err := a.visiblePage(r)
	if err == nil && a.Blobs == nil {
		err = catalog.ErrNotFound
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	detail, _ := json.Marshal(map[string]any{"kind": "page_image", "document_id": p.DocumentID, "seq": p.Seq, "sha256": p.SHA256})
	if _, err := a.DB.Audit(ctx, catalog.AuditEntry{Actor: sessionOf(r).P.Actor() + " web", OfficeID: office,
		Action: catalog.AuditContentView, Subject: p.ID, Detail: detail}); err != nil {
		a.fail(w, r, err)
		return
	}
	rc, info, err := a.Blobs.Get(ctx, p.BlobKey)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", map[string]string{"png": "image/png", "jpeg": "image/jpeg"}[p.Format])
	w.Header().Set("Content-Length", strconv.FormatInt(info.Size, 10))
	w.Header().Set("Cache-Control", "private, max-age=3600")
	io.Copy(w, rc)
}

// accept records the archivist's acceptance of a held page and shows the
// next one; the document goes on to assembly when it was the last.
func (a *Archive) accept(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, office, err := a.visiblePage(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	note := strings.TrimSpace(r.FormValue("note"))
	ready, err := a.QC.AcceptPage(ctx, p.ID, sessionOf(r).P.Actor()+" web", note)
	if errors.Is(err, catalog.ErrNotPending) {
		err = catalog.ErrWrongStatus
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	detail, _ := json.Marshal(map[string]any{"qc": p.QC, "note": note})
	if _, err := a.DB.Audit(ctx, catalog.AuditEntry{Actor: sessionOf(r).P.Actor() + " web", OfficeID: office,
		Action: catalog.AuditPageAccept, Subject: p.ID, Detail: detail}); err != nil {
		a.fail(w, r, err)
		return
	}
	if ready && a.Queue != nil {
		if err := a.Queue.EnqueueAssemble(ctx, p.DocumentID); err != nil {
			// The recovery sweep queues it again (catalog.Unfinished).
			a.core.log().Warn("archive: queue assembly after QC", "document", p.DocumentID, "err", err)
		}
	}
	http.Redirect(w, r, "/archive/batches/"+url.PathEscape(p.BatchID)+"/qc?after="+url.QueryEscape(p.ID)+"&accepted=1", http.StatusSeeOther)
}

// rescan replaces a held page's image by an uploaded rescan (the old
// image kept as a version, with who and why) and queues its OCR.
func (a *Archive) rescan(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, office, err := a.visiblePage(r)
	if err == nil && (a.Rescan == nil || r.MultipartForm == nil || len(r.MultipartForm.File["scan"]) != 1) {
		err = errNeedFile
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	reason := strings.TrimSpace(r.FormValue("reason"))
	if reason == "" {
		a.fail(w, r, errNeedRescanReason)
		return
	}
	doc, err := a.DB.Document(ctx, p.DocumentID)
	if err == nil && doc.Status != catalog.DocOCR && doc.Status != catalog.DocFailed {
		err = catalog.ErrPageLocked
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	fh := r.MultipartForm.File["scan"][0]
	f, err := fh.Open()
	if err != nil {
		a.fail(w, r, err)
		return
	}
	np, err := a.Rescan.Rescan(ctx, doc, p.Seq, fh.Filename, f)
	f.Close()
	var ie *ingest.InputError
	if errors.As(err, &ie) {
		msg := ie.VI
		if a.core.lang(w, r) == "en" {
			msg = ie.EN
		}
		a.core.render(w, r, http.StatusUnprocessableEntity, "error.html", nil, msg)
		return
	}
	if err == nil {
		err = a.QC.ReplacePage(ctx, p.ID, np, sessionOf(r).P.Actor()+" web", reason)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	detail, _ := json.Marshal(map[string]any{"old_sha256": p.SHA256, "new_sha256": np.SHA256, "qc": p.QC, "reason": reason, "file": fh.Filename})
	if _, err := a.DB.Audit(ctx, catalog.AuditEntry{Actor: sessionOf(r).P.Actor() + " web", OfficeID: office,
		Action: catalog.AuditPageRescan, Subject: p.ID, Detail: detail}); err != nil {
		a.fail(w, r, err)
		return
	}
	if a.Queue != nil {
		if err := a.Queue.EnqueueOCR(ctx, p.ID); err != nil {
			a.core.log().Warn("archive: queue OCR of a rescan", "page", p.ID, "err", err) // the recovery sweep queues it
		}
	}
	http.Redirect(w, r, "/archive/batches/"+url.PathEscape(p.BatchID)+"/qc?after="+url.QueryEscape(p.ID)+"&rescanned=1", http.StatusSeeOther)
}

var (
	errNeedFile         = errors.New("archive: one rescan file is required")
	errNeedRescanReason = errors.New("archive: a reason for the rescan is required")
)

type qcListView struct {
	Batch     string
	Pages     []catalog.Page
	Names     map[string]string // document ID → source name
	Next      string
	Remaining int
	Accepted  int
}

const qcListSize = 50

// qcList lists a batch's held pages, qcListSize at a time (keyset), each
// with a checkbox, for accepting a selection at once.
func (a *Archive) qcList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	batch, _, ok := a.visibleBatch(w, r)
	if !ok {
		return
	}
	pages, err := a.QC.QCQueue(ctx, batch, r.URL.Query().Get("after"), qcListSize+1)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	v := qcListView{Batch: batch, Names: map[string]string{}}
	v.Accepted, _ = strconv.Atoi(r.URL.Query().Get("accepted"))
	if len(pages) > qcListSize {
		pages = pages[:qcListSize]
		v.Next = pages[qcListSize-1].ID
	}
	v.Pages = pages
	for _, p := range pages {
		if _, ok := v.Names[p.DocumentID]; !ok {
			d, err := a.DB.Document(ctx, p.DocumentID)
			if err != nil {
				a.fail(w, r, err)
				return
			}
			v.Names[p.DocumentID] = d.SourceName
		}
	}
	pr, err := a.DB.Progress(ctx, batch)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	v.Remaining = pr.PagesQC
	a.core.render(w, r, http.StatusOK, "qclist.html", v, "")
}

// acceptSelected accepts every page ticked on the list, each audited as
// if accepted one by one.
func (a *Archive) acceptSelected(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	batch, office, ok := a.visibleBatch(w, r)
	if !ok {
		return
	}
	actor := sessionOf(r).P.Actor() + " web"
	n := 0
	for _, id := range r.Form["page"] {
		p, err := a.QC.Page(ctx, id)
		if err != nil || p.BatchID != batch {
			continue // a page of another batch is not this form's to accept
		}
		ready, err := a.QC.AcceptPage(ctx, id, actor, "")
		if errors.Is(err, catalog.ErrNotPending) {
			continue // accepted meanwhile, by someone else
		}
		if err != nil {
			a.fail(w, r, err)
			return
		}
		detail, _ := json.Marshal(map[string]any{"qc": p.QC, "bulk": true})
		if _, err := a.DB.Audit(ctx, catalog.AuditEntry{Actor: actor, OfficeID: office, Action: catalog.AuditPageAccept,
			Subject: p.ID, Detail: detail}); err != nil {
			a.fail(w, r, err)
			return
		}
		n++
		if ready && a.Queue != nil {
			if err := a.Queue.EnqueueAssemble(ctx, p.DocumentID); err != nil {
				a.core.log().Warn("archive: queue assembly after QC", "document", p.DocumentID, "err", err)
			}
		}
	}
	http.Redirect(w, r, "/archive/batches/"+url.PathEscape(batch)+"/qc/list?accepted="+strconv.Itoa(n), http.StatusSeeOther)
}
