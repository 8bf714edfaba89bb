package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sohoa-vn/sohoa/ingest"
	"github.com/sohoa-vn/sohoa/results"
	"github.com/sohoa-vn/sohoa/storage"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// ArchiveDB is what the archive's endpoints need from the catalog.
type ArchiveDB interface {
	CreateResult(ctx context.Context, r results.Result, ev results.Event) (results.Result, error)
	Result(ctx context.Context, id string) (results.Result, error)
	CorrectResult(ctx context.Context, id string, p results.Patch, actor, reason string) (results.Result, error)
	RevokeResult(ctx context.Context, id, actor, reason string) (results.Result, error)
	ReplaceResult(ctx context.Context, id, byID, actor, reason string) (results.Result, error)
	ResultHistory(ctx context.Context, id string) ([]results.Event, error)
	DocumentResults(ctx context.Context, documentID string) ([]results.Result, error)
	LookupResults(ctx context.Context, q catalog.ResultQuery) ([]results.Result, string, error)
	ClaimBatchOffice(ctx context.Context, batchID, office string) (string, error)
	BatchOffice(ctx context.Context, batchID string) (string, error)
	DocumentOffice(ctx context.Context, documentID string) (string, error)
	ResultOffice(ctx context.Context, resultID string) (string, error)
	Audit(ctx context.Context, e catalog.AuditEntry) (catalog.AuditEntry, error)
	AuditLog(ctx context.Context, q catalog.AuditQuery) ([]catalog.AuditEntry, error)
	VerifyAudit(ctx context.Context, anchors ...catalog.AuditHead) (catalog.AuditHead, error)
	SearchDocuments(ctx context.Context, q catalog.SearchQuery) ([]catalog.SearchHit, bool, error)
	ListBatches(ctx context.Context, q catalog.ListQuery) ([]catalog.Batch, string, error)
	ListDocuments(ctx context.Context, q catalog.ListQuery) ([]catalog.Document, string, error)
	ListResults(ctx context.Context, q catalog.ListQuery) ([]results.Result, string, error)
}

// Archive serves the results archive, documents with their validity,
// search, the audit log and the PDFs (audited).
type Archive struct {
	DB  ArchiveDB
	Log *slog.Logger
	Now func() time.Time // nil: time.Now
	// MaxImportBytes limits a CSV import's body; 0 means 64 MiB.
	MaxImportBytes int64
	// OnStatusChanged, when set, is told of each revocation and
	// replacement (webhooks); its failure is logged, not returned.
	OnStatusChanged func(ctx context.Context, r results.Result) error
}

func (a *Archive) statusChanged(ctx context.Context, res results.Result) {
	if a.OnStatusChanged == nil {
		return
	}
	if err := a.OnStatusChanged(ctx, res); err != nil {
		a.log().Error("api: announce result status change", "result", res.ID, "err", err)
	}
}

func (a *Archive) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *Archive) log() *slog.Logger {
	if a.Log != nil {
		return a.Log
	}
	return slog.Default()
}

