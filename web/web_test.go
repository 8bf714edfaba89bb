package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/sohoa-vn/sohoa/api"
	"github.com/sohoa-vn/sohoa/certify/certifytest"
	"github.com/sohoa-vn/sohoa/ingest"
	"github.com/sohoa-vn/sohoa/ocr"
	"github.com/sohoa-vn/sohoa/results"
	"github.com/sohoa-vn/sohoa/scanners/synthetic"
	"github.com/sohoa-vn/sohoa/storage/catalog"
	"github.com/sohoa-vn/sohoa/web"
)

// ocrNow OCRs each page as soon as it is queued (Tesseract, in process),
// as a worker would.
type ocrNow struct {
	pool *ocr.Pool
	f    *certifytest.Fixture
}

func (q ocrNow) EnqueueOCR(ctx context.Context, pageID string) error {
	p, err := q.f.DB.Page(ctx, pageID)
	if err != nil {
		return err
	}
	rc, _, err := q.f.Store.Get(ctx, p.BlobKey)
	if err != nil {
		return err
	}
	img, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return err
	}
	res, err := q.pool.Recognize(ctx, img)
	if err != nil {
		return err
	}
	js, _ := json.Marshal(res)
	key := "ocr/" + pageID + ".json"
	if _, err := q.f.Store.Put(ctx, key, bytes.NewReader(js), int64(len(js))); err != nil {
		return err
	}
	_, err = q.f.DB.MarkPageOCRed(ctx, pageID, len(res.Text), res.MeanConf, key)
	return err
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([0-9a-f]{64})"`)

