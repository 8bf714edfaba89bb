package faults

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// identity is a signing identity in a password-protected PKCS#12 file,
// with the forms its private key could leak in.
type identity struct {
	p12, password string
	// keyForms are byte strings that only the private key yields: its
	// DER encodings, their base64 (a PEM line), the private scalar raw,
	// in hex and in decimal (as %v of the key struct prints it).
	keyForms map[string][]byte
}

// newIdentity writes key with a certificate issued by ca (caKey) as a
// PKCS#12 file with a random password into dir.
func newIdentity(t *testing.T, dir, name string, key crypto.Signer, ca *x509.Certificate, caKey crypto.Signer) identity {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "Kiểm thử " + name, Organization: []string{"UBND phường Kiểm Thử"}, Country: []string{"VN"}},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	id := identity{p12: filepath.Join(dir, name+".p12"), password: "p12-" + name + "-" + rand.Text(), keyForms: map[string][]byte{}}
	p12, err := pkcs12.Modern.Encode(key, cert, []*x509.Certificate{ca}, id.password)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(id.p12, p12, 0o600); err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	var other []byte // the key type's own DER
	var scalar *big.Int
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		if other, err = x509.MarshalECPrivateKey(k); err != nil {
			t.Fatal(err)
		}
		raw, err := k.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		scalar = new(big.Int).SetBytes(raw)
		id.keyForms["raw private scalar"] = raw
	case *rsa.PrivateKey:
		other = x509.MarshalPKCS1PrivateKey(k)
		scalar = k.D
		id.keyForms["raw private exponent"] = k.D.Bytes()
		id.keyForms["prime p (decimal)"] = []byte(k.Primes[0].String())
	default:
		t.Fatalf("key %T", key)
	}
	for form, der := range map[string][]byte{"PKCS#8": pkcs8, "type-specific": other} {
		id.keyForms[form+" DER"] = der
		id.keyForms[form+" base64 (PEM line)"] = []byte(base64.StdEncoding.EncodeToString(der)[:64])
	}
	id.keyForms["private scalar (hex)"] = []byte(hex.EncodeToString(scalar.Bytes()))
	id.keyForms["private scalar (decimal)"] = []byte(scalar.String())
	return id
}

// testIdentities makes the agency's (ECDSA P-256) and the certifier's
// (RSA 2048) identities under one test CA.
func testIdentities(t *testing.T) (agency, certifier identity) {
	t.Helper()
	dir := t.TempDir()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sohoa faults test CA", Country: []string{"VN"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return newIdentity(t, dir, "agency", ecKey, ca, caKey), newIdentity(t, dir, "certifier", rsaKey, ca, caKey)
}

// waitExit waits for a process expected to stop by itself and returns
// its exit code.
func waitExit(t *testing.T, p *proc, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(timeout):
		p.kill()
		t.Fatalf("%s still running after %s", p.name, timeout)
		return 0
	}
}

