// Package catalog is the pipeline's source of truth: batches, the
// documents scanned into them, their pages, and the PDFs made from them.
//
// One implementation over database/sql serves two databases: SQLite
// (modernc.org/sqlite, pure Go, the embedded default) and PostgreSQL
// (pgx). Schema migrations live in migrations/{sqlite,postgres}, are
// embedded in the binary and applied by goose on Open.
//
// State changes are conditional UPDATEs inside transactions, so that
// workers racing on the same document agree on who does the next step:
//
//	document: ocr → assembling → signing → signed   (any → failed)
//	page:     received → ocr_done                    (any → failed)
package catalog

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// ErrNotFound is returned when a batch, document or page does not exist.
var ErrNotFound = errors.New("catalog: không tìm thấy / not found")

// ErrWrongStatus is returned when a document is not in a status from
// which the requested change is allowed (for example SetSigned on a
// document that is still in OCR).
var ErrWrongStatus = errors.New("catalog: sai trạng thái / wrong status")

// Batch is a named group of documents scanned together.
type Batch struct {
	ID, Name  string
	CreatedAt time.Time
}

// DocStatus is where a document is in the pipeline.
type DocStatus string

// Document statuses.
const (
	DocOCR        DocStatus = "ocr"
	DocAssembling DocStatus = "assembling"
	DocSigning    DocStatus = "signing"
	DocSigned     DocStatus = "signed"
	DocFailed     DocStatus = "failed"
)

// PageStatus is where a page is in the pipeline.
type PageStatus string

// Page statuses.
const (
	PageReceived PageStatus = "received"
	PageOCRDone  PageStatus = "ocr_done"
	PageFailed   PageStatus = "failed"
)

// Document is one scanned source document.
type Document struct {
	ID, BatchID, SourceName, SourceSHA256 string
	PageCount                             int
	Status                                DocStatus
	Error                                 string
	TextLen                               int
	PDFKey, PDFSHA256                     string // assembled (unsigned) searchable PDF in blob storage
	SignedKey, SignedSHA256               string
	SignedSize                            int64
	Metadata                              json.RawMessage // extracted metadata, JSON object, may be nil
	CreatedAt, UpdatedAt                  time.Time
}

// Page is one scanned page of a document.
type Page struct {
	ID, DocumentID, BatchID string
	Seq                     int    // from 1
	BlobKey, SHA256, Format string // Format "png" or "jpeg"
	Width, Height, DPI      int
	Status                  PageStatus
	Error                   string
	TextLen                 int
	Confidence              float64
	OCRKey                  string
	// QC holds the quality flags OCR raised (QCBlank...), QCState whether
	// they hold the document ("pending") or a person accepted them
	// ("accepted", by QCBy with QCNote); "" when nothing holds the page.
	QC                   []string
	QCState              QCState
	QCBy, QCNote         string
	CreatedAt, UpdatedAt time.Time
}

// Progress counts a batch's documents and pages.
type Progress struct {
	Documents, DocumentsSigned, DocumentsFailed int
	PagesReceived, PagesOCRed, PagesFailed      int // PagesReceived counts every page recorded
	// PagesQC counts pages waiting for a person's review; DocumentsQC the
	// documents they hold (every other page recognised).
	PagesQC, DocumentsQC int
}

// Work is a unit of work the queue may have lost, found by Unfinished.
type Work struct {
	Kind string // WorkOCRPage, WorkAssemble or WorkSign
	ID   string // page ID for WorkOCRPage, document ID otherwise
}

// Work kinds.
const (
	WorkOCRPage  = "ocr_page"
	WorkAssemble = "assemble"
	WorkSign     = "sign"
)

//go:embed migrations
var migrations embed.FS

// DB is a catalog database. It is safe for concurrent use.
type DB struct {
	w        *sql.DB // writes, and reads inside write transactions
	r        *sql.DB // reads; the same as w on PostgreSQL
	postgres bool
	audit    auditQueue // group commit of Audit
}

