package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/sohoa-vn/sohoa/internal/httpget"
	"github.com/sohoa-vn/sohoa/ocr"
)

// tesseractCLI recognises every page with the tesseract command, one
// single-threaded process per core, and returns the mean CER.
func tesseractCLI(ctx context.Context, pages []page, dir string, procs int) (time.Duration, float64, error) {
	t, texts, err := tesseractTexts(ctx, pages, dir, procs)
	if err != nil {
		return 0, 0, err
	}
	return t, meanCER(pages, texts), nil
}

// tesseractTexts recognises every page with the tesseract command (with
// --dpi when the page's resolution is known), one single-threaded process
// per core, and returns the elapsed time and the texts.
func tesseractTexts(ctx context.Context, pages []page, dir string, procs int) (time.Duration, []string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, nil, err
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
				args := []string{pages[i].file, filepath.Join(dir, fmt.Sprint(i)), "-l", "vie"}
				if pages[i].dpi > 0 {
					args = append(args, "--dpi", fmt.Sprint(pages[i].dpi))
				}
				cmd := exec.CommandContext(ctx, "tesseract", args...)
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
		return 0, nil, err
	}
	texts := make([]string, len(pages))
	for i := range pages {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprint(i)+".txt"))
		if err != nil {
			return 0, nil, err
		}
		texts[i] = string(b)
	}
	return elapsed, texts, nil
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
	// Every page is assembled and signed, as in the runs compared with:
	// no page waits for an archivist's review.
	srv.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1", "SOHOA_QC_HOLD=none")
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
	// A server that requires API keys writes a bootstrap key on first start.
	token := ""
	for range 50 {
		if b, err := os.ReadFile(filepath.Join(data, "admin-token")); err == nil {
			token = strings.TrimSpace(string(b))
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	args := []string{"ingest", "--server", url, "--batch", "bench", "--wait"}
	if token != "" {
		args = append(args, "--token", token)
	}
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
	resp, err := get(url+"/v1/batches/"+batchID(stdout.String())+"/report", token)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("batch report: %s", resp.Status)
	}
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
		if err := httpget.ToFile(context.Background(), url+"/v1/documents/"+d.ID+"/pdf", token, pdf); err != nil {
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

// get sends a GET with the API key, if any.
func get(url, token string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return http.DefaultClient.Do(req)
}

// ocrStage recognises every page with pool, from memory, as many pages
// at once as the pool has workers, and returns the elapsed time and the
// pages in corpus order.
func ocrStage(ctx context.Context, pool *ocr.Pool, workers int, pages []page) (time.Duration, []*ocr.Page, error) {
	out := make([]*ocr.Page, len(pages))
	errs := make([]error, len(pages))
	work := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for i := range work {
				out[i], errs[i] = pool.Recognize(ctx, pages[i].data)
			}
		})
	}
	for i := range pages {
		work <- i
	}
	close(work)
	wg.Wait()
	elapsed := time.Since(start)
	for i, err := range errs {
		if err != nil {
			return 0, nil, fmt.Errorf("%s: %w", pages[i].name, err)
		}
	}
	return elapsed, out, nil
}

// meanCER is the mean per-page character error rate of texts.
func meanCER(pages []page, texts []string) float64 {
	var sum float64
	for i, p := range pages {
		sum += ocr.CER(p.truth, texts[i])
	}
	return sum / float64(len(pages))
}

func pageTexts(res []*ocr.Page) []string {
	t := make([]string, len(res))
	for i, r := range res {
		t[i] = r.Text
	}
	return t
}

// ocrmypdf puts the pages into one image PDF (A4 pages, images at their
// native resolution, made with pdfcpu before the clock starts) and times
// OCRmyPDF on it with --jobs procs. Its error rate is pdftotext's text of
// each output page against the truth.
func ocrmypdf(ctx context.Context, pages []page, dir string, procs int) (time.Duration, float64, error) {
	t, texts, err := ocrmypdfTexts(ctx, pages, dir, procs)
	if err != nil {
		return 0, 0, err
	}
	return t, meanCER(pages, texts), nil
}

// ocrmypdfTexts is ocrmypdf's run, returning the text of each page.
func ocrmypdfTexts(ctx context.Context, pages []page, dir string, procs int) (time.Duration, []string, error) {
	fail := func(err error) (time.Duration, []string, error) { return 0, nil, err }
	if _, err := exec.LookPath("ocrmypdf"); err != nil {
		return fail(fmt.Errorf("ocrmypdf not found (apt-get install ocrmypdf): %w", err))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fail(err)
	}
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	os.Remove(in)
	// img2pdf, as a user would: it embeds each image as it is, at its own
	// resolution. pdfcpu's image import drew every image at 72 ppi, so
	// OCRmyPDF recognised 200 and 300 dpi scans as 72 dpi pages (its CER
	// was twice the plain command's on the real corpus).
	if _, err := exec.LookPath("img2pdf"); err != nil {
		return fail(fmt.Errorf("img2pdf not found (apt-get install img2pdf): %w", err))
	}
	args := []string{"-o", in}
	for _, p := range pages {
		args = append(args, p.file)
	}
	if b, err := exec.CommandContext(ctx, "img2pdf", args...).CombinedOutput(); err != nil {
		return fail(fmt.Errorf("image PDF for ocrmypdf: img2pdf: %v: %s", err, b))
	}
	start := time.Now()
	cmd := exec.CommandContext(ctx, "ocrmypdf", "--jobs", fmt.Sprint(procs), "-l", "vie", "--quiet", in, out)
	cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fail(fmt.Errorf("ocrmypdf: %v: %s", err, b))
	}
	elapsed := time.Since(start)
	txt, err := exec.Command("pdftotext", "-layout", out, "-").Output() // as for the pipeline
	if err != nil {
		return fail(fmt.Errorf("pdftotext %s: %w", out, err))
	}
	texts := strings.Split(string(txt), "\f")
	if len(texts) < len(pages) {
		return fail(fmt.Errorf("ocrmypdf output has %d pages, want %d", len(texts), len(pages)))
	}
	return elapsed, texts[:len(pages)], nil
}
