package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"image"
	"image/color"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/redis/go-redis/v9"

	"github.com/sohoa-vn/sohoa/api"
	"github.com/sohoa-vn/sohoa/config"
	"github.com/sohoa-vn/sohoa/internal/servicetest"
	"github.com/sohoa-vn/sohoa/ocr"
	"github.com/sohoa-vn/sohoa/scanners/synthetic"
	"github.com/sohoa-vn/sohoa/sign"
	"github.com/sohoa-vn/sohoa/storage/catalog"
	"github.com/sohoa-vn/sohoa/webhook"
)

// harness starts the pieces of sohoa a configuration builds, from an
// environment: a fresh data directory (with the DEMO identities made
// once), addresses on free ports, and the benchmark OCR engine unless a
// case asks for Tesseract.
type harness struct {
	t   *testing.T
	env map[string]string
	log *logBuffer
}

// demoDir holds DEMO identities made once per test run (RSA keys take
// time); each harness copies them into its own data directory.
var demoDir string

func newHarness(t *testing.T) *harness {
	t.Helper()
	if demoDir == "" {
		t.Fatal("newHarness outside TestEveryVariableChangesBehaviour")
	}
	data := t.TempDir()
	if out, err := exec.Command("cp", "-a", filepath.Join(demoDir, "demo-pki"), filepath.Join(demoDir, "demo-pki-certifier"), data).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	return &harness{t: t, log: &logBuffer{}, env: map[string]string{
		"HOME": t.TempDir(), "SOHOA_DATA_DIR": data, "SOHOA_ADDR": "127.0.0.1:0", "SOHOA_METRICS_ADDR": "127.0.0.1:0",
		"SOHOA_OCR_ENGINE": "benchmark",
	}}
}

func (h *harness) set(kv ...string) *harness {
	for i := 0; i < len(kv); i += 2 {
		h.env[kv[i]] = kv[i+1]
	}
	return h
}

func (h *harness) config() config.Config {
	h.t.Helper()
	cfg, err := config.Parse(h.env)
	if err == nil {
		err = checkConfig(cfg)
	}
	if err != nil {
		h.t.Fatal(err)
	}
	cfg.Workers = 1
	return cfg
}

// try starts a system of the role; the caller closes it.
func (h *harness) try(role string) (*system, error) {
	cfg := h.config()
	cfg.Role = role
	log := slog.New(slog.NewTextHandler(io.MultiWriter(h.log, testWriter{h.t}), &slog.HandlerOptions{Level: slog.LevelInfo}))
	return startSystem(context.Background(), cfg, log)
}

func (h *harness) start(role string) *system {
	h.t.Helper()
	s, err := h.try(role)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(s.Close)
	return s
}

type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitLog waits up to d for the log to contain s.
func (h *harness) waitLog(s string, d time.Duration) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if strings.Contains(h.log.String(), s) {
			return true
		}
	}
	return false
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func get(t *testing.T, c *http.Client, u, token string) (int, string) {
	t.Helper()
	if c == nil {
		c = http.DefaultClient
	}
	req, _ := http.NewRequest("GET", u, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// onePagePDF is a one-page A4 image PDF, written to dir.
func onePagePDF(t *testing.T, dir string) string {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 248, 351))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	j, err := synthetic.EncodeJPEG(img, 30, 80)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "in.pdf")
	if err := os.WriteFile(p, synthetic.ImagePDF([][]byte{j}, 248, 351, 30), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// signed signs a one-page PDF with the workers' signing function and
// returns the signed file and its verification report (roots: the demo CA).
func signed(t *testing.T, s *system) (string, *sign.Report) {
	t.Helper()
	dir := t.TempDir()
	in, out := onePagePDF(t, dir), filepath.Join(dir, "signed.pdf")
	if err := s.handlers.Sign(context.Background(), in, out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := sign.Verify(bytes.NewReader(b), int64(len(b)), nil)
	if err != nil || len(rep.Signatures) != 1 {
		t.Fatalf("verify: %v %+v", err, rep)
	}
	return out, rep
}

func textOf(t *testing.T, path string) string {
	t.Helper()
	text, err := pdfText(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// testTSA is an RFC 3161 server built on digitorus/timestamp.
func testTSA(t *testing.T) (url, subject string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	eku, _ := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "sohoa config TEST TSA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: eku}}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		req, err := timestamp.ParseRequest(b)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		ts := timestamp.Timestamp{HashAlgorithm: req.HashAlgorithm, HashedMessage: req.HashedMessage, Time: time.Now(),
			Nonce: req.Nonce, Policy: asn1.ObjectIdentifier{1, 2, 3, 4, 1}, Ordering: false, Accuracy: time.Second,
			Qualified: false, AddTSACertificate: req.Certificates, SerialNumber: big.NewInt(time.Now().UnixNano())}
		resp, err := ts.CreateResponseWithOpts(cert, key, crypto.SHA256)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "application/timestamp-reply")
		w.Write(resp)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, cert.Subject.String()
}

// selfSigned writes a TLS certificate and key for 127.0.0.1.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	p8, _ := x509.MarshalPKCS8PrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "tls.pem"), filepath.Join(dir, "tls.key")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8}), 0o600)
	return certFile, keyFile
}

// softHSM makes a SoftHSM2 token holding a key and its certificate, and
// returns the environment that points SOHOA_PKCS11_* at it.
func softHSM(t *testing.T) map[string]string {
	t.Helper()
	const module = "/usr/lib/softhsm/libsofthsm2.so"
	dir := t.TempDir()
	conf := filepath.Join(dir, "softhsm2.conf")
	os.Mkdir(filepath.Join(dir, "tokens"), 0o700)
	os.WriteFile(conf, []byte("directories.tokendir = "+filepath.Join(dir, "tokens")+"\nobjectstore.backend = file\nlog.level = ERROR\n"), 0o600)
	t.Setenv("SOFTHSM2_CONF", conf)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(9), Subject: pkix.Name{CommonName: "Token cấu hình"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	p8, _ := x509.MarshalPKCS8PrivateKey(key)
	keyFile, certFile := filepath.Join(dir, "k.pem"), filepath.Join(dir, "c.der")
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8}), 0o600)
	os.WriteFile(certFile, der, 0o600)
	for _, args := range [][]string{
		{"softhsm2-util", "--init-token", "--free", "--label", "cfg-token", "--pin", "4321", "--so-pin", "8765"},
		{"softhsm2-util", "--import", keyFile, "--token", "cfg-token", "--label", "cfg-key", "--id", "01", "--pin", "4321"},
		{"pkcs11-tool", "--module", module, "--token-label", "cfg-token", "--login", "--pin", "4321",
			"--write-object", certFile, "--type", "cert", "--label", "cfg-key", "--id", "01"},
	} {
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	return map[string]string{"SOHOA_PKCS11_MODULE": module, "SOHOA_PKCS11_TOKEN": "cfg-token",
		"SOHOA_PKCS11_KEY": "cfg-key", "SOHOA_PKCS11_PIN": "4321"}
}

