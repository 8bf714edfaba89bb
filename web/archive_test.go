package web_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/sohoa-vn/sohoa/api"
	"github.com/sohoa-vn/sohoa/certify/certifytest"
	"github.com/sohoa-vn/sohoa/ingest"
	"github.com/sohoa-vn/sohoa/internal/servicetest"
	"github.com/sohoa-vn/sohoa/storage/catalog"
	"github.com/sohoa-vn/sohoa/web"
)

// archiveFixture is a catalog with an archivist's key, a clerk's key, and
// a batch of the archivist's office of docs documents of two pages each
// still being recognised, and a batch of another office.
type archiveFixture struct {
	f                 *certifytest.Fixture
	archivist, clerk  string
	batch, otherBatch string
	docs              []string
	srv               *httptest.Server
	queue             *recordQueue
}

// recordQueue records what the console queues.
type recordQueue struct {
	mu       sync.Mutex
	ocr, asm []string
}

func (q *recordQueue) EnqueueOCR(_ context.Context, id string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.ocr = append(q.ocr, id)
	return nil
}

func (q *recordQueue) EnqueueAssemble(_ context.Context, id string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.asm = append(q.asm, id)
	return nil
}

func newArchiveFixture(t testing.TB, docs int, dbURL ...string) *archiveFixture {
	t.Helper()
	ctx := context.Background()
	f := certifytest.New(t, strings.Join(dbURL, ""))
	a := &archiveFixture{f: f, batch: "lo-2026-12-hop-01", otherBatch: "lo-khac"}
	var err error
	if a.archivist, _, err = f.DB.CreateAPIKey(ctx, catalog.APIKey{Name: "Lưu trữ viên Hà", Scopes: []string{"archivist"}, OfficeID: certifytest.Office}); err != nil {
		t.Fatal(err)
	}
	if a.clerk, _, err = f.DB.CreateAPIKey(ctx, catalog.APIKey{Name: "Cán bộ", Scopes: []string{"clerk"}, OfficeID: certifytest.Office}); err != nil {
		t.Fatal(err)
	}
	for _, b := range []struct{ id, office string }{{a.batch, certifytest.Office}, {a.otherBatch, "other"}} {
		if _, err := f.DB.EnsureBatch(ctx, b.id, "Hộp 01: quyết định 1995–1999"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.DB.ClaimBatchOffice(ctx, b.id, b.office); err != nil {
			t.Fatal(err)
		}
	}
	for i := range docs {
		id := fmt.Sprintf("doc-%03d", i)
		var pages []catalog.Page
		for n := range 2 {
			pages = append(pages, catalog.Page{ID: fmt.Sprintf("%s-p%d", id, n+1), Seq: n + 1, BlobKey: "k/" + id,
				SHA256: strings.Repeat("0", 64), Format: "png", Width: 1654, Height: 2339, DPI: 200})
		}
		if _, err := f.DB.CreateDocument(ctx, catalog.Document{ID: id, BatchID: a.batch, SourceName: fmt.Sprintf("quyet-dinh-%03d.tif", i),
			SourceSHA256: strings.Repeat("1", 64)}, pages); err != nil {
			t.Fatal(err)
		}
		a.docs = append(a.docs, id)
	}
	if _, err := f.DB.CreateDocument(ctx, catalog.Document{ID: "other-doc", BatchID: a.otherBatch, SourceName: "x.tif", SourceSHA256: strings.Repeat("2", 64)},
		[]catalog.Page{{ID: "other-p1", Seq: 1, BlobKey: "k/o", SHA256: strings.Repeat("0", 64), Format: "png"}}); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	a.queue = &recordQueue{}
	mux.Handle("/archive/", (&web.Archive{DB: f.DB, Keys: f.DB, Queue: a.queue, QC: f.DB, Blobs: f.Store, Search: f.DB,
		Rescan: &ingest.Ingester{Catalog: f.DB, Store: f.Store, TempDir: t.TempDir()}}).Handler())
	mux.Handle("/clerk/", (&web.Server{Service: f.Service, Keys: f.DB}).Handler())
	mux.Handle("GET /{$}", web.Landing())
	a.srv = httptest.NewServer(mux)
	t.Cleanup(a.srv.Close)
	return a
}

// finish recognises both pages of document i and signs it, or fails it
// with reason.
func (a *archiveFixture) finish(t *testing.T, i int, reason string) {
	ctx := context.Background()
	id := a.docs[i]
	if reason != "" {
		if err := a.f.DB.MarkPageFailed(ctx, id+"-p2", reason); err != nil {
			t.Error(err)
		}
		if err := a.f.DB.SetDocumentFailed(ctx, id, reason); err != nil {
			t.Error(err)
		}
		return
	}
	for n := 1; n <= 2; n++ {
		pid := fmt.Sprintf("%s-p%d", id, n)
		if _, err := a.f.DB.MarkPageOCRed(ctx, pid, 1200, 0.93, "ocr/"+pid+".json"); err != nil {
			t.Error(err)
		}
	}
	if err := a.f.DB.SetAssembled(ctx, id, "pdf/"+id, strings.Repeat("3", 64), 2400, nil); err != nil {
		t.Error(err)
	}
	if err := a.f.DB.SetSigned(ctx, id, "signed/"+id, strings.Repeat("4", 64), 1000); err != nil {
		t.Error(err)
	}
}

var _ api.QCQueuer = (*recordQueue)(nil)

func archiveLoginForm(t testing.TB, c *http.Client, base, token string) url.Values {
	t.Helper()
	return loginFormAt(t, c, base+"/archive/login", token)
}

// TestArchiveSessions: an archivist signs in into a server-side session
// (the cookie is no key); a clerk's key is refused; a form without its
// CSRF token or from another site is refused; only the office's batches
// are listed; "/" links both desks.
func TestArchiveSessions(t *testing.T) {
	a := newArchiveFixture(t, 2)
	base := a.srv.URL
	newClient := func() *http.Client {
		jar, _ := cookiejar.New(nil)
		return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	do := func(c *http.Client, method, path string, form url.Values, hdr ...string) (int, string, http.Header) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, base+path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}

	// Not signed in: to the login page.
	c := newClient()
	if st, _, h := do(c, "GET", "/archive/", nil); st != http.StatusSeeOther || h.Get("Location") != "/archive/login" {
		t.Errorf("anonymous /archive/: %d %q", st, h.Get("Location"))
	}
	// A clerk's key is the wrong scope.
	if st, body, _ := do(c, "POST", "/archive/login", archiveLoginForm(t, c, base, a.clerk)); st != http.StatusUnauthorized || !strings.Contains(body, "không có quyền lưu trữ") {
		t.Errorf("clerk key at the archive: %d\n%s", st, body)
	}
	// A login form without its token, or from another site.
	form := archiveLoginForm(t, c, base, a.archivist)
	if st, _, _ := do(c, "POST", "/archive/login", url.Values{"token": {a.archivist}}); st != http.StatusForbidden {
		t.Errorf("login without CSRF token: %d, want 403", st)
	}
	if st, _, _ := do(c, "POST", "/archive/login", form, "Sec-Fetch-Site", "cross-site"); st != http.StatusForbidden {
		t.Errorf("cross-site login: %d, want 403", st)
	}
	st, _, h := do(c, "POST", "/archive/login", form)
	if st != http.StatusSeeOther || h.Get("Location") != "/archive/" {
		t.Fatalf("archivist sign-in: %d %q", st, h.Get("Location"))
	}
	u, _ := url.Parse(base + "/archive/")
	for _, ck := range c.Jar.Cookies(u) {
		if strings.Contains(ck.Value, a.archivist) || strings.Contains(a.archivist, ck.Value) && len(ck.Value) > 8 {
			t.Errorf("cookie %s carries the key", ck.Name)
		}
	}
	st, body, _ := do(c, "GET", "/archive/", nil)
	if st != http.StatusOK || !strings.Contains(body, a.batch) || strings.Contains(body, a.otherBatch) || !strings.Contains(body, `lang="vi"`) {
		t.Errorf("batches page: %d, want the office's batch only, in Vietnamese\n%s", st, body)
	}
	if !strings.Contains(body, "Trang đã nhận") {
		t.Errorf("batches page without its Vietnamese headings\n%s", body)
	}
	if st, body, _ := do(c, "GET", "/archive/?lang=en", nil); st != http.StatusOK || !strings.Contains(body, "Pages received") {
		t.Errorf("English switch: %d\n%s", st, body)
	}
	if st, body, _ := do(c, "GET", "/archive/progress.json", nil); st != http.StatusOK || !strings.Contains(body, `"Received":4`) || strings.Contains(body, a.otherBatch) {
		t.Errorf("progress.json: %d %s", st, body)
	}
	if st, _, _ := do(c, "GET", "/archive/batches/"+a.otherBatch, nil); st != http.StatusNotFound {
		t.Errorf("another office's batch: %d, want 404", st)
	}
	// The clerk desk's session is not the archive's.
	if st, _, _ := do(c, "GET", "/clerk/", nil); st != http.StatusSeeOther {
		t.Errorf("clerk desk with an archive session: %d, want a redirect to its login", st)
	}
	// Logging out needs the CSRF token.
	if st, _, _ := do(c, "POST", "/archive/logout", url.Values{}); st != http.StatusForbidden {
		t.Errorf("logout without CSRF: %d, want 403", st)
	}
	if st, _, _ := do(c, "GET", "/archive/", nil); st != http.StatusOK {
		t.Errorf("still signed in after a refused logout: %d", st)
	}
	// "/" links both desks.
	if st, body, _ := do(newClient(), "GET", "/", nil); st != http.StatusOK || !strings.Contains(body, `href="/archive/"`) || !strings.Contains(body, `href="/clerk/"`) {
		t.Errorf("landing page: %d\n%s", st, body)
	}
}

// TestArchiveRetryRemove: a failed document is put back into the
// pipeline (its failed page queued for OCR again), a document not signed
// is removed with a reason, both audited; a signed document is never
// removed, a form without the CSRF token or the reason is refused, and
// another office's document is not found.
func TestArchiveRetryRemove(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testArchiveRetryRemove(t, "") })
	t.Run("postgres", func(t *testing.T) { testArchiveRetryRemove(t, servicetest.Postgres(t)) })
}

