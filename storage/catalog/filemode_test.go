package catalog_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// TestSQLiteFilesPrivate: the catalog (OCR text, citizens' IDs) and its
// WAL and shared-memory files are readable by the server's user only,
// also when the file was made world-readable by an older version.
func TestSQLiteFilesPrivate(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "catalog.db")
	for _, old := range []bool{false, true} {
		if old {
			os.Chmod(path, 0o644)
		}
		db, err := catalog.Open(ctx, "sqlite:"+path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.EnsureBatch(ctx, "b", "b"); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{path, path + "-wal", path + "-shm", dir} {
			st, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm()&0o077 != 0 {
				t.Errorf("%s (older file %v) has mode %v, want no access for group and others", filepath.Base(p), old, st.Mode().Perm())
			}
		}
		db.Close()
	}
}
