package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/certify/certifytest"
	"github.com/sohoa-vn/sohoa/results"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// lawEnv is a copies API over a fixture, with a clerk's key. Requests
// and answers are plain JSON, as a client writes them.
type lawEnv struct {
	t     *testing.T
	f     *certifytest.Fixture
	srv   *httptest.Server
	clerk string
}

func newLawEnv(t *testing.T) *lawEnv {
	f := certifytest.New(t, "")
	tok, _, err := f.DB.CreateAPIKey(context.Background(), catalog.APIKey{Name: "clerk", Scopes: []string{"clerk"}, OfficeID: certifytest.Office})
	if err != nil {
		t.Fatal(err)
	}
	c := &Copies{Service: f.Service}
	srv := httptest.NewServer(Authenticate(f.DB, nil)(NewMux(append(CopyRoutes(c), CertBookRoutes(c)...))))
	t.Cleanup(srv.Close)
	return &lawEnv{t: t, f: f, srv: srv, clerk: tok}
}

func (e *lawEnv) do(method, path string, body any) (int, []byte, http.Header) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	if !strings.HasPrefix(path, "/verify") {
		req.Header.Set("Authorization", "Bearer "+e.clerk)
	}
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := cl.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header
}

type apiAnswer struct {
	Error struct {
		Code string `json:"code"`
		VI   string `json:"vi"`
		EN   string `json:"en"`
	} `json:"error"`
	Problems []struct {
		Field string `json:"field"`
		VI    string `json:"vi"`
		EN    string `json:"en"`
	} `json:"problems"`
	ID     string `json:"id"`
	Code   string `json:"code"`
	Number int    `json:"number"`
}

func answer(t *testing.T, b []byte) apiAnswer {
	t.Helper()
	var a apiAnswer
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatalf("answer %s: %v", b, err)
	}
	return a
}

func (a apiAnswer) fields() []string {
	var out []string
	for _, p := range a.Problems {
		out = append(out, p.Field)
	}
	slices.Sort(out)
	return out
}

