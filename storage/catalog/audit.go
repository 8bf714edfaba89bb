package catalog

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// ErrAuditBroken is returned by VerifyAudit when the chain does not hold:
// an entry was edited, deleted or inserted out of band.
var ErrAuditBroken = errors.New("catalog: nhật ký kiểm toán bị sửa hoặc xóa / audit log was altered")

// Audit actions written by the catalog itself; callers add their own
// (AuditPDFFetch, AuditCopyIssued...).
const (
	AuditResultCreate  = "result.create"
	AuditResultCorrect = "result.correct"
	AuditResultStatus  = "result.status" // revoked or replaced
	AuditPDFFetch      = "pdf.fetch"
	AuditCopyIssued    = "copy.issued"
	AuditPageAccept    = "page.qc_accept" // an archivist accepted a flagged page
	AuditPageRescan    = "page.rescan"    // a rescan replaced a page's image
	// AuditContentView: content served other than as a signed PDF (a
	// copy's unsigned preview, a page image); detail "kind" says which.
	AuditContentView = "content.view"
)

// AuditEntry is one line of the append-only audit log. Hash is the SHA-256
// of the entry's fields including PrevHash, the previous entry's Hash, so
// that editing or deleting any entry breaks the chain after it.
type AuditEntry struct {
	Seq      int64           `json:"seq"` // from 1, without gaps
	At       time.Time       `json:"at"`
	Actor    string          `json:"actor"`
	OfficeID string          `json:"office_id"`
	Action   string          `json:"action"`
	Subject  string          `json:"subject"` // e.g. the document or result id
	Detail   json.RawMessage `json:"detail"`  // a JSON object
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
}

// genesis is the PrevHash of the first entry.
var genesis = strings.Repeat("0", 64)

