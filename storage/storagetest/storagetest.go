// Package storagetest is the conformance suite every storage.Store backend
// passes. A backend's test calls Run with a constructor for fresh stores:
//
//	func TestConformance(t *testing.T) {
//		storagetest.Run(t, func(t *testing.T) storage.Store { return newTestStore(t) })
//	}
//
// The stores newStore returns must implement Corrupter so that the suite can
// check that damaged objects are detected.
package storagetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"sync"
	"testing"

	"github.com/sohoa-vn/sohoa/storage"
)

// Corrupter is implemented by the test wrapper of a store: Corrupt changes
// one byte of the object stored under key behind the store's back, keeping
// the SHA-256 the store recorded, as a failing disk would.
type Corrupter interface {
	Corrupt(key string) error
}

// Run runs the conformance suite. newStore is called once per subtest and
// must return an empty store that also implements Corrupter.
func Run(t *testing.T, newStore func(t *testing.T) storage.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s storage.Store)
	}{
		{"RoundTrip", testRoundTrip},
		{"Overwrite", testOverwrite},
		{"Delete", testDelete},
		{"NotFound", testNotFound},
		{"SizeMismatch", testSizeMismatch},
		{"Concurrent", testConcurrent},
		{"Corruption", testCorruption},
		{"InvalidKeys", testInvalidKeys},
		{"Canceled", testCanceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newStore(t)) })
	}
}

// data returns n pseudo-random bytes, the same for the same seed.
func data(seed uint64, n int) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16)})
	r.Read(b)
	return b
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// onlyReader hides every method of its reader but Read, as a network stream
// would, so backends cannot seek or ask for the size.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// chunkReader yields b in pieces of at most chunk bytes.
type chunkReader struct {
	b     []byte
	chunk int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.chunk)], c.b)
	c.b = c.b[n:]
	return n, nil
}

func put(t *testing.T, s storage.Store, key string, b []byte) storage.Info {
	t.Helper()
	info, err := s.Put(t.Context(), key, bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("Put(%q, %d bytes): %v", key, len(b), err)
	}
	return info
}

// checkObject reads key back through Get and Stat and compares with want.
func checkObject(t *testing.T, s storage.Store, key string, want []byte) {
	t.Helper()
	wantInfo := storage.Info{Key: key, Size: int64(len(want)), SHA256: sum(want)}
	rc, info, err := s.Get(t.Context(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	got, err := io.ReadAll(rc)
	if cerr := rc.Close(); cerr != nil {
		t.Errorf("Get(%q): Close: %v", key, cerr)
	}
	if err != nil {
		t.Fatalf("Get(%q): read: %v", key, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Get(%q) = %d bytes (sha256 %s), want %d bytes (sha256 %s)", key, len(got), sum(got), len(want), sum(want))
	}
	if info != wantInfo {
		t.Errorf("Get(%q) info = %+v, want %+v", key, info, wantInfo)
	}
	st, err := s.Stat(t.Context(), key)
	if err != nil {
		t.Fatalf("Stat(%q): %v", key, err)
	}
	if st != wantInfo {
		t.Errorf("Stat(%q) = %+v, want %+v", key, st, wantInfo)
	}
}

func testRoundTrip(t *testing.T, s storage.Store) {
	big := data(1, 17<<20+5) // over minio-go's 16 MiB part: a multipart upload
	tests := []struct {
		name string
		key  string
		data []byte
		r    func(b []byte) io.Reader
		size func(b []byte) int64
	}{
		{"empty", "empty", nil, byteReader, knownSize},
		{"empty unknown size", "empty-stream", nil, streamReader, unknownSize},
		{"one byte", "one", []byte{0}, byteReader, knownSize},
		{"nested key", "pages/ab/abcdef0123.png", data(2, 4096), byteReader, knownSize},
		{"vietnamese key", "hồ-sơ/Quyết định 123.pdf", data(3, 1000), byteReader, knownSize},
		{"stream of unknown size", "stream/small", data(4, 70_000), streamReader, unknownSize},
		{"known size stream", "stream/known", data(5, 70_000), streamReader, knownSize},
		{"multi-MB stream of unknown size", "stream/big", big, streamReader, unknownSize},
		{"multi-MB known size", "big", big, byteReader, knownSize},
		{"file", "file", data(6, 300_000), fileReader(t), knownSize},
		{"file of unknown size", "file-stream", data(7, 5000), fileReader(t), unknownSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := s.Put(t.Context(), tt.key, tt.r(tt.data), tt.size(tt.data))
			if err != nil {
				t.Fatalf("Put: %v", err)
			}
			want := storage.Info{Key: tt.key, Size: int64(len(tt.data)), SHA256: sum(tt.data)}
			if info != want {
				t.Errorf("Put = %+v, want %+v", info, want)
			}
			checkObject(t, s, tt.key, tt.data)
		})
	}
}

func byteReader(b []byte) io.Reader { return bytes.NewReader(b) }

// fileReader returns a function giving an *os.File of b, read from its
// 7th byte on (after a header the caller skipped): a Put stores from the
// reader's position, not from the start of the file.
func fileReader(t *testing.T) func(b []byte) io.Reader {
	return func(b []byte) io.Reader {
		f, err := os.CreateTemp(t.TempDir(), "put-*")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		if _, err := f.Write(append([]byte("header"), b...)); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Seek(6, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		return f
	}
}
func streamReader(b []byte) io.Reader { return onlyReader{&chunkReader{b, 32<<10 + 7}} }
func knownSize(b []byte) int64        { return int64(len(b)) }
func unknownSize([]byte) int64        { return -1 }

func testOverwrite(t *testing.T, s storage.Store) {
	for i, b := range [][]byte{data(10, 5000), data(11, 123), nil, data(12, 9000)} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			put(t, s, "doc/page.png", b)
			checkObject(t, s, "doc/page.png", b)
		})
	}
}

