package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/sohoa-vn/sohoa/alto"
	"github.com/sohoa-vn/sohoa/assemble"
	"github.com/sohoa-vn/sohoa/metadata"
	"github.com/sohoa-vn/sohoa/metrics"
	"github.com/sohoa-vn/sohoa/ocr"
	"github.com/sohoa-vn/sohoa/storage"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// Catalog is what the handlers need of the catalog.
type Catalog interface {
	Page(ctx context.Context, id string) (catalog.Page, error)
	Pages(ctx context.Context, documentID string) ([]catalog.Page, error)
	Document(ctx context.Context, id string) (catalog.Document, error)
	RecordOCR(ctx context.Context, pageID string, r catalog.OCRResult) (bool, error)
	MarkPageFailed(ctx context.Context, pageID, reason string) error
	SetAssembled(ctx context.Context, docID, pdfKey, pdfSHA256 string, textLen int, metadata json.RawMessage) error
	SetSigned(ctx context.Context, docID, key, sha256 string, size int64) error
	SetDocumentFailed(ctx context.Context, docID, reason string) error
	SetDocumentTextWithMetadata(ctx context.Context, docID, text string, metadata json.RawMessage) error
	Unfinished(ctx context.Context, before time.Time, limit int) ([]catalog.Work, error)
}

// RegionRecognizer also recognises a rectangle of a decoded page image on
// its own; an engine that can (ocr.Pool) lets metadata extraction read
// uncertain fields again (metadata.FromPagesReread).
type RegionRecognizer interface {
	RecognizeImageRegion(ctx context.Context, im *ocr.Image, r ocr.Region) (*ocr.Page, error)
}

// The engine the worker runs with reads regions again.
var _ RegionRecognizer = (*ocr.Pool)(nil)

// metadata extracts a document's metadata from its pages' OCR results,
// re-reading the regions of uncertain fields (issuing body, type, number,
// date) when the engine can. A page's image is read from storage and
// decoded once, however many of its regions are read again.
func (h *Handlers) metadata(ctx context.Context, pages []catalog.Page, results []*ocr.Page) metadata.Metadata {
	rr, ok := h.OCR.(RegionRecognizer)
	if !ok {
		return metadata.FromPages(results)
	}
	imgs := ocr.NewImages(func(i int) ([]byte, error) {
		b, err := h.readBlob(ctx, pages[i].BlobKey)
		if err != nil {
			return nil, err
		}
		// The seal over the signer, a stamp over the header: colour ink
		// is dropped for the second readings.
		b, _ = metadata.DropColour(b, pages[i].DPI)
		return b, nil
	})
	defer imgs.Close()
	m, err := metadata.FromPagesReread(ctx, results, func(ctx context.Context, i int, r ocr.Region) (*ocr.Page, error) {
		im, err := imgs.Get(i)
		if err != nil {
			return nil, fmt.Errorf("page %s: %w", pages[i].ID, err)
		}
		return rr.RecognizeImageRegion(ctx, im, r)
	})
	if err != nil {
		// The first reading is kept; it is what FromPages gives.
		h.log().Warn("metadata: re-reading the header failed", "document", pages[0].DocumentID, "err", err)
	}
	return m
}

// Recognizer recognises one page image (PNG or JPEG bytes).
type Recognizer interface {
	Recognize(ctx context.Context, img []byte) (*ocr.Page, error)
}

// SignFunc signs the PDF at inPath and writes the signed PDF to outPath.
type SignFunc func(ctx context.Context, inPath, outPath string) error

// Handlers processes the pipeline's tasks.
type Handlers struct {
	Catalog Catalog
	Store   storage.Store
	OCR     Recognizer
	Sign    SignFunc
	Queue   *Queue
	Metrics *metrics.Metrics // may be nil
	QC      QCPolicy         // quality flags and which hold a document for review
	TempDir string           // for assembled and signed PDFs on their way to storage; "" = os.TempDir()
	Log     *slog.Logger
}

