package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/certify/certifytest"
	"github.com/sohoa-vn/sohoa/results"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

func TestCopiesAPI(t *testing.T) {
	ctx := context.Background()
	f := certifytest.New(t, "")
	doc := f.AddOriginal(t, 2)
	r, err := f.DB.CreateResult(ctx, results.Result{Code: "KQ-9", OfficeID: certifytest.Office, OwnerID: "001", ProcedureCode: "2.1",
		Name: "Giấy phép xây dựng", NumberSymbol: "45/GPXD", Issuer: "UBND phường Một", IssueDate: "2025-11-20",
		DocumentIDs: []string{doc}}, results.Event{Actor: "a"})
	if err != nil {
		t.Fatal(err)
	}
	key := func(scope, office string) string {
		tok, _, err := f.DB.CreateAPIKey(ctx, catalog.APIKey{Name: scope, Scopes: []string{scope}, OfficeID: office})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	clerk, otherClerk, system, auditor := key("clerk", certifytest.Office), key("clerk", "other"), key("system", certifytest.Office), key("auditor", certifytest.Office)
	c := &Copies{Service: f.Service}
	srv := httptest.NewServer(Authenticate(f.DB, nil)(NewMux(CopyRoutes(c))))
	defer srv.Close()

	do := func(method, path, token string, body any) (*http.Response, []byte) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, srv.URL+path, rd)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := cl.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}

	// Lookup: by document, and refused to another office's clerk.
	resp, body := do("POST", "/v1/copies/lookup", clerk, map[string]string{"document_id": doc})
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"validity": "valid"`) || !strings.Contains(string(body), r.ID) {
		t.Fatalf("lookup = %d %s", resp.StatusCode, body)
	}
	if resp, _ := do("POST", "/v1/copies/lookup", otherClerk, map[string]string{"document_id": doc}); resp.StatusCode != 404 {
		t.Errorf("other office's lookup = %d, want 404", resp.StatusCode)
	}
	if resp, _ := do("POST", "/v1/copies/lookup", system, map[string]string{"code": "KQ-9"}); resp.StatusCode != 403 {
		t.Errorf("system lookup = %d, want 403", resp.StatusCode)
	}

	// Issue.
	resp, body = do("POST", "/v1/copies", clerk, IssueRequest{DocumentID: doc, ResultID: r.ID, Requester: "Lê Thị Riêng Tư",
		Certifier: "Phạm Văn C", Fee: 4000})
	if resp.StatusCode != 201 {
		t.Fatalf("issue = %d %s", resp.StatusCode, body)
	}
	var cv CopyView
	json.Unmarshal(body, &cv)
	if cv.Number != 1 || cv.Book != "02-SCTĐT/BS" || cv.Pages != 2 || cv.VerifyURL != "http://127.0.0.1/verify/"+cv.Code {
		t.Fatalf("copy = %+v", cv)
	}
	if resp, _ := do("POST", "/v1/copies", otherClerk, IssueRequest{DocumentID: doc}); resp.StatusCode != 404 {
		t.Errorf("other office's issue = %d, want 404", resp.StatusCode)
	}
	if resp, _ := do("POST", "/v1/copies", "", IssueRequest{DocumentID: doc}); resp.StatusCode != 401 {
		t.Errorf("anonymous issue = %d, want 401", resp.StatusCode)
	}

	// The PDF, for clerks and systems of the office, audited.
	for _, tok := range []string{clerk, system} {
		resp, pdf := do("GET", cv.PDFURL, tok, nil)
		sum := sha256.Sum256(pdf)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || hex.EncodeToString(sum[:]) != cv.SHA256 {
			t.Fatalf("pdf = %d %s, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(pdf))
		}
	}
	for tok, want := range map[string]int{otherClerk: 404, auditor: 403, "": 401} {
		if resp, _ := do("GET", cv.PDFURL, tok, nil); resp.StatusCode != want {
			t.Errorf("pdf with a %s key = %d, want %d", tok, resp.StatusCode, want)
		}
	}
	if log, _ := f.DB.AuditLog(ctx, catalog.AuditQuery{Action: catalog.AuditPDFFetch, Subject: cv.ID}); len(log) != 2 {
		t.Errorf("pdf.fetch audit entries = %d, want 2", len(log))
	}
	if resp, body := do("GET", "/v1/copies/"+cv.ID, system, nil); resp.StatusCode != 200 || !strings.Contains(string(body), cv.Code) {
		t.Errorf("get copy = %d %s", resp.StatusCode, body)
	}

	// The public page: no key, Vietnamese by default, English on request,
	// nothing personal.
	resp, body = do("GET", "/verify/"+cv.Code, "", nil)
	page := string(body)
	for _, want := range []string{`data-valid="true"`, "HỢP LỆ", "Ủy ban nhân dân phường Một", "02-SCTĐT/BS", cv.SHA256, "Giấy phép xây dựng 45/GPXD", "sohoa DEMO"} {
		if !strings.Contains(page, want) {
			t.Errorf("verify page lacks %q", want)
		}
	}
	if resp.StatusCode != 200 || strings.Contains(page, "Riêng Tư") || strings.Count(page, "<tr><td>") != 2 {
		t.Errorf("verify page = %d (requester shown: %v, rows %d)", resp.StatusCode, strings.Contains(page, "Riêng Tư"), strings.Count(page, "<tr><td>"))
	}
	if _, body := do("GET", "/verify/"+cv.Code+"?lang=en", "", nil); !strings.Contains(string(body), "VALID — the certified copy") || !strings.Contains(string(body), `lang="en"`) {
		t.Errorf("English page:\n%s", body)
	}
	resp, _ = do("GET", "/verify/-?code="+strings.ToLower(cv.Code[:5]+"-"+cv.Code[5:]), "", nil)
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/verify/"+cv.Code {
		t.Errorf("form redirect = %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, body := do("GET", "/verify/ZZZZZZZZZZ", "", nil); resp.StatusCode != 404 || !strings.Contains(string(body), `data-valid="false"`) {
		t.Errorf("unknown code = %d", resp.StatusCode)
	}
	// The book, JSON and PDF.
	now := time.Now().In(results.Vietnam)
	bookURL := "/v1/certbook/" + now.Format("2006") + "/" + now.Format("1")
	resp, body = do("GET", bookURL, clerk, nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Lê Thị Riêng Tư") || !strings.Contains(string(body), `"number": 1`) {
		t.Errorf("book = %d %s", resp.StatusCode, body)
	}
	resp, body = do("GET", bookURL+"?format=pdf", clerk, nil)
	if resp.StatusCode != 200 || !bytes.HasPrefix(body, []byte("%PDF")) {
		t.Fatalf("book pdf = %d", resp.StatusCode)
	}
	path := filepath.Join(t.TempDir(), "book.pdf")
	os.WriteFile(path, body, 0o644)
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext (Debian: poppler-utils): %v", err)
	}
	for _, want := range []string{"SỔ CHỨNG THỰC BẢN SAO ĐIỆN TỬ", "Họ tên người yêu cầu", "Lê Thị Riêng Tư", "Phạm Văn C", "4.000", "Giấy phép xây dựng"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("book report lacks %q:\n%s", want, out)
		}
	}
	if resp, _ := do("GET", "/v1/certbook/2026/13", clerk, nil); resp.StatusCode != 400 {
		t.Errorf("month 13 = %d", resp.StatusCode)
	}

	// A copy whose stored bytes changed is not shown as valid.
	blob, err := f.Store.Path("copies/" + cv.ID + ".pdf")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(blob)
	b[len(b)/2] ^= 1
	os.WriteFile(blob, b, 0o644)
	if resp, body := do("GET", "/verify/"+cv.Code, "", nil); !strings.Contains(string(body), `data-valid="false"`) || strings.Contains(string(body), `class="verdict valid" id="verdict"`) {
		t.Errorf("tampered copy: %d\n%s", resp.StatusCode, body)
	}
}
