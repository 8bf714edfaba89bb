package certify_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sohoa-vn/sohoa/certify"
	"github.com/sohoa-vn/sohoa/certify/certifytest"
	"github.com/sohoa-vn/sohoa/results"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

func TestResultCodeCandidates(t *testing.T) {
	for _, c := range []struct {
		qr   string
		want []string
	}{
		{"KQ-2025-000123", []string{"KQ-2025-000123"}},
		{"  000.00.21.H29-250512-0007 ", []string{"000.00.21.H29-250512-0007"}},
		{"https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html?ma=G22.99-250101-0001", []string{"G22.99-250101-0001", "dvc-tra-cuu-ho-so.html"}},
		{"https://example.gov.vn/ket-qua/KQ-9", []string{"KQ-9"}},
		{"https://example.gov.vn/", nil},
		{"hello world, not a code", nil},
		{"", nil},
	} {
		if got := certify.ResultCodeCandidates(c.qr); !slices.Equal(got, c.want) {
			t.Errorf("ResultCodeCandidates(%q) = %q, want %q", c.qr, got, c.want)
		}
	}
}

// A result printed with a QR code holding its code, or a URL with it, is
// found from the scan alone.
func TestLookupByQR(t *testing.T) {
	ctx := context.Background()
	f := certifytest.New(t, "")
	r, err := f.DB.CreateResult(ctx, results.Result{Code: "G22.99-250101-0001", OfficeID: certifytest.Office, OwnerID: "001",
		ProcedureCode: "2.1", Name: "Giấy phép xây dựng", NumberSymbol: "15/GPXD", Issuer: "UBND phường Một", IssueDate: "2025-01-01"},
		results.Event{Actor: "a"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, qr string
		found    bool
	}{
		{"code", "G22.99-250101-0001", true},
		{"url", "https://dichvucong.gov.vn/tra-cuu?ma=G22.99-250101-0001", true},
		{"unknown code", "G22.99-250101-9999", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			doc := f.AddOriginalQR(t, 2, c.qr)
			qrs, err := f.Service.ReadQR(ctx, doc)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(qrs, []string{c.qr}) {
				t.Fatalf("ReadQR = %q, want %q", qrs, c.qr)
			}
			fs, err := f.Service.Lookup(ctx, certify.LookupRequest{DocumentID: doc, Offices: []string{certifytest.Office}})
			if err != nil {
				t.Fatal(err)
			}
			if !c.found {
				if len(fs) != 0 {
					t.Fatalf("found %+v", fs)
				}
				return
			}
			if len(fs) != 1 || fs[0].Result.ID != r.ID || fs[0].Via != certify.FoundByQR || fs[0].QR != c.qr || fs[0].Validity != results.Valid {
				t.Fatalf("findings %+v", fs)
			}
			// Another office's clerk does not find it.
			if fs, _ := f.Service.Lookup(ctx, certify.LookupRequest{DocumentID: doc, Offices: []string{"other"}}); len(fs) != 0 {
				t.Errorf("other office found %+v", fs)
			}
		})
	}
	// A page without a QR code reads none.
	if qrs, err := f.Service.ReadQR(ctx, f.AddOriginal(t, 1)); err != nil || len(qrs) != 0 {
		t.Errorf("ReadQR of a page without QR = %q, %v", qrs, err)
	}
}

