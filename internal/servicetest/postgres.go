package servicetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
)

// defaultPostgresURL is the admin URL of a PostgreSQL server on this
// machine that trusts local connections; $SOHOA_TEST_POSTGRES_URL overrides it.
const defaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

var pg struct {
	sync.Mutex
	admin string // admin URL of the server in use, once found
	err   error  // why no server could be had, once known
}

// Postgres returns the URL of a fresh, empty PostgreSQL database created
// for this test and dropped when it ends. It uses the server at
// $SOHOA_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres),
// and when that cannot be reached starts a throwaway server of its own
// with the initdb and postgres programs of the postgresql package. The
// test fails when neither works.
func Postgres(t testing.TB) string {
	t.Helper()
	admin, err := postgresAdmin()
	if err != nil {
		unavailable(t, "PostgreSQL (apt-get install postgresql)", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := sql.Open("pgx", admin)
	if err != nil {
		unavailable(t, "PostgreSQL", err)
	}
	defer db.Close()
	var b [8]byte
	rand.Read(b[:])
	name := "sohoa_test_" + hex.EncodeToString(b[:])
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		unavailable(t, "PostgreSQL", fmt.Errorf("create database %s: %w", name, err))
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db, err := sql.Open("pgx", admin)
		if err == nil {
			defer db.Close()
			// FORCE (PostgreSQL 13+) closes connections the test left open.
			_, err = db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		}
		if err != nil {
			t.Errorf("servicetest: drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		unavailable(t, "PostgreSQL", err)
	}
	u.Path = "/" + name
	return u.String()
}

// postgresAdmin returns the admin URL of a reachable server, starting one
// on first use if needed. The outcome is kept for the rest of the process.
func postgresAdmin() (string, error) {
	pg.Lock()
	defer pg.Unlock()
	if pg.admin != "" || pg.err != nil {
		return pg.admin, pg.err
	}
	admin := os.Getenv("SOHOA_TEST_POSTGRES_URL")
	if admin == "" {
		admin = defaultPostgresURL
	}
	errReach := pingPostgres(admin, 5*time.Second)
	if errReach == nil {
		pg.admin = admin
		return admin, nil
	}
	started, errStart := startPostgres()
	if errStart != nil {
		pg.err = fmt.Errorf("%s: %v; starting a server: %w", admin, errReach, errStart)
		return "", pg.err
	}
	pg.admin = started
	return started, nil
}

func pingPostgres(url string, timeout time.Duration) error {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return err
	}
	defer db.Close()
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err = db.PingContext(ctx)
		cancel()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// postgresBin finds a PostgreSQL server program: on $PATH, else in the
// newest /usr/lib/postgresql/*/bin (Debian keeps them off $PATH).
func postgresBin(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return pgMajor(dirs[i]) > pgMajor(dirs[j]) })
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found on $PATH nor in /usr/lib/postgresql/*/bin", name)
}

func pgMajor(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

// startPostgres initdbs a temporary cluster and runs a server on a free
// loopback port, with its socket in the cluster's directory. The server
// gets SIGQUIT (immediate shutdown) when the test process exits.
func startPostgres() (string, error) {
	initdb, err := postgresBin("initdb")
	if err != nil {
		return "", err
	}
	postgres, err := postgresBin("postgres")
	if err != nil {
		return "", err
	}
	removeStalePostgres()
	dir, err := os.MkdirTemp("", "sohoa-postgres-")
	if err != nil {
		return "", err
	}
	// initdb and postgres refuse to run as root: run them as the postgres user.
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return "", fmt.Errorf("running as root and no postgres user to run initdb as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			return "", err
		}
	}
	data := filepath.Join(dir, "data")
	cmd := exec.Command(initdb, "-D", data, "-U", "postgres", "--auth=trust", "--no-sync",
		"--encoding=UTF8", "--locale=C")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("initdb: %w\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	logf, err := os.Create(filepath.Join(dir, "postgres.log"))
	if err != nil {
		return "", err
	}
	defer logf.Close()
	cmd = exec.Command(postgres, "-D", data, "-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="+dir,
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT, Setpgid: true}
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start postgres: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	admin := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	ready := make(chan error, 1)
	go func() { ready <- pingPostgres(admin, 30*time.Second) }()
	select {
	case err = <-ready:
	case err = <-exited:
		err = errors.Join(errors.New("postgres exited"), err)
	}
	if err != nil {
		cmd.Process.Kill()
		log, _ := os.ReadFile(filepath.Join(dir, "postgres.log"))
		return "", fmt.Errorf("postgres on port %d: %w\n%s", port, err, log)
	}
	return admin, nil
}

// removeStalePostgres deletes the directories of servers that earlier test
// processes started and that have since shut down (no postmaster.pid), so
// that clusters do not pile up in the temporary directory.
func removeStalePostgres() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "sohoa-postgres-*"))
	for _, d := range dirs {
		log, err := os.Stat(filepath.Join(d, "postgres.log"))
		if err != nil || time.Since(log.ModTime()) < time.Minute {
			continue // still being set up, or not ours
		}
		if _, err := os.Stat(filepath.Join(d, "data", "postmaster.pid")); errors.Is(err, os.ErrNotExist) {
			os.RemoveAll(d)
		}
	}
}
