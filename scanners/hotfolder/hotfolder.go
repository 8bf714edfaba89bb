// Package hotfolder takes scans from a directory that scanners write
// into (a "hot folder", local or on a network share) and hands each
// complete document, once, to a Sink.
//
// A file is taken only when it is complete: its size and modification
// time have not changed for Options.Stable, and (on Linux) no process on
// this machine holds it open (read from /proc/*/fd; writers on another
// machine of a network share are seen only through the stability window).
// Names scanners use while writing (".part", ".tmp", "~$…", hidden files)
// are never taken; the rename to the final name is what makes a file
// visible. Files are offered in natural order (scan_0002 before
// scan_0010), so a batch keeps the order of the feeder.
//
// With Options.DocumentFolders, a subfolder holding one image per page
// ("box-12/HS-0007/0001.tif, 0002.tif…") is one document: its pages, in
// natural order, go to the Sink as one PDF "box-12/HS-0007.pdf". A folder
// is complete when the scanning software has written a marker file into
// it (Options.DoneMarkers) or, without one, when nothing in it has
// changed for Options.FolderQuiet.
//
// Where documents end is set per batch (see SettingsFile): each file is a
// document, or multi-page files and document folders are split at
// separator pages (blank pages, or the QR sheet of separator.Sheet) into
// "<name>-0001.pdf", "<name>-0002.pdf"… Pages are read one at a time
// (ingest.Split) into a temporary directory, never all in memory.
//
// A journal (JSON lines, fsynced) records every file and folder taken by
// path, size, mtime and SHA-256, and every document split from one: a
// document is never handed to the Sink twice, across restarts and
// crashes, and the same bytes under a second name are recorded as a
// duplicate and not sent. What was taken is moved to done/ (keeping its
// subfolders) or renamed with a ".taken" suffix.
//
// Changes are watched with fsnotify; a poll every Options.Poll runs in
// any case, and alone when fsnotify cannot watch (Options.PollOnly, or a
// network file system that sends no events).
package hotfolder

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/sohoa-vn/sohoa/ingest"
	"github.com/sohoa-vn/sohoa/scanners/separator"
)

