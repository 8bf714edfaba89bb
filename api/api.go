// Package api serves sohoa's HTTP API under /v1: batches and their
// progress, file uploads into a batch, documents' metadata and their
// signed, searchable PDFs.
package api

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/sohoa-vn/sohoa/ingest"
	"github.com/sohoa-vn/sohoa/sign"
	"github.com/sohoa-vn/sohoa/storage"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// Catalog is what the API reads and writes in the catalog.
type Catalog interface {
	EnsureBatch(ctx context.Context, id, name string) (catalog.Batch, error)
	Batch(ctx context.Context, id string) (catalog.Batch, error)
	Progress(ctx context.Context, batchID string) (catalog.Progress, error)
	Documents(ctx context.Context, batchID string) ([]catalog.Document, error)
	Document(ctx context.Context, id string) (catalog.Document, error)
	Pages(ctx context.Context, documentID string) ([]catalog.Page, error)
}

// Server is the HTTP API.
type Server struct {
	Catalog  Catalog
	Store    storage.Store
	Ingest   *ingest.Ingester
	Archive  *Archive
	Reports  *Reports  // batch reports and archival packages
	Copies   *Copies   // certified copies and their public verification page
	Webhooks *Webhooks // webhook subscriptions and their delivery logs
	QC       *QC       // the archivists' quality-control queue
	Keys     KeyStore
	Log      *slog.Logger
	// Ready, when set, answers /readyz: nil means ready to serve.
	Ready func(context.Context) error
	// Extra routes to serve beside the built-in ones.
	Extra []Route
	// TrustRoots are the roots POST /v1/verify checks chains against (nil:
	// none); RelaxTrust also calls valid an intact signature of unknown root.
	TrustRoots *x509.CertPool
	RelaxTrust bool
	// FetchIssuers, when set, completes on POST /v1/verify the chains of
	// signatures that embed only the signer's certificate from its AIA
	// "CA Issuers" URL (nil: no network access while verifying).
	FetchIssuers *sign.IssuerFetcher
}

// Handler returns the API: every route of Routes behind its access check,
// after Authenticate, every error in the JSON shape.
func (s *Server) Handler() http.Handler {
	return JSONErrors(Authenticate(s.Keys, s.log())(NewMux(Routes(s, s.Archive, s.Extra...))))
}

// Batch is a batch with its progress, as the API shows it.
type Batch struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	Progress
	// Done is true when every document is signed, failed, or waits for an
	// archivist's quality review (documents_qc; see GET /v1/batches/{id}/qc).
	Done bool `json:"done"`
}

// Progress counts a batch's pages and documents.
type Progress struct {
	Documents       int `json:"documents"`
	DocumentsSigned int `json:"documents_signed"`
	DocumentsFailed int `json:"documents_failed"`
	PagesReceived   int `json:"pages_received"`
	PagesOCRed      int `json:"pages_ocred"`
	PagesFailed     int `json:"pages_failed"`
	PagesQC         int `json:"pages_qc"`     // pages waiting for quality review
	DocumentsQC     int `json:"documents_qc"` // documents those pages hold
}

// Document is a document's metadata as the API shows it.
type Document struct {
	ID           string          `json:"id"`
	BatchID      string          `json:"batch_id"`
	SourceName   string          `json:"source_name"`
	SourceSHA256 string          `json:"source_sha256"`
	PageCount    int             `json:"page_count"`
	Status       string          `json:"status"`
	Error        string          `json:"error,omitempty"`
	TextLength   int             `json:"text_length"`
	Metadata     json.RawMessage `json:"metadata,omitempty"`
	PDF          *SignedPDF      `json:"pdf,omitempty"`
	Pages        []Page          `json:"pages,omitempty"`
	CreatedAt    time.Time       `json:"created_at"`
	UpdatedAt    time.Time       `json:"updated_at"`
}