// auditHash is the chain's hash of e: SHA-256 over a JSON array of the
// fields in a fixed order (hand-written: no library defines this chain).
func auditHash(e AuditEntry) string {
	b, _ := json.Marshal([]any{e.Seq, e.At.UTC().Format(sqliteTime), e.Actor, e.OfficeID, e.Action, e.Subject,
		string(e.Detail), e.PrevHash})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Audit appends e to the audit log (Seq, At, PrevHash and Hash are set
// here) and returns it as stored, once it is committed.
//
// Appends are serialized (each links to the one before), so one
// transaction per append would cap a busy API at one commit (one fsync)
// per fetch. Concurrent Audit calls are instead group-committed: one
// goroutine writes every entry waiting at that moment in one transaction
// and answers each caller after the commit. Written by hand: database/sql
// and pgx have no group commit.
func (db *DB) Audit(ctx context.Context, e AuditEntry) (AuditEntry, error) {
	out, err := db.groupAppend(ctx, e)
	if err != nil {
		return out, fmt.Errorf("catalog: audit %s %s: %w", e.Action, e.Subject, err)
	}
	return out, nil
}

// groupAppend hands e to the group-commit goroutine and waits for its
// commit.
func (db *DB) groupAppend(ctx context.Context, e AuditEntry) (AuditEntry, error) {
	e, err := prepareAudit(e)
	if err != nil {
		return e, err
	}
	q := &db.audit
	q.once.Do(func() {
		q.reqs = make(chan auditReq, 1024)
		q.quit = make(chan struct{})
		q.done = make(chan struct{})
		go db.auditLoop()
	})
	if q.reqs == nil { // closed before any append
		return e, errClosed
	}
	r := auditReq{e: e, res: make(chan auditRes, 1)}
	select {
	case q.reqs <- r:
	case <-q.quit:
		return e, errClosed
	case <-ctx.Done():
		return e, ctx.Err()
	}
	select {
	case res := <-r.res:
		if res.err != nil {
			return e, res.err
		}
		return res.e, nil
	case <-ctx.Done():
		// The entry may still be written: the log records the attempt.
		return e, ctx.Err()
	}
}

var errClosed = errors.New("catalog closed")

// auditQueue feeds Audit calls to the group-commit goroutine.
type auditQueue struct {
	once sync.Once
	reqs chan auditReq
	quit chan struct{} // closed by Close
	done chan struct{} // closed when the goroutine has ended
}

type auditReq struct {
	e   AuditEntry
	res chan auditRes // buffered: the goroutine never waits for a caller
}

type auditRes struct {
	e   AuditEntry
	err error
}

// maxAuditBatch bounds one group commit.
const maxAuditBatch = 256

// auditLoop commits waiting entries, as many as are there, one
// transaction at a time, until Close.
func (db *DB) auditLoop() {
	q := &db.audit
	defer close(q.done)
	for {
		var batch []auditReq
		select {
		case r := <-q.reqs:
			batch = append(batch, r)
		case <-q.quit:
			for {
				select {
				case r := <-q.reqs:
					r.res <- auditRes{err: errClosed}
				default:
					return
				}
			}
		}
	drain:
		for len(batch) < maxAuditBatch {
			select {
			case r := <-q.reqs:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		out := make([]AuditEntry, len(batch))
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err := db.tx(ctx, func(tx *sql.Tx) error {
			prev, err := db.lockAudit(ctx, tx)
			if err != nil {
				return err
			}
			for i, r := range batch {
				if out[i], err = db.insertAudit(ctx, tx, prev, r.e); err != nil {
					return err
				}
				prev = out[i]
			}
			return nil
		})
		cancel()
		for i, r := range batch {
			r.res <- auditRes{e: out[i], err: err}
		}
	}
}

// stopAudit ends the group-commit goroutine, if it started, after its
// current transaction.
func (db *DB) stopAudit() {
	q := &db.audit
	q.once.Do(func() {}) // none may start after this
	if q.quit != nil {
		close(q.quit)
		<-q.done
	}
}

// auditLock is the PostgreSQL advisory lock key that serializes appends.
const auditLock = 0x736f686f61 // "sohoa"

// prepareAudit checks an entry and compacts its detail.
func prepareAudit(e AuditEntry) (AuditEntry, error) {
	if e.Action == "" {
		return e, fmt.Errorf("audit entry without action")
	}
	if len(e.Detail) == 0 {
		e.Detail = json.RawMessage("{}")
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, e.Detail); err != nil {
		return e, fmt.Errorf("audit detail is not JSON: %w", err)
	}
	e.Detail = buf.Bytes()
	return e, nil
}

// lockAudit takes the right to append inside tx and returns the last entry
// (Seq 0 and the genesis hash for an empty log). On PostgreSQL an
// advisory lock held to the end of tx orders appenders; SQLite's single
// writer already does.
func (db *DB) lockAudit(ctx context.Context, tx *sql.Tx) (AuditEntry, error) {
	var last AuditEntry
	if db.postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(auditLock)); err != nil {
			return last, err
		}
	}
	err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&last.Seq, &last.Hash)
	if errors.Is(err, sql.ErrNoRows) {
		last.Seq, last.Hash, err = 0, genesis, nil
	}
	return last, err
}

// insertAudit writes e, prepared, after prev.
func (db *DB) insertAudit(ctx context.Context, tx *sql.Tx, prev, e AuditEntry) (AuditEntry, error) {
	e.Seq, e.PrevHash = prev.Seq+1, prev.Hash
	e.At = now()
	e.Hash = auditHash(e)
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (seq, at, actor, office_id, action, subject, detail, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		e.Seq, db.ts(e.At), e.Actor, e.OfficeID, e.Action, e.Subject, string(e.Detail), e.PrevHash, e.Hash)
	return e, err
}

// appendAudit appends e inside tx, the transaction of the change it records.
func (db *DB) appendAudit(ctx context.Context, tx *sql.Tx, e AuditEntry) (AuditEntry, error) {
	e, err := prepareAudit(e)
	if err != nil {
		return e, err
	}
	prev, err := db.lockAudit(ctx, tx)
	if err != nil {
		return e, err
	}
	return db.insertAudit(ctx, tx, prev, e)
}

const auditColumns = `seq, at, actor, office_id, action, subject, detail, prev_hash, hash`

func scanAudit(s scanner) (AuditEntry, error) {
	var e AuditEntry
	var detail string
	err := s.Scan(&e.Seq, timeScanner{&e.At}, &e.Actor, &e.OfficeID, &e.Action, &e.Subject, &detail, &e.PrevHash, &e.Hash)
	e.Detail = json.RawMessage(detail)
	return e, err
}

// AuditQuery selects audit entries. Empty fields match everything.
type AuditQuery struct {
	Actor, Action, Subject string
	Actions                []string // any of these actions (with Action, both apply)
	Offices                []string // tenancy: nil for every office
	AfterSeq               int64    // entries after this one (paging)
	Limit                  int      // 1..1000, default 100
}

// AuditLog returns entries matching q in order of Seq.
func (db *DB) AuditLog(ctx context.Context, q AuditQuery) ([]AuditEntry, error) {
	if q.Limit <= 0 {
		q.Limit = 100
	}
	q.Limit = min(q.Limit, 1000)
	var b sqlBuilder
	b.where("seq > " + b.arg(q.AfterSeq))
	for col, v := range map[string]string{"actor": q.Actor, "action": q.Action, "subject": q.Subject} {
		if v != "" {
			b.where(col + " = " + b.arg(v))
		}
	}
	if q.Offices != nil {
		b.where(b.in("office_id", q.Offices))
	}
	if q.Actions != nil {
		b.where(b.in("action", q.Actions))
	}
	out, err := queryAll(ctx, db.r, scanAudit, `SELECT `+auditColumns+` FROM audit_log WHERE `+b.conds()+
		fmt.Sprintf(" ORDER BY seq LIMIT %d", q.Limit), b.vals...)
	if err != nil {
		return nil, fmt.Errorf("catalog: audit log: %w", err)
	}
	return out, nil
}

// AuditHead is a point of the chain: an entry's Seq and Hash. Keep the
// head VerifyAudit returns outside the database (a printout, another
// system) and pass it back later: that also catches the deletion of the
// newest entries, which no chain can show by itself.
type AuditHead struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// VerifyAudit walks the whole log and checks that sequence numbers have no
// gap, that each entry's PrevHash is the previous entry's Hash and that
// each Hash is that of the entry's fields; and that every anchor given is
// still in the chain. It returns the head, or an error wrapping
// ErrAuditBroken naming the first entry that fails.
func (db *DB) VerifyAudit(ctx context.Context, anchors ...AuditHead) (AuditHead, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_log ORDER BY seq`)
	if err != nil {
		return AuditHead{}, fmt.Errorf("catalog: verify audit log: %w", err)
	}
	defer rows.Close()
	want := map[int64]string{}
	for _, a := range anchors {
		want[a.Seq] = a.Hash
	}
	head := AuditHead{Hash: genesis}
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return head, fmt.Errorf("catalog: verify audit log: %w", err)
		}
		switch {
		case e.Seq != head.Seq+1:
			return head, fmt.Errorf("%w: entry %d follows %d (entries missing)", ErrAuditBroken, e.Seq, head.Seq)
		case e.PrevHash != head.Hash:
			return head, fmt.Errorf("%w: entry %d does not chain to entry %d", ErrAuditBroken, e.Seq, head.Seq)
		case auditHash(e) != e.Hash:
			return head, fmt.Errorf("%w: entry %d was edited (hash mismatch)", ErrAuditBroken, e.Seq)
		}
		if h, ok := want[e.Seq]; ok && h != e.Hash {
			return head, fmt.Errorf("%w: entry %d differs from the anchor kept", ErrAuditBroken, e.Seq)
		}
		delete(want, e.Seq)
		head = AuditHead{Seq: e.Seq, Hash: e.Hash}
	}
	if err := rows.Err(); err != nil {
		return head, fmt.Errorf("catalog: verify audit log: %w", err)
	}
	for seq := range want {
		return head, fmt.Errorf("%w: anchored entry %d is gone (log ends at %d)", ErrAuditBroken, seq, head.Seq)
	}
	return head, nil
}
