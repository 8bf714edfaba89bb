package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/sohoa-vn/sohoa/certify/certifytest"
	"github.com/sohoa-vn/sohoa/storage/catalog"
	"github.com/sohoa-vn/sohoa/web"
)

var anyCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// clerkClient signs a clerk in through the login form (with whatever
// token the form carries) and returns a client and a function that
// posts a form with the page's CSRF token.
func clerkClient(t *testing.T, base, key string) (get func(path string) (int, string), post func(path string, form url.Values) (int, string)) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	do := func(req *http.Request) (int, string) {
		t.Helper()
		req.Header.Set("Origin", base)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	get = func(path string) (int, string) {
		req, _ := http.NewRequest("GET", base+path, nil)
		return do(req)
	}
	postRaw := func(path string, form url.Values) (int, string) {
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return do(req)
	}
	_, login := get("/clerk/login")
	form := url.Values{"token": {key}}
	if m := anyCSRF.FindStringSubmatch(login); m != nil {
		form.Set("csrf", m[1])
	}
	if code, body := postRaw("/clerk/login", form); code != 200 || !strings.Contains(body, `id="queue"`) && !strings.Contains(body, "scan") {
		t.Fatalf("sign in: %d\n%s", code, body)
	}
	post = func(path string, form url.Values) (int, string) {
		_, page := get("/clerk/")
		if m := anyCSRF.FindStringSubmatch(page); m != nil {
			form.Set("csrf", m[1])
		}
		return postRaw(path, form)
	}
	return get, post
}

// Without a public verification address the clerk's pages say issuance
// is refused, and it is, on the form filled in again; with one, the copy
// page shows the reason recorded for linking no result.
func TestClerkPublicURLAndReason(t *testing.T) {
	ctx := context.Background()
	f := certifytest.New(t, "")
	doc := f.AddOriginal(t, 1)
	key, _, err := f.DB.CreateAPIKey(ctx, catalog.APIKey{Name: "Cán bộ", Scopes: []string{"clerk"}, OfficeID: certifytest.Office})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/clerk/", (&web.Server{Service: f.Service, Keys: f.DB}).Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()
	o := f.Service.Offices[certifytest.Office]
	o.VerifyURL = ""
	f.Service.Offices[certifytest.Office] = o
	get, post := clerkClient(t, srv.URL, key)

	for _, path := range []string{"/clerk/", "/clerk/documents/" + doc} {
		if code, body := get(path); code != 200 || !strings.Contains(body, `id="urlrefused"`) || !strings.Contains(body, "SOHOA_PUBLIC_URL") {
			t.Errorf("%s without a public URL: %d, no refusal shown", path, code)
		}
	}
	form := url.Values{"result_id": {""}, "no_result_reason": {"Bản chính do cơ quan khác cấp"}, "requester": {"Ngô Thị D"},
		"certifier": {"Đỗ Văn E"}}
	code, body := post("/clerk/documents/"+doc+"/issue", form)
	if code != 409 || !strings.Contains(body, `id="error"`) || !strings.Contains(body, "SOHOA_PUBLIC_URL") || !strings.Contains(body, `value="Ngô Thị D"`) {
		t.Errorf("issue without a public URL: %d\n%s", code, body)
	}

	// Required fields missing: the problems are named on the form.
	o.VerifyURL = "https://dichvucong.example.gov.vn/verify/"
	f.Service.Offices[certifytest.Office] = o
	code, body = post("/clerk/documents/"+doc+"/issue", url.Values{"result_id": {""}, "requester": {"Ngô Thị D"}})
	if code != 400 || !strings.Contains(body, "người thực hiện chứng thực") || !strings.Contains(body, "lý do không gắn kết quả") {
		t.Errorf("issue without certifier and reason: %d\n%s", code, body)
	}
	if _, body := get("/clerk/documents/" + doc); strings.Contains(body, `id="urlwarn"`) || strings.Contains(body, `id="urlrefused"`) {
		t.Errorf("a public address is warned of")
	}
	code, body = post("/clerk/documents/"+doc+"/issue", form)
	if code != 200 || !strings.Contains(body, `id="noresultreason"`) || !strings.Contains(body, "Bản chính do cơ quan khác cấp") {
		t.Errorf("copy page: %d\n%s", code, body)
	}
}
