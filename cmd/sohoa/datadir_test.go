package main

import (
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/sohoa-vn/sohoa/config"
)

// TestDataDirPrivate: after the embedded server starts, everything under
// its data directory (catalog, keys, blobs, tmp) is 0600 or 0700, also
// in a directory an older version made 0755.
func TestDataDirPrivate(t *testing.T) {
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Role, cfg.RedisURL, cfg.DatabaseURL = "api", "", ""
	cfg.S3.Endpoint = ""
	cfg.Addr, cfg.MetricsAddr = "127.0.0.1:0", ""
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := startSystem(context.Background(), cfg, slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n := 0
	filepath.WalkDir(cfg.DataDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		fi, err := d.Info()
		if err != nil {
			return nil // removed meanwhile
		}
		n++
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s: mode %v, want nothing for group and others", p, fi.Mode().Perm())
		}
		return nil
	})
	if n < 5 {
		t.Errorf("only %d entries under the data directory", n)
	}
}
