package fixity

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Temporary files (spooled uploads, unsigned stamped copies of citizens'
// documents, packages being built) live in a directory of their process
// under the data directory's tmp, locked (flock) for as long as the
// process lives. A process killed with -9 loses its lock with its life,
// so the next sweep, by any process, removes what it left; a live
// process's directory is never touched. flock, not a PID file: the
// kernel releases it, and a reused PID cannot fool it.

const lockName = ".lock"

// ProcessTemp creates and locks a directory of this process under root
// and returns it, with a function that unlocks and removes it.
func ProcessTemp(root string) (string, func(), error) {
	if err := os.MkdirAll(root, 0o700); err != nil {
		return "", nil, err
	}
	b := make([]byte, 8)
	rand.Read(b)
	dir := filepath.Join(root, "p-"+hex.EncodeToString(b))
	if err := os.Mkdir(dir, 0o700); err != nil {
		return "", nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return "", nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return "", nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	fmt.Fprintf(f, "%d\n", os.Getpid())
	return dir, func() { f.Close(); os.RemoveAll(dir) }, nil
}

// SweepTemp removes under root every process directory whose lock no
// live process holds, and the loose entries older than grace (left by
// versions before process directories). It returns how many entries it
// removed.
func SweepTemp(root string, grace time.Duration) (int, error) {
	es, err := os.ReadDir(root)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, e := range es {
		p := filepath.Join(root, e.Name())
		if e.IsDir() && strings.HasPrefix(e.Name(), "p-") {
			if held(filepath.Join(p, lockName)) {
				continue
			}
		} else if fi, err := e.Info(); err != nil || time.Since(fi.ModTime()) < grace {
			continue
		}
		if err := os.RemoveAll(p); err != nil {
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// held reports whether a live process holds the lock file.
func held(lock string) bool {
	f, err := os.Open(lock)
	if err != nil {
		// No lock file: a process directory made by a process killed
		// before it locked it, or not one of ours: older than a minute, gone.
		fi, serr := os.Stat(filepath.Dir(lock))
		return serr == nil && time.Since(fi.ModTime()) < time.Minute
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return true
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false
}
