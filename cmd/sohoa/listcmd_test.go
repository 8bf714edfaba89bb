package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/api"
	"github.com/sohoa-vn/sohoa/config"
)

// runErr runs the CLI and returns its output and error.
func runErr(args ...string) (string, error) {
	cmd := rootCmd()
	var out strings.Builder
	cmd.SetOut(&out)
	cmd.SetErr(new(strings.Builder))
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

// TestBatchesSearchAndClientErrors: sohoa batches lists the batches with
// their progress; sohoa search answers; qc list of an unknown batch is an
// error, not an empty table; a client command with no key it can find
// says where it looked.
func TestBatchesSearchAndClientErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	cfg := testConfig(t)
	cfg.RedisURL, cfg.DatabaseURL, cfg.S3 = "", "", config.S3{}
	cfg.Addr, cfg.MetricsAddr, cfg.DataDir = "127.0.0.1:0", "127.0.0.1:0", filepath.Join(dir, "data")
	sys, err := startSystem(ctx, cfg, slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Close()
	c := &api.Client{BaseURL: sys.URL(), Token: sys.adminToken}
	for _, name := range []string{"hộp 1", "hộp 2"} {
		b, err := c.CreateBatch(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Upload(ctx, b.ID, "notes.png", strings.NewReader("not an image "+name)); err != nil {
			t.Fatal(err)
		}
	}
	cli := []string{"--server", sys.URL(), "--token", sys.adminToken}

	out, err := runErr(append([]string{"batches"}, cli...)...)
	if err != nil {
		t.Fatalf("sohoa batches: %v", err)
	}
	for _, want := range []string{"NAME", "hộp 1", "hộp 2", "DONE"} {
		if !strings.Contains(out, want) {
			t.Errorf("sohoa batches output lacks %q:\n%s", want, out)
		}
	}
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 3 || !strings.Contains(lines[1], "  1  ") {
		t.Errorf("sohoa batches: want a header and two batches of one (failed) document:\n%s", out)
	}

	if out, err := runErr(append([]string{"search", "quyết định"}, cli...)...); err != nil || !strings.Contains(out, "DOCUMENT") {
		t.Errorf("sohoa search = %q, %v", out, err)
	}

	if _, err := runErr(append([]string{"qc", "list", "--batch", "no such batch"}, cli...)...); err == nil {
		t.Error("sohoa qc list --batch of an unknown batch succeeded, want an error")
	}

	// No --token, no SOHOA_TOKEN, and a data directory without the
	// server's bootstrap key: the error names the path it tried.
	elsewhere := t.TempDir()
	t.Setenv("SOHOA_TOKEN", "")
	t.Setenv("SOHOA_DATA_DIR", elsewhere)
	f := filepath.Join(dir, "a.png")
	if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = runErr("ingest", "--server", sys.URL(), "--batch", "b", f)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(elsewhere, "admin-token")) || !strings.Contains(err.Error(), "SOHOA_TOKEN") {
		t.Errorf("sohoa ingest without a key = %v; want an error naming %s", err, filepath.Join(elsewhere, "admin-token"))
	}
}