// Result is a procedure result as the API shows it. Status is its
// validity now (valid, expired, revoked or replaced).
type Result struct {
	ID            string    `json:"id"`
	Code          string    `json:"code"`
	OfficeID      string    `json:"office_id"`
	OwnerID       string    `json:"owner_id"`
	ProcedureCode string    `json:"procedure_code"`
	Name          string    `json:"name"`
	NumberSymbol  string    `json:"number_symbol"`
	Issuer        string    `json:"issuer"`
	IssueDate     string    `json:"issue_date"`
	ValidUntil    string    `json:"valid_until,omitempty"`
	Status        string    `json:"status"`
	Valid         bool      `json:"valid"`
	ReplacedBy    string    `json:"replaced_by,omitempty"`
	StatusReason  string    `json:"status_reason,omitempty"`
	DocumentIDs   []string  `json:"document_ids"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Validity is a linked result's validity, carried with every document.
type Validity struct {
	ResultID     string `json:"result_id"`
	Code         string `json:"code"`
	Name         string `json:"name"`
	NumberSymbol string `json:"number_symbol"`
	Status       string `json:"status"`
	Valid        bool   `json:"valid"`
	ValidUntil   string `json:"valid_until,omitempty"`
	ReplacedBy   string `json:"replaced_by,omitempty"`
}

// DocumentView is a document with the validity of the results it is
// linked to (none for a document not yet in the archive).
type DocumentView struct {
	Document
	Results []Validity `json:"results"`
}

func (a *Archive) view(r results.Result) Result {
	st := r.Validity(a.now())
	ids := r.DocumentIDs
	if ids == nil {
		ids = []string{}
	}
	return Result{ID: r.ID, Code: r.Code, OfficeID: r.OfficeID, OwnerID: r.OwnerID, ProcedureCode: r.ProcedureCode,
		Name: r.Name, NumberSymbol: r.NumberSymbol, Issuer: r.Issuer, IssueDate: r.IssueDate, ValidUntil: r.ValidUntil,
		Status: string(st), Valid: st == results.Valid, ReplacedBy: r.ReplacedBy, StatusReason: r.StatusReason,
		DocumentIDs: ids, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func (a *Archive) validity(ctx context.Context, docID string) ([]Validity, error) {
	rs, err := a.DB.DocumentResults(ctx, docID)
	if err != nil {
		return nil, err
	}
	out := []Validity{}
	for _, r := range rs {
		st := r.Validity(a.now())
		out = append(out, Validity{ResultID: r.ID, Code: r.Code, Name: r.Name, NumberSymbol: r.NumberSymbol,
			Status: string(st), Valid: st == results.Valid, ValidUntil: r.ValidUntil, ReplacedBy: r.ReplacedBy})
	}
	return out, nil
}

type errorBody struct {
	Error    apiError          `json:"error"`
	Problems []results.Problem `json:"problems,omitempty"`
}

func (a *Archive) fail(w http.ResponseWriter, r *http.Request, status int, code, vi, en string, err error) {
	if err != nil {
		a.log().Error("api", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	writeJSON(w, status, errorBody{Error: apiError{Code: code, VI: vi, EN: en}})
}

// failErr answers with the status err calls for; what names the record.
func (a *Archive) failErr(w http.ResponseWriter, r *http.Request, what noun, err error) {
	var ps results.Problems
	switch {
	case errors.As(err, &ps):
		writeJSON(w, http.StatusBadRequest, errorBody{Error: apiError{Code: "invalid",
			VI: "dữ liệu không hợp lệ", EN: "invalid data"}, Problems: ps})
	case errors.Is(err, results.ErrInvalid):
		a.fail(w, r, http.StatusBadRequest, "invalid", "dữ liệu không hợp lệ", "invalid data", nil)
	case errors.Is(err, results.ErrDuplicate):
		a.fail(w, r, http.StatusConflict, "duplicate", "mã kết quả đã tồn tại trong cơ quan", "the office already has a result with this code", nil)
	case errors.Is(err, results.ErrFinal):
		a.fail(w, r, http.StatusConflict, "final", "kết quả đã bị thu hồi hoặc thay thế", "the result is already revoked or replaced", nil)
	case errors.Is(err, catalog.ErrNotFound):
		a.fail(w, r, http.StatusNotFound, "not_found", strings.TrimSpace("không tìm thấy "+what.vi), strings.TrimSpace(what.en+" not found"), nil)
	default:
		a.fail(w, r, http.StatusInternalServerError, "internal", "lỗi hệ thống", "internal error", err)
	}
}

// decode reads a JSON body into v, refusing unknown fields.
func (a *Archive) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if tooLarge(w, err) {
			return false
		}
		a.fail(w, r, http.StatusBadRequest, "bad_request", "JSON không hợp lệ: "+err.Error(), "invalid JSON: "+err.Error(), nil)
		return false
	}
	return true
}

// office picks the office a new record goes to: the one asked for, if the
// caller may see it, else the caller's own.
func (a *Archive) office(w http.ResponseWriter, r *http.Request, asked string) (string, bool) {
	p := PrincipalFrom(r.Context())
	switch {
	case asked != "" && !p.CanSee(asked):
		a.fail(w, r, http.StatusForbidden, "forbidden", "khóa API không được ghi cho cơ quan "+asked, "the API key may not write for office "+asked, nil)
		return "", false
	case asked != "":
		return asked, true
	case p.OfficeID == "":
		a.fail(w, r, http.StatusBadRequest, "bad_request", "khóa API không thuộc cơ quan nào: hãy ghi office_id", "the API key has no office: give office_id", nil)
		return "", false
	}
	return p.OfficeID, true
}

func (a *Archive) createBatch(s *Server) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Name     string `json:"name"`
			OfficeID string `json:"office_id"`
		}
		if !a.decode(w, r, &req) {
			return
		}
		if req.Name == "" {
			a.fail(w, r, http.StatusBadRequest, "bad_request", `cần JSON {"name": "..."} với tên lô`, `expected JSON {"name": "..."} naming the batch`, nil)
			return
		}
		office, ok := a.office(w, r, req.OfficeID)
		if !ok {
			return
		}
		ctx := r.Context()
		b, err := s.Catalog.EnsureBatch(ctx, ingest.BatchID(req.Name), req.Name)
		if err != nil {
			a.failErr(w, r, noun{"lô", "batch"}, err)
			return
		}
		owner, err := a.DB.ClaimBatchOffice(ctx, b.ID, office)
		if err != nil {
			a.failErr(w, r, noun{"lô", "batch"}, err)
			return
		}
		if !PrincipalFrom(ctx).CanSee(owner) {
			a.fail(w, r, http.StatusConflict, "name_taken", "tên lô đã được cơ quan khác dùng", "another office already uses this batch name", nil)
			return
		}
		out, err := s.batch(ctx, b)
		if err != nil {
			a.failErr(w, r, noun{"lô", "batch"}, err)
			return
		}
		writeJSON(w, http.StatusOK, out)
	}
}

func (a *Archive) getDocument(s *Server) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		d, err := s.Catalog.Document(ctx, r.PathValue("id"))
		if err != nil {
			a.failErr(w, r, noun{"tài liệu", "document"}, err)
			return
		}
		view, err := s.document(ctx, d)
		if err != nil {
			a.failErr(w, r, noun{"tài liệu", "document"}, err)
			return
		}
		val, err := a.validity(ctx, d.ID)
		if err != nil {
			a.failErr(w, r, noun{"tài liệu", "document"}, err)
			return
		}
		writeJSON(w, http.StatusOK, DocumentView{Document: view, Results: val})
	}
}

// getPDF streams a signed PDF, after writing the fetch to the audit log
// (no audit entry, no PDF).
func (a *Archive) getPDF(s *Server) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		d, err := s.Catalog.Document(ctx, r.PathValue("id"))
		if err != nil {
			a.failErr(w, r, noun{"tài liệu", "document"}, err)
			return
		}
		if d.Status != catalog.DocSigned {
			a.fail(w, r, http.StatusConflict, "not_signed",
				fmt.Sprintf("tài liệu chưa được ký (trạng thái: %s)", d.Status),
				fmt.Sprintf("the document is not signed yet (status: %s)", d.Status), nil)
			return
		}
		rg, ok := auditRange(w, r)
		if !ok {
			return
		}
		office, ok := officeFrom(ctx)
		if !ok {
			office, err = a.DB.DocumentOffice(ctx, d.ID)
		}
		if err == nil {
			detail := map[string]string{"sha256": d.SignedSHA256}
			if rg != "" {
				detail["range"] = rg
			}
			_, err = a.DB.Audit(ctx, catalog.AuditEntry{Actor: PrincipalFrom(ctx).Actor(), OfficeID: office,
				Action: catalog.AuditPDFFetch, Subject: d.ID, Detail: mustMarshal(detail)})
		}
		if err != nil {
			a.fail(w, r, http.StatusServiceUnavailable, "audit", "không ghi được nhật ký kiểm toán, hãy thử lại",
				"the fetch could not be written to the audit log; try again", err)
			return
		}
		info := storage.Info{Key: d.SignedKey, SHA256: d.SignedSHA256, Size: d.SignedSize}
		if err := ServeBlob(w, r, s.Store, info, "application/pdf", d.ID+".pdf"); err != nil {
			a.log().Error("api: stream pdf", "document", d.ID, "err", err)
		}
	}
}

func mustMarshal(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// ResultRequest creates a result. From a digitized document, empty
// number_symbol, issuer, issue_date and name are taken from the
// document's extracted metadata.
type ResultRequest struct {
	Code          string   `json:"code"`
	OfficeID      string   `json:"office_id,omitempty"`
	OwnerID       string   `json:"owner_id"`
	ProcedureCode string   `json:"procedure_code"`
	Name          string   `json:"name,omitempty"`
	NumberSymbol  string   `json:"number_symbol,omitempty"`
	Issuer        string   `json:"issuer,omitempty"`
	IssueDate     string   `json:"issue_date,omitempty"`
	ValidUntil    string   `json:"valid_until,omitempty"`
	DocumentIDs   []string `json:"document_ids,omitempty"`
	Reason        string   `json:"reason,omitempty"`
}

func (q ResultRequest) result(office string) results.Result {
	return results.Result{Code: q.Code, OfficeID: office, OwnerID: q.OwnerID, ProcedureCode: q.ProcedureCode,
		Name: q.Name, NumberSymbol: q.NumberSymbol, Issuer: q.Issuer, IssueDate: q.IssueDate,
		ValidUntil: q.ValidUntil, DocumentIDs: q.DocumentIDs}
}

// checkDocuments answers 404 unless the caller may see every document.
func (a *Archive) checkDocuments(w http.ResponseWriter, r *http.Request, ids []string) bool {
	p := PrincipalFrom(r.Context())
	for _, id := range ids {
		office, err := a.DB.DocumentOffice(r.Context(), id)
		if err == nil && !p.CanSee(office) {
			err = catalog.ErrNotFound
		}
		if err != nil {
			a.failErr(w, r, noun{"tài liệu " + id, "document " + id}, err)
			return false
		}
	}
	return true
}

func (a *Archive) createResult(w http.ResponseWriter, r *http.Request) {
	var req ResultRequest
	if !a.decode(w, r, &req) {
		return
	}
	office, ok := a.office(w, r, req.OfficeID)
	if !ok || !a.checkDocuments(w, r, req.DocumentIDs) {
		return
	}
	reason := req.Reason
	if reason == "" {
		reason = "tạo qua API / created through the API"
	}
	res, err := a.DB.CreateResult(r.Context(), req.result(office), results.Event{Actor: PrincipalFrom(r.Context()).Actor(), Reason: reason})
	if err != nil {
		a.failErr(w, r, noun{"kết quả", "result"}, err)
		return
	}
	writeJSON(w, http.StatusCreated, a.view(res))
}

// resultFromDocument: the archivist confirms or corrects the metadata
// extracted from a digitized document and makes it a result.
func (a *Archive) resultFromDocument(s *Server) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		var req ResultRequest
		if !a.decode(w, r, &req) {
			return
		}
		d, err := s.Catalog.Document(ctx, r.PathValue("id"))
		if err != nil {
			a.failErr(w, r, noun{"tài liệu", "document"}, err)
			return
		}
		office, err := a.DB.DocumentOffice(ctx, d.ID)
		if err != nil {
			a.failErr(w, r, noun{"tài liệu", "document"}, err)
			return
		}
		if office == "" || req.OfficeID != "" {
			var ok bool
			if office, ok = a.office(w, r, req.OfficeID); !ok {
				return
			}
		}
		if !a.checkDocuments(w, r, req.DocumentIDs) {
			return
		}
		res, changes, err := results.FromDocument(d.ID, d.Metadata, req.result(office))
		if err != nil {
			a.failErr(w, r, noun{"kết quả", "result"}, err)
			return
		}
		reason := req.Reason
		if reason == "" {
			reason = "xác nhận siêu dữ liệu của tài liệu số hóa " + d.ID + " / metadata of digitized document " + d.ID + " confirmed"
		}
		res, err = a.DB.CreateResult(ctx, res, results.Event{Actor: PrincipalFrom(ctx).Actor(), Reason: reason, Changes: changes})
		if err != nil {
			a.failErr(w, r, noun{"kết quả", "result"}, err)
			return
		}
		writeJSON(w, http.StatusCreated, a.view(res))
	}
}

// importResults takes a register as CSV (text/csv body) into the
// caller's office (or ?office_id=) and answers with the report.
func (a *Archive) importResults(w http.ResponseWriter, r *http.Request) {
	office, ok := a.office(w, r, r.URL.Query().Get("office_id"))
	if !ok {
		return
	}
	limit := a.MaxImportBytes
	if limit <= 0 {
		limit = 64 << 20
	}
	body := http.MaxBytesReader(w, r.Body, limit)
	rep, err := results.ImportCSV(r.Context(), body, office, PrincipalFrom(r.Context()).Actor(), a.DB)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		a.fail(w, r, http.StatusRequestEntityTooLarge, "too_large",
			fmt.Sprintf("tệp CSV lớn quá %d byte; %d dòng đầu đã được nhập", limit, rep.Rows),
			fmt.Sprintf("the CSV is over %d bytes; its first %d rows were imported", limit, rep.Rows), nil)
	case err != nil && (rep.Rows > 0 || errors.Is(err, context.Canceled)):
		a.fail(w, r, http.StatusInternalServerError, "internal", "nhập dở dang do lỗi hệ thống", "import stopped by a system error", err)
	case err != nil:
		a.fail(w, r, http.StatusBadRequest, "bad_csv", err.Error(), err.Error(), nil)
	default:
		writeJSON(w, http.StatusOK, rep)
	}
}

func (a *Archive) getResult(w http.ResponseWriter, r *http.Request) {
	res, err := a.DB.Result(r.Context(), r.PathValue("id"))
	if err != nil {
		a.failErr(w, r, noun{"kết quả", "result"}, err)
		return
	}
	writeJSON(w, http.StatusOK, a.view(res))
}

// CorrectionRequest corrects a result: absent fields stay as they are.
type CorrectionRequest struct {
	Code           *string  `json:"code,omitempty"`
	OwnerID        *string  `json:"owner_id,omitempty"`
	ProcedureCode  *string  `json:"procedure_code,omitempty"`
	Name           *string  `json:"name,omitempty"`
	NumberSymbol   *string  `json:"number_symbol,omitempty"`
	Issuer         *string  `json:"issuer,omitempty"`
	IssueDate      *string  `json:"issue_date,omitempty"`
	ValidUntil     *string  `json:"valid_until,omitempty"`
	AddDocumentIDs []string `json:"add_document_ids,omitempty"`
	Reason         string   `json:"reason"`
}

func (a *Archive) correctResult(w http.ResponseWriter, r *http.Request) {
	var req CorrectionRequest
	if !a.decode(w, r, &req) || !a.checkDocuments(w, r, req.AddDocumentIDs) {
		return
	}
	p := results.Patch{Code: req.Code, OwnerID: req.OwnerID, ProcedureCode: req.ProcedureCode, Name: req.Name,
		NumberSymbol: req.NumberSymbol, Issuer: req.Issuer, IssueDate: req.IssueDate, ValidUntil: req.ValidUntil,
		AddDocuments: req.AddDocumentIDs}
	res, err := a.DB.CorrectResult(r.Context(), r.PathValue("id"), p, PrincipalFrom(r.Context()).Actor(), req.Reason)
	if err != nil {
		a.failErr(w, r, noun{"kết quả", "result"}, err)
		return
	}
	writeJSON(w, http.StatusOK, a.view(res))
}

// StatusRequest revokes or replaces a result.
type StatusRequest struct {
	ReplacedBy string `json:"replaced_by,omitempty"`
	Reason     string `json:"reason"`
}

func (a *Archive) revokeResult(w http.ResponseWriter, r *http.Request) {
	var req StatusRequest
	if !a.decode(w, r, &req) {
		return
	}
	res, err := a.DB.RevokeResult(r.Context(), r.PathValue("id"), PrincipalFrom(r.Context()).Actor(), req.Reason)
	if err != nil {
		a.failErr(w, r, noun{"kết quả", "result"}, err)
		return
	}
	a.statusChanged(r.Context(), res)
	writeJSON(w, http.StatusOK, a.view(res))
}

func (a *Archive) replaceResult(w http.ResponseWriter, r *http.Request) {
	var req StatusRequest
	if !a.decode(w, r, &req) {
		return
	}
	ctx := r.Context()
	if req.ReplacedBy != "" {
		office, err := a.DB.ResultOffice(ctx, req.ReplacedBy)
		if err == nil && !PrincipalFrom(ctx).CanSee(office) {
			err = catalog.ErrNotFound
		}
		if errors.Is(err, catalog.ErrNotFound) {
			writeJSON(w, http.StatusBadRequest, errorBody{Error: apiError{Code: "invalid", VI: "dữ liệu không hợp lệ", EN: "invalid data"},
				Problems: []results.Problem{{Field: "replaced_by", VI: "không có kết quả " + req.ReplacedBy, EN: "no result " + req.ReplacedBy}}})
			return
		}
		if err != nil {
			a.failErr(w, r, noun{"kết quả", "result"}, err)
			return
		}
	}
	res, err := a.DB.ReplaceResult(ctx, r.PathValue("id"), req.ReplacedBy, PrincipalFrom(ctx).Actor(), req.Reason)
	if err != nil {
		a.failErr(w, r, noun{"kết quả", "result"}, err)
		return
	}
	a.statusChanged(ctx, res)
	writeJSON(w, http.StatusOK, a.view(res))
}

func (a *Archive) resultHistory(w http.ResponseWriter, r *http.Request) {
	evs, err := a.DB.ResultHistory(r.Context(), r.PathValue("id"))
	if err != nil {
		a.failErr(w, r, noun{"kết quả", "result"}, err)
		return
	}
	if evs == nil {
		evs = []results.Event{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": evs})
}

// LookupRequest asks for results in the shape of the national data
// store's integration model (field names are the portal's).
type LookupRequest struct {
	OwnerID       string   `json:"SoDinhDanhChuSoHuu"`
	ProcedureCode string   `json:"MaThuTuc,omitempty"`
	Codes         []string `json:"DanhSachMaKetQua,omitempty"`
	Numbers       []string `json:"DanhSachSoKyHieu,omitempty"`
	Cursor        string   `json:"Cursor,omitempty"`
	Limit         int      `json:"Limit,omitempty"`
}

// maxLookupKeys bounds the codes, and the numbers, of one lookup: the
// databases' limits on query parameters are far above it, and a portal
// asking for more pages through them.
const maxLookupKeys = 1000

// LookupResult is one result in a lookup's answer.
type LookupResult struct {
	ID            string           `json:"Id"`
	Code          string           `json:"MaKetQua"`
	OwnerID       string           `json:"SoDinhDanhChuSoHuu"`
	ProcedureCode string           `json:"MaThuTuc"`
	Name          string           `json:"TenGiayTo"`
	NumberSymbol  string           `json:"SoKyHieu"`
	Issuer        string           `json:"CoQuanBanHanh"`
	IssueDate     string           `json:"NgayBanHanh"`
	ValidUntil    string           `json:"HieuLucDen,omitempty"`
	Status        string           `json:"TrangThai"` // valid, expired, revoked, replaced
	Valid         bool             `json:"ConHieuLuc"`
	ReplacedBy    string           `json:"ThayTheBoi,omitempty"`
	Files         []LookupDocument `json:"TepDinhKem"`
}

// LookupDocument is a linked signed PDF.
type LookupDocument struct {
	DocumentID string `json:"MaTaiLieu"`
	URL        string `json:"DuongDan"`
}

// LookupResponse is one page of a lookup.
type LookupResponse struct {
	Results    []LookupResult `json:"KetQua"`
	NextCursor string         `json:"NextCursor,omitempty"`
}

func (a *Archive) lookup(w http.ResponseWriter, r *http.Request) {
	var req LookupRequest
	if !a.decode(w, r, &req) {
		return
	}
	var ps []results.Problem
	if len(req.Codes) > maxLookupKeys {
		ps = append(ps, results.Problem{Field: "DanhSachMaKetQua", VI: fmt.Sprintf("tối đa %d mã kết quả mỗi lần", maxLookupKeys),
			EN: fmt.Sprintf("at most %d result codes at a time", maxLookupKeys)})
	}
	if len(req.Numbers) > maxLookupKeys {
		ps = append(ps, results.Problem{Field: "DanhSachSoKyHieu", VI: fmt.Sprintf("tối đa %d số, ký hiệu mỗi lần", maxLookupKeys),
			EN: fmt.Sprintf("at most %d numbers at a time", maxLookupKeys)})
	}
	if len(ps) > 0 {
		writeJSON(w, http.StatusBadRequest, errorBody{Error: apiError{Code: "invalid", VI: "dữ liệu không hợp lệ", EN: "invalid data"}, Problems: ps})
		return
	}
	rs, next, err := a.DB.LookupResults(r.Context(), catalog.ResultQuery{OwnerID: req.OwnerID, ProcedureCode: req.ProcedureCode,
		Codes: req.Codes, Numbers: req.Numbers, Offices: PrincipalFrom(r.Context()).Visible(), Limit: req.Limit, Cursor: req.Cursor})
	if err != nil {
		a.failErr(w, r, noun{"kết quả", "result"}, err)
		return
	}
	out := LookupResponse{Results: []LookupResult{}, NextCursor: next}
	for _, res := range rs {
		v := a.view(res)
		lr := LookupResult{ID: v.ID, Code: v.Code, OwnerID: v.OwnerID, ProcedureCode: v.ProcedureCode, Name: v.Name,
			NumberSymbol: v.NumberSymbol, Issuer: v.Issuer, IssueDate: v.IssueDate, ValidUntil: v.ValidUntil,
			Status: v.Status, Valid: v.Valid, ReplacedBy: v.ReplacedBy, Files: []LookupDocument{}}
		for _, id := range v.DocumentIDs {
			lr.Files = append(lr.Files, LookupDocument{DocumentID: id, URL: "/v1/documents/" + id + "/pdf"})
		}
		out.Results = append(out.Results, lr)
	}
	writeJSON(w, http.StatusOK, out)
}

// SearchHit is a document found by search, with its results' validity.
type SearchHit struct {
	DocumentID  string     `json:"document_id"`
	DocumentURL string     `json:"document_url"`
	Snippet     string     `json:"snippet"`
	Rank        float64    `json:"rank"`
	Results     []Validity `json:"results"`
}

// SearchResponse is one page of search hits.
type SearchResponse struct {
	Hits       []SearchHit `json:"hits"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

func (a *Archive) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sq := catalog.SearchQuery{Text: q.Get("q"), Issuer: q.Get("issuer"), Type: q.Get("type"),
		Today: results.Today(a.now()), Offices: PrincipalFrom(r.Context()).Visible()}
	var ps results.Problems
	for _, f := range []struct {
		name string
		dst  *string
	}{{"from", &sq.From}, {"to", &sq.To}} {
		if v := q.Get(f.name); v != "" {
			d, err := results.ParseDate(v)
			if err != nil {
				ps = append(ps, results.Problem{Field: f.name, VI: "ngày không hợp lệ", EN: "invalid date"})
			}
			*f.dst = d
		}
	}
	if v := q.Get("status"); v != "" {
		st, err := results.ParseStatus(v)
		if err != nil {
			ps = append(ps, results.Problem{Field: "status", VI: "trạng thái không hợp lệ (valid, expired, revoked, replaced)", EN: "invalid status (valid, expired, revoked, replaced)"})
		}
		sq.Status = st
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			ps = append(ps, results.Problem{Field: "limit", VI: "limit phải từ 1 đến 200", EN: "limit must be 1 to 200"})
		}
		sq.Limit = n
	}
	if v := q.Get("cursor"); v != "" {
		b, err := base64.RawURLEncoding.DecodeString(v)
		n, err2 := strconv.Atoi(string(b))
		if err != nil || err2 != nil || n < 0 {
			ps = append(ps, results.Problem{Field: "cursor", VI: "con trỏ trang không hợp lệ", EN: "invalid cursor"})
		}
		sq.Offset = n
	}
	if len(ps) > 0 {
		a.failErr(w, r, noun{}, ps)
		return
	}
	hits, more, err := a.DB.SearchDocuments(r.Context(), sq)
	if err != nil {
		a.failErr(w, r, noun{"tài liệu", "document"}, err)
		return
	}
	out := SearchResponse{Hits: []SearchHit{}}
	for _, h := range hits {
		val, err := a.validity(r.Context(), h.DocumentID)
		if err != nil {
			a.failErr(w, r, noun{"tài liệu", "document"}, err)
			return
		}
		out.Hits = append(out.Hits, SearchHit{DocumentID: h.DocumentID, DocumentURL: "/v1/documents/" + h.DocumentID,
			Snippet: h.Snippet, Rank: h.Rank, Results: val})
	}
	if more {
		limit := sq.Limit
		if limit == 0 {
			limit = 20
		}
		out.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(sq.Offset + limit)))
	}
	writeJSON(w, http.StatusOK, out)
}

