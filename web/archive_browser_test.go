package web_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowserArchiveBatches: an archivist signs in by keyboard, sees the
// office's batch in Vietnamese, and watches it finish without reloading
// the page: the counters, throughput and ETA update as the pipeline
// works, and a failure is listed with its reason on the batch's page.
func TestBrowserArchiveBatches(t *testing.T) {
	a := newArchiveFixture(t, 6)
	dir := os.Getenv("SOHOA_ARCHIVE_SHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "archive-shots")
	}
	t.Setenv("SOHOA_SHOTS", dir)

	b := newBrowser(t)
	if err := chromedp.Do(b, chromedp.Navigate(a.srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("toarchive"))); err != nil {
		t.Fatal(err)
	}
	keyboardCheck(t, b, "landing")
	shot(t, b, "01-landing")
	if err := chromedp.Do(b, chromedp.Focus(chromedp.ID("toarchive"))); err != nil {
		t.Fatal(err)
	}
	press(t, b, kb.Enter)
	if err := chromedp.Do(b, chromedp.WaitVisible(chromedp.ID("token"))); err != nil {
		t.Fatalf("login page: %v", err)
	}
	// The key field has the focus (autofocus): paste, Enter.
	if id := activeID(t, b); id != "token" {
		t.Errorf("focus on %q at sign-in, want the key field", id)
	}
	keyboardCheck(t, b, "login")
	shot(t, b, "02-login")
	if err := chromedp.Do(b, chromedp.Focus(chromedp.ID("token")), chromedp.KeyEvent(a.archivist)); err != nil {
		t.Fatal(err)
	}
	press(t, b, kb.Enter)
	if err := chromedp.Do(b, chromedp.WaitVisible(chromedp.ID("batches"))); err != nil {
		t.Fatalf("after sign-in: %v", err)
	}
	keyboardCheck(t, b, "batches")
	row := `document.querySelector('tr[data-batch="` + a.batch + `"]')`
	if got := evalString(t, b, row+`.querySelector('[data-f=Received]').textContent`); got != "12" {
		t.Errorf("pages received %q, want 12", got)
	}
	if evalString(t, b, `String(!!document.querySelector('tr[data-batch="`+a.otherBatch+`"]'))`) != "false" {
		t.Errorf("another office's batch is listed")
	}
	// A mark on the window: a reload would lose it.
	evalString(t, b, `(window.notReloaded = "yes", "")`)

	// The pipeline works while the archivist watches: one document fails,
	// the others are recognised and signed, one every 700 ms.
	go func() {
		for i := range a.docs {
			time.Sleep(700 * time.Millisecond)
			reason := ""
			if i == 2 {
				reason = "trang 2: ảnh hỏng (TIFF cắt cụt) / page 2: corrupt image (truncated TIFF)"
			}
			a.finish(t, i, reason)
			if i == 3 {
				shotCh <- struct{}{}
				<-shotCh
			}
		}
	}()
	<-shotCh
	// Mid-way: throughput known, not done.
	if _, err := chromedp.Run(b, chromedp.Poll[bool](row+`.querySelector('[data-f=rate]').textContent !== '–'`, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Errorf("no throughput shown mid-batch: %v", err)
	}
	shot(t, b, "03-batches-running")
	midETA := evalString(t, b, row+`.querySelector('[data-f=eta]').textContent`)
	shotCh <- struct{}{}
	if _, err := chromedp.Run(b, chromedp.Poll[bool](row+`.dataset.done === '1'`, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		t.Fatalf("the batch never shows done: %v", err)
	}
	if evalString(t, b, `window.notReloaded || ''`) != "yes" {
		t.Error("the page reloaded to update")
	}
	got := evalString(t, b, `['OCRed','Failed','Signed','Docs','state','eta'].map(f => `+row+`.querySelector('[data-f='+f+']').textContent).join(' ')`)
	if got != "10 1 5 6 Hoàn tất Hoàn tất" {
		t.Errorf("finished batch shows %q, want 10 recognised, 1 failed (its document's other page never recognised), 5/6 signed, done", got)
	}
	if !strings.Contains(midETA, "giây") && !strings.Contains(midETA, "phút") {
		t.Errorf("mid-batch ETA %q, want a duration in Vietnamese", midETA)
	}
	shot(t, b, "04-batches-done")

	// The batch's page lists the failure and why.
	if err := chromedp.Do(b, chromedp.Focus(chromedp.CSS(`a[href="/archive/batches/`+a.batch+`"]`))); err != nil {
		t.Fatal(err)
	}
	press(t, b, kb.Enter)
	if err := chromedp.Do(b, chromedp.WaitVisible(chromedp.ID("failed"))); err != nil {
		t.Fatalf("batch page: %v", err)
	}
	if f := evalString(t, b, `document.querySelector('#failed tbody').textContent`); !strings.Contains(f, "quyet-dinh-002.tif") || !strings.Contains(f, "TIFF cắt cụt") {
		t.Errorf("failures %q, want quyet-dinh-002.tif and its reason", f)
	}
	keyboardCheck(t, b, "batch")
	shot(t, b, "05-batch")

	// Retry the failed document by keyboard: it goes back to OCR.
	if err := chromedp.Do(b, chromedp.Focus(chromedp.CSS(`#failed button`))); err != nil {
		t.Fatal(err)
	}
	press(t, b, kb.Enter)
	if err := chromedp.Do(b, chromedp.WaitVisible(chromedp.ID("done"))); err != nil {
		t.Fatalf("after retry: %v", err)
	}
	if got := evalString(t, b, `document.querySelector('tr[data-doc="doc-002"] td:nth-child(3)').textContent`); got != "Đang nhận dạng" {
		t.Errorf("retried document shows %q, want Đang nhận dạng", got)
	}
	if len(a.queue.ocr) != 2 {
		t.Errorf("retry queued %q, want the document's 2 pages", a.queue.ocr)
	}
	shot(t, b, "06-batch-retried")
}

var shotCh = make(chan struct{})
