package hotfolder

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sohoa-vn/sohoa/ingest"
	"github.com/sohoa-vn/sohoa/scanners/separator"
)

// DefaultExtensions are the page files taken when Options.Extensions is
// empty.
var DefaultExtensions = []string{".tif", ".tiff", ".jpg", ".jpeg", ".png", ".pdf"}

// sidecars are files scanners, archive software and desktops leave beside
// scans: indexes and metadata (.txt, .json, .xml, .csv), thumbnails
// caches and folder settings.
var (
	sidecarExts  = []string{".txt", ".json", ".xml", ".csv"}
	systemFiles  = []string{"thumbs.db", "desktop.ini", ".ds_store", "ehthumbs.db", "icon\r"}
	tempPrefixes = []string{"~"}
)

// NotDocument says why a file of that name, found in a folder, is not a
// document to send (in Vietnamese and in English), or returns "", "" for
// a file that may be one. Watch and "sohoa ingest" skip such files.
func NotDocument(name string) (vi, en string) {
	lower := strings.ToLower(name)
	switch {
	case slices.Contains(systemFiles, lower):
		return "tệp hệ thống của máy tính, không phải tài liệu", "a system file, not a document"
	case strings.HasPrefix(name, "."):
		return "tệp ẩn", "a hidden file"
	case slices.Contains(sidecarExts, filepath.Ext(lower)):
		return "tệp kèm theo (chỉ mục, siêu dữ liệu), không phải tài liệu", "a sidecar file (index, metadata), not a document"
	case skipName(name) || slices.ContainsFunc(tempPrefixes, func(p string) bool { return strings.HasPrefix(name, p) }):
		return "tệp đang được ghi hoặc tệp tạm", "a file still being written, or a temporary file"
	}
	return "", ""
}

// DocumentPages lists the page files (with one of exts, lower case with
// the dot; nil: DefaultExtensions) under the document folder dir, in the
// order watch bundles them: natural order of their paths (page_2 before
// page_10), hidden and temporary files and folders left out.
func DocumentPages(dir string, exts []string) ([]string, error) {
	if exts == nil {
		exts = DefaultExtensions
	}
	var pages []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && p != dir && skipName(d.Name()):
			return filepath.SkipDir
		case d.Type().IsRegular() && !skipName(d.Name()) &&
			slices.Contains(exts, strings.ToLower(filepath.Ext(d.Name()))):
			pages = append(pages, p)
		}
		return nil
	})
	slices.SortFunc(pages, naturalCompare)
	return pages, err
}

// FolderKey is the SHA-256 of a document folder's page list (each page's
// path relative to dir, and its SHA-256), as the journal keys a folder:
// the same pages give the same key whatever PDF bundles them.
func FolderKey(dir string, pages []string) (string, error) {
	h := sha256.New()
	for _, pg := range pages {
		sum, _, err := hashFile(pg)
		if err != nil {
			return "", err
		}
		name, _ := filepath.Rel(dir, pg)
		fmt.Fprintf(h, "%s\x00%s\n", filepath.ToSlash(name), sum)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// spoolPages reads the pages of files, in order and one at a time, into
// files in tmp, calling fn with each (numbered from 1 across files) and
// the name of the file it came from.
// name gives a file's name for messages. A page that cannot be read is a
// *pageError.
func spoolPages(ctx context.Context, tmp string, files []string, name func(string) string, lim ingest.Limits,
	fn func(src string, sp separator.Page, pg ingest.Page) error) (int, error) {
	seq := 0
	for _, p := range files {
		err := readPages(ctx, p, name(p), lim, func(pg ingest.Page) error {
			seq++
			ext := ".png"
			if pg.Format == "jpeg" {
				ext = ".jpg"
			}
			path := filepath.Join(tmp, fmt.Sprintf("page-%05d%s", seq, ext))
			if err := os.WriteFile(path, pg.Data, 0o600); err != nil {
				return fmt.Errorf("hotfolder: %w", err)
			}
			return fn(name(p), separator.Page{Seq: seq, Path: path}, pg)
		})
		if ie := (*ingest.InputError)(nil); errors.As(err, &ie) {
			return seq, &pageError{ie}
		}
		if err != nil {
			return seq, err
		}
	}
	return seq, nil
}

// readPages calls fn with each page of the file p, one decoded at a time.
func readPages(ctx context.Context, p, name string, lim ingest.Limits, fn func(ingest.Page) error) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	return ingest.Split(ctx, f, st.Size(), name, lim, fn)
}

// BundleFolder writes the pages of files (DocumentPages of a document
// folder) to w as one PDF of a page image per page, as watch sends a
// document folder, reading them one at a time into a temporary folder
// under tmp ("": the system's). It returns the number of pages. A page
// that cannot be read is an error that wraps its *ingest.InputError.
func BundleFolder(ctx context.Context, dir string, files []string, lim ingest.Limits, tmp string, w io.Writer) (int, error) {
	tmp, err := os.MkdirTemp(tmp, "sohoa-bundle-*")
	if err != nil {
		return 0, fmt.Errorf("hotfolder: %w", err)
	}
	defer os.RemoveAll(tmp)
	var pages []separator.Page
	name := func(p string) string {
		rel, err := filepath.Rel(filepath.Dir(dir), p)
		if err != nil {
			return filepath.Base(p)
		}
		return filepath.ToSlash(rel)
	}
	n, err := spoolPages(ctx, tmp, files, name, lim, func(_ string, sp separator.Page, _ ingest.Page) error {
		pages = append(pages, sp)
		return nil
	})
	if err != nil {
		return n, err
	}
	if n == 0 {
		return 0, fmt.Errorf("hotfolder: thư mục %s không có trang nào / folder %s holds no page", dir, dir)
	}
	if err := separator.WritePDF(w, pages); err != nil {
		return n, fmt.Errorf("hotfolder: %s: %w", dir, err)
	}
	return n, nil
}
