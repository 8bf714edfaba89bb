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
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// folderScan is what one walk saw of a document folder.
type folderScan struct {
	files  []string // every regular file, for the open-file check
	stats  []string // "rel|size|mtime" of every file: the folder's signature
	pages  []string // page images, in walk order
	marker bool
}

// signature changes when any file of the folder is added, removed,
// resized or touched, page or not: a ".part" file still growing keeps
// the folder from being quiet.
func (f *folderScan) signature() string {
	s := slices.Clone(f.stats)
	slices.Sort(s)
	h := sha256.Sum256([]byte(strings.Join(s, "\n")))
	return hex.EncodeToString(h[:])
}

// folderState is what the watcher remembers of a document folder
// between scans.
type folderState struct {
	sig     string
	since   time.Time // when sig was first seen
	retryAt time.Time // after an error, not before
	failed  string    // sig of a content that cannot be read: not retried
}

// docFolder returns the document folder (relative, with slashes) a file
// belongs to, or "" for a file above that level.
func (w *Watcher) docFolder(rel string) string {
	depth := 1
	if w.opt.BatchFromFolder {
		depth = 2
	}
	parts := strings.SplitN(rel, "/", depth+1)
	if len(parts) <= depth {
		return ""
	}
	return strings.Join(parts[:depth], "/")
}

func (w *Watcher) isMarker(name string) bool {
	return slices.ContainsFunc(w.opt.DoneMarkers, func(m string) bool { return strings.EqualFold(m, name) })
}

// addToFolder records the file p (rel relative to the hot folder) of
// the document folder folder.
func (w *Watcher) addToFolder(f *folderScan, folder, rel, p string, d fs.DirEntry) {
	info, err := d.Info()
	if err != nil {
		return // vanished while walking
	}
	f.files = append(f.files, p)
	f.stats = append(f.stats, fmt.Sprintf("%s|%d|%d", rel, info.Size(), info.ModTime().UnixNano()))
	switch {
	case path.Dir(rel) == folder && w.isMarker(d.Name()):
		f.marker = true
	case !skipName(d.Name()) && w.isPage(d.Name()):
		f.pages = append(f.pages, p)
	}
}

// listFolder walks one document folder as Scan does.
func (w *Watcher) listFolder(dir, folder string) (*folderScan, error) {
	f := &folderScan{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil && p == dir:
			return err
		case err != nil:
			return nil
		case d.IsDir() && p != dir && skipName(d.Name()):
			return filepath.SkipDir
		case d.Type().IsRegular() && p != w.opt.Journal:
			w.addToFolder(f, folder, w.rel(p), p, d)
		}
		return nil
	})
	return f, err
}

// readyFolders updates what is remembered of the document folders seen
// by a scan and returns, by full path, those complete: holding pages,
// and with a marker or unchanged for FolderQuiet.
func (w *Watcher) readyFolders(folders map[string]*folderScan, now time.Time) map[string]*folderScan {
	ready := map[string]*folderScan{}
	for rel, f := range folders {
		sig := f.signature()
		st := w.folders[rel]
		if st == nil || st.sig != sig {
			st = &folderState{sig: sig, since: now}
			w.folders[rel] = st
		}
		quiet := w.opt.FolderQuiet >= 0 && now.Sub(st.since) >= w.opt.FolderQuiet
		if len(f.pages) > 0 && (f.marker || quiet) && st.failed != sig && !now.Before(st.retryAt) {
			ready[filepath.Join(w.opt.Dir, filepath.FromSlash(rel))] = f
		}
	}
	for rel := range w.folders {
		if folders[rel] == nil {
			delete(w.folders, rel)
		}
	}
	return ready
}

// takeFolder sends the pages of a complete document folder as one PDF
// "<folder>.pdf" (or, split at separator pages, as "<folder>-0001.pdf"…),
// journals it and moves it. The journal keys a folder by the SHA-256 of
// its page list (each page's name in the folder and SHA-256): a folder
// journalled before a crash is moved on restart, not sent again, and the
// same pages under another folder name are a duplicate.
func (w *Watcher) takeFolder(ctx context.Context, p, rel string, scanned *folderScan, set BatchSettings) error {
	f, err := w.listFolder(p, rel)
	if err != nil {
		return err
	}
	if f.signature() != scanned.signature() {
		return nil // changed since the scan: the next scan sees it anew
	}
	slices.SortFunc(f.pages, naturalCompare)
	h := sha256.New()
	entry := Entry{Path: rel, Batch: w.batch(rel), Folder: true}
	for _, pg := range f.pages {
		sum, st, err := hashFile(pg)
		if err != nil {
			return err
		}
		name, _ := filepath.Rel(p, pg)
		fmt.Fprintf(h, "%s\x00%s\n", filepath.ToSlash(name), sum)
		entry.Size += st.Size()
		if st.ModTime().After(entry.ModTime) {
			entry.ModTime = st.ModTime()
		}
	}
	entry.SHA256 = hex.EncodeToString(h.Sum(nil))
	if taken, ok := w.journal.sumPath(entry.SHA256); ok {
		if taken != rel {
			entry.Duplicate, entry.TakenAt = true, time.Now()
			w.log.Info("hotfolder: duplicate document folder, not sent again", "folder", rel, "same_as", taken)
			if err := w.journal.add(entry); err != nil {
				return &journalError{err}
			}
		}
		return w.done(p, rel) // else taken before a crash, not yet moved
	}
	unchanged := func() error {
		g, err := w.listFolder(p, rel)
		if err != nil || g.signature() != f.signature() {
			// The sink has a document made before the change; the folder
			// is offered again once quiet.
			return fmt.Errorf("hotfolder: %s changed while being sent", rel)
		}
		return nil
	}
	_, err = w.sendSplit(ctx, &entry, f.pages, rel, rel+".pdf", set, unchanged)
	if pe := (*pageError)(nil); errors.As(err, &pe) {
		return &pageError{fmt.Errorf("hotfolder: thư mục tài liệu %s có trang không đọc được / document folder %s has a page that cannot be read: %w",
			rel, rel, pe.err)}
	}
	if err != nil {
		return err
	}
	return w.finish(p, rel, entry)
}

// hashFile returns the SHA-256 of a file and its stat.
func hashFile(p string) (string, os.FileInfo, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", nil, err
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", nil, err
	}
	return hex.EncodeToString(h.Sum(nil)), st, nil
}
