package aip

import (
	"archive/tar"
	"archive/zip"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// Writer receives a package's files one after another, each streamed.
// Names are slash-separated and relative; Export gives them all under one
// root directory named for the package.
type Writer interface {
	// Add writes one file of exactly size bytes read from r.
	Add(name string, size int64, modTime time.Time, r io.Reader) error
	// Close finishes the package (a tar or zip trailer). It does not close
	// the underlying io.Writer.
	Close() error
}

// NewTar returns a Writer of a tar stream (POSIX ustar/PAX) to w.
func NewTar(w io.Writer) Writer { return &tarWriter{tw: tar.NewWriter(w), dirs: map[string]bool{}} }

type tarWriter struct {
	tw   *tar.Writer
	dirs map[string]bool
}

func (t *tarWriter) Add(name string, size int64, mod time.Time, r io.Reader) error {
	// Directory entries first, so that every extractor makes them with sane modes.
	var missing []string
	for d := path.Dir(name); d != "."; d = path.Dir(d) {
		missing = append(missing, d)
	}
	for i := len(missing) - 1; i >= 0; i-- {
		d := missing[i]
		if t.dirs[d] {
			continue
		}
		t.dirs[d] = true
		if err := t.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o755, ModTime: mod, Format: tar.FormatPAX}); err != nil {
			return fmt.Errorf("tar %s: %w", d, err)
		}
	}
	if err := t.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: 0o644, ModTime: mod, Format: tar.FormatPAX}); err != nil {
		return fmt.Errorf("tar %s: %w", name, err)
	}
	if _, err := io.Copy(t.tw, r); err != nil {
		return fmt.Errorf("tar %s: %w", name, err)
	}
	return nil
}

func (t *tarWriter) Close() error { return t.tw.Close() }

// NewZip returns a Writer of a zip archive to w. XML and text are
// deflated; PDFs and images, compressed already, are stored.
func NewZip(w io.Writer) Writer { return &zipWriter{zw: zip.NewWriter(w)} }

type zipWriter struct{ zw *zip.Writer }

func (z *zipWriter) Add(name string, size int64, mod time.Time, r io.Reader) error {
	method := zip.Deflate
	switch strings.ToLower(path.Ext(name)) {
	case ".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff":
		method = zip.Store
	}
	fh := &zip.FileHeader{Name: name, Method: method, Modified: mod}
	fh.SetMode(0o644)
	fh.UncompressedSize64 = uint64(size)
	fw, err := z.zw.CreateHeader(fh)
	if err != nil {
		return fmt.Errorf("zip %s: %w", name, err)
	}
	if _, err := io.Copy(fw, r); err != nil {
		return fmt.Errorf("zip %s: %w", name, err)
	}
	return nil
}

func (z *zipWriter) Close() error { return z.zw.Close() }

// NewDir returns a Writer of plain files under dir, which must not hold
// a package of the same name already (files are created exclusively).
func NewDir(dir string) (Writer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &dirWriter{root: root}, nil
}

type dirWriter struct{ root *os.Root }

func (d *dirWriter) Add(name string, size int64, mod time.Time, r io.Reader) error {
	if err := d.root.MkdirAll(filepath.FromSlash(path.Dir(name)), 0o755); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	f, err := d.root.OpenFile(filepath.FromSlash(name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	_ = d.root.Chtimes(filepath.FromSlash(name), mod, mod)
	return nil
}

func (d *dirWriter) Close() error { return d.root.Close() }
