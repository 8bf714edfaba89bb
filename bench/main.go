// Command bench measures sohoa's throughput against the plain Tesseract
// CLI on the same pages, in one run:
//
//	go run ./bench [-pages 24] [-dir /tmp/sohoa-bench]
//
// (a) tesseract CLI, OMP_THREAD_LIMIT=1, one process per core;
// (b) sohoa's whole pipeline, embedded (sohoa serve + sohoa ingest --wait):
// split, store, queue, OCR, assemble, sign.
// It prints pages per minute and character error rate against the
// ground truth for each, and the ratio (b)/(a).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/sohoa-vn/sohoa/ocr"
	"github.com/sohoa-vn/sohoa/scanners/synthetic"
)

type page struct {
	file, truth string
}

func main() {
	n := flag.Int("pages", 24, "pages in the corpus (half 200 dpi bilevel PNG, half 300 dpi grey JPEG)")
	dir := flag.String("dir", "", "work directory (default: a temporary one, removed after)")
	flag.Parse()
	if *dir == "" {
		d, err := os.MkdirTemp("", "sohoa-bench-")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(d)
		*dir = d
	}
	ctx := context.Background()
	pages, err := corpus(filepath.Join(*dir, "corpus"), *n)
	if err != nil {
		log.Fatal(err)
	}
	cores := runtime.NumCPU()
	fmt.Printf("corpus: %d pages (%s), %d cores\n", len(pages), filepath.Join(*dir, "corpus"), cores)

	cliTime, cliCER, err := tesseractCLI(ctx, pages, filepath.Join(*dir, "cli"), cores)
	if err != nil {
		log.Fatal(err)
	}
	pipeTime, pipeCER, err := pipeline(ctx, pages, *dir)
	if err != nil {
		log.Fatal(err)
	}
	ppm := func(d time.Duration) float64 { return float64(len(pages)) / d.Minutes() }
	fmt.Printf("\n%-52s %10s %8s %8s\n", "run", "pages/min", "CER", "seconds")
	fmt.Printf("%-52s %10.1f %7.2f%% %8.1f\n", fmt.Sprintf("(a) tesseract CLI, OMP_THREAD_LIMIT=1, %d processes", cores), ppm(cliTime), 100*cliCER, cliTime.Seconds())
	fmt.Printf("%-52s %10.1f %7.2f%% %8.1f\n", "(b) sohoa pipeline, embedded (OCR+assemble+sign)", ppm(pipeTime), 100*pipeCER, pipeTime.Seconds())
	fmt.Printf("ratio (b)/(a): %.2f\n", ppm(pipeTime)/ppm(cliTime))
}

// corpus writes n single-page files from the synthetic documents,
// alternating 200 dpi bilevel PNG and 300 dpi greyscale JPEG.
func corpus(dir string, n int) ([]page, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var out []page
	for seed := int64(1); len(out) < n; seed++ {
		for _, d := range synthetic.Documents(seed) {
			for i := range d.Pages {
				if len(out) == n {
					return out, nil
				}
				mode := synthetic.Bilevel200
				if len(out)%2 == 1 {
					mode = synthetic.Grey300
				}
				img := synthetic.Render(d, i, mode)
				var b []byte
				var err error
				name := fmt.Sprintf("%03d-%s-p%d", len(out), d.Name, i+1)
				if mode == synthetic.Bilevel200 {
					name += ".png"
					b, err = synthetic.EncodePNG(img, mode.DPI())
				} else {
					name += ".jpg"
					b, err = synthetic.EncodeJPEG(img, mode.DPI(), synthetic.JPEGQuality)
				}
				if err != nil {
					return nil, err
				}
				p := filepath.Join(dir, name)
				if err := os.WriteFile(p, b, 0o644); err != nil {
					return nil, err
				}
				out = append(out, page{file: p, truth: d.Pages[i].Text})
			}
		}
	}
	return out, nil
}

