package hotfolder

import (
	"errors"
	"fmt"
	"image"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/scanners/separator"
	"github.com/sohoa-vn/sohoa/scanners/synthetic"
)

// Page kinds of a scan stream.
const (
	ink   = "ink"
	blank = "blank"
	sheet = "sheet"
)

// stream makes the pages of a scan: print pages 400+8i pixels wide (i
// counting from first), blank pages and separator sheets.
func stream(t *testing.T, first int, kinds ...string) []*image.Paletted {
	t.Helper()
	var pages []*image.Paletted
	for i, k := range kinds {
		w := first + 8*i
		switch k {
		case ink:
			pages = append(pages, inkPage(w))
		case blank:
			pages = append(pages, blankPage(w))
		case sheet:
			pages = append(pages, sheetPage(t))
		}
	}
	return pages
}

func tiffOf(t *testing.T, pages []*image.Paletted) []byte {
	t.Helper()
	b, err := synthetic.EncodeBilevelTIFF(pages, 200)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pdfOf is a scanner's PDF: one JPEG image a page, all pages w×560.
func pdfOf(t *testing.T, w int, kinds ...string) []byte {
	t.Helper()
	var jpegs [][]byte
	for _, k := range kinds {
		img := inkPage(w)
		if k == blank {
			img = blankPage(w)
		}
		b, err := synthetic.EncodeJPEG(img, 200, 90)
		if err != nil {
			t.Fatal(err)
		}
		jpegs = append(jpegs, b)
	}
	return synthetic.ImagePDF(jpegs, w, 560, 200)
}

// Where a batch's settings file says blank-or-qr, multi-page TIFF and
// PDF files and document folders are split at blank pages and separator
// sheets; the same scans in a batch without settings are one document
// each.
func TestSplitPerBatch(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "sep", SettingsFile), []byte(`{"separator": "blank-or-qr"}`))
	files := map[string][]byte{
		"sep/blank.tif":   tiffOf(t, stream(t, 400, ink, ink, blank, ink)),
		"sep/qr.tif":      tiffOf(t, stream(t, 500, ink, sheet, ink, ink)),
		"sep/whole.tif":   tiffOf(t, stream(t, 600, ink, ink)),
		"sep/scan.pdf":    pdfOf(t, 640, ink, blank, ink, ink),
		"plain/blank.tif": tiffOf(t, stream(t, 700, ink, ink, blank, ink)),
	}
	for name, b := range files {
		write(t, filepath.Join(dir, name), b)
	}
	// Other widths in each folder: the same pages twice would be a duplicate.
	for folder, first := range map[string]int{"sep/HS-0010": 800, "plain/HS-0011": 900} {
		for i, img := range stream(t, first, ink, ink, blank, ink, ink) {
			write(t, filepath.Join(dir, folder, fmt.Sprintf("%04d.png", i+1)), encode(t, ".png", img))
		}
		write(t, filepath.Join(dir, folder, "READY.txt"), nil)
	}
	want := map[string][]int{ // batch/name -> widths of the PDF's pages (nil: the file as it is)
		"sep/sep/blank-0001.pdf":   {400, 408},
		"sep/sep/blank-0002.pdf":   {424},
		"sep/sep/qr-0001.pdf":      {500},
		"sep/sep/qr-0002.pdf":      {516, 524},
		"sep/sep/whole.tif":        nil, // no separator in it
		"sep/sep/scan-0001.pdf":    {640},
		"sep/sep/scan-0002.pdf":    {640, 640},
		"sep/sep/HS-0010-0001.pdf": {800, 808},
		"sep/sep/HS-0010-0002.pdf": {824, 832},
		"plain/plain/blank.tif":    nil,
		"plain/plain/HS-0011.pdf":  {900, 908, 916, 924, 932}, // the blank page too
	}
	rec := &recorder{}
	opt := Options{Dir: dir, BatchFromFolder: true, DocumentFolders: true, TempDir: t.TempDir(),
		Stable: 100 * time.Millisecond, Poll: 30 * time.Millisecond}
	run(t, opt, rec, func() bool { return len(rec.names()) >= len(want) })
	got := rec.names()
	sorted := slices.Sorted(slices.Values(got))
	wantNames := slices.Sorted(func(yield func(string) bool) {
		for k := range want {
			if !yield(k) {
				return
			}
		}
	})
	if !slices.Equal(sorted, wantNames) {
		t.Fatalf("sink got %v\nwant %v", sorted, wantNames)
	}
	for k, widths := range want {
		_, name, _ := strings.Cut(k, "/")
		if widths == nil {
			if rec.sums[name] != sum(files[name]) {
				t.Errorf("%s: not sent as it is", name)
			}
			continue
		}
		if got := pdfPageWidths(t, rec.doc(name)); !slices.Equal(got, widths) {
			t.Errorf("%s: pages %v pixels wide, want %v", name, got, widths)
		}
	}
	// The documents of one scan go in order.
	for _, stem := range []string{"blank", "qr", "scan", "HS-0010"} {
		a, b := slices.Index(got, "sep/sep/"+stem+"-0001.pdf"), slices.Index(got, "sep/sep/"+stem+"-0002.pdf")
		if a > b {
			t.Errorf("%s: second document sent before the first: %v", stem, got)
		}
	}
	for name := range files {
		if !exists(filepath.Join(dir, "done", name)) {
			t.Errorf("%s not moved to done/", name)
		}
	}
	emptyDir(t, opt.TempDir)
}

