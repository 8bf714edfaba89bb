package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// TestBrowserArchiveBatches: an archivist signs in by keyboard, sees the
// office's batch in Vietnamese, and watches it finish without reloading
// the page: the counters, throughput and ETA update as the pipeline
// works, and a failure is listed with its reason on the batch's page.
func TestBrowserArchiveBatches(t *testing.T) {
	a := newArchiveFixture(t, 6)
	t.Setenv("SOHOA_SHOTS", archiveShotDir())

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
	a.queue.mu.Lock()
	queued := len(a.queue.ocr)
	a.queue.mu.Unlock()
	if queued != 2 {
		t.Errorf("retry queued %d pages, want the document's 2", queued)
	}
	shot(t, b, "06-batch-retried")
}

var shotCh = make(chan struct{})

// archiveSignIn signs the archivist in, by keyboard.
func archiveSignIn(t *testing.T, b context.Context, a *archiveFixture) {
	t.Helper()
	if err := chromedp.Do(b, chromedp.Navigate(a.srv.URL+"/archive/"), chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.Focus(chromedp.ID("token")), chromedp.KeyEvent(a.archivist)); err != nil {
		t.Fatal(err)
	}
	press(t, b, kb.Enter)
	if err := chromedp.Do(b, chromedp.WaitVisible(chromedp.ID("batches"))); err != nil {
		t.Fatalf("after sign-in: %v", err)
	}
}

// TestBrowserArchiveQC: an archivist reviews 50 held pages by keyboard
// alone: the page image with its OCR words drawn over it, low-confidence
// words in red, the flags in words; N skips a page, A accepts, the
// counter of what remains goes down, skipped pages come round again, and
// each document whose last page is accepted goes on to assembly.
func TestBrowserArchiveQC(t *testing.T) {
	a := newArchiveFixture(t, 0)
	held := a.heldBatch(t, 10, 5)
	b := newBrowser(t)
	t.Setenv("SOHOA_SHOTS", archiveShotDir())
	archiveSignIn(t, b, a)
	if err := chromedp.Do(b, chromedp.Navigate(a.srv.URL+"/archive/batches/lo-qc"), chromedp.WaitVisible(chromedp.ID("toqc")),
		chromedp.Focus(chromedp.ID("toqc"))); err != nil {
		t.Fatal(err)
	}
	press(t, b, kb.Enter)
	if err := chromedp.Do(b, chromedp.WaitVisible(chromedp.ID("qc"))); err != nil {
		t.Fatalf("QC page: %v", err)
	}
	if err := chromedp.Do(b, chromedp.WaitReady(`#pageimg`)); err != nil {
		t.Fatal(err)
	}
	if got := evalString(t, b, `document.querySelector('#remaining strong').textContent`); got != "50" {
		t.Errorf("remaining %q, want 50", got)
	}
	if got := evalString(t, b, `document.querySelector('#flags').textContent`); got != "Độ tin cậy OCR thấp" {
		t.Errorf("flags %q, want the low-confidence flag in Vietnamese", got)
	}
	boxes := evalString(t, b, `document.querySelectorAll('.overlay rect').length + ' ' + document.querySelectorAll('.overlay rect.wlow').length`)
	var all, low int
	fmt.Sscan(boxes, &all, &low)
	if all < 20 || low == 0 || low >= all {
		t.Errorf("word boxes %q: want the page's words drawn, some highlighted", boxes)
	}
	if evalString(t, b, `String(document.getElementById('pageimg').naturalWidth > 0)`) != "true" {
		t.Error("page image did not load")
	}
	keyboardCheck(t, b, "qc")
	shot(t, b, "07-qc")
	// Zoom by keyboard.
	if err := chromedp.Do(b, chromedp.KeyEvent("+"), chromedp.KeyEvent("+")); err != nil {
		t.Fatal(err)
	}
	if z := evalString(t, b, `document.getElementById('zoom').textContent`); z != "156%" {
		t.Errorf("zoom after ++: %q", z)
	}
	shot(t, b, "08-qc-zoomed")

	// N skips the first page; then A accepts pages until none remains.
	first := evalString(t, b, `document.getElementById('qc').dataset.page`)
	press(t, b, "n")
	second := evalString(t, b, `document.getElementById('qc').dataset.page`)
	if second == first {
		t.Fatalf("N stayed on %s", second)
	}
	// P goes back, N forth again.
	press(t, b, "p")
	if p := evalString(t, b, `document.getElementById('qc').dataset.page`); p != first {
		t.Errorf("P went to %s, want %s", p, first)
	}
	press(t, b, "n")
	press(t, b, "n")
	if p := evalString(t, b, `document.getElementById('qc').dataset.page`); p == second || p == first {
		t.Errorf("N N from the first page shows %s", p)
	}
	press(t, b, "p")
	if p := evalString(t, b, `document.getElementById('qc').dataset.page`); p != second {
		t.Errorf("P from the third page went to %s, want %s", p, second)
	}
	seen := map[string]bool{}
	for i := 0; ; i++ {
		if ok := evalString(t, b, `String(!!document.getElementById('qc'))`); ok != "true" {
			break
		}
		if i > 60 {
			t.Fatal("pages keep coming back")
		}
		p := evalString(t, b, `document.getElementById('qc').dataset.page`)
		if seen[p] {
			t.Fatalf("page %s shown again after it was accepted", p)
		}
		seen[p] = true
		want := fmt.Sprint(50 - i)
		if got := evalString(t, b, `document.querySelector('#remaining strong').textContent`); got != want {
			t.Errorf("before accepting page %d: remaining %q, want %s", i+1, got, want)
		}
		press(t, b, "a")
		if i == 0 {
			if got := evalString(t, b, `(document.getElementById('accepted')||{}).textContent || ''`); got != "Đã chấp nhận trang." {
				t.Errorf("after accept: status %q", got)
			}
		}
	}
	if len(seen) != len(held) || !seen[first] {
		t.Errorf("accepted %d pages (skipped one included: %v), want %d", len(seen), seen[first], len(held))
	}
	if evalString(t, b, `document.getElementById('noheld').textContent`) != "Không còn trang nào chờ kiểm tra." {
		t.Error("no 'nothing left' message")
	}
	shot(t, b, "09-qc-empty")
	a.queue.mu.Lock()
	asm := len(a.queue.asm)
	a.queue.mu.Unlock()
	if asm != 10 {
		t.Errorf("%d documents queued for assembly, want 10", asm)
	}
	log, err := a.f.DB.AuditLog(context.Background(), catalog.AuditQuery{Action: catalog.AuditPageAccept, Limit: 100})
	if err != nil || len(log) != 50 {
		t.Errorf("%d acceptances audited, want 50 (%v)", len(log), err)
	}
}