// Register adds the handlers to mux.
func (h *Handlers) Register(mux *asynq.ServeMux) {
	mux.HandleFunc(TypeOCRPage, h.handleOCR)
	mux.HandleFunc(TypeAssemble, h.handleAssemble)
	mux.HandleFunc(TypeSign, h.handleSign)
}

// Keys of the objects the handlers write. They derive from catalog IDs,
// which derive from content hashes, so a repeated task overwrites the same
// object with the same bytes instead of creating another.
func ocrKey(pageID string) string      { return "ocr/" + pageID + ".json" }
func altoKey(pageID string) string     { return "alto/" + pageID + ".xml" }
func assembledKey(docID string) string { return "pdf/" + docID + ".pdf" }
func signedKey(docID string) string    { return "signed/" + docID + ".pdf" }

func (h *Handlers) handleOCR(ctx context.Context, t *asynq.Task) error {
	id, err := parseID(t)
	if err != nil {
		return err
	}
	p, err := h.Catalog.Page(ctx, id)
	if errors.Is(err, catalog.ErrNotFound) {
		return fmt.Errorf("ocr page %s: %w: %w", id, err, asynq.SkipRetry)
	}
	if err != nil {
		return fmt.Errorf("ocr page %s: %w", id, err)
	}
	if p.Status != catalog.PageReceived {
		return nil // done before, or failed for good
	}
	start := time.Now()
	// A page that came with its own text (ingest found text on a
	// born-digital PDF page and stored it as the page's OCR key) keeps
	// it and is not recognised, as OCRmyPDF's --skip-text does.
	kept := p.OCRKey != ""
	var page *ocr.Page
	if kept {
		page, err = h.keptText(ctx, p)
	} else {
		page, err = h.recognize(ctx, p)
	}
	if err != nil {
		if lastAttempt(ctx) {
			reason := fmt.Sprintf("nhận dạng ký tự thất bại / OCR failed: %v", err)
			if ferr := h.Catalog.MarkPageFailed(ctx, id, reason); ferr != nil {
				return fmt.Errorf("ocr page %s: %w (recording failure: %v)", id, err, ferr)
			}
			h.Metrics.PageFailed()
		}
		return fmt.Errorf("ocr page %s: %w", id, err)
	}
	b, err := json.Marshal(page)
	if err != nil {
		return fmt.Errorf("ocr page %s: %w", id, err)
	}
	key := ocrKey(id)
	if _, err := h.Store.Put(ctx, key, bytes.NewReader(b), int64(len(b))); err != nil {
		return fmt.Errorf("ocr page %s: store result: %w", id, err)
	}
	// ALTO XML beside it, for archives that take it.
	x, err := alto.Marshal(page, alto.Source{FileName: p.BlobKey, PageNr: p.Seq})
	if err != nil {
		return fmt.Errorf("ocr page %s: ALTO: %w", id, err)
	}
	if _, err := h.Store.Put(ctx, altoKey(id), bytes.NewReader(x), int64(len(x))); err != nil {
		return fmt.Errorf("ocr page %s: store ALTO: %w", id, err)
	}
	flags, hold := h.QC.Flags(page)
	if kept {
		flags = append(flags, TextKept)
	}
	ready, err := h.Catalog.RecordOCR(ctx, id, catalog.OCRResult{TextLen: len([]rune(page.Text)),
		Confidence: page.MeanConf, OCRKey: key, QC: flags, Hold: hold})
	if err != nil {
		return fmt.Errorf("ocr page %s: %w", id, err)
	}
	h.Metrics.PageOCRed(time.Since(start))
	h.log().Info("page recognised", "page", id, "document", p.DocumentID, "batch", p.BatchID,
		"words", len(page.Words), "confidence", page.MeanConf, "qc", flags, "held", hold,
		"seconds", time.Since(start).Seconds())
	if ready {
		return h.Queue.EnqueueAssemble(ctx, p.DocumentID)
	}
	return nil
}

