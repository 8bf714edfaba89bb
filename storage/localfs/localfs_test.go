package localfs

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sohoa-vn/sohoa/storage"
	"github.com/sohoa-vn/sohoa/storage/storagetest"
)

// corruptible lets the conformance suite damage objects on disk.
type corruptible struct{ *Store }

// Corrupt flips the middle byte of key's file, leaving its .sha256 alone.
func (c corruptible) Corrupt(key string) error {
	p, err := c.Path(key)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	if len(b) == 0 {
		return errors.New("cannot corrupt an empty object")
	}
	b[len(b)/2] ^= 0x40
	return os.WriteFile(p, b, 0o640)
}

func newStore(t *testing.T) *Store {
	t.Helper()
	s, err := New(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store { return corruptible{newStore(t)} })
}

// TestLayout checks the on-disk format operators rely on: the object is the
// plain file, its sidecar verifies with sha256sum -c, and no temporary
// files remain.
func TestLayout(t *testing.T) {
	s := newStore(t)
	data := []byte("trang 1 / page 1")
	key := "pages/ab/abcdef.png"
	if _, err := s.Put(t.Context(), key, bytes.NewReader(data), -1); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(s.Dir(), "pages", "ab", "abcdef.png"))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("object file = %q, %v; want %q", got, err, data)
	}
	sidecar, err := os.ReadFile(filepath.Join(s.Dir(), "pages", "ab", "abcdef.png.sha256"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if want := hex.EncodeToString(sum[:]) + "  abcdef.png\n"; string(sidecar) != want {
		t.Errorf("sidecar = %q, want %q", sidecar, want)
	}
	entries, err := os.ReadDir(filepath.Join(s.Dir(), "pages", "ab"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only the object and its sidecar", names)
	}
	sha256sum, err := exec.LookPath("sha256sum")
	if err != nil {
		t.Fatalf("sha256sum (GNU coreutils) is required for this test: %v", err)
	}
	cmd := exec.Command(sha256sum, "-c", "abcdef.png.sha256")
	cmd.Dir = filepath.Join(s.Dir(), "pages", "ab")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("sha256sum -c: %v\n%s", err, out)
	}
}

func TestReservedSuffix(t *testing.T) {
	s := newStore(t)
	_, err := s.Put(t.Context(), "a.png.sha256", strings.NewReader("x"), 1)
	if !errors.Is(err, storage.ErrInvalidKey) {
		t.Errorf("Put of a .sha256 key: err = %v, want ErrInvalidKey", err)
	}
}

func TestMissingSidecar(t *testing.T) {
	s := newStore(t)
	if _, err := s.Put(t.Context(), "x", strings.NewReader("data"), 4); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(s.Dir(), "x.sha256")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(t.Context(), "x"); !errors.Is(err, storage.ErrCorrupt) {
		t.Errorf("Stat without sidecar: err = %v, want ErrCorrupt", err)
	}
	if _, _, err := s.Get(t.Context(), "x"); !errors.Is(err, storage.ErrCorrupt) {
		t.Errorf("Get without sidecar: err = %v, want ErrCorrupt", err)
	}
}

// TestSymlinkEscape checks that a symbolic link planted inside the store
// cannot make it read a file outside its directory.
func TestSymlinkEscape(t *testing.T) {
	s := newStore(t)
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "secret.sha256"), []byte(strings.Repeat("0", 64)+"  secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(s.Dir(), "link")); err != nil {
		t.Fatal(err)
	}
	rc, _, err := s.Get(t.Context(), "link/secret")
	if err == nil {
		b, _ := io.ReadAll(rc)
		rc.Close()
		t.Fatalf("Get through a symlink out of the store returned %q", b)
	}
}

// TestPrivateModes: objects are 0600 and directories 0700 under the
// store, the root included: they are citizens' documents.
func TestPrivateModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "blobs")
	os.MkdirAll(dir, 0o755) // an older installation
	s, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(t.Context(), "originals/b1/x.tif", strings.NewReader("scan"), 4); err != nil {
		t.Fatal(err)
	}
	n := 0
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s: mode %v, want nothing for group and others", p, fi.Mode().Perm())
		}
		return nil
	})
	if n < 3 {
		t.Fatalf("walked %d entries", n)
	}
}
