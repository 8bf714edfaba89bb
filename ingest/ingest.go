// Package ingest takes input files into the pipeline: it splits each file
// into page images (Split), stores them in blob storage keyed by their
// SHA-256, records the document and its pages in the catalog and queues
// OCR of every page. A file is one document. Ingesting the same file into
// the same batch twice finds the existing document and adds nothing.
package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/sohoa-vn/sohoa/metrics"
	"github.com/sohoa-vn/sohoa/storage"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// Catalog is what ingest needs of the catalog.
type Catalog interface {
	CreateDocument(ctx context.Context, doc catalog.Document, pages []catalog.Page) (bool, error)
	Document(ctx context.Context, id string) (catalog.Document, error)
}

// Enqueuer queues OCR of a page.
type Enqueuer interface {
	EnqueueOCR(ctx context.Context, pageID string) error
}

// Ingester takes files into a batch.
type Ingester struct {
	Catalog Catalog
	Store   storage.Store
	Queue   Enqueuer
	Limits  Limits
	TempDir string           // spool for uploads; "" = os.TempDir()
	Metrics *metrics.Metrics // may be nil
}

// Result says what became of one file.
type Result struct {
	Document catalog.Document `json:"document"`
	Created  bool             `json:"created"` // false: the file was in the batch already
}

// DocumentID derives a document's ID from its batch and its bytes.
func DocumentID(batchID, fileSHA256 string) string {
	h := sha256.Sum256([]byte(batchID + "\x00" + fileSHA256))
	return "d" + hex.EncodeToString(h[:12])
}

// KeyedDocumentID derives the ID of a document sent with an idempotency
// key (see FileWithKey) from its batch and the key. It cannot equal a
// DocumentID, which hashes a hex digest where this hashes "key\x00…".
func KeyedDocumentID(batchID, key string) string {
	h := sha256.Sum256([]byte(batchID + "\x00key\x00" + key))
	return "d" + hex.EncodeToString(h[:12])
}

// ValidKey reports whether s can be an idempotency key: 1 to 200 bytes of
// letters, digits and . _ : / - (a path-like name of the source a client
// made the file from, or a hash).
func ValidKey(s string) bool {
	if len(s) == 0 || len(s) > 200 {
		return false
	}
	for _, c := range []byte(s) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("._:/-", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// BatchID derives a batch's ID from its name.
func BatchID(name string) string {
	h := sha256.Sum256([]byte(name))
	return "b" + hex.EncodeToString(h[:8])
}

// CleanName reduces an uploaded file name to a safe relative name: no
// directories that climb out ("../"), no absolute paths, no control bytes.
func CleanName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Clean("/" + name)[1:]
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	if name == "" || name == "." {
		return "unnamed"
	}
	return name
}

// File ingests one file of a batch, read from r. The bytes are spooled to a
// temporary file first (at most Limits.MaxBytes), so that the document's
// ID, which hashes the whole file, is known before anything is recorded.
// Bad input does not return an error: it is recorded as a failed page of
// a failed document, with the reason, and the Result says so. An error is
// returned only when the system could not do its part (storage, catalog).
func (in *Ingester) File(ctx context.Context, batchID, name string, r io.Reader) (Result, error) {
	return in.FileWithKey(ctx, batchID, name, "", r)
}

// FileWithKey is File for a client that cannot send the same bytes twice:
// a non-empty key (ValidKey) names the document instead of the file's
// hash, so a second file sent with the same key is the same document and
// adds nothing, even if its bytes differ. A hot folder that bundles a
// scanner's pages into a PDF makes different bytes each time (the PDF
// writer stamps a time and a random ID), and keys each document by the
// source it came from, so that a resend after a crash is recognised.
func (in *Ingester) FileWithKey(ctx context.Context, batchID, name, key string, r io.Reader) (Result, error) {
	if key != "" && !ValidKey(key) {
		return Result{}, fmt.Errorf("ingest %s: bad idempotency key %q", name, key)
	}
	name = CleanName(name)
	lim := in.Limits.orDefault()
	spool, n, fileSHA, err := in.spool(r, lim.MaxBytes)
	if err != nil {
		return Result{}, fmt.Errorf("ingest %s: %w", name, err)
	}
	defer os.Remove(spool.Name())
	defer spool.Close()
	docID := DocumentID(batchID, fileSHA)
	if key != "" {
		docID = KeyedDocumentID(batchID, key)
	}
	if doc, err := in.Catalog.Document(ctx, docID); err == nil {
		return Result{Document: doc}, nil
	} else if !errors.Is(err, catalog.ErrNotFound) {
		return Result{}, fmt.Errorf("ingest %s: %w", name, err)
	}

	doc := catalog.Document{ID: docID, BatchID: batchID, SourceName: name, SourceSHA256: fileSHA}
	var pages []catalog.Page
	var inputErr error
	if n > lim.MaxBytes {
		inputErr = tooLarge(name, lim.MaxBytes)
	} else {
		inputErr = Split(ctx, spool, n, name, lim, func(p Page) error {
			cp, err := in.storePage(ctx, doc, p)
			if err != nil {
				return err
			}
			pages = append(pages, cp)
			return nil
		})
	}
	var ie *InputError
	switch {
	case errors.As(inputErr, &ie):
		// The file (or one of its pages) is bad: record it as a failed page so
		// the batch report shows what and why, and the batch goes on.
		seq := len(pages) + 1
		if ie.Page > 0 {
			seq = ie.Page
		}
		pages = append(pages, catalog.Page{
			ID: pageID(docID, seq), DocumentID: docID, BatchID: batchID, Seq: seq,
			Status: catalog.PageFailed, Error: ie.Error(),
		})
	case inputErr != nil:
		return Result{}, fmt.Errorf("ingest %s: %w", name, inputErr)
	}
	doc.PageCount = len(pages)
	created, err := in.Catalog.CreateDocument(ctx, doc, pages)
	if err != nil {
		return Result{}, fmt.Errorf("ingest %s: %w", name, err)
	}
	if created {
		for _, p := range pages {
			if p.Status == catalog.PageFailed {
				in.Metrics.PageFailed()
			} else {
				in.Metrics.PageIngested()
			}
		}
	}
	if created && ie == nil {
		for _, p := range pages {
			if err := in.Queue.EnqueueOCR(ctx, p.ID); err != nil {
				// The catalog has the page; the reconciler will queue it.
				return Result{}, fmt.Errorf("ingest %s: %w", name, err)
			}
		}
	}
	stored, err := in.Catalog.Document(ctx, docID)
	if err != nil {
		return Result{}, fmt.Errorf("ingest %s: %w", name, err)
	}
	return Result{Document: stored, Created: created}, nil
}

// spool copies r, up to max bytes and one more (so that a larger input
// shows as n > max), into a temporary file, and hashes what it copied.
// The caller closes and removes the file.
func (in *Ingester) spool(r io.Reader, max int64) (f *os.File, n int64, sha string, err error) {
	f, err = os.CreateTemp(in.TempDir, "ingest-*")
	if err != nil {
		return nil, 0, "", err
	}
	h := sha256.New()
	if n, err = io.Copy(io.MultiWriter(f, h), io.LimitReader(r, max+1)); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, 0, "", fmt.Errorf("receive: %w", err)
	}
	return f, n, hex.EncodeToString(h.Sum(nil)), nil
}

