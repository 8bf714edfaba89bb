package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/ingest"
	"github.com/sohoa-vn/sohoa/storage/catalog"
	"github.com/sohoa-vn/sohoa/storage/localfs"
)

type archiveEnv struct {
	t      *testing.T
	srv    *httptest.Server
	db     *catalog.DB
	store  *localfs.Store
	tokens map[string]string
}

// newArchive serves every route behind Authenticate on a SQLite catalog,
// with keys: archivist, clerk, auditor of office px1; system with every
// office; archivist2 and auditor2 of office px2.
func newArchive(t *testing.T, now time.Time) *archiveEnv {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := catalog.Open(ctx, "sqlite:"+filepath.Join(dir, "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	store, err := localfs.New(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	e := &archiveEnv{t: t, db: db, store: store, tokens: map[string]string{}}
	for name, k := range map[string]catalog.APIKey{
		"archivist":  {Scopes: []string{"archivist"}, OfficeID: "px1"},
		"clerk":      {Scopes: []string{"clerk"}, OfficeID: "px1"},
		"auditor":    {Scopes: []string{"auditor"}, OfficeID: "px1"},
		"system":     {Scopes: []string{"system"}, Offices: []string{"*"}},
		"archivist2": {Scopes: []string{"archivist"}, OfficeID: "px2"},
		"auditor2":   {Scopes: []string{"auditor"}, OfficeID: "px2"},
	} {
		k.Name = name
		tok, _, err := db.CreateAPIKey(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[name] = tok
	}
	a := &Archive{DB: db, Now: func() time.Time { return now }}
	e.srv = httptest.NewServer(Authenticate(db, nil)(NewMux(Routes(&Server{Catalog: db, Store: store}, a))))
	t.Cleanup(e.srv.Close)
	return e
}

// do calls the API as who and decodes a JSON answer into out (if not nil).
func (e *archiveEnv) do(who, method, path string, body any, out any, hdr ...string) *http.Response {
	e.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		r = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, r)
	req.Header.Set("Authorization", "Bearer "+e.tokens[who])
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	if out != nil && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
	return resp
}

func (e *archiveEnv) expect(resp *http.Response, status int) {
	e.t.Helper()
	if resp.StatusCode != status {
		b, _ := io.ReadAll(resp.Body)
		e.t.Fatalf("%s %s: %d, want %d: %s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, status, b)
	}
}

// signedDoc records a signed document in batch with metadata, text and a PDF.
func (e *archiveEnv) signedDoc(batch, id, meta, text string, pdf []byte) {
	e.t.Helper()
	ctx := context.Background()
	db := e.db
	pages := []catalog.Page{{ID: id + "-p1", Seq: 1, BlobKey: "pages/" + id, SHA256: "ff", Format: "png"}}
	if _, err := db.CreateDocument(ctx, catalog.Document{ID: id, BatchID: batch, SourceName: id + ".tif"}, pages); err != nil {
		e.t.Fatal(err)
	}
	info, err := e.store.Put(ctx, "signed/"+id+".pdf", bytes.NewReader(pdf), int64(len(pdf)))
	if err != nil {
		e.t.Fatal(err)
	}
	for _, step := range []func() error{
		func() error { _, err := db.MarkPageOCRed(ctx, id+"-p1", len(text), 0.9, "ocr/"+id); return err },
		func() error { return db.SetAssembled(ctx, id, info.Key, info.SHA256, len(text), json.RawMessage(meta)) },
		func() error { return db.SetSigned(ctx, id, info.Key, info.SHA256, info.Size) },
		func() error { return db.SetDocumentText(ctx, id, text) },
	} {
		if err := step(); err != nil {
			e.t.Fatal(err)
		}
	}
}

func TestArchiveAPI(t *testing.T) {
	now := time.Date(2026, 6, 5, 10, 0, 0, 0, time.UTC)
	e := newArchive(t, now)

	// A batch belongs to the office of the key that creates it.
	var b Batch
	e.expect(e.do("archivist", "POST", "/v1/batches", map[string]string{"name": "lo-1"}, &b), 200)
	e.expect(e.do("archivist2", "POST", "/v1/batches", map[string]string{"name": "lo-1"}, nil), 409)
	e.expect(e.do("archivist2", "GET", "/v1/batches/"+b.ID, nil, nil), 404)
	e.expect(e.do("archivist", "GET", "/v1/batches/"+b.ID, nil, nil), 200)
	if b.ID != ingest.BatchID("lo-1") {
		t.Fatalf("batch = %+v", b)
	}
	meta := `{"issuer":{"value":"ỦY BAN NHÂN DÂN PHƯỜNG BẾN THÀNH","confidence":0.93},"number_symbol":{"value":"123/QĐ-UBND","confidence":0.6},` +
		`"date":{"value":"2024-03-05","confidence":1},"type":{"value":"QUYẾT ĐỊNH","confidence":0.9}}`
	pdf := bytes.Repeat([]byte("%PDF-1.7 sohoa "), 5000)
	e.signedDoc(b.ID, "doc1", meta, "QUYẾT ĐỊNH Về việc cấp giấy phép xây dựng cho bà Trần Thị Đào", pdf)

	// From the digitized document: the archivist corrects the number.
	var r1 Result
	e.expect(e.do("archivist", "POST", "/v1/documents/doc1/results", map[string]any{
		"code": "KQ-1", "owner_id": "079190000001", "procedure_code": "1.009", "number_symbol": "128/QĐ-UBND",
	}, &r1), 201)
	if r1.OfficeID != "px1" || r1.NumberSymbol != "128/QĐ-UBND" || r1.Issuer != "ỦY BAN NHÂN DÂN PHƯỜNG BẾN THÀNH" ||
		r1.IssueDate != "2024-03-05" || r1.Name != "QUYẾT ĐỊNH" || r1.Status != "valid" || !r1.Valid || len(r1.DocumentIDs) != 1 {
		t.Fatalf("result from document = %+v", r1)
	}
	var errBody errorBody
	e.expect(e.do("archivist", "POST", "/v1/documents/doc1/results", map[string]any{"code": "KQ-1", "owner_id": "1", "procedure_code": "p"}, &errBody), 409)
	if errBody.Error.VI == "" || errBody.Error.EN == "" {
		t.Errorf("error is not bilingual: %+v", errBody)
	}
	e.expect(e.do("archivist", "POST", "/v1/results", map[string]any{"code": "KQ-X", "owner_id": "1"}, &errBody), 400)
	if len(errBody.Problems) != 3 {
		t.Errorf("problems = %+v, want procedure_code, name, issue_date", errBody.Problems)
	}
	e.expect(e.do("archivist", "POST", "/v1/results", map[string]any{"code": "K", "colour": "red"}, nil), 400)

	// The document carries its result's validity; other offices see nothing.
	var dv DocumentView
	e.expect(e.do("clerk", "GET", "/v1/documents/doc1", nil, &dv), 200)
	if len(dv.Results) != 1 || dv.Results[0].ResultID != r1.ID || dv.Results[0].Status != "valid" || dv.PDF == nil {
		t.Fatalf("document view = %+v", dv)
	}
	e.expect(e.do("archivist2", "GET", "/v1/documents/doc1", nil, nil), 404)
	e.expect(e.do("archivist2", "GET", "/v1/results/"+r1.ID, nil, nil), 404)
	e.expect(e.do("archivist2", "PATCH", "/v1/results/"+r1.ID, map[string]any{"name": "x", "reason": "y"}, nil), 404)

	// System (every office) creates for px1; expired is derived.
	var r2 Result
	e.expect(e.do("system", "POST", "/v1/results", map[string]any{"code": "KQ-2", "office_id": "px1", "owner_id": "079190000001",
		"procedure_code": "1.009", "name": "Giấy phép", "issue_date": "01/01/2020", "valid_until": "04/06/2026"}, &r2), 201)
	if r2.Status != "expired" || r2.Valid || r2.ValidUntil != "2026-06-04" {
		t.Errorf("expired result = %+v", r2)
	}
	e.expect(e.do("archivist", "POST", "/v1/results", map[string]any{"code": "KQ-3", "office_id": "px2", "owner_id": "1",
		"procedure_code": "p", "name": "n", "issue_date": "2024-01-01"}, nil), 403)

	// CSV import, with its report.
	var rep struct {
		Rows, Created int
		Rejected      []struct{ Line int }
	}
	csv := "code,owner_id,procedure_code,name,issue_date,valid_until\nKQ-10,079190000001,1.009,GP,2024-01-01,\nKQ-11,079190000001,1.009,GP,bad,\n"
	e.expect(e.do("archivist", "POST", "/v1/results/import", csv, &rep, "Content-Type", "text/csv"), 200)
	if rep.Rows != 2 || rep.Created != 1 || len(rep.Rejected) != 1 || rep.Rejected[0].Line != 3 {
		t.Errorf("import report = %+v", rep)
	}
	e.expect(e.do("archivist", "POST", "/v1/results/import", "colour\nred\n", nil), 400)

	// Lookup, national shape, paged.
	var ids []string
	cursor := ""
	for range 5 {
		var page LookupResponse
		e.expect(e.do("clerk", "POST", "/v1/results/lookup", map[string]any{"SoDinhDanhChuSoHuu": "079190000001",
			"MaThuTuc": "1.009", "Limit": 2, "Cursor": cursor}, &page), 200)
		for _, r := range page.Results {
			ids = append(ids, r.Code+":"+r.Status)
			if r.Code == "KQ-1" && (len(r.Files) != 1 || r.Files[0].URL != "/v1/documents/doc1/pdf") {
				t.Errorf("lookup files = %+v", r.Files)
			}
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if strings.Join(slices.Sorted(slices.Values(ids)), ",") != "KQ-10:valid,KQ-1:valid,KQ-2:expired" {
		t.Errorf("lookup = %v", ids)
	}
	var only LookupResponse
	e.expect(e.do("clerk", "POST", "/v1/results/lookup", map[string]any{"SoDinhDanhChuSoHuu": "079190000001",
		"DanhSachSoKyHieu": []string{"128/QĐ-UBND"}}, &only), 200)
	if len(only.Results) != 1 || only.Results[0].Code != "KQ-1" {
		t.Errorf("lookup by number = %+v", only)
	}
	e.expect(e.do("archivist2", "POST", "/v1/results/lookup", map[string]any{"SoDinhDanhChuSoHuu": "079190000001"}, &only), 200)
	if len(only.Results) != 0 {
		t.Errorf("another office's lookup found %+v", only.Results)
	}

	// Correct, revoke, replace; history and audit follow.
	var fixed Result
	e.expect(e.do("archivist", "PATCH", "/v1/results/"+r1.ID, map[string]any{"name": "Giấy phép xây dựng"}, nil), 400)
	e.expect(e.do("archivist", "PATCH", "/v1/results/"+r1.ID, map[string]any{"name": "Giấy phép xây dựng", "reason": "tên đúng"}, &fixed), 200)
	if fixed.Name != "Giấy phép xây dựng" {
		t.Errorf("corrected = %+v", fixed)
	}
	var r3 Result
	e.expect(e.do("archivist", "POST", "/v1/results", map[string]any{"code": "KQ-3", "owner_id": "079190000001",
		"procedure_code": "1.009", "name": "Giấy phép xây dựng (cấp đổi)", "issue_date": "2026-06-01"}, &r3), 201)
	var foreign Result
	e.expect(e.do("archivist2", "POST", "/v1/results", map[string]any{"code": "KQ-9", "owner_id": "1",
		"procedure_code": "p", "name": "n", "issue_date": "2024-01-01"}, &foreign), 201)
	e.expect(e.do("archivist", "POST", "/v1/results/"+r1.ID+"/replace", map[string]any{"replaced_by": foreign.ID, "reason": "x"}, nil), 400)
	e.expect(e.do("archivist", "POST", "/v1/results/"+r1.ID+"/replace", map[string]any{"replaced_by": r3.ID}, nil), 400)
	var replaced Result
	e.expect(e.do("archivist", "POST", "/v1/results/"+r1.ID+"/replace", map[string]any{"replaced_by": r3.ID, "reason": "cấp đổi"}, &replaced), 200)
	if replaced.Status != "replaced" || replaced.ReplacedBy != r3.ID || replaced.Valid {
		t.Errorf("replaced = %+v", replaced)
	}
	e.expect(e.do("system", "POST", "/v1/results/"+r1.ID+"/revoke", map[string]any{"reason": "x"}, nil), 409)
	var revoked Result
	e.expect(e.do("system", "POST", "/v1/results/"+r2.ID+"/revoke", map[string]any{"reason": "hồ sơ giả"}, &revoked), 200)
	if revoked.Status != "revoked" || revoked.StatusReason != "hồ sơ giả" {
		t.Errorf("revoked = %+v", revoked)
	}
	e.expect(e.do("clerk", "GET", "/v1/documents/doc1", nil, &dv), 200)
	if dv.Results[0].Status != "replaced" || dv.Results[0].ReplacedBy != r3.ID {
		t.Errorf("document after replace: %+v", dv.Results)
	}
	var hist struct {
		Events []struct{ Actor, Action, Reason string }
	}
	e.expect(e.do("auditor", "GET", "/v1/results/"+r1.ID+"/history", nil, &hist), 200)
	var acts []string
	for _, ev := range hist.Events {
		acts = append(acts, ev.Action)
		if !strings.Contains(ev.Actor, "archivist") {
			t.Errorf("event actor %q", ev.Actor)
		}
	}
	if strings.Join(acts, ",") != "create,correct,replace" {
		t.Errorf("history = %v", acts)
	}

	// Search: accent-insensitive, with the validity of each hit's results.
	var sr SearchResponse
	e.expect(e.do("clerk", "GET", "/v1/search?q=tran+thi+dao&issuer=ben+thanh&type=quyet+dinh&from=2024-01-01&to=31/12/2024", nil, &sr), 200)
	if len(sr.Hits) != 1 || sr.Hits[0].DocumentID != "doc1" || len(sr.Hits[0].Results) != 1 || sr.Hits[0].Results[0].Status != "replaced" ||
		!strings.Contains(sr.Hits[0].Snippet, "Trần Thị Đào") {
		t.Errorf("search = %+v", sr)
	}
	e.expect(e.do("clerk", "GET", "/v1/search?q=dao&status=valid", nil, &sr), 200)
	if len(sr.Hits) != 0 {
		t.Errorf("status=valid found %+v", sr.Hits)
	}
	e.expect(e.do("clerk", "GET", "/v1/search?status=nope&from=x", nil, &errBody), 400)
	if len(errBody.Problems) != 2 {
		t.Errorf("problems = %+v", errBody.Problems)
	}
	e.expect(e.do("archivist2", "GET", "/v1/search?q=dao", nil, &sr), 200)
	if len(sr.Hits) != 0 {
		t.Errorf("another office's search found %+v", sr.Hits)
	}

	// The PDF: streamed with ETag, 304 and ranges; each fetch audited.
	resp := e.do("clerk", "GET", "/v1/documents/doc1/pdf", nil, nil)
	e.expect(resp, 200)
	got, _ := io.ReadAll(resp.Body)
	etag := resp.Header.Get("ETag")
	if !bytes.Equal(got, pdf) || etag != `"`+dv.PDF.SHA256+`"` {
		t.Fatalf("pdf: %d bytes, ETag %s", len(got), etag)
	}
	e.expect(e.do("clerk", "GET", "/v1/documents/doc1/pdf", nil, nil, "If-None-Match", etag), 304)
	resp = e.do("system", "GET", "/v1/documents/doc1/pdf", nil, nil, "Range", "bytes=0-7")
	e.expect(resp, 206)
	if got, _ := io.ReadAll(resp.Body); string(got) != "%PDF-1.7" {
		t.Errorf("range = %q", got)
	}
	// A Range header is checked before it is audited: a huge or malformed
	// one is refused and leaves no entry (720 KB used to make a 720 KB entry).
	for _, rg := range []string{"bytes=" + strings.Repeat("0-1,", 180000) + "0-1", "items=0-7", "bytes=9-1",
		"bytes=0-7;<script>", "bytes=-", "bytes=" + strings.Repeat("1", 30) + "-"} {
		e.expect(e.do("system", "GET", "/v1/documents/doc1/pdf", nil, nil, "Range", rg), 416)
	}
	var log AuditPage
	e.expect(e.do("auditor", "GET", "/v1/audit?action=pdf.fetch&subject=doc1", nil, &log), 200)
	var detail map[string]string
	if len(log.Entries) == 3 {
		json.Unmarshal(log.Entries[2].Detail, &detail)
	}
	if len(log.Entries) != 3 || !strings.Contains(log.Entries[0].Actor, "clerk") || detail["range"] != "bytes=0-7" || detail["sha256"] != dv.PDF.SHA256 {
		t.Errorf("pdf fetch audit = %+v", log.Entries)
	}
	e.expect(e.do("auditor", "GET", "/v1/audit?limit=2", nil, &log), 200)
	if len(log.Entries) != 2 || log.NextAfter != log.Entries[1].Seq {
		t.Errorf("audit page = %+v", log)
	}
	e.expect(e.do("auditor2", "GET", "/v1/audit?subject=doc1", nil, &log), 200)
	if len(log.Entries) != 0 {
		t.Errorf("another office's auditor sees %d entries", len(log.Entries))
	}
	var check AuditCheck
	e.expect(e.do("auditor", "GET", "/v1/audit/verify", nil, &check), 200)
	if !check.OK || check.Head.Seq < 10 {
		t.Errorf("verify = %+v", check)
	}
	e.expect(e.do("auditor", "GET", fmt.Sprintf("/v1/audit/verify?anchor=%d:%s", check.Head.Seq+1, check.Head.Hash), nil, &check), 409)
	if check.OK || check.Error == nil {
		t.Errorf("verify with an anchor past the end = %+v", check)
	}
}