// Open connects to the catalog at url and applies pending migrations.
// url is "sqlite:/path/to/file.db", "sqlite::memory:" (a private
// in-memory database, for tests), or "postgres://..." / "postgresql://...".
func Open(ctx context.Context, url string) (*DB, error) {
	var (
		db      *DB
		err     error
		dialect goose.Dialect
		opts    []goose.ProviderOption
	)
	switch {
	case strings.HasPrefix(url, "sqlite:"):
		db, err = openSQLite(strings.TrimPrefix(url, "sqlite:"))
		dialect = goose.DialectSQLite3
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		dialect = goose.DialectPostgres
		// An advisory lock keeps processes that start together from migrating twice.
		var l lock.SessionLocker
		if l, err = lock.NewPostgresSessionLocker(); err == nil {
			opts = append(opts, goose.WithSessionLocker(l))
			db, err = openPostgres(url)
		}
	default:
		return nil, fmt.Errorf("catalog: open %q: địa chỉ phải bắt đầu bằng sqlite: hoặc postgres:// / url must start with sqlite: or postgres://", redact(url))
	}
	if err != nil {
		return nil, fmt.Errorf("catalog: open %s: %w", redact(url), err)
	}
	if err := db.migrate(ctx, dialect, opts); err != nil {
		db.Close()
		return nil, fmt.Errorf("catalog: migrate %s: %w", redact(url), err)
	}
	return db, nil
}

func (db *DB) migrate(ctx context.Context, dialect goose.Dialect, opts []goose.ProviderOption) error {
	dir := "migrations/sqlite"
	if db.postgres {
		dir = "migrations/postgres"
	}
	fsys, err := fs.Sub(migrations, dir)
	if err != nil {
		return err
	}
	opts = append(opts, goose.WithDisableGlobalRegistry(true))
	p, err := goose.NewProvider(dialect, db.w, fsys, opts...)
	if err != nil {
		return err
	}
	_, err = p.Up(ctx)
	return err
}

// Close closes the database.
func (db *DB) Close() error {
	db.stopAudit()
	err := db.w.Close()
	if db.r != db.w {
		err = errors.Join(err, db.r.Close())
	}
	return err
}

// redact hides a password in a database URL for error messages.
func redact(url string) string {
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok {
		return url
	}
	userinfo, host, ok := strings.Cut(rest, "@")
	if !ok {
		return url
	}
	if user, _, ok := strings.Cut(userinfo, ":"); ok {
		return scheme + "://" + user + ":xxxxx@" + host
	}
	return url
}

// now is the time stamped on rows, at the precision both databases keep.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// sqliteTime is the layout of timestamps in SQLite: fixed width, so text
// order is time order.
const sqliteTime = "2006-01-02T15:04:05.000000Z"

// ts converts t to a query argument for this database.
func (db *DB) ts(t time.Time) any {
	t = t.UTC().Truncate(time.Microsecond)
	if db.postgres {
		return t
	}
	return t.Format(sqliteTime)
}

// timeScanner scans a timestamp column of either database.
type timeScanner struct{ t *time.Time }

func (s timeScanner) Scan(v any) error {
	switch v := v.(type) {
	case time.Time:
		*s.t = v.UTC()
		return nil
	case string:
		return s.parse(v)
	case []byte:
		return s.parse(string(v))
	}
	return fmt.Errorf("catalog: cannot scan %T as time", v)
}

func (s timeScanner) parse(v string) error {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return fmt.Errorf("catalog: bad timestamp %q: %w", v, err)
	}
	*s.t = t.UTC()
	return nil
}

// tx runs fn in a write transaction, committing when it returns nil.
func (db *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// forUpdate is appended to a SELECT that must lock the row it reads.
// SQLite needs none: its single writer already serializes transactions.
func (db *DB) forUpdate() string {
	if db.postgres {
		return " FOR UPDATE"
	}
	return ""
}
