package api

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sohoa-vn/sohoa/sign"
)

// onePagePDF is a minimal one-page PDF with a classic cross-reference table.
func onePagePDF() []byte {
	content := "BT /F1 24 Tf 72 720 Td (Xin chao) Tj ET"
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

func TestVerifyHandler(t *testing.T) {
	id, err := sign.DemoIdentity(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	in := onePagePDF()
	var signed bytes.Buffer
	if err := sign.Sign(context.Background(), &signed, bytes.NewReader(in), int64(len(in)), id, sign.Options{Name: "Nguyễn Văn An"}); err != nil {
		t.Fatal(err)
	}
	good := signed.Bytes()
	altered := bytes.Clone(good)
	altered[bytes.Index(altered, []byte("Xin chao"))] = 'J' // inside the signed range
	roots := x509.NewCertPool()
	roots.AddCert(id.Chain[len(id.Chain)-1])
	const limit = 1 << 20

	type answer struct {
		Intact, Trusted, Valid bool
		Signatures             []sign.SignatureReport
		Error                  *apiError
	}
	tests := []struct {
		name       string
		roots      *x509.CertPool
		relax      bool
		body       io.Reader
		status     int
		errCode    string
		intact     bool
		trusted    bool
		valid      bool
		sigProblem string
	}{
		{"good, trusted root", roots, false, bytes.NewReader(good), 200, "", true, true, true, ""},
		{"good, no roots", nil, false, bytes.NewReader(good), 200, "", true, false, false, ""},
		{"good, no roots, relaxed", nil, true, bytes.NewReader(good), 200, "", true, false, true, ""},
		{"altered byte", roots, true, bytes.NewReader(altered), 200, "", false, false, false, "digest_mismatch"},
		{"unsigned PDF", roots, true, bytes.NewReader(in), 200, "", false, false, false, ""},
		{"not a PDF", roots, false, strings.NewReader("<html>hello</html>"), 400, "not_pdf", false, false, false, ""},
		{"empty body", roots, false, strings.NewReader(""), 400, "not_pdf", false, false, false, ""},
		{"damaged PDF", roots, false, strings.NewReader("%PDF-1.7\ngarbage"), 400, "invalid_pdf", false, false, false, ""},
		{"too large, known length", roots, false, bytes.NewReader(make([]byte, limit+1)), 413, "too_large", false, false, false, ""},
		{"too large, chunked", roots, false, io.MultiReader(strings.NewReader("%PDF-1.7\n"), bytes.NewReader(make([]byte, limit))), 413, "too_large", false, false, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(VerifyHandler(tc.roots, limit, tc.relax))
			defer srv.Close()
			req, _ := http.NewRequest("POST", srv.URL+"/v1/verify", tc.body)
			req.Header.Set("Content-Type", "application/pdf")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tc.status {
				b, _ := io.ReadAll(resp.Body)
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, b)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q", ct)
			}
			var a answer
			if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
				t.Fatal(err)
			}
			if tc.errCode != "" {
				if a.Error == nil || a.Error.Code != tc.errCode || a.Error.VI == "" || a.Error.EN == "" || a.Error.VI == a.Error.EN {
					t.Fatalf("error %+v, want code %q with vi and en", a.Error, tc.errCode)
				}
				return
			}
			if a.Intact != tc.intact || a.Trusted != tc.trusted || a.Valid != tc.valid {
				t.Errorf("intact/trusted/valid = %v/%v/%v, want %v/%v/%v", a.Intact, a.Trusted, a.Valid, tc.intact, tc.trusted, tc.valid)
			}
			wantSigs := 1
			if tc.name == "unsigned PDF" {
				wantSigs = 0
			}
			if len(a.Signatures) != wantSigs {
				t.Fatalf("%d signatures, want %d", len(a.Signatures), wantSigs)
			}
			if wantSigs == 1 && a.Signatures[0].Name != "Nguyễn Văn An" {
				t.Errorf("signer name %q", a.Signatures[0].Name)
			}
			if tc.sigProblem != "" {
				found := false
				for _, p := range a.Signatures[0].Problems {
					found = found || (p.Code == tc.sigProblem && p.VI != "" && p.EN != "")
				}
				if !found {
					t.Errorf("no %q problem: %+v", tc.sigProblem, a.Signatures[0].Problems)
				}
			}
		})
	}
}