// pkcs11Case: with every SOHOA_PKCS11_* right the workers sign with the
// token's key; with this one variable wrong they cannot start.
func pkcs11Case(name string) func(t *testing.T) {
	return func(t *testing.T) {
		env := softHSM(t)
		h := newHarness(t)
		for k, v := range env {
			h.set(k, v)
		}
		s, err := h.try("worker")
		if err != nil {
			t.Fatal(err)
		}
		_, rep := signed(t, s)
		s.Close() // logs out of the token: a wrong PIN must log in again
		if !strings.Contains(rep.Signatures[0].SignerSubject, "Token cấu hình") {
			t.Errorf("signed by %s, not the token's key", rep.Signatures[0].SignerSubject)
		}
		h2 := newHarness(t)
		for k, v := range env {
			h2.set(k, v)
		}
		h2.set(name, env[name]+"-wrong")
		if s, err := h2.try("worker"); err == nil {
			s.Close()
			t.Errorf("%s=%s-wrong: workers started", name, env[name])
		}
	}
}

// minioCase: the store works with every SOHOA_S3_* right, and not with
// this one variable unset.
func minioCase(name string) func(t *testing.T) {
	return func(t *testing.T) {
		m := servicetest.MinIO(t)
		env := map[string]string{"SOHOA_S3_ENDPOINT": m.Endpoint, "SOHOA_S3_ACCESS_KEY": m.AccessKey,
			"SOHOA_S3_SECRET_KEY": m.SecretKey, "SOHOA_S3_BUCKET": "cfg-" + strings.ToLower(rand.Text()[:8])}
		h := newHarness(t)
		for k, v := range env {
			h.set(k, v)
		}
		st, _, err := openStore(context.Background(), h.config())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Put(context.Background(), "cfg/probe", strings.NewReader("x"), 1); err != nil {
			t.Fatal(err)
		}
		mc, _ := minio.New(m.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(m.AccessKey, m.SecretKey, "")})
		if _, err := mc.StatObject(context.Background(), env["SOHOA_S3_BUCKET"], "cfg/probe", minio.StatObjectOptions{}); err != nil {
			t.Errorf("the object is not in MinIO's bucket %s: %v", env["SOHOA_S3_BUCKET"], err)
		}
		if name == "SOHOA_S3_BUCKET" {
			return // unset, it is the default bucket: nothing to refuse
		}
		delete(h.env, name)
		if name == "SOHOA_S3_ENDPOINT" {
			if _, err := os.Stat(filepath.Join(h.env["SOHOA_DATA_DIR"], "blobs")); err == nil {
				t.Error("with MinIO, blobs were written to the data directory")
			}
			return
		}
		st, _, err = openStore(context.Background(), h.config())
		if err == nil {
			_, err = st.Put(context.Background(), "cfg/probe2", strings.NewReader("x"), 1)
		}
		if err == nil {
			t.Errorf("without %s the store still works", name)
		}
	}
}

