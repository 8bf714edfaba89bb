package fixity

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/storage/catalog"
	"github.com/sohoa-vn/sohoa/storage/localfs"
)

// TestSweepOrphans: the objects a killed process left without rows (a
// page image, a signed copy) are deleted, after Grace when other
// writers may be at work; known objects stay; fixity then reports none.
func TestSweepOrphans(t *testing.T) {
	ctx := context.Background()
	db, err := catalog.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := localfs.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	put := func(key string) {
		if _, err := s.Put(ctx, key, strings.NewReader("x "+key), -1); err != nil {
			t.Fatal(err)
		}
	}
	put("pages/known.png")
	if _, err := db.EnsureBatch(ctx, "b", "b"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateDocument(ctx, catalog.Document{ID: "d", BatchID: "b", PageCount: 1},
		[]catalog.Page{{ID: "d-p1", Seq: 1, BlobKey: "pages/known.png", Format: "png"}}); err != nil {
		t.Fatal(err)
	}
	put("pages/orphan.png")
	put("copies/bs_lost.pdf")
	c := &Checker{Catalog: db, Store: s, Lister: s}
	r, err := c.Check(ctx, Options{Batches: []string{"b"}, Orphans: true})
	if err != nil || r.Count(Orphan) != 2 {
		t.Fatalf("before: %v, %v; want 2 orphans", r, err)
	}

	sw := &Sweeper{Checker: c, Grace: 300 * time.Millisecond}
	n, r, err := sw.Sweep(ctx, []string{"b"})
	if err != nil || n != 0 || r.Count(Orphan) != 2 {
		t.Fatalf("first sweep: %d deleted, %v, %v; want none before Grace", n, r, err)
	}
	time.Sleep(400 * time.Millisecond)
	if n, r, err = sw.Sweep(ctx, []string{"b"}); err != nil || n != 2 || !r.OK() {
		t.Fatalf("second sweep: %d deleted, %v, %v; want 2 and a clean report", n, r, err)
	}
	r, err = c.Check(ctx, Options{Batches: []string{"b"}, Orphans: true, Rehash: true})
	if err != nil || !r.OK() || r.Stored != 1 {
		t.Fatalf("after: %v, %v; want the known object only", r, err)
	}
	put("pages/again.png")
	if n, _, err := (&Sweeper{Checker: c}).Sweep(ctx, []string{"b"}); err != nil || n != 1 {
		t.Errorf("sweep at start (no grace): %d, %v", n, err)
	}
}
