package certify_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/certify"
	"github.com/sohoa-vn/sohoa/certify/certifytest"
	"github.com/sohoa-vn/sohoa/results"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// bookNow is the fixture office's book for the current month.
func bookNow(t *testing.T, f *certifytest.Fixture) []catalog.BookEntry {
	t.Helper()
	now := time.Now().In(results.Vietnam)
	es, err := f.Service.Book(context.Background(), certifytest.Office, now.Year(), int(now.Month()))
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func problemFields(err error) []string {
	var ps results.Problems
	if !errors.As(err, &ps) {
		return nil
	}
	var out []string
	for _, p := range ps {
		out = append(out, p.Field)
	}
	slices.Sort(out)
	return out
}

// A copy's book line has a requester and a certifier, and the copy stands
// on a result or on a recorded reason why none: a request lacking them
// takes no number.
func TestIssueRequiresBookFields(t *testing.T) {
	ctx := context.Background()
	f := certifytest.New(t, "")
	doc := f.AddOriginal(t, 1)
	for _, c := range []struct {
		name string
		req  certify.IssueRequest
		want []string
	}{
		{"only the document", certify.IssueRequest{DocumentID: doc}, []string{"certifier", "requester", "result_id"}},
		{"blank names", certify.IssueRequest{DocumentID: doc, Requester: "  ", Certifier: "\t", NoResultReason: certifytest.NoResult},
			[]string{"certifier", "requester"}},
		{"no result, no reason", certify.IssueRequest{DocumentID: doc, Requester: "A", Certifier: "B"}, []string{"result_id"}},
		{"a result and a reason", certify.IssueRequest{DocumentID: doc, Requester: "A", Certifier: "B", ResultID: "r",
			NoResultReason: "x"}, []string{"no_result_reason"}},
	} {
		c.req.OfficeID, c.req.Actor = certifytest.Office, "t"
		_, err := f.Service.Issue(ctx, c.req)
		if got := problemFields(err); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v; want problems with fields %v", c.name, err, c.want)
		}
		if err != nil && !strings.Contains(err.Error(), " / ") {
			t.Errorf("%s: error is not bilingual: %v", c.name, err)
		}
	}
	if es := bookNow(t, f); len(es) != 0 {
		t.Errorf("refused requests took numbers: %+v", es)
	}
}