func testDelete(t *testing.T, s storage.Store) {
	ctx := t.Context()
	put(t, s, "a/b/c", []byte("gone"))
	put(t, s, "a/b/d", []byte("kept"))
	if err := s.Delete(ctx, "a/b/c"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, _, err := s.Get(ctx, "a/b/c"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Get after Delete: err = %v, want ErrNotFound", err)
	}
	if _, err := s.Stat(ctx, "a/b/c"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Stat after Delete: err = %v, want ErrNotFound", err)
	}
	checkObject(t, s, "a/b/d", []byte("kept"))
	for _, key := range []string{"a/b/c", "never-written", "no/such/dir/x", "a/b"} {
		if err := s.Delete(ctx, key); err != nil {
			t.Errorf("Delete(%q) of a missing key: %v", key, err)
		}
	}
	checkObject(t, s, "a/b/d", []byte("kept"))
	// The key is usable again after a delete.
	put(t, s, "a/b/c", []byte("back"))
	checkObject(t, s, "a/b/c", []byte("back"))
}

func testNotFound(t *testing.T, s storage.Store) {
	put(t, s, "dir/obj", []byte("x"))
	for _, key := range []string{"missing", "dir/missing", "no/such/dir/obj", "dir", "dir/obj/below", "dir/ob"} {
		t.Run(key, func(t *testing.T) {
			rc, _, err := s.Get(t.Context(), key)
			if err == nil {
				rc.Close()
			}
			if !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("Get(%q): err = %v, want ErrNotFound", key, err)
			}
			if _, err := s.Stat(t.Context(), key); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("Stat(%q): err = %v, want ErrNotFound", key, err)
			}
		})
	}
}

func testSizeMismatch(t *testing.T, s storage.Store) {
	b := data(20, 1000)
	for _, size := range []int64{999, 1001, 0} {
		for _, seekable := range []bool{false, true} {
			t.Run(fmt.Sprintf("%d seekable=%v", size, seekable), func(t *testing.T) {
				key := fmt.Sprintf("size/%d-%v", size, seekable)
				r := io.Reader(onlyReader{bytes.NewReader(b)})
				if seekable {
					r = bytes.NewReader(b)
				}
				if _, err := s.Put(t.Context(), key, r, size); err == nil {
					t.Fatalf("Put of 1000 bytes with size %d succeeded", size)
				}
				if _, err := s.Stat(t.Context(), key); !errors.Is(err, storage.ErrNotFound) {
					t.Errorf("after a failed Put, Stat: err = %v, want ErrNotFound", err)
				}
			})
		}
	}
	// A failed overwrite keeps the old object.
	put(t, s, "size/kept", []byte("old"))
	if _, err := s.Put(t.Context(), "size/kept", bytes.NewReader(b), 5000); err == nil {
		t.Fatal("Put of 1000 bytes with size 5000 succeeded")
	}
	checkObject(t, s, "size/kept", []byte("old"))
}

