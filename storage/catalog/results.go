package catalog

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sohoa-vn/sohoa/results"
)

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// newID returns prefix followed by 20 random hex digits.
func newID(prefix string) string {
	var b [10]byte
	rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

const resultColumns = `id, code, office_id, owner_id, procedure_code, name, number_symbol, issuer,
	issue_date, valid_until, status, replaced_by, status_reason, created_at, updated_at`

func scanResult(s scanner) (results.Result, error) {
	var r results.Result
	var validUntil, replacedBy sql.NullString
	err := s.Scan(&r.ID, &r.Code, &r.OfficeID, &r.OwnerID, &r.ProcedureCode, &r.Name, &r.NumberSymbol,
		&r.Issuer, &r.IssueDate, &validUntil, &r.Status, &replacedBy, &r.StatusReason,
		timeScanner{&r.CreatedAt}, timeScanner{&r.UpdatedAt})
	r.ValidUntil, r.ReplacedBy = validUntil.String, replacedBy.String
	return r, err
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// CreateResult stores a new result, linked to its DocumentIDs (which must
// exist), with ev as the first event of its history (Action create), and
// writes "result.create" to the audit log, all in one transaction. r.ID
// is assigned when empty; the status is always valid. It returns an error
// wrapping results.ErrInvalid (a results.Problems) for a bad record and
// results.ErrDuplicate when the office already has the code.
func (db *DB) CreateResult(ctx context.Context, r results.Result, ev results.Event) (out results.Result, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("catalog: create result %s: %w", r.Code, err)
		}
	}()
	if err := results.Normalize(&r); err != nil {
		return r, err
	}
	if r.ID == "" {
		r.ID = newID("kq_")
	}
	r.Status, r.ReplacedBy, r.StatusReason = results.Valid, "", ""
	r.CreatedAt = now()
	r.UpdatedAt = r.CreatedAt
	r.DocumentIDs = dedupe(r.DocumentIDs)
	ev.Action = results.ActionCreate
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.checkDocuments(ctx, tx, r.DocumentIDs); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO results (`+resultColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'valid', NULL, '', $11, $11)
			ON CONFLICT (office_id, code) DO NOTHING`,
			r.ID, r.Code, r.OfficeID, r.OwnerID, r.ProcedureCode, r.Name, r.NumberSymbol, r.Issuer,
			r.IssueDate, nullString(r.ValidUntil), db.ts(r.CreatedAt))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return results.ErrDuplicate
		}
		if err := db.linkDocuments(ctx, tx, r.ID, r.DocumentIDs); err != nil {
			return err
		}
		if ev, err = db.addEvent(ctx, tx, r.ID, ev, r.CreatedAt); err != nil {
			return err
		}
		_, err = db.appendAudit(ctx, tx, AuditEntry{Actor: ev.Actor, OfficeID: r.OfficeID, Action: AuditResultCreate,
			Subject: r.ID, Detail: mustJSON(map[string]any{"code": r.Code, "reason": ev.Reason, "documents": r.DocumentIDs})})
		return err
	})
	if err != nil {
		return r, err
	}
	return r, nil
}

func dedupe(ids []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// checkDocuments returns a results.Problems naming the documents that do not exist.
func (db *DB) checkDocuments(ctx context.Context, q querier, ids []string) error {
	var ps results.Problems
	for _, id := range ids {
		var one int
		err := q.QueryRowContext(ctx, `SELECT 1 FROM documents WHERE id = $1`, id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			ps = append(ps, results.Problem{Field: "document_ids", VI: "không có tài liệu " + id, EN: "no document " + id})
		} else if err != nil {
			return err
		}
	}
	if len(ps) > 0 {
		return ps
	}
	return nil
}

func (db *DB) linkDocuments(ctx context.Context, tx *sql.Tx, resultID string, ids []string) error {
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `INSERT INTO result_documents (result_id, document_id) VALUES ($1, $2)
			ON CONFLICT DO NOTHING`, resultID, id); err != nil {
			return fmt.Errorf("link document %s: %w", id, err)
		}
	}
	return nil
}

