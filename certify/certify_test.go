package certify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/certify"
	"github.com/sohoa-vn/sohoa/certify/certifytest"
	"github.com/sohoa-vn/sohoa/results"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

func tool(t *testing.T, name string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s not found: install it (Debian: poppler-utils for pdfsig/pdftotext, qpdf, zbar-tools for zbarimg)", name)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s%s", name, args, err, out, stderr.Bytes())
	}
	return string(out)
}

func savePDF(t *testing.T, f *certifytest.Fixture, c catalog.Copy) string {
	t.Helper()
	rc, _, err := f.Store.Get(context.Background(), c.BlobKey)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), c.ID+".pdf")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestStatementTemplate(t *testing.T) {
	d := certify.StatementData{Number: 99, Book: "02-SCTĐT/BS", Day: "05", Month: "06", Year: "2026", Code: "7K3M9-QXR2D"}
	lines, err := certify.Office{BookNumber: "02"}.Statement(d)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Chứng thực bản sao đúng với bản chính.", "Số chứng thực: 99, Quyển số: 02-SCTĐT/BS",
		"Ngày 05 tháng 06 năm 2026", "Mã xác minh: 7K3M9-QXR2D"}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("default statement = %q, want %q", lines, want)
	}
	custom := certify.Office{Template: "Bản sao đúng bản chính.\nSố {{.Number}}/{{.Year}} {{.Office}}"}
	d.Office = "UBND"
	if lines, err := custom.Statement(d); err != nil || len(lines) != 2 || lines[1] != "Số 99/2026 UBND" {
		t.Errorf("custom statement = %q, %v", lines, err)
	}
	for _, bad := range []string{"{{.Nope}}", "{{.Number"} {
		if _, err := (certify.Office{Template: bad}).Statement(d); err == nil {
			t.Errorf("template %q: no error", bad)
		}
	}
}

