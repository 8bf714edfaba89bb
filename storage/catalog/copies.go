package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sohoa-vn/sohoa/results"
)

// ErrDuplicateCode is returned by IssueCopy when the verification code is
// already used (the caller draws another).
var ErrDuplicateCode = errors.New("catalog: mã xác minh đã dùng / verification code already used")

// Copy is an issued certified copy: the signed PDF in blob storage, the
// book line whose number it carries, and what it was made from.
type Copy struct {
	ID         string
	EntryID    string
	OfficeID   string
	DocumentID string // the scanned original
	ResultID   string // the procedure result, if any
	Code       string // short verification code, unique
	BlobKey    string
	SHA256     string
	Size       int64
	PageCount  int
	// Validity of the result when issued ("" without a result), and the
	// clerk's acknowledgement of a warning (revoked, replaced, expired).
	Validity   string
	WarningAck string
	IssuedAt   time.Time
}

const copyColumns = `id, entry_id, office_id, document_id, result_id, code, blob_key, sha256, size, page_count,
	validity, warning_ack, issued_at`

func scanCopy(s scanner) (Copy, error) {
	var c Copy
	var result sql.NullString
	err := s.Scan(&c.ID, &c.EntryID, &c.OfficeID, &c.DocumentID, &result, &c.Code, &c.BlobKey, &c.SHA256, &c.Size,
		&c.PageCount, &c.Validity, &c.WarningAck, timeScanner{&c.IssuedAt})
	c.ResultID = result.String
	return c, err
}