// A crash in the middle of a split file: on restart, the documents sent
// and journalled before it are not sent again, the rest are.
func TestSplitResume(t *testing.T) {
	dir := t.TempDir()
	journal := filepath.Join(t.TempDir(), "journal.jsonl")
	// Without BatchFromFolder the settings file is at the top.
	write(t, filepath.Join(dir, SettingsFile), []byte(`{"separator": "blank", "max_ink": 0.01}`))
	write(t, filepath.Join(dir, "box.tif"), tiffOf(t, stream(t, 400, ink, blank, ink, ink, blank, ink)))
	rec := &recorder{}
	log := &syncBuffer{}
	opt := Options{Dir: dir, Batch: "b", Journal: journal, TempDir: t.TempDir(),
		Stable: 80 * time.Millisecond, Poll: 20 * time.Millisecond, Log: slog.New(slog.NewTextHandler(log, nil))}
	w, err := New(opt, rec)
	if err != nil {
		t.Fatal(err)
	}
	w.afterJournal = func(name string) error {
		if name == "box-0001.pdf" {
			return errors.New("crash")
		}
		return nil
	}
	scanUntil(t, w, func() bool { return len(rec.names()) == 1 && strings.Contains(log.String(), "crash") })
	if !exists(filepath.Join(dir, "box.tif")) {
		t.Fatal("moved before all its documents were sent")
	}
	run(t, opt, rec, func() bool { return !exists(filepath.Join(dir, "box.tif")) })
	if got, want := rec.names(), []string{"b/box-0001.pdf", "b/box-0002.pdf", "b/box-0003.pdf"}; !slices.Equal(got, want) {
		t.Fatalf("sink got %v, want %v", got, want)
	}
	rec.mu.Lock()
	keys := slices.Clone(rec.keys)
	rec.mu.Unlock()
	if len(keys) != 3 || keys[0] == "" || keys[0] == keys[1] || keys[1] == keys[2] || keys[0] == keys[2] {
		t.Errorf("idempotency keys %q: want one per part, each different", keys)
	}
	for name, widths := range map[string][]int{"box-0001.pdf": {400}, "box-0002.pdf": {416, 424}, "box-0003.pdf": {440}} {
		if got := pdfPageWidths(t, rec.doc(name)); !slices.Equal(got, widths) {
			t.Errorf("%s: pages %v pixels wide, want %v", name, got, widths)
		}
	}
	j, _ := os.ReadFile(journal)
	for _, s := range []string{`"part":1`, `"part":2`, `"part":3`, `"parts":3`, `"name":"box-0002.pdf"`} {
		if !strings.Contains(string(j), s) {
			t.Errorf("journal lacks %s:\n%s", s, j)
		}
	}
}

