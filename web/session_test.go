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
	"time"

	"github.com/sohoa-vn/sohoa/certify/certifytest"
	"github.com/sohoa-vn/sohoa/storage/catalog"
	"github.com/sohoa-vn/sohoa/web"
)

var loginCSRFRe = regexp.MustCompile(`<input type="hidden" name="csrf" value="([0-9a-f]{64})">`)

// loginForm opens the login page as c (taking its CSRF cookie) and
// returns the form that signs in with token.
func loginForm(t *testing.T, c *http.Client, base, token string) url.Values {
	t.Helper()
	return loginFormAt(t, c, base+"/clerk/login", token)
}

// loginFormAt is loginForm for the login page at page.
func loginFormAt(t testing.TB, c *http.Client, page, token string) url.Values {
	t.Helper()
	resp, err := c.Get(page)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := loginCSRFRe.FindSubmatch(b)
	if m == nil {
		t.Fatalf("login page without its CSRF token:\n%s", b)
	}
	return url.Values{"token": {token}, "csrf": {string(m[1])}}
}

// TestClerkSessions: the cookie holds a session ID, never the API key;
// logging out ends the session on the server; a session expires; the
// login form refuses a forged (cross-site, token-less) sign-in.
func TestClerkSessions(t *testing.T) {
	ctx := context.Background()
	f := certifytest.New(t, "")
	clerk, _, err := f.DB.CreateAPIKey(ctx, catalog.APIKey{Name: "Cán bộ", Scopes: []string{"clerk"}, OfficeID: certifytest.Office})
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := f.DB.CreateAPIKey(ctx, catalog.APIKey{Name: "Cán bộ khác", Scopes: []string{"clerk"}, OfficeID: "other"})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/clerk/", (&web.Server{Service: f.Service, Keys: f.DB, SessionIdle: 700 * time.Millisecond}).Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()
	base, _ := url.Parse(srv.URL + "/clerk/")
	client := func() *http.Client {
		jar, _ := cookiejar.New(nil)
		return &http.Client{Jar: jar}
	}
	status := func(c *http.Client, method, path string, form url.Values, hdr ...string) (int, string) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, srv.URL+path, body)
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
		return resp.StatusCode, resp.Request.URL.Path + "\n" + string(b)
	}
	signedIn := func(c *http.Client) bool {
		_, b := status(c, "GET", "/clerk/", nil)
		return strings.HasPrefix(b, "/clerk/\n")
	}

	c := client()
	if code, _ := status(c, "POST", "/clerk/login", loginForm(t, c, srv.URL, clerk)); code != 200 || !signedIn(c) {
		t.Fatalf("sign in: %d", code)
	}
	var sid string
	for _, k := range c.Jar.Cookies(base) {
		if k.Name == "sohoa_clerk" {
			sid = k.Value
		}
	}
	if sid == "" || strings.Contains(sid, clerk) || strings.Contains(clerk, sid) {
		t.Fatalf("session cookie %q: want a session ID that is not the key", sid)
	}

	// Login CSRF: no token, another site's origin, or another browser's token.
	victim := client()
	form := loginForm(t, victim, srv.URL, other)
	for name, tc := range map[string]struct {
		form url.Values
		hdr  []string
	}{
		"no token":           {url.Values{"token": {other}}, nil},
		"cross-site origin":  {form, []string{"Origin", "https://evil.example"}},
		"cross-site fetch":   {form, []string{"Sec-Fetch-Site", "cross-site"}},
		"another's token":    {url.Values{"token": {other}, "csrf": {loginForm(t, client(), srv.URL, other).Get("csrf")}}, nil},
		"cross-site referer": {form, []string{"Referer", "https://evil.example/x"}},
	} {
		if code, _ := status(victim, "POST", "/clerk/login", tc.form, tc.hdr...); code != 403 {
			t.Errorf("forged login (%s): %d, want 403", name, code)
		}
	}
	if signedIn(victim) {
		t.Fatal("a forged login signed the browser in")
	}

	// Logout ends the session: the same cookie, replayed, no longer works.
	stolen := client()
	stolen.Jar.SetCookies(base, []*http.Cookie{{Name: "sohoa_clerk", Value: sid, Path: "/clerk/"}})
	if !signedIn(stolen) {
		t.Fatal("the session cookie does not work in another client")
	}
	_, page := status(c, "GET", "/clerk/", nil)
	m := csrfRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no CSRF token on the queue page")
	}
	if code, _ := status(c, "POST", "/clerk/logout", url.Values{"csrf": {m[1]}}, "Origin", "https://evil.example"); code != 403 {
		t.Errorf("cross-site logout: %d, want 403", code)
	}
	if code, _ := status(c, "POST", "/clerk/logout", url.Values{"csrf": {m[1]}}); code != 200 || signedIn(c) {
		t.Fatalf("logout: %d", code)
	}
	if signedIn(stolen) {
		t.Error("the session still works after logout")
	}

	// An idle session expires.
	c = client()
	status(c, "POST", "/clerk/login", loginForm(t, c, srv.URL, clerk))
	if !signedIn(c) {
		t.Fatal("second sign in")
	}
	time.Sleep(time.Second)
	if signedIn(c) {
		t.Error("the session outlived its idle time")
	}
}
