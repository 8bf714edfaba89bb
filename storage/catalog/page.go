package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

const pageColumns = `id, document_id, batch_id, seq, blob_key, sha256, format, width, height, dpi,
	status, error, text_len, confidence, ocr_key, qc_flags, qc_state, qc_by, qc_note, created_at, updated_at`

func scanPage(s scanner) (Page, error) {
	var p Page
	var qc string
	err := s.Scan(&p.ID, &p.DocumentID, &p.BatchID, &p.Seq, &p.BlobKey, &p.SHA256, &p.Format,
		&p.Width, &p.Height, &p.DPI, &p.Status, &p.Error, &p.TextLen, &p.Confidence, &p.OCRKey,
		&qc, &p.QCState, &p.QCBy, &p.QCNote, timeScanner{&p.CreatedAt}, timeScanner{&p.UpdatedAt})
	p.QC = splitFlags(qc)
	return p, err
}

// Page returns the page with the given id, or ErrNotFound.
func (db *DB) Page(ctx context.Context, id string) (Page, error) {
	p, err := scanPage(db.r.QueryRowContext(ctx, `SELECT `+pageColumns+` FROM pages WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return Page{}, fmt.Errorf("catalog: page %s: %w", id, err)
	}
	return p, nil
}

// Pages lists the pages of a document ordered by seq.
func (db *DB) Pages(ctx context.Context, documentID string) ([]Page, error) {
	out, err := queryAll(ctx, db.r, scanPage, `SELECT `+pageColumns+` FROM pages
		WHERE document_id = $1 ORDER BY seq`, documentID)
	if err != nil {
		return nil, fmt.Errorf("catalog: pages of document %s: %w", documentID, err)
	}
	return out, nil
}

// lockPageDocument returns the document of a page and its status, holding
// the document's row lock until tx ends. Every transaction that changes a
// page takes this lock first, so the transactions of one document run one
// after another and each sees the pages the previous one committed.
func (db *DB) lockPageDocument(ctx context.Context, tx *sql.Tx, pageID string) (docID string, status DocStatus, err error) {
	err = tx.QueryRowContext(ctx, `SELECT document_id FROM pages WHERE id = $1`, pageID).Scan(&docID)
	if err == nil {
		err = tx.QueryRowContext(ctx, `SELECT status FROM documents WHERE id = $1`+db.forUpdate(), docID).Scan(&status)
	}
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	return docID, status, err
}

// MarkPageFailed marks a page failed with reason, and its document failed
// with a reason naming the page (unless the document is already signed or
// failed). Marking a failed page again does nothing.
func (db *DB) MarkPageFailed(ctx context.Context, pageID, reason string) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		docID, _, err := db.lockPageDocument(ctx, tx, pageID)
		if err != nil {
			return err
		}
		t := db.ts(now())
		var seq int
		err = tx.QueryRowContext(ctx, `UPDATE pages SET status = 'failed', error = $2, updated_at = $3
			WHERE id = $1 AND status <> 'failed' RETURNING seq`, pageID, reason, t).Scan(&seq)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // already failed
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE documents SET status = 'failed', error = $2, updated_at = $3
			WHERE id = $1 AND status NOT IN ('signed', 'failed')`,
			docID, fmt.Sprintf("trang / page %d (%s): %s", seq, pageID, reason), t)
		return err
	})
	if err != nil {
		return fmt.Errorf("catalog: mark page %s failed: %w", pageID, err)
	}
	return nil
}
