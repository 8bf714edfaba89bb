package faults

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"

	"github.com/sohoa-vn/sohoa/api"
	"github.com/sohoa-vn/sohoa/scanners/synthetic"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// writeOriginals writes into dir n distinct one-page A4 scans at 200 dpi
// (PNG with its resolution), the originals a citizen brings: the
// statement of a certified copy is stamped at the foot of the page and
// needs its width.
func writeOriginals(t *testing.T, dir string, n int) string {
	t.Helper()
	for i := range n {
		docs := synthetic.Documents(int64(i + 1))
		img := synthetic.Render(docs[i%len(docs)], 0, synthetic.Bilevel200).(draw.Image)
		// A bar code of i in the top margin, so that no two scans are alike.
		for bit := range 16 {
			if i>>bit&1 == 1 {
				draw.Draw(img, image.Rect(40+bit*24, 40, 56+bit*24, 80), image.Black, image.Point{}, draw.Src)
			}
		}
		b, err := synthetic.EncodePNG(img, synthetic.Bilevel200.DPI())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("ban-chinh-%03d.png", i)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// clerk calls the cluster's API as the clerk at the one-stop desk of the
// default office does, with the bootstrap key (it has every scope).
type clerk struct {
	base, token string
	client      *http.Client
}

func (c *cluster) clerk() *clerk {
	return &clerk{base: "http://" + c.apiAddr, token: c.token, client: &http.Client{Timeout: 2 * time.Minute}}
}

// call sends in as JSON and decodes a 2xx answer into out. A transport
// failure gives status 0 and the error; any answer gives its status and
// body.
func (k *clerk) call(ctx context.Context, method, path string, in, out any) (int, []byte, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, nil, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, k.base+path, body)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+k.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := k.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, b, err
	}
	if resp.StatusCode/100 == 2 && out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, b, fmt.Errorf("%s %s: decode %s: %w", method, path, b, err)
		}
	}
	return resp.StatusCode, b, nil
}

// maxAttempts bounds a clerk's retries: 5 s of downtime takes about 17,
// and an error that does not pass must not burn numbers for minutes.
const maxAttempts = 60

// errPermanent marks an answer a clerk would not retry (4xx).
var errPermanent = errors.New("refused")

// retry calls the API until it answers want, as a clerk clicks again after
// an error page: transport failures and 5xx (the catalog down) are tried
// again with the same inputs every 300 ms, up to maxAttempts times and
// until ctx ends; any other answer is final. It returns how many attempts
// were made.
func (k *clerk) retry(ctx context.Context, method, path string, in, out any, want int) (int, error) {
	for attempt := 1; ; attempt++ {
		status, body, err := k.call(ctx, method, path, in, out)
		switch {
		case err == nil && status == want:
			return attempt, nil
		case err == nil && status < 500:
			return attempt, fmt.Errorf("%w: %s %s: %d %s", errPermanent, method, path, status, body)
		}
		last := fmt.Sprintf("%d %s %v", status, bytes.TrimSpace(body), err)
		if attempt == maxAttempts {
			return attempt, fmt.Errorf("%s %s: still failing after %d attempts (last: %s)", method, path, attempt, last)
		}
		select {
		case <-ctx.Done():
			return attempt, fmt.Errorf("%s %s: %w after %d attempts (last: %s)", method, path, ctx.Err(), attempt, last)
		case <-time.After(300 * time.Millisecond):
		}
	}
}

// createResult records in the results archive the procedure result that
// document doc is the original of, as the archivist does.
func (k *clerk) createResult(t *testing.T, doc string, i int) string {
	t.Helper()
	var r api.Result
	_, err := k.retry(t.Context(), "POST", "/v1/results", api.ResultRequest{
		Code: fmt.Sprintf("KQ-FAULT-%03d", i), OwnerID: fmt.Sprintf("0791900%05d", i), ProcedureCode: "1.001193",
		Name: "Giấy chứng nhận", NumberSymbol: fmt.Sprintf("%d/GCN-UBND", 100+i), Issuer: "UBND phường Một",
		IssueDate: "2025-03-14", DocumentIDs: []string{doc},
	}, &r, http.StatusCreated)
	if err != nil {
		t.Fatal(err)
	}
	if r.ID == "" {
		t.Fatalf("POST /v1/results for %s returned no id", doc)
	}
	return r.ID
}

