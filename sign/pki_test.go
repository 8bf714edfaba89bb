package sign

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// testPKI is a CA with a signer whose AIA names a real `openssl ocsp` responder, a TSA served
// by `openssl ts -reply` behind an HTTP handler, and a CRL made by `openssl ca -gencrl`.
type testPKI struct {
	dir      string
	root     *x509.Certificate
	rootKey  crypto.Signer
	signer   *Identity
	tsa      *x509.Certificate
	tsaURL   string
	crlURL   string
	ocspURL  string
	rootFile string
	mu       sync.Mutex // openssl ts keeps a serial file
	index    []string   // lines of the openssl ca database
	nextSer  int64
}

func mustOpenSSL(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatal("openssl not found: install it (Debian: openssl)")
	}
	return p
}

func writePEM(t testing.TB, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

func writeKey(t testing.TB, path string, key crypto.Signer) {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writePEM(t, path, "PRIVATE KEY", der)
}

// issue makes a certificate for pub signed by the PKI's root and records it in the CA database.
func (p *testPKI) issue(t testing.TB, tmpl *x509.Certificate, pub crypto.PublicKey) *x509.Certificate {
	t.Helper()
	p.nextSer++
	tmpl.SerialNumber = big.NewInt(p.nextSer)
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(365 * 24 * time.Hour)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.root, pub, p.rootKey)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	p.index = append(p.index, fmt.Sprintf("V\t%s\t\t%X\tunknown\t/CN=%s", c.NotAfter.UTC().Format("060102150405Z"), c.SerialNumber, c.Subject.CommonName))
	return c
}

// revoke marks c revoked in the CA database (for the OCSP responder and the next CRL).
func (p *testPKI) revoke(t testing.TB, c *x509.Certificate) {
	for i, l := range p.index {
		f := strings.Split(l, "\t")
		if f[3] == fmt.Sprintf("%X", c.SerialNumber) {
			f[0], f[2] = "R", time.Now().Add(-time.Minute).UTC().Format("060102150405Z")
			p.index[i] = strings.Join(f, "\t")
		}
	}
	p.writeIndex(t)
}

