package pkcs11key

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
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/sign"
)

const softhsmModule = "/usr/lib/softhsm/libsofthsm2.so"

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s not found: install it (Debian: softhsm2 for softhsm2-util, opensc for pkcs11-tool, poppler-utils for pdfsig, openssl)", name)
	}
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// minimalPDF is a one-page PDF with a classic xref table.
func minimalPDF() []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	var offs []int
	for i, o := range objs {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, x)
	return b.Bytes()
}

var byteRangeRE = regexp.MustCompile(`/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]`)

// TestLoadSoftHSM imports keys of every supported kind into a SoftHSM2 token, signs with
// each over SHA-256/384/512 and checks the result with pdfsig and openssl cms -verify.
func TestLoadSoftHSM(t *testing.T) {
	if _, err := os.Stat(softhsmModule); err != nil {
		t.Fatalf("%s missing: install softhsm2 (Debian)", softhsmModule)
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "softhsm2.conf")
	os.Mkdir(filepath.Join(dir, "tokens"), 0o700)
	os.WriteFile(conf, []byte("directories.tokendir = "+filepath.Join(dir, "tokens")+"\nobjectstore.backend = file\nlog.level = ERROR\n"), 0o600)
	t.Setenv("SOFTHSM2_CONF", conf)
	run(t, "softhsm2-util", "--init-token", "--free", "--label", "sohoa-test", "--pin", "1234", "--so-pin", "5678")

	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Token test CA"}, IsCA: true, BasicConstraintsValid: true,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), KeyUsage: x509.KeyUsageCertSign}
	caDER, _ := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	ca, _ := x509.ParseCertificate(caDER)
	caFile := filepath.Join(dir, "ca.pem")
	os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600)

	keys := []struct {
		label string
		gen   func() (crypto.Signer, error)
	}{
		{"rsa2048", func() (crypto.Signer, error) { return rsa.GenerateKey(rand.Reader, 2048) }},
		{"rsa3072", func() (crypto.Signer, error) { return rsa.GenerateKey(rand.Reader, 3072) }},
		{"rsa4096", func() (crypto.Signer, error) { return rsa.GenerateKey(rand.Reader, 4096) }},
		{"p256", func() (crypto.Signer, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) }},
		{"p384", func() (crypto.Signer, error) { return ecdsa.GenerateKey(elliptic.P384(), rand.Reader) }},
	}
	for i, k := range keys {
		key, err := k.gen()
		if err != nil {
			t.Fatal(err)
		}
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(int64(100 + i)), Subject: pkix.Name{CommonName: "Token signer " + k.label},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
		if err != nil {
			t.Fatal(err)
		}
		p8, _ := x509.MarshalPKCS8PrivateKey(key)
		keyFile, certFile := filepath.Join(dir, k.label+".key"), filepath.Join(dir, k.label+".der")
		os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8}), 0o600)
		os.WriteFile(certFile, der, 0o600)
		id := fmt.Sprintf("%02x", i+1)
		run(t, "softhsm2-util", "--import", keyFile, "--token", "sohoa-test", "--label", k.label, "--id", id, "--pin", "1234")
		run(t, "pkcs11-tool", "--module", softhsmModule, "--token-label", "sohoa-test", "--login", "--pin", "1234",
			"--write-object", certFile, "--type", "cert", "--label", k.label, "--id", id)
	}

	in := minimalPDF()
	for _, k := range keys {
		id, closer, err := Load(softhsmModule, "sohoa-test", "1234", k.label)
		if err != nil {
			t.Fatalf("Load %s: %v", k.label, err)
		}
		id.Chain = append(id.Chain, ca)
		for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512} {
			t.Run(fmt.Sprintf("%s/%v", k.label, h), func(t *testing.T) {
				var out bytes.Buffer
				if err := sign.Sign(context.Background(), &out, bytes.NewReader(in), int64(len(in)), id, sign.Options{Name: "Token", Hash: h}); err != nil {
					t.Fatalf("Sign: %v", err)
				}
				pdf := out.Bytes()
				path := filepath.Join(t.TempDir(), "signed.pdf")
				os.WriteFile(path, pdf, 0o600)
				got := run(t, "pdfsig", "-nocert", path)
				wantHash := strings.Replace(h.String(), "SHA-", "SHA-", 1)
				if !strings.Contains(got, "Signature is Valid.") || !strings.Contains(got, "Signing Hash Algorithm: "+wantHash) {
					t.Fatalf("pdfsig:\n%s", got)
				}

				m := byteRangeRE.FindSubmatch(pdf)
				var br [4]int
				for i := range br {
					br[i], _ = strconv.Atoi(string(m[i+1]))
				}
				raw, _ := hex.DecodeString(string(pdf[br[1]+1 : br[2]-1]))
				var v asn1.RawValue
				asn1.Unmarshal(raw, &v)
				p7s, content := filepath.Join(t.TempDir(), "s.p7s"), filepath.Join(t.TempDir(), "c.bin")
				os.WriteFile(p7s, v.FullBytes, 0o600)
				os.WriteFile(content, append(append([]byte{}, pdf[:br[1]]...), pdf[br[2]:]...), 0o600)
				got = run(t, "openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", p7s, "-content", content,
					"-CAfile", caFile, "-purpose", "any", "-out", os.DevNull)
				if !strings.Contains(got, "Verification successful") {
					t.Fatalf("openssl: %s", got)
				}
				roots := x509.NewCertPool()
				roots.AddCert(ca)
				rep, err := sign.Verify(bytes.NewReader(pdf), int64(len(pdf)), roots)
				if err != nil || !rep.AllTrusted() {
					t.Fatalf("Verify: %v %+v", err, rep)
				}
			})
		}
		if err := closer.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	}

	// Wrong PIN and unknown key: clear errors.
	if _, _, err := Load(softhsmModule, "sohoa-test", "0000", "p256"); err == nil || !strings.Contains(err.Error(), "PKCS#11") {
		t.Errorf("wrong PIN: %v", err)
	}
	if _, _, err := Load(softhsmModule, "sohoa-test", "1234", "missing"); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing key: %v", err)
	}
}