// effects proves, for each variable, that setting it changes what the
// built server, workers or components do.
var effects = map[string]func(t *testing.T){
	"SOHOA_ADDR": func(t *testing.T) {
		addr := freeAddr(t)
		newHarness(t).set("SOHOA_ADDR", addr).start("api")
		if code, _ := get(t, nil, "http://"+addr+"/v1/documents/doc_x", ""); code != http.StatusUnauthorized {
			t.Errorf("GET on %s: %d, want the API's 401", addr, code)
		}
	},
	"SOHOA_DATA_DIR": func(t *testing.T) {
		h := newHarness(t)
		d := filepath.Join(t.TempDir(), "elsewhere")
		h.set("SOHOA_DATA_DIR", d).start("api")
		for _, f := range []string{"catalog.db", "admin-token"} {
			if _, err := os.Stat(filepath.Join(d, f)); err != nil {
				t.Errorf("%s not in SOHOA_DATA_DIR: %v", f, err)
			}
		}
	},
	"SOHOA_METRICS_ADDR": func(t *testing.T) {
		addr := freeAddr(t)
		newHarness(t).set("SOHOA_METRICS_ADDR", addr).start("api")
		if code, body := get(t, nil, "http://"+addr+"/healthz", ""); code != 200 || !strings.Contains(body, "ok") {
			t.Errorf("healthz on %s: %d %q", addr, code, body)
		}
	},
	"SOHOA_PPROF": func(t *testing.T) {
		for _, tc := range []struct {
			v    string
			want int
		}{{"true", 200}, {"", 404}} {
			s := newHarness(t).set("SOHOA_PPROF", tc.v).start("api")
			if code, _ := get(t, nil, "http://"+s.probeAddr+"/debug/pprof/", ""); code != tc.want {
				t.Errorf("SOHOA_PPROF=%q: /debug/pprof/ %d, want %d", tc.v, code, tc.want)
			}
		}
	},
	"SOHOA_PUBLIC_URL": func(t *testing.T) {
		s := newHarness(t).set("SOHOA_PUBLIC_URL", "https://dichvu.example.gov.vn/").start("api")
		if got := s.certify.Offices["default"].VerifyURL; got != "https://dichvu.example.gov.vn/verify/" {
			t.Errorf("copies link to %q", got)
		}
	},
	"SOHOA_TLS_CERT": func(t *testing.T) { tlsCase(t) },
	"SOHOA_TLS_KEY":  func(t *testing.T) { tlsCase(t) },
	"SOHOA_INSECURE_HTTP": func(t *testing.T) {
		if s, err := newHarness(t).set("SOHOA_ADDR", "0.0.0.0:0").try("api"); err == nil {
			s.Close()
			t.Fatal("plain HTTP on 0.0.0.0 started without SOHOA_INSECURE_HTTP")
		}
		newHarness(t).set("SOHOA_ADDR", "0.0.0.0:0", "SOHOA_INSECURE_HTTP", "true").start("api")
	},
	"SOHOA_RATE_VERIFY": func(t *testing.T) {
		for _, tc := range []struct {
			v       string
			limited bool
		}{{"1/m", true}, {"", false}} {
			s := newHarness(t).set("SOHOA_RATE_VERIFY", tc.v).start("api")
			get(t, nil, s.URL()+"/verify/ABCDEFGHJK", "")
			code, _ := get(t, nil, s.URL()+"/verify/ABCDEFGHJK", "")
			if (code == http.StatusTooManyRequests) != tc.limited {
				t.Errorf("SOHOA_RATE_VERIFY=%q: second look %d", tc.v, code)
			}
		}
	},
	"SOHOA_RATE_AUTH_FAIL": func(t *testing.T) {
		for _, tc := range []struct {
			v       string
			limited bool
		}{{"1/m", true}, {"", false}} {
			s := newHarness(t).set("SOHOA_RATE_AUTH_FAIL", tc.v).start("api")
			var code int
			for range 3 {
				code, _ = get(t, nil, s.URL()+"/v1/batches", "wrong-token")
			}
			if (code == http.StatusTooManyRequests) != tc.limited {
				t.Errorf("SOHOA_RATE_AUTH_FAIL=%q: third bad token %d", tc.v, code)
			}
		}
	},
	"SOHOA_REDIS_URL": func(t *testing.T) {
		addr := servicetest.Redis(t)
		newHarness(t).set("SOHOA_REDIS_URL", "redis://"+addr).start("worker")
		rc := redis.NewClient(&redis.Options{Addr: addr})
		defer rc.Close()
		var n int64
		for end := time.Now().Add(5 * time.Second); n == 0 && time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
			n, _ = rc.Exists(context.Background(), "asynq:servers").Result()
		}
		if n == 0 {
			t.Error("the workers did not register with the Redis of SOHOA_REDIS_URL")
		}
	},
	"SOHOA_DATABASE_URL": func(t *testing.T) {
		u := servicetest.Postgres(t)
		h := newHarness(t).set("SOHOA_DATABASE_URL", u)
		h.start("api")
		db, err := catalog.Open(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if keys, err := db.APIKeys(context.Background()); err != nil || len(keys) != 1 {
			t.Errorf("PostgreSQL holds keys %v (%v), want the bootstrap key", keys, err)
		}
		if _, err := os.Stat(filepath.Join(h.env["SOHOA_DATA_DIR"], "catalog.db")); err == nil {
			t.Error("a SQLite catalog was made as well")
		}
	},
	"SOHOA_S3_ENDPOINT":   minioCase("SOHOA_S3_ENDPOINT"),
	"SOHOA_S3_ACCESS_KEY": minioCase("SOHOA_S3_ACCESS_KEY"),
	"SOHOA_S3_SECRET_KEY": minioCase("SOHOA_S3_SECRET_KEY"),
	"SOHOA_S3_BUCKET":     minioCase("SOHOA_S3_BUCKET"),
	"SOHOA_S3_REGION": func(t *testing.T) {
		// Requests go through a recording proxy: each is signed for the region.
		m := servicetest.MinIO(t)
		target, _ := url.Parse("http://" + m.Endpoint)
		var mu sync.Mutex
		var auth []string
		rp := httputil.NewSingleHostReverseProxy(target)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			auth = append(auth, r.Header.Get("Authorization"))
			mu.Unlock()
			rp.ServeHTTP(w, r)
		}))
		defer srv.Close()
		h := newHarness(t).set("SOHOA_S3_ENDPOINT", strings.TrimPrefix(srv.URL, "http://"), "SOHOA_S3_ACCESS_KEY", m.AccessKey,
			"SOHOA_S3_SECRET_KEY", m.SecretKey, "SOHOA_S3_BUCKET", "cfg-region", "SOHOA_S3_REGION", "vn-hanoi-1")
		openStore(context.Background(), h.config()) // MinIO may refuse the region: the signature is what counts
		mu.Lock()
		defer mu.Unlock()
		if len(auth) == 0 || !strings.Contains(strings.Join(auth, "\n"), "/vn-hanoi-1/s3/aws4_request") {
			t.Errorf("no request signed for region vn-hanoi-1: %q", auth)
		}
	},
	"SOHOA_S3_USE_SSL": func(t *testing.T) {
		m := servicetest.MinIO(t)
		h := newHarness(t).set("SOHOA_S3_ENDPOINT", m.Endpoint, "SOHOA_S3_ACCESS_KEY", m.AccessKey,
			"SOHOA_S3_SECRET_KEY", m.SecretKey, "SOHOA_S3_BUCKET", "cfg-ssl", "SOHOA_S3_USE_SSL", "true")
		st, _, err := openStore(context.Background(), h.config())
		if err == nil {
			_, err = st.Put(context.Background(), "cfg/probe", strings.NewReader("x"), 1)
		}
		if err == nil || !strings.Contains(strings.ToLower(err.Error()), "https") {
			t.Errorf("HTTPS to a plain-HTTP MinIO: %v", err)
		}
	},
	"SOHOA_S3_RETENTION_MODE":   func(t *testing.T) { retentionCase(t, "GOVERNANCE", "2d") },
	"SOHOA_S3_RETENTION_PERIOD": func(t *testing.T) { retentionCase(t, "GOVERNANCE", "3d") },
	"SOHOA_SIGN_P12":            func(t *testing.T) { p12Case(t) },
	"SOHOA_SIGN_PASSWORD":       func(t *testing.T) { p12Case(t) },
	"SOHOA_PKCS11_MODULE":       pkcs11Case("SOHOA_PKCS11_MODULE"),
	"SOHOA_PKCS11_TOKEN":        pkcs11Case("SOHOA_PKCS11_TOKEN"),
	"SOHOA_PKCS11_KEY":          pkcs11Case("SOHOA_PKCS11_KEY"),
	"SOHOA_PKCS11_PIN":          pkcs11Case("SOHOA_PKCS11_PIN"),
	"SOHOA_SIGNER_NAME": func(t *testing.T) {
		_, rep := signed(t, newHarness(t).set("SOHOA_SIGNER_NAME", "Phòng Số hóa").start("worker"))
		if rep.Signatures[0].Name != "Phòng Số hóa" {
			t.Errorf("/Name %q", rep.Signatures[0].Name)
		}
	},
	"SOHOA_SIGN_LEVEL": func(t *testing.T) { levelCase(t) },
	"SOHOA_TSA_URL":    func(t *testing.T) { levelCase(t) },
	"SOHOA_SIGN_VISIBLE": func(t *testing.T) {
		for _, v := range []string{"true", ""} {
			path, _ := signed(t, newHarness(t).set("SOHOA_SIGN_VISIBLE", v).start("worker"))
			text := textOf(t, path)
			if got := strings.Contains(text, "sohoa"); got != (v == "true") {
				t.Errorf("SOHOA_SIGN_VISIBLE=%q: stamp text on the page = %v:\n%s", v, got, text)
			}
			b, _ := os.ReadFile(path)
			if got := bytes.Contains(b, []byte("/AP")); got != (v == "true") {
				t.Errorf("SOHOA_SIGN_VISIBLE=%q: widget appearance = %v", v, got)
			}
		}
	},
	"SOHOA_SIGN_ORG": func(t *testing.T) {
		path, _ := signed(t, newHarness(t).set("SOHOA_SIGN_VISIBLE", "true", "SOHOA_SIGN_ORG", "UBND phường Cấu Hình").start("worker"))
		if text := textOf(t, path); !strings.Contains(text, "UBND phường Cấu Hình") {
			t.Errorf("organisation not in the stamp:\n%s", text)
		}
	},
	"SOHOA_TRUST_ROOTS": func(t *testing.T) {
		for _, trust := range []bool{true, false} {
			h := newHarness(t)
			if trust {
				h.set("SOHOA_TRUST_ROOTS", filepath.Join(h.env["SOHOA_DATA_DIR"], "demo-pki", "demo-ca.pem")+", ")
			}
			s := h.start("all")
			path, _ := signed(t, s)
			b, _ := os.ReadFile(path)
			rep := postVerify(t, s, b)
			if rep.Signatures[0].Trusted != trust {
				t.Errorf("SOHOA_TRUST_ROOTS set %v: trusted = %v", trust, rep.Signatures[0].Trusted)
			}
		}
	},
	"SOHOA_FETCH_ISSUERS": func(t *testing.T) {
		// A signature that embeds only the signer's certificate, as government
		// signatures do: its intermediate is served at the leaf's CA Issuers URL.
		var hits atomic.Int32
		var inter []byte
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			w.Write(inter)
		}))
		defer srv.Close()
		dir := t.TempDir()
		rootPEM, interDER, id := leafOnlyPKI(t, dir, srv.URL+"/ca/g2.crt")
		inter = interDER
		in, out := onePagePDF(t, dir), filepath.Join(dir, "leaf-only.pdf")
		if err := sign.SignFile(context.Background(), in, out, id, sign.Options{Name: "Nguyễn Văn An"}); err != nil {
			t.Fatal(err)
		}
		pdf, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		defer func(v bool) { issuersAllowPrivate = v }(issuersAllowPrivate)
		for _, tc := range []struct {
			v            string
			allowPrivate bool // the test hook: production refuses 127.0.0.1
			fetched      bool
		}{{"true", true, true}, {"true", false, false}, {"", true, false}, {"false", true, false}} {
			issuersAllowPrivate = tc.allowPrivate
			hits.Store(0)
			s := newHarness(t).set("SOHOA_FETCH_ISSUERS", tc.v, "SOHOA_TRUST_ROOTS", rootPEM).start("api")
			rep := postVerify(t, s, pdf)
			contacted := hits.Load() > 0
			if contacted != tc.fetched || rep.Trusted != tc.fetched || rep.Valid != tc.fetched {
				t.Errorf("SOHOA_FETCH_ISSUERS=%q (private addresses allowed: %v): CA Issuers URL contacted = %v, trusted = %v, valid = %v; want %v",
					tc.v, tc.allowPrivate, contacted, rep.Trusted, rep.Valid, tc.fetched)
			}
		}
	},
	"SOHOA_OFFICE": func(t *testing.T) {
		s := newHarness(t).set("SOHOA_OFFICE", "so-noi-vu").start("api")
		keys, err := s.catalog.APIKeys(context.Background())
		if err != nil || len(keys) != 1 || keys[0].OfficeID != "so-noi-vu" {
			t.Errorf("bootstrap key %+v %v", keys, err)
		}
		if _, ok := s.certify.Offices["so-noi-vu"]; !ok {
			t.Errorf("certifying offices %v", s.certify.Offices)
		}
	},
	"SOHOA_OFFICE_NAME": func(t *testing.T) {
		s := newHarness(t).set("SOHOA_OFFICE_NAME", "Sở Nội vụ tỉnh Thử").start("api")
		if got := s.certify.Offices["default"].Name; got != "Sở Nội vụ tỉnh Thử" {
			t.Errorf("office name %q", got)
		}
	},
	"SOHOA_BOOK_NUMBER": func(t *testing.T) {
		s := newHarness(t).set("SOHOA_BOOK_NUMBER", "07").start("api")
		if got := s.certify.Offices["default"].Book(); !strings.HasPrefix(got, "07-") {
			t.Errorf("book %q", got)
		}
	},
	"SOHOA_CERTIFY_OFFICES": func(t *testing.T) {
		f := filepath.Join(t.TempDir(), "offices.json")
		os.WriteFile(f, []byte(`{"phuong-1": {"Name": "UBND phường 1", "BookNumber": "03"}}`), 0o600)
		s := newHarness(t).set("SOHOA_CERTIFY_OFFICES", f).start("api")
		if o, ok := s.certify.Offices["phuong-1"]; !ok || o.Name != "UBND phường 1" || len(s.certify.Offices) != 1 {
			t.Errorf("offices %+v", s.certify.Offices)
		}
	},
	"SOHOA_CERTIFIER_P12":      func(t *testing.T) { certifierCase(t) },
	"SOHOA_CERTIFIER_PASSWORD": func(t *testing.T) { certifierCase(t) },
	"SOHOA_CERTIFY_RECOVER_AFTER": func(t *testing.T) {
		// Both set short: a pending number is voided at once; with the
		// default age (10m) the same check leaves it pending.
		recoverCase(t, map[string]string{"SOHOA_CERTIFY_RECOVER_AFTER": "1ms", "SOHOA_CERTIFY_RECOVER_INTERVAL": "50ms"}, true)
		recoverCase(t, map[string]string{"SOHOA_CERTIFY_RECOVER_INTERVAL": "50ms"}, false)
	},
	"SOHOA_CERTIFY_RECOVER_INTERVAL": func(t *testing.T) {
		// The check runs at start (before the number exists) and then every interval.
		recoverCase(t, map[string]string{"SOHOA_CERTIFY_RECOVER_AFTER": "1ms", "SOHOA_CERTIFY_RECOVER_INTERVAL": "50ms"}, true)
		recoverCase(t, map[string]string{"SOHOA_CERTIFY_RECOVER_AFTER": "1ms"}, false)
	},
	"SOHOA_WEBHOOK_ALLOW": func(t *testing.T) {
		for _, tc := range []struct {
			v       string
			allowed bool
		}{{"127.0.0.1", true}, {"", false}} {
			s := newHarness(t).set("SOHOA_WEBHOOK_ALLOW", tc.v).start("api")
			g, err := s.webhookGuard()
			if err != nil {
				t.Fatal(err)
			}
			if err := g.CheckAddr(netip.MustParseAddr("127.0.0.1")); (err == nil) != tc.allowed {
				t.Errorf("SOHOA_WEBHOOK_ALLOW=%q: a loopback target gives %v", tc.v, err)
			}
		}
	},
	"SOHOA_TRUSTED_PROXIES": func(t *testing.T) {
		// Behind a trusted proxy two clients are counted apart; otherwise
		// the proxy's address is the one that burnt its failures.
		for _, tc := range []struct {
			v       string
			limited bool
		}{{"127.0.0.1", false}, {"", true}} {
			s := newHarness(t).set("SOHOA_TRUSTED_PROXIES", tc.v, "SOHOA_RATE_AUTH_FAIL", "1/m").start("api")
			try := func(client string) int {
				req, _ := http.NewRequest("GET", s.URL()+"/v1/batches", nil)
				req.Header.Set("Authorization", "Bearer wrong-token-"+client)
				req.Header.Set("X-Forwarded-For", client)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				return resp.StatusCode
			}
			for range 3 {
				try("203.0.113.7")
			}
			if code := try("198.51.100.9"); (code == http.StatusTooManyRequests) != tc.limited {
				t.Errorf("SOHOA_TRUSTED_PROXIES=%q: another client's first bad token answers %d", tc.v, code)
			}
		}
	},
	"SOHOA_WEBHOOK_KEY": func(t *testing.T) {
		key := make([]byte, 32)
		rand.Read(key)
		s := newHarness(t).set("SOHOA_WEBHOOK_KEY", hex.EncodeToString(key)).start("api")
		sealer, err := s.webhookSealer()
		if err != nil {
			t.Fatal(err)
		}
		mine, _ := webhook.NewSealer(key)
		if got, err := mine.Open(sealer.Seal([]byte("bí mật"))); err != nil || string(got) != "bí mật" {
			t.Errorf("the secret is not sealed with SOHOA_WEBHOOK_KEY: %q %v", got, err)
		}
		if _, err := os.Stat(filepath.Join(s.cfg.DataDir, "webhook-key")); err == nil {
			t.Error("a key was made in the data directory as well")
		}
	},
	"SOHOA_OCR_LANGUAGES": func(t *testing.T) {
		_, err := newHarness(t).set("SOHOA_OCR_ENGINE", "tesseract", "SOHOA_OCR_LANGUAGES", "vie+xyzlang").try("worker")
		if err == nil || !strings.Contains(err.Error(), "xyzlang") {
			t.Errorf("a language without a model: %v", err)
		}
	},
	"SOHOA_OCR_ENGINE": func(t *testing.T) {
		blank := image.NewGray(image.Rect(0, 0, 300, 300))
		for i := range blank.Pix {
			blank.Pix[i] = 255
		}
		png, _ := synthetic.EncodePNG(blank, 200)
		for _, engine := range []string{"benchmark", "tesseract"} {
			s := newHarness(t).set("SOHOA_OCR_ENGINE", engine).start("worker")
			p, err := s.ocr.Recognize(context.Background(), png)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(p.Words) > 0; got != (engine == "benchmark") {
				t.Errorf("SOHOA_OCR_ENGINE=%s: words on a blank page = %v", engine, got)
			}
		}
	},
	"SOHOA_TESSDATA": func(t *testing.T) {
		empty := t.TempDir()
		_, err := newHarness(t).set("SOHOA_OCR_ENGINE", "tesseract", "SOHOA_TESSDATA", empty).try("worker")
		if err == nil || !strings.Contains(err.Error(), empty) {
			t.Errorf("models from an empty folder: %v", err)
		}
	},
	"SOHOA_QC_HOLD": func(t *testing.T) {
		for _, tc := range []struct {
			v    string
			hold bool
		}{{"none", false}, {"skewed", false}, {"", true}} {
			s := newHarness(t).set("SOHOA_QC_HOLD", tc.v).start("worker")
			if _, hold := s.handlers.QC.Flags(&ocr.Page{Blank: true}); hold != tc.hold {
				t.Errorf("SOHOA_QC_HOLD=%q: a blank page holds = %v", tc.v, hold)
			}
		}
	},
	"SOHOA_QC_MAX_SKEW": func(t *testing.T) {
		page := &ocr.Page{Words: []ocr.Word{{Text: "x", Conf: 95}}, Preprocess: ocr.Applied{Skew: 1.5}}
		for _, tc := range []struct {
			v      string
			skewed bool
		}{{"1", true}, {"", false}} {
			s := newHarness(t).set("SOHOA_QC_MAX_SKEW", tc.v).start("worker")
			flags, _ := s.handlers.QC.Flags(page)
			if got := strings.Contains(strings.Join(flags, ","), "skewed"); got != tc.skewed {
				t.Errorf("SOHOA_QC_MAX_SKEW=%q: 1.5° flagged %v", tc.v, flags)
			}
		}
	},
	"SOHOA_RECONCILE_INTERVAL": func(t *testing.T) {
		h := newHarness(t).set("SOHOA_RECONCILE_INTERVAL", "100ms", "SOHOA_RECONCILE_GRACE", "1ms")
		s := h.start("worker")
		unfinished(t, s)
		if !h.waitLog("re-enqueued unfinished work", 3*time.Second) {
			t.Error("lost work was not re-queued within 3 s of a 100 ms interval")
		}
	},
	"SOHOA_RECONCILE_GRACE": func(t *testing.T) {
		for _, tc := range []struct {
			v    string
			want int
		}{{"1ms", 1}, {"", 0}} {
			s := newHarness(t).set("SOHOA_RECONCILE_GRACE", tc.v).start("worker")
			unfinished(t, s)
			time.Sleep(20 * time.Millisecond)
			if n, err := s.reconciler.Once(context.Background()); err != nil || n != tc.want {
				t.Errorf("SOHOA_RECONCILE_GRACE=%q: re-queued %d (%v), want %d", tc.v, n, err, tc.want)
			}
		}
	},
	"SOHOA_TASK_CHECK_INTERVAL": func(t *testing.T) {
		// An idle worker looks again only after the interval: a task queued
		// to workers that look every 4 s (±50%) waits at least 2 s.
		for _, tc := range []struct {
			v    string
			done bool
		}{{"4s", false}, {"", true}} {
			s := newHarness(t).set("SOHOA_TASK_CHECK_INTERVAL", tc.v).start("worker")
			time.Sleep(300 * time.Millisecond) // the workers find the queues empty
			if err := s.queue.EnqueueOCR(context.Background(), "pg_cfgprobe"); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Second)
			info, err := s.inspector.GetQueueInfo("ocr")
			if err != nil {
				t.Fatal(err)
			}
			if got := info.Pending == 0; got != tc.done {
				t.Errorf("SOHOA_TASK_CHECK_INTERVAL=%q: task taken within 1 s = %v (%+v)", tc.v, got, info)
			}
		}
	},
	"SOHOA_FIXITY_INTERVAL": func(t *testing.T) {
		h := newHarness(t).set("SOHOA_FIXITY_INTERVAL", "100ms")
		s := h.start("worker")
		if _, err := s.store.Put(context.Background(), "pages/cfg-orphan", strings.NewReader("orphan"), 6); err != nil {
			t.Fatal(err)
		}
		if !h.waitLog("fixity: problem", 5*time.Second) {
			t.Error("no fixity audit found the orphan within 5 s of a 100 ms interval")
		}
	},
	"SOHOA_MAX_FILE_BYTES": func(t *testing.T) {
		limitCase(t, "SOHOA_MAX_FILE_BYTES", "100", "too large")
	},
	"SOHOA_MAX_PAGE_PIXELS": func(t *testing.T) {
		limitCase(t, "SOHOA_MAX_PAGE_PIXELS", "1000", "pixels")
	},
	"SOHOA_MAX_PAGES": func(t *testing.T) {
		limitCase(t, "SOHOA_MAX_PAGES", "1", "pages")
	},
	"SOHOA_URL":   func(t *testing.T) { clientCase(t) },
	"SOHOA_TOKEN": func(t *testing.T) { clientCase(t) },
}