// AuditPage is one page of the audit log.
type AuditPage struct {
	Entries []catalog.AuditEntry `json:"entries"`
	// NextAfter is the after= of the next page; 0 after the last.
	NextAfter int64 `json:"next_after,omitempty"`
	// NextCursor is the cursor= of the next page, as on every list.
	NextCursor string `json:"next_cursor,omitempty"`
}

func (a *Archive) auditLog(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	aq := catalog.AuditQuery{Actor: q.Get("actor"), Action: q.Get("action"), Subject: q.Get("subject"),
		Offices: PrincipalFrom(r.Context()).Visible(), Limit: 100}
	var ps results.Problems
	after := q.Get("after")
	if c := q.Get("cursor"); c != "" {
		b, err := base64.RawURLEncoding.DecodeString(c)
		if err != nil || len(b) == 0 {
			ps = append(ps, catalog.ErrBadCursor...)
		}
		after = string(b)
	}
	if v := after; v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			ps = append(ps, results.Problem{Field: "after", VI: "after phải là số thứ tự", EN: "after must be a sequence number"})
		}
		aq.AfterSeq = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			ps = append(ps, results.Problem{Field: "limit", VI: "limit phải từ 1 đến 1000", EN: "limit must be 1 to 1000"})
		}
		aq.Limit = n
	}
	if len(ps) > 0 {
		a.failErr(w, r, noun{}, ps)
		return
	}
	es, err := a.DB.AuditLog(r.Context(), aq)
	if err != nil {
		a.failErr(w, r, noun{"nhật ký kiểm toán", "audit log"}, err)
		return
	}
	out := AuditPage{Entries: es}
	if out.Entries == nil {
		out.Entries = []catalog.AuditEntry{}
	}
	if len(es) == aq.Limit {
		out.NextAfter = es[len(es)-1].Seq
		out.NextCursor = catalog.EncodeCursor(strconv.FormatInt(out.NextAfter, 10))
	}
	writeJSON(w, http.StatusOK, out)
}

