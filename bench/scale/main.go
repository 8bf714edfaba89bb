// Command scale pushes many pages through sohoa on real servers — Redis,
// MinIO and PostgreSQL — with the benchmark OCR engine (no recognition),
// to measure everything else: upload, split, storage, queue, catalog,
// assembly and signing. It reports pages per second and the cost per page
// at each checkpoint (it must stay flat) with the API's and the worker's
// resident memory (flat too), the CPU each component used per page,
// Redis memory at the end and the catalog's size per page.
//
//	go run ./bench/scale -pages 10000 -checkpoints 1000,5000,10000
//
// With -docpages N each upload is one document of N pages (a bilevel TIFF),
// as archives scan dossiers; checkpoints count pages.
//
//	go run ./bench/scale -pages 100000 -docpages 50 -checkpoints 10000,50000,100000
//
// With -engine tesseract the pages are rendered documents (scanners/
// synthetic, 300 dpi greyscale JPEG, each made unique by a small mark) and
// are really recognised: the real-OCR run of issue 7, reporting
// pages/minute and failures.
//
//	go run ./bench/scale -engine tesseract -pages 2000 -workers 2 -checkpoints 500,1000,2000
//
// It starts its own redis-server and MinIO (the cached binary of
// scripts/minio.sh) on free loopback ports, makes a fresh database in the
// local PostgreSQL, and runs "sohoa serve --role api" and "sohoa worker".
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sohoa-vn/sohoa/api"
	"github.com/sohoa-vn/sohoa/internal/httpget"
	"github.com/sohoa-vn/sohoa/internal/procstat"
	"github.com/sohoa-vn/sohoa/scanners/synthetic"
)