// TestEveryVariableChangesBehaviour runs, for every variable of
// config.Config and config.Client, a case where setting it changes what
// sohoa does; a variable without a case fails.
func TestEveryVariableChangesBehaviour(t *testing.T) {
	demoDir = t.TempDir()
	for _, d := range []string{"demo-pki", "demo-pki-certifier"} {
		if _, err := sign.DemoIdentity(filepath.Join(demoDir, d)); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for _, f := range append(config.Fields(), config.ClientFields()...) {
		seen[f.Var] = true
		check, ok := effects[f.Var]
		if !ok {
			t.Errorf("%s has no case proving it changes behaviour", f.Var)
			continue
		}
		t.Run(f.Var, check)
	}
	for v := range effects {
		if !seen[v] {
			t.Errorf("case for %s, which config does not have", v)
		}
	}
}

// postVerify sends a one-signature PDF to the system's POST /v1/verify and
// returns the answer, failing unless its one signature is intact.
func postVerify(t *testing.T, s *system, pdf []byte) api.VerifyReport {
	t.Helper()
	req, _ := http.NewRequest("POST", s.URL()+"/v1/verify", bytes.NewReader(pdf))
	req.Header.Set("Authorization", "Bearer "+s.adminToken)
	req.Header.Set("Content-Type", "application/pdf")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rep api.VerifyReport
	err = json.NewDecoder(resp.Body).Decode(&rep)
	if err != nil || rep.Report == nil || len(rep.Signatures) != 1 || !rep.Signatures[0].Intact {
		t.Fatalf("POST /v1/verify: %d %v %+v", resp.StatusCode, err, rep)
	}
	return rep
}

// leafOnlyPKI makes a root, an intermediate and a signer whose AIA "CA
// Issuers" URL is issuersURL, as Vietnamese government certificates are
// issued; the identity holds only the signer's certificate, so the CMS
// carries no intermediate. It returns the root's PEM file (written to dir)
// and the intermediate's DER, to serve at issuersURL.
func leafOnlyPKI(t *testing.T, dir, issuersURL string) (rootPEM string, interDER []byte, id *sign.Identity) {
	t.Helper()
	now := time.Now()
	mk := func(tmpl, parent *x509.Certificate, pub, key any) *x509.Certificate {
		tmpl.NotBefore, tmpl.NotAfter = now.Add(-time.Hour), now.Add(24*time.Hour)
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	rootKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	interKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leafKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rt := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "RootCA chuyên dùng Chính phủ G2 (TEST)"},
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	root := mk(rt, rt, &rootKey.PublicKey, rootKey)
	inter := mk(&x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "CA phục vụ các cơ quan Nhà nước G2 (TEST)"},
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}, root, &interKey.PublicKey, rootKey)
	leaf := mk(&x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "Nguyễn Văn An", Organization: []string{"UBND phường Một"}},
		KeyUsage: x509.KeyUsageDigitalSignature, IssuingCertificateURL: []string{issuersURL}}, inter, &leafKey.PublicKey, interKey)
	id, err := sign.NewIdentity(leafKey, leaf)
	if err != nil {
		t.Fatal(err)
	}
	rootPEM = filepath.Join(dir, "root-g2.pem")
	if err := os.WriteFile(rootPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: root.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return rootPEM, inter.Raw, id
}

