package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// QCState says whether a page's quality flags hold its document.
type QCState string

// QC states: "" (nothing holds the page), pending (waiting for a person),
// accepted (a person accepted the page as it is).
const (
	QCNone     QCState = ""
	QCPending  QCState = "pending"
	QCAccepted QCState = "accepted"
)

// Quality flags the OCR stage raises on a page.
const (
	QCBlank         = "blank"          // no text found; not recognised
	QCLowConfidence = "low_confidence" // mean word confidence under the threshold
	QCUnreadable    = "unreadable"     // not blank, yet no word recognised
	QCSkewed        = "skewed"         // scanned at an angle beyond the limit
	QCOrientation   = "orientation"    // which way up the page reads could not be told
)

// Errors of the QC queue.
var (
	// ErrNotPending is returned when accepting a page that does not wait for review.
	ErrNotPending = errors.New("trang không chờ kiểm tra chất lượng / the page is not waiting for quality review")
	// ErrPageLocked is returned when replacing a page of a document that is
	// being assembled or signed or is signed: a signed record does not change.
	ErrPageLocked = errors.New("tài liệu đã được ghép hoặc ký, không thể thay trang / the document is assembled or signed; its pages cannot be replaced")
)

// OCRResult is what the OCR stage records of a page.
type OCRResult struct {
	TextLen    int
	Confidence float64
	OCRKey     string
	// QC are the quality flags raised; Hold makes the page wait for a
	// person (QCPending) before its document is assembled and signed.
	QC   []string
	Hold bool
}

// PageVersion is an image a page had before a rescan replaced it.
type PageVersion struct {
	PageID                  string
	Version                 int // from 1, oldest first
	BlobKey, SHA256, Format string
	Width, Height, DPI      int
	Status                  PageStatus
	Error                   string
	Confidence              float64
	QC                      []string
	ReplacedAt              time.Time
	ReplacedBy, Reason      string
}

func splitFlags(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func joinFlags(f []string) string { return strings.Join(f, ",") }

// MarkPageOCRed records the OCR result of a page with no quality flags
// (see RecordOCR).
func (db *DB) MarkPageOCRed(ctx context.Context, pageID string, textLen int, confidence float64, ocrKey string) (ready bool, err error) {
	return db.RecordOCR(ctx, pageID, OCRResult{TextLen: textLen, Confidence: confidence, OCRKey: ocrKey})
}

// RecordOCR records the OCR result of a page and sets it "ocr_done". Only
// a "received" page changes; recording it again, or recording a failed
// page, does nothing and returns ready=false. When this call makes every
// page of the document "ocr_done", no page waits for review and the
// document is in "ocr", it moves the document to "assembling" and returns
// ready=true: exactly one caller sees ready=true for a document, however
// many race. A document with a page waiting for review stays in "ocr"
// until AcceptPage or ReplacePage resolves it.
func (db *DB) RecordOCR(ctx context.Context, pageID string, r OCRResult) (ready bool, err error) {
	state := QCNone
	if r.Hold {
		state = QCPending
	}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		docID, status, err := db.lockPageDocument(ctx, tx, pageID)
		if err != nil {
			return err
		}
		t := db.ts(now())
		res, err := tx.ExecContext(ctx, `UPDATE pages SET status = 'ocr_done', error = '', text_len = $2,
			confidence = $3, ocr_key = $4, qc_flags = $5, qc_state = $6, qc_by = '', qc_note = '', updated_at = $7
			WHERE id = $1 AND status = 'received'`,
			pageID, r.TextLen, r.Confidence, r.OCRKey, joinFlags(r.QC), state, t)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 || status != DocOCR {
			return err
		}
		ready, err = db.releaseDocument(ctx, tx, docID, t)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("catalog: mark page %s OCRed: %w", pageID, err)
	}
	return ready, nil
}

