package api

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/sohoa-vn/sohoa/aip"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// ReportDB is what batch reports and archival exports read of the catalog.
type ReportDB interface {
	Batch(ctx context.Context, id string) (catalog.Batch, error)
	BatchPages(ctx context.Context, batchID string) iter.Seq2[catalog.PageRow, error]
	BatchPageRows(ctx context.Context, batchID, after string, limit int) ([]catalog.PageRow, error)
	BatchOffice(ctx context.Context, batchID string) (string, error)
	DocumentOffice(ctx context.Context, documentID string) (string, error)
	Audit(ctx context.Context, e catalog.AuditEntry) (catalog.AuditEntry, error)
}

// Reports serves a batch's page-by-page report (CSV, and JSON in pages)
// and archival packages (AIP, BagIt) of batches and dossiers. Every
// answer is streamed: a batch of a million pages is never in memory.
type Reports struct {
	DB     ReportDB
	Export *aip.Exporter
	Log    *slog.Logger
}

func (rp *Reports) log() *slog.Logger {
	if rp.Log != nil {
		return rp.Log
	}
	return slog.Default()
}

func (rp *Reports) fail(w http.ResponseWriter, r *http.Request, status int, code, vi, en string, err error) {
	if err != nil {
		rp.log().Error("api", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	writeJSON(w, status, map[string]apiError{"error": {Code: code, VI: vi, EN: en}})
}

func (rp *Reports) failLookup(w http.ResponseWriter, r *http.Request, what noun, err error) {
	if errors.Is(err, catalog.ErrNotFound) {
		rp.fail(w, r, http.StatusNotFound, "not_found", strings.TrimSpace("không tìm thấy "+what.vi), strings.TrimSpace(what.en+" not found"), nil)
		return
	}
	rp.fail(w, r, http.StatusInternalServerError, "internal", "lỗi hệ thống", "internal error", err)
}

// abort ends a response whose status is already sent: the client sees a
// broken transfer, never a complete-looking but truncated file.
func (rp *Reports) abort(r *http.Request, err error) {
	rp.log().Error("api: stream aborted", "method", r.Method, "path", r.URL.Path, "err", err)
	panic(http.ErrAbortHandler)
}

// PageRow is one page of a batch report as the API shows it.
type PageRow struct {
	PageID         string  `json:"page_id"`
	DocumentID     string  `json:"document_id"`
	SourceName     string  `json:"source_name"`
	Seq            int     `json:"seq"`
	Status         string  `json:"status"`
	Error          string  `json:"error,omitempty"`
	Confidence     float64 `json:"confidence"`
	TextLength     int     `json:"text_length"`
	Width          int     `json:"width,omitempty"`
	Height         int     `json:"height,omitempty"`
	DPI            int     `json:"dpi,omitempty"`
	SHA256         string  `json:"sha256,omitempty"`
	QC             string  `json:"qc,omitempty"`       // quality flags, comma-separated
	QCState        string  `json:"qc_state,omitempty"` // pending (waits for review), accepted
	DocumentStatus string  `json:"document_status"`
	DocumentError  string  `json:"document_error,omitempty"`
}

func pageRow(p catalog.PageRow) PageRow {
	return PageRow{PageID: p.PageID, DocumentID: p.DocumentID, SourceName: p.SourceName, Seq: p.Seq,
		Status: string(p.Status), Error: p.Error, Confidence: p.Confidence, TextLength: p.TextLen,
		Width: p.Width, Height: p.Height, DPI: p.DPI, SHA256: p.SHA256,
		QC: strings.Join(p.QC, ","), QCState: string(p.QCState),
		DocumentStatus: string(p.DocStatus), DocumentError: p.DocError}
}

// PageList is one page of a batch's page rows; Next, when set, is the
// after= cursor of the following one.
type PageList struct {
	Pages []PageRow `json:"pages"`
	Next  string    `json:"next,omitempty"`
	// NextCursor is the cursor= of the following page, as on every list.
	NextCursor string `json:"next_cursor,omitempty"`
}

// ReportCSVHeader is the first line of a batch's CSV report.
var ReportCSVHeader = []string{"page_id", "document_id", "source_name", "seq", "status", "error",
	"confidence", "text_length", "width", "height", "dpi", "sha256", "qc", "qc_state", "document_status", "document_error"}

func (rp *Reports) reportCSV(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	if _, err := rp.DB.Batch(ctx, id); err != nil {
		rp.failLookup(w, r, noun{"lô", "batch"}, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-report.csv"`, id))
	if r.URL.Query().Get("excel") == "1" {
		io.WriteString(w, "\uFEFF") // a BOM, so Excel reads the Vietnamese as UTF-8
	}
	cw := csv.NewWriter(w)
	cw.Write(ReportCSVHeader)
	n := 0
	for p, err := range rp.DB.BatchPages(ctx, id) {
		if err != nil {
			rp.abort(r, err)
		}
		cw.Write([]string{cell(p.PageID), cell(p.DocumentID), cell(p.SourceName), strconv.Itoa(p.Seq), string(p.Status), cell(p.Error),
			strconv.FormatFloat(p.Confidence, 'f', 4, 64), strconv.Itoa(p.TextLen),
			strconv.Itoa(p.Width), strconv.Itoa(p.Height), strconv.Itoa(p.DPI), p.SHA256,
			cell(strings.Join(p.QC, ",")), string(p.QCState), string(p.DocStatus), cell(p.DocError)})
		if n++; n%500 == 0 {
			cw.Flush()
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		rp.log().Warn("api: report.csv", "batch", id, "err", err)
	}
}

// cell keeps a spreadsheet from reading a text cell as a formula: one
// that starts with = + - @ (or a tab or carriage return, which some
// spreadsheets skip before looking) gets a leading apostrophe, as OWASP
// advises against CSV injection. File names and error messages come from
// scanners' folders and users.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func (rp *Reports) pages(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	limit := 500
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 5000 {
			rp.fail(w, r, http.StatusBadRequest, "bad_request", "limit phải từ 1 đến 5000", "limit must be 1 to 5000", nil)
			return
		}
		limit = n
	}
	if _, err := rp.DB.Batch(ctx, id); err != nil {
		rp.failLookup(w, r, noun{"lô", "batch"}, err)
		return
	}
	after, ok := afterOrCursor(w, r)
	if !ok {
		return
	}
	rows, err := rp.DB.BatchPageRows(ctx, id, after, limit+1)
	if err != nil {
		rp.failLookup(w, r, noun{"lô", "batch"}, err)
		return
	}
	out := PageList{Pages: []PageRow{}}
	for i, p := range rows {
		if i == limit {
			out.Next = rows[limit-1].PageID
			out.NextCursor = catalog.EncodeCursor(out.Next)
			break
		}
		out.Pages = append(out.Pages, pageRow(p))
	}
	writeJSON(w, http.StatusOK, out)
}

// AIPRequest asks for the archival package of a dossier.
type AIPRequest struct {
	DocumentIDs []string `json:"document_ids"`
	ID          string   `json:"id,omitempty"`     // the archive file code; derived when empty
	Title       string   `json:"title,omitempty"`  // the dossier's title
	Format      string   `json:"format,omitempty"` // tar (default) or zip
	Bag         bool     `json:"bag,omitempty"`    // wrap in a BagIt bag
}

func (rp *Reports) batchAIP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	bag, _ := strconv.ParseBool(q.Get("bag"))
	sel := aip.Selection{BatchID: r.PathValue("id"), ID: q.Get("package_id"), Title: q.Get("title"), Bag: bag}
	office, err := rp.DB.BatchOffice(r.Context(), sel.BatchID)
	if err != nil {
		rp.failLookup(w, r, noun{"lô", "batch"}, err)
		return
	}
	rp.export(w, r, sel, q.Get("format"), []string{office})
}

func (rp *Reports) dossierAIP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var req AIPRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil || len(req.DocumentIDs) == 0 {
		rp.fail(w, r, http.StatusBadRequest, "bad_request",
			"cần JSON có document_ids (danh sách mã tài liệu)", "a JSON body with document_ids is required", nil)
		return
	}
	if len(req.DocumentIDs) > 10000 {
		rp.fail(w, r, http.StatusBadRequest, "bad_request", "tối đa 10000 tài liệu", "at most 10000 documents", nil)
		return
	}
	p := PrincipalFrom(ctx)
	var offices []string // each office whose documents leave: each one's auditor sees the export
	for _, id := range req.DocumentIDs {
		office, err := rp.DB.DocumentOffice(ctx, id)
		if err == nil && !p.CanSee(office) {
			err = catalog.ErrNotFound // as if it did not exist
		}
		if err != nil {
			rp.failLookup(w, r, noun{"tài liệu " + id, "document " + id}, err)
			return
		}
		if !slices.Contains(offices, office) {
			offices = append(offices, office)
		}
	}
	rp.export(w, r, aip.Selection{DocumentIDs: req.DocumentIDs, ID: req.ID, Title: req.Title, Bag: req.Bag}, req.Format, offices)
}

// export streams the package of sel as a tar or zip, after checking it
// holds something and recording the export in the audit log, once for
// each of the offices whose records it holds.
func (rp *Reports) export(w http.ResponseWriter, r *http.Request, sel aip.Selection, format string, offices []string) {
	ctx := r.Context()
	var newWriter func(io.Writer) aip.Writer
	switch format {
	case "", "tar":
		format, newWriter = "tar", aip.NewTar
	case "zip":
		newWriter = aip.NewZip
	default:
		rp.fail(w, r, http.StatusBadRequest, "bad_request", "format phải là tar hoặc zip", "format must be tar or zip", nil)
		return
	}
	id := aip.PackageID(sel)
	if err := rp.Export.Check(ctx, sel); errors.Is(err, aip.ErrBadSelection) {
		rp.fail(w, r, http.StatusBadRequest, "bad_request", "mã gói không hợp lệ (chữ, số, - _ .)", "invalid package id (letters, digits, - _ .)", nil)
		return
	} else if errors.Is(err, aip.ErrEmpty) {
		rp.fail(w, r, http.StatusConflict, "nothing_signed",
			"chưa có tài liệu nào đã ký số để xuất", "no signed document to export yet", nil)
		return
	} else if err != nil {
		rp.failLookup(w, r, noun{"lô hoặc tài liệu", "batch or document"}, err)
		return
	}
	for _, office := range offices {
		if _, err := rp.DB.Audit(ctx, catalog.AuditEntry{Actor: PrincipalFrom(ctx).Actor(), OfficeID: office,
			Action: catalog.AuditAIPExport, Subject: id,
			Detail: mustMarshal(map[string]any{"batch_id": sel.BatchID, "document_ids": sel.DocumentIDs, "format": format, "bag": sel.Bag})}); err != nil {
			rp.fail(w, r, http.StatusServiceUnavailable, "audit", "không ghi được nhật ký kiểm toán, hãy thử lại",
				"the export could not be written to the audit log; try again", err)
			return
		}
	}
	w.Header().Set("Content-Type", map[string]string{"tar": "application/x-tar", "zip": "application/zip"}[format])
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"`, id, format))
	sum, err := rp.Export.Export(ctx, sel, newWriter(w))
	if err != nil {
		rp.abort(r, err)
	}
	rp.log().Info("archival package exported", "id", sum.ID, "documents", sum.Documents, "files", sum.Files,
		"bytes", sum.Bytes, "skipped", len(sum.Skipped))
}
