package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/sohoa-vn/sohoa/api"
	"github.com/sohoa-vn/sohoa/certify/certifytest"
	"github.com/sohoa-vn/sohoa/results"
	"github.com/sohoa-vn/sohoa/storage/catalog"
	"github.com/sohoa-vn/sohoa/web"
)

// shotDir is where the screenshots of TestBrowserCopiesLaw are kept, to
// be looked at (SOHOA_SHOTS, default a folder under /tmp).
func shotDir(t *testing.T) string {
	d := os.Getenv("SOHOA_SHOTS")
	if d == "" {
		d = filepath.Join(os.TempDir(), "sohoa-copies-shots")
	}
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(shotDir(t), name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", path)
}

func evalString(t *testing.T, ctx context.Context, js string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return s
}

// TestBrowserCopiesLaw is the clerk issuing copies the law accepts, and
// the public page, in a real browser: "no result" is never preselected
// and needs a reason; choosing it for an original whose QR code names a
// revoked result still needs the acknowledgement; the loopback
// verification address is warned of; the public page tells the copy's
// signatures apart from the original's validity; /verify/ takes a code
// typed by hand. Screenshots are kept (see shotDir).
func TestBrowserCopiesLaw(t *testing.T) {
	ctx := context.Background()
	f := certifytest.New(t, "")
	newResult := func(code, validUntil string, docs ...string) results.Result {
		r, err := f.DB.CreateResult(ctx, results.Result{Code: code, OfficeID: certifytest.Office, OwnerID: "001", ProcedureCode: "1.1",
			Name: "Giấy chứng nhận đăng ký hộ kinh doanh", NumberSymbol: code + "/ĐKKD", Issuer: "UBND phường Một",
			IssueDate: "2023-05-02", ValidUntil: validUntil, DocumentIDs: docs}, results.Event{Actor: "a"})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	docNone := f.AddOriginal(t, 1)
	docQR := f.AddOriginalQR(t, 1, "https://dichvucong.gov.vn/tra-cuu?ma=KQ-TH-1")
	revoked := newResult("KQ-TH-1", "")
	if _, err := f.DB.RevokeResult(ctx, revoked.ID, "archivist", "cấp sai thẩm quyền"); err != nil {
		t.Fatal(err)
	}
	docExp := f.AddOriginal(t, 2)
	newResult("KQ-HH-2", "2025-04-30", docExp)
	clerk, _, err := f.DB.CreateAPIKey(ctx, catalog.APIKey{Name: "Cán bộ Một", Scopes: []string{"clerk"}, OfficeID: certifytest.Office})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/clerk/", (&web.Server{Service: f.Service, Keys: f.DB}).Handler())
	mux.Handle("/", api.NewMux(api.CopyRoutes(&api.Copies{Service: f.Service})))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	o := f.Service.Offices[certifytest.Office]
	o.VerifyURL = srv.URL + "/verify/" // loopback: warned of
	f.Service.Offices[certifytest.Office] = o

	b := newBrowser(t)
	if err := chromedp.Do(b, chromedp.Navigate(srv.URL+"/clerk/"), chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.Focus(chromedp.ID("token")), chromedp.KeyEvent(clerk)); err != nil {
		t.Fatal(err)
	}
	press(t, b, kb.Enter)
	if err := chromedp.Do(b, chromedp.WaitVisible(chromedp.ID("urlwarn"))); err != nil {
		t.Fatalf("the queue page does not warn of the loopback verification address: %v", err)
	}

	// 1. An original found to be no result: nothing is preselected, the
	// browser does not submit without a choice, and "no result" needs
	// the reason, shown in the book and on the public page.
	if err := chromedp.Do(b, chromedp.Navigate(srv.URL+"/clerk/documents/"+docNone), chromedp.WaitVisible(chromedp.ID("issue"))); err != nil {
		t.Fatal(err)
	}
	if w := evalString(t, b, `document.getElementById('urlwarn').textContent`); !strings.Contains(w, "loopback") || !strings.Contains(w, "SOHOA_PUBLIC_URL") {
		t.Errorf("clerk page warning = %q", w)
	}
	if c := evalString(t, b, `String(document.querySelector('input[name=result_id]:checked'))`); c != "null" {
		t.Errorf("a result option is preselected for an original found to be none: %s", c)
	}
	keyboardCheck(t, b, "document without result")
	if err := chromedp.Do(b, chromedp.Focus(chromedp.ID("requester")), chromedp.KeyEvent("Nguyễn Văn Dân"),
		chromedp.Focus(chromedp.ID("certifier")), chromedp.KeyEvent("Trần Thị Chứng")); err != nil {
		t.Fatal(err)
	}
	shot(t, b, "01-clerk-no-result-nothing-preselected")
	if v := evalString(t, b, `String(document.getElementById('issue').checkValidity())`); v != "false" {
		t.Errorf("the issue form is valid with no result option chosen")
	}
	const reason = "Bản chính do UBND tỉnh Bình Dương cấp"
	if err := chromedp.Do(b, chromedp.Click(chromedp.ID("rnone")), chromedp.Focus(chromedp.ID("no_result_reason")), chromedp.KeyEvent(reason),
		chromedp.Focus(chromedp.ID("issuebtn"))); err != nil {
		t.Fatal(err)
	}
	press(t, b, kb.Enter)
	if err := chromedp.Do(b, chromedp.WaitVisible(chromedp.ID("number"))); err != nil {
		html, _ := chromedp.Run(b, chromedp.OuterHTML(chromedp.CSS("main")))
		t.Fatalf("copy with no result: %v\n%s", err, html)
	}
	href := evalString(t, b, `document.getElementById('verify').href`)
	if err := chromedp.Do(b, chromedp.Navigate(href), chromedp.WaitVisible(chromedp.ID("original"))); err != nil {
		t.Fatal(err)
	}
	if now := evalString(t, b, `document.getElementById('original').dataset.now`); now != "none" {
		t.Errorf("public page of a copy with no result: original %q", now)
	}
	if r := evalString(t, b, `document.getElementById('orig-reason').textContent`); !strings.Contains(r, reason) {
		t.Errorf("public page reason = %q", r)
	}
	shot(t, b, "02-public-no-result-reason")

	// 2. An original whose QR code names a revoked result: it is
	// preselected with its warning; choosing "no result" instead, with a
	// reason, is refused until the warning is acknowledged.
	if err := chromedp.Do(b, chromedp.Navigate(srv.URL+"/clerk/documents/"+docQR), chromedp.WaitVisible(chromedp.ID("issue"))); err != nil {
		t.Fatal(err)
	}
	if c := evalString(t, b, `document.querySelector('input[name=result_id]:checked').id`); c != "r0" {
		t.Errorf("preselected %q, want the result found (r0)", c)
	}
	if err := chromedp.Do(b, chromedp.Click(chromedp.ID("rnone")), chromedp.Focus(chromedp.ID("no_result_reason")), chromedp.KeyEvent("không phải kết quả trong kho"),
		chromedp.Focus(chromedp.ID("requester")), chromedp.KeyEvent("Lê Văn F"),
		chromedp.Focus(chromedp.ID("certifier")), chromedp.KeyEvent("Trần Thị Chứng"), chromedp.Focus(chromedp.ID("issuebtn"))); err != nil {
		t.Fatal(err)
	}
	press(t, b, kb.Enter)
	if err := chromedp.Do(b, chromedp.WaitVisible(chromedp.ID("error"))); err != nil {
		t.Fatalf("\"no result\" for an original found to be a revoked result was not refused: %v", err)
	}
	if e := evalString(t, b, `document.getElementById('error').textContent`); !strings.Contains(e, "xác nhận cảnh báo") {
		t.Errorf("refusal = %q", e)
	}
	if v := evalString(t, b, `document.getElementById('requester').value + '|' + document.getElementById('rnone').checked`); v != "Lê Văn F|true" {
		t.Errorf("the refused form is not filled in again: %q", v)
	}
	shot(t, b, "03-clerk-no-result-for-revoked-refused")
	if err := chromedp.Do(b, chromedp.Click(chromedp.ID("ack")), chromedp.Focus(chromedp.ID("ack_note")),
		chromedp.KeyEvent("Công dân xác nhận bản chính không phải KQ-TH-1"), chromedp.Focus(chromedp.ID("issuebtn"))); err != nil {
		t.Fatal(err)
	}
	press(t, b, kb.Enter)
	if err := chromedp.Do(b, chromedp.WaitVisible(chromedp.ID("number"))); err != nil {
		html, _ := chromedp.Run(b, chromedp.OuterHTML(chromedp.CSS("main")))
		t.Fatalf("acknowledged copy: %v\n%s", err, html)
	}

	// 3. A copy of an expired result: the public page says the copy's
	// signatures are valid, and apart, that the original is expired.
	if err := chromedp.Do(b, chromedp.Navigate(srv.URL+"/clerk/documents/"+docExp), chromedp.WaitVisible(chromedp.ID("issue")),
		chromedp.Focus(chromedp.ID("requester")), chromedp.KeyEvent("Phạm Thị G"),
		chromedp.Focus(chromedp.ID("certifier")), chromedp.KeyEvent("Trần Thị Chứng"),
		chromedp.Click(chromedp.ID("ack")), chromedp.Focus(chromedp.ID("issuebtn"))); err != nil {
		t.Fatal(err)
	}
	press(t, b, kb.Enter)
	if err := chromedp.Do(b, chromedp.WaitVisible(chromedp.ID("number"))); err != nil {
		html, _ := chromedp.Run(b, chromedp.OuterHTML(chromedp.CSS("main")))
		t.Fatalf("copy of an expired result: %v\n%s", err, html)
	}
	code := strings.TrimPrefix(evalString(t, b, `document.getElementById('verify').href`), srv.URL+"/verify/")

	// The book shows what each copy stands on.
	if err := chromedp.Do(b, chromedp.Navigate(srv.URL+"/clerk/book"), chromedp.WaitVisible(chromedp.ID("book"))); err != nil {
		t.Fatal(err)
	}
	notes := evalString(t, b, `[...document.querySelectorAll('#book td.notes')].map(e => e.textContent).join(' | ')`)
	for _, want := range []string{reason, "KQ-TH-1", "KQ-HH-2 (hết hiệu lực / expired)"} {
		if !strings.Contains(notes, want) {
			t.Errorf("book notes %q lack %q", notes, want)
		}
	}
	shot(t, b, "04-clerk-book-basis")

	// 4. /verify/: the code typed by hand, lower case, in groups, with O
	// for 0 and I for 1.
	if err := chromedp.Do(b, chromedp.Navigate(srv.URL+"/verify/"), chromedp.WaitVisible(chromedp.ID("code"))); err != nil {
		t.Fatal(err)
	}
	if id := activeID(t, b); id != "code" {
		t.Errorf("the verification form's focus is on %q, want the code field", id)
	}
	keyboardCheck(t, b, "verification form")
	typed := strings.ToLower(strings.NewReplacer("0", "O", "1", "I").Replace(code[:5] + " - " + code[5:]))
	if err := chromedp.Do(b, chromedp.Focus(chromedp.ID("code")), chromedp.KeyEvent(typed)); err != nil {
		t.Fatal(err)
	}
	shot(t, b, "05-public-form-typed")
	press(t, b, kb.Enter)
	if err := chromedp.Do(b, chromedp.WaitVisible(chromedp.ID("original"))); err != nil {
		html, _ := chromedp.Run(b, chromedp.OuterHTML(chromedp.CSS("body")))
		t.Fatalf("typed code %q: %v\n%s", typed, err, html)
	}
	if u := evalString(t, b, `location.pathname`); u != "/verify/"+code {
		t.Errorf("typed %q reaches %s, want /verify/%s", typed, u, code)
	}
	got := evalString(t, b, `document.getElementById('verdict').dataset.valid + ' ' + document.getElementById('verdict').className + ' | ' +
		document.getElementById('original').dataset.now + ' ' + document.getElementById('original').dataset.atIssue + ' ' +
		document.getElementById('original').className + ' | ' + document.getElementById('orig-now').textContent`)
	if !strings.HasPrefix(got, "true verdict valid | expired expired verdict warn | ") || !strings.Contains(got, "HẾT HIỆU LỰC từ ngày 01/05/2025") {
		t.Errorf("public page of a copy of an expired result: %q", got)
	}
	shot(t, b, "06-public-expired-original")
	keyboardCheck(t, b, "verification page")

	// A mistyped code shows the form again, saying what a code is.
	if err := chromedp.Do(b, chromedp.Focus(chromedp.ID("code")), chromedp.KeyEvent("12345")); err != nil {
		t.Fatal(err)
	}
	press(t, b, kb.Enter)
	if err := chromedp.Do(b, chromedp.WaitVisible(chromedp.ID("verdict"))); err != nil {
		t.Fatal(err)
	}
	if m := evalString(t, b, `document.getElementById('verdict').textContent`); !strings.Contains(m, "10 ký tự") {
		t.Errorf("mistyped code: %q", m)
	}
	shot(t, b, "07-public-form-bad-code")
}
