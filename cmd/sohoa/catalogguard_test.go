package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// TestCatalogCommandsNeedACatalog: fixity, apikey, results and audit
// pointed at a directory with no catalog say so and fail; they used to
// create an empty catalog there and report all clear. With --data (or
// SOHOA_DATA_DIR) naming the real directory they find it.
func TestCatalogCommandsNeedACatalog(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty")
	t.Setenv("SOHOA_DATA_DIR", empty)
	t.Setenv("SOHOA_DATABASE_URL", "")
	csv := filepath.Join(t.TempDir(), "r.csv")
	if err := os.WriteFile(csv, []byte("x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmds := [][]string{{"fixity"}, {"apikey", "list"}, {"audit", "verify"}, {"results", "import", "--office", "o", csv}}
	for _, args := range cmds {
		_, err := runErr(args...)
		if err == nil || !strings.Contains(err.Error(), "no catalog at") || !strings.Contains(err.Error(), "không có danh mục") {
			t.Errorf("sohoa %s in a directory without a catalog: %v; want a bilingual no-catalog error", strings.Join(args, " "), err)
		}
		if _, err := os.Stat(filepath.Join(empty, "catalog.db")); err == nil {
			t.Fatalf("sohoa %s created a catalog in %s", strings.Join(args, " "), empty)
		}
	}

	// --data finds the real one, over SOHOA_DATA_DIR.
	real := t.TempDir()
	db, err := catalog.Open(context.Background(), "sqlite:"+filepath.Join(real, "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, args := range [][]string{{"apikey", "list", "--data", real}, {"audit", "verify", "--data", real}, {"fixity", "--data", real}} {
		if out, code := run(t, args...); code != 0 {
			t.Errorf("sohoa %s = exit %d\n%s", strings.Join(args, " "), code, out)
		}
	}
}