// releaseDocument moves a document in "ocr" whose pages are all
// recognised and none waits for review to "assembling". The caller holds
// the document's row lock.
func (db *DB) releaseDocument(ctx context.Context, tx *sql.Tx, docID string, t any) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE documents SET status = 'assembling', updated_at = $2
		WHERE id = $1 AND status = 'ocr'
		AND NOT EXISTS (SELECT 1 FROM pages WHERE document_id = $1
			AND (status <> 'ocr_done' OR qc_state = 'pending'))`,
		docID, t)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// AcceptPage records that a person (by) looked at a page waiting for
// review and accepted it as it is. When that was the last page holding
// the document, the document moves to "assembling" and ready is true.
// A page that does not wait for review gives ErrNotPending.
func (db *DB) AcceptPage(ctx context.Context, pageID, by, note string) (ready bool, err error) {
	err = db.tx(ctx, func(tx *sql.Tx) error {
		docID, _, err := db.lockPageDocument(ctx, tx, pageID)
		if err != nil {
			return err
		}
		t := db.ts(now())
		res, err := tx.ExecContext(ctx, `UPDATE pages SET qc_state = 'accepted', qc_by = $2, qc_note = $3, updated_at = $4
			WHERE id = $1 AND qc_state = 'pending'`, pageID, by, note, t)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrNotPending
		}
		ready, err = db.releaseDocument(ctx, tx, docID, t)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("catalog: accept page %s: %w", pageID, err)
	}
	return ready, nil
}

// ReplacePage puts a rescanned image (np's BlobKey, SHA256, Format, Width,
// Height, DPI) in place of a page's image: the old image and its OCR
// figures become the page's next PageVersion (kept, with who and why), the
// page goes back to "received" with its quality flags cleared, and its
// document back to "ocr" (a document failed only because of this page
// comes back to life). Pages of documents being assembled or signed, or
// signed, give ErrPageLocked.
func (db *DB) ReplacePage(ctx context.Context, pageID string, np Page, by, reason string) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		docID, status, err := db.lockPageDocument(ctx, tx, pageID)
		if err != nil {
			return err
		}
		if status != DocOCR && status != DocFailed {
			return ErrPageLocked
		}
		old, err := scanPage(tx.QueryRowContext(ctx, `SELECT `+pageColumns+` FROM pages WHERE id = $1`, pageID))
		if err != nil {
			return err
		}
		t := db.ts(now())
		if old.BlobKey != "" || old.Error != "" {
			var v int
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM page_versions WHERE page_id = $1`,
				pageID).Scan(&v); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO page_versions (page_id, version, blob_key, sha256, format,
				width, height, dpi, status, error, confidence, qc_flags, replaced_at, replaced_by, reason)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
				pageID, v, old.BlobKey, old.SHA256, old.Format, old.Width, old.Height, old.DPI, old.Status, old.Error,
				old.Confidence, joinFlags(old.QC), t, by, reason); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE pages SET blob_key = $2, sha256 = $3, format = $4, width = $5,
			height = $6, dpi = $7, status = 'received', error = '', text_len = 0, confidence = 0, ocr_key = '',
			qc_flags = '', qc_state = '', qc_by = '', qc_note = '', updated_at = $8 WHERE id = $1`,
			pageID, np.BlobKey, np.SHA256, np.Format, np.Width, np.Height, np.DPI, t); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE documents SET status = 'ocr', error = '', updated_at = $2
			WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM pages WHERE document_id = $1 AND status = 'failed')`, docID, t)
		return err
	})
	if err != nil {
		return fmt.Errorf("catalog: replace page %s: %w", pageID, err)
	}
	return nil
}

// PageVersions lists the earlier images of a document's pages (every page
// when pageID is "", else that page's), by page then version.
func (db *DB) PageVersions(ctx context.Context, documentID, pageID string) ([]PageVersion, error) {
	out, err := queryAll(ctx, db.r, func(s scanner) (PageVersion, error) {
		var v PageVersion
		var qc string
		err := s.Scan(&v.PageID, &v.Version, &v.BlobKey, &v.SHA256, &v.Format, &v.Width, &v.Height, &v.DPI,
			&v.Status, &v.Error, &v.Confidence, &qc, timeScanner{&v.ReplacedAt}, &v.ReplacedBy, &v.Reason)
		v.QC = splitFlags(qc)
		return v, err
	}, `SELECT v.page_id, v.version, v.blob_key, v.sha256, v.format, v.width, v.height, v.dpi, v.status, v.error,
		v.confidence, v.qc_flags, v.replaced_at, v.replaced_by, v.reason
		FROM page_versions v JOIN pages p ON p.id = v.page_id
		WHERE p.document_id = $1 AND ($2 = '' OR v.page_id = $2) ORDER BY p.seq, v.version`, documentID, pageID)
	if err != nil {
		return nil, fmt.Errorf("catalog: page versions of document %s: %w", documentID, err)
	}
	return out, nil
}

// QCQueue returns at most limit pages of a batch waiting for review with
// IDs greater than after ("" for the start), in ID order (document, then
// page): keyset paging over the partial index pages_qc_pending.
func (db *DB) QCQueue(ctx context.Context, batchID, after string, limit int) ([]Page, error) {
	out, err := queryAll(ctx, db.r, scanPage, `SELECT `+pageColumns+` FROM pages
		WHERE batch_id = $1 AND qc_state = 'pending' AND id > $2 ORDER BY id LIMIT $3`, batchID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("catalog: QC queue of batch %s: %w", batchID, err)
	}
	return out, nil
}
