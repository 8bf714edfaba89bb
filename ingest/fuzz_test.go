package ingest

import (
	"errors"
	"path/filepath"
	"testing"
)

// FuzzSplit feeds arbitrary bytes to Split: it must never panic, and every
// failure must be an *InputError that names the file, so one bad upload
// can never take a batch down. Seeds are the sample formats and the bad
// inputs of TestSplitBadInput.
//
//	go test -run '^$' -fuzz FuzzSplit -fuzztime 60s ./ingest/
func FuzzSplit(f *testing.F) {
	dir, samples := sampleSet(f)
	for _, s := range samples {
		f.Add(readFile(f, filepath.Join(dir, s.File)))
	}
	f.Add([]byte{})
	f.Add(pngBomb(60000, 60000))
	f.Add(tiffBomb(100000, 100000))
	f.Add(textPDF())
	f.Add([]byte("%PDF-1.4\nthis is not really a PDF\n"))
	lim := DefaultLimits()
	lim.MaxPixels = 4 << 20 // keep each fuzz input cheap
	lim.MaxPages = 8
	f.Fuzz(func(t *testing.T, b []byte) {
		pages, err := splitBytes(b, "fuzz.bin", lim)
		if err == nil {
			for _, p := range pages {
				if len(p.Data) == 0 || (p.Format != "png" && p.Format != "jpeg") || p.Width <= 0 || p.Height <= 0 || p.DPI <= 0 {
					t.Fatalf("bad page from accepted input: %+v", p)
				}
			}
			return
		}
		var ie *InputError
		if !errors.As(err, &ie) || ie.File != "fuzz.bin" || ie.VI == "" || ie.EN == "" {
			t.Fatalf("error %v (%T) is not a complete *InputError", err, err)
		}
	})
}
