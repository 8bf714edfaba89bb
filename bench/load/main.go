// Command load measures fetching signed PDFs by ID through sohoa's API
// against fetching the same objects straight from MinIO, with wrk.
//
// It starts its own servers on loopback (MinIO, a private redis-server, a
// fresh PostgreSQL database, `sohoa serve --role api`), seeds -docs signed
// PDFs of about -size bytes by writing catalog rows and objects directly
// through storage/catalog and storage/s3store, then runs wrk with -c
// connections for -d against GET /v1/documents/{id}/pdf (bearer key) and
// against presigned MinIO URLs of the same objects. See README.md.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"codeberg.org/go-pdf/fpdf"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/sohoa-vn/sohoa/internal/httpget"
	"github.com/sohoa-vn/sohoa/sign"
	"github.com/sohoa-vn/sohoa/storage/catalog"
	"github.com/sohoa-vn/sohoa/storage/s3store"
)

const (
	office    = "bench-office"
	accessKey = "sohoabench"
	secretKey = "sohoabench-secret"
	bucket    = "sohoa"
)

type config struct {
	docs        int
	size        int
	conns       int
	threads     int
	duration    time.Duration
	pgAdmin     string
	keep        bool
	profile     string
	wrk, minio  string
	redisServer string
}

func main() {
	var c config
	home, _ := os.UserHomeDir()
	flag.IntVar(&c.docs, "docs", 50, "documents to seed")
	flag.IntVar(&c.size, "size", 1<<20, "approximate size of each signed PDF, bytes")
	flag.IntVar(&c.conns, "c", 100, "concurrent connections (clients)")
	flag.IntVar(&c.threads, "t", 2, "wrk threads")
	flag.DurationVar(&c.duration, "d", 30*time.Second, "duration of each run")
	flag.StringVar(&c.pgAdmin, "postgres", envOr("SOHOA_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"),
		"PostgreSQL admin URL; a fresh database is created beside it and dropped after")
	flag.BoolVar(&c.keep, "keep", false, "keep the working directory")
	flag.StringVar(&c.profile, "profile", "", "write a CPU profile of sohoa taken during its run to this file (go tool pprof)")
	flag.StringVar(&c.wrk, "wrk", "wrk", "wrk binary (Debian: apt-get install wrk)")
	flag.StringVar(&c.minio, "minio", envOr("SOHOA_MINIO_BIN", filepath.Join(home, ".cache/sohoa/bin/minio")), "MinIO server binary")
	flag.StringVar(&c.redisServer, "redis-server", envOr("SOHOA_REDIS_BIN", "redis-server"), "redis-server binary")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, c); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// procs are the servers started, stopped in reverse order.
type procs []*exec.Cmd

func (ps *procs) start(ctx context.Context, log io.Writer, env []string, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", name, err)
	}
	*ps = append(*ps, cmd)
	return nil
}

