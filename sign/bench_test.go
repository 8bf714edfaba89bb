package sign

import (
	"bytes"
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/assemble"
	"github.com/sohoa-vn/sohoa/scanners/synthetic"
)

var (
	scannedOnce sync.Once
	scanned     []byte
	scannedErr  error
)

// scannedPDF is a 10-page scanned document as the pipeline writes it: synthetic 300 dpi
// greyscale pages as JPEG, assembled into a PDF/A by package assemble (about 2 MB).
func scannedPDF(tb testing.TB) []byte {
	tb.Helper()
	scannedOnce.Do(func() {
		var pages []assemble.Page
		docs := synthetic.Documents(7)
		for i := 0; len(pages) < 10; i++ {
			d := docs[i%len(docs)]
			for p := range d.Pages {
				if len(pages) == 10 {
					break
				}
				jpg, err := synthetic.EncodeJPEG(synthetic.Render(d, p, synthetic.Grey300), 300, 25)
				if err != nil {
					scannedErr = err
					return
				}
				pages = append(pages, assemble.Page{Image: jpg, Format: "jpeg", DPI: 300})
			}
		}
		var b bytes.Buffer
		scannedErr = assemble.WritePages(&b, assemble.Info{Title: "Hồ sơ quét", Created: time.Date(2026, 6, 5, 9, 0, 0, 0, VietnamTime)}, pages)
		scanned = b.Bytes()
	})
	if scannedErr != nil {
		tb.Fatalf("build the scanned PDF: %v", scannedErr)
	}
	return scanned
}

// BenchmarkSignScanned signs a 10-page, ~2 MB scanned PDF and reports signatures per second
// (one goroutine: per core) and bytes allocated per signature, also as a multiple of the file
// size (target: ≥ 50 B-B signatures/s, < 2× the file size).
//
//	go test -run '^$' -bench SignScanned -benchtime 100x -cpu 1 ./sign/
func BenchmarkSignScanned(b *testing.B) {
	id, _ := testIdentity(b)
	in := scannedPDF(b)
	var pki *testPKI
	levels := []struct {
		name string
		opt  func() Options
	}{
		{"B-B", func() Options { return Options{Name: "Nguyễn Văn An", Reason: "Ký số hồ sơ"} }},
		{"B-B-visible", func() Options {
			return Options{Name: "Nguyễn Văn An", Reason: "Ký số hồ sơ", Appearance: &Appearance{Organisation: "UBND phường Bến Nghé"}}
		}},
		{"B-T", func() Options {
			return Options{Name: "Nguyễn Văn An", Level: LevelBT, TSAURL: pki.tsaURL}
		}},
	}
	for _, lv := range levels {
		b.Run(lv.name, func(b *testing.B) {
			if lv.name == "B-T" {
				pki = newTestPKI(b) // stopped when this run ends
			}
			b.ReportAllocs()
			opt := lv.opt()
			var out bytes.Buffer
			out.Grow(len(in) + 256<<10)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			n := 0
			for b.Loop() {
				out.Reset()
				if err := Sign(context.Background(), &out, bytes.NewReader(in), int64(len(in)), id, opt); err != nil {
					b.Fatal(err)
				}
				n++
			}
			runtime.ReadMemStats(&after)
			perSig := float64(after.TotalAlloc-before.TotalAlloc) / float64(n)
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "sigs/s")
			b.ReportMetric(perSig/float64(len(in)), "alloc/filesize")
			b.ReportMetric(float64(len(in))/(1<<20), "file-MiB")
		})
	}
}

// BenchmarkVerifyCertifiedCopy verifies a 10-page scanned PDF signed twice (a certified
// copy's certifier and agency), the revision-by-revision change analysis included.
//
//	go test -run '^$' -bench VerifyCertifiedCopy -benchtime 20x -cpu 1 ./sign/
func BenchmarkVerifyCertifiedCopy(b *testing.B) {
	id, _ := testIdentity(b)
	one := signBytes(b, scannedPDF(b), id, Options{Name: "Người chứng thực"})
	two := signBytes(b, one, id, Options{Name: "UBND phường Một"})
	roots := testRoots(id)
	b.SetBytes(int64(len(two)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		rep, err := Verify(bytes.NewReader(two), int64(len(two)), roots)
		if err != nil || len(rep.Signatures) != 2 || !rep.AllTrusted() {
			b.Fatalf("%v %+v", err, rep)
		}
	}
}
