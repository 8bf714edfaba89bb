package localfs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/sohoa-vn/sohoa/storage"
)

// List calls fn with the Info of every object whose key starts with
// prefix, in lexical key order, and stops at the first error fn returns.
// SHA256 is the recorded one, read from the sidecar; it is empty when the
// sidecar is missing or malformed (Get then reports storage.ErrCorrupt).
// Backends' temporary files and the sidecars themselves are not objects
// and are not listed.
func (s *Store) List(ctx context.Context, prefix string, fn func(storage.Info) error) error {
	// Walk only the deepest directory the prefix names in full.
	start := "."
	if i := strings.LastIndexByte(prefix, '/'); i > 0 {
		start = prefix[:i]
		if !fs.ValidPath(start) {
			return fmt.Errorf("localfs: list %q: %w", prefix, storage.ErrInvalidKey)
		}
	}
	err := fs.WalkDir(s.root.FS(), start, func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			if name == start && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll // nothing under the prefix
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if name != "." && strings.HasPrefix(path.Base(name), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil // a temporary file of Put
		}
		if d.IsDir() {
			// Prune directories that cannot hold a key with the prefix.
			if name != "." && !strings.HasPrefix(name+"/", prefix) && !strings.HasPrefix(prefix, name+"/") {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || strings.HasSuffix(name, sumSuffix) || !strings.HasPrefix(name, prefix) {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		info := storage.Info{Key: name, Size: fi.Size()}
		if b, err := s.root.ReadFile(name + sumSuffix); err == nil {
			if sum, _, _ := strings.Cut(string(b), " "); len(sum) == 64 {
				info.SHA256 = strings.ToLower(sum)
			}
		}
		return fn(info)
	})
	if err != nil {
		return fmt.Errorf("localfs: list %q: %w", prefix, err)
	}
	return nil
}