func (e *lawEnv) result(code string, validUntil string, docs ...string) results.Result {
	e.t.Helper()
	r, err := e.f.DB.CreateResult(context.Background(), results.Result{Code: code, OfficeID: certifytest.Office, OwnerID: "001",
		ProcedureCode: "1.1", Name: "Giấy phép kinh doanh", NumberSymbol: code + "/GPKD", Issuer: "UBND phường Một",
		IssueDate: "2023-05-02", ValidUntil: validUntil, DocumentIDs: docs}, results.Event{Actor: "a"})
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// POST /v1/copies refuses a copy the book could not record: no requester,
// no certifier, neither a result nor a reason why none (400 naming each
// field, in both languages); and a copy of an original linked to, or
// found to be, a result that is not valid cannot skip the acknowledgement
// by choosing "no result".
func TestCopiesAPIBookFieldsAndValidity(t *testing.T) {
	ctx := context.Background()
	e := newLawEnv(t)
	doc := e.f.AddOriginal(t, 1)

	st, b, _ := e.do("POST", "/v1/copies", map[string]any{"document_id": doc})
	a := answer(t, b)
	if st != 400 || !slices.Equal(a.fields(), []string{"certifier", "requester", "result_id"}) {
		t.Fatalf("POST /v1/copies with only document_id = %d %s; want 400 naming requester, certifier, result_id", st, b)
	}
	for _, p := range a.Problems {
		if p.VI == "" || p.EN == "" || p.VI == p.EN {
			t.Errorf("problem %+v is not in both languages", p)
		}
	}

	// The reason recorded for linking no result is in the book (JSON and
	// PDF) and on the public page.
	const reason = "Bản chính do Sở Tư pháp tỉnh khác cấp"
	st, b, _ = e.do("POST", "/v1/copies", map[string]any{"document_id": doc, "requester": "Nguyễn Văn Dân",
		"certifier": "Trần Thị Chứng", "no_result_reason": reason})
	if st != 201 {
		t.Fatalf("copy with a reason = %d %s", st, b)
	}
	cp := answer(t, b)
	now := time.Now().In(results.Vietnam)
	book := "/v1/certbook/" + now.Format("2006") + "/" + now.Format("1")
	st, b, _ = e.do("GET", book, nil)
	var page struct {
		Lines []struct {
			Number         int    `json:"number"`
			Requester      string `json:"requester"`
			Certifier      string `json:"certifier"`
			NoResultReason string `json:"no_result_reason"`
			BookNotes      string `json:"book_notes"`
		} `json:"lines"`
	}
	json.Unmarshal(b, &page)
	if st != 200 || len(page.Lines) != 1 || page.Lines[0].NoResultReason != reason || !strings.Contains(page.Lines[0].BookNotes, reason) ||
		page.Lines[0].Requester != "Nguyễn Văn Dân" || page.Lines[0].Certifier != "Trần Thị Chứng" {
		t.Errorf("book = %d %s", st, b)
	}
	st, b, _ = e.do("GET", book+"?format=pdf", nil)
	path := filepath.Join(t.TempDir(), "book.pdf")
	os.WriteFile(path, b, 0o600)
	out, err := exec.Command("pdftotext", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext (Debian: poppler-utils): %v", err)
	}
	if txt := strings.Join(strings.Fields(string(out)), " "); st != 200 || !strings.Contains(txt, "Không gắn kết quả") || !strings.Contains(txt, reason) {
		t.Errorf("book PDF lacks the reason:\n%s", txt)
	}
	st, b, _ = e.do("GET", "/verify/"+cp.Code, nil)
	if html := string(b); st != 200 || !strings.Contains(html, `data-now="none"`) || !strings.Contains(html, reason) {
		t.Errorf("public page of a copy with no result = %d, lacks the reason:\n%s", st, html)
	}

	// An original linked to a revoked result: "no result" is refused, and
	// the result itself needs the acknowledgement.
	linked := e.f.AddOriginal(t, 1)
	r := e.result("KQ-THU-HOI", "", linked)
	if _, err := e.f.DB.RevokeResult(ctx, r.ID, "a", "cấp sai"); err != nil {
		t.Fatal(err)
	}
	body := map[string]any{"document_id": linked, "requester": "A", "certifier": "B", "no_result_reason": "không có trong kho"}
	if st, b, _ := e.do("POST", "/v1/copies", body); st != 400 || !slices.Equal(answer(t, b).fields(), []string{"result_id"}) {
		t.Errorf("no result for an original linked to a revoked result = %d %s; want 400 on result_id", st, b)
	}
	body = map[string]any{"document_id": linked, "requester": "A", "certifier": "B", "result_id": r.ID}
	if st, b, _ := e.do("POST", "/v1/copies", body); st != 409 || answer(t, b).Error.Code != "needs_ack" {
		t.Errorf("revoked result without acknowledgement = %d %s; want 409 needs_ack", st, b)
	}

	// An original whose QR code names a revoked result: choosing "no
	// result" still needs the acknowledgement, which is recorded.
	qr := e.f.AddOriginalQR(t, 1, "https://dichvucong.gov.vn/ket-qua/KQ-QR-9")
	rq := e.result("KQ-QR-9", "")
	if _, err := e.f.DB.RevokeResult(ctx, rq.ID, "a", "thu hồi"); err != nil {
		t.Fatal(err)
	}
	body = map[string]any{"document_id": qr, "requester": "A", "certifier": "B", "no_result_reason": "bản chính của cơ quan khác"}
	if st, b, _ := e.do("POST", "/v1/copies", body); st != 409 || answer(t, b).Error.Code != "needs_ack" {
		t.Errorf("no result for an original whose QR names a revoked result = %d %s; want 409 needs_ack", st, b)
	}
	body["ack_warning"] = "đã kiểm tra: không phải kết quả KQ-QR-9"
	st, b, _ = e.do("POST", "/v1/copies", body)
	var view struct {
		WarningAck     string `json:"warning_ack"`
		NoResultReason string `json:"no_result_reason"`
	}
	json.Unmarshal(b, &view)
	if st != 201 || view.WarningAck != body["ack_warning"] || view.NoResultReason != body["no_result_reason"] {
		t.Errorf("acknowledged copy = %d %s", st, b)
	}
}

// The public page tells the copy's signatures apart from the original's
// validity, when issued and now, with dates.
func TestVerifyPageTellsOriginal(t *testing.T) {
	ctx := context.Background()
	e := newLawEnv(t)
	doc := e.f.AddOriginal(t, 1)
	r := e.result("GP-HET-HAN", "2025-04-30", doc)
	st, b, _ := e.do("POST", "/v1/copies", map[string]any{"document_id": doc, "result_id": r.ID, "requester": "A", "certifier": "B",
		"ack_warning": "công dân biết giấy phép đã hết hạn"})
	if st != 201 {
		t.Fatalf("copy of an expired result = %d %s", st, b)
	}
	cp := answer(t, b)
	st, b, _ = e.do("GET", "/verify/"+cp.Code, nil)
	html := string(b)
	for _, want := range []string{`data-valid="true"`, "CHỮ KÝ SỐ HỢP LỆ", `id="original"`, `data-now="expired"`, `data-at-issue="expired"`,
		"HẾT HIỆU LỰC từ ngày 01/05/2025", "đến hết ngày 30/04/2025", "Giấy phép kinh doanh GP-HET-HAN/GPKD", "đã ghi nhận cảnh báo"} {
		if !strings.Contains(html, want) {
			t.Errorf("public page of a copy of an expired result lacks %q", want)
		}
	}
	if st != 200 || strings.Contains(html, `class="verdict valid" id="original"`) {
		t.Errorf("public page = %d, original shown valid:\n%s", st, html)
	}
	if _, b, _ := e.do("GET", "/verify/"+cp.Code+"?lang=en", nil); !strings.Contains(string(b), "EXPIRED since 01/05/2025") ||
		!strings.Contains(string(b), "SIGNATURES VALID") {
		t.Errorf("English page lacks the original's validity:\n%s", b)
	}

	// Revoked after the copy was issued: both are told.
	if _, err := e.f.DB.RevokeResult(ctx, r.ID, "a", "thu hồi"); err != nil {
		t.Fatal(err)
	}
	_, b, _ = e.do("GET", "/verify/"+cp.Code, nil)
	today := time.Now().In(results.Vietnam).Format("02/01/2006")
	for _, want := range []string{`data-now="revoked"`, `data-at-issue="expired"`, "ĐÃ BỊ THU HỒI ngày " + today, `class="verdict invalid" id="original"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("public page after revocation lacks %q", want)
		}
	}
}

// /verify/ has a form to type the code; a code is read as typed (case,
// spaces and hyphens ignored, O as 0, I and L as 1); anything else shows
// the form again, saying what a code looks like.
func TestVerifyForm(t *testing.T) {
	e := newLawEnv(t)
	st, b, h := e.do("GET", "/verify/", nil)
	if st != 200 || !strings.Contains(string(b), `<form method="get" action="/verify/-">`) || !strings.Contains(string(b), `id="code"`) ||
		!strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /verify/ = %d %s\n%s", st, h.Get("Content-Type"), b)
	}
	for typed, want := range map[string]string{
		"7k3m9-qxr2d":     "/verify/7K3M9QXR2D",
		" 7K3M9 QXR2D ":   "/verify/7K3M9QXR2D",
		"O0ILl-1abcd":     "/verify/001111ABCD",
		"7K3M9--QXR2D":    "/verify/7K3M9QXR2D",
		"7k3m9 - qxr2d  ": "/verify/7K3M9QXR2D",
	} {
		st, _, h := e.do("GET", "/verify/-?code="+strings.ReplaceAll(typed, " ", "+"), nil)
		if st != 303 || h.Get("Location") != want {
			t.Errorf("typed %q: %d %q, want 303 to %s", typed, st, h.Get("Location"), want)
		}
	}
	for _, typed := range []string{"", "123", "7K3M9QXR2DX", "7K3M9-QXR2U", "<script>"} {
		st, b, _ := e.do("GET", "/verify/-?code="+typed, nil)
		if st != 400 || !strings.Contains(string(b), "10 ký tự") || !strings.Contains(string(b), `id="code"`) || strings.Contains(string(b), "<script>") {
			t.Errorf("typed %q: %d; want 400 with the form and what a code looks like\n%s", typed, st, b)
		}
	}
}

// Without a public verification address, or with the listen address of
// every interface, no copy is issued: the QR code would lead nowhere.
func TestCopiesAPINeedsPublicURL(t *testing.T) {
	e := newLawEnv(t)
	doc := e.f.AddOriginal(t, 1)
	for _, u := range []string{"", "http://0.0.0.0:8080/verify/", "http://[::]:8183/verify/"} {
		o := e.f.Service.Offices[certifytest.Office]
		o.VerifyURL = u
		e.f.Service.Offices[certifytest.Office] = o
		st, b, _ := e.do("POST", "/v1/copies", map[string]any{"document_id": doc, "requester": "A", "certifier": "B",
			"no_result_reason": "khác"})
		a := answer(t, b)
		if st != 409 || a.Error.Code != "no_public_url" || !strings.Contains(a.Error.VI, "SOHOA_PUBLIC_URL") || !strings.Contains(a.Error.EN, "SOHOA_PUBLIC_URL") {
			t.Errorf("issue with verify URL %q = %d %s; want 409 no_public_url naming SOHOA_PUBLIC_URL in both languages", u, st, b)
		}
	}
	now := time.Now().In(results.Vietnam)
	if es, _ := e.f.DB.CertEntries(context.Background(), certifytest.Office, "02-SCTĐT/BS", now.Year(), 0); len(es) != 0 {
		t.Errorf("refused issuances took numbers: %+v", es)
	}
}
