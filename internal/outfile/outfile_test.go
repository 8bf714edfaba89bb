package outfile

import (
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// write is what a command does with its output: a temporary file, then Commit.
func write(t *testing.T, path, data string) {
	t.Helper()
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(data); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := Commit(f.Name(), path); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(f.Name()); !os.IsNotExist(err) {
		t.Errorf("temporary file %s left behind", f.Name())
	}
}

func TestRegularFile(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{filepath.Join(dir, "new.pdf"), filepath.Join(dir, "old.pdf")} {
		os.WriteFile(filepath.Join(dir, "old.pdf"), []byte("old"), 0o644)
		write(t, p, "new")
		if b, _ := os.ReadFile(p); string(b) != "new" {
			t.Errorf("%s holds %q", p, b)
		}
	}
}

// TestNamedPipe: a named pipe given as the output stays a pipe and its
// reader gets the bytes (a rename would have put a plain file there, as
// it did to /dev/null).
func TestNamedPipe(t *testing.T) {
	p := filepath.Join(t.TempDir(), "out.pdf")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan string)
	go func() {
		f, err := os.Open(p)
		if err != nil {
			got <- err.Error()
			return
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		got <- string(b)
	}()
	write(t, p, "%PDF-1.7 …")
	if s := <-got; s != "%PDF-1.7 …" {
		t.Errorf("the pipe's reader got %q", s)
	}
	if st, err := os.Lstat(p); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("%s is no longer a named pipe: %v %v", p, st.Mode(), err)
	}
	if m, _ := filepath.Glob(filepath.Join(filepath.Dir(p), ".out.pdf.tmp-*")); len(m) != 0 {
		t.Errorf("temporary files beside the pipe: %v", m)
	}
}
