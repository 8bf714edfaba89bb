package sign

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// appendContentChange appends an incremental update that replaces page 1's content stream:
// a change no signature workflow makes.
func appendContentChange(t *testing.T, in []byte) []byte {
	t.Helper()
	d, err := analyze(context.Background(), bytes.NewReader(in), int64(len(in)), 1)
	if err != nil {
		t.Fatal(err)
	}
	w := newUpdateWriter(d)
	n := w.stream("", []byte("BT /F1 24 Tf 72 720 Td (Hello forged) Tj ET"))
	page := d.page.Clone().(types.Dict)
	page.Update("Contents", *types.NewIndirectRef(n, 0))
	w.ref(d.pageRef, page.PDFString())
	out := bytes.Clone(in)
	if d.needEOL {
		out = append(out, '\n')
	}
	return append(out, w.finish()...)
}

func hasProblem(s SignatureReport, code string) bool {
	for _, p := range s.Problems {
		if p.Code == code && p.VI != "" && p.EN != "" {
			return true
		}
	}
	return false
}

func TestVerifyModificationAfterSigning(t *testing.T) {
	id, _ := testIdentity(t)
	for _, xs := range []bool{false, true} {
		in := rewrite(t, makePDF(pdfSpec{pages: 2, acroFormField: true}), xs)
		signed := signBytes(t, in, id, Options{Name: "A"})
		changed := appendContentChange(t, signed)
		path := writeTemp(t, "changed.pdf", changed)
		if out, err := run(t, "qpdf", "--check", path); err != nil {
			t.Fatalf("qpdf --check on the changed file: %v\n%s", err, out)
		}
		if out, _ := run(t, "pdftotext", path, "-"); !strings.Contains(out, "Hello forged") {
			t.Fatalf("the change is not visible to poppler:\n%s", out)
		}
		roots := testRoots(id)
		rep, err := Verify(bytes.NewReader(changed), int64(len(changed)), roots)
		if err != nil {
			t.Fatal(err)
		}
		s := rep.Signatures[0]
		if !s.Intact || rep.AllIntact() || rep.AllTrusted() || rep.Valid() || len(s.Modifications) == 0 || !hasProblem(s, "changed_after_signing") {
			t.Fatalf("xrefStream=%v: content change not reported: %+v", xs, s)
		}
		// The untouched signed file is trusted.
		rep, _ = Verify(bytes.NewReader(signed), int64(len(signed)), roots)
		if !rep.AllTrusted() {
			t.Fatalf("signed file: %+v", rep)
		}
	}
}

func TestTwoSignaturesBT(t *testing.T) {
	p := newTestPKI(t)
	agency := p.newSigner(t, "UBND phường Bến Nghé", newSignerKey(t, "rsa2048"))
	for _, xs := range []bool{false, true} {
		in := rewrite(t, makePDF(pdfSpec{pages: 3, acroFormField: true}), xs)
		once := signBytes(t, in, p.signer, Options{Name: "Nguyễn Văn An", Reason: "Người chứng thực", Level: LevelBT, TSAURL: p.tsaURL, DocMDP: 2})
		twice := signBytes(t, once, agency, Options{Name: "UBND phường Bến Nghé", Reason: "Cơ quan", Level: LevelBT, TSAURL: p.tsaURL})
		path := writeTemp(t, "twice.pdf", twice)
		out, err := run(t, "pdfsig", "-nocert", path)
		if err != nil || strings.Count(out, "Signature is Valid.") != 2 {
			t.Fatalf("pdfsig: %v\n%s", err, out)
		}
		if out, err := run(t, "qpdf", "--check", path); err != nil {
			t.Fatalf("qpdf: %v\n%s", err, out)
		}
		checkPdfcpu(t, path, p.rootFile, 2)
		srs := allSignedRanges(t, twice)
		for _, sr := range srs {
			opensslCMSVerify(t, sr, p.rootFile)
		}
		rep, err := Verify(bytes.NewReader(twice), int64(len(twice)), p.roots())
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Signatures) != 2 || !rep.AllTrusted() {
			t.Fatalf("Verify: %+v", rep)
		}
		for _, s := range rep.Signatures {
			if s.Level != "B-T" || len(s.Problems) != 0 || len(s.Modifications) != 0 {
				t.Errorf("%s: level %s problems %+v modifications %v", s.Field, s.Level, s.Problems, s.Modifications)
			}
		}
	}
}

func TestDocMDPNoChanges(t *testing.T) {
	p := newTestPKI(t)
	in := makePDF(pdfSpec{pages: 1})
	certified := signBytes(t, in, p.signer, Options{Name: "Chứng nhận", DocMDP: 1, Level: LevelBLT, TSAURL: p.tsaURL})
	path := writeTemp(t, "certified.pdf", certified)
	if out, err := run(t, "pdfsig", "-nocert", path); err != nil || !strings.Contains(out, "Signature is Valid.") {
		t.Fatalf("pdfsig: %v\n%s", err, out)
	}
	rep, err := Verify(bytes.NewReader(certified), int64(len(certified)), p.roots())
	if err != nil || !rep.AllTrusted() || rep.Signatures[0].Level != "B-LT" {
		t.Fatalf("certified + DSS: %v %+v", err, rep)
	}
	var out bytes.Buffer
	err = Sign(context.Background(), &out, bytes.NewReader(certified), int64(len(certified)), p.signer, Options{Name: "Cơ quan"})
	if !errors.Is(err, ErrDocMDP) || !strings.Contains(err.Error(), "không cho phép") || !strings.Contains(err.Error(), "forbids") || out.Len() != 0 {
		t.Fatalf("signing a P=1 certified document: %v", err)
	}
	// P=2 allows the second signature.
	p2 := signBytes(t, in, p.signer, Options{DocMDP: 2})
	signBytes(t, p2, p.signer, Options{})
}

func TestVerifyRevokedInDSS(t *testing.T) {
	p := newTestPKI(t)
	revoked := p.newSigner(t, "Bị thu hồi", newSignerKey(t, "p256"))
	p.revoke(t, revoked.Chain[0])
	resp, err := http.Get(p.crlURL)
	if err != nil {
		t.Fatal(err)
	}
	crl, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	out := signBytes(t, makePDF(pdfSpec{}), revoked, Options{Level: LevelBLT, TSAURL: p.tsaURL, CRLs: [][]byte{crl},
		Time: time.Now()})
	rep, err := Verify(bytes.NewReader(out), int64(len(out)), p.roots())
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Signatures[0]
	if !rep.AllIntact() || rep.AllTrusted() || s.Revocation != "revoked" || s.RevocationBy != "crl" || !hasProblem(s, "revoked") {
		t.Fatalf("revoked signer: %+v", s)
	}
}

func testRoots(id *Identity) *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(id.Chain[len(id.Chain)-1])
	return pool
}
