package faults

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/internal/servicetest"
)

// copyCount is how many certified copies TestPostgresRestartDuringIssuance
// asks for: SOHOA_FAULT_COPIES, default 40.
func copyCount(t *testing.T) int {
	if s := os.Getenv("SOHOA_FAULT_COPIES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 8 {
			t.Fatalf("SOHOA_FAULT_COPIES=%q: want a number of at least 8", s)
		}
		return n
	}
	return 40
}

// fault is what the PostgreSQL crash met.
type fault struct {
	issuedBefore int // copies answered before the crash
	pending      int // numbers allocated and not yet issued at the last look
	down         time.Duration
	err          error
}

// TestPostgresRestartDuringIssuance crashes PostgreSQL (SIGKILL to the
// server and every backend) while clerks issue certified copies, keeps it
// down for seconds and brings it back on the same data. Clerks retry what
// failed with the same inputs. In the end every request has exactly one
// copy, the book's numbers run without gap or repeat, each number is
// issued with its copy or voided with a reason, and storage and catalog
// agree (fixity finds no orphan and nothing missing).
func TestPostgresRestartDuringIssuance(t *testing.T) {
	const originals, clerks = 6, 4
	n := copyCount(t)
	pg := servicetest.PrivatePostgres(t)
	// Numbers left pending by the crash are the product's to void: the
	// failed issuance settles them once the database answers again, and
	// Recover voids what a dead process left (here after 20 s, not 10 min).
	c := newClusterWith(t, options{pgURL: pg.URL, env: []string{
		"SOHOA_CERTIFY_RECOVER_AFTER=20s", "SOHOA_CERTIFY_RECOVER_INTERVAL=5s"}})
	db := c.catalog()
	batch := c.ingest(writeOriginals(t, t.TempDir(), originals), "certify-originals")
	c.verify(db, batch, originals, 3*time.Minute)
	docs, err := db.Documents(t.Context(), batch)
	if err != nil {
		t.Fatal(err)
	}
	k := c.clerk()
	for i, d := range docs {
		k.createResult(t, d.ID, i)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	out := make([]issued, n)
	var answered atomic.Int64
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range clerks {
		wg.Go(func() {
			for i := range jobs {
				out[i] = k.issueCopy(ctx, docs[i%len(docs)].ID, requestNote(i))
				answered.Add(1)
			}
		})
	}
	finished := make(chan struct{})
	faulted := make(chan fault, 1)
	go func() { faulted <- crashDuringIssuance(ctx, pg, &answered, n, finished) }()
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(finished)
	f := <-faulted
	if f.err != nil {
		t.Fatalf("PostgreSQL crash: %v (%d/%d copies answered)\nPostgreSQL log:\n%s\nAPI log:\n%s", f.err, answered.Load(), n, pg.Log(), c.tail(c.api.log))
	}
	if f.down == 0 {
		t.Fatalf("every copy was issued before the crash could be injected; raise SOHOA_FAULT_COPIES")
	}
	t.Logf("crashed PostgreSQL (SIGKILL to every process) after %d/%d copies, with %d numbers pending; down %s",
		f.issuedBefore, n, f.pending, f.down.Round(time.Millisecond))

	attempts, retried := 0, 0
	for i, o := range out {
		if o.err != nil {
			t.Errorf("request %d: %v", i, o.err)
		}
		attempts += o.attempts
		if o.attempts > 1 {
			retried++
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	apiLog, _ := os.ReadFile(c.api.log)
	t.Logf("ISSUANCE requests=%d answered=%d POST_attempts=%d requests_retried=%d; API logged %d failed issuances and %d numbers it could not void",
		n, answered.Load(), attempts, retried,
		bytes.Count(apiLog, []byte(`path=/v1/copies status=500`)), bytes.Count(apiLog, []byte(`msg="certify: void number"`)))

	// Numbers allocated by an issuance the crash cut short, whose voiding
	// failed too while the catalog was down, are voided by sohoa itself
	// once PostgreSQL is back; no clerk has to tidy the book.
	_, before := checkCertBooks(t, db, pg.URL, true)
	raw, err := sql.Open("pgx", pg.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var pending int
		if err := raw.QueryRowContext(t.Context(), `SELECT count(*) FROM cert_entries WHERE status = 'pending'`).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d numbers still pending 2 minutes after the crash (%d at the first look)\nAPI log:\n%s",
				pending, before.Pending, c.tail(c.api.log))
		}
		time.Sleep(time.Second)
	}
	t.Logf("sohoa voided the %d numbers left pending by the crash", before.Pending)
	lines, cn := checkCertBooks(t, db, pg.URL, false)

	// Each request: one copy, the one the clerk was given.
	byNote := map[string][]bookLine{}
	for _, l := range lines {
		if l.status == "issued" {
			byNote[l.notes] = append(byNote[l.notes], l)
		}
	}
	for i, o := range out {
		got := byNote[requestNote(i)]
		switch {
		case len(got) != 1:
			t.Errorf("request %d has %d issued copies, want 1: %+v", i, len(got), got)
		case got[0].copyID != o.copy.ID || got[0].number != o.copy.Number:
			t.Errorf("request %d: the clerk got copy %s number %d, the book has %s number %d",
				i, o.copy.ID, o.copy.Number, got[0].copyID, got[0].number)
		}
	}
	if cn.Issued != n || cn.Copies != n || cn.Lines != n+cn.Voided {
		t.Errorf("book: %d lines, %d issued, %d copies, %d voided; want %d copies", cn.Lines, cn.Issued, cn.Copies, cn.Voided, n)
	}
	r := c.verify(db, batch, originals, 3*time.Minute)
	if r.Copies != n {
		t.Errorf("fixity audited %d copies, want %d", r.Copies, n)
	}
}

func requestNote(i int) string { return fmt.Sprintf("faults request %d", i) }

// crashDuringIssuance waits until a quarter of the n copies are answered
// and an issuance is under way (a number pending), then crashes
// PostgreSQL, keeps it down 5 s and starts it again. It returns a zero
// fault when issuance finished first.
func crashDuringIssuance(ctx context.Context, pg *servicetest.PostgresCluster, answered *atomic.Int64, n int, finished <-chan struct{}) fault {
	db, err := sql.Open("pgx", pg.URL)
	if err != nil {
		return fault{err: err}
	}
	defer db.Close()
	var f fault
	for {
		select {
		case <-finished:
			return fault{}
		case <-ctx.Done():
			return fault{err: ctx.Err()}
		case <-time.After(10 * time.Millisecond):
		}
		done := int(answered.Load())
		if done < n/4 {
			continue
		}
		qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := db.QueryRowContext(qctx, `SELECT count(*) FROM cert_entries WHERE status = 'pending'`).Scan(&f.pending)
		cancel()
		if err != nil {
			return fault{err: err}
		}
		// Past half way without catching one in flight: crash anyway.
		if f.pending > 0 || done >= n/2 {
			f.issuedBefore = done
			break
		}
	}
	db.Close() // its connection dies with the server
	start := time.Now()
	if err := pg.Crash(); err != nil {
		return fault{err: err}
	}
	time.Sleep(5 * time.Second)
	if err := pg.Start(); err != nil {
		return fault{err: err}
	}
	f.down = time.Since(start)
	return f
}
