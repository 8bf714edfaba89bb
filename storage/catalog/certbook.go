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

// The electronic certification book (sổ chứng thực bản sao điện tử).
//
// Numbers run from 1 each calendar year (in Vietnam) per office and book,
// never repeat and never skip. A number is taken by AllocateCertNumber,
// which in one transaction increments the book's counter row and inserts
// the line as pending; the copy carrying the number is then rendered and
// signed outside any transaction (that takes seconds, and on SQLite a
// transaction held that long would stop every other writer), and
// IssueCopy turns the line to issued in the transaction that stores the
// copy's record and writes the audit entry. A failure in between voids
// the line with the error as reason (VoidCertEntry); a crash leaves it
// pending, and VoidStaleCertEntries, run at start and periodically, voids
// pending lines older than the longest issuance with reason
// "interrupted". So every number is, in the end, issued or voided with a
// reason: never a silent gap.

// ErrEntryNotPending is returned when issuing or voiding a book line that
// is already issued or voided.
var ErrEntryNotPending = errors.New("catalog: số chứng thực đã được cấp hoặc đã hủy / the certification number is already issued or voided")

// AuditCopyVoided is written when a certification number is voided.
const AuditCopyVoided = "copy.voided"

// EntryStatus is a book line's state.
type EntryStatus string

// Book line states.
const (
	EntryPending EntryStatus = "pending"
	EntryIssued  EntryStatus = "issued"
	EntryVoided  EntryStatus = "voided"
)

// ReasonInterrupted is the void reason VoidStaleCertEntries records.
const ReasonInterrupted = "interrupted: không hoàn tất cấp bản sao / issuance did not complete"

// BookEntry is one line of a certification book.
type BookEntry struct {
	ID         string
	OfficeID   string
	Year       int    // calendar year in Vietnam of the allocation
	Book       string // the book's code, e.g. "02-SCTĐT/BS"
	Number     int    // from 1 each year
	Date       string // YYYY-MM-DD in Vietnam, the day of allocation
	Status     EntryStatus
	DocumentID string // the scanned original
	ResultID   string // the procedure result it was found to be, if any
	// NoResultReason is why the copy is linked to no result (e.g. the
	// original was issued by another authority); "" with a result.
	NoResultReason string
	Title          string // the certified document, as the book shows it
	Requester      string // person requesting the copy
	Certifier      string // who certifies
	Fee            int64  // in đồng
	Notes          string
	VoidReason     string
	CopyID         string // the issued copy; "" otherwise
	// Read from the issued copy and its result, for the book: the
	// result's code, its validity when the copy was issued and the
	// clerk's acknowledgement of a warning about it.
	ResultCode, Validity, WarningAck string
	CreatedAt                        time.Time
	UpdatedAt                        time.Time
}

const entryColumns = `e.id, e.office_id, e.year, e.book, e.number, e.day, e.status, e.document_id, e.result_id,
	e.no_result_reason, e.title, e.requester, e.certifier, e.fee, e.notes, e.void_reason, c.id, r.code, c.validity,
	c.warning_ack, e.created_at, e.updated_at`

const entryFrom = ` FROM cert_entries e LEFT JOIN copies c ON c.entry_id = e.id LEFT JOIN results r ON r.id = e.result_id`

func scanEntry(s scanner) (BookEntry, error) {
	var e BookEntry
	var result, copyID, code, validity, ack sql.NullString
	err := s.Scan(&e.ID, &e.OfficeID, &e.Year, &e.Book, &e.Number, &e.Date, &e.Status, &e.DocumentID, &result,
		&e.NoResultReason, &e.Title, &e.Requester, &e.Certifier, &e.Fee, &e.Notes, &e.VoidReason, &copyID, &code, &validity,
		&ack, timeScanner{&e.CreatedAt}, timeScanner{&e.UpdatedAt})
	e.ResultID, e.CopyID = result.String, copyID.String
	e.ResultCode, e.Validity, e.WarningAck = code.String, validity.String, ack.String
	return e, err
}

// AllocateCertNumber takes the next number of book e.Book of office
// e.OfficeID for the year of at (in Vietnam) and records e as a pending
// line with it. ID, Year, Number, Status and the times are set here.
func (db *DB) AllocateCertNumber(ctx context.Context, e BookEntry, at time.Time) (BookEntry, error) {
	e.OfficeID, e.Book = strings.TrimSpace(e.OfficeID), strings.TrimSpace(e.Book)
	if e.Book == "" || e.DocumentID == "" {
		return e, fmt.Errorf("catalog: allocate certification number: thiếu sổ hoặc tài liệu / missing book or document")
	}
	e.ID = newID("sct_")
	e.Year = at.In(results.Vietnam).Year()
	e.Date = results.Today(at)
	e.Status, e.VoidReason, e.CopyID = EntryPending, "", ""
	e.ResultCode, e.Validity, e.WarningAck = "", "", ""
	e.CreatedAt = now()
	e.UpdatedAt = e.CreatedAt
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO cert_books (office_id, year, book, next_number)
			VALUES ($1, $2, $3, 1) ON CONFLICT DO NOTHING`, e.OfficeID, e.Year, e.Book); err != nil {
			return err
		}
		// The UPDATE locks the counter row until commit (PostgreSQL); a
		// concurrent allocator waits and then reads the incremented value.
		if err := tx.QueryRowContext(ctx, `UPDATE cert_books SET next_number = next_number + 1
			WHERE office_id = $1 AND year = $2 AND book = $3 RETURNING next_number - 1`,
			e.OfficeID, e.Year, e.Book).Scan(&e.Number); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO cert_entries (id, office_id, year, book, number, day, status, document_id,
			result_id, title, requester, certifier, fee, notes, void_reason, created_at, updated_at, no_result_reason)
			VALUES ($1, $2, $3, $4, $5, $14, 'pending', $6, $7, $8, $9, $10, $11, $12, '', $13, $13, $15)`,
			e.ID, e.OfficeID, e.Year, e.Book, e.Number, e.DocumentID, nullString(e.ResultID),
			e.Title, e.Requester, e.Certifier, e.Fee, e.Notes, db.ts(e.CreatedAt), e.Date, e.NoResultReason)
		return err
	})
	if err != nil {
		return e, fmt.Errorf("catalog: allocate certification number in %s/%d: %w", e.Book, e.Year, err)
	}
	return e, nil
}

