package hotfolder

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/jpeg" // pages come from ingest.Split as PNG or JPEG
	_ "image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sohoa-vn/sohoa/ingest"
	"github.com/sohoa-vn/sohoa/scanners/separator"
)

// splittable reports whether a file may hold several pages.
func splittable(p string) bool {
	switch strings.ToLower(filepath.Ext(p)) {
	case ".tif", ".tiff", ".pdf":
		return true
	}
	return false
}

// pageError is a source whose pages cannot be read (an *ingest.InputError).
type pageError struct{ err error }

func (e *pageError) Error() string { return e.err.Error() }
func (e *pageError) Unwrap() error { return e.err }

// sendSplit reads the pages of files, in order and one at a time, into a
// temporary directory, groups them into documents at separator pages as
// set says, and sends each as a PDF "<stem>-0001.pdf", "<stem>-0002.pdf"…,
// journalling each one sent: after a crash, those journalled are not
// sent again. All pages are read before anything is sent, so a source
// with an unreadable page sends nothing (a *pageError).
//
// Without a separator page the pages are one document: sent as the PDF
// named whole, or, when whole is "", not sent and false returned (a file
// goes as it is). It fills e.Pages, e.Name and e.Parts for the caller's
// journal entry.
func (w *Watcher) sendSplit(ctx context.Context, e *Entry, files []string, stem, whole string, set BatchSettings, unchanged func() error) (bool, error) {
	tmp, err := os.MkdirTemp(w.opt.TempDir, "sohoa-hotfolder-*")
	if err != nil {
		return false, fmt.Errorf("hotfolder: %w", err)
	}
	defer os.RemoveAll(tmp)
	var docs [][]separator.Page
	sp := &separator.Splitter{Mode: set.Separator, MaxInk: set.MaxInk, Emit: func(_ context.Context, d []separator.Page) error {
		docs = append(docs, d)
		return nil
	}}
	seq, err := spoolPages(ctx, tmp, files, w.rel, w.opt.Limits, func(src string, page separator.Page, pg ingest.Page) error {
		var img image.Image
		if set.splits() {
			var err error
			if img, _, err = image.Decode(bytes.NewReader(pg.Data)); err != nil {
				return fmt.Errorf("hotfolder: %s page %d: %w", src, pg.Seq, err)
			}
		}
		return sp.Add(ctx, page, img)
	})
	if err != nil {
		return false, err
	}
	if err := sp.Close(ctx); err != nil {
		return false, err
	}
	e.Pages = seq
	switch {
	case sp.Separators == 0 && whole == "":
		return false, nil
	case sp.Separators == 0 && len(docs) == 1:
		if err := w.sendPDF(ctx, tmp, e.Batch, whole, sendKey(e.SHA256, 0), docs[0]); err != nil {
			return false, err
		}
		if err := unchanged(); err != nil {
			return false, err
		}
		if w.afterSink != nil {
			if err := w.afterSink(whole); err != nil {
				return false, err
			}
		}
		e.Name = whole
		return true, nil
	case len(docs) == 0:
		w.log.Warn("hotfolder: only separator pages, no document sent", "path", e.Path, "pages", seq)
		return true, nil
	}
	for i, doc := range docs {
		part := i + 1
		name := fmt.Sprintf("%s-%04d.pdf", stem, part)
		if w.journal.hasPart(e.SHA256, part) {
			w.log.Info("hotfolder: document sent before a restart, not sent again", "document", name)
			continue
		}
		if err := w.sendPDF(ctx, tmp, e.Batch, name, sendKey(e.SHA256, part), doc); err != nil {
			return false, err
		}
		if err := unchanged(); err != nil {
			return false, err
		}
		if w.afterSink != nil {
			if err := w.afterSink(name); err != nil {
				return false, err
			}
		}
		pe := *e
		pe.Part, pe.Name, pe.Pages, pe.TakenAt = part, name, len(doc), time.Now()
		if err := w.journal.add(pe); err != nil {
			return false, &journalError{err}
		}
		w.log.Info("hotfolder: document sent", "document", name, "batch", e.Batch, "pages", len(doc), "from", e.Path)
		if w.afterJournal != nil {
			if err := w.afterJournal(name); err != nil {
				return false, err
			}
		}
	}
	e.Parts = len(docs)
	return true, nil
}

// sendKey is the idempotency key of the PDF made of part (1-based; 0: the
// whole) of the source whose SHA-256 is sum (see Sink).
func sendKey(sum string, part int) string {
	if part == 0 {
		return "hotfolder:" + sum
	}
	return fmt.Sprintf("hotfolder:%s:%d", sum, part)
}

// sendPDF bundles pages into a PDF in tmp and streams it to the sink
// with the idempotency key key.
func (w *Watcher) sendPDF(ctx context.Context, tmp, batch, name, key string, pages []separator.Page) error {
	f, err := os.CreateTemp(tmp, "doc-*.pdf")
	if err != nil {
		return fmt.Errorf("hotfolder: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if err := separator.WritePDF(f, pages); err != nil {
		return fmt.Errorf("hotfolder: %s: %w", name, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if err := w.sink.File(ctx, batch, name, key, f); err != nil {
		return fmt.Errorf("sink: %w", err)
	}
	return nil
}
