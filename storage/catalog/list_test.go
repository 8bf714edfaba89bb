package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/internal/servicetest"
	"github.com/sohoa-vn/sohoa/results"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

func TestListSQLite(t *testing.T) {
	testList(t, "sqlite:"+filepath.Join(t.TempDir(), "catalog.db"))
}

func TestListPostgres(t *testing.T) { testList(t, servicetest.Postgres(t)) }

// testList pages through every list with the same cursor shape and wants
// each record exactly once, in id order, only of the visible offices.
func testList(t *testing.T, url string) {
	ctx := context.Background()
	db, err := catalog.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var wantBatches, wantDocs, wantFailed, wantResults, wantCopies []string
	at := time.Date(2026, 6, 5, 9, 0, 0, 0, time.FixedZone("ICT", 7*3600))
	for i := range 7 {
		office := "ubnd-p1"
		if i%3 == 2 {
			office = "ubnd-p2" // not visible to the p1 lists below
		}
		batch := fmt.Sprintf("lo-%02d", i)
		if _, err := db.EnsureBatch(ctx, batch, batch); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ClaimBatchOffice(ctx, batch, office); err != nil {
			t.Fatal(err)
		}
		doc := fmt.Sprintf("doc-%02d", i)
		if _, err := db.CreateDocument(ctx, catalog.Document{ID: doc, BatchID: batch}, makePages(doc, 1)); err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			if err := db.SetDocumentFailed(ctx, doc, "test"); err != nil {
				t.Fatal(err)
			}
		}
		r := sample(fmt.Sprintf("KQ-%d", i))
		r.OfficeID = office
		res, err := db.CreateResult(ctx, r, results.Event{Actor: "tester", Reason: "test"})
		if err != nil {
			t.Fatal(err)
		}
		e, err := db.AllocateCertNumber(ctx, catalog.BookEntry{OfficeID: office, Book: testBook, DocumentID: doc}, at)
		if err != nil {
			t.Fatal(err)
		}
		c, err := db.IssueCopy(ctx, catalog.Copy{EntryID: e.ID, Code: fmt.Sprintf("CODE%d", i), BlobKey: "k", SHA256: "s", Size: 1, PageCount: 1}, "clerk", nil)
		if err != nil {
			t.Fatal(err)
		}
		if office == "ubnd-p1" {
			wantBatches = append(wantBatches, batch)
			wantDocs = append(wantDocs, doc)
			if i%2 == 0 {
				wantFailed = append(wantFailed, doc)
			}
			wantResults = append(wantResults, res.ID)
			wantCopies = append(wantCopies, c.ID)
		}
	}
	slices.Sort(wantResults)
	slices.Sort(wantCopies)
	visible := []string{"ubnd-p1"}
	// all pages through one list two at a time.
	all := func(t *testing.T, q catalog.ListQuery, list func(catalog.ListQuery) ([]string, string, error)) []string {
		t.Helper()
		var got []string
		for range 20 {
			ids, next, err := list(q)
			if err != nil {
				t.Fatal(err)
			}
			if len(ids) > q.Limit {
				t.Fatalf("page of %d, limit %d", len(ids), q.Limit)
			}
			got = append(got, ids...)
			if next == "" {
				return got
			}
			q.Cursor = next
		}
		t.Fatal("the cursor never ends")
		return nil
	}
	ids := func(n int, id func(int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = id(i)
		}
		return out
	}
	q := catalog.ListQuery{Offices: visible, Limit: 2}
	if got := all(t, q, func(q catalog.ListQuery) ([]string, string, error) {
		bs, next, err := db.ListBatches(ctx, q)
		return ids(len(bs), func(i int) string { return bs[i].ID }), next, err
	}); !slices.Equal(got, wantBatches) {
		t.Errorf("batches %v, want %v", got, wantBatches)
	}
	if got := all(t, q, func(q catalog.ListQuery) ([]string, string, error) {
		ds, next, err := db.ListDocuments(ctx, q)
		return ids(len(ds), func(i int) string { return ds[i].ID }), next, err
	}); !slices.Equal(got, wantDocs) {
		t.Errorf("documents %v, want %v", got, wantDocs)
	}
	failed := q
	failed.Status = string(catalog.DocFailed)
	if got := all(t, failed, func(q catalog.ListQuery) ([]string, string, error) {
		ds, next, err := db.ListDocuments(ctx, q)
		return ids(len(ds), func(i int) string { return ds[i].ID }), next, err
	}); !slices.Equal(got, wantFailed) {
		t.Errorf("failed documents %v, want %v", got, wantFailed)
	}
	one := q
	one.Batch = "lo-01"
	if got := all(t, one, func(q catalog.ListQuery) ([]string, string, error) {
		ds, next, err := db.ListDocuments(ctx, q)
		return ids(len(ds), func(i int) string { return ds[i].ID }), next, err
	}); !slices.Equal(got, []string{"doc-01"}) {
		t.Errorf("documents of lo-01 %v", got)
	}
	if got := all(t, q, func(q catalog.ListQuery) ([]string, string, error) {
		rs, next, err := db.ListResults(ctx, q)
		return ids(len(rs), func(i int) string { return rs[i].ID }), next, err
	}); !slices.Equal(got, wantResults) {
		t.Errorf("results %v, want %v", got, wantResults)
	}
	if got := all(t, q, func(q catalog.ListQuery) ([]string, string, error) {
		cs, next, err := db.ListCopies(ctx, q)
		return ids(len(cs), func(i int) string { return cs[i].ID }), next, err
	}); !slices.Equal(got, wantCopies) {
		t.Errorf("copies %v, want %v", got, wantCopies)
	}
	var ps results.Problems
	if _, _, err := db.ListBatches(ctx, catalog.ListQuery{Cursor: "!!not base64"}); !errors.As(err, &ps) {
		t.Errorf("bad cursor: %v, want a problem on cursor", err)
	}
}