func tlsCase(t *testing.T) {
	cert, key := selfSigned(t, t.TempDir())
	s := newHarness(t).set("SOHOA_TLS_CERT", cert, "SOHOA_TLS_KEY", key).start("api")
	if !strings.HasPrefix(s.URL(), "https://") {
		t.Fatalf("URL %s", s.URL())
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := c.Get(s.URL() + "/v1/batches")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.TLS == nil || len(resp.TLS.PeerCertificates) == 0 || resp.TLS.PeerCertificates[0].Subject.CommonName != "127.0.0.1" {
		t.Errorf("not served with SOHOA_TLS_CERT: %+v", resp.TLS)
	}
}

func retentionCase(t *testing.T, mode, period string) {
	m := servicetest.MinIO(t)
	bucket := "cfg-lock-" + strings.ToLower(rand.Text()[:8])
	h := newHarness(t).set("SOHOA_S3_ENDPOINT", m.Endpoint, "SOHOA_S3_ACCESS_KEY", m.AccessKey, "SOHOA_S3_SECRET_KEY", m.SecretKey,
		"SOHOA_S3_BUCKET", bucket, "SOHOA_S3_RETENTION_MODE", strings.ToLower(mode), "SOHOA_S3_RETENTION_PERIOD", period)
	st, _, err := openStore(context.Background(), h.config())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Put(context.Background(), "signed/cfg.pdf", strings.NewReader("x"), 1); err != nil {
		t.Fatal(err)
	}
	mc, _ := minio.New(m.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(m.AccessKey, m.SecretKey, "")})
	gotMode, until, err := mc.GetObjectRetention(context.Background(), bucket, "signed/cfg.pdf", "")
	days, _ := time.ParseDuration(strings.TrimSuffix(period, "d") + "h")
	want := time.Now().Add(24 * days)
	if err != nil || gotMode == nil || string(*gotMode) != mode || until == nil || until.Sub(want).Abs() > time.Minute {
		t.Errorf("object retention: %v until %v (%v), want %s until %v", gotMode, until, err, mode, want)
	}
}

