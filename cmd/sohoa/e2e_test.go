package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/sohoa-vn/sohoa/api"
	"github.com/sohoa-vn/sohoa/config"
	"github.com/sohoa-vn/sohoa/internal/servicetest"
	"github.com/sohoa-vn/sohoa/scanners/synthetic"
	"github.com/sohoa-vn/sohoa/storage"
	"github.com/sohoa-vn/sohoa/webhook"
	"github.com/sohoa-vn/sohoa/worker"
)

func TestMain(m *testing.M) { servicetest.Main(m) }

// badInputs writes files that must each end as a failed page with a clear
// reason, and returns the reason expected (a fragment) by file name.
func badInputs(t *testing.T, dir, goodPDF string) map[string]string {
	t.Helper()
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("empty.png", nil)
	jpg, err := os.ReadFile(filepath.Join(dir, "cong-van.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	write("truncated.jpg", jpg[:len(jpg)/3])
	write("notes.png", []byte("Đây là một tệp văn bản, không phải ảnh.\n"))
	enc := filepath.Join(dir, "encrypted.pdf")
	if out, err := exec.Command("qpdf", "--encrypt", "user", "owner", "256", "--", goodPDF, enc).CombinedOutput(); err != nil {
		t.Fatalf("qpdf --encrypt: %v\n%s", err, out)
	}
	return map[string]string{
		"empty.png":     "empty",
		"truncated.jpg": "truncated",
		"notes.png":     "unsupported",
		"encrypted.pdf": "encrypted",
	}
}

func TestEndToEndEmbedded(t *testing.T) {
	cfg := testConfig(t)
	cfg.RedisURL, cfg.DatabaseURL, cfg.S3 = "", "", config.S3{}
	runEndToEnd(t, cfg, cfg)
}

// TestEndToEndServers runs the API and the workers as separate systems,
// as a deployment does, on real Redis, PostgreSQL and MinIO.
func TestEndToEndServers(t *testing.T) {
	cfg := testConfig(t)
	cfg.RedisURL = "redis://" + servicetest.Redis(t)
	cfg.DatabaseURL = servicetest.Postgres(t)
	m := servicetest.MinIO(t)
	cfg.S3 = config.S3{Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey, Bucket: "e2e"}
	apiCfg, workerCfg := cfg, cfg
	apiCfg.Role, workerCfg.Role = "api", "worker"
	runEndToEnd(t, apiCfg, workerCfg)
}

func runEndToEnd(t *testing.T, apiCfg, workerCfg config.Config) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	dir := t.TempDir()
	samples, err := synthetic.WriteSamples(filepath.Join(dir, "in"), 7)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	truth := map[string]string{}
	var pdfSample string
	for _, s := range samples {
		p := filepath.Join(dir, "in", s.File)
		files = append(files, p)
		truth[s.File] = synthetic.TruthText(s.Doc)
		if strings.HasSuffix(s.File, ".pdf") {
			pdfSample = p
		}
	}
	bad := badInputs(t, filepath.Join(dir, "in"), pdfSample)
	for name := range bad {
		files = append(files, filepath.Join(dir, "in", name))
	}

	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	apiCfg.Addr, workerCfg.Addr = freeAddr(t), "127.0.0.1:0"
	// Copies carry the verification address signed in: a known one (here
	// the API's, loopback: issued with a warning).
	apiCfg.PublicURL = "http://" + apiCfg.Addr
	apiCfg.DataDir, workerCfg.DataDir = filepath.Join(dir, "data"), filepath.Join(dir, "data")
	apiCfg.MetricsAddr, workerCfg.MetricsAddr = "127.0.0.1:0", "127.0.0.1:0"
	// The webhook subscriber below is an httptest server on loopback.
	apiCfg.WebhookAllow, workerCfg.WebhookAllow = "127.0.0.1", "127.0.0.1"
	apiSys, err := startSystem(ctx, apiCfg, log)
	if err != nil {
		t.Fatal(err)
	}
	defer apiSys.Close()
	var workerSys *system
	if apiCfg.Role != "all" {
		workerSys, err = startSystem(ctx, workerCfg, log)
		if err != nil {
			t.Fatal(err)
		}
		defer workerSys.Close()
	}

	c := &api.Client{BaseURL: apiSys.URL(), Token: apiSys.adminToken}
	failed, b, err := ingestPaths(ctx, c, "e2e", files, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	// Every bad file, and only those, is reported with its reason.
	if len(failed) != len(bad) {
		t.Errorf("ingest reported %d failed files, want %d: %+v", len(failed), len(bad), failed)
	}
	for _, f := range failed {
		want, ok := bad[filepath.Base(f.path)]
		if !ok {
			t.Errorf("good file %s reported failed: %s", f.path, f.reason)
			continue
		}
		if !strings.Contains(f.reason, want) || !strings.Contains(f.reason, " / ") {
			t.Errorf("%s: reason %q lacks %q or is not bilingual", f.path, f.reason, want)
		}
	}
	if err := waitBatch(ctx, c, b.ID, io.Discard); err != nil {
		t.Fatal(err)
	}
	rep, err := c.Report(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rep.Batch.DocumentsSigned, len(samples); got != want {
		t.Errorf("documents signed = %d, want %d", got, want)
	}
	if got, want := rep.Batch.DocumentsFailed, len(bad); got != want {
		t.Errorf("documents failed = %d, want %d", got, want)
	}
	out := filepath.Join(dir, "out")
	docs, err := demoFetch(ctx, c, b.ID, out, truth)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		name := path.Base(d.Source)
		if _, isBad := bad[name]; isBad {
			if d.Status != "failed" {
				t.Errorf("%s: status %s, want failed", name, d.Status)
			}
			continue
		}
		t.Logf("%s: %s, %d pages, %d chars, CER %.2f%%, pdfsig: %s", d.ID, name, d.Pages, d.TextLen, 100*d.CER, d.Pdfsig)
		if d.Pdfsig != "valid, whole document signed" {
			t.Errorf("%s: pdfsig: %s", name, d.Pdfsig)
		}
		pdf := filepath.Join(out, d.ID+".pdf")
		if o, err := exec.Command("qpdf", "--check", pdf).CombinedOutput(); err != nil {
			t.Errorf("%s: qpdf --check: %v\n%s", name, err, o)
		}
		if d.CER < 0 || d.CER > 0.03 {
			got, _ := pdfText(ctx, pdf)
			t.Errorf("%s: character error rate %.2f%%, want < 3%%\n--- pdftotext:\n%s", name, 100*d.CER, got)
		}
		// Only the signed PDF is kept: it contains the unsigned one.
		cd, err := apiSys.catalog.Document(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := apiSys.store.Stat(ctx, cd.PDFKey); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("%s: unsigned PDF %s still stored (%v)", name, cd.PDFKey, err)
		}
		if info, err := apiSys.store.Stat(ctx, cd.SignedKey); err != nil || info.SHA256 != cd.SignedSHA256 {
			t.Errorf("%s: signed PDF %s: %+v, %v", name, cd.SignedKey, info, err)
		}
		meta, err := c.Document(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if meta.PDF == nil || meta.PDF.SHA256 == "" || meta.PageCount != d.Pages || len(meta.Pages) != d.Pages {
			t.Errorf("%s: metadata incomplete: %+v", name, meta)
		}
	}

	checkSearchAndAccess(t, apiSys.URL(), apiSys.adminToken, docs, bad)
	checkCertifiedCopy(t, apiSys.URL(), apiSys.adminToken, docs, filepath.Join(dir, "copy.pdf"))
	checkReportAndExport(t, apiSys.URL(), apiSys.adminToken, dir, rep.Batch)
	if apiCfg.Role == "all" { // embedded: the CLI finds the same catalog and files
		t.Setenv("SOHOA_DATA_DIR", apiCfg.DataDir)
		if out, code := run(t, "fixity", "--rehash"); code != 0 {
			t.Errorf("sohoa fixity --rehash found problems after a clean run:\n%s", out)
		}
	}
	checkProbes(t, apiSys, apiCfg.Role == "all", rep.Batch)
	if workerSys != nil {
		checkWorkerMetrics(t, workerSys, rep.Batch)
	}

	// Sending the same files again adds nothing.
	before := rep.Batch
	if _, _, err := ingestPaths(ctx, c, "e2e", files, io.Discard); err != nil {
		t.Fatal(err)
	}
	after, err := c.Batch(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Documents != before.Documents || after.PagesReceived != before.PagesReceived {
		t.Errorf("re-ingest changed the batch: before %+v, after %+v", before.Progress, after.Progress)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// TestQueueLossRecovered wipes Redis after files were taken but before any
// worker ran (a Redis restart without persistence): the catalog still
// knows the work, and a worker's reconciler queues it again.
func TestQueueLossRecovered(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	dir := t.TempDir()
	samples, err := synthetic.WriteSamples(filepath.Join(dir, "in"), 3)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, s := range samples {
		if strings.HasSuffix(s.File, ".png") || strings.HasSuffix(s.File, ".jpg") {
			files = append(files, filepath.Join(dir, "in", s.File))
		}
	}
	redisAddr := servicetest.Redis(t)
	cfg := testConfig(t)
	cfg.RedisURL, cfg.DatabaseURL, cfg.S3 = "redis://"+redisAddr, "", config.S3{}
	cfg.Addr, cfg.DataDir, cfg.MetricsAddr = "127.0.0.1:0", filepath.Join(dir, "data"), "127.0.0.1:0"
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))

	apiCfg := cfg
	apiCfg.Role = "api"
	apiSys, err := startSystem(ctx, apiCfg, log)
	if err != nil {
		t.Fatal(err)
	}
	defer apiSys.Close()
	c := &api.Client{BaseURL: apiSys.URL(), Token: apiSys.adminToken}
	failed, b, err := ingestPaths(ctx, c, "loss", files, io.Discard)
	if err != nil || len(failed) > 0 {
		t.Fatalf("ingest: %v %+v", err, failed)
	}
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
	defer rdb.Close()
	if n, err := rdb.DBSize(ctx).Result(); err != nil || n == 0 {
		t.Fatalf("redis holds %d keys after ingest (%v); want the queued tasks", n, err)
	}
	if err := rdb.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}

	workerCfg := cfg
	workerCfg.Role = "worker"
	w, err := startSystem(ctx, workerCfg, log)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := waitBatch(ctx, c, b.ID, io.Discard); err != nil {
		t.Fatal(err)
	}
	got, err := c.Batch(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.DocumentsSigned != len(files) || got.PagesOCRed != len(files) {
		t.Errorf("after the queue was wiped: %+v, want %d documents signed", got.Progress, len(files))
	}
}

// checkProbes checks /readyz and, when this process ran the workers too,
// that /metrics counted the batch's pages and shows the queues.
func checkProbes(t *testing.T, sys *system, workers bool, b api.Batch) {
	t.Helper()
	get := func(url string) string {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %s\n%s", url, resp.Status, body)
		}
		return string(body)
	}
	get(sys.URL() + "/readyz")
	if resp, err := http.Get(sys.URL() + "/metrics"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("/metrics is served on the API's port; it belongs on the probe address")
		}
	}
	m := get(sys.MetricsURL())
	want := []string{
		fmt.Sprintf("sohoa_pages_ingested_total %d", b.PagesReceived-b.PagesFailed),
		fmt.Sprintf("sohoa_pages_failed_total %d", b.PagesFailed),
		`sohoa_queue_tasks{queue="ocr",state="pending"} 0`,
	}
	if workers {
		want = append(want,
			fmt.Sprintf("sohoa_pages_ocred_total %d", b.PagesOCRed),
			fmt.Sprintf("sohoa_documents_signed_total %d", b.DocumentsSigned),
			fmt.Sprintf("sohoa_ocr_seconds_count %d", b.PagesOCRed))
	}
	for _, w := range want {
		if !strings.Contains(m, w+"\n") {
			t.Errorf("/metrics lacks %q", w)
		}
	}
}

func TestQueuesCommand(t *testing.T) {
	addr := servicetest.Redis(t)
	client := asynq.NewClient(asynq.RedisClientOpt{Addr: addr})
	defer client.Close()
	if err := worker.NewQueue(client).EnqueueOCR(context.Background(), "page-1"); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOHOA_REDIS_URL", "redis://"+addr)
	out, code := run(t, "queues")
	if code != 0 {
		t.Fatalf("sohoa queues exited %d", code)
	}
	var found bool
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) > 1 && f[0] == worker.QueueOCR && f[1] == "1" {
			found = true
		}
	}
	if !found {
		t.Errorf("sohoa queues does not show 1 pending OCR task:\n%s", out)
	}
}

