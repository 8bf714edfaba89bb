package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/sohoa-vn/sohoa/internal/servicetest"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

func TestBatchPagesSQLite(t *testing.T) { testBatchPages(t, "sqlite::memory:") }

func TestBatchPagesPostgres(t *testing.T) { testBatchPages(t, servicetest.Postgres(t)) }

// testBatchPages pages through more rows than one query fetches, across
// documents, with a failed page, and checks every row arrives once, in order.
func testBatchPages(t *testing.T, url string) {
	ctx := context.Background()
	db, err := catalog.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mustBatch(t, db, "b1")
	mustBatch(t, db, "b2")
	sizes := []int{300, 450, 1, 2}
	want := 0
	for i, n := range sizes {
		id := fmt.Sprintf("d%d", i)
		if _, err := db.CreateDocument(ctx, catalog.Document{ID: id, BatchID: "b1", SourceName: id + ".tif"}, makePages(id, n)); err != nil {
			t.Fatal(err)
		}
		want += n
	}
	// Another batch's pages never show.
	if _, err := db.CreateDocument(ctx, catalog.Document{ID: "x", BatchID: "b2"}, makePages("x", 3)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.MarkPageOCRed(ctx, "d2-p001", 120, 0.87, "ocr/d2-p001.json"); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkPageFailed(ctx, "d3-p002", "ảnh hỏng / corrupt image"); err != nil {
		t.Fatal(err)
	}

	got, prev := 0, ""
	seen := map[string]bool{}
	for r, err := range db.BatchPages(ctx, "b1") {
		if err != nil {
			t.Fatal(err)
		}
		if r.PageID <= prev {
			t.Fatalf("row %s after %s: not in ID order", r.PageID, prev)
		}
		prev = r.PageID
		if seen[r.PageID] || r.DocumentID == "x" {
			t.Fatalf("row %s of document %s: repeated or from another batch", r.PageID, r.DocumentID)
		}
		seen[r.PageID] = true
		got++
		switch r.PageID {
		case "d2-p001":
			if r.Status != catalog.PageOCRDone || r.Confidence < 0.869 || r.Confidence > 0.871 || r.TextLen != 120 ||
				r.DocStatus != catalog.DocAssembling || r.SourceName != "d2.tif" || r.Seq != 1 {
				t.Errorf("OCR'd page row = %+v", r)
			}
		case "d3-p002":
			if r.Status != catalog.PageFailed || r.Error != "ảnh hỏng / corrupt image" || r.DocStatus != catalog.DocFailed || r.DocError == "" {
				t.Errorf("failed page row = %+v", r)
			}
		}
	}
	if got != want {
		t.Fatalf("BatchPages yielded %d rows, want %d", got, want)
	}

	// Stopping early stops the queries.
	n := 0
	for _, err := range db.BatchPages(ctx, "b1") {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 10 {
			break
		}
	}

	var docs []string
	for d, err := range db.BatchDocuments(ctx, "b1") {
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d.ID)
	}
	if fmt.Sprint(docs) != "[d0 d1 d2 d3]" {
		t.Errorf("BatchDocuments = %v", docs)
	}
	for _, err := range db.BatchPages(ctx, "nope") {
		if !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("BatchPages(missing batch) error = %v, want ErrNotFound", err)
		}
	}
	for _, err := range db.BatchDocuments(ctx, "nope") {
		if !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("BatchDocuments(missing batch) error = %v, want ErrNotFound", err)
		}
	}
}