// Sink receives each complete document: a file as it is, or a PDF of
// page images (a document folder, or a part of a file split at separator
// pages). sohoa's api.Client.UploadWithKey and ingest.Ingester.FileWithKey
// fit it (through a small adapter dropping their result). An error leaves
// the file or folder in place, to be offered again.
//
// key is "" for a file sent as it is, whose bytes name it. A PDF made here
// has new bytes each time it is made (the PDF writer stamps a time and a
// random ID), so it carries a key naming its source and part instead:
// sent again after a crash, it is recognised by the key.
type Sink interface {
	File(ctx context.Context, batch, name, key string, r io.Reader) error
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(ctx context.Context, batch, name, key string, r io.Reader) error

// File calls f.
func (f SinkFunc) File(ctx context.Context, batch, name, key string, r io.Reader) error {
	return f(ctx, batch, name, key, r)
}

// Taken says what happens to a file once taken.
type Taken int

const (
	// MoveToDone moves it to DoneDir (default "<dir>/done"), keeping its path.
	MoveToDone Taken = iota
	// MarkTaken renames it in place to "<name>.taken".
	MarkTaken
)

// Options configure a Watcher.
type Options struct {
	Dir   string // the hot folder
	Batch string // every file goes into this batch
	// BatchFromFolder, when set, puts a file in a subfolder into the
	// batch named by its first path element ("box-12/scan_0001.tif" →
	// "box-12"); files at the top go into Batch.
	BatchFromFolder bool
	// Stable is how long size and mtime must stay unchanged; default 2s.
	// On a network share choose more than the scanner's longest pause.
	Stable time.Duration
	// Poll is how often the folder is scanned; default Stable/2.
	Poll time.Duration
	// PollOnly does without fsnotify (network shares, where no events come).
	PollOnly bool
	// Extensions taken, lower case with the dot; default .tif .tiff
	// .jpg .jpeg .png .pdf.
	Extensions []string
	Taken      Taken
	DoneDir    string // for MoveToDone; default Dir/done
	// Journal is the journal file; default Dir/.sohoa-hotfolder.jsonl.
	Journal string
	Log     *slog.Logger

	// DocumentFolders makes each folder of page images one document. The
	// document folder is the first path element below the hot folder, or
	// with BatchFromFolder the second ("box-12/HS-0007/0001.tif"); files
	// above that level stay documents of their own. Files in a document
	// folder that are not pages (the marker, Thumbs.db, .DS_Store) are
	// ignored and moved with it.
	DocumentFolders bool
	// DoneMarkers are the names (case-insensitive) of the file scanning
	// software writes into a document folder once it has finished it;
	// default DefaultDoneMarkers. With a marker, the folder is taken at
	// once (no local process holding a file of it open).
	DoneMarkers []string
	// FolderQuiet is how long a document folder without a marker must
	// stay unchanged (no file added, removed, grown or touched) to be
	// taken; default Stable. Choose more than the longest pause of the
	// scanner within a document (a feeder reloaded). Negative: only a
	// marker completes a folder.
	FolderQuiet time.Duration
	// Separator is the document boundary of batches without a settings
	// file (SettingsFile); default separator.PerFile.
	Separator separator.Mode
	// MaxInk is the default for blank pages (separator.Splitter.MaxInk).
	MaxInk float64
	// Limits bound the files read page by page; zero: ingest's defaults.
	Limits ingest.Limits
	// TempDir holds page images and PDFs while a document is being made
	// and sent; default os.TempDir().
	TempDir string
}

// DefaultDoneMarkers are marker names hot-folder software commonly
// writes when a job folder is complete. There is no standard: set
// Options.DoneMarkers to what the scanning software writes.
var DefaultDoneMarkers = []string{".done", "done", "done.txt", ".ready", "ready", "ready.txt", "_SUCCESS"}

// Watcher watches one hot folder.
type Watcher struct {
	opt      Options
	sink     Sink
	journal  *journal
	seen     map[string]*candidate
	folders  map[string]*folderState // document folders by relative path
	settings map[string]*settingsCache
	defaults BatchSettings
	log      *slog.Logger
	// afterSink, in tests, runs between the sink and the journal (a crash
	// there), with the name sent.
	afterSink func(name string) error
	// afterJournal, in tests, runs between the journal and the move (a
	// crash there), with the path (or, for a split document, the name)
	// just journalled.
	afterJournal func(name string) error
}

type candidate struct {
	size  int64
	mod   time.Time
	since time.Time // when size and mtime were last seen to change
}

// New opens the journal of a hot folder; Run watches it.
func New(opt Options, sink Sink) (*Watcher, error) {
	if opt.Dir == "" || sink == nil {
		return nil, fmt.Errorf("hotfolder: thiếu thư mục hoặc nơi nhận / missing directory or sink")
	}
	if opt.Batch == "" && !opt.BatchFromFolder {
		return nil, fmt.Errorf("hotfolder: thiếu tên lô / missing batch")
	}
	if opt.Stable <= 0 {
		opt.Stable = 2 * time.Second
	}
	if opt.Poll <= 0 {
		opt.Poll = opt.Stable / 2
	}
	if len(opt.Extensions) == 0 {
		opt.Extensions = DefaultExtensions
	}
	// Absolute and without symlinks: the paths walked are compared with
	// DoneDir and Journal, and with the open files /proc lists, which are.
	abs := func(p string) (string, error) {
		p, err := filepath.Abs(p)
		if err != nil {
			return "", fmt.Errorf("hotfolder: %w", err)
		}
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return r, nil
		}
		if r, err := filepath.EvalSymlinks(filepath.Dir(p)); err == nil { // a journal not yet made
			return filepath.Join(r, filepath.Base(p)), nil
		}
		return p, nil
	}
	if err := os.MkdirAll(opt.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("hotfolder: %w", err)
	}
	var err error
	if opt.Dir, err = abs(opt.Dir); err != nil {
		return nil, err
	}
	if opt.DoneDir == "" {
		opt.DoneDir = filepath.Join(opt.Dir, "done")
	} else if opt.DoneDir, err = abs(opt.DoneDir); err != nil {
		return nil, err
	}
	if opt.Journal == "" {
		opt.Journal = filepath.Join(opt.Dir, ".sohoa-hotfolder.jsonl")
	} else if opt.Journal, err = abs(opt.Journal); err != nil {
		return nil, err
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.FolderQuiet == 0 {
		opt.FolderQuiet = opt.Stable
	}
	if opt.DoneMarkers == nil {
		opt.DoneMarkers = DefaultDoneMarkers
	}
	mode, err := separator.ParseMode(string(opt.Separator))
	if err != nil {
		return nil, fmt.Errorf("hotfolder: %w", err)
	}
	if opt.MaxInk < 0 || opt.MaxInk >= 1 {
		return nil, fmt.Errorf("hotfolder: max ink %v phải từ 0 đến dưới 1 / must be at least 0 and below 1", opt.MaxInk)
	}
	j, err := openJournal(opt.Journal)
	if err != nil {
		return nil, err
	}
	return &Watcher{opt: opt, sink: sink, journal: j, seen: map[string]*candidate{},
		folders: map[string]*folderState{}, settings: map[string]*settingsCache{},
		defaults: BatchSettings{Separator: mode, MaxInk: opt.MaxInk}, log: opt.Log}, nil
}

// Close closes the journal.
func (w *Watcher) Close() error { return w.journal.close() }

// Run watches the folder until ctx ends (returning nil) or the journal
// cannot be written. Errors of the sink are logged and retried.
func (w *Watcher) Run(ctx context.Context) error {
	wake := make(chan struct{}, 1)
	if !w.opt.PollOnly {
		fw, err := fsnotify.NewWatcher()
		if err == nil {
			defer fw.Close()
			w.watchTree(fw)
			go func() {
				for {
					select {
					case ev, ok := <-fw.Events:
						if !ok {
							return
						}
						if ev.Has(fsnotify.Create) {
							if st, err := os.Stat(ev.Name); err == nil && st.IsDir() {
								w.watchTree(fw)
							}
						}
						select {
						case wake <- struct{}{}:
						default:
						}
					case _, ok := <-fw.Errors:
						if !ok {
							return
						}
					}
				}
			}()
		} else {
			w.log.Warn("hotfolder: fsnotify unavailable, polling", "dir", w.opt.Dir, "err", err)
		}
	}
	tick := time.NewTicker(w.opt.Poll)
	defer tick.Stop()
	for {
		if err := w.Scan(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		case <-wake:
		}
	}
}

// watchTree adds the folder and its subfolders (not done/) to fw.
func (w *Watcher) watchTree(fw *fsnotify.Watcher) {
	filepath.WalkDir(w.opt.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if p == w.opt.DoneDir {
			return filepath.SkipDir
		}
		_ = fw.Add(p) // adding twice is harmless
		return nil
	})
}