// checkWorkerMetrics checks a worker-only process counted what it did.
func checkWorkerMetrics(t *testing.T, sys *system, b api.Batch) {
	t.Helper()
	resp, err := http.Get(sys.MetricsURL())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, w := range []string{
		fmt.Sprintf("sohoa_pages_ocred_total %d", b.PagesOCRed),
		fmt.Sprintf("sohoa_documents_signed_total %d", b.DocumentsSigned),
	} {
		if !strings.Contains(string(body), w+"\n") {
			t.Errorf("worker /metrics lacks %q", w)
		}
	}
}

// checkSearchAndAccess finds the decision by words typed without their
// accents, and checks that documents are not readable without a key.
func checkSearchAndAccess(t *testing.T, base, token string, docs []demoDocument, bad map[string]string) {
	t.Helper()
	var decision string
	for _, d := range docs {
		if path.Base(d.Source) == "quyet-dinh.tif" {
			decision = d.ID
		}
	}
	req, _ := http.NewRequest("GET", base+"/v1/search?q="+url.QueryEscape("quyet dinh"), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Hits []struct {
			DocumentID string `json:"document_id"`
		} `json:"hits"`
	}
	err = json.NewDecoder(resp.Body).Decode(&res)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("search: %s, %v", resp.Status, err)
	}
	found := false
	for _, h := range res.Hits {
		found = found || h.DocumentID == decision
	}
	if !found {
		t.Errorf("search for %q (no accents) does not find the decision %s: %+v", "quyet dinh", decision, res.Hits)
	}
	resp, err = http.Get(base + "/v1/documents/" + decision + "/pdf")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusForbidden {
		t.Errorf("PDF fetched without a key: %s", resp.Status)
	}
}

