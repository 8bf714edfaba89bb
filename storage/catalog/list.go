package catalog

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/sohoa-vn/sohoa/results"
)

// ListQuery is one page of a list endpoint: records in id order after
// the cursor (keyset paging, so a page costs the same at the millionth
// record as at the first), narrowed to the visible offices.
type ListQuery struct {
	Offices []string // tenancy: nil for every office
	Limit   int      // 1..1000, default 100
	Cursor  string   // the previous page's next cursor, "" for the first
	Batch   string   // documents only: "" for every batch
	Status  string   // documents only: "" for every status
}

// ErrBadCursor is wrapped by list functions given a cursor they did not make.
var ErrBadCursor = results.Problems{{Field: "cursor", VI: "con trỏ trang không hợp lệ", EN: "invalid cursor"}}

// EncodeCursor makes the cursor that resumes after id.
func EncodeCursor(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }

// page checks q and returns the id to resume after and the limit.
func (q ListQuery) page() (after string, limit int, err error) {
	limit = q.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	if q.Cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(q.Cursor)
		if err != nil || len(b) == 0 {
			return "", 0, ErrBadCursor
		}
		after = string(b)
	}
	return after, limit, nil
}

// nextCursor cuts a page fetched with limit+1 rows to limit and returns
// the cursor of the next page ("" after the last).
func nextCursor[T any](rows []T, limit int, id func(T) string) ([]T, string) {
	if len(rows) <= limit {
		return rows, ""
	}
	rows = rows[:limit]
	return rows, EncodeCursor(id(rows[limit-1]))
}

// ListBatches returns one page of batches in id order and the next cursor.
func (db *DB) ListBatches(ctx context.Context, q ListQuery) ([]Batch, string, error) {
	after, limit, err := q.page()
	if err != nil {
		return nil, "", fmt.Errorf("catalog: list batches: %w", err)
	}
	var b sqlBuilder
	b.where("id > " + b.arg(after))
	if q.Offices != nil {
		b.where(b.in("office_id", q.Offices))
	}
	out, err := queryAll(ctx, db.r, func(s scanner) (Batch, error) {
		var bt Batch
		err := s.Scan(&bt.ID, &bt.Name, timeScanner{&bt.CreatedAt})
		return bt, err
	}, `SELECT id, name, created_at FROM batches WHERE `+b.conds()+fmt.Sprintf(" ORDER BY id LIMIT %d", limit+1), b.vals...)
	if err != nil {
		return nil, "", fmt.Errorf("catalog: list batches: %w", err)
	}
	out, next := nextCursor(out, limit, func(b Batch) string { return b.ID })
	return out, next, nil
}

// ListDocuments returns one page of documents in id order, optionally of
// one batch and one status, and the next cursor.
func (db *DB) ListDocuments(ctx context.Context, q ListQuery) ([]Document, string, error) {
	after, limit, err := q.page()
	if err != nil {
		return nil, "", fmt.Errorf("catalog: list documents: %w", err)
	}
	var b sqlBuilder
	b.where("d.id > " + b.arg(after))
	if q.Offices != nil {
		b.where(b.in("b.office_id", q.Offices))
	}
	if q.Batch != "" {
		b.where("d.batch_id = " + b.arg(q.Batch))
	}
	if q.Status != "" {
		b.where("d.status = " + b.arg(q.Status))
	}
	out, err := queryAll(ctx, db.r, scanDocument, `SELECT `+prefixed("d.", docColumns)+` FROM documents d JOIN batches b ON b.id = d.batch_id WHERE `+
		b.conds()+fmt.Sprintf(" ORDER BY d.id LIMIT %d", limit+1), b.vals...)
	if err != nil {
		return nil, "", fmt.Errorf("catalog: list documents: %w", err)
	}
	out, next := nextCursor(out, limit, func(d Document) string { return d.ID })
	return out, next, nil
}

// ListResults returns one page of results in id order and the next cursor.
func (db *DB) ListResults(ctx context.Context, q ListQuery) ([]results.Result, string, error) {
	after, limit, err := q.page()
	if err != nil {
		return nil, "", fmt.Errorf("catalog: list results: %w", err)
	}
	var b sqlBuilder
	b.where("id > " + b.arg(after))
	if q.Offices != nil {
		b.where(b.in("office_id", q.Offices))
	}
	out, err := db.queryResults(ctx, `SELECT `+resultColumns+` FROM results WHERE `+b.conds()+
		fmt.Sprintf(" ORDER BY id LIMIT %d", limit+1), b.vals...)
	if err != nil {
		return nil, "", fmt.Errorf("catalog: list results: %w", err)
	}
	out, next := nextCursor(out, limit, func(r results.Result) string { return r.ID })
	return out, next, nil
}

// ListCopies returns one page of issued copies in id order and the next cursor.
func (db *DB) ListCopies(ctx context.Context, q ListQuery) ([]Copy, string, error) {
	after, limit, err := q.page()
	if err != nil {
		return nil, "", fmt.Errorf("catalog: list copies: %w", err)
	}
	var b sqlBuilder
	b.where("id > " + b.arg(after))
	if q.Offices != nil {
		b.where(b.in("office_id", q.Offices))
	}
	out, err := queryAll(ctx, db.r, scanCopy, `SELECT `+copyColumns+` FROM copies WHERE `+b.conds()+
		fmt.Sprintf(" ORDER BY id LIMIT %d", limit+1), b.vals...)
	if err != nil {
		return nil, "", fmt.Errorf("catalog: list copies: %w", err)
	}
	out, next := nextCursor(out, limit, func(c Copy) string { return c.ID })
	return out, next, nil
}

// prefixed qualifies each column of a column list with a table alias.
func prefixed(alias, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = alias + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}