func main() {
	pages := flag.Int("pages", 10000, "pages to push through")
	cps := flag.String("checkpoints", "1000,5000,10000", "page counts at which to report")
	senders := flag.Int("senders", 8, "concurrent uploads")
	workers := flag.Int("workers", 4, "worker concurrency")
	docPages := flag.Int("docpages", 1, "pages per document (benchmark engine): documents are multi-page bilevel TIFFs")
	engine := flag.String("engine", "benchmark", "OCR engine: benchmark (no recognition) or tesseract (real OCR of rendered documents)")
	pgAdmin := flag.String("postgres", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL admin URL")
	profile := flag.String("profile", "", "write CPU profiles of the API and the worker, taken over -profile-seconds from the start of the upload, into this directory (go tool pprof)")
	profileSecs := flag.Int("profile-seconds", 30, "length of the -profile CPU profiles")
	flag.Parse()
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "sohoa-scale-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	var procs []*exec.Cmd
	defer func() {
		for _, p := range procs {
			p.Process.Signal(os.Interrupt)
			p.Wait()
		}
	}()
	start := func(name string, env []string, args ...string) *exec.Cmd {
		cmd := exec.Command(name, args...)
		cmd.Env = append(os.Environ(), env...)
		logf, _ := os.Create(filepath.Join(dir, filepath.Base(name)+"-"+strconv.Itoa(len(procs))+".log"))
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			log.Fatalf("start %s: %v", name, err)
		}
		procs = append(procs, cmd)
		return cmd
	}

	// Servers.
	redisPort, minioPort, apiPort := freePort(), freePort(), freePort()
	start("redis-server", nil, "--port", strconv.Itoa(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir)
	minio := os.Getenv("SOHOA_MINIO_BIN")
	if minio == "" {
		home, _ := os.UserHomeDir()
		minio = filepath.Join(home, ".cache", "sohoa", "bin", "minio")
	}
	start(minio, []string{"MINIO_ROOT_USER=scale", "MINIO_ROOT_PASSWORD=scale-secret-123"},
		"server", "--quiet", "--address", fmt.Sprintf("127.0.0.1:%d", minioPort), filepath.Join(dir, "minio"))
	waitHTTP(fmt.Sprintf("http://127.0.0.1:%d/minio/health/cluster", minioPort))
	dbName := "sohoa_scale_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	admin, err := pgx.Connect(ctx, *pgAdmin)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+dbName); err != nil {
		log.Fatal(err)
	}
	defer admin.Exec(context.Background(), "DROP DATABASE "+dbName+" WITH (FORCE)")
	dbURL := strings.Replace(*pgAdmin, "/postgres?", "/"+dbName+"?", 1)

	bin := filepath.Join(dir, "sohoa")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/sohoa").CombinedOutput(); err != nil {
		log.Fatalf("go build: %v\n%s", err, out)
	}
	env := []string{
		"SOHOA_REDIS_URL=redis://127.0.0.1:" + strconv.Itoa(redisPort) + "/0",
		"SOHOA_DATABASE_URL=" + dbURL,
		fmt.Sprintf("SOHOA_S3_ENDPOINT=127.0.0.1:%d", minioPort),
		"SOHOA_S3_ACCESS_KEY=scale", "SOHOA_S3_SECRET_KEY=scale-secret-123", "SOHOA_S3_BUCKET=scale",
		"SOHOA_DATA_DIR=" + filepath.Join(dir, "data"), "SOHOA_OCR_ENGINE=" + *engine, "OMP_THREAD_LIMIT=1",
	}
	apiProbe, workerProbe := freePort(), freePort()
	env = append(env, "SOHOA_PPROF="+strconv.FormatBool(*profile != ""))
	start(bin, append(env, fmt.Sprintf("SOHOA_METRICS_ADDR=127.0.0.1:%d", apiProbe)), "serve", "--role", "api", "--addr", fmt.Sprintf("127.0.0.1:%d", apiPort))
	base := fmt.Sprintf("http://127.0.0.1:%d", apiPort)
	waitHTTP(base + "/readyz")
	start(bin, append(env, fmt.Sprintf("SOHOA_METRICS_ADDR=127.0.0.1:%d", workerProbe)), "worker", "--workers", strconv.Itoa(*workers))
	waitHTTP(fmt.Sprintf("http://127.0.0.1:%d/healthz", workerProbe))
	token, err := os.ReadFile(filepath.Join(dir, "data", "admin-token"))
	if err != nil {
		log.Fatal(err)
	}
	c := &api.Client{BaseURL: base, Token: strings.TrimSpace(string(token))}
	b, err := c.CreateBatch(ctx, "scale")
	if err != nil {
		log.Fatal(err)
	}

	// Upload unique pages (each differs, so content hashes do not merge them).
	pageImage, ext := page, "png"
	switch {
	case *engine == "tesseract":
		pageImage, ext = realPages(), "jpg"
	case *docPages > 1:
		pageImage, ext = docOf(*docPages), "tif"
	}
	per := 1
	if *engine != "tesseract" {
		per = max(*docPages, 1)
	}
	var checkpoints []int
	for _, s := range strings.Split(*cps, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && n <= *pages {
			checkpoints = append(checkpoints, n)
		}
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	cpu0 := cpuByComponent(procs, dbName)
	t0 := time.Now()
	if *profile != "" {
		if err := os.MkdirAll(*profile, 0o755); err != nil {
			log.Fatal(err)
		}
		for name, port := range map[string]int{"api": apiProbe, "worker": workerProbe} {
			go func() {
				path := filepath.Join(*profile, name+".pprof")
				if err := httpget.CPUProfile(ctx, fmt.Sprintf("http://127.0.0.1:%d", port), *profileSecs, path); err != nil {
					log.Printf("profile %s: %v", name, err)
				}
			}()
		}
	}
	for range *senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1))
				if i > *pages/per {
					return
				}
				if _, err := c.Upload(ctx, b.ID, fmt.Sprintf("hop-%03d/trang-%07d.%s", i/1000, i, ext), bytes.NewReader(pageImage(i))); err != nil {
					log.Fatalf("upload %d: %v", i, err)
				}
			}
		}()
	}
	// ms per page is wall time between checkpoints, which other work on the
	// machine stretches; CPU ms per page (every component but this command)
	// is what the pipeline spent, and is what must stay flat.
	fmt.Printf("%10s %10s %12s %12s %14s %14s %12s %12s\n", "pages", "seconds", "pages/s", "pages/min", "ms per page", "CPU ms/page", "api RSS MiB", "worker RSS")
	last, lastT, lastCPU := 0, t0, cpu0
	for _, cp := range checkpoints {
		for {
			p, err := c.Batch(ctx, b.ID)
			if err != nil {
				log.Fatal(err)
			}
			// A document waiting for quality review is finished as far as
			// the pipeline goes (sohoa qc would release it).
			if (p.DocumentsSigned+p.DocumentsFailed+p.DocumentsQC)*per >= cp {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		now := time.Now()
		cpu := cpuByComponent(procs, dbName)
		var spent float64
		for _, k := range components {
			if k != "bench" {
				spent += cpu[k] - lastCPU[k]
			}
		}
		fmt.Printf("%10d %10.1f %12.1f %12.0f %14.2f %14.2f %12.0f %12.0f\n", cp, now.Sub(t0).Seconds(), float64(cp)/now.Sub(t0).Seconds(),
			60*float64(cp)/now.Sub(t0).Seconds(),
			float64(now.Sub(lastT).Milliseconds())/float64(cp-last), 1000*spent/float64(cp-last),
			procstat.RSSMiB(procs[2].Process.Pid), procstat.RSSMiB(procs[3].Process.Pid))
		last, lastT, lastCPU = cp, now, cpu
	}
	wg.Wait()
	elapsed := time.Since(t0)
	cpu1 := cpuByComponent(procs, dbName)
	p, _ := c.Batch(ctx, b.ID)
	fmt.Printf("signed %d, failed %d, waiting for quality review %d (%d pages) of %d documents; pages OCR'd %d, failed %d\n",
		p.DocumentsSigned, p.DocumentsFailed, p.DocumentsQC, p.PagesQC, p.Documents, p.PagesOCRed, p.PagesFailed)

	// Where the CPU went: seconds of CPU per component over the run, and
	// per page. "bench" is this command itself (making and sending pages).
	fmt.Printf("CPU over %.0f s (%d cores): ", elapsed.Seconds(), runtime.NumCPU())
	var total float64
	for _, k := range components {
		d := cpu1[k] - cpu0[k]
		total += d
		fmt.Printf("%s %.1f s (%.2f ms/page)  ", k, d, 1000*d/float64(*pages))
	}
	fmt.Printf("total %.1f s (%.2f ms/page)\n", total, 1000*total/float64(*pages))

	mem, _ := exec.Command("redis-cli", "-p", strconv.Itoa(redisPort), "INFO", "memory").Output()
	for _, l := range strings.Split(string(mem), "\n") {
		if strings.HasPrefix(l, "used_memory:") {
			fmt.Printf("redis used_memory at the end: %s bytes (completed tasks are not kept)\n", strings.TrimSpace(strings.TrimPrefix(l, "used_memory:")))
		}
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err == nil {
		var size int64
		_ = conn.QueryRow(ctx, "SELECT pg_database_size(current_database())").Scan(&size)
		fmt.Printf("catalog: %d bytes, %.0f bytes per page\n", size, float64(size)/float64(*pages))
		conn.Close(ctx)
	}
}

// docOf returns a function giving document n: a bilevel TIFF of per pages,
// each unique (pageImg of n*per+k).
func docOf(per int) func(n int) []byte {
	return func(n int) []byte {
		pages := make([]*image.Paletted, per)
		for k := range pages {
			pages[k] = pageImg(n*per + k)
		}
		b, err := synthetic.EncodeBilevelTIFF(pages, 150)
		if err != nil {
			log.Fatal(err)
		}
		return b
	}
}

// page returns a small unique page image as PNG (pageImg).
func page(n int) []byte {
	var buf bytes.Buffer
	png.Encode(&buf, pageImg(n))
	return buf.Bytes()
}

// pageImg returns a small unique page: A4 at 100 dpi, bilevel, with the
// page number drawn as a row of bits so every page hashes differently.
func pageImg(n int) *image.Paletted {
	img := image.NewPaletted(image.Rect(0, 0, 827, 1170), synthetic.Bilevel) // 0 black, 1 white
	for i := range img.Pix {
		img.Pix[i] = 1
	}
	for bit := 0; bit < 32; bit++ {
		if n>>bit&1 == 1 {
			for y := 100; y < 120; y++ {
				for x := 100 + bit*20; x < 115+bit*20; x++ {
					img.SetColorIndex(x, y, 0)
				}
			}
		}
	}
	return img
}

// realPages returns a function giving page n: one of a pool of rendered
// document pages (300 dpi greyscale, as archives scan), with n drawn as a
// row of small marks in the bottom margin so every page hashes
// differently. The pool is rendered once; each call copies and encodes.
func realPages() func(n int) []byte {
	var pool []*image.Gray
	for seed := int64(1); len(pool) < 24; seed++ {
		for _, d := range synthetic.Documents(seed) {
			for i := range d.Pages {
				if g, ok := synthetic.Render(d, i, synthetic.Grey300).(*image.Gray); ok && len(pool) < 24 {
					pool = append(pool, g)
				}
			}
		}
	}
	return func(n int) []byte {
		src := pool[n%len(pool)]
		img := image.NewGray(src.Bounds())
		copy(img.Pix, src.Pix)
		h := img.Bounds().Dy()
		for bit := 0; bit < 32; bit++ {
			if n>>bit&1 == 1 {
				for y := h - 60; y < h-50; y++ {
					for x := 200 + bit*16; x < 208+bit*16; x++ {
						img.SetGray(x, y, color.Gray{Y: 0})
					}
				}
			}
		}
		b, err := synthetic.EncodeJPEG(img, 300, 85)
		if err != nil {
			log.Fatal(err)
		}
		return b
	}
}

// components names the processes whose CPU time is reported, in order.
var components = []string{"api", "worker", "minio", "redis", "postgres", "bench"}

// cpuByComponent returns the CPU seconds (user+system, from /proc) used so
// far by each component: the children started here (in the order redis,
// minio, api, worker), the backends of the shared PostgreSQL server that
// serve database db (its writer and checkpointer, shared with whatever
// else uses the server, are left out) and this process.
func cpuByComponent(procs []*exec.Cmd, db string) map[string]float64 {
	m := map[string]float64{}
	names := []string{"redis", "minio", "api", "worker"}
	for i, p := range procs {
		if i < len(names) {
			m[names[i]] += procstat.CPUSeconds(p.Process.Pid)
		}
	}
	m["bench"] = procstat.CPUSeconds(os.Getpid())
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		// A backend's title is "postgres: 15/main: USER DB HOST(PORT) STATE".
		if cmd, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err == nil && strings.HasPrefix(string(cmd), "postgres:") &&
			strings.Contains(string(cmd), " "+db+" ") {
			m["postgres"] += procstat.CPUSeconds(pid)
		}
	}
	return m
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitHTTP(url string) {
	for i := 0; i < 300; i++ {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	log.Fatalf("%s did not answer", url)
}