func testArchiveRetryRemove(t *testing.T, dbURL string) {
	ctx := context.Background()
	a := newArchiveFixture(t, 3, dbURL)
	a.finish(t, 0, "")
	a.finish(t, 1, "trang 2: ảnh hỏng / page 2: corrupt image")
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(a.srv.URL+"/archive/login", archiveLoginForm(t, c, a.srv.URL, a.archivist))
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %v %v", resp, err)
	}
	resp.Body.Close()
	get := func(path string) string {
		t.Helper()
		resp, err := c.Get(a.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	page := get("/archive/batches/" + a.batch)
	m := csrfRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("batch page without CSRF token:\n%s", page)
	}
	csrf := m[1]
	post := func(path string, form url.Values) (int, string) {
		t.Helper()
		resp, err := c.PostForm(a.srv.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	failed, signed, running := a.docs[1], a.docs[0], a.docs[2]
	if !strings.Contains(page, `/archive/documents/`+failed+`/retry`) || strings.Contains(page, `/archive/documents/`+signed+`/remove`) {
		t.Errorf("batch page: want a retry for the failed document and no removal of the signed one")
	}

	// Without the token: refused, nothing changes.
	if st, _ := post("/archive/documents/"+failed+"/retry", url.Values{}); st != http.StatusForbidden {
		t.Errorf("retry without CSRF: %d, want 403", st)
	}
	if st, _ := post("/archive/documents/"+running+"/remove", url.Values{"reason": {"x"}}); st != http.StatusForbidden {
		t.Errorf("remove without CSRF: %d, want 403", st)
	}
	// Retry: the failed page goes back to OCR.
	if st, _ := post("/archive/documents/"+failed+"/retry", url.Values{"csrf": {csrf}}); st != http.StatusSeeOther {
		t.Fatalf("retry: %d", st)
	}
	d, err := a.f.DB.Document(ctx, failed)
	if err != nil || d.Status != catalog.DocOCR || d.Error != "" {
		t.Errorf("after retry: %+v %v, want status ocr without error", d.Status, err)
	}
	if strings.Join(a.queue.ocr, ",") != failed+"-p1,"+failed+"-p2" {
		t.Errorf("queued for OCR %q, want both pages of %s (one failed, one never recognised)", a.queue.ocr, failed)
	}
	// A second retry: it is no longer failed.
	if st, body := post("/archive/documents/"+failed+"/retry", url.Values{"csrf": {csrf}}); st != http.StatusConflict || !strings.Contains(body, "chỉ thử lại tài liệu lỗi") {
		t.Errorf("retry of a document not failed: %d\n%s", st, body)
	}
	// Remove: a reason is needed; a signed document stays.
	if st, _ := post("/archive/documents/"+running+"/remove", url.Values{"csrf": {csrf}, "reason": {" "}}); st != http.StatusBadRequest {
		t.Errorf("remove without reason: %d, want 400", st)
	}
	if st, _ := post("/archive/documents/"+signed+"/remove", url.Values{"csrf": {csrf}, "reason": {"nhầm"}}); st != http.StatusConflict {
		t.Errorf("remove a signed document: %d, want 409", st)
	}
	if _, err := a.f.DB.Document(ctx, signed); err != nil {
		t.Errorf("signed document gone: %v", err)
	}
	if st, _ := post("/archive/documents/other-doc/remove", url.Values{"csrf": {csrf}, "reason": {"x"}}); st != http.StatusNotFound {
		t.Errorf("remove another office's document: %d, want 404", st)
	}
	if st, _ := post("/archive/documents/"+running+"/remove", url.Values{"csrf": {csrf}, "reason": {"Quét trùng hộp 01"}}); st != http.StatusSeeOther {
		t.Fatalf("remove: %d", st)
	}
	if _, err := a.f.DB.Document(ctx, running); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("removed document still there: %v", err)
	}
	if pages, _ := a.f.DB.Pages(ctx, running); len(pages) != 0 {
		t.Errorf("removed document's pages still there: %d", len(pages))
	}
	// Both recorded in the audit log, with who and why.
	for action, want := range map[string]string{catalog.AuditDocumentRetry: failed, catalog.AuditDocumentRemove: running} {
		log, err := a.f.DB.AuditLog(ctx, catalog.AuditQuery{Action: action})
		if err != nil || len(log) != 1 || log[0].Subject != want || !strings.Contains(log[0].Actor, "Lưu trữ viên Hà") {
			t.Errorf("audit %s: %+v %v", action, log, err)
		} else if action == catalog.AuditDocumentRemove && !strings.Contains(string(log[0].Detail), "Quét trùng hộp 01") {
			t.Errorf("removal's reason not audited: %s", log[0].Detail)
		}
	}
}
