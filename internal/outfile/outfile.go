// Package outfile writes a command's output file through a temporary
// file, so that a failed run leaves no half-written output, without ever
// replacing what is not a regular file.
//
// Renaming a finished temporary file over the output path is atomic, but
// when that path is a device, a named pipe or a terminal, the rename puts
// a plain file in its place: run as root, `sohoa ocr … -o /dev/null`
// replaced the system's /dev/null with a regular file, and every later
// program writing to /dev/null wrote into it. The standard library and
// the atomic-write libraries (renameio, natefinch/atomic) all rename;
// none writes into a special file instead, so this is done here.
package outfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// special reports whether path exists and is not a regular file.
func special(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.Mode().IsRegular()
}

// Create makes the temporary file for path: beside it (same file system,
// so the rename in Commit is atomic), or in the system's temporary
// directory when path is not a regular file.
func Create(path string) (*os.File, error) {
	dir := filepath.Dir(path)
	if special(path) {
		dir = ""
	}
	return os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
}

// Commit puts the closed temporary file tmp at path: renamed over a
// regular file or none, copied into anything else (then tmp is removed).
func Commit(tmp, path string) error {
	if !special(path) {
		return os.Rename(tmp, path)
	}
	defer os.Remove(tmp)
	in, err := os.Open(tmp)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return out.Close()
}