func p12Case(t *testing.T) {
	p := filepath.Join(t.TempDir(), "agency.p12")
	writeP12(t, p, "mật khẩu")
	_, rep := signed(t, newHarness(t).set("SOHOA_SIGN_P12", p, "SOHOA_SIGN_PASSWORD", "mật khẩu").start("worker"))
	if !strings.Contains(rep.Signatures[0].SignerSubject, "Nguyễn Văn Thử") {
		t.Errorf("signed by %s", rep.Signatures[0].SignerSubject)
	}
	if s, err := newHarness(t).set("SOHOA_SIGN_P12", p, "SOHOA_SIGN_PASSWORD", "sai").try("worker"); err == nil {
		s.Close()
		t.Error("started with a wrong SOHOA_SIGN_PASSWORD")
	}
}

func certifierCase(t *testing.T) {
	p := filepath.Join(t.TempDir(), "certifier.p12")
	writeP12(t, p, "mật khẩu")
	s := newHarness(t).set("SOHOA_CERTIFIER_P12", p, "SOHOA_CERTIFIER_PASSWORD", "mật khẩu").start("api")
	if cn := s.certify.Certifier.Chain[0].Subject.CommonName; cn != "Nguyễn Văn Thử" {
		t.Errorf("certifier %s", cn)
	}
	if s, err := newHarness(t).set("SOHOA_CERTIFIER_P12", p, "SOHOA_CERTIFIER_PASSWORD", "sai").try("api"); err == nil {
		s.Close()
		t.Error("started with a wrong SOHOA_CERTIFIER_PASSWORD")
	}
}

