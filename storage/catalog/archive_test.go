package catalog_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/internal/servicetest"
	"github.com/sohoa-vn/sohoa/results"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// The archive (results, audit log, API keys, search) runs the one suite,
// testArchive, on every database. raw opens the same database with plain
// database/sql for tampering, bypassing the catalog.
func TestArchiveSQLite(t *testing.T) {
	testArchive(t, func(t *testing.T) (string, func() *sql.DB) {
		path := filepath.Join(t.TempDir(), "catalog.db")
		return "sqlite:" + path, func() *sql.DB { return rawOpen(t, "sqlite", path) }
	})
}

func TestArchiveSQLiteMemory(t *testing.T) {
	testArchive(t, func(t *testing.T) (string, func() *sql.DB) { return "sqlite::memory:", nil })
}

func TestArchivePostgres(t *testing.T) {
	testArchive(t, func(t *testing.T) (string, func() *sql.DB) {
		url := servicetest.Postgres(t)
		return url, func() *sql.DB { return rawOpen(t, "pgx", url) }
	})
}

func rawOpen(t *testing.T, driver, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func sample(code string) results.Result {
	return results.Result{Code: code, OfficeID: "ubnd-px1", OwnerID: "001090012345", ProcedureCode: "1.001234",
		Name: "Giấy chứng nhận đăng ký hộ kinh doanh", NumberSymbol: "12/GCN-UBND", Issuer: "UBND phường 1",
		IssueDate: "2024-03-05"}
}

func testArchive(t *testing.T, newDB func(t *testing.T) (url string, raw func() *sql.DB)) {
	fresh := func(t *testing.T) (*catalog.DB, func() *sql.DB) {
		t.Helper()
		url, raw := newDB(t)
		db, err := catalog.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db, raw
	}
	ctx := context.Background()
	doc := func(t *testing.T, db *catalog.DB, batch, id, meta string) {
		t.Helper()
		if _, err := db.EnsureBatch(ctx, batch, batch); err != nil {
			t.Fatal(err)
		}
		d := catalog.Document{ID: id, BatchID: batch}
		if meta != "" {
			d.Metadata = json.RawMessage(meta)
		}
		if _, err := db.CreateDocument(ctx, d, makePages(id, 1)); err != nil {
			t.Fatal(err)
		}
	}
	create := func(t *testing.T, db *catalog.DB, r results.Result) results.Result {
		t.Helper()
		out, err := db.CreateResult(ctx, r, results.Event{Actor: "tester", Reason: "test"})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}

	t.Run("ResultLifecycle", func(t *testing.T) {
		db, _ := fresh(t)
		doc(t, db, "b1", "doc1", "")
		r := sample("KQ-1")
		r.DocumentIDs = []string{"doc1", "doc1"}
		r.Status = results.Revoked // ignored: a new result is valid
		got := create(t, db, r)
		if !strings.HasPrefix(got.ID, "kq_") || got.Status != results.Valid || !slices.Equal(got.DocumentIDs, []string{"doc1"}) {
			t.Fatalf("CreateResult = %+v", got)
		}
		read, err := db.Result(ctx, got.ID)
		if err != nil {
			t.Fatal(err)
		}
		if read.Code != "KQ-1" || read.Name != r.Name || read.IssueDate != "2024-03-05" || read.ValidUntil != "" ||
			!slices.Equal(read.DocumentIDs, []string{"doc1"}) || !read.CreatedAt.Equal(got.CreatedAt) {
			t.Errorf("Result = %+v, want %+v", read, got)
		}

		if _, err := db.CreateResult(ctx, sample("KQ-1"), results.Event{}); !errors.Is(err, results.ErrDuplicate) {
			t.Errorf("duplicate code in office: err = %v, want ErrDuplicate", err)
		}
		other := sample("KQ-1")
		other.OfficeID = "ubnd-px2"
		create(t, db, other) // the same code in another office is another result

		bad := sample("")
		bad.IssueDate = "31/02/2024"
		_, err = db.CreateResult(ctx, bad, results.Event{})
		var ps results.Problems
		if !errors.As(err, &ps) || len(ps) != 2 {
			t.Errorf("invalid result: err = %v, want 2 problems (code, issue_date)", err)
		}
		missingDoc := sample("KQ-2")
		missingDoc.DocumentIDs = []string{"nope"}
		if _, err := db.CreateResult(ctx, missingDoc, results.Event{}); !errors.Is(err, results.ErrInvalid) {
			t.Errorf("unknown document: err = %v, want ErrInvalid", err)
		}
		if _, err := db.Result(ctx, "kq_nope"); !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("Result(missing) err = %v", err)
		}

		// Correction: reason required; the history says what changed.
		name := "Giấy chứng nhận đăng ký hộ kinh doanh (sửa)"
		until := "30/12/2030"
		if _, err := db.CorrectResult(ctx, got.ID, results.Patch{Name: &name}, "a1", ""); !errors.Is(err, results.ErrInvalid) {
			t.Errorf("correction without reason: %v", err)
		}
		doc(t, db, "b1", "doc2", "")
		fixed, err := db.CorrectResult(ctx, got.ID, results.Patch{Name: &name, ValidUntil: &until, AddDocuments: []string{"doc2"}}, "a1", "sai chính tả")
		if err != nil {
			t.Fatal(err)
		}
		if fixed.Name != name || fixed.ValidUntil != "2030-12-30" || len(fixed.DocumentIDs) != 2 {
			t.Errorf("CorrectResult = %+v", fixed)
		}
		if _, err := db.CorrectResult(ctx, got.ID, results.Patch{Name: &name}, "a1", "again"); err != nil {
			t.Fatal(err) // no change: nothing recorded
		}
		dup := "KQ-1"
		second := create(t, db, sample("KQ-3"))
		if _, err := db.CorrectResult(ctx, second.ID, results.Patch{Code: &dup}, "a1", "x"); !errors.Is(err, results.ErrDuplicate) {
			t.Errorf("correct to an existing code: %v", err)
		}

		// Status acts.
		if _, err := db.RevokeResult(ctx, got.ID, "a1", " "); !errors.Is(err, results.ErrInvalid) {
			t.Errorf("revoke without reason: %v", err)
		}
		for _, by := range []string{got.ID, "kq_nope"} {
			if _, err := db.ReplaceResult(ctx, got.ID, by, "a1", "x"); !errors.Is(err, results.ErrInvalid) {
				t.Errorf("replace by %s: %v, want ErrInvalid", by, err)
			}
		}
		rev, err := db.RevokeResult(ctx, second.ID, "a2", "cấp sai đối tượng")
		if err != nil || rev.Status != results.Revoked || rev.StatusReason != "cấp sai đối tượng" {
			t.Fatalf("RevokeResult = %+v, %v", rev, err)
		}
		if _, err := db.RevokeResult(ctx, second.ID, "a2", "again"); !errors.Is(err, results.ErrFinal) {
			t.Errorf("second revoke: %v, want ErrFinal", err)
		}
		if _, err := db.ReplaceResult(ctx, got.ID, second.ID, "a2", "x"); !errors.Is(err, results.ErrInvalid) {
			t.Errorf("replace by a revoked result: %v, want ErrInvalid", err)
		}
		third := create(t, db, sample("KQ-4"))
		rep, err := db.ReplaceResult(ctx, got.ID, third.ID, "a3", "cấp đổi")
		if err != nil || rep.Status != results.Replaced || rep.ReplacedBy != third.ID {
			t.Fatalf("ReplaceResult = %+v, %v", rep, err)
		}
		if read, _ := db.Result(ctx, got.ID); read.Status != results.Replaced || read.ReplacedBy != third.ID || read.StatusReason != "cấp đổi" {
			t.Errorf("after replace Result = %+v", read)
		}
		if _, err := db.RevokeResult(ctx, got.ID, "a2", "x"); !errors.Is(err, results.ErrFinal) {
			t.Errorf("revoke a replaced result: %v, want ErrFinal", err)
		}

		hist, err := db.ResultHistory(ctx, got.ID)
		if err != nil {
			t.Fatal(err)
		}
		var acts []string
		for _, ev := range hist {
			acts = append(acts, ev.Actor+":"+ev.Action)
		}
		if want := "tester:create,a1:correct,a3:replace"; strings.Join(acts, ",") != want {
			t.Fatalf("history = %v, want %s", acts, want)
		}
		if c := hist[1].Changes; len(c) != 3 || c[0].Field != "name" || c[0].To != name || c[1].Field != "valid_until" ||
			c[2].Field != "document_ids" || c[2].To != "doc2" || hist[1].Reason != "sai chính tả" {
			t.Errorf("correction event = %+v", hist[1])
		}
		if c := hist[2].Changes; c[0].From != "valid" || c[0].To != "replaced" || c[1].To != third.ID {
			t.Errorf("replace event = %+v", hist[2])
		}
		if _, err := db.ResultHistory(ctx, "kq_nope"); !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("history of missing result: %v", err)
		}

		linked, err := db.DocumentResults(ctx, "doc2")
		if err != nil || len(linked) != 1 || linked[0].ID != got.ID || linked[0].Status != results.Replaced {
			t.Errorf("DocumentResults = %+v, %v", linked, err)
		}

		// Every act went to the audit log, in order, and the chain holds.
		log, err := db.AuditLog(ctx, catalog.AuditQuery{Subject: got.ID})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range log {
			actions = append(actions, e.Action)
		}
		if want := "result.create,result.correct,result.status"; strings.Join(actions, ",") != want {
			t.Errorf("audit of %s = %v, want %s", got.ID, actions, want)
		}
		if _, err := db.VerifyAudit(ctx); err != nil {
			t.Error(err)
		}
	})

	t.Run("Expiry", func(t *testing.T) {
		now := time.Date(2025, 6, 30, 18, 0, 0, 0, time.UTC) // already 1 July in Vietnam
		for _, tc := range []struct {
			until string
			want  results.Status
		}{{"", results.Valid}, {"2025-07-01", results.Valid}, {"2025-06-30", results.Expired}, {"2030-01-01", results.Valid}} {
			r := results.Result{Status: results.Valid, ValidUntil: tc.until}
			if got := r.Validity(now); got != tc.want {
				t.Errorf("valid until %q at %v: %s, want %s", tc.until, now, got, tc.want)
			}
		}
	})

	t.Run("Lookup", func(t *testing.T) {
		db, _ := fresh(t)
		var all []string
		for i := range 25 {
			r := sample(fmt.Sprintf("KQ-%02d", i))
			r.NumberSymbol = fmt.Sprintf("%d/GCN", i)
			if i%5 == 0 {
				r.ProcedureCode = "2.000"
			}
			if i == 24 {
				r.OfficeID = "other"
			}
			all = append(all, create(t, db, r).ID)
		}
		create(t, db, results.Result{Code: "X", OwnerID: "someone-else", ProcedureCode: "1.001234", Name: "n", IssueDate: "2024-01-01"})
		var seen []string
		cursor, pages := "", 0
		for {
			rs, next, err := db.LookupResults(ctx, catalog.ResultQuery{OwnerID: "001090012345", Limit: 10, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, r := range rs {
				seen = append(seen, r.ID)
			}
			if next == "" {
				break
			}
			cursor = next
		}
		slices.Sort(all)
		if pages != 3 || !slices.Equal(seen, all) {
			t.Errorf("paged lookup: %d pages, %d results; want 3 pages, every one of %d in id order", pages, len(seen), len(all))
		}
		check := func(name string, q catalog.ResultQuery, want int) {
			t.Helper()
			q.OwnerID = "001090012345"
			rs, _, err := db.LookupResults(ctx, q)
			if err != nil || len(rs) != want {
				t.Errorf("%s: %d results, %v; want %d", name, len(rs), err, want)
			}
		}
		check("procedure", catalog.ResultQuery{ProcedureCode: "2.000"}, 5)
		check("codes", catalog.ResultQuery{Codes: []string{"KQ-01", "KQ-02", "KQ-99"}}, 2)
		check("numbers", catalog.ResultQuery{Numbers: []string{"3/GCN"}}, 1)
		check("codes or numbers", catalog.ResultQuery{Codes: []string{"KQ-01"}, Numbers: []string{"3/GCN"}}, 2)
		check("procedure and codes", catalog.ResultQuery{ProcedureCode: "2.000", Codes: []string{"KQ-01", "KQ-05"}}, 1)
		check("office", catalog.ResultQuery{Offices: []string{"other"}}, 1)
		check("no office", catalog.ResultQuery{Offices: []string{}}, 0)
		if _, _, err := db.LookupResults(ctx, catalog.ResultQuery{}); !errors.Is(err, results.ErrInvalid) {
			t.Errorf("lookup without owner: %v", err)
		}
		if _, _, err := db.LookupResults(ctx, catalog.ResultQuery{OwnerID: "x", Cursor: "!!"}); !errors.Is(err, results.ErrInvalid) {
			t.Errorf("bad cursor: %v", err)
		}
	})

	t.Run("Offices", func(t *testing.T) {
		db, _ := fresh(t)
		doc(t, db, "b1", "d1", "")
		if o, err := db.BatchOffice(ctx, "b1"); err != nil || o != "" {
			t.Errorf("new batch office = %q, %v", o, err)
		}
		if o, err := db.ClaimBatchOffice(ctx, "b1", "px1"); err != nil || o != "px1" {
			t.Errorf("claim = %q, %v", o, err)
		}
		if o, err := db.ClaimBatchOffice(ctx, "b1", "px2"); err != nil || o != "px1" {
			t.Errorf("second claim = %q, %v; want px1 kept", o, err)
		}
		if o, err := db.DocumentOffice(ctx, "d1"); err != nil || o != "px1" {
			t.Errorf("DocumentOffice = %q, %v", o, err)
		}
		if _, err := db.DocumentOffice(ctx, "nope"); !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("DocumentOffice(missing) = %v", err)
		}
		r := create(t, db, sample("K"))
		if o, err := db.ResultOffice(ctx, r.ID); err != nil || o != "ubnd-px1" {
			t.Errorf("ResultOffice = %q, %v", o, err)
		}
	})

	t.Run("AuditConcurrent", func(t *testing.T) {
		// Group-committed appends (Audit) race appends made inside the
		// transactions of the changes they record (CreateResult): one chain.
		db, _ := fresh(t)
		var wg sync.WaitGroup
		errs := make(chan error, 48)
		seqs := make(chan int64, 40)
		for i := range 40 {
			wg.Go(func() {
				e, err := db.Audit(ctx, catalog.AuditEntry{Actor: fmt.Sprintf("w%d", i), Action: catalog.AuditPDFFetch,
					Subject: "doc", Detail: json.RawMessage(`{"n": ` + fmt.Sprint(i) + `}`)})
				errs <- err
				seqs <- e.Seq
			})
		}
		for i := range 8 {
			wg.Go(func() {
				_, err := db.CreateResult(ctx, sample(fmt.Sprintf("KQ-C%d", i)), results.Event{Actor: "tester", Reason: "test"})
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		close(seqs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		seen := map[int64]bool{}
		for s := range seqs {
			if s < 1 || s > 48 || seen[s] {
				t.Errorf("Audit returned seq %d (repeated or out of range)", s)
			}
			seen[s] = true
		}
		head, err := db.VerifyAudit(ctx)
		if err != nil || head.Seq != 48 {
			t.Fatalf("VerifyAudit = %+v, %v; want 48 entries", head, err)
		}
		page, err := db.AuditLog(ctx, catalog.AuditQuery{AfterSeq: 10, Limit: 5})
		if err != nil || len(page) != 5 || page[0].Seq != 11 || page[4].Seq != 15 {
			t.Errorf("AuditLog page = %d entries, %v", len(page), err)
		}
		if string(page[0].Detail) == "" || !json.Valid(page[0].Detail) || page[1].PrevHash != page[0].Hash {
			t.Errorf("entry = %+v", page[0])
		}
		if _, err := db.Audit(ctx, catalog.AuditEntry{Action: "x", Detail: json.RawMessage(`{`)}); err == nil {
			t.Error("Audit with bad JSON detail succeeded")
		}
	})

	t.Run("AuditTamper", func(t *testing.T) {
		probe, raw := fresh(t)
		if raw == nil {
			t.Log("in-memory database: no second connection to tamper with; covered on file and PostgreSQL")
			return
		}
		_ = probe
		for _, tc := range []struct {
			name   string
			tamper string // SQL run with the append-only triggers disabled
			anchor bool   // check against the head kept before tampering
			want   string
		}{
			{"edit", `UPDATE audit_log SET detail = '{"n":99}' WHERE seq = 3`, false, "entry 3 was edited"},
			{"edit-rehash-free", `UPDATE audit_log SET actor = 'someone' WHERE seq = 5`, false, "entry 5 was edited"},
			{"delete-middle", `DELETE FROM audit_log WHERE seq = 2`, false, "entry 3 follows 1"},
			{"delete-tail", `DELETE FROM audit_log WHERE seq = 6`, true, "anchored entry 6 is gone"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				db, raw := fresh(t)
				for i := range 6 {
					if _, err := db.Audit(ctx, catalog.AuditEntry{Actor: "u", Action: "pdf.fetch", Subject: fmt.Sprint(i)}); err != nil {
						t.Fatal(err)
					}
				}
				head, err := db.VerifyAudit(ctx)
				if err != nil {
					t.Fatal(err)
				}
				r := raw()
				// The database itself refuses edits and deletes.
				if _, err := r.ExecContext(ctx, tc.tamper); err == nil || !strings.Contains(err.Error(), "append-only") {
					t.Fatalf("tampering through SQL was not refused: %v", err)
				}
				if strings.Contains(fmt.Sprintf("%T", r.Driver()), "sqlite") {
					mustExec(t, r, `DROP TRIGGER audit_log_no_update`)
					mustExec(t, r, `DROP TRIGGER audit_log_no_delete`)
				} else {
					mustExec(t, r, `ALTER TABLE audit_log DISABLE TRIGGER USER`)
				}
				mustExec(t, r, tc.tamper)
				var anchors []catalog.AuditHead
				if tc.anchor {
					anchors = append(anchors, head)
					if _, err := db.VerifyAudit(ctx); err != nil {
						t.Errorf("tail deletion without an anchor: %v (no chain can see it)", err)
					}
				}
				_, err = db.VerifyAudit(ctx, anchors...)
				if !errors.Is(err, catalog.ErrAuditBroken) || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("VerifyAudit after %s = %v, want ErrAuditBroken with %q", tc.name, err, tc.want)
				}
			})
		}
	})

	t.Run("APIKeys", func(t *testing.T) {
		db, raw := fresh(t)
		token, k, err := db.CreateAPIKey(ctx, catalog.APIKey{Name: "cổng DVC", Scopes: []string{"system"}, OfficeID: "px1", Offices: []string{"px2"}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.APIKeyByToken(ctx, token)
		if err != nil || got.ID != k.ID || got.Name != "cổng DVC" || !slices.Equal(got.Scopes, []string{"system"}) ||
			got.OfficeID != "px1" || !slices.Equal(got.Offices, []string{"px2"}) || !got.RevokedAt.IsZero() {
			t.Fatalf("APIKeyByToken = %+v, %v", got, err)
		}
		for _, bad := range []string{"", "sohoa_", "sohoa_" + k.ID + "_", token + "x", strings.Replace(token, "sohoa_", "x_", 1), "sohoa_nope_abc"} {
			if _, err := db.APIKeyByToken(ctx, bad); !errors.Is(err, catalog.ErrNotFound) {
				t.Errorf("APIKeyByToken(%q) = %v, want ErrNotFound", bad, err)
			}
		}
		if raw != nil {
			var stored string
			if err := raw().QueryRowContext(ctx, `SELECT secret_sha256 FROM api_keys`).Scan(&stored); err != nil {
				t.Fatal(err)
			}
			_, secret, _ := strings.Cut(strings.TrimPrefix(token, "sohoa_"), "_")
			if strings.Contains(stored, secret) || len(stored) != 64 {
				t.Errorf("stored %q: want the SHA-256 of the secret, not the secret", stored)
			}
		}
		if _, _, err := db.CreateAPIKey(ctx, catalog.APIKey{Name: "none"}); err == nil {
			t.Error("key without scopes created")
		}
		if err := db.RevokeAPIKey(ctx, k.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.RevokeAPIKey(ctx, k.ID); err != nil {
			t.Errorf("second revoke: %v", err)
		}
		if err := db.RevokeAPIKey(ctx, "nope"); !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("revoke missing: %v", err)
		}
		if _, err := db.APIKeyByToken(ctx, token); !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("revoked key still accepted: %v", err)
		}
		keys, err := db.APIKeys(ctx)
		if err != nil || len(keys) != 1 || keys[0].RevokedAt.IsZero() {
			t.Errorf("APIKeys = %+v, %v", keys, err)
		}
	})

	t.Run("Search", func(t *testing.T) {
		db, _ := fresh(t)
		doc(t, db, "b1", "d1", `{"issuer":{"value":"ỦY BAN NHÂN DÂN QUẬN 1","confidence":0.9},"type":{"value":"QUYẾT ĐỊNH","confidence":1},"date":{"value":"2024-03-05","confidence":1}}`)
		doc(t, db, "b1", "d2", `{"issuer":{"value":"SỞ TƯ PHÁP","confidence":0.9},"type":{"value":"GIẤY CHỨNG NHẬN","confidence":1},"date":{"value":"2025-01-10","confidence":1}}`)
		doc(t, db, "b2", "d3", "")
		texts := map[string]string{
			"d1": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nQUYẾT ĐỊNH\nVề việc cấp Giấy chứng nhận quyền sử dụng đất cho ông Nguyễn Văn An",
			"d2": "GIẤY CHỨNG NHẬN đăng ký hộ kinh doanh. Đường Lê Lợi, phường Bến Thành",
			"d3": "Thông báo về lịch tiếp công dân",
		}
		for id, text := range texts {
			if err := db.SetDocumentText(ctx, id, text); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.SetDocumentText(ctx, "nope", "x"); !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("SetDocumentText(missing) = %v", err)
		}
		if _, err := db.ClaimBatchOffice(ctx, "b2", "px2"); err != nil {
			t.Fatal(err)
		}
		r := sample("KQ")
		r.DocumentIDs = []string{"d2"}
		res := create(t, db, r)
		today := results.Today(time.Now())
		ids := func(q catalog.SearchQuery) string {
			t.Helper()
			q.Today = today
			hits, _, err := db.SearchDocuments(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, h := range hits {
				out = append(out, h.DocumentID)
			}
			slices.Sort(out)
			return strings.Join(out, ",")
		}
		for _, tc := range []struct {
			name string
			q    catalog.SearchQuery
			want string
		}{
			{"no accents", catalog.SearchQuery{Text: "quyen su dung dat"}, "d1"},
			{"accents", catalog.SearchQuery{Text: "quyền sử dụng đất"}, "d1"},
			{"upper case with đ", catalog.SearchQuery{Text: "QUYẾT ĐỊNH"}, "d1"},
			{"đ typed as d", catalog.SearchQuery{Text: "duong le loi"}, "d2"},
			{"both documents", catalog.SearchQuery{Text: "giay chung nhan"}, "d1,d2"},
			{"every word must match", catalog.SearchQuery{Text: "giấy chứng nhận kinh doanh"}, "d2"},
			{"no match", catalog.SearchQuery{Text: "hộ chiếu"}, ""},
			{"quotes and operators are text", catalog.SearchQuery{Text: `"dat" * ^`}, "d1"},
			{"issuer part", catalog.SearchQuery{Text: "giay chung nhan", Issuer: "uy ban nhan dan"}, "d1"},
			{"issuer accents", catalog.SearchQuery{Issuer: "Tư pháp"}, "d2"},
			{"type", catalog.SearchQuery{Type: "giay chung nhan"}, "d2"},
			{"date from", catalog.SearchQuery{From: "2024-06-01"}, "d2"},
			{"date range", catalog.SearchQuery{From: "2024-01-01", To: "2024-12-31"}, "d1"},
			{"status valid", catalog.SearchQuery{Status: results.Valid}, "d2"},
			{"status revoked", catalog.SearchQuery{Status: results.Revoked}, ""},
			{"office", catalog.SearchQuery{Offices: []string{"px2"}}, "d3"},
			{"no filters", catalog.SearchQuery{}, "d1,d2,d3"},
		} {
			if got := ids(tc.q); got != tc.want {
				t.Errorf("%s: %+v found [%s], want [%s]", tc.name, tc.q, got, tc.want)
			}
		}
		if _, err := db.RevokeResult(ctx, res.ID, "a", "x"); err != nil {
			t.Fatal(err)
		}
		if got := ids(catalog.SearchQuery{Status: results.Revoked}); got != "d2" {
			t.Errorf("after revoke, status revoked found [%s]", got)
		}
		hits, more, err := db.SearchDocuments(ctx, catalog.SearchQuery{Text: "giay chung nhan", Limit: 1})
		if err != nil || len(hits) != 1 || !more {
			t.Errorf("page of 1: %d hits, more %v, %v", len(hits), more, err)
		}
		hits, _, _ = db.SearchDocuments(ctx, catalog.SearchQuery{Text: "dat"})
		if len(hits) != 1 || !strings.Contains(hits[0].Snippet, "quyền sử dụng đất") || hits[0].Rank <= 0 {
			t.Errorf("hit = %+v, want a snippet of the original text and a positive rank", hits)
		}
		// New text replaces the old.
		if err := db.SetDocumentText(ctx, "d1", "Biên bản bàn giao"); err != nil {
			t.Fatal(err)
		}
		if got := ids(catalog.SearchQuery{Text: "dat"}); got != "" {
			t.Errorf("old text still found: [%s]", got)
		}
		if got := ids(catalog.SearchQuery{Text: "ban giao"}); got != "d1" {
			t.Errorf("new text: [%s]", got)
		}
	})
}

func mustExec(t *testing.T, db *sql.DB, q string) {
	t.Helper()
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