func TestCodes(t *testing.T) {
	seen := map[string]bool{}
	re := regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{10}$`)
	for range 2000 {
		c := certify.NewCode()
		if !re.MatchString(c) || seen[c] {
			t.Fatalf("code %q: not Crockford base32 or repeated", c)
		}
		seen[c] = true
	}
	for in, want := range map[string]string{"7k3m9-qxr2d": "7K3M9QXR2D", " 7K3M9 QXR2D ": "7K3M9QXR2D", "O1IL": "0111", "U": "", "x?": ""} {
		if got := certify.NormalizeCode(in); got != want {
			t.Errorf("NormalizeCode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIssue(t *testing.T) {
	ctx := context.Background()
	f := certifytest.New(t, "")
	svc := f.Service
	doc := f.AddOriginal(t, 2)
	r, err := f.DB.CreateResult(ctx, results.Result{Code: "KQ-001", OfficeID: certifytest.Office, OwnerID: "001099000123",
		ProcedureCode: "1.001", Name: "Giấy chứng nhận quyền sử dụng đất", NumberSymbol: "123/GCN-UBND",
		Issuer: "UBND phường Một", IssueDate: "2026-01-15", DocumentIDs: []string{doc}}, results.Event{Actor: "archivist"})
	if err != nil {
		t.Fatal(err)
	}

	found, err := svc.Lookup(ctx, certify.LookupRequest{DocumentID: doc})
	if err != nil || len(found) != 1 || found[0].Result.ID != r.ID || found[0].Validity != results.Valid || found[0].NeedsAck {
		t.Fatalf("Lookup by document = %+v, %v", found, err)
	}
	found, err = svc.Lookup(ctx, certify.LookupRequest{NumberSymbol: "123/GCN-UBND", Issuer: "UBND phường Một", IssueDate: "15/01/2026"})
	if err != nil || len(found) != 1 {
		t.Fatalf("Lookup by number = %+v, %v", found, err)
	}

	start := time.Now()
	is, err := svc.Issue(ctx, certify.IssueRequest{OfficeID: certifytest.Office, DocumentID: doc, ResultID: r.ID,
		Requester: "Nguyễn Văn A", Certifier: "Trần Thị B", Fee: 2000, Actor: "key:clerk1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("2-page copy issued in %v (OCR not included)", time.Since(start))
	if is.Entry.Number != 1 || is.Entry.Status != catalog.EntryIssued || is.Copy.PageCount != 2 || is.Copy.ResultID != r.ID {
		t.Fatalf("issued = %+v", is)
	}
	path := savePDF(t, f, is.Copy)

	sig := tool(t, "pdfsig", path)
	if n := strings.Count(sig, "Signature Validation: Signature is Valid."); n != 2 {
		t.Errorf("pdfsig: %d valid signatures, want 2:\n%s", n, sig)
	}
	if !strings.Contains(sig, "Signature #2") || strings.Contains(sig, "Signature #3") {
		t.Errorf("pdfsig: want exactly 2 signatures:\n%s", sig)
	}
	tool(t, "qpdf", "--check", path)
	last := tool(t, "pdftotext", "-f", "2", "-l", "2", "-layout", path, "-")
	year := time.Now().In(results.Vietnam).Format("2006")
	for _, l := range []string{"Chứng thực bản sao đúng với bản chính.", "Số chứng thực: 1, Quyển số: 02-SCTĐT/BS",
		"năm " + year, "Mã xác minh: " + certify.GroupCode(is.Copy.Code)} {
		if !strings.Contains(last, l) {
			t.Errorf("last page lacks %q:\n%s", l, last)
		}
	}
	dir := t.TempDir()
	tool(t, "pdftoppm", "-f", "2", "-l", "2", "-r", "300", "-png", "-singlefile", path, filepath.Join(dir, "last"))
	if qr := strings.TrimSpace(tool(t, "zbarimg", "--quiet", "--raw", filepath.Join(dir, "last.png"))); qr != is.URL ||
		qr != "http://127.0.0.1/verify/"+is.Copy.Code {
		t.Errorf("QR = %q, want %q", qr, is.URL)
	}

	v, err := svc.Verify(ctx, strings.ToLower(certify.GroupCode(is.Copy.Code)))
	if err != nil {
		t.Fatal(err)
	}
	if !v.Valid || len(v.Signatures) != 2 || !v.TrustChecked || v.Number != 1 || v.Requester != "" ||
		v.Office != "Ủy ban nhân dân phường Một" || v.SHA256 != is.Copy.SHA256 {
		t.Errorf("Verify = %+v", v)
	}
	if !strings.Contains(v.Signatures[0].Signer, "DEMO") {
		t.Errorf("signer = %q", v.Signatures[0].Signer)
	}
	if _, err := svc.Verify(ctx, "0000000000"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("unknown code: %v", err)
	}

	// A revoked original needs an acknowledged warning; without one no
	// number is taken.
	if _, err := f.DB.RevokeResult(ctx, r.ID, "archivist", "cấp sai / issued in error"); err != nil {
		t.Fatal(err)
	}
	found, _ = svc.Lookup(ctx, certify.LookupRequest{Code: "KQ-001"})
	if len(found) != 1 || found[0].Validity != results.Revoked || !found[0].NeedsAck {
		t.Fatalf("Lookup after revoke = %+v", found)
	}
	req := certify.IssueRequest{OfficeID: certifytest.Office, DocumentID: doc, ResultID: r.ID, Requester: "Nguyễn Văn A",
		Certifier: "Trần Thị B", Actor: "key:clerk1"}
	if _, err := svc.Issue(ctx, req); !errors.Is(err, certify.ErrNeedsAck) {
		t.Fatalf("issue of a revoked original without ack: %v", err)
	}
	req.AckWarning = "Công dân xuất trình bản chính; đã báo kết quả bị thu hồi / citizen told the result was revoked"
	is2, err := svc.Issue(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if is2.Entry.Number != 2 || is2.Copy.Validity != "revoked" || is2.Copy.WarningAck != req.AckWarning {
		t.Fatalf("second copy = %+v", is2)
	}
	log, err := f.DB.AuditLog(ctx, catalog.AuditQuery{Action: catalog.AuditCopyIssued})
	if err != nil || len(log) != 2 {
		t.Fatalf("audit: %d entries, %v", len(log), err)
	}
	var detail map[string]any
	json.Unmarshal(log[1].Detail, &detail)
	if log[1].Subject != is2.Copy.ID || detail["warning_ack"] != req.AckWarning || detail["validity"] != "revoked" ||
		detail["number"] != float64(2) || log[1].Actor != "key:clerk1" {
		t.Errorf("audit entry = %+v", log[1])
	}

	// A signing failure voids its number; the next copy takes the next one.
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	dead.Close()
	svc.TSAURL = "http://" + dead.Addr().String() + "/"
	if _, err := svc.Issue(ctx, req); err == nil {
		t.Fatal("issue with an unreachable TSA succeeded")
	}
	svc.TSAURL = ""
	is4, err := svc.Issue(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	book, err := svc.Book(ctx, certifytest.Office, time.Now().In(results.Vietnam).Year(), int(time.Now().In(results.Vietnam).Month()))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range book {
		got = append(got, fmt.Sprintf("%d:%s", e.Number, e.Status))
	}
	if strings.Join(got, " ") != "1:issued 2:issued 3:voided 4:issued" || is4.Entry.Number != 4 {
		t.Errorf("book = %v", got)
	}
	if !strings.Contains(book[2].VoidReason, "issuance failed") {
		t.Errorf("void reason = %q", book[2].VoidReason)
	}
	if _, err := f.Store.Stat(ctx, "copies/"); err == nil {
		t.Error("unexpected blob")
	}
	if _, err := f.DB.VerifyAudit(ctx); err != nil {
		t.Error(err)
	}
}

func TestIssueErrors(t *testing.T) {
	ctx := context.Background()
	f := certifytest.New(t, "")
	doc := f.AddOriginal(t, 1)
	for name, req := range map[string]certify.IssueRequest{
		"unknown office":   {OfficeID: "nope", DocumentID: doc},
		"unknown document": {OfficeID: certifytest.Office, DocumentID: "nope"},
		"unknown result":   {OfficeID: certifytest.Office, DocumentID: doc, ResultID: "nope"},
	} {
		if _, err := f.Service.Issue(ctx, req); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// None of these took a number.
	e, err := f.DB.AllocateCertNumber(ctx, catalog.BookEntry{OfficeID: certifytest.Office, Book: "02-" + certify.BookType, DocumentID: doc}, time.Now())
	if err != nil || e.Number != 1 {
		t.Fatalf("first number after refused issuances = %d, %v", e.Number, err)
	}
}

// TestIssueCrash kills a process (SIGKILL) while it signs a copy, after
// it took a number: the line stays pending, and Recover voids it.
func TestIssueCrash(t *testing.T) {
	if dir := os.Getenv("SOHOA_CERTIFY_CRASH"); dir != "" {
		crashChild(dir)
		return
	}
	// A TSA that accepts the connection and never answers: the child is
	// killed while it waits in the certifier's signature.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	hang := make(chan struct{})
	defer close(hang)
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-hang }))

	f := certifytest.New(t, "")
	doc := f.AddOriginal(t, 1)
	cmd := exec.Command(os.Args[0], "-test.run=^TestIssueCrash$")
	cmd.Env = append(os.Environ(), "SOHOA_CERTIFY_CRASH="+f.Dir, "SOHOA_CERTIFY_CRASH_DOC="+doc,
		"SOHOA_CERTIFY_CRASH_TSA=http://"+ln.Addr().String()+"/")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	year := time.Now().In(results.Vietnam).Year()
	deadline := time.Now().Add(60 * time.Second)
	for {
		es, _ := f.DB.CertEntries(ctx, certifytest.Office, "02-"+certify.BookType, year, 0)
		if len(es) == 1 && es[0].Status == catalog.EntryPending {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("the child took no number in 60 s:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // into the signature's TSA request
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()

	es, _ := f.DB.CertEntries(ctx, certifytest.Office, "02-"+certify.BookType, year, 0)
	if len(es) != 1 || es[0].Status != catalog.EntryPending {
		t.Fatalf("after the kill: %+v", es)
	}
	if v, err := f.Service.Recover(ctx, time.Hour); err != nil || len(v) != 0 {
		t.Fatalf("Recover(1h) voided %d, %v: too early", len(v), err)
	}
	time.Sleep(10 * time.Millisecond)
	v, err := f.Service.Recover(ctx, time.Millisecond)
	if err != nil || len(v) != 1 || v[0].Number != 1 || v[0].VoidReason != catalog.ReasonInterrupted {
		t.Fatalf("Recover = %+v, %v", v, err)
	}
	is, err := f.Service.Issue(ctx, certify.IssueRequest{OfficeID: certifytest.Office, DocumentID: doc, Requester: certifytest.Requester,
		Certifier: certifytest.Certifier, NoResultReason: certifytest.NoResult, Actor: "t"})
	if err != nil || is.Entry.Number != 2 {
		t.Fatalf("after recovery: number %d, %v; want 2", is.Entry.Number, err)
	}
}

// crashChild issues a copy in the parent's fixture with a TSA that hangs.
func crashChild(dir string) {
	ctx := context.Background()
	svc, err := certifytest.Reopen(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	svc.TSAURL = os.Getenv("SOHOA_CERTIFY_CRASH_TSA")
	_, err = svc.Issue(ctx, certify.IssueRequest{OfficeID: certifytest.Office, DocumentID: os.Getenv("SOHOA_CERTIFY_CRASH_DOC"), Requester: certifytest.Requester,
		Certifier: certifytest.Certifier, NoResultReason: certifytest.NoResult, Actor: "child"})
	fmt.Fprintln(os.Stderr, "issue returned (it should have been killed):", err)
	os.Exit(4)
}

// A page too narrow for the statement is a specific error (the API
// answers 422, so clients do not retry), the number it took is voided
// with the reason, and no copy or file is left.
func TestIssuePageTooSmall(t *testing.T) {
	ctx := context.Background()
	f := certifytest.New(t, "")
	img := image.NewGray(image.Rect(0, 0, 240, 1600)) // 1.2 × 8 inches at 200 dpi
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Store.Put(ctx, "pages/narrow.png", bytes.NewReader(b.Bytes()), int64(b.Len())); err != nil {
		t.Fatal(err)
	}
	if _, err := f.DB.CreateDocument(ctx, catalog.Document{ID: "narrow", BatchID: "scans", SourceName: "narrow.png", PageCount: 1},
		[]catalog.Page{{ID: "narrow-p1", Seq: 1, BlobKey: "pages/narrow.png", Format: "png", DPI: 200, Width: 240, Height: 1600}}); err != nil {
		t.Fatal(err)
	}
	js := []byte(`{"text":""}`)
	if _, err := f.Store.Put(ctx, "ocr/narrow-p1.json", bytes.NewReader(js), int64(len(js))); err != nil {
		t.Fatal(err)
	}
	if _, err := f.DB.MarkPageOCRed(ctx, "narrow-p1", 0, 0, "ocr/narrow-p1.json"); err != nil {
		t.Fatal(err)
	}
	_, err := f.Service.Issue(ctx, certify.IssueRequest{OfficeID: certifytest.Office, DocumentID: "narrow", Requester: certifytest.Requester,
		Certifier: certifytest.Certifier, NoResultReason: certifytest.NoResult, Actor: "clerk"})
	if !errors.Is(err, certify.ErrPageTooSmall) {
		t.Fatalf("Issue on a narrow page = %v, want ErrPageTooSmall", err)
	}
	now := time.Now().In(results.Vietnam)
	entries, err := f.DB.CertEntries(ctx, certifytest.Office, "02-"+certify.BookType, now.Year(), int(now.Month()))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Status != catalog.EntryVoided || !strings.Contains(entries[0].VoidReason, "wider than the page") {
		t.Errorf("book = %+v; want the number voided, naming the cause", entries)
	}
	if cs, err := f.DB.CopiesOfDocument(ctx, "narrow"); err != nil || len(cs) != 0 {
		t.Errorf("copies = %v, %v; want none", cs, err)
	}
}