// SignedPDF locates a document's signed PDF.
type SignedPDF struct {
	URL    string `json:"url"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Page is one page's status as the API shows it.
type Page struct {
	Seq        int      `json:"seq"`
	Status     string   `json:"status"`
	Error      string   `json:"error,omitempty"`
	Width      int      `json:"width,omitempty"`
	Height     int      `json:"height,omitempty"`
	DPI        int      `json:"dpi,omitempty"`
	SHA256     string   `json:"sha256,omitempty"`
	TextLength int      `json:"text_length"`
	Confidence float64  `json:"confidence"`
	QC         []string `json:"qc,omitempty"`       // quality flags
	QCState    string   `json:"qc_state,omitempty"` // pending, accepted
}

// Report is a batch with every document and page: what became of each.
type Report struct {
	Batch     Batch      `json:"batch"`
	Documents []Document `json:"documents"`
}

// Upload is the answer to a file upload.
type Upload struct {
	Document Document `json:"document"`
	Created  bool     `json:"created"`
	// Error is set, with status 422, when the file became a failed document.
	Error *apiError `json:"error,omitempty"`
}

type apiError struct {
	Code string `json:"code"`
	VI   string `json:"vi"`
	EN   string `json:"en"`
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, code, vi, en string, err error) {
	if err != nil {
		s.log().Error("api", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	writeJSON(w, status, map[string]apiError{"error": {Code: code, VI: vi, EN: en}})
}

func (s *Server) failLookup(w http.ResponseWriter, r *http.Request, what noun, err error) {
	if errors.Is(err, catalog.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, "not_found", strings.TrimSpace("không tìm thấy "+what.vi), strings.TrimSpace(what.en+" not found"), nil)
		return
	}
	s.fail(w, r, http.StatusInternalServerError, "internal", "lỗi hệ thống", "internal error", err)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff") // a browser must not run a JSON answer as HTML or script
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func (s *Server) batch(ctx context.Context, b catalog.Batch) (Batch, error) {
	p, err := s.Catalog.Progress(ctx, b.ID)
	if err != nil {
		return Batch{}, err
	}
	return Batch{
		ID: b.ID, Name: b.Name, CreatedAt: b.CreatedAt,
		Progress: Progress(p),
		Done:     p.DocumentsSigned+p.DocumentsFailed+p.DocumentsQC == p.Documents,
	}, nil
}

func (s *Server) getBatch(w http.ResponseWriter, r *http.Request) {
	b, err := s.Catalog.Batch(r.Context(), r.PathValue("id"))
	if err != nil {
		s.failLookup(w, r, noun{"lô", "batch"}, err)
		return
	}
	out, err := s.batch(r.Context(), b)
	if err != nil {
		s.failLookup(w, r, noun{"lô", "batch"}, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) batchReport(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	b, err := s.Catalog.Batch(ctx, r.PathValue("id"))
	if err != nil {
		s.failLookup(w, r, noun{"lô", "batch"}, err)
		return
	}
	rep := Report{}
	if rep.Batch, err = s.batch(ctx, b); err != nil {
		s.failLookup(w, r, noun{"lô", "batch"}, err)
		return
	}
	docs, err := s.Catalog.Documents(ctx, b.ID)
	if err != nil {
		s.failLookup(w, r, noun{"lô", "batch"}, err)
		return
	}
	for _, d := range docs {
		view, err := s.document(ctx, d)
		if err != nil {
			s.failLookup(w, r, noun{"tài liệu", "document"}, err)
			return
		}
		rep.Documents = append(rep.Documents, view)
	}
	writeJSON(w, http.StatusOK, rep)
}

func (s *Server) uploadFile(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	b, err := s.Catalog.Batch(ctx, r.PathValue("id"))
	if err != nil {
		s.failLookup(w, r, noun{"lô", "batch"}, err)
		return
	}
	name := r.URL.Query().Get("name")
	if name == "" {
		s.fail(w, r, http.StatusBadRequest, "bad_request",
			"thiếu tham số name (tên tệp)", "missing the name query parameter (file name)", nil)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if key != "" && !ingest.ValidKey(key) {
		s.fail(w, r, http.StatusBadRequest, "bad_request",
			"Idempotency-Key phải dài 1–200 ký tự, chỉ gồm chữ, số và . _ : / -",
			"Idempotency-Key must be 1-200 characters of letters, digits and . _ : / -", nil)
		return
	}
	res, err := s.Ingest.FileWithKey(ctx, b.ID, name, key, r.Body)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "internal",
			"không tiếp nhận được tệp do lỗi hệ thống, hãy gửi lại", "the file could not be taken because of a system error; send it again", err)
		return
	}
	view, err := s.document(ctx, res.Document)
	if err != nil {
		s.failLookup(w, r, noun{"tài liệu", "document"}, err)
		return
	}
	status := http.StatusOK
	if res.Created {
		status = http.StatusCreated
	}
	up := Upload{Document: view, Created: res.Created}
	if res.Document.Status == catalog.DocFailed {
		// Recorded (so sending it again finds it) but unusable: not a
		// success, and the document says why.
		status = http.StatusUnprocessableEntity
		up.Error = &apiError{Code: "document_failed",
			VI: "tệp đã được ghi nhận nhưng không xử lý được; lý do ở document.error",
			EN: "the file was recorded but cannot be processed; the reason is in document.error"}
	}
	writeJSON(w, status, up)
}

// fileByHash answers whether the file with this SHA-256 is in the batch
// already: a resumed "sohoa ingest" skips sending it again.
func (s *Server) fileByHash(w http.ResponseWriter, r *http.Request) {
	sum := r.PathValue("sha256")
	if len(sum) != 64 || strings.Trim(sum, "0123456789abcdef") != "" {
		s.fail(w, r, http.StatusBadRequest, "bad_request", "SHA-256 phải là 64 chữ số hex thường", "the SHA-256 must be 64 lowercase hex digits", nil)
		return
	}
	d, err := s.Catalog.Document(r.Context(), ingest.DocumentID(r.PathValue("id"), sum))
	if err != nil {
		s.failLookup(w, r, noun{"tệp", "file"}, err)
		return
	}
	view, err := s.document(r.Context(), d)
	if err != nil {
		s.failLookup(w, r, noun{"tài liệu", "document"}, err)
		return
	}
	writeJSON(w, http.StatusOK, Upload{Document: view})
}

func (s *Server) document(ctx context.Context, d catalog.Document) (Document, error) {
	out := Document{
		ID: d.ID, BatchID: d.BatchID, SourceName: d.SourceName, SourceSHA256: d.SourceSHA256,
		PageCount: d.PageCount, Status: string(d.Status), Error: d.Error, TextLength: d.TextLen,
		Metadata: d.Metadata, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt,
	}
	if d.Status == catalog.DocSigned {
		out.PDF = &SignedPDF{URL: "/v1/documents/" + d.ID + "/pdf", SHA256: d.SignedSHA256, Size: d.SignedSize}
	}
	pages, err := s.Catalog.Pages(ctx, d.ID)
	if err != nil {
		return out, err
	}
	for _, p := range pages {
		out.Pages = append(out.Pages, Page{
			Seq: p.Seq, Status: string(p.Status), Error: p.Error, Width: p.Width, Height: p.Height,
			DPI: p.DPI, SHA256: p.SHA256, TextLength: p.TextLen, Confidence: p.Confidence,
			QC: p.QC, QCState: string(p.QCState),
		})
	}
	return out, nil
}

// ReadyHandler answers readiness probes with 200 when ready (or nil) and
// 503 with the reason otherwise.
func ReadyHandler(ready func(context.Context) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ready != nil {
			ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
			defer cancel()
			if err := ready(ctx); err != nil {
				writeJSON(w, http.StatusServiceUnavailable, map[string]apiError{"error": {Code: "not_ready",
					VI: "chưa sẵn sàng: " + err.Error(), EN: "not ready: " + err.Error()}})
				return
			}
		}
		io.WriteString(w, "ready\n")
	}
}

func (s *Server) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// noun names, in each language, the thing an error is about.
type noun struct{ vi, en string }