// TextKept is the flag the batch report shows on a page that kept its own
// text (a born-digital page) and was not OCR'd. It holds nothing.
const TextKept = "text_kept"

// keptText reads the text a page came with.
func (h *Handlers) keptText(ctx context.Context, p catalog.Page) (*ocr.Page, error) {
	b, err := h.readBlob(ctx, p.OCRKey)
	if err != nil {
		return nil, err
	}
	var page ocr.Page
	if err := json.Unmarshal(b, &page); err != nil {
		return nil, fmt.Errorf("page text %s: %w", p.OCRKey, err)
	}
	return &page, nil
}

func (h *Handlers) recognize(ctx context.Context, p catalog.Page) (*ocr.Page, error) {
	img, err := h.readBlob(ctx, p.BlobKey)
	if err != nil {
		return nil, err
	}
	return h.OCR.Recognize(ctx, img)
}

func (h *Handlers) readBlob(ctx context.Context, key string) ([]byte, error) {
	rc, _, err := h.Store.Get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	return b, nil
}

func (h *Handlers) handleAssemble(ctx context.Context, t *asynq.Task) error {
	id, err := parseID(t)
	if err != nil {
		return err
	}
	doc, err := h.Catalog.Document(ctx, id)
	if err != nil {
		return fmt.Errorf("assemble document %s: %w", id, err)
	}
	if doc.Status != catalog.DocAssembling {
		return nil
	}
	start := time.Now()
	if err := h.assemble(ctx, doc); err != nil {
		if lastAttempt(ctx) {
			_ = h.Catalog.SetDocumentFailed(ctx, id, fmt.Sprintf("ghép PDF thất bại / assembling the PDF failed: %v", err))
		}
		return fmt.Errorf("assemble document %s: %w", id, err)
	}
	h.Metrics.Assembled(time.Since(start))
	return h.Queue.EnqueueSign(ctx, id)
}

func (h *Handlers) assemble(ctx context.Context, doc catalog.Document) error {
	pages, err := h.Catalog.Pages(ctx, doc.ID)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(h.TempDir, "assemble-*.pdf")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()

	// Only the OCR results are kept for the whole document (to extract its
	// text and metadata); page images are fetched one at a time.
	results := make([]*ocr.Page, len(pages))
	var text strings.Builder
	for i, p := range pages {
		b, err := h.readBlob(ctx, p.OCRKey)
		if err != nil {
			return err
		}
		var r ocr.Page
		if err := json.Unmarshal(b, &r); err != nil {
			return fmt.Errorf("page %s: decode OCR result: %w", p.ID, err)
		}
		results[i] = &r
		if i > 0 {
			text.WriteString("\f")
		}
		text.WriteString(r.Text)
	}
	m := h.metadata(ctx, pages, results)
	info := assemble.Info{Title: doc.SourceName, Created: doc.CreatedAt,
		Issuer: m.Issuer.String(), Subject: m.Summary.String(), Identifier: m.NumberSymbol.String()}
	if d := m.Date.String(); isISODate(d) {
		info.Date = d
	}
	err = assemble.Write(f, info, len(pages), func(i int) (assemble.Page, error) {
		img, err := h.readBlob(ctx, pages[i].BlobKey)
		if err != nil {
			return assemble.Page{}, err
		}
		return assemble.Page{Image: img, Format: pages[i].Format, DPI: pages[i].DPI, OCR: results[i]}, nil
	})
	if err != nil {
		return err
	}
	infoOut, err := putFile(ctx, h.Store, assembledKey(doc.ID), f)
	if err != nil {
		return err
	}
	meta, err := json.Marshal(m)
	if err != nil {
		return err
	}
	// The text first (for search), then the state change: a crash between
	// the two repeats the assembly, never loses the text.
	if err := h.Catalog.SetDocumentTextWithMetadata(ctx, doc.ID, text.String(), meta); err != nil {
		return err
	}
	return h.Catalog.SetAssembled(ctx, doc.ID, infoOut.Key, infoOut.SHA256, len([]rune(text.String())), meta)
}

