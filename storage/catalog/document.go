package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

const docColumns = `id, batch_id, source_name, source_sha256, page_count, status, error, text_len,
	pdf_key, pdf_sha256, signed_key, signed_sha256, signed_size, metadata, created_at, updated_at`

type scanner interface{ Scan(dest ...any) error }

func scanDocument(s scanner) (Document, error) {
	var d Document
	var meta []byte
	err := s.Scan(&d.ID, &d.BatchID, &d.SourceName, &d.SourceSHA256, &d.PageCount, &d.Status, &d.Error,
		&d.TextLen, &d.PDFKey, &d.PDFSHA256, &d.SignedKey, &d.SignedSHA256, &d.SignedSize, &meta,
		timeScanner{&d.CreatedAt}, timeScanner{&d.UpdatedAt})
	if meta != nil {
		d.Metadata = json.RawMessage(meta)
	}
	return d, err
}

// metadataArg validates m and converts it to a query argument: NULL when
// empty, else JSON text.
func metadataArg(m json.RawMessage) (any, error) {
	if len(m) == 0 || string(m) == "null" {
		return nil, nil
	}
	if !json.Valid(m) {
		return nil, fmt.Errorf("siêu dữ liệu không phải JSON hợp lệ / metadata is not valid JSON")
	}
	return string(m), nil
}

// CreateDocument inserts the document and its pages in one transaction.
// If a document with doc.ID already exists nothing changes and created is
// false (idempotent re-ingest). The batch must exist (see EnsureBatch).
//
// Empty fields take defaults: doc.Status "ocr", doc.PageCount len(pages),
// a page's DocumentID and BatchID those of doc, its Status "received".
// If any page has Status failed, the document is stored with Status
// failed and Error naming the page(s).
func (db *DB) CreateDocument(ctx context.Context, doc Document, pages []Page) (created bool, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("catalog: create document %s: %w", doc.ID, err)
		}
	}()
	if doc.ID == "" || doc.BatchID == "" {
		return false, fmt.Errorf("thiếu mã tài liệu hoặc mã lô / missing document or batch id")
	}
	if len(pages) == 0 {
		return false, fmt.Errorf("tài liệu không có trang nào / document has no pages")
	}
	if doc.PageCount == 0 {
		doc.PageCount = len(pages)
	}
	if doc.PageCount != len(pages) {
		return false, fmt.Errorf("page count %d but %d pages given", doc.PageCount, len(pages))
	}
	if doc.Status == "" {
		doc.Status = DocOCR
	}
	meta, err := metadataArg(doc.Metadata)
	if err != nil {
		return false, err
	}
	var failed []string
	for i := range pages {
		p := &pages[i]
		if p.ID == "" {
			return false, fmt.Errorf("trang thứ %d thiếu mã / page %d has no id", i+1, i+1)
		}
		if p.DocumentID == "" {
			p.DocumentID = doc.ID
		}
		if p.BatchID == "" {
			p.BatchID = doc.BatchID
		}
		if p.DocumentID != doc.ID || p.BatchID != doc.BatchID {
			return false, fmt.Errorf("page %s belongs to document %s of batch %s", p.ID, p.DocumentID, p.BatchID)
		}
		if p.Status == "" {
			p.Status = PageReceived
		}
		if p.Status == PageFailed {
			failed = append(failed, fmt.Sprintf("trang / page %d (%s): %s", p.Seq, p.ID, p.Error))
		}
	}
	if len(failed) > 0 {
		doc.Status = DocFailed
		if doc.Error != "" {
			failed = append([]string{doc.Error}, failed...)
		}
		doc.Error = strings.Join(failed, "; ")
	}

	t := db.ts(now())
	err = db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO documents (`+docColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)
			ON CONFLICT (id) DO NOTHING`,
			doc.ID, doc.BatchID, doc.SourceName, doc.SourceSHA256, doc.PageCount, doc.Status, doc.Error,
			doc.TextLen, doc.PDFKey, doc.PDFSHA256, doc.SignedKey, doc.SignedSHA256, doc.SignedSize, meta, t)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // already there: created stays false
		}
		created = true
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO pages (`+pageColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, p := range pages {
			if _, err := stmt.ExecContext(ctx, p.ID, p.DocumentID, p.BatchID, p.Seq, p.BlobKey, p.SHA256,
				p.Format, p.Width, p.Height, p.DPI, p.Status, p.Error, p.TextLen, p.Confidence, p.OCRKey,
				joinFlags(p.QC), p.QCState, p.QCBy, p.QCNote, t); err != nil {
				return fmt.Errorf("page %s: %w", p.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	return created, nil
}

// Document returns the document with the given id, or ErrNotFound.
func (db *DB) Document(ctx context.Context, id string) (Document, error) {
	d, err := scanDocument(db.r.QueryRowContext(ctx, `SELECT `+docColumns+` FROM documents WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return Document{}, fmt.Errorf("catalog: document %s: %w", id, err)
	}
	return d, nil
}

// Documents lists the documents of a batch ordered by source name, then id.
func (db *DB) Documents(ctx context.Context, batchID string) ([]Document, error) {
	out, err := queryAll(ctx, db.r, scanDocument, `SELECT `+docColumns+` FROM documents
		WHERE batch_id = $1 ORDER BY source_name, id`, batchID)
	if err != nil {
		return nil, fmt.Errorf("catalog: documents of batch %s: %w", batchID, err)
	}
	return out, nil
}

