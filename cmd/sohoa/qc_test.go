package main

import (
	"context"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/api"
	"github.com/sohoa-vn/sohoa/config"
	"github.com/sohoa-vn/sohoa/fixity"
	"github.com/sohoa-vn/sohoa/ingest"
	"github.com/sohoa-vn/sohoa/scanners/synthetic"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// TestQualityControl runs the QC queue end to end on the embedded system
// with real Tesseract: a blank page holds its document until an archivist
// accepts it; a blank single-page document is replaced by a rescan, keeps
// the old image in its history and is signed after OCR of the new one.
func TestQualityControl(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	if err := os.MkdirAll(in, 0o755); err != nil {
		t.Fatal(err)
	}
	docs := synthetic.Documents(11)
	w, h := synthetic.PageSize(300)
	textJPEG := func(d synthetic.Doc) []byte {
		b, err := synthetic.EncodeJPEG(synthetic.Render(d, 0, synthetic.Grey300), 300, 90)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	white := image.NewGray(image.Rect(0, 0, w, h))
	draw.Draw(white, white.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	blankJPEG, err := synthetic.EncodeJPEG(white, 300, 90)
	if err != nil {
		t.Fatal(err)
	}
	blankPNG, err := synthetic.EncodePNG(white, 300)
	if err != nil {
		t.Fatal(err)
	}
	textPNG, err := synthetic.EncodePNG(synthetic.Render(docs[2], 0, synthetic.Grey300), 300)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(in, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	files := []string{
		write("a-text-then-blank.pdf", synthetic.ImagePDF([][]byte{textJPEG(docs[0]), blankJPEG}, w, h, 300)),
		write("b-blank.png", blankPNG),
		write("c-clean.jpg", textJPEG(docs[1])),
	}
	rescan := write("b-rescan.png", textPNG)
	twoPages := write("two-pages.pdf", synthetic.ImagePDF([][]byte{textJPEG(docs[1]), textJPEG(docs[0])}, w, h, 300))

	cfg := testConfig(t)
	cfg.RedisURL, cfg.DatabaseURL, cfg.S3 = "", "", config.S3{}
	cfg.Addr, cfg.MetricsAddr, cfg.DataDir = "127.0.0.1:0", "127.0.0.1:0", filepath.Join(dir, "data")
	cfg.ReconcileInterval = 2 * time.Second
	cfg.QCHold = "all"
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	sys, err := startSystem(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Close()
	c := &api.Client{BaseURL: sys.URL(), Token: sys.adminToken}
	cli := []string{"--server", sys.URL(), "--token", sys.adminToken}

	failed, b, err := ingestPaths(ctx, c, "qc", files, io.Discard)
	if err != nil || len(failed) != 0 {
		t.Fatalf("ingest: %v %+v", err, failed)
	}
	// The batch is done when each document is signed or waits for review.
	if err := waitBatch(ctx, c, b.ID, io.Discard); err != nil {
		t.Fatal(err)
	}
	b, err = c.Batch(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("after OCR: %d signed, %d waiting for QC (%d pages)", b.DocumentsSigned, b.DocumentsQC, b.PagesQC)
	if b.DocumentsSigned != 1 || b.DocumentsQC != 2 || b.PagesQC != 2 {
		t.Fatalf("batch = %+v; want the clean document signed, two held by two blank pages", b.Progress)
	}

	// The queue, through the command line.
	out, code := run(t, append([]string{"qc", "list", "--batch", "qc"}, cli...)...)
	if code != 0 {
		t.Fatalf("sohoa qc list: exit %d", code)
	}
	t.Logf("sohoa qc list:\n%s", out)
	q, err := c.QCQueue(ctx, b.ID, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Pages) != 2 {
		t.Fatalf("QC queue has %d pages, want 2", len(q.Pages))
	}
	var pageA, pageB api.QCPage
	for _, p := range q.Pages {
		if !slices.Contains(p.QC, catalog.QCBlank) || p.QCState != "pending" || !strings.Contains(out, p.ID) {
			t.Errorf("queued page %+v: want flagged blank, pending, listed by the CLI", p)
		}
		d, err := sys.catalog.Document(ctx, p.DocumentID)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(filepath.Base(d.SourceName), "a-") {
			pageA = p
		} else {
			pageB = p
		}
	}
	if pageA.Seq != 2 || pageB.Seq != 1 {
		t.Fatalf("flagged pages %+v and %+v; want page 2 of a-text-then-blank.pdf and page 1 of b-blank.png", pageA, pageB)
	}

	// Refusals: a clean page is not pending; a rescan must be one page.
	var apiErr *api.Error
	if _, err := c.AcceptPage(ctx, strings.Replace(pageA.ID, "-p0002", "-p0001", 1), ""); !errors.As(err, &apiErr) || apiErr.Code != "not_pending" {
		t.Errorf("accepting a clean page: %v, want not_pending", err)
	}
	f, _ := os.Open(twoPages)
	_, err = c.RescanPage(ctx, pageB.ID, "two-pages.pdf", "test", f)
	f.Close()
	if !errors.As(err, &apiErr) || apiErr.Status != 422 || apiErr.Code != ingest.CodeNotOnePage {
		t.Errorf("rescan with two pages: %v, want 422 %s", err, ingest.CodeNotOnePage)
	}

	// Accept A's blank page (the back of a sheet); rescan B.
	if out, code := run(t, append([]string{"qc", "accept", pageA.ID, "--note", "mặt sau để trắng / blank back side"}, cli...)...); code != 0 || !strings.Contains(out, "accepted") {
		t.Fatalf("sohoa qc accept: exit %d: %s", code, out)
	}
	if out, code := run(t, append([]string{"qc", "rescan", pageB.ID, rescan, "--reason", "quét nhầm mặt trắng / scanned the blank side"}, cli...)...); code != 0 {
		t.Fatalf("sohoa qc rescan: exit %d: %s", code, out)
	}
	if err := waitBatch(ctx, c, b.ID, io.Discard); err != nil {
		t.Fatal(err)
	}
	b, _ = c.Batch(ctx, b.ID)
	if b.DocumentsSigned != 3 || b.DocumentsQC != 0 || b.PagesQC != 0 {
		t.Fatalf("after review: %+v; want all three documents signed", b.Progress)
	}
	for _, d := range []struct {
		id    string
		pages int
	}{{pageA.DocumentID, 2}, {pageB.DocumentID, 1}} {
		pdf := filepath.Join(dir, d.id+".pdf")
		pf, err := os.Create(pdf)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.PDF(ctx, d.id, pf); err != nil {
			t.Fatal(err)
		}
		pf.Close()
		o, err := exec.Command("pdfinfo", pdf).CombinedOutput()
		if err != nil || !strings.Contains(string(o), "Pages:") || !strings.Contains(strings.Join(strings.Fields(string(o)), " "), "Pages: "+strconv.Itoa(d.pages)) {
			t.Errorf("%s: pdfinfo: %v\n%s", d.id, err, o)
		}
		if o, err := exec.Command("pdfsig", pdf).CombinedOutput(); err != nil || !strings.Contains(string(o), "Signature is Valid") {
			t.Errorf("%s: pdfsig: %v\n%s", d.id, err, o)
		}
	}
	// B's signed PDF holds the rescan's text, not the blank page.
	pb, err := sys.catalog.Page(ctx, pageB.ID)
	if err != nil {
		t.Fatal(err)
	}
	if pb.TextLen < 100 || len(pb.QC) != 0 || pb.QCState != catalog.QCNone {
		t.Errorf("rescanned page = %+v; want recognised text and no flags", pb)
	}
	// History: the blank image stays, with who, why and its flags; it is
	// still in storage and the fixity audit knows it (no orphan, nothing missing).
	pv, err := c.Page(ctx, pageB.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(pv.History) != 1 || !slices.Equal(pv.History[0].QC, []string{catalog.QCBlank}) ||
		pv.History[0].Reason == "" || pv.History[0].ReplacedBy == "" || pv.History[0].SHA256 == pv.SHA256 {
		t.Errorf("page history = %+v", pv.History)
	}
	vs, err := sys.catalog.PageVersions(ctx, pageB.DocumentID, pageB.ID)
	if err != nil || len(vs) != 1 {
		t.Fatalf("page versions = %v, %v", vs, err)
	}
	if info, err := sys.store.Stat(ctx, vs[0].BlobKey); err != nil || info.SHA256 != vs[0].SHA256 {
		t.Errorf("replaced image %s: %+v, %v; want kept", vs[0].BlobKey, info, err)
	}
	ck := &fixity.Checker{Catalog: sys.catalog, Store: sys.store, Lister: sys.lister}
	rep, err := ck.Check(ctx, fixity.Options{Batches: []string{b.ID}, Orphans: true, Rehash: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("fixity: %s", rep)
	if !rep.OK() {
		t.Errorf("fixity problems: %+v", rep.Problems)
	}
	// A signed document's pages are not replaced.
	f, _ = os.Open(rescan)
	_, err = c.RescanPage(ctx, pageA.ID, "late.png", "too late", f)
	f.Close()
	if !errors.As(err, &apiErr) || apiErr.Code != "locked" {
		t.Errorf("rescan of a signed document's page: %v, want locked", err)
	}
	// Both decisions are in the audit log.
	entries, err := sys.catalog.AuditLog(ctx, catalog.AuditQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, e := range entries {
		seen[e.Action] = e.Subject
	}
	if seen[catalog.AuditPageAccept] != pageA.ID || seen[catalog.AuditPageRescan] != pageB.ID {
		t.Errorf("audit log: accept %q, rescan %q; want %s and %s", seen[catalog.AuditPageAccept], seen[catalog.AuditPageRescan], pageA.ID, pageB.ID)
	}
}
