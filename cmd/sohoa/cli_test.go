package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/sohoa-vn/sohoa/ocr"
	"github.com/sohoa-vn/sohoa/scanners/synthetic"
)

// run runs the sohoa command line in-process and returns its output and
// exit status.
func run(t *testing.T, args ...string) (stdout string, code int) {
	t.Helper()
	cmd := rootCmd()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	var e exitError
	switch {
	case err == nil:
		return out.String(), 0
	case errors.As(err, &e):
		return out.String(), e.code
	default:
		t.Logf("sohoa %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
		return out.String(), 1
	}
}

func TestOCRCommand(t *testing.T) {
	dir := t.TempDir()
	samples, err := synthetic.WriteSamples(dir, 5)
	if err != nil {
		t.Fatal(err)
	}
	var in []string
	var truth []string
	for _, s := range samples {
		if s.File == "giay-chung-nhan.png" || s.File == "quyet-dinh.tif" {
			in = append(in, filepath.Join(dir, s.File))
			truth = append(truth, synthetic.TruthText(s.Doc))
		}
	}
	out, meta := filepath.Join(dir, "out.pdf"), filepath.Join(dir, "meta.json")
	if _, code := run(t, append([]string{"ocr", "-o", out, "--json", meta}, in...)...); code != 0 {
		t.Fatalf("sohoa ocr exited %d", code)
	}
	if o, err := exec.Command("qpdf", "--check", out).CombinedOutput(); err != nil {
		t.Errorf("qpdf --check: %v\n%s", err, o)
	}
	text, err := pdfText(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	if cer := ocr.CER(strings.Join(truth, "\f"), text); cer > 0.03 {
		t.Errorf("searchable PDF text CER %.2f%%, want < 3%%", 100*cer)
	}
	var res ocrResult
	b, err := os.ReadFile(meta)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Pages) != 3 { // a 1-page PNG and a 2-page TIFF
		t.Errorf("JSON has %d pages, want 3", len(res.Pages))
	}
	if res.Metadata.NumberSymbol == nil || res.Metadata.NumberSymbol.Value != samples[1].Meta.Number && res.Metadata.NumberSymbol.Value != samples[0].Meta.Number {
		t.Errorf("metadata number = %+v, want one of the documents' numbers", res.Metadata.NumberSymbol)
	}
	if _, code := run(t, "ocr", "-o", filepath.Join(dir, "x.pdf"), filepath.Join(dir, "manifest.json")); code == 0 {
		t.Error("sohoa ocr on a JSON file succeeded")
	}
	// --tessdata points at another folder of models: an empty one fails,
	// naming it; the project's own, given explicitly, works.
	empty := t.TempDir()
	if _, code := run(t, "ocr", "--tessdata", empty, "-o", filepath.Join(dir, "y.pdf"), in[0]); code == 0 {
		t.Error("sohoa ocr --tessdata EMPTY succeeded")
	}
	if _, code := run(t, "ocr", "--tessdata", ocr.ProjectTessdata(), "--lang", "vie_best", "-o", filepath.Join(dir, "z.pdf"), in[0]); code != 0 {
		t.Errorf("sohoa ocr --tessdata %s --lang vie_best exited %d", ocr.ProjectTessdata(), code)
	}
}

// writeP12 writes a self-signed ECDSA identity as a PKCS#12 file, and its
// certificate as PEM beside it (path + ".pem").
func writeP12(t *testing.T, path, password string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(42), Subject: pkix.Name{CommonName: "Nguyễn Văn Thử", Organization: []string{"UBND phường Thử"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	p12, err := pkcs12.Modern.Encode(key, cert, nil, password)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, p12, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSignAndVerifyCommands(t *testing.T) {
	dir := t.TempDir()
	samples, err := synthetic.WriteSamples(dir, 2)
	if err != nil {
		t.Fatal(err)
	}
	unsigned := filepath.Join(dir, "doc.pdf")
	if _, code := run(t, "ocr", "-o", unsigned, filepath.Join(dir, samples[0].File)); code != 0 {
		t.Fatal("sohoa ocr failed")
	}
	p12 := filepath.Join(dir, "id.p12")
	writeP12(t, p12, "mật khẩu")
	t.Setenv("TEST_P12_PASSWORD", "mật khẩu")
	signed := filepath.Join(dir, "signed.pdf")
	if _, code := run(t, "sign", unsigned, "-o", signed, "--p12", p12, "--password-env", "TEST_P12_PASSWORD"); code != 0 {
		t.Fatal("sohoa sign failed")
	}
	if o, err := exec.Command("pdfsig", signed).CombinedOutput(); err != nil || !strings.Contains(string(o), "Signature is Valid") {
		t.Errorf("pdfsig: %v\n%s", err, o)
	}
	stamped := filepath.Join(dir, "stamped.pdf")
	if _, code := run(t, "sign", signed, "-o", stamped, "--p12", p12, "--password-env", "TEST_P12_PASSWORD",
		"--visible", "--org", "UBND phường Bến Nghé", "--reason", "Chứng thực"); code != 0 {
		t.Fatal("sohoa sign --visible failed")
	}
	if o, err := exec.Command("pdfsig", stamped).CombinedOutput(); err != nil || strings.Count(string(o), "Signature is Valid") != 2 {
		t.Errorf("pdfsig of a second, visible signature: %v\n%s", err, o)
	}
	if txt, err := pdfText(context.Background(), stamped); err != nil || !strings.Contains(txt, "UBND phường Bến Nghé") || !strings.Contains(txt, "+07:00") {
		t.Errorf("the stamp's text is not in the PDF (%v):\n%s", err, txt)
	}
	t.Setenv("TEST_P12_PASSWORD", "sai")
	if _, code := run(t, "sign", unsigned, "-o", filepath.Join(dir, "x.pdf"), "--p12", p12, "--password-env", "TEST_P12_PASSWORD"); code == 0 {
		t.Error("sohoa sign with a wrong password succeeded")
	}

	if _, code := run(t, "verify", signed); code == 0 {
		t.Error("verify without trust roots exited 0: the signer's root is unknown")
	}
	if _, code := run(t, "verify", "--relax-trust", signed); code != 0 {
		t.Errorf("verify --relax-trust of an intact file exited %d", code)
	}
	out, code := run(t, "verify", "--roots", p12+".pem", signed)
	var rep struct {
		Signatures []struct {
			Intact          bool `json:"intact"`
			CoversWholeFile bool `json:"covers_whole_file"`
		} `json:"signatures"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("verify output is not JSON: %v\n%s", err, out)
	}
	if code != 0 || len(rep.Signatures) != 1 || !rep.Signatures[0].Intact || !rep.Signatures[0].CoversWholeFile {
		t.Errorf("verify of a good file: exit %d, %+v", code, rep)
	}
	if _, code := run(t, "verify", unsigned); code == 0 {
		t.Error("verify of an unsigned PDF exited 0")
	}
	// One byte changed inside the signed range breaks the signature.
	b, err := os.ReadFile(signed)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, []byte("/Producer"))
	if i < 0 {
		t.Fatal("no /Producer to alter")
	}
	b[i+2] ^= 0x20
	broken := filepath.Join(dir, "broken.pdf")
	if err := os.WriteFile(broken, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, code := run(t, "verify", "--relax-trust", broken); code == 0 {
		t.Error("verify of an altered PDF exited 0")
	}
}
