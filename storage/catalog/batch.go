package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// EnsureBatch creates the batch if it does not exist and returns it.
// Calling it again with the same id returns the stored batch unchanged.
func (db *DB) EnsureBatch(ctx context.Context, id, name string) (Batch, error) {
	if id == "" {
		return Batch{}, fmt.Errorf("catalog: ensure batch: thiếu mã lô / missing batch id")
	}
	_, err := db.w.ExecContext(ctx,
		`INSERT INTO batches (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`,
		id, name, db.ts(now()))
	if err != nil {
		return Batch{}, fmt.Errorf("catalog: ensure batch %s: %w", id, err)
	}
	return db.batch(ctx, db.w, id)
}

// Batch returns the batch with the given id, or ErrNotFound.
func (db *DB) Batch(ctx context.Context, id string) (Batch, error) {
	return db.batch(ctx, db.r, id)
}

func (db *DB) batch(ctx context.Context, q *sql.DB, id string) (Batch, error) {
	var b Batch
	err := q.QueryRowContext(ctx, `SELECT id, name, created_at FROM batches WHERE id = $1`, id).
		Scan(&b.ID, &b.Name, timeScanner{&b.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return Batch{}, fmt.Errorf("catalog: batch %s: %w", id, err)
	}
	return b, nil
}

// Progress counts the documents and pages of a batch by status.
func (db *DB) Progress(ctx context.Context, batchID string) (Progress, error) {
	if _, err := db.Batch(ctx, batchID); err != nil {
		return Progress{}, err
	}
	var p Progress
	err := db.r.QueryRowContext(ctx, `SELECT
		COUNT(*),
		COALESCE(SUM(CASE WHEN status = 'signed' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0)
		FROM documents WHERE batch_id = $1`, batchID).
		Scan(&p.Documents, &p.DocumentsSigned, &p.DocumentsFailed)
	if err != nil {
		return Progress{}, fmt.Errorf("catalog: progress of batch %s: %w", batchID, err)
	}
	err = db.r.QueryRowContext(ctx, `SELECT
		COUNT(*),
		COALESCE(SUM(CASE WHEN status = 'ocr_done' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN qc_state = 'pending' THEN 1 ELSE 0 END), 0)
		FROM pages WHERE batch_id = $1`, batchID).
		Scan(&p.PagesReceived, &p.PagesOCRed, &p.PagesFailed, &p.PagesQC)
	if err != nil {
		return Progress{}, fmt.Errorf("catalog: progress of batch %s: %w", batchID, err)
	}
	if p.PagesQC > 0 {
		// Documents held only by review: every page recognised, one pending.
		err = db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM documents d WHERE d.batch_id = $1 AND d.status = 'ocr'
			AND EXISTS (SELECT 1 FROM pages p WHERE p.document_id = d.id AND p.qc_state = 'pending')
			AND NOT EXISTS (SELECT 1 FROM pages p WHERE p.document_id = d.id AND p.status <> 'ocr_done')`, batchID).
			Scan(&p.DocumentsQC)
		if err != nil {
			return Progress{}, fmt.Errorf("catalog: progress of batch %s: %w", batchID, err)
		}
	}
	return p, nil
}

// Unfinished lists work the queue may have lost: pages still "received"
// in documents in "ocr", and documents in "assembling" and in "signing",
// each last updated before before, at most limit of each kind, oldest
// first.
func (db *DB) Unfinished(ctx context.Context, before time.Time, limit int) ([]Work, error) {
	if limit <= 0 {
		return nil, nil
	}
	queries := []struct{ kind, query string }{
		{WorkOCRPage, `SELECT p.id FROM pages p JOIN documents d ON d.id = p.document_id
			WHERE p.status = 'received' AND d.status = 'ocr' AND p.updated_at < $1
			ORDER BY p.updated_at, p.id LIMIT $2`},
		{WorkAssemble, `SELECT id FROM documents WHERE status = 'assembling' AND updated_at < $1
			ORDER BY updated_at, id LIMIT $2`},
		{WorkSign, `SELECT id FROM documents WHERE status = 'signing' AND updated_at < $1
			ORDER BY updated_at, id LIMIT $2`},
	}
	var work []Work
	for _, q := range queries {
		ids, err := db.strings(ctx, q.query, db.ts(before), limit)
		if err != nil {
			return nil, fmt.Errorf("catalog: unfinished %s: %w", q.kind, err)
		}
		for _, id := range ids {
			work = append(work, Work{Kind: q.kind, ID: id})
		}
	}
	return work, nil
}

// strings runs a read query returning one text column.
func (db *DB) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	return queryAll(ctx, db.r, func(s scanner) (string, error) {
		var v string
		err := s.Scan(&v)
		return v, err
	}, query, args...)
}
