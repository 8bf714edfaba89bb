package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/certify"
	"github.com/sohoa-vn/sohoa/certify/certifytest"
	"github.com/sohoa-vn/sohoa/results"
	"github.com/sohoa-vn/sohoa/storage/catalog"
	"github.com/sohoa-vn/sohoa/web"
)

// The stamped preview, the QR lookup shown, and voiding a number left
// pending from the book page.
func TestBookPreviewQR(t *testing.T) {
	ctx := context.Background()
	f := certifytest.New(t, "")
	if _, err := f.DB.CreateResult(ctx, results.Result{Code: "KQ-QR-1", OfficeID: certifytest.Office, OwnerID: "001",
		ProcedureCode: "2.1", Name: "Giấy phép kinh doanh", NumberSymbol: "9/GPKD", Issuer: "UBND phường Một", IssueDate: "2025-01-02"},
		results.Event{Actor: "a"}); err != nil {
		t.Fatal(err)
	}
	doc := f.AddOriginalQR(t, 2, "KQ-QR-1")
	clerk, _, err := f.DB.CreateAPIKey(ctx, catalog.APIKey{Name: "Cán bộ", Scopes: []string{"clerk"}, OfficeID: certifytest.Office})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/clerk/", (&web.Server{Service: f.Service, Keys: f.DB}).Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	do := func(method, path string, form url.Values) (int, string, http.Header) {
		t.Helper()
		var resp *http.Response
		var err error
		if method == "GET" {
			resp, err = c.Get(srv.URL + path)
		} else {
			resp, err = c.PostForm(srv.URL+path, form)
		}
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	do("POST", "/clerk/login", loginForm(t, c, srv.URL, clerk))

	// Found by the QR code, and said so.
	code, body, _ := do("GET", "/clerk/documents/"+doc, nil)
	if code != 200 || !strings.Contains(body, `data-via="qr"`) || !strings.Contains(body, `<code id="qr">KQ-QR-1</code>`) ||
		!strings.Contains(body, `data-validity="valid"`) {
		t.Fatalf("document page: %d\n%s", code, body)
	}

	// The preview: a PDF, unsigned, and no number taken.
	code, pdf, h := do("GET", "/clerk/documents/"+doc+"/preview", nil)
	if code != 200 || h.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf, "%PDF") || strings.Contains(pdf, "/ByteRange") {
		t.Fatalf("preview: %d %s", code, h.Get("Content-Type"))
	}
	// Reads of content are audited: the preview and a page image.
	if code, _, h := do("GET", "/clerk/documents/"+doc+"/pages/1", nil); code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "image/") {
		t.Fatalf("page image: %d %s", code, h.Get("Content-Type"))
	}
	views, err := f.DB.AuditLog(ctx, catalog.AuditQuery{Action: catalog.AuditContentView})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, v := range views {
		var d map[string]any
		json.Unmarshal(v.Detail, &d)
		if d["document_id"] == doc && v.OfficeID == certifytest.Office && strings.HasSuffix(v.Actor, " web") {
			kinds[fmt.Sprint(d["kind"])] = true
		}
	}
	if len(views) != 2 || !kinds["copy_preview"] || !kinds["page_image"] {
		t.Errorf("content reads audited: %+v", views)
	}
	year := time.Now().In(results.Vietnam).Year()
	if es, _ := f.Service.Book(ctx, certifytest.Office, year, 0); len(es) != 0 {
		t.Fatalf("the preview took a number: %+v", es)
	}

	// A number left pending by an interrupted issuance: the book offers to
	// void it; a reason is required; voided, it shows with its reason.
	o, _ := f.Service.Office(certifytest.Office)
	e, err := f.DB.AllocateCertNumber(ctx, catalog.BookEntry{OfficeID: certifytest.Office, Book: o.Book(), DocumentID: doc}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	code, body, _ = do("GET", "/clerk/book", nil)
	m := csrfRe.FindStringSubmatch(body)
	if code != 200 || m == nil || !strings.Contains(body, `data-status="pending"`) || !strings.Contains(body, `for="reason1"`) {
		t.Fatalf("book: %d\n%s", code, body)
	}
	voidPath := "/clerk/book/" + strconv.Itoa(e.Year) + "/1/void"
	if code, _, _ := do("POST", voidPath, url.Values{"reason": {"x"}}); code != 403 {
		t.Errorf("void without CSRF: %d", code)
	}
	if code, body, _ := do("POST", voidPath, url.Values{"csrf": {m[1]}, "reason": {"  "}}); code != 400 || !strings.Contains(body, "lý do") {
		t.Errorf("void without reason: %d", code)
	}
	code, body, _ = do("POST", voidPath, url.Values{"csrf": {m[1]}, "reason": {"máy quét hỏng"}})
	if code != 200 || !strings.Contains(body, `id="voided"`) || !strings.Contains(body, `data-status="voided"`) || !strings.Contains(body, "máy quét hỏng") {
		t.Fatalf("void: %d\n%s", code, body)
	}
	if code, _, _ := do("POST", voidPath, url.Values{"csrf": {m[1]}, "reason": {"again"}}); code != 409 {
		t.Errorf("void twice: %d", code)
	}
	au, err := f.DB.AuditLog(ctx, catalog.AuditQuery{Subject: e.ID})
	if err != nil || len(au) != 1 || au[0].Action != catalog.AuditCopyVoided || !strings.HasSuffix(au[0].Actor, " web") {
		t.Errorf("audit %+v, %v", au, err)
	}
	// The next issuance takes number 2: the voided 1 is no gap.
	if is, err := f.Service.Issue(ctx, certify.IssueRequest{OfficeID: certifytest.Office, DocumentID: doc,
		Requester: certifytest.Requester, Certifier: certifytest.Certifier, NoResultReason: certifytest.NoResult, Actor: "t"}); err != nil || is.Entry.Number != 2 {
		t.Errorf("next issue: %d, %v", is.Entry.Number, err)
	}
}