// issued is what a clerk got for one request of a certified copy.
type issued struct {
	copy     api.CopyView
	attempts int // POST /v1/copies calls, 1 when nothing failed
	err      error
}

// issueCopy looks the original up and issues one certified copy of it,
// retrying each step as a clerk would; notes names the request.
func (k *clerk) issueCopy(ctx context.Context, doc, notes string) issued {
	var found struct {
		Findings []struct {
			Result struct{ ID string } `json:"result"`
			Valid  string              `json:"validity"`
			Via    string              `json:"via"`
		} `json:"findings"`
	}
	if _, err := k.retry(ctx, "POST", "/v1/copies/lookup", api.CopyLookupRequest{DocumentID: doc}, &found, http.StatusOK); err != nil {
		return issued{err: err}
	}
	if len(found.Findings) != 1 || found.Findings[0].Valid != "valid" || found.Findings[0].Via != "linked" {
		return issued{err: fmt.Errorf("lookup of %s: %+v, want its one linked valid result", doc, found.Findings)}
	}
	var out issued
	out.attempts, out.err = k.retry(ctx, "POST", "/v1/copies", api.IssueRequest{DocumentID: doc, ResultID: found.Findings[0].Result.ID,
		Requester: "Nguyễn Văn Dân", Certifier: "Trần Thị Chứng", Fee: 2000, Notes: notes}, &out.copy, http.StatusCreated)
	if out.err == nil && (out.copy.ID == "" || out.copy.Number < 1) {
		out.err = fmt.Errorf("issue copy of %s: answer %+v has no copy or number", doc, out.copy)
	}
	return out
}

// bookLine is one line of a certification book with the copy, if any,
// that carries its number.
type bookLine struct {
	id, office, book string
	year, number     int
	status           catalog.EntryStatus
	reason, notes    string
	copies           int    // copy rows pointing at the line
	copyID           string // the first of them
}

// bookCounts sums up the certification books of a catalog.
type bookCounts struct {
	Books, Lines, Issued, Voided, Pending, Copies int
	AuditIssued, AuditVoided                      int
}

