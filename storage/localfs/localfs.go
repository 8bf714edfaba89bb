// Package localfs implements storage.Store on the local filesystem. It is
// sohoa's embedded default backend.
//
// The object with key "pages/ab/abcdef.png" is the plain file
// DIR/pages/ab/abcdef.png; its SHA-256 is recorded beside it in
// DIR/pages/ab/abcdef.png.sha256 in the format of sha256sum(1), so an
// operator can check a tree with `sha256sum -c`. Keys ending in ".sha256"
// are therefore refused. A sidecar file was chosen over an extended
// attribute because it survives plain copies, backups and filesystems
// without xattrs (Windows, some network shares).
//
// Put writes the object and its sidecar to temporary files (".NAME.tmp-*",
// names that no valid key can take) in the target directory, fsyncs them,
// renames both into place and fsyncs the directory. Each rename is atomic;
// the pair is made consistent for readers in this process by a per-key lock.
// A crash, or a second process overwriting a key with different content,
// between the two renames can leave a stale sidecar: the object then reads
// as storage.ErrCorrupt (detected, never silent) until it is put again.
// Sohoa's keys are content-addressed, so an overwrite normally rewrites the
// same bytes and the window does not arise.
//
// All file access goes through an os.Root, so neither a key nor a symbolic
// link inside DIR can reach a file outside it.
package localfs

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path"
	"runtime"
	"strings"
	"sync"
	"syscall"

	"github.com/sohoa-vn/sohoa/storage"
)

// sumSuffix names the sidecar that holds an object's SHA-256.
const sumSuffix = ".sha256"

// Store is a storage.Store rooted at a directory. It is safe for
// concurrent use.
type Store struct {
	dir   string
	root  *os.Root
	locks [64]sync.Mutex // striped by key; see lock
}

var _ storage.Store = (*Store)(nil)

// New returns a Store keeping its objects under dir, creating dir if needed.
func New(dir string) (*Store, error) {
	// Originals and signed documents hold citizens' data: only the
	// server's user may read them (0700 directories, 0600 files).
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("localfs: create %s: %w", dir, err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("localfs: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("localfs: open %s: %w", dir, err)
	}
	return &Store{dir: dir, root: root}, nil
}

// Dir returns the directory the store was opened on.
func (s *Store) Dir() string { return s.dir }

// Close releases the store's directory handle.
func (s *Store) Close() error { return s.root.Close() }

// Path returns the filesystem path of the object file for key, for callers
// that hand files to external tools. Reading it directly bypasses checksum
// verification.
func (s *Store) Path(key string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	return s.dir + string(os.PathSeparator) + fromSlash(key), nil
}

func fromSlash(key string) string {
	if os.PathSeparator == '/' {
		return key
	}
	return strings.ReplaceAll(key, "/", string(os.PathSeparator))
}

func checkKey(key string) error {
	if err := storage.ValidKey(key); err != nil {
		return fmt.Errorf("localfs: %w", err)
	}
	if strings.HasSuffix(key, sumSuffix) {
		return fmt.Errorf("localfs: %w %q: the suffix %s is reserved for checksums / hậu tố %s dành cho mã băm",
			storage.ErrInvalidKey, key, sumSuffix, sumSuffix)
	}
	return nil
}

func (s *Store) lock(key string) func() {
	h := fnv.New32a()
	h.Write([]byte(key))
	m := &s.locks[h.Sum32()%uint32(len(s.locks))]
	m.Lock()
	return m.Unlock
}

// Put implements storage.Store.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64) (info storage.Info, err error) {
	if err := checkKey(key); err != nil {
		return storage.Info{}, err
	}
	defer func() {
		if err != nil {
			err = fmt.Errorf("localfs: put %s: %w", key, err)
		}
	}()
	dir, base := path.Split(key)
	dir = path.Clean(dir) // "." for a key at the top level
	if dir != "." {
		if err := s.root.MkdirAll(dir, 0o700); err != nil {
			return storage.Info{}, err
		}
	}
	suffix := rand.Text()
	tmp := path.Join(dir, "."+base+".tmp-"+suffix)
	sumTmp := path.Join(dir, "."+base+sumSuffix+".tmp-"+suffix)
	defer func() {
		if err != nil {
			s.root.Remove(tmp)
			s.root.Remove(sumTmp)
		}
	}()

	h := sha256.New()
	n, err := s.writeFile(tmp, func(w io.Writer) (int64, error) {
		src := io.Reader(&ctxReader{ctx, r})
		if size >= 0 {
			src = io.LimitReader(src, size+1) // one more byte tells a reader longer than size
		}
		return io.Copy(io.MultiWriter(w, h), src)
	})
	if err != nil {
		return storage.Info{}, err
	}
	if size >= 0 && n > size {
		return storage.Info{}, fmt.Errorf("reader has more than %d bytes / dữ liệu dài hơn %d byte", size, size)
	}
	if size >= 0 && n < size {
		return storage.Info{}, fmt.Errorf("read %d bytes, expected %d / đọc được %d byte, cần %d", n, size, n, size)
	}
	info = storage.Info{Key: key, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}
	if _, err := s.writeFile(sumTmp, func(w io.Writer) (int64, error) {
		m, err := fmt.Fprintf(w, "%s  %s\n", info.SHA256, base)
		return int64(m), err
	}); err != nil {
		return storage.Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return storage.Info{}, err
	}

	unlock := s.lock(key)
	err = s.root.Rename(tmp, key)
	if err == nil {
		err = s.root.Rename(sumTmp, key+sumSuffix)
	}
	unlock()
	if err != nil {
		return storage.Info{}, err
	}
	if err := s.syncDir(dir); err != nil {
		return storage.Info{}, err
	}
	return info, nil
}