// tesseractCLI recognises every page with the tesseract command, one
// single-threaded process per core.
func tesseractCLI(ctx context.Context, pages []page, dir string, procs int) (time.Duration, float64, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, 0, err
	}
	work := make(chan int)
	errs := make(chan error, len(pages))
	var wg sync.WaitGroup
	start := time.Now()
	for range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				cmd := exec.CommandContext(ctx, "tesseract", pages[i].file, filepath.Join(dir, fmt.Sprint(i)), "-l", "vie")
				cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
				if out, err := cmd.CombinedOutput(); err != nil {
					errs <- fmt.Errorf("tesseract %s: %v: %s", pages[i].file, err, out)
				}
			}
		}()
	}
	for i := range pages {
		work <- i
	}
	close(work)
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return 0, 0, err
	}
	var cer float64
	for i, p := range pages {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprint(i)+".txt"))
		if err != nil {
			return 0, 0, err
		}
		cer += ocr.CER(p.truth, string(b))
	}
	return elapsed, cer / float64(len(pages)), nil
}

// pipeline builds sohoa, starts it embedded and times one batch of the
// pages from the first upload to the last signature.
func pipeline(ctx context.Context, pages []page, dir string) (time.Duration, float64, error) {
	bin := filepath.Join(dir, "sohoa")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/sohoa").CombinedOutput(); err != nil {
		return 0, 0, fmt.Errorf("go build: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, 0, err
	}
	addr := l.Addr().String()
	l.Close()
	data := filepath.Join(dir, "data")
	os.RemoveAll(data)
	srv := exec.CommandContext(ctx, bin, "serve", "--addr", addr, "--data", data)
	srv.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
	logf, err := os.Create(filepath.Join(dir, "serve.log"))
	if err != nil {
		return 0, 0, err
	}
	defer logf.Close()
	srv.Stdout, srv.Stderr = logf, logf
	if err := srv.Start(); err != nil {
		return 0, 0, err
	}
	defer func() { srv.Process.Signal(os.Interrupt); srv.Wait() }()
	url := "http://" + addr
	for i := 0; ; i++ {
		if resp, err := http.Get(url + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if i > 100 {
			return 0, 0, fmt.Errorf("sohoa serve did not start; see %s", logf.Name())
		}
		time.Sleep(100 * time.Millisecond)
	}
	args := []string{"ingest", "--server", url, "--batch", "bench", "--wait"}
	truth := map[string]string{}
	for _, p := range pages {
		args = append(args, p.file)
		truth[filepath.Base(p.file)] = p.truth
	}
	start := time.Now()
	ing := exec.CommandContext(ctx, bin, args...)
	var stdout bytes.Buffer
	ing.Stdout, ing.Stderr = &stdout, os.Stderr
	if err := ing.Run(); err != nil {
		return 0, 0, fmt.Errorf("sohoa ingest: %v\n%s", err, stdout.String())
	}
	elapsed := time.Since(start)

	// Error rate of the signed PDFs' text layers.
	resp, err := http.Get(url + "/v1/batches/" + batchID(stdout.String()) + "/report")
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	var raw struct {
		Documents []struct {
			ID         string `json:"id"`
			SourceName string `json:"source_name"`
		} `json:"documents"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
		return 0, 0, err
	}
	var cer float64
	for _, d := range raw.Documents {
		pdf := filepath.Join(dir, d.ID+".pdf")
		if err := fetch(url+"/v1/documents/"+d.ID+"/pdf", pdf); err != nil {
			return 0, 0, err
		}
		txt, err := exec.Command("pdftotext", "-layout", pdf, "-").Output()
		if err != nil {
			return 0, 0, err
		}
		cer += ocr.CER(truth[filepath.Base(d.SourceName)], string(txt))
	}
	return elapsed, cer / float64(len(raw.Documents)), nil
}

// batchID finds the batch ID in sohoa ingest's last line ("batch ID (name): URL").
func batchID(out string) string {
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[0] == "batch" {
			return f[1]
		}
	}
	return ""
}

func fetch(url, path string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