// checkCertBooks reads every certification book of the PostgreSQL catalog
// at dbURL and checks what the book must be across any failure: per
// office, year and book the numbers run 1..N with no gap and no repeat
// and the counter stands at N+1; an issued line has exactly one copy, a
// voided line a reason and no copy, a pending line (allowed only with
// pendingOK) no copy; every copy carries an issued line; each issue and
// void is in the audit log, whose chain is intact. It prints the counts
// and returns the lines by number.
func checkCertBooks(t *testing.T, cat *catalog.DB, dbURL string, pendingOK bool) ([]bookLine, bookCounts) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var cn bookCounts
	counters := map[string]int{}
	rows, err := db.QueryContext(ctx, `SELECT office_id, year, book, next_number FROM cert_books`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var office, book string
		var year, next int
		if err := rows.Scan(&office, &year, &book, &next); err != nil {
			t.Fatal(err)
		}
		counters[fmt.Sprintf("%s/%d/%s", office, year, book)] = next
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		t.Fatal(err)
	}
	cn.Books = len(counters)
	rows, err = db.QueryContext(ctx, `SELECT e.id, e.office_id, e.year, e.book, e.number, e.status, e.void_reason, e.notes,
		count(c.id), coalesce(min(c.id), '')
		FROM cert_entries e LEFT JOIN copies c ON c.entry_id = e.id
		GROUP BY e.id ORDER BY e.office_id, e.year, e.book, e.number, e.id`)
	if err != nil {
		t.Fatal(err)
	}
	var lines []bookLine
	for rows.Next() {
		var l bookLine
		if err := rows.Scan(&l.id, &l.office, &l.year, &l.book, &l.number, &l.status, &l.reason, &l.notes, &l.copies, &l.copyID); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, l)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		t.Fatal(err)
	}
	cn.Lines = len(lines)
	numbers := map[string][]int{}
	for _, l := range lines {
		key := fmt.Sprintf("%s/%d/%s", l.office, l.year, l.book)
		numbers[key] = append(numbers[key], l.number)
		switch l.status {
		case catalog.EntryIssued:
			cn.Issued++
			if l.copies != 1 {
				t.Errorf("book %s number %d is issued with %d copies, want 1", key, l.number, l.copies)
			}
		case catalog.EntryVoided:
			cn.Voided++
			if strings.TrimSpace(l.reason) == "" || l.copies != 0 {
				t.Errorf("book %s number %d is voided with reason %q and %d copies, want a reason and none", key, l.number, l.reason, l.copies)
			}
		case catalog.EntryPending:
			cn.Pending++
			if !pendingOK || l.copies != 0 {
				t.Errorf("book %s number %d is still pending (%d copies)", key, l.number, l.copies)
			}
		default:
			t.Errorf("book %s number %d has status %q", key, l.number, l.status)
		}
	}
	for key, ns := range numbers {
		// Sorted by the query: 1..N exactly means no gap and no repeat.
		for i, n := range ns {
			if n != i+1 {
				t.Errorf("book %s: numbers %v do not run 1..%d without gap or repeat (position %d holds %d)", key, ns, len(ns), i+1, n)
				break
			}
		}
		if next, ok := counters[key]; !ok || next != len(ns)+1 {
			t.Errorf("book %s: counter says the next number is %d, the book has %d lines", key, next, len(ns))
		}
	}
	for key, next := range counters {
		if _, ok := numbers[key]; !ok && next != 1 {
			t.Errorf("book %s: counter at %d and no line at all", key, next)
		}
	}
	var orphanCopies int
	if err := db.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE e.status <> 'issued')
		FROM copies c JOIN cert_entries e ON e.id = c.entry_id`).Scan(&cn.Copies, &orphanCopies); err != nil {
		t.Fatal(err)
	}
	if orphanCopies != 0 || cn.Copies != cn.Issued {
		t.Errorf("%d copies for %d issued lines; %d copies carry a line that is not issued", cn.Copies, cn.Issued, orphanCopies)
	}
	if err := db.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE action = $1), count(*) FILTER (WHERE action = $2) FROM audit_log`,
		catalog.AuditCopyIssued, catalog.AuditCopyVoided).Scan(&cn.AuditIssued, &cn.AuditVoided); err != nil {
		t.Fatal(err)
	}
	if cn.AuditIssued != cn.Issued || cn.AuditVoided != cn.Voided {
		t.Errorf("audit log has %d copy.issued and %d copy.voided entries for %d issued and %d voided lines",
			cn.AuditIssued, cn.AuditVoided, cn.Issued, cn.Voided)
	}
	if head, err := cat.VerifyAudit(ctx); err != nil {
		t.Errorf("audit log chain: %v", err)
	} else {
		t.Logf("AUDIT chain intact, %d entries", head.Seq)
	}
	reasons := map[string]int{}
	for _, l := range lines {
		if l.status == catalog.EntryVoided {
			r := l.reason
			if len(r) > 120 {
				r = r[:120] + "…"
			}
			reasons[r]++
		}
	}
	keys := make([]string, 0, len(numbers))
	for k := range numbers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	t.Logf("CERTBOOK books=%v lines=%d issued=%d voided=%d pending=%d copies=%d audit_issued=%d audit_voided=%d",
		keys, cn.Lines, cn.Issued, cn.Voided, cn.Pending, cn.Copies, cn.AuditIssued, cn.AuditVoided)
	for r, n := range reasons {
		t.Logf("CERTBOOK voided %d× %q", n, r)
	}
	return lines, cn
}