// writeFile creates name exclusively, fills it with fill, and fsyncs it.
func (s *Store) writeFile(name string, fill func(io.Writer) (int64, error)) (int64, error) {
	f, err := s.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, err
	}
	n, err := fill(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// syncDir makes renames in dir durable. Windows cannot fsync a directory
// and orders metadata itself, so it is skipped there.
func (s *Store) syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := s.root.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// Get implements storage.Store.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, storage.Info, error) {
	if err := checkKey(key); err != nil {
		return nil, storage.Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return nil, storage.Info{}, err
	}
	unlock := s.lock(key)
	f, err := s.root.Open(key)
	var info storage.Info
	if err == nil {
		info, err = s.info(key, f)
	}
	unlock()
	if err != nil {
		if f != nil {
			f.Close()
		}
		return nil, storage.Info{}, fmt.Errorf("localfs: get %s: %w", key, notFound(err))
	}
	return storage.NewVerifyingReader(f, info), info, nil
}

// Stat implements storage.Store.
func (s *Store) Stat(ctx context.Context, key string) (storage.Info, error) {
	if err := checkKey(key); err != nil {
		return storage.Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return storage.Info{}, err
	}
	unlock := s.lock(key)
	defer unlock()
	f, err := s.root.Open(key)
	if err != nil {
		return storage.Info{}, fmt.Errorf("localfs: stat %s: %w", key, notFound(err))
	}
	defer f.Close()
	info, err := s.info(key, f)
	if err != nil {
		return storage.Info{}, fmt.Errorf("localfs: stat %s: %w", key, notFound(err))
	}
	return info, nil
}

// info describes the open object file f from its size and its sidecar.
func (s *Store) info(key string, f *os.File) (storage.Info, error) {
	fi, err := f.Stat()
	if err != nil {
		return storage.Info{}, err
	}
	if !fi.Mode().IsRegular() {
		return storage.Info{}, fs.ErrNotExist // a directory of keys is not an object
	}
	b, err := s.root.ReadFile(key + sumSuffix)
	if errors.Is(err, fs.ErrNotExist) {
		return storage.Info{}, fmt.Errorf("%w: no checksum file %s%s / thiếu tệp mã băm", storage.ErrCorrupt, key, sumSuffix)
	}
	if err != nil {
		return storage.Info{}, err
	}
	sum, _, _ := strings.Cut(string(b), " ")
	if _, err := hex.DecodeString(sum); err != nil || len(sum) != 2*sha256.Size {
		return storage.Info{}, fmt.Errorf("%w: malformed checksum file %s%s / tệp mã băm hỏng", storage.ErrCorrupt, key, sumSuffix)
	}
	return storage.Info{Key: key, Size: fi.Size(), SHA256: strings.ToLower(sum)}, nil
}

// Delete implements storage.Store. Directories left empty are kept.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	unlock := s.lock(key)
	defer unlock()
	fi, err := s.root.Lstat(key)
	if err != nil && !missing(err) {
		return fmt.Errorf("localfs: delete %s: %w", key, err)
	}
	if err == nil && !fi.IsDir() { // a directory holds keys; it is not an object
		if err := s.removeMissingOK(key); err != nil {
			return err
		}
	}
	if err := s.removeMissingOK(key + sumSuffix); err != nil {
		return err
	}
	if err := s.syncDir(path.Dir(key)); err != nil && !missing(err) {
		return fmt.Errorf("localfs: delete %s: %w", key, err)
	}
	return nil
}

func (s *Store) removeMissingOK(name string) error {
	if err := s.root.Remove(name); err != nil && !missing(err) {
		return fmt.Errorf("localfs: delete %s: %w", name, err)
	}
	return nil
}

// notFound maps the filesystem's not-exist (and not-a-directory, for a key
// below an object) to storage.ErrNotFound.
func notFound(err error) error {
	if missing(err) {
		return fmt.Errorf("%w (%w)", storage.ErrNotFound, err)
	}
	return err
}

// missing reports whether err says a path does not exist, including the
// not-a-directory error for a key below another object's file.
func missing(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// ctxReader stops a copy when its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
