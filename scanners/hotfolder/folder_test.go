package hotfolder

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/ingest"
	"github.com/sohoa-vn/sohoa/scanners/separator"
	"github.com/sohoa-vn/sohoa/scanners/synthetic"
)

// inkPage is a bilevel page of "print" (rows of dark boxes, a third of
// it ink) w pixels wide: the width tells pages apart in a PDF.
func inkPage(w int) *image.Paletted {
	img := blankPage(w)
	for y := 60; y+18 < img.Rect.Dy()-40; y += 40 {
		for x := 40; x+50 < w-40; x += 70 {
			draw.Draw(img, image.Rect(x, y, x+50, y+18), image.Black, image.Point{}, draw.Src)
		}
	}
	return img
}

// blankPage is a white bilevel page w pixels wide.
func blankPage(w int) *image.Paletted {
	img := image.NewPaletted(image.Rect(0, 0, w, 560), synthetic.Bilevel)
	for i := range img.Pix {
		img.Pix[i] = 1 // white
	}
	return img
}

var sheetOnce struct {
	sync.Once
	img *image.Paletted
	err error
}

// sheetPage is the separator sheet of separator.Sheet printed and scanned
// back: pdftoppm (poppler-utils) rasterises it at 100 dpi, thresholded to
// a bilevel page as a scanner in lineart mode gives it.
func sheetPage(t *testing.T) *image.Paletted {
	t.Helper()
	sheetOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sheet-*")
		if err != nil {
			sheetOnce.err = err
			return
		}
		defer os.RemoveAll(dir)
		var pdf bytes.Buffer
		if err := separator.Sheet(&pdf); err != nil {
			sheetOnce.err = err
			return
		}
		in := filepath.Join(dir, "sheet.pdf")
		if err := os.WriteFile(in, pdf.Bytes(), 0o644); err != nil {
			sheetOnce.err = err
			return
		}
		out := filepath.Join(dir, "sheet")
		if b, err := exec.Command("pdftoppm", "-r", "100", "-gray", "-png", "-singlefile", in, out).CombinedOutput(); err != nil {
			sheetOnce.err = fmt.Errorf("pdftoppm (Debian package poppler-utils): %v\n%s", err, b)
			return
		}
		b, err := os.ReadFile(out + ".png")
		if err != nil {
			sheetOnce.err = err
			return
		}
		grey, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			sheetOnce.err = err
			return
		}
		r := grey.Bounds()
		bw := image.NewPaletted(r, synthetic.Bilevel)
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if v, _, _, _ := grey.At(x, y).RGBA(); v >= 0x8000 {
					bw.SetColorIndex(x, y, 1)
				}
			}
		}
		sheetOnce.img = bw
	})
	if sheetOnce.err != nil {
		t.Fatal(sheetOnce.err)
	}
	return sheetOnce.img
}