func testConcurrent(t *testing.T, s storage.Store) {
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			b := data(uint64(100+i), 10_000+i*1000)
			_, errs[i] = s.Put(t.Context(), fmt.Sprintf("batch/%02d/page.png", i), onlyReader{bytes.NewReader(b)}, -1)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Put %d: %v", i, err)
		}
	}
	for i := range n {
		checkObject(t, s, fmt.Sprintf("batch/%02d/page.png", i), data(uint64(100+i), 10_000+i*1000))
	}
}

func testCorruption(t *testing.T, s storage.Store) {
	c, ok := s.(Corrupter)
	if !ok {
		t.Fatalf("the store under test (%T) does not implement storagetest.Corrupter; the test wrapper must provide Corrupt(key)", s)
	}
	for _, n := range []int{1, 5000, 3 << 20} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			key := fmt.Sprintf("corrupt/%d", n)
			b := data(uint64(n), n)
			put(t, s, key, b)
			if err := c.Corrupt(key); err != nil {
				t.Fatalf("Corrupt(%q): %v", key, err)
			}
			rc, _, err := s.Get(t.Context(), key)
			if err != nil {
				if errors.Is(err, storage.ErrCorrupt) {
					return // detected on open: fine too
				}
				t.Fatalf("Get after Corrupt: %v", err)
			}
			defer rc.Close()
			got, err := io.ReadAll(rc)
			if !errors.Is(err, storage.ErrCorrupt) {
				t.Errorf("reading a corrupted object: err = %v, want ErrCorrupt", err)
			}
			if err == nil && bytes.Equal(got, b) {
				t.Errorf("Corrupt(%q) did not change the object", key)
			}
			// Reading on after the error keeps reporting it.
			if _, err := rc.Read(make([]byte, 1)); !errors.Is(err, storage.ErrCorrupt) {
				t.Errorf("Read after ErrCorrupt: err = %v, want ErrCorrupt again", err)
			}
		})
	}
}

func testInvalidKeys(t *testing.T, s storage.Store) {
	ctx := t.Context()
	for _, key := range []string{
		"", "/", "/abs", "/etc/passwd", "..", "../x", "a/../../x", "a/..", ".", "./a", "a/./b",
		"a//b", "a/", `a\b`, `..\x`, ".hidden", "a/.tmp-x", "nul\x00byte", "new\nline",
	} {
		t.Run(fmt.Sprintf("%q", key), func(t *testing.T) {
			if _, err := s.Put(ctx, key, bytes.NewReader([]byte("x")), 1); !errors.Is(err, storage.ErrInvalidKey) {
				t.Errorf("Put: err = %v, want ErrInvalidKey", err)
			}
			rc, _, err := s.Get(ctx, key)
			if err == nil {
				rc.Close()
			}
			if !errors.Is(err, storage.ErrInvalidKey) {
				t.Errorf("Get: err = %v, want ErrInvalidKey", err)
			}
			if _, err := s.Stat(ctx, key); !errors.Is(err, storage.ErrInvalidKey) {
				t.Errorf("Stat: err = %v, want ErrInvalidKey", err)
			}
			if err := s.Delete(ctx, key); !errors.Is(err, storage.ErrInvalidKey) {
				t.Errorf("Delete: err = %v, want ErrInvalidKey", err)
			}
		})
	}
}

func testCanceled(t *testing.T, s storage.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.Put(ctx, "canceled", bytes.NewReader([]byte("x")), 1); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with a canceled context: err = %v, want context.Canceled", err)
	}
	if _, err := s.Stat(t.Context(), "canceled"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("after a canceled Put, Stat: err = %v, want ErrNotFound", err)
	}
}
