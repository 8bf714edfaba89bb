package servicetest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Main runs the tests of a package and then stops the servers this
// package started for the whole test binary (MinIO). Call it from TestMain:
//
//	func TestMain(m *testing.M) { servicetest.Main(m) }
//
// Without it the servers still die with the test binary on Linux (they get
// SIGKILL when it exits), but their temporary directories stay behind.
func Main(m *testing.M) {
	code := m.Run()
	stopProcessServers()
	os.Exit(code)
}

// server is a child process serving tests, with the directory it owns.
type server struct {
	cmd  *exec.Cmd
	dir  string        // removed on stop
	done chan struct{} // closed when the process has exited
	err  error         // Wait's result, valid after done
	log  *bytes.Buffer // stdout and stderr, for error messages
	mu   *sync.Mutex   // guards log
}

var (
	processServersMu sync.Mutex
	processServers   []*server // started for the whole test binary
)

// startServer starts name with args in dir and returns it running.
func startServer(dir, name string, args []string, env []string) (*server, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = serverSysProcAttr()
	s := &server{cmd: cmd, dir: dir, done: make(chan struct{}), log: new(bytes.Buffer), mu: new(sync.Mutex)}
	w := lockedWriter{s}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()
	return s, nil
}

type lockedWriter struct{ s *server }

func (w lockedWriter) Write(p []byte) (int, error) {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	if w.s.log.Len() < 64<<10 { // keep the start of the log, where failures show
		w.s.log.Write(p)
	}
	return len(p), nil
}

// output returns what the server printed so far.
func (s *server) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// waitReady polls ready until it returns nil, the process exits or timeout
// passes.
func (s *server) waitReady(timeout time.Duration, ready func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := ready()
		if err == nil {
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("%s exited (%v) before it was ready; output:\n%s", s.cmd.Path, s.err, s.output())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %v: %v; output:\n%s", s.cmd.Path, timeout, err, s.output())
		}
	}
}

// stop terminates the server, gracefully if it lets itself, and removes
// its directory.
func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
	if s.dir != "" {
		os.RemoveAll(s.dir)
	}
}

func stopProcessServers() {
	processServersMu.Lock()
	defer processServersMu.Unlock()
	for _, s := range processServers {
		s.stop()
	}
	processServers = nil
}

// pickFreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
// Another process may take it before the server binds it; callers retry.
func pickFreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// findRepoRoot walks up from the working directory (a package directory
// under `go test`) to the directory holding go.mod.
func findRepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}
