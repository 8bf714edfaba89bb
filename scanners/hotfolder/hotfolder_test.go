package hotfolder

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a Sink that keeps what it receives.
type recorder struct {
	mu    sync.Mutex
	got   []string          // batch/name in order
	sums  map[string]string // name -> sha256 of the bytes received
	data  map[string][]byte // name -> the bytes received
	keys  []string          // idempotency keys in order
	fails int               // fail this many calls first
}

func (r *recorder) File(ctx context.Context, batch, name, key string, rd io.Reader) error {
	b, err := io.ReadAll(rd)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fails > 0 {
		r.fails--
		return errors.New("server unavailable")
	}
	if r.sums == nil {
		r.sums, r.data = map[string]string{}, map[string][]byte{}
	}
	s := sha256.Sum256(b)
	r.got = append(r.got, batch+"/"+name)
	r.keys = append(r.keys, key)
	r.sums[name] = hex.EncodeToString(s[:])
	r.data[name] = b
	return nil
}

func (r *recorder) names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// doc returns the bytes received under name.
func (r *recorder) doc(name string) []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.data[name]
}

func sum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func write(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// run watches dir with opt until cond holds (or 10 s pass), then stops.
func run(t *testing.T, opt Options, sink Sink, cond func() bool) *Watcher {
	t.Helper()
	w, err := New(opt, sink)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	// Some more scans, to catch anything taken twice.
	time.Sleep(3 * opt.Stable)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	w.Close()
	return w
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// A file written slowly, with pauses longer than the stability window, by
// a writer that keeps it open, is taken once, whole, after it is closed;
// also when the hot folder is given as a relative path (the open files
// /proc lists are absolute).
func TestSlowWriterHoldingFileOpen(t *testing.T) {
	if !OpenCheck {
		t.Fatal("the open-file check needs Linux /proc")
	}
	for _, relative := range []bool{false, true} {
		t.Run(fmt.Sprintf("relative=%v", relative), func(t *testing.T) {
			dir := t.TempDir()
			optDir := dir
			if relative {
				t.Chdir(filepath.Dir(dir))
				optDir = filepath.Base(dir)
			}
			rec := &recorder{}
			content := bytes.Repeat([]byte("II*\x00page-bytes "), 4000)
			writerDone := make(chan struct{})
			go func() {
				defer close(writerDone)
				f, err := os.Create(filepath.Join(dir, "IMG_20260605_0001.jpg"))
				if err != nil {
					t.Error(err)
					return
				}
				defer f.Close()
				for chunk := range slices.Chunk(content, len(content)/4) {
					f.Write(chunk)
					time.Sleep(250 * time.Millisecond) // > Stable: only the open check holds it back
				}
			}()
			opt := Options{Dir: optDir, Batch: "b", Stable: 100 * time.Millisecond, Poll: 30 * time.Millisecond}
			run(t, opt, rec, func() bool {
				select {
				case <-writerDone:
					return len(rec.names()) > 0
				default:
					if n := rec.names(); len(n) > 0 {
						t.Errorf("taken while the writer still had it open: %v", n)
						return true
					}
					return false
				}
			})
			<-writerDone
			if got := rec.names(); !slices.Equal(got, []string{"b/IMG_20260605_0001.jpg"}) {
				t.Fatalf("sink got %v", got)
			}
			if rec.sums["IMG_20260605_0001.jpg"] != sum(content) {
				t.Error("the sink got other bytes than the complete file")
			}
			if !exists(filepath.Join(dir, "done", "IMG_20260605_0001.jpg")) || exists(filepath.Join(dir, "IMG_20260605_0001.jpg")) {
				t.Error("the taken file was not moved to done/")
			}
		})
	}
}

// A writer that opens, appends and closes (as over a network share,
// where no open file is visible) is waited for by the stability window,
// in polling mode.
func TestStabilityWindowPolling(t *testing.T) {
	dir := t.TempDir()
	rec := &recorder{}
	content := bytes.Repeat([]byte("%PDF-1.4 x"), 5000)
	p := filepath.Join(dir, "box1", "scan_0001.pdf")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		for chunk := range slices.Chunk(content, len(content)/5) {
			f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
			if err != nil {
				t.Error(err)
				return
			}
			f.Write(chunk)
			f.Close()
			time.Sleep(100 * time.Millisecond) // < Stable
		}
	}()
	opt := Options{Dir: dir, BatchFromFolder: true, Stable: time.Second, Poll: 50 * time.Millisecond, PollOnly: true, Taken: MarkTaken}
	run(t, opt, rec, func() bool { return len(rec.names()) > 0 })
	<-writerDone
	if got := rec.names(); !slices.Equal(got, []string{"box1/box1/scan_0001.pdf"}) {
		t.Fatalf("sink got %v", got)
	}
	if rec.sums["box1/scan_0001.pdf"] != sum(content) {
		t.Error("the sink got a partial file")
	}
	if !exists(p+".taken") || exists(p) {
		t.Error("the taken file was not renamed .taken")
	}
}

// Files written under a temporary name and renamed are taken under the
// final name only; order is natural; duplicates are not sent again; a
// failing sink is retried.
func TestRenamesDuplicatesOrderRetry(t *testing.T) {
	dir := t.TempDir()
	rec := &recorder{fails: 1}
	a := []byte("first page image")
	for _, n := range []string{"scan_0010.tif", "scan_0002.tif", "scan_0001.tif"} {
		write(t, filepath.Join(dir, n), []byte("content of "+n))
	}
	write(t, filepath.Join(dir, "copy of scan_0001.png"), []byte("content of scan_0001.tif")) // same bytes, other name
	write(t, filepath.Join(dir, "scan_0003.tif.part"), a)
	write(t, filepath.Join(dir, "notes.txt"), []byte("not a scan"))
	go func() {
		// The scanner finishes scan_0003 once the first three are taken.
		for deadline := time.Now().Add(10 * time.Second); len(rec.names()) < 3 && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		os.Rename(filepath.Join(dir, "scan_0003.tif.part"), filepath.Join(dir, "scan_0003.tif"))
	}()
	opt := Options{Dir: dir, Batch: "b", Stable: 100 * time.Millisecond, Poll: 30 * time.Millisecond}
	run(t, opt, rec, func() bool { return len(rec.names()) >= 4 })
	want := []string{"b/scan_0001.tif", "b/scan_0002.tif", "b/scan_0010.tif", "b/scan_0003.tif"}
	got := rec.names()
	// The three present at start come in natural order, the renamed one
	// after. The first call ("copy of scan_0001.png", first in order)
	// failed; retried, its bytes were found taken already (as
	// scan_0001.tif) and it was not sent again.
	if !slices.Equal(got, want) {
		t.Fatalf("sink got %v, want %v", got, want)
	}
	for _, n := range []string{"scan_0001.tif", "scan_0002.tif", "scan_0003.tif", "scan_0010.tif", "copy of scan_0001.png"} {
		if !exists(filepath.Join(dir, "done", n)) {
			t.Errorf("%s not moved to done/", n)
		}
	}
	if !exists(filepath.Join(dir, "notes.txt")) {
		t.Error("notes.txt was taken")
	}
	j, err := os.ReadFile(filepath.Join(dir, ".sohoa-hotfolder.jsonl"))
	if err != nil || !strings.Contains(string(j), `"path":"copy of scan_0001.png"`) || !strings.Contains(string(j), `"duplicate":true`) {
		t.Errorf("journal does not record the duplicate: %s %v", j, err)
	}
}

// After a restart nothing is sent twice: not a file put back in the
// folder, and not a file journalled just before a crash left it unmoved.
func TestRestart(t *testing.T) {
	dir := t.TempDir()
	journal := filepath.Join(t.TempDir(), "journal.jsonl")
	rec := &recorder{}
	opt := Options{Dir: dir, Batch: "b", Stable: 80 * time.Millisecond, Poll: 20 * time.Millisecond, Journal: journal}
	write(t, filepath.Join(dir, "scan_0001.jpg"), []byte("one"))
	run(t, opt, rec, func() bool { return len(rec.names()) == 1 })

	// The same file comes back (an operator copies the folder again).
	write(t, filepath.Join(dir, "scan_0001.jpg"), []byte("one"))
	// A crash after the sink took a file but before the journal recorded
	// it: the file is offered again (the sink dedupes by content hash).
	write(t, filepath.Join(dir, "scan_0002.jpg"), []byte("two"))
	w, err := New(opt, rec)
	if err != nil {
		t.Fatal(err)
	}
	crash := errors.New("crash")
	w.afterSink = func(string) error { return crash }
	deadline := time.Now().Add(5 * time.Second)
	for len(rec.names()) < 2 && time.Now().Before(deadline) {
		w.Scan(context.Background())
		time.Sleep(20 * time.Millisecond)
	}
	w.Close()
	if !exists(filepath.Join(dir, "scan_0002.jpg")) {
		t.Fatal("the file was moved though the journal never recorded it")
	}
	run(t, opt, rec, func() bool { return !exists(filepath.Join(dir, "scan_0002.jpg")) })
	got := rec.names()
	if !slices.Equal(got, []string{"b/scan_0001.jpg", "b/scan_0002.jpg", "b/scan_0002.jpg"}) {
		t.Fatalf("sink got %v: scan_0001 must be sent once, scan_0002 again only because the crash came before the journal", got)
	}
	// Journalled but not moved (a crash after the journal): moved on restart, not sent.
	write(t, filepath.Join(dir, "scan_0003.jpg"), []byte("three"))
	w, err = New(opt, rec)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(filepath.Join(dir, "scan_0003.jpg"))
	if err := w.journal.add(Entry{Path: "scan_0003.jpg", Size: st.Size(), ModTime: st.ModTime(), SHA256: sum([]byte("three")), Batch: "b"}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	run(t, opt, rec, func() bool { return !exists(filepath.Join(dir, "scan_0003.jpg")) })
	if n := len(rec.names()); n != 3 {
		t.Errorf("a journalled file was sent again: %v", rec.names())
	}
	if !exists(filepath.Join(dir, "done", "scan_0003.jpg")) {
		t.Error("journalled file not moved on restart")
	}
}

func TestNaturalCompare(t *testing.T) {
	in := []string{"scan_0010.tif", "b/2.tif", "scan_2.tif", "IMG_20260605_0002.jpg", "scan_0001.tif", "IMG_20260605_0010.jpg", "b/10.tif", "a"}
	slices.SortFunc(in, naturalCompare)
	want := []string{"IMG_20260605_0002.jpg", "IMG_20260605_0010.jpg", "a", "b/2.tif", "b/10.tif", "scan_0001.tif", "scan_2.tif", "scan_0010.tif"}
	if !slices.Equal(in, want) {
		t.Errorf("got %v\nwant %v", in, want)
	}
}
