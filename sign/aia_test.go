package sign

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitorus/pkcs7"
)

// leafOnlyPKI is a root, an intermediate and a signer whose AIA "CA Issuers" URL is base+path,
// as Vietnamese government certificates are issued: the CMS will carry only the signer.
func leafOnlyPKI(t *testing.T, issuersURL string) (root, inter *x509.Certificate, id *Identity) {
	t.Helper()
	mk := func(tmpl, parent *x509.Certificate, pub any, key any) *x509.Certificate {
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := x509.ParseCertificate(der)
		return c
	}
	now := time.Now()
	rootKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	interKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leafKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rt := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "RootCA chuyên dùng Chính phủ G2 (test)"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour * 24), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	root = mk(rt, rt, &rootKey.PublicKey, rootKey)
	it := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "CA phục vụ các cơ quan Nhà nước G2 (test)"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour * 24), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	inter = mk(it, root, &interKey.PublicKey, rootKey)
	lt := &x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "Nguyễn Văn An", Organization: []string{"UBND phường Một"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour * 24), KeyUsage: x509.KeyUsageDigitalSignature,
		IssuingCertificateURL: []string{issuersURL}}
	leaf := mk(lt, inter, &leafKey.PublicKey, interKey)
	id, err := NewIdentity(leafKey, leaf)
	if err != nil {
		t.Fatal(err)
	}
	return root, inter, id
}

func TestVerifyFetchesIntermediateFromAIA(t *testing.T) {
	var inter *x509.Certificate
	var hits atomic.Int32
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	mux.HandleFunc("/ca/", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch {
		case strings.HasSuffix(r.URL.Path, ".crt"):
			w.Write(inter.Raw)
		case strings.HasSuffix(r.URL.Path, ".pem"):
			pem.Encode(w, &pem.Block{Type: "CERTIFICATE", Bytes: inter.Raw})
		case strings.HasSuffix(r.URL.Path, ".p7c"):
			b, err := pkcs7.DegenerateCertificate(inter.Raw)
			if err != nil {
				t.Error(err)
			}
			w.Write(b)
		}
	})
	for _, format := range []string{"crt", "pem", "p7c"} {
		t.Run(format, func(t *testing.T) {
			var root *x509.Certificate
			var id *Identity
			root, inter, id = leafOnlyPKI(t, srv.URL+"/ca/g2."+format)
			signed := signBytes(t, makePDF(pdfSpec{}), id, Options{Name: "Nguyễn Văn An"})
			roots := x509.NewCertPool()
			roots.AddCert(root)

			rep, err := Verify(bytes.NewReader(signed), int64(len(signed)), roots)
			if err != nil || rep.Signatures[0].Trusted || !hasProblem(rep.Signatures[0], "untrusted") {
				t.Fatalf("without fetching, a leaf-only signature must not be trusted: %v %+v", err, rep)
			}
			f := &IssuerFetcher{AllowPrivate: true}
			before := hits.Load()
			for range 2 {
				rep, err = VerifyWith(bytes.NewReader(signed), int64(len(signed)), VerifyOptions{Roots: roots, FetchIssuers: f})
				if err != nil || !rep.Valid() || !rep.Signatures[0].Trusted {
					t.Fatalf("with the intermediate from %s: %v %+v", format, err, rep)
				}
			}
			if n := hits.Load() - before; n != 1 {
				t.Errorf("%d requests for two verifications: the answer is not cached", n)
			}
		})
	}
}

func TestIssuerFetcherLimits(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) { w.Write(make([]byte, 2<<20)) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(3 * time.Second):
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/junk", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("not a certificate")) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ctx := context.Background()
	f := &IssuerFetcher{AllowPrivate: true, Timeout: 200 * time.Millisecond, MaxBytes: 1 << 20}
	for _, u := range []string{srv.URL + "/big", srv.URL + "/slow", srv.URL + "/junk", srv.URL + "/missing", "ftp://example.invalid/ca.crt", "file:///etc/passwd", "ldap://ca.gov.vn/cn=G2"} {
		start := time.Now()
		if certs, err := f.Fetch(ctx, u); err == nil {
			t.Errorf("%s: got %d certificates, want an error", u, len(certs))
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s took %v: the timeout is not applied", u, d)
		}
	}
	// By default, addresses of the verifier's own network are refused.
	if _, err := (&IssuerFetcher{}).Fetch(ctx, srv.URL+"/junk"); err == nil || !strings.Contains(err.Error(), "not a public address") {
		t.Errorf("loopback fetched by default: %v", err)
	}
}

// At signing time too: a token holding only the signer's certificate still gets its
// intermediate into the DSS.
func TestCollectValidationCompletesChain(t *testing.T) {
	var inter *x509.Certificate
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(inter.Raw) }))
	defer srv.Close()
	_, in, id := leafOnlyPKI(t, srv.URL+"/g2.crt")
	inter = in
	vd, err := collectValidation(context.Background(), Options{HTTPClient: srv.Client(), OCSPs: [][]byte{{0x30, 0}}}, id.Chain)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range vd.certs {
		found = found || bytes.Equal(c.Raw, inter.Raw)
	}
	if !found {
		t.Fatalf("the intermediate from the AIA URL is not in the validation data: %d certificates", len(vd.certs))
	}
}
