package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/certify"
	"github.com/sohoa-vn/sohoa/certify/certifytest"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

func TestCertBookAPI(t *testing.T) {
	ctx := context.Background()
	f := certifytest.New(t, "")
	doc := f.AddOriginal(t, 1)
	key := func(scope, office string) string {
		tok, _, err := f.DB.CreateAPIKey(ctx, catalog.APIKey{Name: scope, Scopes: []string{scope}, OfficeID: office})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	clerk, otherClerk, system := key("clerk", certifytest.Office), key("clerk", "other"), key("system", certifytest.Office)
	c := &Copies{Service: f.Service}
	srv := httptest.NewServer(Authenticate(f.DB, nil)(NewMux(append(CopyRoutes(c), CertBookRoutes(c)...))))
	defer srv.Close()
	do := func(method, path, token string, body any) (*http.Response, []byte) {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, srv.URL+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp, out
	}

	// Preview: a PDF, and no number taken.
	resp, body := do("POST", "/v1/copies/preview", clerk, IssueRequest{DocumentID: doc, Requester: "A", Certifier: "B"})
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(body, []byte("%PDF")) {
		t.Fatalf("preview = %d %s", resp.StatusCode, body[:min(len(body), 200)])
	}
	if resp, _ := do("POST", "/v1/copies/preview", otherClerk, IssueRequest{DocumentID: doc}); resp.StatusCode != 404 {
		t.Errorf("other office's preview = %d, want 404", resp.StatusCode)
	}
	// The preview is a read of the whole document: audited, for the office's auditor.
	views, err := f.DB.AuditLog(ctx, catalog.AuditQuery{Action: catalog.AuditContentView, Subject: doc})
	if err != nil || len(views) != 1 || views[0].OfficeID != certifytest.Office || !strings.Contains(views[0].Actor, "clerk") ||
		!strings.Contains(string(views[0].Detail), `"copy_preview"`) {
		t.Errorf("preview audit = %+v, %v; want one content.view entry", views, err)
	}

	// A number left pending (an issuance cut short), and one issued.
	o, _ := f.Service.Office(certifytest.Office)
	at := time.Now()
	pending, err := f.DB.AllocateCertNumber(ctx, catalog.BookEntry{OfficeID: certifytest.Office, Book: o.Book(), DocumentID: doc}, at)
	if err != nil {
		t.Fatal(err)
	}
	if pending.Number != 1 {
		t.Fatalf("the preview took a number: first is %d", pending.Number)
	}
	is, err := f.Service.Issue(ctx, certify.IssueRequest{OfficeID: certifytest.Office, DocumentID: doc, Requester: certifytest.Requester,
		Certifier: certifytest.Certifier, NoResultReason: certifytest.NoResult, Actor: "t"})
	if err != nil {
		t.Fatal(err)
	}
	path := func(n int) string {
		return "/v1/certbook/" + strconv.Itoa(pending.Year) + "/" + strconv.Itoa(n) + "/void"
	}
	for _, c := range []struct {
		name, token, path string
		body              any
		status            int
		code              string
	}{
		{"system scope", system, path(1), VoidRequest{Reason: "x"}, 403, ""},
		{"no reason", clerk, path(1), VoidRequest{}, 400, "invalid"},
		{"bad number", clerk, "/v1/certbook/2026/abc/void", VoidRequest{Reason: "x"}, 400, "invalid"},
		{"issued", clerk, path(is.Entry.Number), VoidRequest{Reason: "x"}, 409, "not_pending"},
		{"not taken", clerk, path(50), VoidRequest{Reason: "x"}, 404, "not_found"},
		{"other office", otherClerk, path(1), VoidRequest{Reason: "x"}, 409, "no_book"},
		{"voided", clerk, path(1), VoidRequest{Reason: "máy hỏng / scanner broke"}, 200, ""},
		{"twice", clerk, path(1), VoidRequest{Reason: "again"}, 409, "not_pending"},
	} {
		resp, body := do("POST", c.path, c.token, c.body)
		if resp.StatusCode != c.status || (c.code != "" && !strings.Contains(string(body), `"code": "`+c.code+`"`)) {
			t.Errorf("%s: %d %s, want %d %s", c.name, resp.StatusCode, body, c.status, c.code)
		}
		if c.status == 200 {
			var l BookLine
			if err := json.Unmarshal(body, &l); err != nil || l.Status != "voided" || l.VoidReason != "máy hỏng / scanner broke" || l.Number != 1 {
				t.Errorf("voided line %s", body)
			}
		}
	}
	au, err := f.DB.AuditLog(ctx, catalog.AuditQuery{Subject: pending.ID})
	if err != nil || len(au) != 1 || au[0].Action != catalog.AuditCopyVoided || !strings.Contains(string(au[0].Detail), "scanner broke") {
		t.Errorf("audit %+v, %v", au, err)
	}
}