// checkCertifiedCopy issues a certified copy of the two-page decision
// through the API, and checks its two signatures and its public page.
func checkCertifiedCopy(t *testing.T, base, token string, docs []demoDocument, out string) {
	t.Helper()
	var id string
	for _, d := range docs {
		if path.Base(d.Source) == "quyet-dinh.tif" {
			id = d.ID
		}
	}
	do := func(method, url string, body string) *http.Response {
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	// A subscriber to copy.issued, checking each delivery's signature.
	got := make(chan string, 4)
	var secret []byte
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify(secret, r.Header.Get("X-Sohoa-Timestamp"), r.Header.Get("X-Sohoa-Signature"), body, time.Minute, time.Now()); err != nil {
			t.Errorf("webhook delivery: %v", err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		got <- r.Header.Get("X-Sohoa-Event") + " " + string(body)
	}))
	defer hook.Close()
	resp := do("POST", base+"/v1/webhooks", `{"url":"`+hook.URL+`","events":["copy.issued"]}`)
	var sub struct {
		Secret string `json:"secret"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&sub); err != nil || resp.StatusCode != http.StatusCreated || sub.Secret == "" {
		t.Fatalf("POST /v1/webhooks: %s, %v", resp.Status, err)
	}
	resp.Body.Close()
	secret = []byte(sub.Secret)

	resp = do("POST", base+"/v1/copies", `{"document_id":"`+id+`","requester":"Nguyễn Văn Dân","certifier":"Trần Thị Chứng",`+
		`"no_result_reason":"Bản chính do cơ quan khác cấp"}`)
	var cp struct {
		ID        string `json:"id"`
		Number    int    `json:"number"`
		Book      string `json:"book"`
		VerifyURL string `json:"verify_url"`
		PDFURL    string `json:"pdf_url"`
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /v1/copies: %s\n%s", resp.Status, body)
	}
	if err := json.Unmarshal(body, &cp); err != nil || cp.Number != 1 || !strings.HasSuffix(cp.Book, "-SCTĐT/BS") || cp.VerifyURL == "" {
		t.Fatalf("copy = %s (%v)", body, err)
	}
	resp = do("GET", base+cp.PDFURL, "")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(f, resp.Body)
	resp.Body.Close()
	f.Close()
	if o, err := exec.Command("pdfsig", out).CombinedOutput(); err != nil || strings.Count(string(o), "Signature is Valid") != 2 {
		t.Errorf("certified copy: pdfsig: %v\n%s", err, o)
	}
	if txt, err := pdfText(context.Background(), out); err != nil || !strings.Contains(txt, "Chứng thực bản sao đúng với bản chính") {
		t.Errorf("certified copy lacks the statement (%v)", err)
	}
	page, err := http.Get(cp.VerifyURL) // public: no key
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if page.StatusCode != http.StatusOK || !strings.Contains(string(html), `data-valid="true"`) || strings.Contains(string(html), "Nguyễn Văn Dân") {
		t.Errorf("verification page %s: %s, valid shown: %v, requester hidden: %v", cp.VerifyURL, page.Status,
			strings.Contains(string(html), `data-valid="true"`), !strings.Contains(string(html), "Nguyễn Văn Dân"))
	}
	select {
	case d := <-got:
		if !strings.HasPrefix(d, "copy.issued ") || !strings.Contains(d, cp.ID) {
			t.Errorf("webhook delivery %q does not announce copy %s", d, cp.ID)
		}
	case <-time.After(time.Minute):
		t.Error("no webhook delivery for the issued copy within a minute")
	}
}

// checkReportAndExport runs sohoa report and sohoa export against the
// server: a CSV line per page, and a BagIt-wrapped AIP that tar can read.
func checkReportAndExport(t *testing.T, base, token, dir string, b api.Batch) {
	t.Helper()
	csvPath, tarPath := filepath.Join(dir, "report.csv"), filepath.Join(dir, "aip.tar")
	if _, code := run(t, "report", "--server", base, "--token", token, "--batch", "e2e", "-o", csvPath); code != 0 {
		t.Fatal("sohoa report failed")
	}
	csv, _ := os.ReadFile(csvPath)
	if lines := strings.Count(strings.TrimSpace(string(csv)), "\n"); lines != b.PagesReceived {
		t.Errorf("report has %d page lines, want %d:\n%s", lines, b.PagesReceived, csv)
	}
	if _, code := run(t, "export", "--server", base, "--token", token, "--batch", "e2e", "--bag", "-o", tarPath); code != 0 {
		t.Fatal("sohoa export failed")
	}
	list, err := exec.Command("tar", "-tf", tarPath).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"bagit.txt", "manifest-sha256.txt", "METS.xml", "metadata/descriptive/EAD.xml", "metadata/preservation/PREMIS.xml"} {
		if !strings.Contains(string(list), want) {
			t.Errorf("the AIP lacks %s:\n%s", want, list)
		}
	}
	if n := strings.Count(string(list), "representations/rep1/data/"); n < b.DocumentsSigned {
		t.Errorf("the AIP holds %d PDFs, want %d", n, b.DocumentsSigned)
	}
}