// TestNoSecretsInLogs runs a whole batch and issues certified copies with
// every secret set (S3 key, API token, the agency's and the certifier's
// PKCS#12 passwords), starts a worker and an API with wrong passwords,
// which must fail without echoing them, and looks for every secret and
// every form of the private keys in everything the processes printed.
// Then it checks that the processes wrote no key material anywhere they
// could write: data, temporary and storage directories.
func TestNoSecretsInLogs(t *testing.T) {
	n := min(pageCount(t), 50)
	agency, certifier := testIdentities(t)
	ids := []identity{agency, certifier}
	c := newClusterWith(t, options{env: []string{
		"SOHOA_SIGN_P12=" + agency.p12, "SOHOA_SIGN_PASSWORD=" + agency.password,
		"SOHOA_CERTIFIER_P12=" + certifier.p12, "SOHOA_CERTIFIER_PASSWORD=" + certifier.password,
	}})
	db := c.catalog()
	// Small pages and one A4 original to certify copies of.
	batch := c.ingest(writeOriginals(t, writePages(t, n-1), 1), "secrets")
	c.verify(db, batch, n, 3*time.Minute)

	// Certified copies: signed by the certifier, then the agency.
	docs, err := db.Documents(t.Context(), batch)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(docs, func(d catalog.Document) bool { return strings.Contains(d.SourceName, "ban-chinh-") })
	if i < 0 {
		t.Fatalf("no original among the %d documents", len(docs))
	}
	k := c.clerk()
	k.createResult(t, docs[i].ID, 0)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	for j := range 2 {
		if o := k.issueCopy(ctx, docs[i].ID, requestNote(j)); o.err != nil || o.attempts != 1 {
			t.Fatalf("issue copy %d: %v (%d attempts)\n%s", j, o.err, o.attempts, c.tail(c.api.log))
		}
	}
	if _, cn := checkCertBooks(t, db, c.pgURL, false); cn.Issued != 2 || cn.Lines != 2 {
		t.Errorf("book after 2 copies: %+v", cn)
	}

	// A failed login with a wrong token must not echo it either.
	wrong := "wrong-token-" + c.secret[:8]
	out, err := c.ingestCmd(t.TempDir(), "x", wrong).CombinedOutput()
	if err == nil {
		t.Errorf("sohoa ingest with a wrong token succeeded:\n%s", out)
	}
	ingestLog := filepath.Join(c.dir, "ingest-wrong-token.log")
	if err := os.WriteFile(ingestLog, out, 0o600); err != nil {
		t.Fatal(err)
	}
	c.logFiles = append(c.logFiles, ingestLog)

	// Wrong passwords: the process stops, says which setting is wrong,
	// and shows neither the wrong password nor the right one.
	wrongSign, wrongCert := "wrong-sign-"+rand.Text(), "wrong-cert-"+rand.Text()
	for _, bad := range []struct {
		name, wrong, right, want string
		args                     []string
	}{
		{"worker-wrong-password", wrongSign, agency.password, "wrong PKCS#12 password",
			[]string{"worker", "--workers", "1", "--data", filepath.Join(c.dir, "worker-wrong")}},
		{"api-wrong-password", wrongCert, certifier.password, "SOHOA_CERTIFIER_P12",
			[]string{"serve", "--role", "api", "--addr", fmt.Sprintf("127.0.0.1:%d", freePort(t)), "--data", filepath.Join(c.dir, "api-wrong")}},
	} {
		env := slices.Clone(c.env)
		if bad.name == "worker-wrong-password" {
			env = append(env, "SOHOA_SIGN_PASSWORD="+bad.wrong)
		} else {
			env = append(env, "SOHOA_CERTIFIER_PASSWORD="+bad.wrong)
		}
		p := c.start(bad.name, c.bin, bad.args, env)
		code := waitExit(t, p, time.Minute)
		log, _ := os.ReadFile(p.log)
		if code == 0 || !strings.Contains(string(log), bad.want) || !strings.Contains(string(log), "wrong PKCS#12 password") {
			t.Errorf("%s: exit %d, want a failure naming %q and the wrong password as the cause:\n%s", bad.name, code, bad.want, log)
		}
		t.Logf("%s: exit %d: %s", bad.name, code, lastLine(log))
	}

	for _, w := range c.workers {
		w.kill()
	}
	c.api.kill()
	c.minio.kill()
	c.redis.kill()

	secrets := map[string][]byte{"S3 secret key": []byte(c.secret), "API token": []byte(c.token), "wrong API token": []byte(wrong),
		"wrong signing password": []byte(wrongSign), "wrong certifier password": []byte(wrongCert)}
	for _, id := range ids {
		name := strings.TrimSuffix(filepath.Base(id.p12), ".p12")
		secrets[name+" PKCS#12 password"] = []byte(id.password)
		for form, b := range id.keyForms {
			secrets[name+" private key, "+form] = b
		}
	}
	for _, path := range c.logFiles {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for what, s := range secrets {
			if len(s) > 0 && bytes.Contains(b, s) {
				t.Errorf("%s appears in %s", what, path)
			}
		}
		t.Logf("%s: %d bytes of log, no secret", filepath.Base(path), len(b))
	}

	// Key material: the keys stay in their PKCS#12 files. Everything the
	// processes were given to write to is under c.dir: their data
	// directories, their TMPDIR, MinIO's and Redis's directories, the logs.
	keyForms := map[string][]byte{"a PEM private key": []byte("PRIVATE KEY")}
	for _, id := range ids {
		name := strings.TrimSuffix(filepath.Base(id.p12), ".p12")
		for form, b := range id.keyForms {
			keyForms[name+" private key, "+form] = b
		}
	}
	files, size := 0, int64(0)
	err = filepath.WalkDir(c.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() || path == agency.p12 || path == certifier.p12 {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		size += int64(len(b))
		for what, s := range keyForms {
			if bytes.Contains(b, s) {
				t.Errorf("%s was written to %s", what, path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 2*n {
		t.Errorf("searched only %d files: the storage directory should hold the pages and PDFs", files)
	}
	t.Logf("KEYS searched %d files (%d bytes) under the processes' directories for %d forms of the 2 private keys: none", files, size, len(keyForms))
}

func lastLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}
