package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/sohoa-vn/sohoa/certify/certifytest"
	"github.com/sohoa-vn/sohoa/results"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// documentedAnswer fails unless openapi.json lists resp's status for the
// operation and, when it describes that answer's body, the body's media type.
func documentedAnswer(t *testing.T, spec *openapi3.T, method, pattern string, resp *http.Response) {
	t.Helper()
	item := spec.Paths.Find(pattern)
	if item == nil || item.GetOperation(method) == nil {
		t.Fatalf("%s %s is not in openapi.json", method, pattern)
	}
	ref := item.GetOperation(method).Responses.Status(resp.StatusCode)
	if ref == nil || ref.Value == nil {
		t.Errorf("%s %s answers %d, which openapi.json does not list", method, pattern, resp.StatusCode)
		return
	}
	if len(ref.Value.Content) == 0 {
		return
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if ref.Value.Content.Get(mt) == nil {
		t.Errorf("%s %s answers %d as %s, which openapi.json does not describe", method, pattern, resp.StatusCode, mt)
	}
}

// TestOpenAPIDocumentsErrorAnswers sends the requests the routes refuse
// with 416 (a bad or unsatisfiable Range on document and copy PDFs) and 400
// (a bad issue_date in a copies lookup, too many numbers or codes in a
// results lookup) and checks openapi.json lists each answer.
func TestOpenAPIDocumentsErrorAnswers(t *testing.T) {
	spec, err := openapi3.NewLoader().LoadFromData(OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	badRanges := []string{"items=0-7", "bytes=" + strings.Repeat("0-1,", 20) + "0-1", "bytes=99999999-"}

	// Documents and results lookups.
	e := newArchive(t, time.Now())
	var b Batch
	e.expect(e.do("archivist", "POST", "/v1/batches", map[string]string{"name": "spec"}, &b), 200)
	e.signedDoc(b.ID, "doc1", `{}`, "văn bản", bytes.Repeat([]byte("%PDF-1.7 sohoa "), 100))
	for _, rg := range badRanges {
		resp := e.do("system", "GET", "/v1/documents/doc1/pdf", nil, nil, "Range", rg)
		e.expect(resp, 416)
		documentedAnswer(t, spec, "GET", "/v1/documents/{id}/pdf", resp)
	}
	many := make([]string, maxLookupKeys+1)
	for i := range many {
		many[i] = "KQ-" + strings.Repeat("9", i%7+1)
	}
	for _, field := range []string{"DanhSachMaKetQua", "DanhSachSoKyHieu"} {
		resp := e.do("clerk", "POST", "/v1/results/lookup", map[string]any{"SoDinhDanhChuSoHuu": "079190000001", field: many}, nil)
		e.expect(resp, 400)
		documentedAnswer(t, spec, "POST", "/v1/results/lookup", resp)
	}

	// Copies: a lookup with a bad issue_date, and an issued copy's PDF.
	ctx := context.Background()
	f := certifytest.New(t, "")
	doc := f.AddOriginal(t, 1)
	r, err := f.DB.CreateResult(ctx, results.Result{Code: "KQ-1", OfficeID: certifytest.Office, OwnerID: "001", ProcedureCode: "2.1",
		Name: "Giấy phép", NumberSymbol: "1/GP", Issuer: "UBND phường Một", IssueDate: "2025-11-20", DocumentIDs: []string{doc}},
		results.Event{Actor: "a"})
	if err != nil {
		t.Fatal(err)
	}
	clerk, _, err := f.DB.CreateAPIKey(ctx, catalog.APIKey{Name: "c", Scopes: []string{"clerk"}, OfficeID: certifytest.Office})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(Authenticate(f.DB, nil)(NewMux(CopyRoutes(&Copies{Service: f.Service}))))
	defer srv.Close()
	do := func(method, path string, body any, hdr ...string) (*http.Response, []byte) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			j, _ := json.Marshal(body)
			rd = bytes.NewReader(j)
		}
		req, _ := http.NewRequest(method, srv.URL+path, rd)
		req.Header.Set("Authorization", "Bearer "+clerk)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp, out
	}
	resp, body := do("POST", "/v1/copies/lookup", map[string]string{"number_symbol": "1/GP", "issue_date": "hôm qua"})
	if resp.StatusCode != 400 {
		t.Fatalf("copies lookup with a bad issue_date: %d %s", resp.StatusCode, body)
	}
	documentedAnswer(t, spec, "POST", "/v1/copies/lookup", resp)
	resp, body = do("POST", "/v1/copies", IssueRequest{DocumentID: doc, ResultID: r.ID, Requester: "Lê Thị A", Certifier: "Phạm Văn C"})
	var cv CopyView
	if resp.StatusCode != 201 || json.Unmarshal(body, &cv) != nil {
		t.Fatalf("issue: %d %s", resp.StatusCode, body)
	}
	for _, rg := range badRanges {
		resp, body := do("GET", cv.PDFURL, nil, "Range", rg)
		if resp.StatusCode != 416 {
			t.Errorf("copy PDF with Range %.40q: %d %.200s", rg, resp.StatusCode, body)
		}
		documentedAnswer(t, spec, "GET", "/v1/copies/{id}/pdf", resp)
	}
}
