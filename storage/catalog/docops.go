package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// ErrDocumentInUse is returned by RemoveDocument for a document a
// certified copy, a number of the certification book or a procedure
// result refers to: those records must keep what they point at.
var ErrDocumentInUse = errors.New("catalog: tài liệu đã được bản sao, sổ chứng thực hoặc kết quả tham chiếu / document is referred to by a copy, the certification book or a result")

// AuditDocumentRetry and AuditDocumentRemove record an archivist's
// retry of a failed document and removal of an unsigned one.
const (
	AuditDocumentRetry  = "document.retry"
	AuditDocumentRemove = "document.remove"
)

// RetryDocument puts a failed document back into the pipeline: its
// failed pages go back to "received" (to be recognised again) and the
// document to "ocr", its error cleared. It returns the pages to queue for
// OCR, or assemble true when every page is already recognised (the
// document failed later, in assembly or signing, and is now
// "assembling"). A document that is not failed gives ErrWrongStatus.
func (db *DB) RetryDocument(ctx context.Context, docID string) (pages []string, assemble bool, err error) {
	err = db.tx(ctx, func(tx *sql.Tx) error {
		t := db.ts(now())
		res, err := tx.ExecContext(ctx, `UPDATE documents SET status = 'ocr', error = '', updated_at = $2
			WHERE id = $1 AND status = 'failed'`, docID, t)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return db.statusErr(ctx, tx, docID)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE pages SET status = 'received', error = '', updated_at = $2
			WHERE document_id = $1 AND status = 'failed'`, docID, t); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT id FROM pages WHERE document_id = $1 AND status = 'received' ORDER BY seq`, docID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			pages = append(pages, id)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(pages) == 0 {
			assemble, err = db.releaseDocument(ctx, tx, docID, t)
		}
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("catalog: retry document %s: %w", docID, err)
	}
	return pages, assemble, nil
}

// RemoveDocument deletes a document that is not signed, with its pages,
// their versions and its text, so that its source can be ingested again.
// The page images stay in blob storage (nothing is lost by a mistaken
// removal; a re-ingest of the same file finds them by content). A signed
// document gives ErrWrongStatus, one referred to ErrDocumentInUse.
func (db *DB) RemoveDocument(ctx context.Context, docID string) (Document, error) {
	var d Document
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if d, err = scanDocument(tx.QueryRowContext(ctx, `SELECT `+docColumns+` FROM documents WHERE id = $1`, docID)); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNotFound
			}
			return err
		}
		if d.Status == DocSigned {
			return fmt.Errorf("tài liệu đã ký số / document is signed: %w", ErrWrongStatus)
		}
		var used bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM copies WHERE document_id = $1)
			OR EXISTS (SELECT 1 FROM cert_entries WHERE document_id = $1)
			OR EXISTS (SELECT 1 FROM result_documents WHERE document_id = $1)`, docID).Scan(&used); err != nil {
			return err
		}
		if used {
			return ErrDocumentInUse
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM documents WHERE id = $1 AND status <> 'signed'`, docID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return db.statusErr(ctx, tx, docID)
		}
		return nil
	})
	if err != nil {
		return Document{}, fmt.Errorf("catalog: remove document %s: %w", docID, err)
	}
	return d, nil
}

// statusErr says why a conditional change of a document touched no row.
func (db *DB) statusErr(ctx context.Context, tx *sql.Tx, docID string) error {
	var status DocStatus
	err := tx.QueryRowContext(ctx, `SELECT status FROM documents WHERE id = $1`, docID).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("tài liệu đang ở trạng thái / document is %s: %w", status, ErrWrongStatus)
}

// QCPrevious returns the ID of the page of a batch waiting for review
// just before page ID before, in QCQueue's order, or "" when none: the
// reverse step of QCQueue's keyset paging, on the same index.
func (db *DB) QCPrevious(ctx context.Context, batchID, before string) (string, error) {
	ids, err := db.strings(ctx, `SELECT id FROM pages
		WHERE batch_id = $1 AND qc_state = 'pending' AND id < $2 ORDER BY id DESC LIMIT 1`, batchID, before)
	if err != nil {
		return "", fmt.Errorf("catalog: QC page before %s in batch %s: %w", before, batchID, err)
	}
	if len(ids) == 0 {
		return "", nil
	}
	return ids[0], nil
}
