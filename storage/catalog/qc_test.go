package catalog_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// testQC is the QC queue's part of the conformance suite.
func testQC(t *testing.T, fresh func(t *testing.T) *catalog.DB) {
	t.Run("HoldAcceptRelease", func(t *testing.T) {
		db, ctx := fresh(t), context.Background()
		mustBatch(t, db, "b")
		pages := makePages("d", 3)
		mustNoErr(t, err2(db.CreateDocument(ctx, catalog.Document{ID: "d", BatchID: "b", PageCount: 3}, pages)))
		// Page 2 is blank and held; pages 1 and 3 are clean.
		if ready, err := db.RecordOCR(ctx, pages[1].ID, catalog.OCRResult{OCRKey: "k2",
			QC: []string{catalog.QCBlank}, Hold: true}); err != nil || ready {
			t.Fatalf("RecordOCR held page = %v, %v", ready, err)
		}
		for _, i := range []int{0, 2} {
			if ready, err := db.RecordOCR(ctx, pages[i].ID, catalog.OCRResult{TextLen: 10, Confidence: 91, OCRKey: "k"}); err != nil || ready {
				t.Fatalf("RecordOCR page %d = %v, %v; want not ready while page 2 waits for review", i+1, ready, err)
			}
		}
		if d, _ := db.Document(ctx, "d"); d.Status != catalog.DocOCR {
			t.Errorf("document %s, want ocr while a page waits for review", d.Status)
		}
		if w := unfinished(t, db); len(w) != 0 {
			t.Errorf("Unfinished = %v; a document waiting for a person is no lost work", w)
		}
		p, err := db.Progress(ctx, "b")
		mustNoErr(t, err)
		if p.PagesQC != 1 || p.DocumentsQC != 1 || p.PagesOCRed != 3 {
			t.Errorf("progress = %+v, want 1 page and 1 document in QC, 3 OCR'd", p)
		}
		q, err := db.QCQueue(ctx, "b", "", 10)
		mustNoErr(t, err)
		if len(q) != 1 || q[0].ID != pages[1].ID || !slices.Equal(q[0].QC, []string{"blank"}) || q[0].QCState != catalog.QCPending {
			t.Fatalf("QC queue = %+v, want page 2 pending, flagged blank", q)
		}
		if q, _ := db.QCQueue(ctx, "b", pages[1].ID, 10); len(q) != 0 {
			t.Errorf("QC queue after the last page = %d pages, want none", len(q))
		}
		// Accepting a clean page is refused; accepting the held one releases the document once.
		if _, err := db.AcceptPage(ctx, pages[0].ID, "an", ""); !errors.Is(err, catalog.ErrNotPending) {
			t.Errorf("AcceptPage(clean page) = %v, want ErrNotPending", err)
		}
		ready, err := db.AcceptPage(ctx, pages[1].ID, "archivist-an", "mặt sau trắng / blank back side")
		if err != nil || !ready {
			t.Fatalf("AcceptPage = %v, %v; want ready", ready, err)
		}
		if _, err := db.AcceptPage(ctx, pages[1].ID, "archivist-an", ""); !errors.Is(err, catalog.ErrNotPending) {
			t.Errorf("AcceptPage twice = %v, want ErrNotPending", err)
		}
		if d, _ := db.Document(ctx, "d"); d.Status != catalog.DocAssembling {
			t.Errorf("document %s after acceptance, want assembling", d.Status)
		}
		pg, _ := db.Page(ctx, pages[1].ID)
		if pg.QCState != catalog.QCAccepted || pg.QCBy != "archivist-an" || pg.QCNote == "" || !slices.Equal(pg.QC, []string{"blank"}) {
			t.Errorf("accepted page = %+v", pg)
		}
		if p, _ := db.Progress(ctx, "b"); p.PagesQC != 0 || p.DocumentsQC != 0 {
			t.Errorf("progress after acceptance = %+v, want nothing in QC", p)
		}
		// A page of a document on its way to signing cannot be replaced.
		if err := db.ReplacePage(ctx, pages[1].ID, catalog.Page{BlobKey: "pages/new.png", SHA256: "ee", Format: "png"},
			"an", "x"); !errors.Is(err, catalog.ErrPageLocked) {
			t.Errorf("ReplacePage of an assembling document = %v, want ErrPageLocked", err)
		}
	})

	t.Run("RescanKeepsHistory", func(t *testing.T) {
		db, ctx := fresh(t), context.Background()
		mustBatch(t, db, "b")
		pages := makePages("d", 2)
		mustNoErr(t, err2(db.CreateDocument(ctx, catalog.Document{ID: "d", BatchID: "b", PageCount: 2}, pages)))
		mustOCR(t, db, pages[0].ID)
		mustNoErr(t, err2(db.RecordOCR(ctx, pages[1].ID, catalog.OCRResult{TextLen: 3, Confidence: 21, OCRKey: "k",
			QC: []string{catalog.QCLowConfidence, catalog.QCSkewed}, Hold: true})))
		before := time.Now().Add(-time.Second)
		np := catalog.Page{BlobKey: "pages/rescan.png", SHA256: "abcd", Format: "png", Width: 2480, Height: 3508, DPI: 300}
		mustNoErr(t, db.ReplacePage(ctx, pages[1].ID, np, "archivist-binh", "quét lại: nghiêng / rescan: skewed"))
		pg, _ := db.Page(ctx, pages[1].ID)
		if pg.Status != catalog.PageReceived || pg.BlobKey != np.BlobKey || pg.SHA256 != "abcd" || pg.DPI != 300 ||
			pg.QCState != catalog.QCNone || len(pg.QC) != 0 || pg.OCRKey != "" || pg.Confidence != 0 {
			t.Errorf("replaced page = %+v", pg)
		}
		// The rescanned page is OCR work again (the reconciler finds it).
		if w := unfinished(t, db); len(w) != 1 || w[0].Kind != catalog.WorkOCRPage || w[0].ID != pages[1].ID {
			t.Errorf("Unfinished = %v, want OCR of the rescanned page", w)
		}
		// A second rescan: both earlier images stay in the history, in order.
		mustNoErr(t, db.ReplacePage(ctx, pages[1].ID, catalog.Page{BlobKey: "pages/rescan2.png", SHA256: "ef01", Format: "png"},
			"archivist-binh", "quét lại lần 2 / second rescan"))
		vs, err := db.PageVersions(ctx, "d", "")
		mustNoErr(t, err)
		if len(vs) != 2 || vs[0].Version != 1 || vs[1].Version != 2 {
			t.Fatalf("versions = %+v, want 2 in order", vs)
		}
		v := vs[0]
		if v.PageID != pages[1].ID || v.BlobKey != pages[1].BlobKey || v.Status != catalog.PageOCRDone ||
			v.Confidence != 21 || !slices.Equal(v.QC, []string{"low_confidence", "skewed"}) ||
			v.ReplacedBy != "archivist-binh" || v.Reason == "" || v.ReplacedAt.Before(before) {
			t.Errorf("version 1 = %+v", v)
		}
		if vs[1].BlobKey != np.BlobKey || vs[1].Status != catalog.PageReceived {
			t.Errorf("version 2 = %+v, want the first rescan", vs[1])
		}
		if only, _ := db.PageVersions(ctx, "d", pages[0].ID); len(only) != 0 {
			t.Errorf("versions of an untouched page = %v", only)
		}
		// Clean OCR of the rescan releases the document.
		if ready, err := db.MarkPageOCRed(ctx, pages[1].ID, 100, 92, "k"); err != nil || !ready {
			t.Errorf("OCR of the rescan = %v, %v; want ready", ready, err)
		}
	})

	t.Run("RescanRevivesFailedDocument", func(t *testing.T) {
		db, ctx := fresh(t), context.Background()
		mustBatch(t, db, "b")
		pages := makePages("d", 2)
		pages[1].BlobKey, pages[1].SHA256, pages[1].Status, pages[1].Error = "", "", catalog.PageFailed, "ảnh hỏng / corrupt image"
		pages[0].Status = catalog.PageReceived
		mustNoErr(t, err2(db.CreateDocument(ctx, catalog.Document{ID: "d", BatchID: "b", PageCount: 2}, pages)))
		if d, _ := db.Document(ctx, "d"); d.Status != catalog.DocFailed {
			t.Fatalf("document %s, want failed", d.Status)
		}
		mustNoErr(t, db.ReplacePage(ctx, pages[1].ID, catalog.Page{BlobKey: "pages/ok.png", SHA256: "aa", Format: "png"}, "an", "quét lại"))
		if d, _ := db.Document(ctx, "d"); d.Status != catalog.DocOCR || d.Error != "" {
			t.Errorf("document %s %q after the rescan, want ocr", d.Status, d.Error)
		}
		vs, _ := db.PageVersions(ctx, "d", pages[1].ID)
		if len(vs) != 1 || vs[0].Status != catalog.PageFailed || vs[0].Error == "" {
			t.Errorf("history of the failed page = %+v, want its failure kept", vs)
		}
		mustOCR(t, db, pages[0].ID)
		if ready, err := db.MarkPageOCRed(ctx, pages[1].ID, 1, 90, "k"); err != nil || !ready {
			t.Errorf("OCR of the last page = %v, %v; want ready", ready, err)
		}
	})
}

func err2[T any](_ T, err error) error { return err }