func (p *testPKI) writeIndex(t testing.TB) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(p.dir, "index.txt"), []byte(strings.Join(p.index, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// newSignerKey makes a key of the given kind: rsa2048, rsa3072, rsa4096, p256, p384.
func newSignerKey(t testing.TB, kind string) crypto.Signer {
	t.Helper()
	var k crypto.Signer
	var err error
	switch kind {
	case "rsa2048":
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	case "rsa3072":
		k, err = rsa.GenerateKey(rand.Reader, 3072)
	case "rsa4096":
		k, err = rsa.GenerateKey(rand.Reader, 4096)
	case "p256":
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "p384":
		k, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	default:
		t.Fatalf("unknown key kind %q", kind)
	}
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// newSigner issues a signing certificate for key, with the PKI's OCSP URL in its AIA.
func (p *testPKI) newSigner(t testing.TB, cn string, key crypto.Signer) *Identity {
	t.Helper()
	c := p.issue(t, &x509.Certificate{
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"UBND phường Bến Nghé"}, Country: []string{"VN"}},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		OCSPServer:            []string{p.ocspURL},
		CRLDistributionPoints: []string{p.crlURL},
	}, key.Public())
	p.writeIndex(t)
	return &Identity{Signer: key, Chain: []*x509.Certificate{c, p.root}}
}

// newTestPKI builds the PKI and starts its servers; everything stops at the end of the test.
func newTestPKI(t testing.TB) *testPKI {
	t.Helper()
	openssl := mustOpenSSL(t)
	p := &testPKI{dir: t.TempDir(), nextSer: 0x1000}
	rootKey := newSignerKey(t, "p256")
	rootTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sohoa TEST Root CA", Country: []string{"VN"}},
		NotBefore: time.Now().Add(-2 * time.Hour), NotAfter: time.Now().AddDate(5, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	der, err := x509.CreateCertificate(rand.Reader, rootTmpl, rootTmpl, rootKey.Public(), rootKey)
	if err != nil {
		t.Fatal(err)
	}
	p.root, _ = x509.ParseCertificate(der)
	p.rootKey = rootKey
	p.rootFile = filepath.Join(p.dir, "root.pem")
	writePEM(t, p.rootFile, "CERTIFICATE", der)
	writeKey(t, filepath.Join(p.dir, "root.key"), rootKey)

	// HTTP side: TSA and CRL.
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	p.tsaURL, p.crlURL = srv.URL+"/tsa", srv.URL+"/root.crl"

	// OCSP responder port.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	p.ocspURL = fmt.Sprintf("http://127.0.0.1:%d", port)

	// TSA certificate: extended key usage timeStamping, critical (RFC 3161 2.3).
	ekuTS, _ := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
	tsaKey := newSignerKey(t, "p256")
	p.tsa = p.issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "sohoa TEST TSA", Country: []string{"VN"}},
		KeyUsage: x509.KeyUsageDigitalSignature, CRLDistributionPoints: []string{p.crlURL},
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: ekuTS}}}, tsaKey.Public())
	writePEM(t, filepath.Join(p.dir, "tsa.pem"), "CERTIFICATE", p.tsa.Raw)
	writeKey(t, filepath.Join(p.dir, "tsa.key"), tsaKey)

	ocspKey := newSignerKey(t, "p256")
	ocspCert := p.issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "sohoa TEST OCSP"}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning}}, ocspKey.Public())
	writePEM(t, filepath.Join(p.dir, "ocsp.pem"), "CERTIFICATE", ocspCert.Raw)
	writeKey(t, filepath.Join(p.dir, "ocsp.key"), ocspKey)
	p.signer = p.newSigner(t, "Nguyễn Văn An", newSignerKey(t, "p256"))

	cfg := fmt.Sprintf(`[ ca ]
default_ca = CA_default
[ CA_default ]
database = %[1]s/index.txt
crlnumber = %[1]s/crlnumber
default_md = sha256
default_crl_days = 30
[ tsa ]
default_tsa = tsa_config1
[ tsa_config1 ]
serial = %[1]s/tsaserial
crypto_device = builtin
signer_cert = %[1]s/tsa.pem
certs = %[1]s/root.pem
signer_key = %[1]s/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
`, p.dir)
	cfgFile := filepath.Join(p.dir, "openssl.cnf")
	os.WriteFile(cfgFile, []byte(cfg), 0o600)
	os.WriteFile(filepath.Join(p.dir, "crlnumber"), []byte("01\n"), 0o600)
	os.WriteFile(filepath.Join(p.dir, "tsaserial"), []byte("01\n"), 0o600)
	p.writeIndex(t)

	mux.HandleFunc("/tsa", func(w http.ResponseWriter, r *http.Request) {
		q, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		defer p.mu.Unlock()
		qf, rf := filepath.Join(p.dir, "req.tsq"), filepath.Join(p.dir, "resp.tsr")
		os.WriteFile(qf, q, 0o600)
		if out, err := exec.Command(openssl, "ts", "-reply", "-config", cfgFile, "-queryfile", qf, "-out", rf).CombinedOutput(); err != nil {
			http.Error(w, string(out), http.StatusInternalServerError)
			return
		}
		resp, _ := os.ReadFile(rf)
		w.Header().Set("Content-Type", "application/timestamp-reply")
		w.Write(resp)
	})
	mux.HandleFunc("/root.crl", func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		defer p.mu.Unlock()
		out := filepath.Join(p.dir, "root.crl")
		if msg, err := exec.Command(openssl, "ca", "-gencrl", "-config", cfgFile, "-keyfile", filepath.Join(p.dir, "root.key"),
			"-cert", p.rootFile, "-out", out).CombinedOutput(); err != nil {
			http.Error(w, string(msg), http.StatusInternalServerError)
			return
		}
		b, _ := os.ReadFile(out)
		w.Write(b) // PEM; the signer converts to DER
	})

	cmd := exec.Command(openssl, "ocsp", "-index", filepath.Join(p.dir, "index.txt"), "-port", fmt.Sprint(port),
		"-rsigner", filepath.Join(p.dir, "ocsp.pem"), "-rkey", filepath.Join(p.dir, "ocsp.key"), "-CA", p.rootFile, "-ndays", "1", "-ignore_err")
	// Wait for the banner: a probe connection would make openssl 3.0's responder spin.
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatalf("openssl ocsp: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait(); pw.Close() })
	ready := make(chan string, 1)
	go func() {
		var seen bytes.Buffer
		buf := make([]byte, 512)
		sent := false
		for {
			n, err := pr.Read(buf)
			seen.Write(buf[:n])
			if !sent && bytes.Contains(seen.Bytes(), []byte("waiting for OCSP client connections")) {
				ready <- ""
				sent = true
			}
			if err != nil {
				if !sent {
					ready <- seen.String()
				}
				return
			}
		}
	}()
	select {
	case msg := <-ready:
		if msg != "" {
			t.Fatalf("openssl ocsp responder failed: %s", msg)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("openssl ocsp responder did not start on port %d", port)
	}
	return p
}

// roots returns a pool with the PKI's root.
func (p *testPKI) roots() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.root)
	return pool
}