// IssueCopy records c as the copy of its pending book line c.EntryID and
// marks the line issued, writing "copy.issued" to the audit log with
// detail (a JSON object; book, number and code are added), all in one
// transaction. A line no longer pending (voided meanwhile) gives
// ErrEntryNotPending, and nothing is recorded. c.ID is assigned when
// empty; OfficeID, DocumentID and ResultID come from the line.
func (db *DB) IssueCopy(ctx context.Context, c Copy, actor string, detail map[string]any) (Copy, error) {
	if c.ID == "" {
		c.ID = newID("bs_")
	}
	c.IssuedAt = now()
	err := db.tx(ctx, func(tx *sql.Tx) error {
		e, err := scanEntry(tx.QueryRowContext(ctx, `SELECT `+entryColumns+entryFrom+` WHERE e.id = $1`+db.forUpdateOf("e"), c.EntryID))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		if e.Status != EntryPending {
			return ErrEntryNotPending
		}
		c.OfficeID, c.DocumentID, c.ResultID = e.OfficeID, e.DocumentID, e.ResultID
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM copies WHERE code = $1`, c.Code).Scan(&one); err == nil {
			return ErrDuplicateCode
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO copies (`+copyColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			c.ID, c.EntryID, c.OfficeID, c.DocumentID, nullString(c.ResultID), c.Code, c.BlobKey, c.SHA256, c.Size,
			c.PageCount, c.Validity, c.WarningAck, db.ts(c.IssuedAt)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE cert_entries SET status = 'issued', updated_at = $2 WHERE id = $1`,
			c.EntryID, db.ts(c.IssuedAt)); err != nil {
			return err
		}
		d := map[string]any{}
		for k, v := range detail {
			d[k] = v
		}
		d["book"], d["year"], d["number"], d["code"], d["sha256"] = e.Book, e.Year, e.Number, c.Code, c.SHA256
		d["document_id"], d["result_id"], d["validity"], d["warning_ack"] = c.DocumentID, c.ResultID, c.Validity, c.WarningAck
		_, err = db.appendAudit(ctx, tx, AuditEntry{Actor: actor, OfficeID: c.OfficeID, Action: AuditCopyIssued,
			Subject: c.ID, Detail: mustJSON(d)})
		return err
	})
	if err != nil {
		return c, fmt.Errorf("catalog: issue copy for entry %s: %w", c.EntryID, err)
	}
	return c, nil
}

// forUpdateOf locks the rows of table alias t (PostgreSQL; a LEFT JOIN
// cannot be locked as a whole).
func (db *DB) forUpdateOf(t string) string {
	if db.postgres {
		return " FOR UPDATE OF " + t
	}
	return ""
}

// Copy returns an issued copy by id, or ErrNotFound.
func (db *DB) Copy(ctx context.Context, id string) (Copy, error) {
	return db.copyWhere(ctx, "id", id)
}

// CopyByCode returns an issued copy by its verification code, or ErrNotFound.
func (db *DB) CopyByCode(ctx context.Context, code string) (Copy, error) {
	return db.copyWhere(ctx, "code", code)
}

func (db *DB) copyWhere(ctx context.Context, col, v string) (Copy, error) {
	c, err := scanCopy(db.r.QueryRowContext(ctx, `SELECT `+copyColumns+` FROM copies WHERE `+col+` = $1`, v))
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("catalog: copy %s: %w", v, err)
	}
	return c, nil
}

// Copies lists the copies of the given offices (nil: every office),
// newest first, at most limit (default 50, at most 500).
func (db *DB) Copies(ctx context.Context, offices []string, limit int) ([]Copy, error) {
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	var b sqlBuilder
	if offices != nil {
		b.where(b.in("office_id", offices))
	}
	out, err := queryAll(ctx, db.r, scanCopy, `SELECT `+copyColumns+` FROM copies WHERE `+b.conds()+
		fmt.Sprintf(" ORDER BY issued_at DESC, id LIMIT %d", limit), b.vals...)
	if err != nil {
		return nil, fmt.Errorf("catalog: copies: %w", err)
	}
	return out, nil
}

// ResultMatch finds a result the way a clerk looks an original up: by
// result code, or by number/symbol optionally narrowed by issuing body
// and issue date. Comparisons ignore case and surrounding space.
type ResultMatch struct {
	Code         string
	NumberSymbol string
	Issuer       string
	IssueDate    string   // YYYY-MM-DD or DD/MM/YYYY
	Offices      []string // tenancy: nil for every office
}

// FindResults returns the results matching m (at most 20), by id.
func (db *DB) FindResults(ctx context.Context, m ResultMatch) ([]results.Result, error) {
	var b sqlBuilder
	switch {
	case strings.TrimSpace(m.Code) != "":
		b.where("lower(code) = lower(" + b.arg(strings.TrimSpace(m.Code)) + ")")
	case strings.TrimSpace(m.NumberSymbol) != "":
		b.where("lower(number_symbol) = lower(" + b.arg(strings.TrimSpace(m.NumberSymbol)) + ")")
		if s := strings.TrimSpace(m.Issuer); s != "" {
			b.where("lower(issuer) = lower(" + b.arg(s) + ")")
		}
		if s := strings.TrimSpace(m.IssueDate); s != "" {
			d, err := results.ParseDate(s)
			if err != nil {
				return nil, fmt.Errorf("catalog: find results: %w", err)
			}
			b.where("issue_date = " + b.arg(d))
		}
	default:
		return nil, fmt.Errorf("catalog: find results: %w", results.Problems{{Field: "code",
			VI: "cần mã kết quả hoặc số, ký hiệu", EN: "a result code or a number/symbol is required"}})
	}
	if m.Offices != nil {
		b.where(b.in("office_id", m.Offices))
	}
	rs, err := db.queryResults(ctx, `SELECT `+resultColumns+` FROM results WHERE `+b.conds()+` ORDER BY id LIMIT 20`, b.vals...)
	if err != nil {
		return nil, fmt.Errorf("catalog: find results: %w", err)
	}
	return rs, nil
}

// CertifyQueue lists the documents of the given offices' batches (nil:
// every office) that no copy has been issued from yet, newest first, at
// most limit (default 50, at most 500); failed documents are left out.
func (db *DB) CertifyQueue(ctx context.Context, offices []string, limit int) ([]Document, error) {
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	var b sqlBuilder
	b.where("status <> 'failed'")
	b.where("NOT EXISTS (SELECT 1 FROM copies c WHERE c.document_id = documents.id)")
	if offices != nil {
		b.where("batch_id IN (SELECT id FROM batches WHERE " + b.in("office_id", offices) + ")")
	}
	out, err := queryAll(ctx, db.r, scanDocument, `SELECT `+docColumns+` FROM documents WHERE `+b.conds()+
		fmt.Sprintf(" ORDER BY created_at DESC, id LIMIT %d", limit), b.vals...)
	if err != nil {
		return nil, fmt.Errorf("catalog: certification queue: %w", err)
	}
	return out, nil
}

// CopiesOfDocument lists the copies issued from a document, oldest first.
func (db *DB) CopiesOfDocument(ctx context.Context, documentID string) ([]Copy, error) {
	out, err := queryAll(ctx, db.r, scanCopy, `SELECT `+copyColumns+` FROM copies WHERE document_id = $1 ORDER BY issued_at, id`, documentID)
	if err != nil {
		return nil, fmt.Errorf("catalog: copies of %s: %w", documentID, err)
	}
	return out, nil
}