func (ps procs) stop() {
	for i := len(ps) - 1; i >= 0; i-- {
		p := ps[i]
		syscall.Kill(-p.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { p.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			syscall.Kill(-p.Process.Pid, syscall.SIGKILL)
			<-done
		}
	}
}

func run(ctx context.Context, c config) error {
	for _, bin := range []string{c.wrk, c.minio, c.redisServer} {
		if _, err := exec.LookPath(bin); err != nil {
			return fmt.Errorf("%s not found (wrk: apt-get install wrk; redis-server: apt-get install redis-server; MinIO: scripts/minio.sh or $SOHOA_MINIO_BIN): %w", bin, err)
		}
	}
	work, err := os.MkdirTemp("", "sohoa-load-")
	if err != nil {
		return err
	}
	if !c.keep {
		defer os.RemoveAll(work)
	} else {
		fmt.Println("working directory:", work)
	}
	logf, err := os.Create(filepath.Join(work, "servers.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	var ps procs
	defer func() { ps.stop() }() // the servers started by then

	// sohoa, built from this checkout.
	root, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %w", err)
	}
	bin := filepath.Join(work, "sohoa")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/sohoa")
	build.Dir, build.Stdout, build.Stderr = filepath.Dir(strings.TrimSpace(string(root))), os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build sohoa: %w", err)
	}

	// MinIO and Redis on free loopback ports.
	minioAddr, consoleAddr, redisAddr, apiAddr, metricsAddr := freeAddr(), freeAddr(), freeAddr(), freeAddr(), freeAddr()
	if err := ps.start(ctx, logf, []string{"MINIO_ROOT_USER=" + accessKey, "MINIO_ROOT_PASSWORD=" + secretKey, "MINIO_BROWSER=off"},
		c.minio, "server", filepath.Join(work, "minio"), "--address", minioAddr, "--console-address", consoleAddr, "--quiet"); err != nil {
		return err
	}
	_, redisPort, _ := net.SplitHostPort(redisAddr)
	if err := ps.start(ctx, logf, nil, c.redisServer, "--port", redisPort, "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "no", "--dir", work); err != nil {
		return err
	}
	if err := waitHTTP(ctx, "http://"+minioAddr+"/minio/health/ready", 30*time.Second); err != nil {
		return fmt.Errorf("MinIO: %w (see %s)", err, logf.Name())
	}

	// A fresh PostgreSQL database.
	dbURL, drop, err := freshDB(ctx, c.pgAdmin)
	if err != nil {
		return err
	}
	defer drop()

	// Seed.
	fmt.Printf("seeding %d signed PDFs of ~%d KiB (catalog rows + MinIO objects, written directly)...\n", c.docs, c.size>>10)
	s3cfg := s3store.Config{Endpoint: minioAddr, AccessKey: accessKey, SecretKey: secretKey, Bucket: bucket}
	seeded, token, err := seed(ctx, c, work, dbURL, s3cfg)
	if err != nil {
		return err
	}

	// The ceiling the audit log puts on fetches: every fetch appends one
	// entry to the hash chain, one serialized transaction each.
	if rate, err := auditRate(ctx, dbURL, c.conns, 5*time.Second); err != nil {
		return err
	} else {
		fmt.Printf("audit log alone: %.0f appends/s with %d concurrent writers (each PDF fetch appends one)\n", rate, c.conns)
	}

	// sohoa's API alone: PDFs are served by the API process.
	env := []string{"SOHOA_S3_ENDPOINT=" + minioAddr, "SOHOA_S3_ACCESS_KEY=" + accessKey, "SOHOA_S3_SECRET_KEY=" + secretKey,
		"SOHOA_S3_BUCKET=" + bucket, "SOHOA_DATABASE_URL=" + dbURL, "SOHOA_REDIS_URL=redis://" + redisAddr + "/0",
		"SOHOA_DATA_DIR=" + filepath.Join(work, "data"), "SOHOA_METRICS_ADDR=" + metricsAddr, "SOHOA_PPROF=true"}
	if err := ps.start(ctx, logf, env, bin, "serve", "--role", "api", "--addr", apiAddr); err != nil {
		return err
	}
	if err := waitHTTP(ctx, "http://"+apiAddr+"/healthz", 60*time.Second); err != nil {
		return fmt.Errorf("sohoa serve: %w (see %s)", err, logf.Name())
	}

	// The same objects through both doors, checked once before loading.
	st, err := s3store.New(ctx, s3cfg)
	if err != nil {
		return err
	}
	var apiPaths, minioPaths []string
	for _, d := range seeded {
		apiPaths = append(apiPaths, "/v1/documents/"+d.id+"/pdf")
		u, err := st.Client().PresignedGetObject(ctx, bucket, d.key, 2*time.Hour, url.Values{})
		if err != nil {
			return fmt.Errorf("presign %s: %w", d.key, err)
		}
		minioPaths = append(minioPaths, u.RequestURI())
	}
	if err := check("http://"+apiAddr+apiPaths[0], token, seeded[0].sha); err != nil {
		return fmt.Errorf("sohoa: %w", err)
	}
	if err := check("http://"+minioAddr+minioPaths[0], "", seeded[0].sha); err != nil {
		return fmt.Errorf("MinIO: %w", err)
	}

	script := filepath.Join(work, "paths.lua")
	if err := os.WriteFile(script, []byte(luaScript), 0o644); err != nil {
		return err
	}
	fmt.Printf("wrk -t%d -c%d -d%s, %d documents, loopback\n", c.threads, c.conns, c.duration, len(seeded))
	profDone := make(chan error, 1)
	if c.profile != "" {
		go func() {
			// Over most of the run.
			profDone <- httpget.CPUProfile(ctx, "http://"+metricsAddr, max(int((c.duration*8/10)/time.Second), 1), c.profile)
		}()
	} else {
		profDone <- nil
	}
	viaAPI, err := runWrk(ctx, c, work, script, "http://"+apiAddr, apiPaths, "Authorization: Bearer "+token)
	if perr := <-profDone; perr != nil {
		fmt.Fprintf(os.Stderr, "profile: %v\n", perr)
	}
	if err != nil {
		return fmt.Errorf("wrk sohoa: %w", err)
	}
	direct, err := runWrk(ctx, c, work, script, "http://"+minioAddr, minioPaths, "")
	if err != nil {
		return fmt.Errorf("wrk MinIO: %w", err)
	}

	fmt.Printf("\n%-26s %9s %9s %10s %9s %8s\n", "", "p50 ms", "p99 ms", "req/s", "MiB/s", "errors")
	for _, r := range []struct {
		name string
		res  wrkResult
	}{{"sohoa GET /v1/documents", viaAPI}, {"MinIO presigned GET", direct}} {
		fmt.Printf("%-26s %9.2f %9.2f %10.1f %9.1f %8d\n", r.name, r.res.p50.Seconds()*1000, r.res.p99.Seconds()*1000,
			r.res.rps(), r.res.mibps(), r.res.errors)
	}
	ratio := direct.rps() / viaAPI.rps()
	fmt.Printf("\ntarget p99 < 50 ms through sohoa: %s (%.2f ms)\n", verdict(viaAPI.p99 < 50*time.Millisecond), viaAPI.p99.Seconds()*1000)
	fmt.Printf("target throughput within 2x of MinIO: %s (MinIO/sohoa = %.2f)\n", verdict(ratio <= 2), ratio)
	if viaAPI.errors > 0 || direct.errors > 0 {
		return fmt.Errorf("errors during the runs: sohoa %d, MinIO %d", viaAPI.errors, direct.errors)
	}
	return nil
}

func verdict(ok bool) string {
	if ok {
		return "MET"
	}
	return "MISSED"
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitHTTP(ctx context.Context, u string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		resp, err := http.Get(u)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
			err = fmt.Errorf("%s: %s", u, resp.Status)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %s: %w", limit, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func freshDB(ctx context.Context, admin string) (string, func(), error) {
	db, err := sql.Open("pgx", admin)
	if err != nil {
		return "", nil, err
	}
	name := fmt.Sprintf("sohoa_load_%d_%d", os.Getpid(), time.Now().Unix())
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		db.Close()
		return "", nil, fmt.Errorf("PostgreSQL at %s (start it, or give -postgres / $SOHOA_TEST_POSTGRES_URL): %w", admin, err)
	}
	u, _ := url.Parse(admin)
	u.Path = "/" + name
	return u.String(), func() {
		db.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		db.Close()
	}, nil
}

// auditRate appends pdf.fetch entries from n goroutines for d and returns
// appends per second.
func auditRate(ctx context.Context, dbURL string, n int, d time.Duration) (float64, error) {
	db, err := catalog.Open(ctx, dbURL)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	start := time.Now()
	counts := make(chan int, n)
	errs := make(chan error, n)
	for range n {
		go func() {
			k := 0
			for ctx.Err() == nil {
				_, err := db.Audit(ctx, catalog.AuditEntry{Actor: "load bench", OfficeID: office, Action: catalog.AuditPDFFetch, Subject: "probe"})
				if err != nil && ctx.Err() == nil {
					errs <- err
					break
				}
				if err == nil {
					k++
				}
			}
			counts <- k
		}()
	}
	total := 0
	for range n {
		total += <-counts
	}
	select {
	case err := <-errs:
		return 0, fmt.Errorf("audit probe: %w", err)
	default:
	}
	return float64(total) / time.Since(start).Seconds(), nil
}

type seededDoc struct{ id, key, sha string }

// seed writes docs signed PDFs to MinIO and their rows to the catalog
// (batch → document → signed), and an API key of scope system.
func seed(ctx context.Context, c config, work, dbURL string, s3cfg s3store.Config) ([]seededDoc, string, error) {
	db, err := catalog.Open(ctx, dbURL)
	if err != nil {
		return nil, "", err
	}
	defer db.Close()
	st, err := s3store.New(ctx, s3cfg)
	if err != nil {
		return nil, "", err
	}
	id, err := sign.DemoIdentity(filepath.Join(work, "demo-pki"))
	if err != nil {
		return nil, "", err
	}
	base, err := noisePDF(c.size)
	if err != nil {
		return nil, "", err
	}
	if _, err := db.EnsureBatch(ctx, "bench", "load bench"); err != nil {
		return nil, "", err
	}
	if _, err := db.ClaimBatchOffice(ctx, "bench", office); err != nil {
		return nil, "", err
	}
	var out []seededDoc
	for i := range c.docs {
		var signed bytes.Buffer
		// Each signature differs (its time), so every document is its own object.
		if err := sign.Sign(ctx, &signed, bytes.NewReader(base), int64(len(base)), id,
			sign.Options{Name: "bench", Time: time.Now().Add(time.Duration(i) * time.Second)}); err != nil {
			return nil, "", fmt.Errorf("sign: %w", err)
		}
		sum := sha256.Sum256(signed.Bytes())
		sha := hex.EncodeToString(sum[:])
		key := "signed/" + sha[:2] + "/" + sha + ".pdf"
		if _, err := st.Put(ctx, key, bytes.NewReader(signed.Bytes()), int64(signed.Len())); err != nil {
			return nil, "", err
		}
		doc := catalog.Document{ID: "bench-" + strconv.Itoa(i), BatchID: "bench", SourceName: fmt.Sprintf("bench-%d.pdf", i),
			SourceSHA256: sha, Status: catalog.DocSigning}
		page := catalog.Page{ID: doc.ID + "-p1", Seq: 1, BlobKey: key, SHA256: sha, Format: "png", Width: 1, Height: 1, DPI: 300}
		if _, err := db.CreateDocument(ctx, doc, []catalog.Page{page}); err != nil {
			return nil, "", err
		}
		if err := db.SetSigned(ctx, doc.ID, key, sha, int64(signed.Len())); err != nil {
			return nil, "", err
		}
		out = append(out, seededDoc{id: doc.ID, key: key, sha: sha})
	}
	token, _, err := db.CreateAPIKey(ctx, catalog.APIKey{Name: "load bench", Scopes: []string{"system"}, OfficeID: office})
	return out, token, err
}

// noisePDF is a one-page PDF whose page is a PNG of random grey pixels,
// so that it does not compress below about size bytes.
func noisePDF(size int) ([]byte, error) {
	side := 1
	for side*side < size {
		side++
	}
	img := image.NewGray(image.Rect(0, 0, side, side))
	r := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = byte(r.UintN(256))
	}
	var pngBuf bytes.Buffer
	if err := png.Encode(&pngBuf, img); err != nil {
		return nil, err
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.AddPage()
	pdf.RegisterImageOptionsReader("noise", fpdf.ImageOptions{ImageType: "PNG"}, &pngBuf)
	pdf.ImageOptions("noise", 10, 10, 190, 190, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	var out bytes.Buffer
	if err := pdf.Output(&out); err != nil {
		return nil, fmt.Errorf("noise PDF: %w", err)
	}
	return out.Bytes(), nil
}

func check(u, token, sha string) error {
	req, _ := http.NewRequest("GET", u, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	h := sha256.New()
	if _, err := io.Copy(h, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != 200 || hex.EncodeToString(h.Sum(nil)) != sha {
		return fmt.Errorf("GET %s: %s, sha256 %x, want 200 and %s", u, resp.Status, h.Sum(nil), sha)
	}
	return nil
}

// luaScript makes wrk rotate over the paths listed in the file given
// after "--", one per line, and print its figures in one parseable line.
const luaScript = `
local paths = {}
local i = 0
function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  i = math.random(#paths)
end
function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT p50_us=%d p99_us=%d requests=%d bytes=%d duration_us=%d errors=%d\n",
    latency:percentile(50), latency:percentile(99), summary.requests, summary.bytes, summary.duration,
    e.connect + e.read + e.write + e.status + e.timeout))
end
`

type wrkResult struct {
	p50, p99        time.Duration
	requests, bytes int64
	duration        time.Duration
	errors          int64
}

func (r wrkResult) rps() float64   { return float64(r.requests) / r.duration.Seconds() }
func (r wrkResult) mibps() float64 { return float64(r.bytes) / r.duration.Seconds() / (1 << 20) }

var resultLine = regexp.MustCompile(`RESULT p50_us=(\d+) p99_us=(\d+) requests=(\d+) bytes=(\d+) duration_us=(\d+) errors=(\d+)`)

func runWrk(ctx context.Context, c config, work, script, base string, paths []string, header string) (wrkResult, error) {
	list := filepath.Join(work, fmt.Sprintf("paths-%d.txt", time.Now().UnixNano()))
	if err := os.WriteFile(list, []byte(strings.Join(paths, "\n")+"\n"), 0o644); err != nil {
		return wrkResult{}, err
	}
	args := []string{"-t", strconv.Itoa(c.threads), "-c", strconv.Itoa(c.conns), "-d", c.duration.String(), "--timeout", "10s", "-s", script}
	if header != "" {
		args = append(args, "-H", header)
	}
	args = append(args, base, "--", list)
	out, err := exec.CommandContext(ctx, c.wrk, args...).CombinedOutput()
	slog.Debug("wrk", "out", string(out))
	if err != nil {
		return wrkResult{}, fmt.Errorf("%w: %s", err, out)
	}
	m := resultLine.FindStringSubmatch(string(out))
	if m == nil {
		return wrkResult{}, errors.New("no RESULT line in wrk output: " + string(out))
	}
	n := make([]int64, len(m))
	for i := 1; i < len(m); i++ {
		n[i], _ = strconv.ParseInt(m[i], 10, 64)
	}
	return wrkResult{p50: time.Duration(n[1]) * time.Microsecond, p99: time.Duration(n[2]) * time.Microsecond,
		requests: n[3], bytes: n[4], duration: time.Duration(n[5]) * time.Microsecond, errors: n[6]}, nil
}
