package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/api"
	"github.com/sohoa-vn/sohoa/config"
	"github.com/sohoa-vn/sohoa/ingest/ingesttest"
	"github.com/sohoa-vn/sohoa/internal/servicetest"
	"github.com/sohoa-vn/sohoa/scanners/synthetic"
	"github.com/sohoa-vn/sohoa/worker"
)

// Every kind of PDF everyday tools write (ingesttest.PDFKinds: Ghostscript,
// tiff2pdf, img2pdf, qpdf, OpenJPEG, LibreOffice, JBIG2) goes through the
// whole pipeline and ends as a signed, searchable PDF that pdfsig, qpdf
// and pdftotext accept; pages with their own text keep it, unrecognised,
// and the batch report says so.
func TestEndToEndPDFKinds(t *testing.T) {
	cfg := testConfig(t)
	cfg.RedisURL, cfg.DatabaseURL, cfg.S3 = "", "", config.S3{}
	runPDFKinds(t, cfg, cfg, nil)
}

// The pages that keep their own text, and one rendered page, through an
// API and workers apart, on Redis, PostgreSQL and MinIO: the text stored
// at ingest reaches the worker through object storage.
func TestEndToEndPDFKindsServers(t *testing.T) {
	cfg := testConfig(t)
	cfg.RedisURL = "redis://" + servicetest.Redis(t)
	cfg.DatabaseURL = servicetest.Postgres(t)
	m := servicetest.MinIO(t)
	cfg.S3 = config.S3{Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey, Bucket: "kinds"}
	apiCfg, workerCfg := cfg, cfg
	apiCfg.Role, workerCfg.Role = "api", "worker"
	runPDFKinds(t, apiCfg, workerCfg, []string{"libreoffice.pdf", "mixed.pdf", "jbig2.pdf"})
}

// runPDFKinds takes the PDF kinds (those named in only; nil: all) through
// a system started from apiCfg and, unless it runs every role, one from
// workerCfg.
func runPDFKinds(t *testing.T, apiCfg, workerCfg config.Config, only []string) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	dir := t.TempDir()
	in, kindsDir := filepath.Join(dir, "in"), filepath.Join(dir, "kinds")
	samples, err := synthetic.WriteSamples(in, 7)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(kindsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	kinds := ingesttest.PDFKinds(t, in, kindsDir)
	firstPage := map[string]string{}
	for _, s := range samples {
		firstPage[s.File] = s.Doc.Pages[0].Text
	}
	truth := map[string]string{}
	byName := map[string]ingesttest.Kind{}
	var files []string
	kinds = slices.DeleteFunc(kinds, func(k ingesttest.Kind) bool { return only != nil && !slices.Contains(only, k.Name) })
	for _, k := range kinds {
		files = append(files, k.Path)
		byName[k.Name] = k
		switch k.Name {
		case "libreoffice.pdf":
			truth[k.Name] = ingesttest.LetterText
		case "mixed.pdf":
			truth[k.Name] = ingesttest.LetterText + "\f" + firstPage["quyet-dinh.tif"] + "\n"
		default:
			truth[k.Name] = firstPage[k.Source] + "\n"
		}
	}

	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	apiCfg.Addr, workerCfg.Addr = "127.0.0.1:0", "127.0.0.1:0"
	apiCfg.MetricsAddr, workerCfg.MetricsAddr = "127.0.0.1:0", "127.0.0.1:0"
	apiCfg.DataDir, workerCfg.DataDir = filepath.Join(dir, "data"), filepath.Join(dir, "data")
	sys, err := startSystem(ctx, apiCfg, log)
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Close()
	if apiCfg.Role != "all" {
		w, err := startSystem(ctx, workerCfg, log)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
	}
	c := &api.Client{BaseURL: sys.URL(), Token: sys.adminToken}
	failed, b, err := ingestPaths(ctx, c, "kinds", files, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range failed {
		t.Errorf("%s not taken: %s", f.path, f.reason)
	}
	if err := waitBatch(ctx, c, b.ID, io.Discard); err != nil {
		t.Fatal(err)
	}
	docs, err := demoFetch(ctx, c, b.ID, filepath.Join(dir, "out"), truth)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != len(kinds) {
		t.Errorf("%d documents, want %d", len(docs), len(kinds))
	}
	for _, d := range docs {
		name := path.Base(d.Source)
		k := byName[name]
		t.Logf("%-22s %d pages, CER %.2f%%, pdfsig: %s", name, d.Pages, 100*d.CER, d.Pdfsig)
		if d.Status != "signed" || d.Pdfsig != "valid, whole document signed" {
			t.Errorf("%s: status %s, pdfsig: %s", name, d.Status, d.Pdfsig)
			continue
		}
		pdf := filepath.Join(dir, "out", d.ID+".pdf")
		if o, err := exec.Command("qpdf", "--check", pdf).CombinedOutput(); err != nil {
			t.Errorf("%s: qpdf --check: %v\n%s", name, err, o)
		}
		const maxCER = 0.03
		if d.CER < 0 || d.CER > maxCER {
			got, _ := pdfText(ctx, pdf)
			t.Errorf("%s: character error rate %.2f%%, want < %.0f%%\n--- pdftotext:\n%s", name, 100*d.CER, 100*maxCER, got)
		}
		pages, err := sys.catalog.Pages(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(pages) != k.Pages {
			t.Errorf("%s: %d pages, want %d", name, len(pages), k.Pages)
			continue
		}
		for i, p := range pages {
			if kept := slices.Contains(p.QC, worker.TextKept); kept != k.Text[i] {
				t.Errorf("%s page %d: flags %v; text kept %v, want %v", name, i+1, p.QC, kept, k.Text[i])
			}
		}
	}
	// The batch report (CSV) says which pages kept their own text.
	csvPath := filepath.Join(dir, "report.csv")
	if _, code := run(t, "report", "--server", sys.URL(), "--token", sys.adminToken, "--batch", "kinds", "-o", csvPath); code != 0 {
		t.Fatal("sohoa report failed")
	}
	raw, _ := os.ReadFile(csvPath)
	csv := string(raw)
	if n := strings.Count(csv, worker.TextKept); n != 2 {
		t.Errorf("report.csv names %s on %d pages, want 2:\n%s", worker.TextKept, n, csv)
	}
}
