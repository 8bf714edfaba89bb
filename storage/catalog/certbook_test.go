package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/internal/servicetest"
	"github.com/sohoa-vn/sohoa/results"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

const testBook = "02-SCTĐT/BS"

func TestCertBookSQLite(t *testing.T) {
	testCertBook(t, func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "catalog.db") })
}

func TestCertBookPostgres(t *testing.T) {
	testCertBook(t, func(t *testing.T) string { return servicetest.Postgres(t) })
}

// openBook opens a catalog with one batch and document "orig".
func openBook(t *testing.T, url string) *catalog.DB {
	t.Helper()
	ctx := context.Background()
	db, err := catalog.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.EnsureBatch(ctx, "b", "b"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateDocument(ctx, catalog.Document{ID: "orig", BatchID: "b", SourceName: "gcn.pdf"}, makePages("orig", 2)); err != nil {
		t.Fatal(err)
	}
	return db
}

func testCertBook(t *testing.T, newURL func(t *testing.T) string) {
	ctx := context.Background()
	vn := results.Vietnam

	t.Run("ConcurrentConsecutive", func(t *testing.T) {
		url := newURL(t)
		db := openBook(t, url)
		// 20 clients: on PostgreSQL each its own connection pool; SQLite
		// allows one writer process-wide, so they share the catalog.
		clients := make([]*catalog.DB, 20)
		for i := range clients {
			clients[i] = db
			if !isSQLite(url) {
				c, err := catalog.Open(ctx, url)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { c.Close() })
				clients[i] = c
			}
		}
		at := time.Date(2026, 6, 5, 9, 0, 0, 0, vn)
		var mu sync.Mutex
		var numbers []int
		var wg sync.WaitGroup
		errs := make(chan error, 200)
		for i := range 20 {
			wg.Go(func() {
				for range 10 {
					e, err := clients[i].AllocateCertNumber(ctx, catalog.BookEntry{OfficeID: "ubnd-p1", Book: testBook, DocumentID: "orig"}, at)
					if err != nil {
						errs <- err
						return
					}
					c, err := clients[i].IssueCopy(ctx, catalog.Copy{EntryID: e.ID, Code: fmt.Sprintf("C%d", e.Number),
						BlobKey: "copies/x.pdf", SHA256: "aa", Size: 1, PageCount: 2}, "clerk", nil)
					if err != nil {
						errs <- err
						return
					}
					if c.OfficeID != "ubnd-p1" || c.DocumentID != "orig" {
						errs <- fmt.Errorf("copy %+v does not carry the entry's office and document", c)
					}
					mu.Lock()
					numbers = append(numbers, e.Number)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		slices.Sort(numbers)
		for i, n := range numbers {
			if n != i+1 {
				t.Fatalf("numbers[%d] = %d; want 1..200 without gap or repeat: %v", i, n, numbers)
			}
		}
		if len(numbers) != 200 {
			t.Fatalf("%d numbers, want 200", len(numbers))
		}
		entries, err := db.CertEntries(ctx, "ubnd-p1", testBook, 2026, 6)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 200 || entries[0].Number != 1 || entries[199].Number != 200 {
			t.Fatalf("June entries: %d, first %+v", len(entries), entries[0])
		}
		for _, e := range entries {
			if e.Status != catalog.EntryIssued || e.CopyID == "" {
				t.Fatalf("entry %d: status %s copy %q, want issued with a copy", e.Number, e.Status, e.CopyID)
			}
		}
		log, err := db.AuditLog(ctx, catalog.AuditQuery{Action: catalog.AuditCopyIssued, Limit: 1000})
		if err != nil || len(log) != 200 {
			t.Fatalf("audit copy.issued entries: %d, %v; want 200", len(log), err)
		}
		if _, err := db.VerifyAudit(ctx); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("YearRolloverAndBooks", func(t *testing.T) {
		db := openBook(t, newURL(t))
		alloc := func(book string, at time.Time) catalog.BookEntry {
			t.Helper()
			e, err := db.AllocateCertNumber(ctx, catalog.BookEntry{OfficeID: "o", Book: book, DocumentID: "orig"}, at)
			if err != nil {
				t.Fatal(err)
			}
			return e
		}
		// 31 Dec 23:30 in Vietnam is still 2025, although it is 16:30 UTC.
		last := time.Date(2025, 12, 31, 23, 30, 0, 0, vn)
		for want := 1; want <= 3; want++ {
			if e := alloc(testBook, last); e.Number != want || e.Year != 2025 {
				t.Fatalf("2025 entry = %d/%d, want %d/2025", e.Number, e.Year, want)
			}
		}
		first := time.Date(2026, 1, 1, 0, 5, 0, 0, vn)
		if e := alloc(testBook, first); e.Number != 1 || e.Year != 2026 {
			t.Fatalf("first 2026 entry = %d/%d, want 1/2026", e.Number, e.Year)
		}
		if e := alloc("03-SCTĐT/BS", first); e.Number != 1 {
			t.Fatalf("another book's first entry = %d, want 1", e.Number)
		}
		if e := alloc(testBook, first); e.Number != 2 {
			t.Fatalf("second 2026 entry = %d, want 2", e.Number)
		}
		whole, err := db.CertEntries(ctx, "o", testBook, 2025, 0)
		if err != nil || len(whole) != 3 {
			t.Fatalf("2025 book: %d entries, %v", len(whole), err)
		}
	})

	t.Run("VoidAndIssueRace", func(t *testing.T) {
		db := openBook(t, newURL(t))
		at := time.Now()
		e, err := db.AllocateCertNumber(ctx, catalog.BookEntry{OfficeID: "o", Book: testBook, DocumentID: "orig"}, at)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.VoidCertEntry(ctx, e.ID, "clerk", " "); !errors.Is(err, results.ErrInvalid) {
			t.Fatalf("void without reason: %v, want ErrInvalid", err)
		}
		v, err := db.VoidCertEntry(ctx, e.ID, "clerk", "ký số thất bại / signing failed")
		if err != nil || v.Status != catalog.EntryVoided || v.VoidReason == "" {
			t.Fatalf("void = %+v, %v", v, err)
		}
		// The copy of a voided number is never recorded.
		if _, err := db.IssueCopy(ctx, catalog.Copy{EntryID: e.ID, Code: "X1", BlobKey: "k", SHA256: "s"}, "clerk", nil); !errors.Is(err, catalog.ErrEntryNotPending) {
			t.Fatalf("issue on a voided entry: %v, want ErrEntryNotPending", err)
		}
		if _, err := db.VoidCertEntry(ctx, e.ID, "clerk", "again"); !errors.Is(err, catalog.ErrEntryNotPending) {
			t.Fatalf("void twice: %v", err)
		}
		// The next number follows: the voided one stays in the book.
		e2, _ := db.AllocateCertNumber(ctx, catalog.BookEntry{OfficeID: "o", Book: testBook, DocumentID: "orig"}, at)
		if e2.Number != e.Number+1 {
			t.Fatalf("after a void: number %d, want %d", e2.Number, e.Number+1)
		}
		c, err := db.IssueCopy(ctx, catalog.Copy{EntryID: e2.ID, Code: "DUPL", BlobKey: "k", SHA256: "s"}, "clerk", nil)
		if err != nil {
			t.Fatal(err)
		}
		e3, _ := db.AllocateCertNumber(ctx, catalog.BookEntry{OfficeID: "o", Book: testBook, DocumentID: "orig"}, at)
		if _, err := db.IssueCopy(ctx, catalog.Copy{EntryID: e3.ID, Code: "DUPL", BlobKey: "k", SHA256: "s"}, "clerk", nil); !errors.Is(err, catalog.ErrDuplicateCode) {
			t.Fatalf("duplicate code: %v", err)
		}
		got, err := db.CopyByCode(ctx, "DUPL")
		if err != nil || got.ID != c.ID || got.EntryID != e2.ID {
			t.Fatalf("CopyByCode = %+v, %v", got, err)
		}
		if _, err := db.CopyByCode(ctx, "nope"); !errors.Is(err, catalog.ErrNotFound) {
			t.Fatalf("unknown code: %v", err)
		}
		list, err := db.Copies(ctx, []string{"o"}, 10)
		if err != nil || len(list) != 1 {
			t.Fatalf("Copies = %d, %v", len(list), err)
		}
		if list, _ := db.Copies(ctx, []string{"other"}, 10); len(list) != 0 {
			t.Fatalf("another office sees %d copies", len(list))
		}
	})

	// What a copy stands on is kept in the book: the reason when it is
	// linked to no result; the result's code, its validity when issued
	// and the acknowledgement when it is.
	t.Run("Basis", func(t *testing.T) {
		db := openBook(t, newURL(t))
		r, err := db.CreateResult(ctx, results.Result{Code: "KQ-77", OfficeID: "o", OwnerID: "1", ProcedureCode: "p",
			Name: "Giấy phép", NumberSymbol: "7/GP", Issuer: "UBND", IssueDate: "2024-01-02", ValidUntil: "2025-01-02"},
			results.Event{Actor: "a"})
		if err != nil {
			t.Fatal(err)
		}
		const reason = "bản chính do cơ quan khác cấp / issued by another authority"
		e1, err := db.AllocateCertNumber(ctx, catalog.BookEntry{OfficeID: "o", Book: testBook, DocumentID: "orig",
			NoResultReason: reason, Requester: "A", Certifier: "B"}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		e2, err := db.AllocateCertNumber(ctx, catalog.BookEntry{OfficeID: "o", Book: testBook, DocumentID: "orig",
			ResultID: r.ID, Requester: "A", Certifier: "B"}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.IssueCopy(ctx, catalog.Copy{EntryID: e2.ID, Code: "BASIS2", BlobKey: "k", SHA256: "s",
			Validity: "expired", WarningAck: "công dân biết giấy phép đã hết hạn"}, "clerk", nil); err != nil {
			t.Fatal(err)
		}
		got1, err := db.CertEntry(ctx, e1.ID)
		if err != nil || got1.NoResultReason != reason || got1.ResultID != "" || got1.ResultCode != "" {
			t.Fatalf("entry without a result = %+v, %v", got1, err)
		}
		book, err := db.CertEntries(ctx, "o", testBook, time.Now().In(vn).Year(), 0)
		if err != nil || len(book) != 2 {
			t.Fatalf("book = %+v, %v", book, err)
		}
		if b := book[1]; b.ResultCode != "KQ-77" || b.Validity != "expired" || b.WarningAck == "" || b.NoResultReason != "" {
			t.Fatalf("entry of an expired result = %+v", b)
		}
	})

	t.Run("Queue", func(t *testing.T) {
		db := openBook(t, newURL(t))
		if _, err := db.ClaimBatchOffice(ctx, "b", "o"); err != nil {
			t.Fatal(err)
		}
		mustBatch(t, db, "b2")
		if _, err := db.CreateDocument(ctx, catalog.Document{ID: "orig2", BatchID: "b2"}, makePages("orig2", 1)); err != nil {
			t.Fatal(err)
		}
		q, err := db.CertifyQueue(ctx, []string{"o"}, 10)
		if err != nil || len(q) != 1 || q[0].ID != "orig" {
			t.Fatalf("queue = %+v, %v; want orig only (orig2 is in an unclaimed batch)", q, err)
		}
		if all, _ := db.CertifyQueue(ctx, nil, 10); len(all) != 2 {
			t.Fatalf("queue of every office = %d, want 2", len(all))
		}
		e, _ := db.AllocateCertNumber(ctx, catalog.BookEntry{OfficeID: "o", Book: testBook, DocumentID: "orig"}, time.Now())
		if q, _ := db.CertifyQueue(ctx, []string{"o"}, 10); len(q) != 1 {
			t.Fatal("a pending number took the document off the queue")
		}
		if _, err := db.IssueCopy(ctx, catalog.Copy{EntryID: e.ID, Code: "Q1", BlobKey: "k", SHA256: "s"}, "c", nil); err != nil {
			t.Fatal(err)
		}
		if q, _ := db.CertifyQueue(ctx, []string{"o"}, 10); len(q) != 0 {
			t.Fatalf("after issue, queue = %+v", q)
		}
		if cs, err := db.CopiesOfDocument(ctx, "orig"); err != nil || len(cs) != 1 || cs[0].Code != "Q1" {
			t.Fatalf("CopiesOfDocument = %+v, %v", cs, err)
		}
	})

	t.Run("FindResults", func(t *testing.T) {
		db := openBook(t, newURL(t))
		r, err := db.CreateResult(ctx, results.Result{Code: "KQ-1", OfficeID: "o", OwnerID: "001", ProcedureCode: "1.0",
			Name: "Giấy chứng nhận", NumberSymbol: "12/GCN-UBND", Issuer: "UBND phường 1", IssueDate: "2026-03-02"}, results.Event{Actor: "t"})
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			m    catalog.ResultMatch
			want int
		}{
			{catalog.ResultMatch{Code: "kq-1"}, 1},
			{catalog.ResultMatch{NumberSymbol: "12/gcn-ubnd"}, 1},
			{catalog.ResultMatch{NumberSymbol: "12/GCN-UBND", Issuer: "ubnd phường 1", IssueDate: "02/03/2026"}, 1},
			{catalog.ResultMatch{NumberSymbol: "12/GCN-UBND", IssueDate: "2026-03-03"}, 0},
			{catalog.ResultMatch{NumberSymbol: "12/GCN-UBND", Issuer: "UBND phường 2"}, 0},
			{catalog.ResultMatch{Code: "KQ-1", Offices: []string{"x"}}, 0},
		} {
			got, err := db.FindResults(ctx, tt.m)
			if err != nil || len(got) != tt.want || (tt.want == 1 && got[0].ID != r.ID) {
				t.Errorf("FindResults(%+v) = %d results, %v; want %d", tt.m, len(got), err, tt.want)
			}
		}
		if _, err := db.FindResults(ctx, catalog.ResultMatch{}); !errors.Is(err, results.ErrInvalid) {
			t.Errorf("empty match: %v", err)
		}
	})
}

func isSQLite(url string) bool { return len(url) > 7 && url[:7] == "sqlite:" }

// TestCertBookCrash kills a process (SIGKILL) right after it allocated a
// number: the line is left pending, and recovery voids it with a reason.
func TestCertBookCrash(t *testing.T) {
	if path := os.Getenv("SOHOA_CERTBOOK_CRASH_DB"); path != "" {
		db, err := catalog.Open(context.Background(), "sqlite:"+path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		if _, err := db.AllocateCertNumber(context.Background(), catalog.BookEntry{OfficeID: "o", Book: testBook, DocumentID: "orig"}, time.Now()); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "catalog.db")
	db := openBook(t, "sqlite:"+path)
	e1, err := db.AllocateCertNumber(ctx, catalog.BookEntry{OfficeID: "o", Book: testBook, DocumentID: "orig"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.IssueCopy(ctx, catalog.Copy{EntryID: e1.ID, Code: "A", BlobKey: "k", SHA256: "s"}, "clerk", nil); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestCertBookCrash$")
	cmd.Env = append(os.Environ(), "SOHOA_CERTBOOK_CRASH_DB="+path)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child did not die of SIGKILL: %v\n%s", err, out)
	}

	year := time.Now().In(results.Vietnam).Year()
	entries, err := db.CertEntries(ctx, "o", testBook, year, 0)
	if err != nil || len(entries) != 2 || entries[1].Status != catalog.EntryPending || entries[1].Number != 2 {
		t.Fatalf("after the crash: %+v, %v; want number 2 pending", entries, err)
	}
	// Recovery with a cut-off before the allocation leaves it alone.
	if v, err := db.VoidStaleCertEntries(ctx, entries[1].CreatedAt.Add(-time.Minute), "recovery"); err != nil || len(v) != 0 {
		t.Fatalf("early recovery voided %d, %v", len(v), err)
	}
	v, err := db.VoidStaleCertEntries(ctx, time.Now().Add(time.Second), "recovery")
	if err != nil || len(v) != 1 || v[0].Number != 2 || v[0].VoidReason != catalog.ReasonInterrupted {
		t.Fatalf("recovery = %+v, %v", v, err)
	}
	e3, err := db.AllocateCertNumber(ctx, catalog.BookEntry{OfficeID: "o", Book: testBook, DocumentID: "orig"}, time.Now())
	if err != nil || e3.Number != 3 {
		t.Fatalf("next = %d, %v; want 3", e3.Number, err)
	}
	log, _ := db.AuditLog(ctx, catalog.AuditQuery{Action: catalog.AuditCopyVoided})
	if len(log) != 1 || log[0].Subject != entries[1].ID {
		t.Fatalf("audit copy.voided = %+v", log)
	}
}