// A bad settings file leaves its batch's files in place, with one clear
// error in the log, while other batches go on; once fixed, they go.
func TestBadSettings(t *testing.T) {
	dir := t.TempDir()
	settings := filepath.Join(dir, "bad", SettingsFile)
	write(t, settings, []byte(`{"separator": "qr-code"}`))
	write(t, filepath.Join(dir, "bad", "scan.tif"), tiffOf(t, stream(t, 400, ink, blank, ink)))
	write(t, filepath.Join(dir, "good", "scan.tif"), tiffOf(t, stream(t, 500, ink, blank, ink)))
	rec := &recorder{}
	log := &syncBuffer{}
	opt := Options{Dir: dir, BatchFromFolder: true, TempDir: t.TempDir(),
		Stable: 50 * time.Millisecond, Poll: 20 * time.Millisecond, Log: slog.New(slog.NewTextHandler(log, nil))}
	run(t, opt, rec, func() bool { return len(rec.names()) > 0 })
	if got := rec.names(); !slices.Equal(got, []string{"good/good/scan.tif"}) {
		t.Fatalf("sink got %v", got)
	}
	if !exists(filepath.Join(dir, "bad", "scan.tif")) {
		t.Fatal("a file of a batch with a bad settings file was taken")
	}
	const en = `bad batch settings file: separator \"qr-code\" is not one of file, blank, qr, blank-or-qr`
	if n := strings.Count(log.String(), en); n != 1 {
		t.Errorf("error logged %d times, want once (each version of the file):\n%s", n, log)
	}
	if !strings.Contains(log.String(), `tệp cấu hình lô không hợp lệ: separator \"qr-code\" không hợp lệ`) || !strings.Contains(log.String(), settings) {
		t.Errorf("the error does not name the file and say what is wrong in Vietnamese:\n%s", log)
	}

	write(t, settings, []byte(`{"separator": "blank"}`)) // fixed
	run(t, opt, rec, func() bool { return len(rec.names()) >= 3 })
	if got := rec.names(); !slices.Equal(got, []string{"good/good/scan.tif", "bad/bad/scan-0001.pdf", "bad/bad/scan-0002.pdf"}) {
		t.Fatalf("after the fix the sink got %v", got)
	}
}

func TestParseSettings(t *testing.T) {
	def := BatchSettings{Separator: separator.QR, MaxInk: 0.002}
	for _, tc := range []struct {
		in      string
		want    BatchSettings
		errWant string // in the English part of the error; "" = no error
	}{
		{`{"separator": "blank-or-qr", "max_ink": 0.01}`, BatchSettings{separator.Either, 0.01}, ""},
		{`{"separator": "file"}`, BatchSettings{separator.PerFile, 0.002}, ""},
		{`{"max_ink": 0.005}` + "\n", BatchSettings{separator.QR, 0.005}, ""},
		{`{}`, def, ""},
		{``, def, "empty file"},
		{`separator=blank`, def, "not valid JSON (at byte 1)"},
		{`{"separator": "blank",}`, def, "not valid JSON (at byte 23)"},
		{`{"separator": "blank"`, def, "JSON ends too early"},
		{`{"seperator": "blank"}`, def, `unknown key "seperator" (use separator, max_ink)`},
		{`{"separator": "patch"}`, def, `separator "patch" is not one of`},
		{`{"separator": ""}`, def, `separator "" is not one of`},
		{`{"separator": 2}`, def, `value of "separator" has the wrong type`},
		{`{"max_ink": "0.01"}`, def, `value of "max_ink" has the wrong type`},
		{`{"max_ink": 0}`, def, "max_ink 0 must be above 0 and below 1"},
		{`{"max_ink": 1.5}`, def, "max_ink 1.5 must be above 0 and below 1"},
		{`{"separator": "qr"} {"separator": "blank"}`, def, "content after the JSON object"},
		{`["blank"]`, def, "the file must hold one JSON object"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseSettings("f.json", []byte(tc.in), def)
			if tc.errWant == "" {
				if err != nil || got != tc.want {
					t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
				}
				return
			}
			var se *SettingsError
			if !errors.As(err, &se) {
				t.Fatalf("got %+v, %v; want a *SettingsError", got, err)
			}
			if !strings.Contains(se.EN, tc.errWant) || se.VI == "" || se.VI == se.EN || se.File != "f.json" {
				t.Errorf("error %q: want %q in English, and a Vietnamese part", err, tc.errWant)
			}
			if got != def {
				t.Errorf("on error got %+v, want the defaults", got)
			}
		})
	}
}
