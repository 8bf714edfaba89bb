package servicetest

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// PostgresCluster is a PostgreSQL server that belongs to one test, which
// may crash it and start it again. Fault tests need one: the machine's
// server is shared with the tests of other packages running at the same
// time and must never be restarted under them.
type PostgresCluster struct {
	// URL is the database "sohoa" on the server (trust authentication).
	URL  string
	Port int
	dir  string // the cluster's directory: data/, the socket and the log
	bin  string // the postgres program
	cred *syscall.Credential

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
}

// PrivatePostgres initdbs a PostgreSQL cluster in a temporary directory
// (the programs of the newest /usr/lib/postgresql/*/bin, or $PATH), starts
// it on a free loopback port and creates the database "sohoa". When the
// test runs as root, the server runs as the postgres user (PostgreSQL
// refuses root). The server is killed and its directory removed when the
// test ends. The test fails when the server cannot be had.
func PrivatePostgres(t testing.TB) *PostgresCluster {
	t.Helper()
	p, err := newPostgresCluster()
	if p != nil {
		t.Cleanup(func() {
			p.Crash()
			os.RemoveAll(p.dir)
		})
	}
	if err != nil {
		unavailable(t, "a private PostgreSQL server (apt-get install postgresql)", err)
	}
	return p
}

func newPostgresCluster() (*PostgresCluster, error) {
	initdb, err := postgresBin("initdb")
	if err != nil {
		return nil, err
	}
	bin, err := postgresBin("postgres")
	if err != nil {
		return nil, err
	}
	// Not t.TempDir: its parents are private to root (0700), and the
	// server's user must reach the directory.
	dir, err := os.MkdirTemp("", "sohoa-pgcluster-")
	if err != nil {
		return nil, err
	}
	p := &PostgresCluster{dir: dir, bin: bin}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return p, fmt.Errorf("running as root and no postgres user to run the server as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		p.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			return p, err
		}
		if err := traversable(filepath.Dir(dir)); err != nil {
			return p, err
		}
	}
	cmd := exec.Command(initdb, "-D", filepath.Join(dir, "data"), "-U", "postgres", "--auth=trust", "--no-sync",
		"--encoding=UTF8", "--locale=C")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: p.cred}
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return p, fmt.Errorf("initdb: %w\n%s", err, out)
	}
	var lastErr error
	for range 3 { // a free port can be taken before the server binds it
		if p.Port, lastErr = pickFreePort(); lastErr != nil {
			return p, lastErr
		}
		if lastErr = p.Start(); lastErr == nil {
			break
		}
	}
	if lastErr != nil {
		return p, lastErr
	}
	admin := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.Port)
	db, err := sql.Open("pgx", admin)
	if err != nil {
		return p, err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE sohoa"); err != nil {
		return p, fmt.Errorf("create database sohoa: %w", err)
	}
	p.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/sohoa?sslmode=disable", p.Port)
	return p, nil
}

// traversable checks that every directory from dir up can be entered by
// anyone, as the server's user must to reach its data.
func traversable(dir string) error {
	for {
		fi, err := os.Stat(dir)
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("%s is not searchable by other users (mode %v): the postgres user cannot reach a cluster under it; set TMPDIR to a directory it can reach", dir, fi.Mode().Perm())
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil
		}
		dir = parent
	}
}

// Start starts the server on its port and data directory and waits until
// it accepts connections (after a crash, once its recovery is done).
func (p *PostgresCluster) Start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		select {
		case <-p.done:
		default:
			return errors.New("servicetest: postgres is already running")
		}
	}
	logf, err := os.OpenFile(filepath.Join(p.dir, "postgres.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	// fsync and full_page_writes are off: they guard against losing the
	// machine, not the server process, which is all the tests crash.
	// synchronous_commit stays on: a commit the client was told of must
	// survive the crash, or the tests would find losses the product does
	// not cause.
	cmd := exec.Command(p.bin, "-D", filepath.Join(p.dir, "data"), "-p", strconv.Itoa(p.Port),
		"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="+p.dir,
		"-c", "fsync=off", "-c", "full_page_writes=off", "-c", "max_connections=200")
	// Its own process group, so that Crash reaches every backend at once.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: p.cred, Pdeathsig: syscall.SIGQUIT, Setpgid: true}
	cmd.Dir = p.dir
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	done := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(done) }()
	p.cmd, p.done = cmd, done
	admin := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.Port)
	ready := make(chan error, 1)
	go func() { ready <- pingPostgres(admin, 60*time.Second) }()
	select {
	case err = <-ready:
	case <-done:
		err = errors.Join(errors.New("postgres exited"), waitErr)
	}
	if err != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		return fmt.Errorf("postgres on port %d: %w\n%s", p.Port, err, p.tail())
	}
	return nil
}

// Crash kills the server and every backend with SIGKILL, as a machine
// losing the process would, and returns once none of them is left. Start
// brings it back on the same port and data, through crash recovery.
func (p *PostgresCluster) Crash() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return nil
	}
	pgid := p.cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGKILL)
	<-p.done
	// The backends are reparented when the postmaster dies; a new server
	// refuses to start while one of them still holds the shared memory.
	deadline := time.Now().Add(30 * time.Second)
	for {
		n := liveInGroup(pgid)
		if n == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("servicetest: %d postgres processes of group %d still alive 30 s after SIGKILL", n, pgid)
		}
		syscall.Kill(-pgid, syscall.SIGKILL)
		time.Sleep(50 * time.Millisecond)
	}
}

// liveInGroup counts the processes of group pgid that are not zombies
// (a zombie holds no memory; the container's init may be slow to reap it).
func liveInGroup(pgid int) int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	n := 0
	for _, s := range stats {
		b, err := os.ReadFile(s)
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 3 || f[0] == "Z" || f[0] == "X" {
			continue
		}
		if g, _ := strconv.Atoi(f[2]); g == pgid {
			n++
		}
	}
	return n
}

// Log returns the end of the server's log, for failure messages.
func (p *PostgresCluster) Log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tail()
}

func (p *PostgresCluster) tail() string {
	b, _ := os.ReadFile(filepath.Join(p.dir, "postgres.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}
