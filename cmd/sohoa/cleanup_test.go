package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sohoa-vn/sohoa/config"
	"github.com/sohoa-vn/sohoa/fixity"
	"github.com/sohoa-vn/sohoa/storage/localfs"
)

// TestStartCleansAfterKill: what a process killed with -9 leaves in the
// data directory (its temporary directory with an unsigned stamped copy,
// a page image and a signed copy whose rows were never committed) is
// gone once the embedded server has started, and fixity finds nothing.
func TestStartCleansAfterKill(t *testing.T) {
	ctx := context.Background()
	data := filepath.Join(t.TempDir(), "data")
	dead := filepath.Join(data, "tmp", "p-0123456789abcdef")
	if err := os.MkdirAll(filepath.Join(dead, "certify-42"), 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dead, ".lock"), []byte("4242\n"), 0o600) // its process is gone: nobody holds the lock
	os.WriteFile(filepath.Join(dead, "certify-42", "stamped.pdf"), []byte("%PDF unsigned copy of a citizen's document"), 0o600)
	os.WriteFile(filepath.Join(dead, "ingest-7"), []byte("spooled upload"), 0o600)
	store, err := localfs.New(filepath.Join(data, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"pages/ab/orphan.png", "copies/bs_lost.pdf"} {
		if _, err := store.Put(ctx, k, strings.NewReader("left by a killed process"), -1); err != nil {
			t.Fatal(err)
		}
	}
	store.Close()

	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Role, cfg.RedisURL, cfg.DatabaseURL = "api", "", ""
	cfg.S3.Endpoint = ""
	cfg.Addr, cfg.MetricsAddr, cfg.DataDir = "127.0.0.1:0", "", data
	s, err := startSystem(ctx, cfg, slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("the killed process's temporary directory is still there: %v", err)
	}
	if !strings.HasPrefix(s.tmp, filepath.Join(data, "tmp", "p-")) {
		t.Errorf("this process's temporary directory is %s", s.tmp)
	}
	r, err := (&fixity.Checker{Catalog: s.catalog, Store: s.store, Lister: s.lister}).Check(ctx, fixity.Options{Orphans: true})
	if err != nil || !r.OK() {
		t.Errorf("fixity after start: %v, %v; want no problem", r, err)
	}
}
