package ingest

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/ingest/ingesttest"
)

// FuzzSplit feeds arbitrary bytes to Split: it must never panic or hang,
// every failure must be a complete *InputError that names the file, so
// one bad upload can never take a batch down, and a success must be at
// least one page, numbered in order. Seeds are the sample formats, the
// hostile corpus and the files TestSplitAccepts takes.
//
//	go test -run '^$' -fuzz '^FuzzSplit$' -fuzztime 60s ./ingest/
func FuzzSplit(f *testing.F) {
	dir, samples := sampleSet(f)
	for _, s := range samples {
		f.Add(readFile(f, filepath.Join(dir, s.File)))
	}
	for _, c := range ingesttest.Corpus(f, 12) {
		f.Add(c.Data)
	}
	for _, c := range acceptedCases() {
		f.Add(c.data)
	}
	lim := DefaultLimits()
	lim.MaxPixels = 4 << 20 // keep each fuzz input cheap
	lim.MaxPages = 8
	f.Fuzz(func(t *testing.T, b []byte) {
		// A hang is kept as a crasher only if the worker panics.
		stop := time.AfterFunc(10*time.Second, func() { panic("Split hung for 10 s on this input") })
		defer stop.Stop()
		pages, err := splitBytes(b, "fuzz.bin", lim)
		if err == nil {
			if len(pages) == 0 {
				t.Fatal("accepted with no pages")
			}
			for i, p := range pages {
				if p.Seq != i+1 || len(p.Data) == 0 || (p.Format != "png" && p.Format != "jpeg") || p.Width <= 0 || p.Height <= 0 || p.DPI <= 0 {
					t.Fatalf("bad page %d from accepted input: %+v", i+1, p)
				}
			}
			return
		}
		var ie *InputError
		if !errors.As(err, &ie) || ie.File != "fuzz.bin" || ie.Code == "" || ie.VI == "" || ie.EN == "" {
			t.Fatalf("error %v (%T) is not a complete *InputError", err, err)
		}
	})
}