func pageID(docID string, seq int) string { return fmt.Sprintf("%s-p%04d", docID, seq) }

// storePage writes the page image under a key made of its SHA-256: the
// same image is stored once, however often it is ingested.
func (in *Ingester) storePage(ctx context.Context, doc catalog.Document, p Page) (catalog.Page, error) {
	sum := sha256.Sum256(p.Data)
	hexsum := hex.EncodeToString(sum[:])
	key := "pages/" + hexsum[:2] + "/" + hexsum + "." + p.Format
	if _, err := in.Store.Put(ctx, key, bytes.NewReader(p.Data), int64(len(p.Data))); err != nil {
		return catalog.Page{}, fmt.Errorf("page %d: store: %w", p.Seq, err)
	}
	cp := catalog.Page{
		ID: pageID(doc.ID, p.Seq), DocumentID: doc.ID, BatchID: doc.BatchID, Seq: p.Seq,
		BlobKey: key, SHA256: hexsum, Format: p.Format,
		Width: p.Width, Height: p.Height, DPI: p.DPI,
		Status: catalog.PageReceived,
	}
	if p.Text != nil {
		// A page with its own text: the text goes beside the image, and a
		// received page with an OCR key tells the worker to keep it
		// instead of recognising the image (see worker.TextKept).
		b, err := json.Marshal(p.Text)
		if err != nil {
			return catalog.Page{}, fmt.Errorf("page %d: text: %w", p.Seq, err)
		}
		ts := sha256.Sum256(b)
		th := hex.EncodeToString(ts[:])
		tkey := TextKeyPrefix + th[:2] + "/" + th + ".json"
		if _, err := in.Store.Put(ctx, tkey, bytes.NewReader(b), int64(len(b))); err != nil {
			return catalog.Page{}, fmt.Errorf("page %d: store text: %w", p.Seq, err)
		}
		cp.OCRKey = tkey
	}
	return cp, nil
}

// TextKeyPrefix starts the storage keys of the text a page came with.
const TextKeyPrefix = "pagetext/"