// skipName reports names scanners use for files still being written, and ours.
func skipName(name string) bool {
	lower := strings.ToLower(name)
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~") ||
		slices.ContainsFunc([]string{".part", ".tmp", ".partial", ".crdownload", ".filepart", ".taken", ".lock"},
			func(s string) bool { return strings.HasSuffix(lower, s) })
}

// Scan looks at the folder once and takes every file and document
// folder that has become complete. Run calls it; tests and one-shot
// imports may call it directly.
func (w *Watcher) Scan(ctx context.Context) error {
	now := time.Now()
	var files []string
	present := map[string]bool{}
	folders := map[string]*folderScan{}
	err := filepath.WalkDir(w.opt.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == w.opt.Dir {
				return err
			}
			return nil // vanished while walking
		}
		if d.IsDir() {
			if p == w.opt.DoneDir || p != w.opt.Dir && skipName(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || p == w.opt.Journal {
			return nil
		}
		if w.opt.DocumentFolders {
			rel := w.rel(p)
			if folder := w.docFolder(rel); folder != "" {
				f := folders[folder]
				if f == nil {
					f = &folderScan{}
					folders[folder] = f
				}
				w.addToFolder(f, folder, rel, p, d)
				return nil
			}
		}
		if skipName(d.Name()) || !w.isPage(d.Name()) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		present[p] = true
		c := w.seen[p]
		if c == nil || c.size != info.Size() || !c.mod.Equal(info.ModTime()) {
			w.seen[p] = &candidate{size: info.Size(), mod: info.ModTime(), since: now}
			return nil
		}
		if now.Sub(c.since) >= w.opt.Stable {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("hotfolder: scan %s: %w", w.opt.Dir, err)
	}
	for p := range w.seen {
		if !present[p] {
			delete(w.seen, p)
		}
	}
	ready := w.readyFolders(folders, now)
	if len(files) == 0 && len(ready) == 0 {
		return nil
	}
	open := openFiles(w.opt.Dir)
	items := slices.Concat(files, slices.Collect(maps.Keys(ready)))
	slices.SortFunc(items, naturalCompare)
	for _, p := range items {
		if err := ctx.Err(); err != nil {
			return err
		}
		rel := w.rel(p)
		f := ready[p]
		if open[p] || f != nil && slices.ContainsFunc(f.files, func(q string) bool { return open[q] }) {
			continue // a writer still has it
		}
		set, err := w.settingsFor(rel)
		if err != nil {
			continue // logged; left in place until the settings file is fixed
		}
		if f != nil {
			err = w.takeFolder(ctx, p, rel, f, set)
		} else {
			err = w.take(ctx, p, set)
		}
		if err == nil {
			continue
		}
		var je *journalError
		if errors.As(err, &je) {
			return err
		}
		var pe *pageError
		switch st := w.folders[rel]; {
		case f != nil && errors.As(err, &pe):
			// Retrying cannot help: wait until the folder changes (a page
			// rescanned or removed).
			w.log.Error("hotfolder: document folder left in place until it changes", "folder", rel, "err", err)
			if st != nil {
				st.failed = st.sig
			}
		case f != nil:
			w.log.Error("hotfolder: document folder not taken, will retry", "folder", rel, "err", err)
			if st != nil {
				st.retryAt = time.Now().Add(w.opt.Stable)
			}
		default:
			w.log.Error("hotfolder: file not taken, will retry", "file", p, "err", err)
			// Wait a full stability window before the next try.
			if c := w.seen[p]; c != nil {
				c.since = time.Now()
			}
		}
	}
	return nil
}

// rel is p relative to the hot folder, with slashes.
func (w *Watcher) rel(p string) string {
	rel, err := filepath.Rel(w.opt.Dir, p)
	if err != nil {
		return filepath.ToSlash(p)
	}
	return filepath.ToSlash(rel)
}

// isPage reports whether a file name has an extension taken.
func (w *Watcher) isPage(name string) bool {
	return slices.Contains(w.opt.Extensions, strings.ToLower(filepath.Ext(name)))
}

type journalError struct{ err error }

func (e *journalError) Error() string { return e.err.Error() }
func (e *journalError) Unwrap() error { return e.err }

// take hands one complete file to the sink, as it is or split at
// separator pages as its batch's settings say, journals it and moves it.
func (w *Watcher) take(ctx context.Context, p string, set BatchSettings) error {
	rel := w.rel(p)
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if w.journal.hasFile(rel, st.Size(), st.ModTime()) {
		return w.done(p, rel) // taken before a crash, not yet moved
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	batch := w.batch(rel)
	entry := Entry{Path: rel, Size: st.Size(), ModTime: st.ModTime(), SHA256: sum, Batch: batch}
	if w.journal.hasSum(sum) {
		entry.Duplicate, entry.TakenAt = true, time.Now()
		w.log.Info("hotfolder: duplicate, not sent again", "file", rel, "sha256", sum)
		if err := w.journal.add(entry); err != nil {
			return &journalError{err}
		}
		return w.done(p, rel)
	}
	unchanged := func() error {
		if st2, err := os.Stat(p); err != nil || st2.Size() != st.Size() || !st2.ModTime().Equal(st.ModTime()) {
			// Changed while being sent: the sink has an incomplete copy
			// under another hash; the complete file will be sent when stable.
			return fmt.Errorf("hotfolder: %s changed while being sent", rel)
		}
		return nil
	}
	if set.splits() && splittable(p) {
		split, err := w.sendSplit(ctx, &entry, []string{p}, strings.TrimSuffix(rel, filepath.Ext(rel)), "", set, unchanged)
		var pe *pageError
		switch {
		case errors.As(err, &pe):
			// Not readable page by page: ingest will say why when it gets
			// the file as it is, as it would in a batch of one file each.
			w.log.Warn("hotfolder: file cannot be split at separator pages, sent as it is", "file", rel, "err", err)
		case err != nil:
			return err
		case split:
			return w.finish(p, rel, entry)
		}
		// No separator page in it: the file is one document, sent as it is.
		entry.Pages, entry.Parts = 0, 0
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	// The sink reads exactly the bytes hashed; a file that grew since is
	// caught by the check below and offered again later.
	if err := w.sink.File(ctx, batch, rel, "", io.LimitReader(f, st.Size())); err != nil {
		return fmt.Errorf("sink: %w", err)
	}
	if err := unchanged(); err != nil {
		return err
	}
	if w.afterSink != nil {
		if err := w.afterSink(rel); err != nil {
			return err
		}
	}
	return w.finish(p, rel, entry)
}

// finish journals a source taken and moves it away.
func (w *Watcher) finish(p, rel string, entry Entry) error {
	entry.TakenAt = time.Now()
	if err := w.journal.add(entry); err != nil {
		return &journalError{err}
	}
	w.log.Info("hotfolder: taken", "path", rel, "batch", entry.Batch, "bytes", entry.Size, "sha256", entry.SHA256,
		"pages", entry.Pages, "parts", entry.Parts)
	if w.afterJournal != nil {
		if err := w.afterJournal(rel); err != nil {
			return err
		}
	}
	return w.done(p, rel)
}

func (w *Watcher) batch(rel string) string {
	if w.opt.BatchFromFolder {
		if first, _, ok := strings.Cut(rel, "/"); ok {
			return first
		}
	}
	return w.opt.Batch
}

// done moves or marks a taken file or document folder, never over an
// earlier one of the same name.
func (w *Watcher) done(p, rel string) error {
	delete(w.seen, p)
	delete(w.folders, rel)
	// A clash gets the time in its name, before the extension (or the
	// ".taken" suffix, which is what keeps a marked folder out of scans).
	unique := func(base, ext string) string {
		if _, err := os.Lstat(base + ext); err != nil {
			return base + ext
		}
		return fmt.Sprintf("%s.%d%s", base, time.Now().UnixNano(), ext)
	}
	var to string
	switch w.opt.Taken {
	case MarkTaken:
		to = unique(p, ".taken")
	default:
		dst := filepath.Join(w.opt.DoneDir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		ext := filepath.Ext(dst)
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			ext = ""
		}
		to = unique(strings.TrimSuffix(dst, ext), ext)
	}
	if err := os.Rename(p, to); err != nil {
		return fmt.Errorf("hotfolder: move %s: %w", rel, err)
	}
	return nil
}

// naturalCompare orders paths as people and scanners number them:
// runs of digits compare by value, so scan_2 < scan_10.
func naturalCompare(a, b string) int {
	a, b = filepath.ToSlash(a), filepath.ToSlash(b)
	for a != "" && b != "" {
		da, db := digits(a), digits(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if c := cmp.Compare(len(na), len(nb)); c != 0 {
				return c
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return cmp.Compare(a[0], b[0])
		}
		a, b = a[1:], b[1:]
	}
	return cmp.Compare(len(a), len(b))
}

func digits(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}