func levelCase(t *testing.T) {
	tsa, subject := testTSA(t)
	_, rep := signed(t, newHarness(t).set("SOHOA_SIGN_LEVEL", "B-T", "SOHOA_TSA_URL", tsa).start("worker"))
	sig := rep.Signatures[0]
	if sig.Level != "B-T" || sig.Timestamp == nil || sig.Timestamp.TSA != subject {
		t.Errorf("level %s, timestamp %+v; want B-T from %s", sig.Level, sig.Timestamp, subject)
	}
}

func recoverCase(t *testing.T, env map[string]string, voided bool) {
	h := newHarness(t)
	for k, v := range env {
		h.set(k, v)
	}
	s := h.start("api")
	time.Sleep(100 * time.Millisecond) // the check at start has run
	o := s.certify.Offices["default"]
	e, err := s.catalog.AllocateCertNumber(context.Background(), catalog.BookEntry{OfficeID: o.ID, Book: o.Book(), DocumentID: unfinished(t, s)}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	now := time.Now().In(time.FixedZone("ICT", 7*3600))
	entries, err := s.catalog.CertEntries(context.Background(), o.ID, o.Book(), now.Year(), int(now.Month()))
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range entries {
		if got.ID == e.ID && (got.Status != catalog.EntryPending) != voided {
			t.Errorf("%v: entry %s is %s", env, e.ID, got.Status)
		}
	}
}

// unfinished records a document waiting for OCR whose task the queue never got.
func unfinished(t *testing.T, s *system) (docID string) {
	t.Helper()
	b, err := s.catalog.EnsureBatch(context.Background(), "bat_"+rand.Text()[:10], "cfg")
	if err != nil {
		t.Fatal(err)
	}
	doc := catalog.Document{ID: "doc_" + rand.Text()[:10], BatchID: b.ID, SourceName: "x.png", SourceSHA256: strings.Repeat("ab", 32), Status: "ocr", PageCount: 1}
	if _, err := s.catalog.CreateDocument(context.Background(), doc, []catalog.Page{{ID: "pg_" + rand.Text()[:10], DocumentID: doc.ID, BatchID: b.ID, Seq: 1, Status: "received"}}); err != nil {
		t.Fatal(err)
	}
	return doc.ID
}

func limitCase(t *testing.T, name, value, reason string) {
	// Two pages of 300×300 at 200 dpi: 90,000 pixels each, about 2 KB.
	img := image.NewGray(image.Rect(0, 0, 300, 300))
	for i := range img.Pix {
		img.Pix[i] = uint8(200 + i%50)
	}
	img.Set(1, 1, color.Black)
	j, err := synthetic.EncodeJPEG(img, 200, 80)
	if err != nil {
		t.Fatal(err)
	}
	pdf := synthetic.ImagePDF([][]byte{j, j}, 300, 300, 200)
	for _, v := range []string{value, ""} {
		s := newHarness(t).set(name, v).start("api")
		c := &api.Client{BaseURL: s.URL(), Token: s.adminToken}
		b, err := c.CreateBatch(context.Background(), "limits")
		if err != nil {
			t.Fatal(err)
		}
		up, err := c.Upload(context.Background(), b.ID, "two.pdf", bytes.NewReader(pdf))
		msg := fmt.Sprint(err) + " " + up.Document.Error + " " + up.Document.Status
		for _, p := range up.Document.Pages {
			msg += " " + p.Error
		}
		if refused := strings.Contains(strings.ToLower(msg), reason); refused != (v != "") {
			t.Errorf("%s=%q: refused for %s = %v (%s)", name, v, reason, refused, msg)
		}
	}
}

func clientCase(t *testing.T) {
	var got []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.URL.Path+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		http.Error(w, `{"code":"not_found","vi":"không có","en":"none"}`, 404)
	}))
	defer srv.Close()
	t.Setenv("SOHOA_URL", srv.URL)
	t.Setenv("SOHOA_TOKEN", "tok-from-env")
	run(t, "report", "--batch", "b1", "-o", filepath.Join(t.TempDir(), "r.csv"))
	mu.Lock()
	defer mu.Unlock()
	if len(got) == 0 || !strings.Contains(got[0], "Bearer tok-from-env") {
		t.Errorf("requests to SOHOA_URL: %q", got)
	}
}