// AuditCheck is the answer of the audit log's verification.
type AuditCheck struct {
	OK    bool              `json:"ok"`
	Head  catalog.AuditHead `json:"head"` // the last entry that checked out
	Error *apiError         `json:"error,omitempty"`
}

func (a *Archive) verifyAudit(w http.ResponseWriter, r *http.Request) {
	var anchors []catalog.AuditHead
	if v := r.URL.Query().Get("anchor"); v != "" { // "seq:hash"
		seq, h, _ := strings.Cut(v, ":")
		n, err := strconv.ParseInt(seq, 10, 64)
		if err != nil || len(h) != 64 {
			a.failErr(w, r, noun{}, results.Problems{{Field: "anchor", VI: "anchor phải là seq:hash", EN: "anchor must be seq:hash"}})
			return
		}
		anchors = append(anchors, catalog.AuditHead{Seq: n, Hash: h})
	}
	head, err := a.DB.VerifyAudit(r.Context(), anchors...)
	switch {
	case errors.Is(err, catalog.ErrAuditBroken):
		writeJSON(w, http.StatusConflict, AuditCheck{Head: head, Error: &apiError{Code: "audit_broken",
			VI: "nhật ký kiểm toán bị sửa hoặc xóa: " + err.Error(), EN: "the audit log was altered: " + err.Error()}})
	case err != nil:
		a.failErr(w, r, noun{"nhật ký kiểm toán", "audit log"}, err)
	default:
		writeJSON(w, http.StatusOK, AuditCheck{OK: true, Head: head})
	}
}
