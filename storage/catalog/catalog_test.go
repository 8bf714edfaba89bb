package catalog_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/internal/servicetest"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

func TestSQLite(t *testing.T) {
	testCatalog(t, func(t *testing.T) string {
		return "sqlite:" + filepath.Join(t.TempDir(), "sub", "catalog.db")
	})
}

func TestSQLiteMemory(t *testing.T) {
	testCatalog(t, func(t *testing.T) string { return "sqlite::memory:" })
}

func TestPostgres(t *testing.T) {
	testCatalog(t, func(t *testing.T) string { return servicetest.Postgres(t) })
}

func TestOpenBadURL(t *testing.T) {
	for _, url := range []string{"", "mysql://x", "sqlite:", "/tmp/x.db"} {
		if db, err := catalog.Open(context.Background(), url); err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded, want error", url)
		}
	}
}

// testCatalog is the conformance suite every database must pass. newURL
// returns the URL of a fresh, empty database.
func testCatalog(t *testing.T, newURL func(t *testing.T) string) {
	open := func(t *testing.T, url string) *catalog.DB {
		t.Helper()
		db, err := catalog.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := db.Close(); err != nil {
				t.Error(err)
			}
		})
		return db
	}
	fresh := func(t *testing.T) *catalog.DB { return open(t, newURL(t)) }

	t.Run("Reopen", func(t *testing.T) {
		url := newURL(t)
		if url == "sqlite::memory:" {
			t.Log("in-memory database: reopen starts empty, checking migrations only")
		}
		ctx := context.Background()
		db, err := catalog.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.EnsureBatch(ctx, "b1", "first"); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		db2 := open(t, url) // migrations already applied: must be a no-op
		db3 := open(t, url)
		if url != "sqlite::memory:" {
			for _, d := range []*catalog.DB{db2, db3} {
				b, err := d.Batch(ctx, "b1")
				if err != nil || b.Name != "first" {
					t.Fatalf("after reopen Batch = %+v, %v; want name first", b, err)
				}
			}
		}
	})

	t.Run("EnsureBatch", func(t *testing.T) {
		db, ctx := fresh(t), context.Background()
		b1, err := db.EnsureBatch(ctx, "lo-2024-01", "Lô tháng 1")
		if err != nil {
			t.Fatal(err)
		}
		if b1.ID != "lo-2024-01" || b1.Name != "Lô tháng 1" || b1.CreatedAt.IsZero() {
			t.Fatalf("EnsureBatch = %+v", b1)
		}
		if d := time.Since(b1.CreatedAt); d < 0 || d > time.Minute {
			t.Errorf("CreatedAt %v is %v from now", b1.CreatedAt, d)
		}
		b2, err := db.EnsureBatch(ctx, "lo-2024-01", "other name")
		if err != nil {
			t.Fatal(err)
		}
		if !b2.CreatedAt.Equal(b1.CreatedAt) || b2.Name != b1.Name {
			t.Errorf("second EnsureBatch = %+v, want unchanged %+v", b2, b1)
		}
		b3, err := db.Batch(ctx, "lo-2024-01")
		if err != nil || !b3.CreatedAt.Equal(b1.CreatedAt) || b3.Name != b1.Name {
			t.Errorf("Batch = %+v, %v; want %+v", b3, err, b1)
		}
		if _, err := db.EnsureBatch(ctx, "", "x"); err == nil {
			t.Error("EnsureBatch with empty id succeeded")
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		db, ctx := fresh(t), context.Background()
		checks := map[string]error{}
		_, checks["Batch"] = db.Batch(ctx, "nope")
		_, checks["Progress"] = db.Progress(ctx, "nope")
		_, checks["Document"] = db.Document(ctx, "nope")
		_, checks["Page"] = db.Page(ctx, "nope")
		_, checks["MarkPageOCRed"] = db.MarkPageOCRed(ctx, "nope", 1, 1, "k")
		checks["MarkPageFailed"] = db.MarkPageFailed(ctx, "nope", "x")
		checks["SetAssembled"] = db.SetAssembled(ctx, "nope", "k", "s", 1, nil)
		checks["SetSigned"] = db.SetSigned(ctx, "nope", "k", "s", 1)
		checks["SetDocumentFailed"] = db.SetDocumentFailed(ctx, "nope", "x")
		for name, err := range checks {
			if !errors.Is(err, catalog.ErrNotFound) {
				t.Errorf("%s: err = %v, want ErrNotFound", name, err)
			}
		}
		docs, err := db.Documents(ctx, "nope")
		if err != nil || len(docs) != 0 {
			t.Errorf("Documents of missing batch = %v, %v; want empty", docs, err)
		}
		pages, err := db.Pages(ctx, "nope")
		if err != nil || len(pages) != 0 {
			t.Errorf("Pages of missing document = %v, %v; want empty", pages, err)
		}
	})

	t.Run("CreateDocument", func(t *testing.T) {
		db, ctx := fresh(t), context.Background()
		mustBatch(t, db, "b")
		doc := catalog.Document{ID: "d1", BatchID: "b", SourceName: "hồ sơ 01.tif", SourceSHA256: "aa",
			Metadata: json.RawMessage(`{"so_hieu":"12/QĐ-UBND"}`)}
		pages := makePages("d1", 3)
		pages[1].Format, pages[1].Width, pages[1].Height, pages[1].DPI = "jpeg", 2480, 3508, 300
		created, err := db.CreateDocument(ctx, doc, pages)
		if err != nil || !created {
			t.Fatalf("CreateDocument = %v, %v; want true, nil", created, err)
		}
		got, err := db.Document(ctx, "d1")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != catalog.DocOCR || got.PageCount != 3 || got.BatchID != "b" ||
			got.SourceName != "hồ sơ 01.tif" || got.SourceSHA256 != "aa" || got.CreatedAt.IsZero() ||
			!got.UpdatedAt.Equal(got.CreatedAt) {
			t.Errorf("Document = %+v", got)
		}
		assertJSON(t, got.Metadata, `{"so_hieu":"12/QĐ-UBND"}`)
		ps, err := db.Pages(ctx, "d1")
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 3 {
			t.Fatalf("Pages = %d, want 3", len(ps))
		}
		for i, p := range ps {
			if p.Seq != i+1 || p.ID != pages[i].ID || p.DocumentID != "d1" || p.BatchID != "b" ||
				p.Status != catalog.PageReceived || p.BlobKey != pages[i].BlobKey {
				t.Errorf("page %d = %+v", i, p)
			}
		}
		p, err := db.Page(ctx, pages[1].ID)
		if err != nil || p.Format != "jpeg" || p.Width != 2480 || p.Height != 3508 || p.DPI != 300 {
			t.Errorf("Page = %+v, %v", p, err)
		}

		// Re-ingest: nothing changes.
		doc.SourceName = "changed"
		created, err = db.CreateDocument(ctx, doc, makePages("d1", 2))
		if err != nil || created {
			t.Fatalf("re-CreateDocument = %v, %v; want false, nil", created, err)
		}
		again, _ := db.Document(ctx, "d1")
		if again.SourceName != "hồ sơ 01.tif" || again.PageCount != 3 {
			t.Errorf("re-ingest changed the document: %+v", again)
		}
		if ps, _ := db.Pages(ctx, "d1"); len(ps) != 3 {
			t.Errorf("re-ingest changed pages: %d", len(ps))
		}

		// Documents are ordered by source name, then id.
		for _, d := range []struct{ id, name string }{{"d3", "a.tif"}, {"d2", "a.tif"}, {"d0", "z.tif"}} {
			if _, err := db.CreateDocument(ctx, catalog.Document{ID: d.id, BatchID: "b", SourceName: d.name},
				makePages(d.id, 1)); err != nil {
				t.Fatal(err)
			}
		}
		docs, err := db.Documents(ctx, "b")
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, d := range docs {
			ids = append(ids, d.ID)
		}
		if got, want := strings.Join(ids, ","), "d2,d3,d1,d0"; got != want {
			t.Errorf("Documents order = %s, want %s", got, want)
		}
	})

	t.Run("CreateDocumentInvalid", func(t *testing.T) {
		db, ctx := fresh(t), context.Background()
		mustBatch(t, db, "b")
		tests := []struct {
			name  string
			doc   catalog.Document
			pages []catalog.Page
		}{
			{"no pages", catalog.Document{ID: "x", BatchID: "b"}, nil},
			{"no id", catalog.Document{BatchID: "b"}, makePages("x", 1)},
			{"unknown batch", catalog.Document{ID: "x", BatchID: "nope"}, makePages("x", 1)},
			{"page count", catalog.Document{ID: "x", BatchID: "b", PageCount: 2}, makePages("x", 1)},
			{"bad metadata", catalog.Document{ID: "x", BatchID: "b", Metadata: json.RawMessage("{")}, makePages("x", 1)},
			{"duplicate seq", catalog.Document{ID: "x", BatchID: "b"}, []catalog.Page{
				{ID: "x-1", Seq: 1}, {ID: "x-2", Seq: 1}}},
		}
		for _, tt := range tests {
			if created, err := db.CreateDocument(ctx, tt.doc, tt.pages); err == nil || created {
				t.Errorf("%s: CreateDocument = %v, %v; want error", tt.name, created, err)
			}
		}
		// Failed transactions leave nothing behind.
		if _, err := db.Document(ctx, "x"); !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("Document after failed creates: %v, want ErrNotFound", err)
		}
		if _, err := db.Page(ctx, "x-1"); !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("Page after failed creates: %v, want ErrNotFound", err)
		}
	})

	t.Run("FailedPages", func(t *testing.T) {
		db, ctx := fresh(t), context.Background()
		mustBatch(t, db, "b")
		pages := makePages("d", 4)
		pages[1].Status, pages[1].Error = catalog.PageFailed, "ảnh hỏng / corrupt image"
		pages[3].Status, pages[3].Error = catalog.PageFailed, "trang trắng / blank"
		if _, err := db.CreateDocument(ctx, catalog.Document{ID: "d", BatchID: "b"}, pages); err != nil {
			t.Fatal(err)
		}
		d, err := db.Document(ctx, "d")
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != catalog.DocFailed || !strings.Contains(d.Error, "page 2") ||
			!strings.Contains(d.Error, "page 4") || !strings.Contains(d.Error, "corrupt image") {
			t.Errorf("document = %q %q; want failed naming pages 2 and 4", d.Status, d.Error)
		}
		// OCR of the remaining pages never makes a failed document ready.
		for _, i := range []int{0, 2} {
			if ready, err := db.MarkPageOCRed(ctx, pages[i].ID, 10, 0.9, "k"); err != nil || ready {
				t.Errorf("MarkPageOCRed = %v, %v; want false, nil", ready, err)
			}
		}
		if ready, err := db.MarkPageOCRed(ctx, pages[1].ID, 10, 0.9, "k"); err != nil || ready {
			t.Errorf("MarkPageOCRed on failed page = %v, %v; want false, nil", ready, err)
		}
		if p, _ := db.Page(ctx, pages[1].ID); p.Status != catalog.PageFailed {
			t.Errorf("failed page became %s", p.Status)
		}
		if w := unfinished(t, db); len(w) != 0 {
			t.Errorf("Unfinished = %v, want none for a failed document", w)
		}
	})

	t.Run("ReadyExactlyOnce", func(t *testing.T) {
		db, ctx := fresh(t), context.Background()
		mustBatch(t, db, "b")
		const n = 20
		pages := makePages("d", n)
		if _, err := db.CreateDocument(ctx, catalog.Document{ID: "d", BatchID: "b"}, pages); err != nil {
			t.Fatal(err)
		}
		// Every page is marked twice, from 2n goroutines at once.
		var wg sync.WaitGroup
		var mu sync.Mutex
		readies := 0
		for i := range 2 * n {
			wg.Go(func() {
				p := pages[i%n]
				ready, err := db.MarkPageOCRed(ctx, p.ID, 100+p.Seq, 0.5, "ocr/"+p.ID)
				if err != nil {
					t.Error(err)
				}
				if ready {
					mu.Lock()
					readies++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if readies != 1 {
			t.Fatalf("%d callers saw ready=true, want exactly 1", readies)
		}
		d, _ := db.Document(ctx, "d")
		if d.Status != catalog.DocAssembling {
			t.Errorf("document status = %s, want assembling", d.Status)
		}
		ps, _ := db.Pages(ctx, "d")
		for _, p := range ps {
			if p.Status != catalog.PageOCRDone || p.TextLen != 100+p.Seq || p.Confidence != 0.5 || p.OCRKey != "ocr/"+p.ID {
				t.Errorf("page = %+v", p)
			}
		}
		// Marking again is harmless and never ready again.
		ready, err := db.MarkPageOCRed(ctx, pages[0].ID, 1, 0.1, "other")
		if err != nil || ready {
			t.Errorf("re-mark = %v, %v; want false, nil", ready, err)
		}
		if p, _ := db.Page(ctx, pages[0].ID); p.OCRKey != "ocr/"+p.ID || p.TextLen != 101 {
			t.Errorf("re-mark changed the page: %+v", p)
		}
	})

	t.Run("ConcurrentDocuments", func(t *testing.T) {
		// Many documents progressing at once: writers must not fail with
		// "database is locked" and every document gets exactly one ready.
		db, ctx := fresh(t), context.Background()
		mustBatch(t, db, "b")
		const docs, perDoc = 8, 5
		var wg sync.WaitGroup
		readies := make([]int, docs)
		var mu sync.Mutex
		for d := range docs {
			wg.Go(func() {
				id := fmt.Sprintf("d%d", d)
				pages := makePages(id, perDoc)
				if _, err := db.CreateDocument(ctx, catalog.Document{ID: id, BatchID: "b"}, pages); err != nil {
					t.Error(err)
					return
				}
				var inner sync.WaitGroup
				for _, p := range pages {
					inner.Go(func() {
						ready, err := db.MarkPageOCRed(ctx, p.ID, 1, 1, "k")
						if err != nil {
							t.Error(err)
						}
						if ready {
							mu.Lock()
							readies[d]++
							mu.Unlock()
						}
						if _, err := db.Progress(ctx, "b"); err != nil {
							t.Error(err)
						}
					})
				}
				inner.Wait()
			})
		}
		wg.Wait()
		for d, n := range readies {
			if n != 1 {
				t.Errorf("document %d: %d readies, want 1", d, n)
			}
		}
		p, err := db.Progress(ctx, "b")
		if err != nil || p.PagesOCRed != docs*perDoc || p.Documents != docs {
			t.Errorf("Progress = %+v, %v", p, err)
		}
	})

	t.Run("MarkPageFailed", func(t *testing.T) {
		db, ctx := fresh(t), context.Background()
		mustBatch(t, db, "b")
		pages := makePages("d", 3)
		if _, err := db.CreateDocument(ctx, catalog.Document{ID: "d", BatchID: "b"}, pages); err != nil {
			t.Fatal(err)
		}
		if _, err := db.MarkPageOCRed(ctx, pages[0].ID, 1, 1, "k"); err != nil {
			t.Fatal(err)
		}
		if err := db.MarkPageFailed(ctx, pages[2].ID, "tesseract crashed"); err != nil {
			t.Fatal(err)
		}
		if err := db.MarkPageFailed(ctx, pages[2].ID, "second reason"); err != nil {
			t.Fatal(err)
		}
		p, _ := db.Page(ctx, pages[2].ID)
		if p.Status != catalog.PageFailed || p.Error != "tesseract crashed" {
			t.Errorf("page = %s %q", p.Status, p.Error)
		}
		d, _ := db.Document(ctx, "d")
		if d.Status != catalog.DocFailed || !strings.Contains(d.Error, "tesseract crashed") || !strings.Contains(d.Error, "page 3") {
			t.Errorf("document = %s %q; want failed with the page's reason", d.Status, d.Error)
		}
		if ready, err := db.MarkPageOCRed(ctx, pages[1].ID, 1, 1, "k"); err != nil || ready {
			t.Errorf("MarkPageOCRed after failure = %v, %v; want false, nil", ready, err)
		}
		if err := db.SetAssembled(ctx, "d", "k", "s", 1, nil); !errors.Is(err, catalog.ErrWrongStatus) {
			t.Errorf("SetAssembled on failed document: %v, want ErrWrongStatus", err)
		}
	})

	t.Run("Lifecycle", func(t *testing.T) {
		db, ctx := fresh(t), context.Background()
		mustBatch(t, db, "b")
		pages := makePages("d", 2)
		if _, err := db.CreateDocument(ctx, catalog.Document{ID: "d", BatchID: "b"}, pages); err != nil {
			t.Fatal(err)
		}
		if err := db.SetAssembled(ctx, "d", "pdf/d", "11", 5, nil); !errors.Is(err, catalog.ErrWrongStatus) {
			t.Errorf("SetAssembled during OCR: %v, want ErrWrongStatus", err)
		}
		if err := db.SetSigned(ctx, "d", "signed/d", "22", 9); !errors.Is(err, catalog.ErrWrongStatus) {
			t.Errorf("SetSigned during OCR: %v, want ErrWrongStatus", err)
		}
		for _, p := range pages {
			if _, err := db.MarkPageOCRed(ctx, p.ID, 1, 1, "k"); err != nil {
				t.Fatal(err)
			}
		}
		meta := json.RawMessage(`{"title":"Quyết định","pages":2}`)
		for range 2 {
			if err := db.SetAssembled(ctx, "d", "pdf/d", "11", 1234, meta); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.SetAssembled(ctx, "d", "pdf/other", "99", 1, nil); err != nil {
			t.Errorf("SetAssembled while signing: %v", err)
		}
		d, _ := db.Document(ctx, "d")
		if d.Status != catalog.DocSigning || d.PDFKey != "pdf/d" || d.PDFSHA256 != "11" || d.TextLen != 1234 {
			t.Errorf("after SetAssembled: %+v", d)
		}
		assertJSON(t, d.Metadata, string(meta))
		if !d.UpdatedAt.After(d.CreatedAt) {
			t.Errorf("UpdatedAt %v not after CreatedAt %v", d.UpdatedAt, d.CreatedAt)
		}
		for range 2 {
			if err := db.SetSigned(ctx, "d", "signed/d", "22", 98765); err != nil {
				t.Fatal(err)
			}
		}
		d, _ = db.Document(ctx, "d")
		if d.Status != catalog.DocSigned || d.SignedKey != "signed/d" || d.SignedSHA256 != "22" || d.SignedSize != 98765 {
			t.Errorf("after SetSigned: %+v", d)
		}
		if err := db.SetDocumentFailed(ctx, "d", "late"); !errors.Is(err, catalog.ErrWrongStatus) {
			t.Errorf("SetDocumentFailed on signed: %v, want ErrWrongStatus", err)
		}
		if err := db.MarkPageFailed(ctx, pages[0].ID, "late"); err != nil {
			t.Fatal(err)
		}
		if d, _ := db.Document(ctx, "d"); d.Status != catalog.DocSigned {
			t.Errorf("a late page failure changed a signed document to %s", d.Status)
		}

		// SetDocumentFailed keeps the first reason.
		if _, err := db.CreateDocument(ctx, catalog.Document{ID: "e", BatchID: "b"}, makePages("e", 1)); err != nil {
			t.Fatal(err)
		}
		for _, r := range []string{"first", "second"} {
			if err := db.SetDocumentFailed(ctx, "e", r); err != nil {
				t.Fatal(err)
			}
		}
		if e, _ := db.Document(ctx, "e"); e.Status != catalog.DocFailed || e.Error != "first" {
			t.Errorf("failed document = %s %q", e.Status, e.Error)
		}
	})

	t.Run("Progress", func(t *testing.T) {
		db, ctx := fresh(t), context.Background()
		mustBatch(t, db, "b")
		mustBatch(t, db, "other")
		p, err := db.Progress(ctx, "b")
		if err != nil || p != (catalog.Progress{}) {
			t.Fatalf("empty Progress = %+v, %v", p, err)
		}
		// a: 3 pages, signed. b: 2 pages, one failed at ingest. c: 4 pages, one OCRed, one failed later. d: 1 page, received.
		a, b, c, d := makePages("a", 3), makePages("b", 2), makePages("c", 4), makePages("d", 1)
		b[0].Status = catalog.PageFailed
		for _, x := range []struct {
			id    string
			pages []catalog.Page
		}{{"a", a}, {"b", b}, {"c", c}, {"d", d}} {
			if _, err := db.CreateDocument(ctx, catalog.Document{ID: x.id, BatchID: "b"}, x.pages); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.CreateDocument(ctx, catalog.Document{ID: "o", BatchID: "other"}, makePages("o", 5)); err != nil {
			t.Fatal(err)
		}
		for _, pg := range a {
			mustOCR(t, db, pg.ID)
		}
		mustNoErr(t, db.SetAssembled(ctx, "a", "k", "s", 1, nil))
		mustNoErr(t, db.SetSigned(ctx, "a", "k", "s", 1))
		mustOCR(t, db, c[0].ID)
		mustNoErr(t, db.MarkPageFailed(ctx, c[1].ID, "x"))
		p, err = db.Progress(ctx, "b")
		want := catalog.Progress{Documents: 4, DocumentsSigned: 1, DocumentsFailed: 2,
			PagesReceived: 10, PagesOCRed: 4, PagesFailed: 2}
		if err != nil || p != want {
			t.Errorf("Progress = %+v, %v; want %+v", p, err, want)
		}
	})

	t.Run("Unfinished", func(t *testing.T) {
		db, ctx := fresh(t), context.Background()
		mustBatch(t, db, "b")
		ocr, asm, sig := makePages("ocr", 3), makePages("asm", 1), makePages("sig", 1)
		for _, x := range []struct {
			id    string
			pages []catalog.Page
		}{{"ocr", ocr}, {"asm", asm}, {"sig", sig}} {
			if _, err := db.CreateDocument(ctx, catalog.Document{ID: x.id, BatchID: "b"}, x.pages); err != nil {
				t.Fatal(err)
			}
		}
		mustOCR(t, db, ocr[0].ID)
		mustOCR(t, db, asm[0].ID)
		mustOCR(t, db, sig[0].ID)
		mustNoErr(t, db.SetAssembled(ctx, "sig", "k", "s", 1, nil))

		if w, err := db.Unfinished(ctx, time.Now().Add(-time.Hour), 10); err != nil || len(w) != 0 {
			t.Errorf("Unfinished before an hour ago = %v, %v; want none", w, err)
		}
		got := unfinished(t, db)
		want := []catalog.Work{{"ocr_page", ocr[1].ID}, {"ocr_page", ocr[2].ID}, {"assemble", "asm"}, {"sign", "sig"}}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("Unfinished = %v, want %v", got, want)
		}
		if w, err := db.Unfinished(ctx, time.Now().Add(time.Second), 1); err != nil || len(w) != 3 {
			t.Errorf("Unfinished limit 1 = %v, %v; want one of each kind", w, err)
		}

		mustOCR(t, db, ocr[1].ID)
		mustOCR(t, db, ocr[2].ID)
		mustNoErr(t, db.SetAssembled(ctx, "ocr", "k", "s", 1, nil))
		mustNoErr(t, db.SetAssembled(ctx, "asm", "k", "s", 1, nil))
		for _, id := range []string{"ocr", "asm", "sig"} {
			mustNoErr(t, db.SetSigned(ctx, id, "k", "s", 1))
		}
		if w := unfinished(t, db); len(w) != 0 {
			t.Errorf("Unfinished after everything signed = %v, want none", w)
		}
	})

	t.Run("QC", func(t *testing.T) { testQC(t, fresh) })
}

func makePages(docID string, n int) []catalog.Page {
	pages := make([]catalog.Page, n)
	for i := range pages {
		pages[i] = catalog.Page{ID: fmt.Sprintf("%s-p%03d", docID, i+1), Seq: i + 1,
			BlobKey: fmt.Sprintf("pages/%s/%d.png", docID, i+1), SHA256: "ff", Format: "png"}
	}
	return pages
}

func mustBatch(t *testing.T, db *catalog.DB, id string) {
	t.Helper()
	if _, err := db.EnsureBatch(context.Background(), id, id); err != nil {
		t.Fatal(err)
	}
}

func mustOCR(t *testing.T, db *catalog.DB, pageID string) {
	t.Helper()
	if _, err := db.MarkPageOCRed(context.Background(), pageID, 1, 1, "k"); err != nil {
		t.Fatal(err)
	}
}

func mustNoErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// unfinished returns everything unfinished up to a second from now.
func unfinished(t *testing.T, db *catalog.DB) []catalog.Work {
	t.Helper()
	w, err := db.Unfinished(context.Background(), time.Now().Add(time.Second), 100)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func assertJSON(t *testing.T, got json.RawMessage, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("metadata %q: %v", got, err)
	}
	json.Unmarshal([]byte(want), &w)
	if fmt.Sprint(g) != fmt.Sprint(w) {
		t.Errorf("metadata = %s, want %s", got, want)
	}
}
