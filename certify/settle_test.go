package certify

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/storage"
	"github.com/sohoa-vn/sohoa/storage/catalog"
	"github.com/sohoa-vn/sohoa/storage/localfs"
)

// settle voids a failed issuance's number before deleting its file, and
// keeps the file of a copy whose issuance was committed after all.
func TestSettle(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := catalog.Open(ctx, "sqlite:"+filepath.Join(dir, "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	store, err := localfs.New(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	s := &Service{DB: db, Store: store}
	if _, err := db.EnsureBatch(ctx, "b", "b"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateDocument(ctx, catalog.Document{ID: "d", BatchID: "b", PageCount: 1},
		[]catalog.Page{{ID: "d-p1", Seq: 1, BlobKey: "pages/p.png", Format: "png"}}); err != nil {
		t.Fatal(err)
	}
	take := func(key string) catalog.BookEntry {
		t.Helper()
		e, err := db.AllocateCertNumber(ctx, catalog.BookEntry{OfficeID: "px", Book: "02-SCTĐT/BS", DocumentID: "d"}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.Put(ctx, key, strings.NewReader("%PDF-1.7 copy"), 13); err != nil {
			t.Fatal(err)
		}
		return e
	}

	// Failed before the commit: voided, file removed.
	e1 := take("copies/a.pdf")
	if !s.settle(ctx, e1, "copies/a.pdf", "clerk", "cấp bản sao thất bại / issuance failed: test") {
		t.Fatal("settle = false with the catalog up")
	}
	if got, _ := db.CertEntry(ctx, e1.ID); got.Status != catalog.EntryVoided {
		t.Errorf("entry %d: %s, want voided", e1.Number, got.Status)
	}
	if _, err := store.Stat(ctx, "copies/a.pdf"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("file of the voided copy: %v, want removed", err)
	}

	// Committed, answer lost: the copy stands with its file.
	e2 := take("copies/b.pdf")
	info, _ := store.Stat(ctx, "copies/b.pdf")
	if _, err := db.IssueCopy(ctx, catalog.Copy{ID: "bs_b", EntryID: e2.ID, Code: "B", BlobKey: info.Key, SHA256: info.SHA256,
		Size: info.Size, PageCount: 1}, "clerk", nil); err != nil {
		t.Fatal(err)
	}
	if !s.settle(ctx, e2, "copies/b.pdf", "clerk", "issuance failed: lost answer") {
		t.Fatal("settle = false with the catalog up")
	}
	if got, _ := db.CertEntry(ctx, e2.ID); got.Status != catalog.EntryIssued {
		t.Errorf("entry %d: %s, want still issued", e2.Number, got.Status)
	}
	if _, err := store.Stat(ctx, "copies/b.pdf"); err != nil {
		t.Errorf("file of the issued copy: %v, want kept", err)
	}

	// Catalog unreachable: not settled, file kept for a later try.
	e3 := take("copies/c.pdf")
	db.Close()
	if s.settle(ctx, e3, "copies/c.pdf", "clerk", "x") {
		t.Error("settle = true with the catalog closed")
	}
	if _, err := store.Stat(ctx, "copies/c.pdf"); err != nil {
		t.Errorf("file: %v, want kept until the number is settled", err)
	}
}
