package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// BenchmarkArchiveQCPage loads the QC review page of a batch holding
// 10,000 pages for review (embedded SQLite catalog), deep in the queue.
// go test ./web -run '^$' -bench ArchiveQCPage -benchtime 200x
func BenchmarkArchiveQCPage(b *testing.B) {
	ctx := context.Background()
	a := newArchiveFixture(b, 0)
	db := a.f.DB
	if _, err := db.EnsureBatch(ctx, "lo-qc", "10k"); err != nil {
		b.Fatal(err)
	}
	if _, err := db.ClaimBatchOffice(ctx, "lo-qc", "ubnd-p1"); err != nil {
		b.Fatal(err)
	}
	var ids []string
	for d := range 100 {
		id := fmt.Sprintf("bd-%03d", d)
		var pages []catalog.Page
		for n := range 100 {
			pages = append(pages, catalog.Page{ID: fmt.Sprintf("%s-p%03d", id, n), Seq: n + 1, BlobKey: "k", SHA256: strings.Repeat("0", 64), Format: "png"})
		}
		if _, err := db.CreateDocument(ctx, catalog.Document{ID: id, BatchID: "lo-qc", SourceName: id + ".tif", SourceSHA256: fmt.Sprintf("%064d", d)}, pages); err != nil {
			b.Fatal(err)
		}
		for _, p := range pages {
			if _, err := db.RecordOCR(ctx, p.ID, catalog.OCRResult{Confidence: 40, QC: []string{catalog.QCLowConfidence}, Hold: true}); err != nil {
				b.Fatal(err)
			}
			ids = append(ids, p.ID)
		}
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.PostForm(a.srv.URL+"/archive/login", archiveLoginForm(b, c, a.srv.URL, a.archivist))
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	b.ResetTimer()
	for i := range b.N {
		resp, err := c.Get(a.srv.URL + "/archive/batches/lo-qc/qc?after=" + ids[(i*37)%len(ids)])
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatal(resp.Status)
		}
	}
}
