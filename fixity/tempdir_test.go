package fixity

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSweepTemp: a process killed with -9 leaves its temporary directory
// (an unsigned stamped copy in certify-*, a spooled upload); the sweep
// removes it, never a live process's, and removes old loose entries.
func TestSweepTemp(t *testing.T) {
	root := filepath.Join(t.TempDir(), "tmp")
	live, release, err := ProcessTemp(root)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	os.MkdirAll(filepath.Join(live, "certify-1"), 0o700)
	os.WriteFile(filepath.Join(live, "certify-1", "stamped.pdf"), []byte("%PDF live"), 0o600)

	// Another process takes a directory, writes a stamped copy, and is killed -9.
	cmd := exec.Command("sh", "-c", `d="$1/p-dead"; mkdir -p "$d/certify-9" && echo '%PDF unsigned' > "$d/certify-9/stamped.pdf" && exec flock -o "$d/.lock" sleep 60`, "sh", root)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !held(filepath.Join(root, "p-dead", lockName)) {
		if time.Now().After(deadline) {
			t.Fatal("the child never locked its directory")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n, err := SweepTemp(root, time.Hour); err != nil || n != 0 {
		t.Fatalf("sweep with the child alive: %d, %v; want nothing removed", n, err)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()

	old := filepath.Join(root, "ingest-123") // a spool file of an older version
	os.WriteFile(old, []byte("scan"), 0o600)
	os.Chtimes(old, time.Now().Add(-2*time.Hour), time.Now().Add(-2*time.Hour))
	fresh := filepath.Join(root, "ingest-456")
	os.WriteFile(fresh, []byte("scan"), 0o600)

	if n, err := SweepTemp(root, time.Hour); err != nil || n != 2 {
		t.Fatalf("sweep after the kill: %d, %v; want the dead directory and the old spool file", n, err)
	}
	var left []string
	es, _ := os.ReadDir(root)
	for _, e := range es {
		left = append(left, e.Name())
	}
	if len(left) != 2 || !strings.HasPrefix(left[0], "ingest-456") && !strings.HasPrefix(left[1], "ingest-456") {
		t.Errorf("left under tmp: %v; want the live directory and the fresh spool file", left)
	}
	if _, err := os.Stat(filepath.Join(live, "certify-1", "stamped.pdf")); err != nil {
		t.Errorf("the live process's file was removed: %v", err)
	}
}