// CertEntry returns a book line, or ErrNotFound.
func (db *DB) CertEntry(ctx context.Context, id string) (BookEntry, error) {
	e, err := scanEntry(db.r.QueryRowContext(ctx, `SELECT `+entryColumns+entryFrom+` WHERE e.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return e, fmt.Errorf("catalog: certification entry %s: %w", id, err)
	}
	return e, nil
}

// VoidCertEntry gives up a pending line's number with a reason (required),
// writing "copy.voided" to the audit log in the same transaction. A line
// already issued or voided gives ErrEntryNotPending.
func (db *DB) VoidCertEntry(ctx context.Context, id, actor, reason string) (BookEntry, error) {
	var out BookEntry
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = db.voidEntry(ctx, tx, id, actor, reason)
		return err
	})
	if err != nil {
		return out, fmt.Errorf("catalog: void certification entry %s: %w", id, err)
	}
	return out, nil
}

func (db *DB) voidEntry(ctx context.Context, tx *sql.Tx, id, actor, reason string) (BookEntry, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return BookEntry{}, results.Problems{{Field: "reason", VI: "cần lý do hủy số", EN: "a reason for voiding is required"}}
	}
	t := now()
	res, err := tx.ExecContext(ctx, `UPDATE cert_entries SET status = 'voided', void_reason = $2, updated_at = $3
		WHERE id = $1 AND status = 'pending'`, id, reason, db.ts(t))
	if err != nil {
		return BookEntry{}, err
	}
	e, err := scanEntry(tx.QueryRowContext(ctx, `SELECT `+entryColumns+entryFrom+` WHERE e.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return e, ErrNotFound
	} else if err != nil {
		return e, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return e, ErrEntryNotPending
	}
	_, err = db.appendAudit(ctx, tx, AuditEntry{Actor: actor, OfficeID: e.OfficeID, Action: AuditCopyVoided, Subject: e.ID,
		Detail: mustJSON(map[string]any{"book": e.Book, "year": e.Year, "number": e.Number, "reason": reason})})
	return e, err
}

// VoidStaleCertEntries voids every line still pending that was allocated
// before olderThan, with ReasonInterrupted, and returns them. Run it when
// a process starts and periodically, with olderThan earlier than any
// issuance can take.
func (db *DB) VoidStaleCertEntries(ctx context.Context, olderThan time.Time, actor string) ([]BookEntry, error) {
	rows, err := db.w.QueryContext(ctx, `SELECT id FROM cert_entries WHERE status = 'pending' AND created_at < $1 ORDER BY created_at`,
		db.ts(olderThan))
	if err != nil {
		return nil, fmt.Errorf("catalog: stale certification entries: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []BookEntry
	for _, id := range ids {
		e, err := db.VoidCertEntry(ctx, id, actor, ReasonInterrupted)
		if errors.Is(err, ErrEntryNotPending) {
			continue // issued or voided meanwhile
		}
		if err != nil {
			return out, err
		}
		out = append(out, e)
	}
	return out, nil
}

// CertEntries returns the lines of a book of an office allocated in the
// given month (1..12) of year, in Vietnam, by number; month 0 gives the
// whole year. Voided lines are included.
func (db *DB) CertEntries(ctx context.Context, officeID, book string, year, month int) ([]BookEntry, error) {
	var b sqlBuilder
	b.where("e.office_id = " + b.arg(officeID))
	b.where("e.book = " + b.arg(book))
	b.where("e.year = " + b.arg(year))
	if month != 0 {
		if month < 1 || month > 12 {
			return nil, fmt.Errorf("catalog: certification entries: tháng %d không hợp lệ / invalid month %d", month, month)
		}
		b.where("e.day LIKE " + b.arg(fmt.Sprintf("%04d-%02d-%%", year, month)))
	}
	out, err := queryAll(ctx, db.r, scanEntry, `SELECT `+entryColumns+entryFrom+` WHERE `+b.conds()+` ORDER BY e.number`, b.vals...)
	if err != nil {
		return nil, fmt.Errorf("catalog: certification entries: %w", err)
	}
	return out, nil
}
