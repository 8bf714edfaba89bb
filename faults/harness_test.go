// Package faults breaks real processes under a running sohoa: it builds the
// sohoa binary, runs `sohoa serve --role api` and `sohoa worker` as child
// processes against a private redis-server and MinIO it can kill and
// restart, and PostgreSQL, sends a batch, injects a fault in the middle,
// and checks the final state with the fixity audit.
package faults

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/fixity"
	"github.com/sohoa-vn/sohoa/internal/servicetest"
	"github.com/sohoa-vn/sohoa/storage"
	"github.com/sohoa-vn/sohoa/storage/catalog"
	"github.com/sohoa-vn/sohoa/storage/s3store"
)

func TestMain(m *testing.M) { servicetest.Main(m) }

// pageCount is the size of each batch: SOHOA_FAULT_PAGES, default 500.
func pageCount(t *testing.T) int {
	if s := os.Getenv("SOHOA_FAULT_PAGES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("SOHOA_FAULT_PAGES=%q: want a positive number", s)
		}
		return n
	}
	return 500
}

var build struct {
	sync.Once
	bin string
	err error
}

// sohoaBinary builds cmd/sohoa once per test binary.
func sohoaBinary(t *testing.T) string {
	build.Do(func() {
		dir, err := os.MkdirTemp("", "sohoa-faults-bin-*")
		if err != nil {
			build.err = err
			return
		}
		build.bin = filepath.Join(dir, "sohoa")
		out, err := exec.Command("go", "build", "-o", build.bin, "../cmd/sohoa").CombinedOutput()
		if err != nil {
			build.err = fmt.Errorf("go build ./cmd/sohoa: %v\n%s", err, out)
		}
	})
	if build.err != nil {
		t.Fatal(build.err)
	}
	return build.bin
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// proc is a child process whose output goes to a log file.
type proc struct {
	name string
	log  string // where its output goes
	cmd  *exec.Cmd
	done chan struct{}
}

// logs collects every child's output, for the secrets check.
type cluster struct {
	t                 *testing.T
	dir, bin          string
	env               []string
	redisPort         int
	minioAddr         string
	minioDir          string
	access, secret    string
	bucket, pgURL     string
	apiAddr, token    string
	redis, minio, api *proc
	workers           []*proc
	logFiles          []string
}

func (c *cluster) start(name string, bin string, args []string, env []string) *proc {
	t := c.t
	logPath := filepath.Join(c.dir, fmt.Sprintf("%s-%d.log", name, len(c.logFiles)))
	// Each child gets a temporary directory of its own under the
	// cluster's, so that TestNoSecretsInLogs can search whatever the
	// processes wrote.
	tmp := filepath.Join(c.dir, "tmp", fmt.Sprintf("%s-%d", name, len(c.logFiles)))
	c.logFiles = append(c.logFiles, logPath)
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(append(os.Environ(), env...), "TMPDIR="+tmp)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	p := &proc{name: name, log: logPath, cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); f.Close(); close(p.done) }()
	t.Cleanup(func() { p.kill() })
	return p
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *proc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Kill()
	<-p.done
}

