// Command capacity measures what sohoa costs per page in its servers, for
// deploy/CAPACITY.md:
//
//		go run ./bench/capacity [-tasks 1000000] [-pages 100000] [-postgres URL]
//
//	  - Redis memory per queued OCR task, with the real task payloads and IDs
//	    (a private redis-server on a free port, so the figure is clean);
//	  - catalog rows and bytes per page in PostgreSQL and SQLite, for
//	    documents of two pages taken through to "signed";
//	  - blob storage bytes per page (originals, OCR results, signed PDFs),
//	    from a run of the embedded pipeline over the sample scans.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5"

	"github.com/sohoa-vn/sohoa/storage/catalog"
	"github.com/sohoa-vn/sohoa/worker"
)

func main() {
	tasks := flag.Int("tasks", 1_000_000, "OCR tasks to queue in Redis (0: skip)")
	pages := flag.Int("pages", 100_000, "pages to record in each catalog (0: skip)")
	pgURL := flag.String("postgres", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL admin URL")
	flag.Parse()
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "sohoa-capacity-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	if *tasks > 0 {
		if err := redisPerTask(ctx, dir, *tasks); err != nil {
			log.Fatal("redis: ", err)
		}
	}
	if *pages > 0 {
		if err := catalogPerPage(ctx, dir, *pgURL, *pages); err != nil {
			log.Fatal("catalog: ", err)
		}
	}
	if err := blobsPerPage(ctx, dir); err != nil {
		log.Fatal("blobs: ", err)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func redisUsedMemory(addr string) (int64, error) {
	out, err := exec.Command("redis-cli", "-h", strings.Split(addr, ":")[0], "-p", strings.Split(addr, ":")[1], "INFO", "memory").Output()
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "used_memory:"); ok {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	return 0, fmt.Errorf("no used_memory in INFO")
}

func redisPerTask(ctx context.Context, dir string, n int) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	srv := exec.Command("redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir)
	if err := srv.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	defer func() { srv.Process.Kill(); srv.Wait() }()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	var before int64
	for i := 0; ; i++ {
		if before, err = redisUsedMemory(addr); err == nil {
			break
		}
		if i > 50 {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
	client := asynq.NewClient(asynq.RedisClientOpt{Addr: addr, PoolSize: 32})
	defer client.Close()
	q := worker.NewQueue(client)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	start := time.Now()
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				// IDs shaped like the real ones: document ID + page number.
				id := fmt.Sprintf("d%024x-p%04d", i/2, i%2+1)
				if err := q.EnqueueOCR(ctx, id); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	took := time.Since(start)
	after, err := redisUsedMemory(addr)
	if err != nil {
		return err
	}
	per := float64(after-before) / float64(n)
	fmt.Printf("redis: %d OCR tasks queued in %.1fs (%.0f/s); used_memory %d → %d bytes: %.0f bytes per queued page, %.0f MiB per million\n",
		n, took.Seconds(), float64(n)/took.Seconds(), before, after, per, per*1e6/(1<<20))
	return nil
}

func catalogPerPage(ctx context.Context, dir, adminURL string, n int) error {
	name := "sohoa_capacity_" + randHex(4)
	admin, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return err
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return err
	}
	defer admin.Exec(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)")
	pgURL := strings.Replace(adminURL, "/postgres?", "/"+name+"?", 1)
	for _, c := range []struct{ name, url string }{
		{"postgresql", pgURL},
		{"sqlite", "sqlite:" + filepath.Join(dir, "catalog.db")},
	} {
		db, err := catalog.Open(ctx, c.url)
		if err != nil {
			return err
		}
		empty, err := catalogSize(ctx, admin, c.name, c.url, dir)
		if err != nil {
			return err
		}
		start := time.Now()
		if err := fill(ctx, db, n); err != nil {
			db.Close()
			return err
		}
		took := time.Since(start)
		db.Close()
		size, err := catalogSize(ctx, admin, c.name, c.url, dir)
		if err != nil {
			return err
		}
		size -= empty // the schema of an empty catalog is not a cost per page
		fmt.Printf("catalog %s: %d pages in %d documents, taken to signed in %.1fs (%.0f pages/s); %d bytes: %.0f bytes per page; rows per page: 1 page + 0.5 document + 0.5 document text\n",
			c.name, n, n/2, took.Seconds(), float64(n)/took.Seconds(), size, float64(size)/float64(n))
	}
	return nil
}

// catalogSize is the bytes a catalog takes: the SQLite file, or the
// PostgreSQL database after a checkpoint and vacuum.
func catalogSize(ctx context.Context, admin *pgx.Conn, kind, url, dir string) (int64, error) {
	if kind == "sqlite" {
		st, err := os.Stat(filepath.Join(dir, "catalog.db"))
		if err != nil {
			return 0, err
		}
		return st.Size(), nil
	}
	if _, err := admin.Exec(ctx, "CHECKPOINT"); err != nil {
		return 0, err
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "VACUUM ANALYZE"); err != nil {
		return 0, err
	}
	var size int64
	err = conn.QueryRow(ctx, "SELECT pg_database_size(current_database())").Scan(&size)
	return size, err
}

// fill records n pages in two-page documents and takes each through OCR,
// assembly and signing, as the pipeline does, with realistic metadata.
func fill(ctx context.Context, db *catalog.DB, n int) error {
	if _, err := db.EnsureBatch(ctx, "bcap", "capacity"); err != nil {
		return err
	}
	meta, _ := json.Marshal(map[string]any{
		"issuer":        map[string]any{"value": "ỦY BAN NHÂN DÂN PHƯỜNG BẾN NGHÉ", "confidence": 0.6},
		"number_symbol": map[string]any{"value": "123/QĐ-UBND", "confidence": 0.9},
		"date":          map[string]any{"value": "2026-06-05", "confidence": 0.9},
		"type":          map[string]any{"value": "QUYẾT ĐỊNH", "confidence": 0.8},
		"summary":       map[string]any{"value": "Về việc cấp giấy chứng nhận quyền sử dụng đất", "confidence": 0.6},
		"signer":        map[string]any{"value": "Nguyễn Văn An", "confidence": 0.6},
	})
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if 2*i > int64(n) {
					return
				}
				if err := oneDocument(ctx, db, i, meta); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func oneDocument(ctx context.Context, db *catalog.DB, i int64, meta []byte) error {
	doc := catalog.Document{ID: fmt.Sprintf("d%024x", i), BatchID: "bcap",
		SourceName: fmt.Sprintf("hop-%04d/ho-so-%06d.tif", i/1000, i), SourceSHA256: randHex(32)}
	var pages []catalog.Page
	for seq := 1; seq <= 2; seq++ {
		sum := randHex(32)
		pages = append(pages, catalog.Page{ID: fmt.Sprintf("%s-p%04d", doc.ID, seq), Seq: seq,
			BlobKey: "pages/" + sum[:2] + "/" + sum + ".png", SHA256: sum, Format: "png",
			Width: 1654, Height: 2339, DPI: 200})
	}
	if _, err := db.CreateDocument(ctx, doc, pages); err != nil {
		return err
	}
	for _, p := range pages {
		if _, err := db.MarkPageOCRed(ctx, p.ID, 1200, 91.5, "ocr/"+p.ID+".json"); err != nil {
			return err
		}
	}
	// The OCR text kept for search: two pages of an administrative document.
	if err := db.SetDocumentTextWithMetadata(ctx, doc.ID, sampleText, meta); err != nil {
		return err
	}
	if err := db.SetAssembled(ctx, doc.ID, "pdf/"+doc.ID+".pdf", randHex(32), len([]rune(sampleText)), meta); err != nil {
		return err
	}
	return db.SetSigned(ctx, doc.ID, "signed/"+doc.ID+".pdf", randHex(32), 400_000)
}

// sampleText is about two pages of OCR'd text (~2,400 characters).
var sampleText = strings.Repeat("Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; "+
	"xét đề nghị của Trưởng phòng Tài nguyên và Môi trường về việc cấp giấy chứng nhận quyền sử dụng đất. ", 14)

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// blobsPerPage runs the embedded demo and sums its stored objects by kind.
func blobsPerPage(ctx context.Context, dir string) error {
	bin := filepath.Join(dir, "sohoa")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/sohoa").CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	demo := filepath.Join(dir, "demo")
	cmd := exec.CommandContext(ctx, bin, "demo", "--dir", demo)
	cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("sohoa demo: %v\n%s", err, out)
	}
	sizes := map[string]int64{}
	counts := map[string]int{}
	pages := 0
	err := filepath.WalkDir(filepath.Join(demo, "data", "blobs"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".sha256") {
			return err
		}
		rel, _ := filepath.Rel(filepath.Join(demo, "data", "blobs"), p)
		kind := strings.SplitN(filepath.ToSlash(rel), "/", 2)[0]
		if kind == "pages" {
			kind += " (" + strings.TrimPrefix(filepath.Ext(p), ".") + ")"
			pages++
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		sizes[kind] += info.Size()
		counts[kind]++
		return nil
	})
	if err != nil {
		return err
	}
	var total int64
	fmt.Printf("blobs (embedded demo, %d pages: 200 dpi bilevel and 300 dpi greyscale):\n", pages)
	for k, v := range sizes {
		per := float64(v) / float64(pages)
		if strings.HasPrefix(k, "pages") {
			per = float64(v) / float64(counts[k]) // per page of that format
		}
		fmt.Printf("  %-14s %9d bytes in %d objects, %7.0f per page\n", k, v, counts[k], per)
		total += v
	}
	fmt.Printf("  %-14s %9d bytes, %7.0f per page\n", "total", total, float64(total)/float64(pages))
	return nil
}
