package catalog

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"
)

// openSQLite opens path (or ":memory:") with one writer connection, so
// that writers from many goroutines queue in Go instead of failing with
// SQLITE_BUSY, and a pool of read-only connections that WAL lets read
// while the writer writes.
func openSQLite(path string) (*DB, error) {
	path = strings.TrimPrefix(path, "//")
	if path == "" {
		return nil, fmt.Errorf("thiếu đường dẫn tệp / missing file path")
	}
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("đường dẫn không được chứa ? hoặc # / path must not contain ? or #")
	}
	const common = "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"
	if path == ":memory:" {
		// Every connection to :memory: is a separate database: use exactly one.
		w, err := sql.Open("sqlite", ":memory:?"+common+"&_txlock=immediate")
		if err != nil {
			return nil, err
		}
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxLifetime(0)
		w.SetConnMaxIdleTime(0)
		return &DB{w: w, r: w}, nil
	}
	// The catalog holds OCR text and citizens' IDs: only the server's user
	// may read it. SQLite gives its -wal and -shm files the database
	// file's mode, so creating that 0600 covers them; an installation made
	// before is tightened here.
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	w, err := sql.Open("sqlite", path+"?"+common+
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	// Set WAL mode now, before any reader opens the file.
	if err := w.Ping(); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", path+"?"+common+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, err
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	return &DB{w: w, r: r}, nil
}

// openPostgres opens a PostgreSQL database through pgx.
func openPostgres(url string) (*DB, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{w: db, r: db, postgres: true}, nil
}