// SetAssembled records the assembled, unsigned PDF of a document and moves
// it from "assembling" to "signing". On a document already in "signing" or
// "signed" it does nothing (the first assembly recorded wins); from any
// other status it returns ErrWrongStatus.
func (db *DB) SetAssembled(ctx context.Context, docID, pdfKey, pdfSHA256 string, textLen int, metadata json.RawMessage) error {
	meta, err := metadataArg(metadata)
	if err != nil {
		return fmt.Errorf("catalog: set assembled %s: %w", docID, err)
	}
	return db.transition(ctx, "set assembled", docID, DocAssembling, []DocStatus{DocSigning, DocSigned},
		`UPDATE documents SET status = 'signing', pdf_key = $2, pdf_sha256 = $3, text_len = $4, metadata = $5, updated_at = $6
		WHERE id = $1 AND status = 'assembling'`,
		docID, pdfKey, pdfSHA256, textLen, meta, db.ts(now()))
}

// SetSigned records the signed PDF of a document and moves it from
// "signing" to "signed". On a signed document it does nothing; from any
// other status it returns ErrWrongStatus.
func (db *DB) SetSigned(ctx context.Context, docID, key, sha256 string, size int64) error {
	return db.transitionAudited(ctx, "set signed", docID, DocSigning, []DocStatus{DocSigned}, true,
		`UPDATE documents SET status = 'signed', signed_key = $2, signed_sha256 = $3, signed_size = $4, updated_at = $5
		WHERE id = $1 AND status = 'signing'`,
		docID, key, sha256, size, db.ts(now()))
}

// SetDocumentFailed marks a document failed with reason. On a document
// already failed it does nothing (the first reason is kept); on a signed
// document it returns ErrWrongStatus.
func (db *DB) SetDocumentFailed(ctx context.Context, docID, reason string) error {
	return db.transitionAudited(ctx, "set failed", docID, "", []DocStatus{DocFailed}, false,
		`UPDATE documents SET status = 'failed', error = $2, updated_at = $3
		WHERE id = $1 AND status NOT IN ('signed', 'failed')`,
		docID, reason, db.ts(now()))
}

// Audit actions of the pipeline, which the webhooks follow.
const (
	AuditDocumentSigned = "document.signed"
	AuditBatchDone      = "batch.done" // every document of the batch signed or failed
)

// transitionAudited is transition into a final status (signed or
// failed), in one transaction with its audit entries: document.signed
// when signed is set, and batch.done when the change leaves no document
// of the batch unfinished. The audit log is the outbox the webhooks read,
// so an event cannot be lost between the change and its announcement.
// The count of unfinished documents runs after the audit lock is held: of
// two last documents finishing at once, the second to commit sees the
// first and announces the batch.
func (db *DB) transitionAudited(ctx context.Context, op, docID string, from DocStatus, done []DocStatus, signed bool, query string, args ...any) error {
	changed := false
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return err
		}
		changed = true
		var batch, office string
		if err := tx.QueryRowContext(ctx, `SELECT d.batch_id, b.office_id FROM documents d JOIN batches b ON b.id = d.batch_id
			WHERE d.id = $1`, docID).Scan(&batch, &office); err != nil {
			return err
		}
		if signed {
			if _, err := db.appendAudit(ctx, tx, AuditEntry{Actor: "worker", OfficeID: office, Action: AuditDocumentSigned,
				Subject: docID, Detail: mustJSON(map[string]any{"batch_id": batch, "sha256": args[2], "size": args[3]})}); err != nil {
				return err
			}
		} else if _, err := db.lockAudit(ctx, tx); err != nil {
			return err
		}
		var total, open, nSigned int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*),
			COALESCE(SUM(CASE WHEN status NOT IN ('signed', 'failed') THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status = 'signed' THEN 1 ELSE 0 END), 0)
			FROM documents WHERE batch_id = $1`, batch).Scan(&total, &open, &nSigned); err != nil {
			return err
		}
		if open > 0 {
			return nil
		}
		_, err = db.appendAudit(ctx, tx, AuditEntry{Actor: "worker", OfficeID: office, Action: AuditBatchDone, Subject: batch,
			Detail: mustJSON(map[string]any{"documents": total, "signed": nSigned, "failed": total - nSigned})})
		return err
	})
	if err != nil {
		return fmt.Errorf("catalog: %s %s: %w", op, docID, err)
	}
	if changed {
		return nil
	}
	return db.unchanged(ctx, op, docID, from, done)
}

// transition runs a conditional UPDATE of one document. When it changes no
// row, the document's status decides: done statuses mean an earlier call
// already did the work (nil), anything else is ErrWrongStatus or ErrNotFound.
func (db *DB) transition(ctx context.Context, op, docID string, from DocStatus, done []DocStatus, query string, args ...any) error {
	res, err := db.w.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("catalog: %s %s: %w", op, docID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("catalog: %s %s: %w", op, docID, err)
	} else if n == 1 {
		return nil
	}
	return db.unchanged(ctx, op, docID, from, done)
}

// unchanged explains a transition that changed no row: nil when the
// document is already in a done status, else ErrWrongStatus or ErrNotFound.
func (db *DB) unchanged(ctx context.Context, op, docID string, from DocStatus, done []DocStatus) error {
	var status DocStatus
	err := db.w.QueryRowContext(ctx, `SELECT status FROM documents WHERE id = $1`, docID).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("catalog: %s %s: %w", op, docID, err)
	}
	for _, s := range done {
		if status == s {
			return nil
		}
	}
	if from == "" {
		return fmt.Errorf("catalog: %s %s: tài liệu đang ở trạng thái / document is %s: %w", op, docID, status, ErrWrongStatus)
	}
	return fmt.Errorf("catalog: %s %s: tài liệu đang ở trạng thái / document is %s, not %s: %w", op, docID, status, from, ErrWrongStatus)
}