func (h *Handlers) handleSign(ctx context.Context, t *asynq.Task) error {
	id, err := parseID(t)
	if err != nil {
		return err
	}
	doc, err := h.Catalog.Document(ctx, id)
	if err != nil {
		return fmt.Errorf("sign document %s: %w", id, err)
	}
	if doc.Status == catalog.DocSigned {
		// Signed before; a retry only finishes the clean-up below.
		return h.deleteUnsigned(ctx, doc)
	}
	if doc.Status != catalog.DocSigning {
		return nil
	}
	start := time.Now()
	info, err := h.sign(ctx, doc)
	if err != nil {
		if lastAttempt(ctx) {
			_ = h.Catalog.SetDocumentFailed(ctx, id, fmt.Sprintf("ký số thất bại / signing failed: %v", err))
		}
		return fmt.Errorf("sign document %s: %w", id, err)
	}
	if err := h.Catalog.SetSigned(ctx, id, info.Key, info.SHA256, info.Size); err != nil {
		return fmt.Errorf("sign document %s: %w", id, err)
	}
	h.Metrics.Signed(time.Since(start))
	h.log().Info("document signed", "document", id, "batch", doc.BatchID, "pages", doc.PageCount,
		"sha256", info.SHA256, "seconds", time.Since(start).Seconds())
	return h.deleteUnsigned(ctx, doc)
}

// deleteUnsigned removes the unsigned PDF of a signed document: the signed
// PDF holds it byte for byte (the signature is an incremental update), so
// keeping both would store every PDF twice. A failure (storage down) fails
// the task, whose retry finds the document signed and tries again, so no
// orphan is left behind.
func (h *Handlers) deleteUnsigned(ctx context.Context, doc catalog.Document) error {
	if doc.PDFKey == "" {
		return nil
	}
	if err := h.Store.Delete(ctx, doc.PDFKey); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("sign document %s: delete unsigned PDF %s: %w", doc.ID, doc.PDFKey, err)
	}
	return nil
}

func (h *Handlers) sign(ctx context.Context, doc catalog.Document) (storage.Info, error) {
	dir, err := os.MkdirTemp(h.TempDir, "sign-*")
	if err != nil {
		return storage.Info{}, err
	}
	defer os.RemoveAll(dir)
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	if err := getFile(ctx, h.Store, doc.PDFKey, in); err != nil {
		return storage.Info{}, err
	}
	if err := h.Sign(ctx, in, out); err != nil {
		return storage.Info{}, err
	}
	f, err := os.Open(out)
	if err != nil {
		return storage.Info{}, err
	}
	defer f.Close()
	return putFile(ctx, h.Store, signedKey(doc.ID), f)
}

func isISODate(s string) bool {
	_, err := time.Parse("2006-01-02", s)
	return err == nil
}

// putFile stores the whole of f (from its start) under key.
func putFile(ctx context.Context, s storage.Store, key string, f *os.File) (storage.Info, error) {
	st, err := f.Stat()
	if err != nil {
		return storage.Info{}, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return storage.Info{}, err
	}
	info, err := s.Put(ctx, key, f, st.Size())
	if err != nil {
		return info, fmt.Errorf("store %s: %w", key, err)
	}
	return info, nil
}

// getFile copies the object key into a new file at path, checking its SHA-256.
func getFile(ctx context.Context, s storage.Store, key, path string) error {
	rc, _, err := s.Get(ctx, key)
	if err != nil {
		return fmt.Errorf("read %s: %w", key, err)
	}
	defer rc.Close()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, rc); err != nil {
		f.Close()
		return fmt.Errorf("read %s: %w", key, err)
	}
	return f.Close()
}

func (h *Handlers) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}