func (db *DB) addEvent(ctx context.Context, tx *sql.Tx, resultID string, ev results.Event, at time.Time) (results.Event, error) {
	ev.ResultID, ev.At = resultID, at
	var changes any
	if len(ev.Changes) > 0 {
		changes = string(mustJSON(ev.Changes))
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO result_events (result_id, at, actor, action, reason, changes)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq`,
		resultID, db.ts(at), ev.Actor, ev.Action, ev.Reason, changes).Scan(&ev.Seq)
	return ev, err
}

// Result returns the result with the given id and its linked documents, or ErrNotFound.
func (db *DB) Result(ctx context.Context, id string) (results.Result, error) {
	r, err := db.result(ctx, db.r, id, "")
	if err != nil {
		return r, fmt.Errorf("catalog: result %s: %w", id, err)
	}
	return r, nil
}

func (db *DB) result(ctx context.Context, q querier, id, suffix string) (results.Result, error) {
	r, err := scanResult(q.QueryRowContext(ctx, `SELECT `+resultColumns+` FROM results WHERE id = $1`+suffix, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, err
	}
	rs := []results.Result{r}
	if err := db.loadDocuments(ctx, q, rs); err != nil {
		return r, err
	}
	return rs[0], nil
}

// loadDocuments fills the DocumentIDs of rs in one query.
func (db *DB) loadDocuments(ctx context.Context, q querier, rs []results.Result) error {
	if len(rs) == 0 {
		return nil
	}
	idx := map[string]int{}
	args := make([]any, len(rs))
	marks := make([]string, len(rs))
	for i, r := range rs {
		idx[r.ID] = i
		args[i] = r.ID
		marks[i] = fmt.Sprintf("$%d", i+1)
	}
	rows, err := q.QueryContext(ctx, `SELECT result_id, document_id FROM result_documents
		WHERE result_id IN (`+strings.Join(marks, ", ")+`) ORDER BY result_id, document_id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var rid, did string
		if err := rows.Scan(&rid, &did); err != nil {
			return err
		}
		rs[idx[rid]].DocumentIDs = append(rs[idx[rid]].DocumentIDs, did)
	}
	return rows.Err()
}