// The warning about a result that is not valid cannot be skipped by
// choosing another result, or none, for an original found to be it.
func TestIssueCannotSkipValidity(t *testing.T) {
	ctx := context.Background()
	f := certifytest.New(t, "")
	newResult := func(code string, docs ...string) results.Result {
		t.Helper()
		r, err := f.DB.CreateResult(ctx, results.Result{Code: code, OfficeID: certifytest.Office, OwnerID: "001", ProcedureCode: "1.1",
			Name: "Giấy phép kinh doanh", NumberSymbol: code + "/GPKD", Issuer: "UBND phường Một", IssueDate: "2024-03-01",
			DocumentIDs: docs}, results.Event{Actor: "a"})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	base := certify.IssueRequest{OfficeID: certifytest.Office, Requester: "Nguyễn Văn Dân", Certifier: "Trần Thị Chứng", Actor: "t"}

	// An original linked to a revoked result.
	linkedDoc := f.AddOriginal(t, 1)
	revoked := newResult("KQ-R", linkedDoc)
	if _, err := f.DB.RevokeResult(ctx, revoked.ID, "a", "cấp sai"); err != nil {
		t.Fatal(err)
	}
	other := newResult("KQ-V")
	req := base
	req.DocumentID, req.NoResultReason = linkedDoc, "Bản chính do cơ quan khác cấp"
	if _, err := f.Service.Issue(ctx, req); !slices.Equal(problemFields(err), []string{"result_id"}) ||
		!strings.Contains(err.Error(), "KQ-R") {
		t.Errorf("no result for an original linked to a revoked one: %v; want a problem naming KQ-R", err)
	}
	req.AckWarning = "ok"
	if _, err := f.Service.Issue(ctx, req); problemFields(err) == nil {
		t.Errorf("no result for a linked original, acknowledged: %v; want refused", err)
	}
	req = base
	req.DocumentID, req.ResultID = linkedDoc, other.ID
	if _, err := f.Service.Issue(ctx, req); !slices.Equal(problemFields(err), []string{"result_id"}) {
		t.Errorf("another, valid result for an original linked to a revoked one: %v; want refused", err)
	}
	req.ResultID = revoked.ID
	if _, err := f.Service.Issue(ctx, req); !errors.Is(err, certify.ErrNeedsAck) {
		t.Errorf("the linked revoked result without acknowledgement: %v; want ErrNeedsAck", err)
	}
	if es := bookNow(t, f); len(es) != 0 {
		t.Fatalf("refused requests took numbers: %+v", es)
	}

	// An original whose QR code names a revoked result it is not linked to.
	qrDoc := f.AddOriginalQR(t, 1, "https://dichvucong.gov.vn/tra-cuu?ma=KQ-QR")
	qrResult := newResult("KQ-QR")
	if _, err := f.DB.RevokeResult(ctx, qrResult.ID, "a", "thu hồi"); err != nil {
		t.Fatal(err)
	}
	req = base
	req.DocumentID, req.NoResultReason = qrDoc, "Bản chính do cơ quan khác cấp"
	if _, err := f.Service.Issue(ctx, req); !errors.Is(err, certify.ErrNeedsAck) || !strings.Contains(err.Error(), "KQ-QR") {
		t.Fatalf("no result for an original whose QR names a revoked result: %v; want ErrNeedsAck naming KQ-QR", err)
	}
	req2 := base
	req2.DocumentID, req2.ResultID = qrDoc, other.ID
	if _, err := f.Service.Issue(ctx, req2); !errors.Is(err, certify.ErrNeedsAck) {
		t.Fatalf("another result for an original whose QR names a revoked result: %v; want ErrNeedsAck", err)
	}
	req.AckWarning = "Công dân khẳng định bản chính không phải kết quả KQ-QR"
	is, err := f.Service.Issue(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if is.Copy.ResultID != "" || is.Copy.WarningAck != req.AckWarning {
		t.Errorf("copy = %+v", is.Copy)
	}
	es := bookNow(t, f)
	if len(es) != 1 || es[0].NoResultReason != req.NoResultReason || es[0].Requester != "Nguyễn Văn Dân" ||
		es[0].Certifier != "Trần Thị Chứng" || es[0].WarningAck != req.AckWarning {
		t.Fatalf("book = %+v", es)
	}
	if n := certify.BookNotes(es[0]); !strings.Contains(n, "Không gắn kết quả / no result: Bản chính do cơ quan khác cấp") ||
		!strings.Contains(n, req.AckWarning) {
		t.Errorf("book notes = %q", n)
	}
	v, err := f.Service.Verify(ctx, is.Copy.Code)
	if err != nil || v.Original != nil || v.NoResultReason != req.NoResultReason {
		t.Errorf("verification of a copy with no result = %+v, %v", v, err)
	}
	log, err := f.DB.AuditLog(ctx, catalog.AuditQuery{Action: catalog.AuditCopyIssued, Subject: is.Copy.ID})
	if err != nil || len(log) != 1 || !bytes.Contains(log[0].Detail, []byte(qrResult.ID)) ||
		!bytes.Contains(log[0].Detail, []byte(`"no_result_reason"`)) {
		t.Errorf("audit of the issuance = %+v, %v; want the result found and the reason", log, err)
	}
}

// Expired results need the acknowledgement too (the copy is legal, but
// must not be taken for a valid licence), and the verification tells the
// original's validity when issued and now, with dates, apart from the
// copy's signatures.
func TestIssueExpiredAndVerifyOriginal(t *testing.T) {
	ctx := context.Background()
	f := certifytest.New(t, "")
	doc := f.AddOriginal(t, 1)
	r, err := f.DB.CreateResult(ctx, results.Result{Code: "GP-1", OfficeID: certifytest.Office, OwnerID: "001", ProcedureCode: "1.1",
		Name: "Giấy phép xây dựng", NumberSymbol: "12/GPXD", Issuer: "UBND phường Một", IssueDate: "2023-02-01",
		ValidUntil: "2025-01-31", DocumentIDs: []string{doc}}, results.Event{Actor: "a"})
	if err != nil {
		t.Fatal(err)
	}
	req := certify.IssueRequest{OfficeID: certifytest.Office, DocumentID: doc, ResultID: r.ID, Requester: "A", Certifier: "B", Actor: "t"}
	if _, err := f.Service.Issue(ctx, req); !errors.Is(err, certify.ErrNeedsAck) {
		t.Fatalf("copy of an expired result without acknowledgement: %v; want ErrNeedsAck", err)
	}
	req.AckWarning = "Công dân biết giấy phép đã hết hạn"
	is, err := f.Service.Issue(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	v, err := f.Service.Verify(ctx, is.Copy.Code)
	if err != nil {
		t.Fatal(err)
	}
	o := v.Original
	if !v.Valid || o == nil || o.AtIssue != results.Expired || o.Now != results.Expired || o.Since != "2025-02-01" ||
		o.ValidUntil != "2025-01-31" || !o.Acknowledged || o.Name != "Giấy phép xây dựng" || o.IssuedOn != is.Entry.Date {
		t.Fatalf("verification of a copy of an expired result: valid %v, original %+v", v.Valid, o)
	}
	if n := certify.BookNotes(bookNow(t, f)[0]); !strings.Contains(n, "GP-1 (hết hiệu lực / expired)") || !strings.Contains(n, req.AckWarning) {
		t.Errorf("book notes = %q", n)
	}

	// Valid when issued, revoked since: the page says both.
	doc2 := f.AddOriginal(t, 1)
	r2, err := f.DB.CreateResult(ctx, results.Result{Code: "GP-2", OfficeID: certifytest.Office, OwnerID: "001", ProcedureCode: "1.1",
		Name: "Giấy phép xây dựng", NumberSymbol: "13/GPXD", Issuer: "UBND phường Một", IssueDate: "2026-01-05",
		DocumentIDs: []string{doc2}}, results.Event{Actor: "a"})
	if err != nil {
		t.Fatal(err)
	}
	is2, err := f.Service.Issue(ctx, certify.IssueRequest{OfficeID: certifytest.Office, DocumentID: doc2, ResultID: r2.ID,
		Requester: "A", Certifier: "B", Actor: "t"})
	if err != nil {
		t.Fatal(err)
	}
	by, err := f.DB.CreateResult(ctx, results.Result{Code: "GP-3", OfficeID: certifytest.Office, OwnerID: "001", ProcedureCode: "1.1",
		Name: "Giấy phép xây dựng (điều chỉnh)", NumberSymbol: "14/GPXD", Issuer: "UBND phường Một", IssueDate: "2026-02-05"},
		results.Event{Actor: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.DB.ReplaceResult(ctx, r2.ID, by.ID, "a", "điều chỉnh"); err != nil {
		t.Fatal(err)
	}
	v2, err := f.Service.Verify(ctx, is2.Copy.Code)
	if err != nil {
		t.Fatal(err)
	}
	if o := v2.Original; !v2.Valid || o == nil || o.AtIssue != results.Valid || o.Now != results.Replaced ||
		o.Since != results.Today(time.Now()) || o.ReplacedBy != "Giấy phép xây dựng (điều chỉnh) 14/GPXD" || o.Acknowledged {
		t.Fatalf("verification of a copy of a result replaced since: %+v", o)
	}

	// The printed book shows what each copy stands on.
	var b bytes.Buffer
	office, _ := f.Service.Office(certifytest.Office)
	now := time.Now().In(results.Vietnam)
	if err := certify.BookReport(&b, office, now.Year(), int(now.Month()), bookNow(t, f)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "book.pdf")
	os.WriteFile(path, b.Bytes(), 0o600)
	text := strings.Join(strings.Fields(tool(t, "pdftotext", path, "-")), " ")
	for _, want := range []string{"GP-1 (hết hiệu lực / expired)", "Công dân biết giấy phép đã hết hạn", "GP-2 (còn hiệu lực / valid)"} {
		if !strings.Contains(text, want) {
			t.Errorf("book report lacks %q:\n%s", want, text)
		}
	}
}

// The verification address is signed into the copy: without a public
// one, issuance (and its preview) is refused and no number is taken.
func TestIssueNeedsPublicURL(t *testing.T) {
	ctx := context.Background()
	f := certifytest.New(t, "")
	doc := f.AddOriginal(t, 1)
	req := certify.IssueRequest{OfficeID: certifytest.Office, DocumentID: doc, Requester: "A", Certifier: "B",
		NoResultReason: certifytest.NoResult, Actor: "t"}
	for _, u := range []string{"", "/verify/", "http://0.0.0.0:8080/verify/", "http://[::]:8183/verify/", "ftp://x/verify/", "http://0/verify/"} {
		o := f.Service.Offices[certifytest.Office]
		o.VerifyURL = u
		f.Service.Offices[certifytest.Office] = o
		if _, err := f.Service.Issue(ctx, req); !errors.Is(err, certify.ErrNoPublicURL) || !strings.Contains(err.Error(), "SOHOA_PUBLIC_URL") {
			t.Errorf("issue with verify URL %q: %v; want ErrNoPublicURL naming SOHOA_PUBLIC_URL", u, err)
		}
		if err := f.Service.Preview(ctx, &bytes.Buffer{}, req); !errors.Is(err, certify.ErrNoPublicURL) {
			t.Errorf("preview with verify URL %q: %v; want ErrNoPublicURL", u, err)
		}
	}
	if es := bookNow(t, f); len(es) != 0 {
		t.Errorf("refused issuances took numbers: %+v", es)
	}
}

func TestCheckVerifyURL(t *testing.T) {
	for _, c := range []struct {
		url  string
		want string // "ok", "warn" or "refused"
	}{
		{"https://dichvucong.phuongmot.gov.vn/verify/", "ok"},
		{"http://203.0.113.9/verify/", "ok"},
		{"http://127.0.0.1:8080/verify/", "warn"},
		{"http://localhost:8080/verify/", "warn"},
		{"http://[::1]:8183/verify/", "warn"},
		{"http://2130706433/verify/", "warn"}, // 127.0.0.1, as a browser reads it
		{"http://192.168.1.10/verify/", "warn"},
		{"http://10.0.0.5/verify/", "warn"},
		{"http://0.0.0.0:8080/verify/", "refused"},
		{"http://[::]:8183/verify/", "refused"},
		{"http://[::ffff:0.0.0.0]/verify/", "refused"},
		{"", "refused"},
		{"/verify/", "refused"},
		{"dichvucong.gov.vn/verify/", "refused"},
	} {
		w, err := certify.CheckVerifyURL(c.url)
		got := "ok"
		switch {
		case err != nil:
			got = "refused"
			if !errors.Is(err, certify.ErrNoPublicURL) {
				t.Errorf("%q: %v does not wrap ErrNoPublicURL", c.url, err)
			}
		case w != nil:
			got = "warn"
			if !strings.Contains(w.VI, "SOHOA_PUBLIC_URL") || !strings.Contains(w.EN, "SOHOA_PUBLIC_URL") {
				t.Errorf("%q: warning %+v does not name SOHOA_PUBLIC_URL in both languages", c.url, w)
			}
		}
		if got != c.want {
			t.Errorf("CheckVerifyURL(%q) = %s (%v, %v), want %s", c.url, got, w, err, c.want)
		}
	}
}

// At start, a verification address that is not public is logged: a
// warning for loopback, an error when issuance will be refused.
func TestLogPublicURLs(t *testing.T) {
	var buf bytes.Buffer
	svc := &certify.Service{Log: slog.New(slog.NewTextHandler(&buf, nil)), Offices: map[string]certify.Office{
		"a": {BookNumber: "01", VerifyURL: "http://127.0.0.1:8080/verify/"},
		"b": {BookNumber: "01", VerifyURL: "http://[::]:8183/verify/"},
		"c": {BookNumber: "01", VerifyURL: "https://dichvucong.example.gov.vn/verify/"},
	}}
	svc.LogPublicURLs()
	log := buf.String()
	if !strings.Contains(log, "level=WARN") || !strings.Contains(log, "office=a") || !strings.Contains(log, "loopback") {
		t.Errorf("no warning for the loopback address:\n%s", log)
	}
	if !strings.Contains(log, "level=ERROR") || !strings.Contains(log, "office=b") || !strings.Contains(log, "SOHOA_PUBLIC_URL") {
		t.Errorf("no error for the unspecified address:\n%s", log)
	}
	if strings.Contains(log, "office=c") {
		t.Errorf("a public address is logged:\n%s", log)
	}
}