func TestClerkPages(t *testing.T) {
	ctx := context.Background()
	f := certifytest.New(t, "")
	doc := f.AddOriginal(t, 2)
	r, err := f.DB.CreateResult(ctx, results.Result{Code: "KQ-77", OfficeID: certifytest.Office, OwnerID: "001", ProcedureCode: "2.1",
		Name: "Giấy chứng nhận đăng ký hộ kinh doanh", NumberSymbol: "77/HKD", Issuer: "UBND phường Một", IssueDate: "2025-05-02",
		DocumentIDs: []string{doc}}, results.Event{Actor: "a"})
	if err != nil {
		t.Fatal(err)
	}
	tok := func(scope, office string) string {
		s, _, err := f.DB.CreateAPIKey(ctx, catalog.APIKey{Name: "Cán bộ " + office, Scopes: []string{scope}, OfficeID: office})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	clerk, system, other := tok("clerk", certifytest.Office), tok("system", certifytest.Office), tok("clerk", "other")

	pool, err := ocr.NewPool(ocr.Config{Workers: 1})
	if err != nil {
		t.Fatalf("OCR (Debian: tesseract-ocr tesseract-ocr-vie): %v", err)
	}
	defer pool.Close()
	ing := &ingest.Ingester{Catalog: f.DB, Store: f.Store, Queue: ocrNow{pool, f}, TempDir: t.TempDir()}
	ws := &web.Server{Service: f.Service, Keys: f.DB, Upload: ing}
	mux := http.NewServeMux()
	mux.Handle("/clerk/", ws.Handler())
	mux.Handle("/", api.NewMux(api.CopyRoutes(&api.Copies{Service: f.Service})))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	newClient := func() *http.Client {
		jar, _ := cookiejar.New(nil)
		return &http.Client{Jar: jar}
	}
	get := func(c *http.Client, path string) (int, string) {
		t.Helper()
		resp, err := c.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	post := func(c *http.Client, path string, form url.Values) (int, string, *http.Response) {
		t.Helper()
		resp, err := c.PostForm(srv.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp
	}
	login := func(token string) *http.Client {
		c := newClient()
		code, body, _ := post(c, "/clerk/login", loginForm(t, c, srv.URL, token))
		if code != 200 || !strings.Contains(body, `id="q"`) {
			t.Fatalf("login: %d\n%s", code, body)
		}
		return c
	}

	// Signing in.
	c := newClient()
	if code, body := get(c, "/clerk/"); code != 200 || !strings.Contains(body, `id="token"`) {
		t.Fatalf("anonymous: %d, want the login form", code)
	}
	for _, bad := range []string{"sohoa_x_y", system} {
		if code, body, _ := post(c, "/clerk/login", loginForm(t, c, srv.URL, bad)); code != 401 || !strings.Contains(body, "Khóa không đúng") {
			t.Errorf("login with %q: %d", bad, code)
		}
	}
	nr := &http.Client{Jar: newClient().Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := nr.PostForm(srv.URL+"/clerk/login", loginForm(t, nr, srv.URL, clerk))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	sc := resp.Header.Get("Set-Cookie")
	for _, want := range []string{"HttpOnly", "SameSite=Strict", "Path=/clerk/"} {
		if !strings.Contains(sc, want) {
			t.Errorf("cookie %q lacks %s", sc, want)
		}
	}
	c = login(clerk)

	// The queue, in Vietnamese and in English.
	code, body := get(c, "/clerk/")
	if code != 200 || !strings.Contains(body, "/clerk/documents/"+doc) || !strings.Contains(body, "Bản chính chờ chứng thực") {
		t.Fatalf("queue: %d\n%s", code, body)
	}
	if _, body := get(c, "/clerk/?lang=en"); !strings.Contains(body, "Originals awaiting certification") {
		t.Error("English switch")
	}
	if _, body := get(c, "/clerk/"); !strings.Contains(body, "Originals awaiting") {
		t.Error("the language choice is not remembered")
	}
	get(c, "/clerk/?lang=vi")

	// The document: its result and validity, the preview, the form.
	code, body = get(c, "/clerk/documents/"+doc)
	if code != 200 || !strings.Contains(body, `data-validity="valid"`) || !strings.Contains(body, "77/HKD") ||
		!strings.Contains(body, "/clerk/documents/"+doc+"/pages/2") {
		t.Fatalf("document page: %d\n%s", code, body)
	}
	if code, _ := get(c, "/clerk/documents/"+doc+"/pages/1"); code != 200 {
		t.Errorf("page preview: %d", code)
	}
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no CSRF token in the form")
	}
	form := url.Values{"result_id": {r.ID}, "requester": {"Ngô Thị D"}, "certifier": {"Đỗ Văn E"}, "fee": {"2.000"}}
	if code, _, _ := post(c, "/clerk/documents/"+doc+"/issue", form); code != 403 {
		t.Errorf("issue without CSRF: %d, want 403", code)
	}
	wrong := "0"
	if m[1][0] == '0' { // the real token may start with 0 itself
		wrong = "1"
	}
	form.Set("csrf", wrong+m[1][1:])
	if code, _, _ := post(c, "/clerk/documents/"+doc+"/issue", form); code != 403 {
		t.Errorf("issue with a wrong CSRF token: %d, want 403", code)
	}
	form.Set("csrf", m[1])
	code, body, resp = post(c, "/clerk/documents/"+doc+"/issue", form)
	if code != 200 || !strings.HasPrefix(resp.Request.URL.Path, "/clerk/copies/") || !strings.Contains(body, `<dd id="number">1</dd>`) {
		t.Fatalf("issue: %d %s\n%s", code, resp.Request.URL, body)
	}
	copyPath := resp.Request.URL.Path
	code, pdf := get(c, copyPath+"/pdf")
	if code != 200 || !strings.HasPrefix(pdf, "%PDF") {
		t.Fatalf("download: %d", code)
	}

	// The QR link is the public page: "valid".
	verify := regexp.MustCompile(`id="verify" href="http://127.0.0.1(/verify/[0-9A-Z]{10})"`).FindStringSubmatch(body)
	if verify == nil {
		t.Fatalf("no verification link:\n%s", body)
	}
	if code, page := get(newClient(), verify[1]); code != 200 || !strings.Contains(page, `data-valid="true"`) {
		t.Errorf("verification page: %d", code)
	}

	// A revoked original: warning, refused without acknowledgement,
	// issued with it, and the acknowledgement shown and recorded.
	if _, err := f.DB.RevokeResult(ctx, r.ID, "a", "sai sót / error"); err != nil {
		t.Fatal(err)
	}
	_, body = get(c, "/clerk/documents/"+doc)
	if !strings.Contains(body, `data-validity="revoked"`) || !strings.Contains(body, `class="warn"`) {
		t.Fatalf("revoked: no warning\n%s", body)
	}
	if code, body, _ := post(c, "/clerk/documents/"+doc+"/issue", form); code != 409 || !strings.Contains(body, "xác nhận cảnh báo") {
		t.Errorf("revoked without ack: %d", code)
	}
	form.Set("ack", "1")
	form.Set("ack_note", "Đã báo công dân")
	code, body, _ = post(c, "/clerk/documents/"+doc+"/issue", form)
	if code != 200 || !strings.Contains(body, `<dd id="number">2</dd>`) || !strings.Contains(body, "Đã báo công dân") {
		t.Fatalf("revoked with ack: %d\n%s", code, body)
	}

	// History, and another office sees nothing.
	if _, body := get(c, "/clerk/"); strings.Count(body, `href="/clerk/copies/`) != 2 {
		t.Errorf("history should list 2 copies")
	}
	o := login(other)
	if code, _ := get(o, "/clerk/documents/"+doc); code != 404 {
		t.Errorf("other office's document: %d", code)
	}
	if code, _ := get(o, copyPath); code != 404 {
		t.Errorf("other office's copy: %d", code)
	}

	// Upload a scan: it is OCR'd, and shows in the queue ready to issue.
	var img bytes.Buffer
	png.Encode(&img, synthetic.Render(synthetic.Documents(7)[0], 0, synthetic.Bilevel200))
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	mw.WriteField("csrf", m[1])
	fw, _ := mw.CreateFormFile("scan", "giay-to.png")
	fw.Write(img.Bytes())
	mw.Close()
	resp, err = c.Post(srv.URL+"/clerk/upload", mw.FormDataContentType(), &mp)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Request.URL.Path, "/clerk/documents/") || !strings.Contains(string(b), `id="issuebtn"`) {
		t.Fatalf("upload: %d %s\n%s", resp.StatusCode, resp.Request.URL, b)
	}

	// Sign out.
	_, body = get(c, "/clerk/")
	m = csrfRe.FindStringSubmatch(body)
	post(c, "/clerk/logout", url.Values{"csrf": {m[1]}})
	if _, body := get(c, "/clerk/"); !strings.Contains(body, `id="token"`) {
		t.Error("still signed in after sign-out")
	}
}
