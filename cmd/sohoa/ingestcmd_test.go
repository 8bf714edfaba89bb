package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/api"
	"github.com/sohoa-vn/sohoa/config"
	"github.com/sohoa-vn/sohoa/ingest"
	"github.com/sohoa-vn/sohoa/ingest/ingesttest"
)

// A folder as scanners and users leave it: "sohoa samples" output (truth
// .txt files and manifest.json beside the scans), Thumbs.db, desktop.ini,
// .DS_Store, a hidden file, an .xml index, and a folder of page JPEGs.
// What is not a document is skipped and listed, not failed (exit 0); with
// --documents-from-folders the folder of pages is one document, its
// pages in natural order.
func TestIngestFolders(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	if out, code := run(t, "samples", in); code != 0 {
		t.Fatalf("sohoa samples: %s", out)
	}
	var scans []string
	entries, _ := os.ReadDir(in)
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".txt") && e.Name() != "manifest.json" {
			scans = append(scans, e.Name())
		}
	}
	write := func(rel string, b []byte) {
		p := filepath.Join(in, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("Thumbs.db", []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 thumbnail cache"))
	write("desktop.ini", []byte("[.ShellClassInfo]\r\nIconResource=C:\\Windows\\System32\\imageres.dll,-3\r\n"))
	write(".DS_Store", []byte("\x00\x00\x00\x01Bud1"))
	write(".~lock.thong-bao.pdf#", []byte("user,host"))
	// A folder of page JPEGs as a phone app or a scanner names them.
	pageNames := []string{"page_1.jpg", "page_2.jpg", "page_10.jpg"}
	var pageSums []string
	for i, n := range pageNames {
		b := ingesttest.JPEG(400+10*i, 560)
		write(filepath.Join("HS-0007", n), b)
		s := sha256.Sum256(b)
		pageSums = append(pageSums, hex.EncodeToString(s[:]))
	}
	write("HS-0007/index.xml", []byte("<index><doc id=\"HS-0007\"/></index>"))
	write("HS-0007/Thumbs.db", []byte("cache"))

	cfg := testConfig(t)
	cfg.RedisURL, cfg.DatabaseURL, cfg.S3 = "", "", config.S3{}
	cfg.Addr, cfg.MetricsAddr, cfg.DataDir = "127.0.0.1:0", "127.0.0.1:0", filepath.Join(dir, "data")
	sys, err := startSystem(ctx, cfg, slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelError})))
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Close()
	c := &api.Client{BaseURL: sys.URL(), Token: sys.adminToken}
	skipped := []string{"cong-van.truth.txt", "manifest.json", "Thumbs.db", "desktop.ini", ".DS_Store",
		".~lock.thong-bao.pdf#", "HS-0007/index.xml", "HS-0007/Thumbs.db"}

	for _, tc := range []struct {
		batch   string
		folders bool
		docs    int
	}{
		{"each-file", false, len(scans) + len(pageNames)},
		{"folders", true, len(scans) + 1},
	} {
		args := []string{"ingest", "--server", sys.URL(), "--token", sys.adminToken, "--batch", tc.batch, in}
		if tc.folders {
			args = append(args, "--documents-from-folders")
		}
		out, code := run(t, args...)
		if code != 0 {
			t.Errorf("%s: exit %d, want 0 (nothing failed):\n%s", tc.batch, code, out)
		}
		if !strings.Contains(out, "skipped, not documents") {
			t.Errorf("%s: no list of skipped files:\n%s", tc.batch, out)
		}
		for _, s := range skipped {
			if !strings.Contains(out, filepath.Join(in, s)+": ") {
				t.Errorf("%s: %s not listed as skipped:\n%s", tc.batch, s, out)
			}
		}
		b, err := c.Batch(ctx, ingest.BatchID(tc.batch))
		if err != nil {
			t.Fatal(err)
		}
		if b.Documents != tc.docs || b.DocumentsFailed != 0 {
			t.Errorf("%s: %d documents (%d failed), want %d (0 failed)", tc.batch, b.Documents, b.DocumentsFailed, tc.docs)
		}
		if !tc.folders {
			continue
		}
		// The folder is one document of three pages, page_2 before page_10.
		rep, err := c.Report(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		var docID string
		for _, d := range rep.Documents {
			if strings.HasSuffix(d.SourceName, "HS-0007.pdf") {
				docID = d.ID
			}
		}
		if docID == "" {
			t.Fatalf("no document HS-0007.pdf in %+v", rep.Documents)
		}
		pages, err := sys.catalog.Pages(ctx, docID)
		if err != nil {
			t.Fatal(err)
		}
		if len(pages) != len(pageNames) {
			t.Fatalf("HS-0007.pdf has %d pages, want %d", len(pages), len(pageNames))
		}
		for i, p := range pages {
			if p.SHA256 != pageSums[i] {
				t.Errorf("page %d is not %s (the JPEG as it was, in natural order)", i+1, pageNames[i])
			}
		}
		// Sending the folder again adds nothing, though its PDF is made anew.
		if out, code := run(t, args...); code != 0 {
			t.Errorf("second run: exit %d:\n%s", code, out)
		}
		again, err := c.Batch(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if again.Documents != b.Documents || again.PagesReceived != b.PagesReceived {
			t.Errorf("second run changed the batch: %+v, then %+v", b.Progress, again.Progress)
		}
	}

	// A folder with a page that is not an image fails alone, with the
	// page's reason in both languages; the batch goes on.
	bad := filepath.Join(dir, "bad")
	jpg := ingesttest.JPEG(400, 560)
	for name, b := range map[string][]byte{"HS-0009/page_1.jpg": jpg, "HS-0009/page_2.jpg": jpg[:len(jpg)/3], "HS-0010/page_1.jpg": jpg} {
		p := filepath.Join(bad, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, code := run(t, "ingest", "--server", sys.URL(), "--token", sys.adminToken, "--batch", "bad", "--documents-from-folders", bad); code != 1 {
		t.Errorf("bad folder: exit %d, want 1", code)
	}
	res, b, err := ingestPathsWith(ctx, c, "bad", []string{bad}, true, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.failed) != 1 || res.failed[0].path != filepath.Join(bad, "HS-0009") ||
		!strings.Contains(res.failed[0].reason, "truncated") || !strings.Contains(res.failed[0].reason, "cắt cụt") {
		t.Errorf("bad folder: failed %+v, want HS-0009 with its page's reason in Vietnamese and English", res.failed)
	}
	if b, err = c.Batch(ctx, b.ID); err != nil || b.Documents != 1 {
		t.Errorf("bad folder: %d documents taken (%v), want 1 (HS-0010)", b.Documents, err)
	}
}