func archiveShotDir() string {
	if d := os.Getenv("SOHOA_ARCHIVE_SHOTS"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "archive-shots")
}

// TestBrowserArchiveBulkAccept: on the list of held pages an archivist
// ticks three pages by keyboard (Space, Tab) and accepts them at once;
// the list, 50 a page, shows what remains.
func TestBrowserArchiveBulkAccept(t *testing.T) {
	a := newArchiveFixture(t, 0)
	held := a.heldBatch(t, 12, 5) // 60 pages: two pages of the list
	b := newBrowser(t)
	t.Setenv("SOHOA_SHOTS", archiveShotDir())
	archiveSignIn(t, b, a)
	if err := chromedp.Do(b, chromedp.Navigate(a.srv.URL+"/archive/batches/lo-qc/qc"), chromedp.WaitVisible(chromedp.ID("tolist")),
		chromedp.Focus(chromedp.ID("tolist"))); err != nil {
		t.Fatal(err)
	}
	press(t, b, kb.Enter)
	if err := chromedp.Do(b, chromedp.WaitVisible(chromedp.ID("qclist"))); err != nil {
		t.Fatal(err)
	}
	if n := evalString(t, b, `String(document.querySelectorAll('#qclist tbody tr').length)`); n != "50" {
		t.Errorf("%s rows on the list, want 50", n)
	}
	keyboardCheck(t, b, "qc list")
	if err := chromedp.Do(b, chromedp.Focus(chromedp.ID("c-"+held[0])), chromedp.KeyEvent(" "), chromedp.KeyEvent(kb.Tab),
		chromedp.KeyEvent(" "), chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(" ")); err != nil {
		t.Fatal(err)
	}
	if n := evalString(t, b, `String(document.querySelectorAll('#qclist input:checked').length)`); n != "3" {
		t.Fatalf("%s ticked, want 3", n)
	}
	shot(t, b, "12-qc-list")
	if err := chromedp.Do(b, chromedp.Focus(chromedp.ID("acceptsel"))); err != nil {
		t.Fatal(err)
	}
	press(t, b, kb.Enter)
	if got := evalString(t, b, `(document.getElementById('acceptedn')||{}).textContent || ''`); got != "Số trang đã chấp nhận: 3" {
		t.Errorf("after bulk accept: %q", got)
	}
	if got := evalString(t, b, `document.querySelector('#remaining strong').textContent`); got != "57" {
		t.Errorf("remaining %q, want 57", got)
	}
	for _, id := range held[:3] {
		if p, err := a.f.DB.Page(context.Background(), id); err != nil || p.QCState != catalog.QCAccepted {
			t.Errorf("page %s: %v %v, want accepted", id, p.QCState, err)
		}
	}
	if p, _ := a.f.DB.Page(context.Background(), held[3]); p.QCState != catalog.QCPending {
		t.Errorf("an unticked page was accepted")
	}
}
