package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"github.com/sohoa-vn/sohoa/ocr"
	"github.com/sohoa-vn/sohoa/scanners/synthetic"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// heldBatch adds to the fixture a batch "lo-qc" of docs documents of
// perDoc pages each, every page held for review: real page images
// (synthetic documents rendered at 200 dpi) recognised by Tesseract once
// per distinct image, the worst words dimmed so some fall under the
// highlight threshold, with the flags OCR raises.
func (a *archiveFixture) heldBatch(t *testing.T, docs, perDoc int) []string {
	t.Helper()
	ctx := context.Background()
	db := a.f.DB
	if _, err := db.EnsureBatch(ctx, "lo-qc", "Hộp 07: hồ sơ đất đai"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ClaimBatchOffice(ctx, "lo-qc", "ubnd-p1"); err != nil {
		t.Fatal(err)
	}
	pool, err := ocr.NewPool(ocr.Config{Workers: 1})
	if err != nil {
		t.Fatalf("OCR (Debian: tesseract-ocr tesseract-ocr-vie): %v", err)
	}
	defer pool.Close()
	// Two distinct images, recognised once each.
	type rendered struct {
		key, ocrKey string
		w, h        int
		conf        float64
	}
	var imgs []rendered
	for i, d := range synthetic.Documents(3)[:2] {
		img := synthetic.Render(d, 0, synthetic.Bilevel200)
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		key := fmt.Sprintf("pages/qc-%d.png", i)
		if _, err := a.f.Store.Put(ctx, key, bytes.NewReader(buf.Bytes()), int64(buf.Len())); err != nil {
			t.Fatal(err)
		}
		pg, err := pool.Recognize(ctx, buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		for j := range pg.Words {
			if j%7 == 3 {
				pg.Words[j].Conf = 31 // as a smudged word reads
			}
		}
		b, _ := json.Marshal(pg)
		ok := fmt.Sprintf("ocr/qc-%d.json", i)
		if _, err := a.f.Store.Put(ctx, ok, bytes.NewReader(b), int64(len(b))); err != nil {
			t.Fatal(err)
		}
		imgs = append(imgs, rendered{key, ok, img.Bounds().Dx(), img.Bounds().Dy(), pg.MeanConf})
	}
	var ids []string
	for i := range docs {
		id := fmt.Sprintf("qc-doc-%02d", i)
		var pages []catalog.Page
		for n := range perDoc {
			im := imgs[(i+n)%len(imgs)]
			pages = append(pages, catalog.Page{ID: fmt.Sprintf("%s-p%02d", id, n+1), Seq: n + 1, BlobKey: im.key,
				SHA256: strings.Repeat("5", 64), Format: "png", Width: im.w, Height: im.h, DPI: 200})
		}
		if _, err := db.CreateDocument(ctx, catalog.Document{ID: id, BatchID: "lo-qc", SourceName: fmt.Sprintf("ho-so-dat-%02d.tif", i),
			SourceSHA256: strings.Repeat(fmt.Sprint(i%10), 64)}, pages); err != nil {
			t.Fatal(err)
		}
		for n, p := range pages {
			im := imgs[(i+n)%len(imgs)]
			flags := []string{catalog.QCLowConfidence}
			if n == 0 && i%2 == 1 {
				flags = []string{catalog.QCSkewed}
			}
			if _, err := db.RecordOCR(ctx, p.ID, catalog.OCRResult{TextLen: 900, Confidence: im.conf, OCRKey: im.ocrKey, QC: flags, Hold: true}); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, p.ID)
		}
	}
	return ids
}

// TestArchiveRescan: a held page is replaced by an uploaded rescan: the
// old image is kept as a version with who and why, the page goes back to
// OCR, audited; without the reason or the CSRF token nothing changes, and
// a file that is no image is refused with the ingest's reason.
func TestArchiveRescan(t *testing.T) {
	ctx := context.Background()
	a := newArchiveFixture(t, 0)
	held := a.heldBatch(t, 1, 2)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(a.srv.URL+"/archive/login", archiveLoginForm(t, c, a.srv.URL, a.archivist))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = c.Get(a.srv.URL + "/archive/batches/lo-qc/qc")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfRe.FindSubmatch(page)
	if m == nil || !bytes.Contains(page, []byte(`/archive/pages/`+held[0]+`/rescan`)) {
		t.Fatalf("QC page without the rescan form:\n%s", page)
	}
	img := synthetic.Render(synthetic.Documents(1)[0], 0, synthetic.Bilevel200)
	var scan bytes.Buffer
	if err := png.Encode(&scan, img); err != nil {
		t.Fatal(err)
	}
	post := func(fields map[string]string, name string, file []byte) (int, string) {
		t.Helper()
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for k, v := range fields {
			mw.WriteField(k, v)
		}
		fw, _ := mw.CreateFormFile("scan", name)
		fw.Write(file)
		mw.Close()
		req, _ := http.NewRequest("POST", a.srv.URL+"/archive/pages/"+held[0]+"/rescan", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	csrf := string(m[1])
	if st, _ := post(map[string]string{"reason": "mờ"}, "p1.png", scan.Bytes()); st != http.StatusForbidden {
		t.Errorf("rescan without CSRF: %d, want 403", st)
	}
	if st, _ := post(map[string]string{"csrf": csrf, "reason": ""}, "p1.png", scan.Bytes()); st != http.StatusBadRequest {
		t.Errorf("rescan without reason: %d, want 400", st)
	}
	if st, body := post(map[string]string{"csrf": csrf, "reason": "mờ"}, "p1.png", []byte("not an image at all")); st != http.StatusUnprocessableEntity || !strings.Contains(body, `role="alert"`) {
		t.Errorf("rescan of a non-image: %d\n%s", st, body)
	}
	if p, _ := a.f.DB.Page(ctx, held[0]); p.QCState != catalog.QCPending {
		t.Fatalf("refused rescans changed the page: %+v", p.QCState)
	}
	if st, _ := post(map[string]string{"csrf": csrf, "reason": "Trang bị mờ, quét lại 300 dpi"}, "p1-rescan.png", scan.Bytes()); st != http.StatusSeeOther {
		t.Fatalf("rescan: %d", st)
	}
	p, err := a.f.DB.Page(ctx, held[0])
	if err != nil || p.Status != catalog.PageReceived || p.QCState == catalog.QCPending {
		t.Errorf("after rescan: %v %v %v, want received and not held", p.Status, p.QCState, err)
	}
	vs, err := a.f.DB.PageVersions(ctx, p.DocumentID, p.ID)
	if err != nil || len(vs) != 1 || vs[0].Reason != "Trang bị mờ, quét lại 300 dpi" || !strings.Contains(vs[0].ReplacedBy, "Lưu trữ viên Hà") {
		t.Errorf("versions %+v %v, want the old image kept with who and why", vs, err)
	}
	a.queue.mu.Lock()
	queued := strings.Join(a.queue.ocr, ",")
	a.queue.mu.Unlock()
	if queued != held[0] {
		t.Errorf("queued for OCR %q, want %s", queued, held[0])
	}
	if log, err := a.f.DB.AuditLog(ctx, catalog.AuditQuery{Action: catalog.AuditPageRescan}); err != nil || len(log) != 1 {
		t.Errorf("rescan audited %d times (%v), want 1", len(log), err)
	}
}