// The preview is the stamped, unsigned copy with the next number, and
// takes none.
func TestPreview(t *testing.T) {
	ctx := context.Background()
	f := certifytest.New(t, "")
	doc := f.AddOriginal(t, 2)
	req := certify.IssueRequest{OfficeID: certifytest.Office, DocumentID: doc, Requester: "A", Certifier: "B",
		NoResultReason: certifytest.NoResult, Actor: "t"}
	if _, err := f.Service.Issue(ctx, req); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := f.Service.Preview(ctx, &b, req); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "preview.pdf")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	tool(t, "qpdf", "--check", path)
	text := strings.Join(strings.Fields(tool(t, "pdftotext", "-f", "2", "-l", "2", path, "-")), " ")
	for _, want := range []string{"Chứng thực bản sao đúng với bản chính.", "Số chứng thực: 2, Quyển số: 02-SCTĐT/BS", "XXXXX-XXXXX", "PREVIEW, UNSIGNED"} {
		if !strings.Contains(text, want) {
			t.Errorf("preview's last page lacks %q:\n%s", want, text)
		}
	}
	tool(t, "pdfsig", "-v")
	if out, _ := exec.Command("pdfsig", path).CombinedOutput(); !strings.Contains(string(out), "does not contain any signatures") {
		t.Errorf("the preview is signed:\n%s", out)
	}
	// No number was taken by the preview: the next copy is number 2.
	is, err := f.Service.Issue(ctx, req)
	if err != nil || is.Entry.Number != 2 {
		t.Fatalf("issue after preview: number %d, %v", is.Entry.Number, err)
	}
	bad := req
	bad.OfficeID = "nowhere"
	if err := f.Service.Preview(ctx, &b, bad); !errors.Is(err, certify.ErrUnknownOffice) {
		t.Errorf("preview for an unknown office: %v", err)
	}
}

func TestVoidNumber(t *testing.T) {
	ctx := context.Background()
	f := certifytest.New(t, "")
	doc := f.AddOriginal(t, 1)
	is, err := f.Service.Issue(ctx, certify.IssueRequest{OfficeID: certifytest.Office, DocumentID: doc, Requester: certifytest.Requester,
		Certifier: certifytest.Certifier, NoResultReason: certifytest.NoResult, Actor: "t"})
	if err != nil {
		t.Fatal(err)
	}
	o, _ := f.Service.Office(certifytest.Office)
	// A number taken by an issuance that never finished (a crash).
	pending, err := f.DB.AllocateCertNumber(ctx, catalog.BookEntry{OfficeID: certifytest.Office, Book: o.Book(), DocumentID: doc}, is.Copy.IssuedAt)
	if err != nil {
		t.Fatal(err)
	}
	year := pending.Year
	for _, c := range []struct {
		name   string
		office string
		number int
		reason string
		want   error
	}{
		{"no reason", certifytest.Office, pending.Number, " ", results.Problems{}},
		{"issued", certifytest.Office, is.Entry.Number, "nhầm", catalog.ErrEntryNotPending},
		{"not taken", certifytest.Office, 99, "nhầm", catalog.ErrNotFound},
		{"unknown office", "nowhere", pending.Number, "nhầm", certify.ErrUnknownOffice},
		{"pending", certifytest.Office, pending.Number, "máy quét hỏng / scanner broke", nil},
		{"again", certifytest.Office, pending.Number, "lại", catalog.ErrEntryNotPending},
	} {
		e, err := f.Service.VoidNumber(ctx, c.office, year, c.number, "clerk:1", c.reason)
		var ps results.Problems
		switch {
		case c.want == nil && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want == nil && (e.Status != catalog.EntryVoided || e.VoidReason != c.reason):
			t.Errorf("%s: entry %+v", c.name, e)
		case c.want != nil && errors.As(c.want, &ps):
			if !errors.As(err, &ps) {
				t.Errorf("%s: %v, want a reason problem", c.name, err)
			}
		case c.want != nil && !errors.Is(err, c.want):
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	es, _ := f.Service.Book(ctx, certifytest.Office, year, 0)
	if len(es) != 2 || es[1].Status != catalog.EntryVoided {
		t.Errorf("book %+v", es)
	}
	au, err := f.DB.AuditLog(ctx, catalog.AuditQuery{Subject: pending.ID})
	if err != nil || len(au) != 1 || au[0].Action != catalog.AuditCopyVoided || au[0].Actor != "clerk:1" {
		t.Errorf("audit %+v, %v", au, err)
	}
}
