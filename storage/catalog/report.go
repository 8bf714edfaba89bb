package catalog

import (
	"context"
	"fmt"
	"iter"
)

// PageRow is one line of a batch report: a page, what became of it and the
// document it landed in.
type PageRow struct {
	PageID, DocumentID, SourceName string
	Seq                            int
	Status                         PageStatus
	Error                          string // why the page failed, if it did
	Confidence                     float64
	TextLen                        int
	Width, Height, DPI             int
	SHA256                         string
	QC                             []string // quality flags (Page.QC)
	QCState                        QCState
	DocStatus                      DocStatus
	DocError                       string
}

// reportPageSize is how many rows one query of BatchPages fetches.
const reportPageSize = 500

// BatchPageRows returns at most limit pages of a batch with IDs greater
// than after ("" for the start), in ID order, which is document then page
// order since page IDs are "<documentID>-p<seq>". Keyset paging over the
// index pages(batch_id, id) keeps each call as cheap at the millionth page
// as at the first.
func (db *DB) BatchPageRows(ctx context.Context, batchID, after string, limit int) ([]PageRow, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := db.r.QueryContext(ctx, `SELECT p.id, p.document_id, d.source_name, p.seq, p.status, p.error,
		p.confidence, p.text_len, p.width, p.height, p.dpi, p.sha256, p.qc_flags, p.qc_state, d.status, d.error
		FROM pages p JOIN documents d ON d.id = p.document_id
		WHERE p.batch_id = $1 AND p.id > $2 ORDER BY p.id LIMIT $3`, batchID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("catalog: pages of batch %s: %w", batchID, err)
	}
	defer rows.Close()
	var out []PageRow
	for rows.Next() {
		var r PageRow
		var qc string
		if err := rows.Scan(&r.PageID, &r.DocumentID, &r.SourceName, &r.Seq, &r.Status, &r.Error,
			&r.Confidence, &r.TextLen, &r.Width, &r.Height, &r.DPI, &r.SHA256, &qc, &r.QCState,
			&r.DocStatus, &r.DocError); err != nil {
			return nil, fmt.Errorf("catalog: pages of batch %s: %w", batchID, err)
		}
		r.QC = splitFlags(qc)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("catalog: pages of batch %s: %w", batchID, err)
	}
	return out, nil
}

// BatchPages yields every page of a batch in ID order, fetching them a few
// hundred at a time, so a report of a million pages never holds more than
// one such slice. The batch must exist (ErrNotFound otherwise). Iteration
// stops at the first error, which is yielded.
func (db *DB) BatchPages(ctx context.Context, batchID string) iter.Seq2[PageRow, error] {
	return func(yield func(PageRow, error) bool) {
		if _, err := db.Batch(ctx, batchID); err != nil {
			yield(PageRow{}, err)
			return
		}
		after := ""
		for {
			rows, err := db.BatchPageRows(ctx, batchID, after, reportPageSize)
			if err != nil {
				yield(PageRow{}, err)
				return
			}
			for _, r := range rows {
				if !yield(r, nil) {
					return
				}
			}
			if len(rows) < reportPageSize {
				return
			}
			after = rows[len(rows)-1].PageID
		}
	}
}

// BatchDocumentPage returns at most limit documents of a batch with IDs
// greater than after ("" for the start), in ID order.
func (db *DB) BatchDocumentPage(ctx context.Context, batchID, after string, limit int) ([]Document, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+docColumns+` FROM documents
		WHERE batch_id = $1 AND id > $2 ORDER BY id LIMIT $3`, batchID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("catalog: documents of batch %s: %w", batchID, err)
	}
	defer rows.Close()
	var docs []Document
	for rows.Next() {
		d, err := scanDocument(rows)
		if err != nil {
			return nil, fmt.Errorf("catalog: documents of batch %s: %w", batchID, err)
		}
		docs = append(docs, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("catalog: documents of batch %s: %w", batchID, err)
	}
	return docs, nil
}

// BatchDocuments yields every document of a batch in ID order, a few
// hundred at a time. The batch must exist (ErrNotFound otherwise).
func (db *DB) BatchDocuments(ctx context.Context, batchID string) iter.Seq2[Document, error] {
	return func(yield func(Document, error) bool) {
		if _, err := db.Batch(ctx, batchID); err != nil {
			yield(Document{}, err)
			return
		}
		after := ""
		for {
			docs, err := db.BatchDocumentPage(ctx, batchID, after, reportPageSize)
			if err != nil {
				yield(Document{}, err)
				return
			}
			for _, d := range docs {
				if !yield(d, nil) {
					return
				}
			}
			if len(docs) < reportPageSize {
				return
			}
			after = docs[len(docs)-1].ID
		}
	}
}

// AuditAIPExport is the audit action of an archival package export.
const AuditAIPExport = "aip.export"