// encode writes a page as the file format its name says, at 200 dpi.
func encode(t *testing.T, name string, img *image.Paletted) []byte {
	t.Helper()
	var b []byte
	var err error
	switch filepath.Ext(name) {
	case ".png":
		b, err = synthetic.EncodePNG(img, 200)
	case ".jpg":
		b, err = synthetic.EncodeJPEG(img, 200, 90)
	case ".tif":
		b, err = synthetic.EncodeBilevelTIFF([]*image.Paletted{img}, 200)
	default:
		t.Fatalf("no encoder for %s", name)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pdfPageWidths checks with poppler that a PDF has one image on each page
// and returns the images' widths, page by page.
func pdfPageWidths(t *testing.T, pdf []byte) []int {
	t.Helper()
	if len(pdf) == 0 {
		t.Fatal("no PDF received")
	}
	p := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(p, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	info, err := exec.Command("pdfinfo", p).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo (poppler-utils): %v\n%s", err, info)
	}
	pages := -1
	for _, l := range strings.Split(string(info), "\n") {
		if v, ok := strings.CutPrefix(l, "Pages:"); ok {
			pages, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	list, err := exec.Command("pdfimages", "-list", p).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfimages (poppler-utils): %v\n%s", err, list)
	}
	var widths []int
	for i, l := range strings.Split(strings.TrimSpace(string(list)), "\n")[2:] {
		f := strings.Fields(l)
		if f[0] != strconv.Itoa(i+1) {
			t.Fatalf("image %d is on page %s, want one image a page:\n%s", i+1, f[0], list)
		}
		w, _ := strconv.Atoi(f[3])
		widths = append(widths, w)
	}
	if len(widths) != pages {
		t.Fatalf("pdfinfo says %d pages, pdfimages lists %d images:\n%s", pages, len(widths), list)
	}
	return widths
}

func widthsFrom(first, n int) []int {
	var w []int
	for i := range n {
		w = append(w, first+8*i)
	}
	return w
}

// writeDocFolder writes n pages of print into dir, named by name(i) for
// i = 1…n, page i being 400+8(i-1) pixels wide.
func writeDocFolder(t *testing.T, dir string, n int, name func(i int) string) {
	t.Helper()
	for i := 1; i <= n; i++ {
		fn := name(i)
		write(t, filepath.Join(dir, fn), encode(t, fn, inkPage(400+8*(i-1))))
	}
}

// syncBuffer is a log destination the watcher's goroutine writes while
// the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// scanUntil scans with w until cond holds (or 10 s pass), then closes w:
// a watcher whose process crashed.
func scanUntil(t *testing.T, w *Watcher, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond() && time.Now().Before(deadline); {
		if err := w.Scan(context.Background()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	w.Close()
}

func emptyDir(t *testing.T, dir string) {
	t.Helper()
	if left, _ := os.ReadDir(dir); len(left) > 0 {
		t.Errorf("temporary files left in %s: %v", dir, left)
	}
}

// Each folder of page images is one document: its pages in natural
// order in one PDF, sent once the marker is there (or, without marker,
// once the folder is quiet); the whole folder is then moved or marked.
func TestDocumentFolders(t *testing.T) {
	formats := []string{".png", ".tif", ".jpg"}
	for _, tc := range []struct {
		name  string
		opt   Options
		files func(t *testing.T, dir string)
		want  map[string][]int // batch/name -> page widths
		moved []string         // patterns that must match one path afterwards
		left  []string         // paths that must still be in place
	}{{
		name: "marker, batch folders",
		// FolderQuiet of an hour: only the marker can complete a folder here.
		opt: Options{BatchFromFolder: true, FolderQuiet: time.Hour},
		files: func(t *testing.T, dir string) {
			// page_10 sorts before page_2 by bytes; scanners mean 2 before 10.
			writeDocFolder(t, filepath.Join(dir, "box-12", "HS-0007"), 10, func(i int) string {
				return fmt.Sprintf("page_%d%s", i, formats[i%3])
			})
			write(t, filepath.Join(dir, "box-12", "HS-0007", "Thumbs.db"), []byte("windows thumbnails"))
			write(t, filepath.Join(dir, "box-12", "HS-0007", ".DS_Store"), []byte("mac"))
			write(t, filepath.Join(dir, "box-12", "HS-0007", ".done"), nil)
			// No marker yet: must wait.
			writeDocFolder(t, filepath.Join(dir, "box-12", "HS-0008"), 2, func(i int) string { return fmt.Sprintf("%04d.png", i) })
			// A file directly in the batch folder stays a document of its own.
			write(t, filepath.Join(dir, "box-12", "loose.png"), encode(t, "loose.png", inkPage(300)))
		},
		want: map[string][]int{
			"box-12/box-12/HS-0007.pdf": widthsFrom(400, 10),
			"box-12/box-12/loose.png":   nil, // sent as it is
		},
		moved: []string{"done/box-12/HS-0007/page_10.tif", "done/box-12/HS-0007/.done", "done/box-12/HS-0007/Thumbs.db", "done/box-12/loose.png"},
		left:  []string{"box-12/HS-0008/0001.png", "box-12/HS-0008/0002.png"},
	}, {
		name: "quiet, no batch folder, polling, marked",
		opt:  Options{Batch: "b", FolderQuiet: 300 * time.Millisecond, PollOnly: true, Taken: MarkTaken},
		files: func(t *testing.T, dir string) {
			writeDocFolder(t, filepath.Join(dir, "HS-0009"), 3, func(i int) string { return fmt.Sprintf("%04d.tif", i) })
			write(t, filepath.Join(dir, "HS-0009", "notes.txt"), []byte("not a page"))
			// Taken earlier under the same name: kept, and the new one
			// still ends in .taken, out of later scans.
			write(t, filepath.Join(dir, "HS-0009.taken", "old.tif"), []byte("earlier"))
		},
		want:  map[string][]int{"b/HS-0009.pdf": widthsFrom(400, 3)},
		moved: []string{"HS-0009.*.taken/0003.tif", "HS-0009.*.taken/notes.txt", "HS-0009.taken/old.tif"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			rec := &recorder{}
			tc.files(t, dir)
			opt := tc.opt
			opt.Dir, opt.DocumentFolders, opt.TempDir = dir, true, t.TempDir()
			opt.Stable, opt.Poll = 100*time.Millisecond, 30*time.Millisecond
			run(t, opt, rec, func() bool { return len(rec.names()) >= len(tc.want) })
			got := rec.names()
			slices.Sort(got)
			var want []string
			for k := range tc.want {
				want = append(want, k)
			}
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("sink got %v, want %v", got, want)
			}
			for k, widths := range tc.want {
				if widths == nil {
					continue
				}
				_, name, _ := strings.Cut(k, "/")
				if got := pdfPageWidths(t, rec.doc(name)); !slices.Equal(got, widths) {
					t.Errorf("%s: pages are %v pixels wide, want %v (natural order)", name, got, widths)
				}
			}
			for _, p := range tc.moved {
				if m, _ := filepath.Glob(filepath.Join(dir, p)); len(m) != 1 {
					t.Errorf("%s missing: the taken folder was not moved or marked whole", p)
				}
			}
			for _, p := range tc.left {
				if !exists(filepath.Join(dir, p)) {
					t.Errorf("%s was taken though its folder is not complete", p)
				}
			}
			emptyDir(t, opt.TempDir)
		})
	}
}

// A folder the scanner is still writing pages into, with pauses shorter
// than FolderQuiet, is taken only after the last page, whole.
func TestFolderQuietWhileArriving(t *testing.T) {
	for _, pollOnly := range []bool{false, true} {
		t.Run(fmt.Sprintf("poll-only=%v", pollOnly), func(t *testing.T) {
			dir := t.TempDir()
			rec := &recorder{}
			const n = 6
			writerDone := make(chan struct{})
			go func() {
				defer close(writerDone)
				for i := 1; i <= n; i++ {
					name := fmt.Sprintf("scan_%d.png", i)
					b, err := synthetic.EncodePNG(inkPage(400+8*(i-1)), 200)
					if err != nil {
						t.Error(err)
						return
					}
					// Written under a temporary name and renamed, as scanners do.
					p := filepath.Join(dir, "HS-0001", name)
					if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
						t.Error(err)
						return
					}
					if err := os.WriteFile(p+".part", b, 0o644); err != nil {
						t.Error(err)
						return
					}
					if err := os.Rename(p+".part", p); err != nil {
						t.Error(err)
						return
					}
					time.Sleep(80 * time.Millisecond) // < FolderQuiet
				}
			}()
			opt := Options{Dir: dir, Batch: "b", DocumentFolders: true, PollOnly: pollOnly, TempDir: t.TempDir(),
				Stable: 100 * time.Millisecond, Poll: 30 * time.Millisecond, FolderQuiet: time.Second}
			run(t, opt, rec, func() bool {
				select {
				case <-writerDone:
					return len(rec.names()) > 0
				default:
					if got := rec.names(); len(got) > 0 {
						t.Errorf("taken while pages were still arriving: %v", got)
						return true
					}
					return false
				}
			})
			if got := rec.names(); !slices.Equal(got, []string{"b/HS-0001.pdf"}) {
				t.Fatalf("sink got %v", got)
			}
			if got := pdfPageWidths(t, rec.doc("HS-0001.pdf")); !slices.Equal(got, widthsFrom(400, n)) {
				t.Errorf("pages are %v pixels wide, want %v", got, widthsFrom(400, n))
			}
			if !exists(filepath.Join(dir, "done", "HS-0001", "scan_6.png")) {
				t.Error("folder not moved to done/")
			}
		})
	}
}

// A document folder is never sent twice: not after a crash between the
// journal and the move, not when the same pages come back under another
// folder name. A crash between the sink and the journal sends it again,
// as for files: the journal cannot know what the sink got. The PDF sent
// again has other bytes (a new time and ID) but the same idempotency key,
// so the server takes it as the same document.
func TestFolderRestart(t *testing.T) {
	dir := t.TempDir()
	journal := filepath.Join(t.TempDir(), "journal.jsonl")
	rec := &recorder{}
	log := &syncBuffer{}
	opt := Options{Dir: dir, Batch: "b", DocumentFolders: true, Journal: journal, TempDir: t.TempDir(),
		Stable: 80 * time.Millisecond, Poll: 20 * time.Millisecond, Log: slog.New(slog.NewTextHandler(log, nil))}
	pageName := func(i int) string { return fmt.Sprintf("%04d.png", i) }
	writeDocFolder(t, filepath.Join(dir, "HS-0001"), 3, pageName)
	write(t, filepath.Join(dir, "HS-0001", "READY"), nil)

	crash := errors.New("crash")
	scanUntil := func(w *Watcher, cond func() bool) { t.Helper(); scanUntil(t, w, cond) }
	// Crash after the journal, before the move.
	w, err := New(opt, rec)
	if err != nil {
		t.Fatal(err)
	}
	w.afterJournal = func(string) error { return crash }
	scanUntil(w, func() bool { return len(rec.names()) == 1 && strings.Contains(log.String(), "crash") })
	if !exists(filepath.Join(dir, "HS-0001", "0001.png")) {
		t.Fatal("the folder was moved though the crash came before the move")
	}
	run(t, opt, rec, func() bool { return !exists(filepath.Join(dir, "HS-0001")) })
	if got := rec.names(); !slices.Equal(got, []string{"b/HS-0001.pdf"}) {
		t.Fatalf("sink got %v: a folder journalled before a crash was sent again", got)
	}
	if !exists(filepath.Join(dir, "done", "HS-0001", "0003.png")) {
		t.Error("journalled folder not moved on restart")
	}

	// The same pages under another name: a duplicate, not sent.
	writeDocFolder(t, filepath.Join(dir, "HS-0001-copy"), 3, pageName)
	write(t, filepath.Join(dir, "HS-0001-copy", "READY"), nil)
	run(t, opt, rec, func() bool { return !exists(filepath.Join(dir, "HS-0001-copy")) })
	if got := rec.names(); len(got) != 1 {
		t.Fatalf("sink got %v: the same pages were sent again", got)
	}
	if j, _ := os.ReadFile(journal); !strings.Contains(string(j), `"path":"HS-0001-copy"`) || !strings.Contains(string(j), `"duplicate":true`) {
		t.Errorf("journal does not record the duplicate folder:\n%s", j)
	}

	// Crash after the sink, before the journal: sent again on restart.
	writeDocFolder(t, filepath.Join(dir, "HS-0002"), 2, func(i int) string { return fmt.Sprintf("p%d.jpg", i) })
	write(t, filepath.Join(dir, "HS-0002", "READY"), nil)
	if w, err = New(opt, rec); err != nil {
		t.Fatal(err)
	}
	w.afterSink = func(string) error { return crash }
	scanUntil(w, func() bool { return len(rec.names()) == 2 })
	if !exists(filepath.Join(dir, "HS-0002", "p1.jpg")) {
		t.Fatal("the folder was moved though the journal never recorded it")
	}
	run(t, opt, rec, func() bool { return !exists(filepath.Join(dir, "HS-0002")) })
	if got := rec.names(); !slices.Equal(got, []string{"b/HS-0001.pdf", "b/HS-0002.pdf", "b/HS-0002.pdf"}) {
		t.Fatalf("sink got %v", got)
	}
	rec.mu.Lock()
	keys := slices.Clone(rec.keys)
	rec.mu.Unlock()
	if len(keys) != 3 || keys[1] == "" || keys[1] != keys[2] || keys[0] == keys[1] || !ingest.ValidKey(keys[1]) {
		t.Errorf("idempotency keys %q: want the resent folder's two equal, valid and unlike the first folder's", keys)
	}
	emptyDir(t, opt.TempDir)
}

// A folder with a page that cannot be read is left in place, logged
// once, and taken when the page is replaced.
func TestFolderBadPage(t *testing.T) {
	dir := t.TempDir()
	rec := &recorder{}
	log := &syncBuffer{}
	opt := Options{Dir: dir, Batch: "b", DocumentFolders: true, TempDir: t.TempDir(),
		Stable: 50 * time.Millisecond, Poll: 20 * time.Millisecond, Log: slog.New(slog.NewTextHandler(log, nil))}
	writeDocFolder(t, filepath.Join(dir, "HS-0003"), 3, func(i int) string { return fmt.Sprintf("%04d.png", i) })
	good, _ := os.ReadFile(filepath.Join(dir, "HS-0003", "0002.png"))
	write(t, filepath.Join(dir, "HS-0003", "0002.png"), good[:len(good)/2]) // cut short
	write(t, filepath.Join(dir, "HS-0003", ".done"), nil)
	const msg = "document folder HS-0003 has a page that cannot be read"
	w, err := New(opt, rec)
	if err != nil {
		t.Fatal(err)
	}
	// Scan until it has been tried, then ten times more.
	for i, deadline := 0, time.Now().Add(10*time.Second); i < 10 && time.Now().Before(deadline); {
		if err := w.Scan(context.Background()); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(log.String(), msg) {
			i++
		}
		time.Sleep(10 * time.Millisecond)
	}
	w.Close()
	if n := strings.Count(log.String(), msg); n != 1 {
		t.Errorf("error logged %d times, want once:\n%s", n, log)
	}
	if !strings.Contains(log.String(), "không đọc được") || !strings.Contains(log.String(), "0002.png") {
		t.Errorf("the error does not say, in both languages, which page:\n%s", log)
	}
	if len(rec.names()) != 0 || !exists(filepath.Join(dir, "HS-0003", "0001.png")) {
		t.Fatalf("a folder with a bad page was taken: %v", rec.names())
	}
	write(t, filepath.Join(dir, "HS-0003", "0002.png"), good) // rescanned
	run(t, opt, rec, func() bool { return len(rec.names()) > 0 })
	if got := pdfPageWidths(t, rec.doc("HS-0003.pdf")); !slices.Equal(got, widthsFrom(400, 3)) {
		t.Errorf("pages are %v pixels wide", got)
	}
}