// CorrectResult applies p to the result's descriptive fields (and links
// p.AddDocuments), recording what changed, by whom and why, in its history
// and in the audit log. reason is required. A patch that changes nothing
// returns the result unchanged and records nothing.
func (db *DB) CorrectResult(ctx context.Context, id string, p results.Patch, actor, reason string) (out results.Result, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("catalog: correct result %s: %w", id, err)
		}
	}()
	if strings.TrimSpace(reason) == "" {
		return out, results.Problems{{Field: "reason", VI: "cần lý do sửa", EN: "a reason for the correction is required"}}
	}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		cur, err := db.result(ctx, tx, id, db.forUpdate())
		if err != nil {
			return err
		}
		next, changes, err := p.Apply(cur)
		if err != nil {
			return err
		}
		out = next
		if len(changes) == 0 {
			return nil
		}
		if err := db.checkDocuments(ctx, tx, next.DocumentIDs); err != nil {
			return err
		}
		if next.Code != cur.Code {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM results WHERE office_id = $1 AND code = $2`, cur.OfficeID, next.Code).Scan(&one)
			if err == nil {
				return results.ErrDuplicate
			} else if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		out.UpdatedAt = now()
		if _, err := tx.ExecContext(ctx, `UPDATE results SET code = $2, owner_id = $3, procedure_code = $4, name = $5,
			number_symbol = $6, issuer = $7, issue_date = $8, valid_until = $9, updated_at = $10 WHERE id = $1`,
			id, next.Code, next.OwnerID, next.ProcedureCode, next.Name, next.NumberSymbol, next.Issuer,
			next.IssueDate, nullString(next.ValidUntil), db.ts(out.UpdatedAt)); err != nil {
			return err
		}
		if err := db.linkDocuments(ctx, tx, id, next.DocumentIDs); err != nil {
			return err
		}
		ev, err := db.addEvent(ctx, tx, id, results.Event{Actor: actor, Action: results.ActionCorrect, Reason: reason, Changes: changes}, out.UpdatedAt)
		if err != nil {
			return err
		}
		_, err = db.appendAudit(ctx, tx, AuditEntry{Actor: actor, OfficeID: cur.OfficeID, Action: AuditResultCorrect,
			Subject: id, Detail: mustJSON(map[string]any{"reason": reason, "changes": ev.Changes})})
		return err
	})
	return out, err
}

// RevokeResult revokes a result (an explicit act, reason required). A
// result already revoked or replaced gives results.ErrFinal.
func (db *DB) RevokeResult(ctx context.Context, id, actor, reason string) (results.Result, error) {
	r, err := db.setStatus(ctx, id, "", actor, reason)
	if err != nil {
		return r, fmt.Errorf("catalog: revoke result %s: %w", id, err)
	}
	return r, nil
}

// ReplaceResult records that result id is replaced by result byID (which
// must exist, be another result and not itself be revoked or replaced),
// with a reason. A result already revoked or replaced gives results.ErrFinal.
func (db *DB) ReplaceResult(ctx context.Context, id, byID, actor, reason string) (results.Result, error) {
	if strings.TrimSpace(byID) == "" {
		return results.Result{}, fmt.Errorf("catalog: replace result %s: %w", id,
			results.Problems{{Field: "replaced_by", VI: "thiếu mã kết quả thay thế", EN: "missing the replacing result's id"}})
	}
	r, err := db.setStatus(ctx, id, byID, actor, reason)
	if err != nil {
		return r, fmt.Errorf("catalog: replace result %s: %w", id, err)
	}
	return r, nil
}

// setStatus revokes (byID == "") or replaces a valid result.
func (db *DB) setStatus(ctx context.Context, id, byID, actor, reason string) (out results.Result, err error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return out, results.Problems{{Field: "reason", VI: "cần lý do", EN: "a reason is required"}}
	}
	to, action := results.Revoked, results.ActionRevoke
	if byID != "" {
		to, action = results.Replaced, results.ActionReplace
	}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		cur, err := db.result(ctx, tx, id, db.forUpdate())
		if err != nil {
			return err
		}
		if cur.Status != results.Valid {
			return results.ErrFinal
		}
		if byID != "" {
			if byID == id {
				return results.Problems{{Field: "replaced_by", VI: "kết quả không thể thay thế chính nó", EN: "a result cannot replace itself"}}
			}
			by, err := db.result(ctx, tx, byID, "")
			if errors.Is(err, ErrNotFound) {
				return results.Problems{{Field: "replaced_by", VI: "không có kết quả " + byID, EN: "no result " + byID}}
			} else if err != nil {
				return err
			}
			if by.Status != results.Valid {
				return results.Problems{{Field: "replaced_by", VI: "kết quả thay thế đã bị thu hồi hoặc thay thế", EN: "the replacing result is itself revoked or replaced"}}
			}
		}
		t := now()
		if _, err := tx.ExecContext(ctx, `UPDATE results SET status = $2, replaced_by = $3, status_reason = $4, updated_at = $5
			WHERE id = $1`, id, string(to), nullString(byID), reason, db.ts(t)); err != nil {
			return err
		}
		from := cur.Validity(t)
		ch := []results.Change{{Field: "status", From: string(from), To: string(to)}}
		if byID != "" {
			ch = append(ch, results.Change{Field: "replaced_by", To: byID})
		}
		if _, err := db.addEvent(ctx, tx, id, results.Event{Actor: actor, Action: action, Reason: reason, Changes: ch}, t); err != nil {
			return err
		}
		if _, err := db.appendAudit(ctx, tx, AuditEntry{Actor: actor, OfficeID: cur.OfficeID, Action: AuditResultStatus, Subject: id,
			Detail: mustJSON(map[string]any{"from": from, "to": to, "replaced_by": byID, "reason": reason})}); err != nil {
			return err
		}
		out = cur
		out.Status, out.ReplacedBy, out.StatusReason, out.UpdatedAt = to, byID, reason, t
		return nil
	})
	return out, err
}

// ResultHistory returns every event of a result, oldest first, or ErrNotFound.
func (db *DB) ResultHistory(ctx context.Context, id string) ([]results.Event, error) {
	var one int
	err := db.r.QueryRowContext(ctx, `SELECT 1 FROM results WHERE id = $1`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("catalog: history of result %s: %w", id, err)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT seq, result_id, at, actor, action, reason, changes
		FROM result_events WHERE result_id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("catalog: history of result %s: %w", id, err)
	}
	defer rows.Close()
	var evs []results.Event
	for rows.Next() {
		var ev results.Event
		var changes sql.NullString
		if err := rows.Scan(&ev.Seq, &ev.ResultID, timeScanner{&ev.At}, &ev.Actor, &ev.Action, &ev.Reason, &changes); err != nil {
			return nil, fmt.Errorf("catalog: history of result %s: %w", id, err)
		}
		if changes.Valid {
			if err := json.Unmarshal([]byte(changes.String), &ev.Changes); err != nil {
				return nil, fmt.Errorf("catalog: history of result %s: event %d: %w", id, ev.Seq, err)
			}
		}
		evs = append(evs, ev)
	}
	return evs, rows.Err()
}

// DocumentResults returns the results a document is linked to, by id.
func (db *DB) DocumentResults(ctx context.Context, documentID string) ([]results.Result, error) {
	rs, err := db.queryResults(ctx, `SELECT `+resultColumns+` FROM results
		WHERE id IN (SELECT result_id FROM result_documents WHERE document_id = $1) ORDER BY id`, documentID)
	if err != nil {
		return nil, fmt.Errorf("catalog: results of document %s: %w", documentID, err)
	}
	return rs, nil
}

func (db *DB) queryResults(ctx context.Context, query string, args ...any) ([]results.Result, error) {
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var rs []results.Result
	for rows.Next() {
		r, err := scanResult(rows)
		if err != nil {
			return nil, err
		}
		rs = append(rs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	return rs, db.loadDocuments(ctx, db.r, rs)
}

// ResultQuery selects results in the shape the national data store asks:
// an owner, optionally a procedure, optionally a list of result codes
// and/or numbers (a result matches either list), paged by cursor.
type ResultQuery struct {
	OwnerID       string   // required
	ProcedureCode string   // "" for any
	Codes         []string // MaKetQua
	Numbers       []string // SoKyHieu
	Offices       []string // tenancy: nil for every office
	Limit         int      // 1..500, default 100
	Cursor        string   // from the previous page's next cursor
}

// LookupResults returns one page of the results matching q in id order
// and the cursor of the next page ("" after the last).
func (db *DB) LookupResults(ctx context.Context, q ResultQuery) ([]results.Result, string, error) {
	if strings.TrimSpace(q.OwnerID) == "" {
		return nil, "", fmt.Errorf("catalog: lookup results: %w",
			results.Problems{{Field: "owner_id", VI: "thiếu số định danh chủ sở hữu", EN: "missing owner id"}})
	}
	if q.Limit <= 0 {
		q.Limit = 100
	}
	q.Limit = min(q.Limit, 500)
	after := ""
	if q.Cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(q.Cursor)
		if err != nil {
			return nil, "", fmt.Errorf("catalog: lookup results: %w",
				results.Problems{{Field: "cursor", VI: "con trỏ trang không hợp lệ", EN: "invalid cursor"}})
		}
		after = string(b)
	}
	var b sqlBuilder
	b.where("owner_id = " + b.arg(q.OwnerID))
	b.where("id > " + b.arg(after))
	if q.ProcedureCode != "" {
		b.where("procedure_code = " + b.arg(q.ProcedureCode))
	}
	var either []string
	if len(q.Codes) > 0 {
		either = append(either, "code IN ("+b.args(q.Codes)+")")
	}
	if len(q.Numbers) > 0 {
		either = append(either, "number_symbol IN ("+b.args(q.Numbers)+")")
	}
	if len(either) > 0 {
		b.where("(" + strings.Join(either, " OR ") + ")")
	}
	if q.Offices != nil {
		b.where(b.in("office_id", q.Offices))
	}
	rs, err := db.queryResults(ctx, `SELECT `+resultColumns+` FROM results WHERE `+b.conds()+
		fmt.Sprintf(" ORDER BY id LIMIT %d", q.Limit+1), b.vals...)
	if err != nil {
		return nil, "", fmt.Errorf("catalog: lookup results: %w", err)
	}
	next := ""
	if len(rs) > q.Limit {
		rs = rs[:q.Limit]
		next = base64.RawURLEncoding.EncodeToString([]byte(rs[len(rs)-1].ID))
	}
	return rs, next, nil
}

// sqlBuilder collects WHERE conditions and their numbered arguments.
type sqlBuilder struct {
	vals       []any
	conditions []string
}

func (b *sqlBuilder) arg(v any) string {
	b.vals = append(b.vals, v)
	return fmt.Sprintf("$%d", len(b.vals))
}

func (b *sqlBuilder) args(vs []string) string {
	marks := make([]string, len(vs))
	for i, v := range vs {
		marks[i] = b.arg(v)
	}
	return strings.Join(marks, ", ")
}

// in is "col IN (...)", or a false condition for an empty list.
func (b *sqlBuilder) in(col string, vs []string) string {
	if len(vs) == 0 {
		return "1 = 0"
	}
	return col + " IN (" + b.args(vs) + ")"
}

func (b *sqlBuilder) where(cond string) { b.conditions = append(b.conditions, cond) }

func (b *sqlBuilder) conds() string {
	if len(b.conditions) == 0 {
		return "1 = 1"
	}
	return strings.Join(b.conditions, " AND ")
}

// validityCond is the SQL condition (on table alias t) for a result's
// validity at today (YYYY-MM-DD in Vietnam).
func (b *sqlBuilder) validityCond(t string, s results.Status, today string) string {
	switch s {
	case results.Valid:
		return "(" + t + ".status = 'valid' AND (" + t + ".valid_until IS NULL OR " + t + ".valid_until >= " + b.arg(today) + "))"
	case results.Expired:
		return "(" + t + ".status = 'valid' AND " + t + ".valid_until < " + b.arg(today) + ")"
	default:
		return t + ".status = " + b.arg(string(s))
	}
}

// ClaimBatchOffice gives a batch to office if it has none yet and returns
// the batch's office (the claimer's, or the one that claimed it first).
func (db *DB) ClaimBatchOffice(ctx context.Context, batchID, office string) (string, error) {
	if _, err := db.w.ExecContext(ctx, `UPDATE batches SET office_id = $2 WHERE id = $1 AND office_id = ''`, batchID, office); err != nil {
		return "", fmt.Errorf("catalog: claim batch %s: %w", batchID, err)
	}
	return db.officeOf(ctx, db.w, `SELECT office_id FROM batches WHERE id = $1`, batchID)
}

// BatchOffice returns the office of a batch ("" when unclaimed), or ErrNotFound.
func (db *DB) BatchOffice(ctx context.Context, batchID string) (string, error) {
	return db.officeOf(ctx, db.r, `SELECT office_id FROM batches WHERE id = $1`, batchID)
}

// DocumentOffice returns the office of a document's batch, or ErrNotFound.
func (db *DB) DocumentOffice(ctx context.Context, documentID string) (string, error) {
	return db.officeOf(ctx, db.r, `SELECT b.office_id FROM documents d JOIN batches b ON b.id = d.batch_id WHERE d.id = $1`, documentID)
}

// ResultOffice returns the office of a result, or ErrNotFound.
func (db *DB) ResultOffice(ctx context.Context, resultID string) (string, error) {
	return db.officeOf(ctx, db.r, `SELECT office_id FROM results WHERE id = $1`, resultID)
}

func (db *DB) officeOf(ctx context.Context, q querier, query, id string) (string, error) {
	var office string
	err := q.QueryRowContext(ctx, query, id).Scan(&office)
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("catalog: office of %s: %w", id, err)
	}
	return office, nil
}