func waitFor(t *testing.T, what string, timeout time.Duration, ok func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := ok()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (c *cluster) startRedis() {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		c.t.Fatal("redis-server is required (Debian/Ubuntu: apt-get install redis-server)")
	}
	// No persistence: a restart comes back empty, as after a wipe.
	c.redis = c.start("redis", bin, []string{"--port", strconv.Itoa(c.redisPort), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", c.dir}, nil)
	waitFor(c.t, "redis", 10*time.Second, func() error {
		conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", c.redisPort))
		if err == nil {
			conn.Close()
		}
		return err
	})
}

func minioBinary(t *testing.T) string {
	if b := os.Getenv("SOHOA_MINIO_BIN"); b != "" {
		return b
	}
	if b, err := exec.LookPath("minio"); err == nil {
		return b
	}
	cache, _ := os.UserCacheDir()
	if x := os.Getenv("XDG_CACHE_HOME"); x != "" {
		cache = x
	}
	b := filepath.Join(cache, "sohoa", "bin", "minio")
	if _, err := os.Stat(b); err != nil {
		// servicetest builds it with scripts/minio.sh.
		servicetest.MinIO(t)
	}
	if _, err := os.Stat(b); err != nil {
		t.Fatalf("no minio binary: set SOHOA_MINIO_BIN, put minio on PATH or run scripts/minio.sh")
	}
	return b
}

func (c *cluster) startMinIO() {
	c.minio = c.start("minio", minioBinary(c.t), []string{"server", "--quiet", "--address", c.minioAddr, c.minioDir},
		[]string{"MINIO_ROOT_USER=" + c.access, "MINIO_ROOT_PASSWORD=" + c.secret, "MINIO_BROWSER=off", "MINIO_UPDATE=off"})
	waitFor(c.t, "minio", 60*time.Second, func() error {
		resp, err := http.Get("http://" + c.minioAddr + "/minio/health/cluster")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("%s", resp.Status)
		}
		return nil
	})
}

func (c *cluster) startAPI() {
	c.api = c.start("api", c.bin, []string{"serve", "--role", "api", "--addr", c.apiAddr, "--data", filepath.Join(c.dir, "api")}, c.env)
	tokenFile := filepath.Join(c.dir, "api", "admin-token")
	waitFor(c.t, "API", 60*time.Second, func() error {
		select {
		case <-c.api.done:
			c.t.Fatalf("sohoa serve --role api exited:\n%s", c.tail(c.logFiles[len(c.logFiles)-1]))
		default:
		}
		resp, err := http.Get("http://" + c.apiAddr + "/healthz")
		if err != nil {
			return err
		}
		resp.Body.Close()
		b, err := os.ReadFile(tokenFile)
		c.token = strings.TrimSpace(string(b))
		return err
	})
}

func (c *cluster) startWorker() {
	w := c.start("worker", c.bin, []string{"worker", "--workers", "2", "--data", filepath.Join(c.dir, "worker")}, c.env)
	c.workers = append(c.workers, w)
}

func (c *cluster) tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// options change what newClusterWith starts.
type options struct {
	// pgURL is the catalog's database; "" = a fresh database on the
	// machine's PostgreSQL.
	pgURL string
	// env is added to the settings of the API and the workers.
	env []string
}

// newCluster starts Redis, MinIO, PostgreSQL, the API and one worker.
func newCluster(t *testing.T) *cluster { return newClusterWith(t, options{}) }

func newClusterWith(t *testing.T, opt options) *cluster {
	if opt.pgURL == "" {
		opt.pgURL = servicetest.Postgres(t)
	}
	c := &cluster{t: t, dir: t.TempDir(), bin: sohoaBinary(t),
		redisPort: freePort(t), minioAddr: fmt.Sprintf("127.0.0.1:%d", freePort(t)),
		access: "faults-" + strings.ToLower(rand.Text()[:6]), secret: "s3-secret-" + rand.Text(),
		bucket: "sohoa", pgURL: opt.pgURL, apiAddr: fmt.Sprintf("127.0.0.1:%d", freePort(t))}
	c.minioDir = filepath.Join(c.dir, "minio")
	c.startRedis()
	c.startMinIO()
	c.env = []string{
		fmt.Sprintf("SOHOA_REDIS_URL=redis://127.0.0.1:%d/0", c.redisPort),
		"SOHOA_DATABASE_URL=" + c.pgURL,
		"SOHOA_S3_ENDPOINT=" + c.minioAddr, "SOHOA_S3_ACCESS_KEY=" + c.access, "SOHOA_S3_SECRET_KEY=" + c.secret,
		"SOHOA_S3_BUCKET=" + c.bucket,
		"SOHOA_OCR_ENGINE=benchmark",
		"SOHOA_RECONCILE_INTERVAL=5s",
		"SOHOA_METRICS_ADDR=127.0.0.1:0",
		// The verification address signed into copies (loopback: warned of).
		"SOHOA_PUBLIC_URL=http://" + c.apiAddr,
	}
	c.env = append(c.env, opt.env...)
	c.startAPI()
	c.startWorker()
	return c
}

// writePages writes n distinct single-page PNG scans (each a document).
func writePages(t *testing.T, n int) string {
	dir := t.TempDir()
	for i := range n {
		img := image.NewGray(image.Rect(0, 0, 170, 240))
		for j := range img.Pix {
			img.Pix[j] = 0xff
		}
		// A distinct bar code of the page number, so every page hashes apart.
		for bit := range 16 {
			if i>>bit&1 == 1 {
				for y := 20; y < 60; y++ {
					for x := 10 + bit*9; x < 16+bit*9; x++ {
						img.Set(x, y, color.Gray{})
					}
				}
			}
		}
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("page-%04d.png", i)), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var batchLine = regexp.MustCompile(`batch (\S+) \(`)

func (c *cluster) ingestCmd(dir, name, token string) *exec.Cmd {
	cmd := exec.Command(c.bin, "ingest", "--batch", name, "--server", "http://"+c.apiAddr, dir)
	cmd.Env = append(os.Environ(), "SOHOA_TOKEN="+token)
	return cmd
}

// ingest sends dir as one batch through `sohoa ingest` and returns the batch ID.
func (c *cluster) ingest(dir, name string) string {
	out, err := c.ingestCmd(dir, name, c.token).CombinedOutput()
	if err != nil {
		c.t.Fatalf("sohoa ingest: %v\n%s", err, out)
	}
	m := batchLine.FindSubmatch(out)
	if m == nil {
		c.t.Fatalf("sohoa ingest printed no batch ID:\n%s", out)
	}
	return string(m[1])
}

func (c *cluster) catalog() *catalog.DB {
	db, err := catalog.Open(c.t.Context(), c.pgURL)
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { db.Close() })
	return db
}

// waitProgress polls until cond holds for the batch's progress.
func waitProgress(t *testing.T, db *catalog.DB, batch string, timeout time.Duration, cond func(catalog.Progress) bool) catalog.Progress {
	t.Helper()
	var p catalog.Progress
	waitFor(t, "batch progress", timeout, func() error {
		var err error
		if p, err = db.Progress(t.Context(), batch); err != nil {
			return err
		}
		if !cond(p) {
			return fmt.Errorf("progress %+v", p)
		}
		return nil
	})
	return p
}

// verify checks the final state: every page OCR'd once, every document
// signed, no duplicates, nothing missing, orphaned or changed in storage
// (certified copies included); prints the counts and returns the audit.
func (c *cluster) verify(db *catalog.DB, batch string, n int, timeout time.Duration) fixity.Report {
	t := c.t
	p := waitProgress(t, db, batch, timeout, func(p catalog.Progress) bool {
		return p.DocumentsSigned+p.DocumentsFailed == p.Documents && p.Documents == n
	})
	docs, err := db.Documents(t.Context(), batch)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	sources := map[string]bool{}
	for _, d := range docs {
		ids[d.ID] = true
		sources[d.SourceSHA256] = true
	}
	store, err := s3store.New(t.Context(), s3store.Config{Endpoint: c.minioAddr, AccessKey: c.access, SecretKey: c.secret, Bucket: c.bucket})
	if err != nil {
		t.Fatal(err)
	}
	// Workers may still be finishing a duplicate delivery or retrying a
	// clean-up that failed while storage was down (asynq's retry delay
	// grows to over a minute); let them.
	var r fixity.Report
	waitFor(t, "a clean fixity audit", 3*time.Minute, func() error {
		ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
		defer cancel()
		r, err = (&fixity.Checker{Catalog: db, Store: store, Lister: store}).Check(ctx,
			fixity.Options{Batches: []string{batch}, Orphans: true, Rehash: true})
		if err != nil {
			return err
		}
		if !r.OK() {
			return fmt.Errorf("%s: %v", r, r.Problems)
		}
		return nil
	})
	prefixes := map[string]int{}
	err = store.List(t.Context(), "", func(i storage.Info) error {
		prefixes[strings.SplitN(i.Key, "/", 2)[0]]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("COUNTS pages=%d ocr_done=%d pages_failed=%d documents=%d distinct_ids=%d distinct_sources=%d signed=%d docs_failed=%d objects_by_prefix=%v",
		p.PagesReceived, p.PagesOCRed, p.PagesFailed, p.Documents, len(ids), len(sources), p.DocumentsSigned, p.DocumentsFailed, prefixes)
	t.Logf("FIXITY %s", r)
	if p.PagesReceived != n || p.PagesOCRed != n || p.PagesFailed != 0 || p.DocumentsSigned != n || len(ids) != n || len(sources) != n {
		t.Errorf("final state is not every page once and every document signed once: %+v", p)
	}
	if prefixes["pages"] != n || prefixes["ocr"] != n || prefixes["alto"] != n || prefixes["signed"] != n || prefixes["pdf"] != 0 {
		t.Errorf("objects by prefix %v, want %d pages, ocr, alto and signed and no unsigned pdf", prefixes, n)
	}
	return r
}
