package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/sohoa-vn/sohoa/ocr"
	"github.com/sohoa-vn/sohoa/scanners/synthetic"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// searchable signs the fixture's documents with texts, metadata, page
// images, page texts and a signed PDF each.
func (a *archiveFixture) searchable(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	docs := []struct{ text, issuer, typ, date string }{
		{"QUYẾT ĐỊNH về việc cấp giấy phép xây dựng nhà ở riêng lẻ tại phường Một", "Ủy ban nhân dân phường Một", "QUYẾT ĐỊNH", "2025-11-20"},
		{"GIẤY CHỨNG NHẬN quyền sử dụng đất, thửa đất số 42, tờ bản đồ số 7", "Ủy ban nhân dân quận Ninh Kiều", "GIẤY CHỨNG NHẬN", "2019-03-05"},
		{"QUYẾT ĐỊNH về việc thu hồi giấy phép kinh doanh", "Sở Công Thương", "QUYẾT ĐỊNH", "2021-07-01"},
	}
	img := synthetic.Render(synthetic.Documents(1)[0], 0, synthetic.Bilevel200)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	for i, d := range docs {
		a.finish(t, i, "")
		id := a.docs[i]
		if _, err := a.f.Store.Put(ctx, "k/"+id, bytes.NewReader(buf.Bytes()), int64(buf.Len())); err != nil {
			t.Fatal(err)
		}
		for n := 1; n <= 2; n++ {
			pg, _ := json.Marshal(ocr.Page{Width: 1654, Height: 2339, Text: fmt.Sprintf("Trang %d.\n%s", n, d.text)})
			if _, err := a.f.Store.Put(ctx, fmt.Sprintf("ocr/%s-p%d.json", id, n), bytes.NewReader(pg), int64(len(pg))); err != nil {
				t.Fatal(err)
			}
		}
		pdf := []byte("%PDF-1.7\n% signed " + id + "\n%%EOF\n")
		if _, err := a.f.Store.Put(ctx, "signed/"+id, bytes.NewReader(pdf), int64(len(pdf))); err != nil {
			t.Fatal(err)
		}
		meta, _ := json.Marshal(map[string]any{"issuer": map[string]string{"value": d.issuer}, "type": map[string]string{"value": d.typ},
			"date": map[string]string{"value": d.date}})
		if err := a.f.DB.SetDocumentTextWithMetadata(ctx, id, d.text, meta); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBrowserArchiveSearch: an archivist searches with and without
// accents, narrows by issuer, type and date, sees the words matched
// highlighted, opens a hit by keyboard and finds its pages with their
// text and the signed PDF to download.
func TestBrowserArchiveSearch(t *testing.T) {
	a := newArchiveFixture(t, 3)
	a.searchable(t)
	b := newBrowser(t)
	t.Setenv("SOHOA_SHOTS", archiveShotDir())
	archiveSignIn(t, b, a)
	if err := chromedp.Do(b, chromedp.Focus(chromedp.ID("searchlink"))); err != nil {
		t.Fatal(err)
	}
	press(t, b, kb.Enter)
	keyboardCheck(t, b, "search")
	search := func(fields map[string]string) []string {
		t.Helper()
		js, _ := json.Marshal(fields)
		evalString(t, b, `(() => { const f = `+string(js)+`; for (const k of ["q", "issuer", "type", "from", "to"]) document.getElementById(k).value = f[k] || ""; return ""; })()`)
		if err := chromedp.Do(b, chromedp.Focus(chromedp.ID("q"))); err != nil {
			t.Fatal(err)
		}
		press(t, b, kb.Enter)
		hits, err := chromedp.Run(b, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#hits > li > a')].map(a => a.textContent)`))
		if err != nil {
			t.Fatal(err)
		}
		return hits
	}
	for _, c := range []struct {
		name   string
		fields map[string]string
		want   string
	}{
		{"no accents", map[string]string{"q": "quyet dinh giay phep"}, "quyet-dinh-000.tif quyet-dinh-002.tif"},
		{"accents", map[string]string{"q": "Quyết định giấy phép"}, "quyet-dinh-000.tif quyet-dinh-002.tif"},
		{"issuer", map[string]string{"q": "quyết định", "issuer": "uy ban nhan dan"}, "quyet-dinh-000.tif"},
		{"type", map[string]string{"type": "giay chung nhan"}, "quyet-dinh-001.tif"},
		{"date range", map[string]string{"q": "giay phep", "from": "2021-01-01", "to": "2021-12-31"}, "quyet-dinh-002.tif"},
		{"nothing", map[string]string{"q": "hộ tịch"}, ""},
	} {
		hits := search(c.fields)
		if got := strings.Join(hits, " "); !sameSet(got, c.want) {
			t.Errorf("%s: hits %q, want %q", c.name, got, c.want)
		}
	}
	hits := search(map[string]string{"q": "quyet dinh cap phep"})
	if len(hits) != 1 {
		t.Fatalf("hits %q, want one", hits)
	}
	marks := evalString(t, b, `[...document.querySelectorAll('#hits mark')].map(m => m.textContent).join(' ')`)
	if marks != "QUYẾT ĐỊNH cấp phép" {
		t.Errorf("highlighted %q, want the words matched, with their accents", marks)
	}
	keyboardCheck(t, b, "search hits")
	shot(t, b, "10-search")
	if err := chromedp.Do(b, chromedp.Focus(chromedp.CSS(`#hits a`))); err != nil {
		t.Fatal(err)
	}
	press(t, b, kb.Enter)
	if err := chromedp.Do(b, chromedp.WaitVisible(chromedp.ID("download"))); err != nil {
		t.Fatalf("document view: %v", err)
	}
	if txt := evalString(t, b, `document.querySelector('.ocrtext').textContent`); !strings.Contains(txt, "cấp giấy phép xây dựng") {
		t.Errorf("page text %q", txt)
	}
	if n := evalString(t, b, `String([...document.querySelectorAll('img.thumb')].filter(i => i.complete && i.naturalWidth > 0).length)`); n != "2" {
		time.Sleep(time.Second)
		if n := evalString(t, b, `String([...document.querySelectorAll('img.thumb')].filter(i => i.complete && i.naturalWidth > 0).length)`); n != "2" {
			t.Errorf("%s page images shown, want 2", n)
		}
	}
	keyboardCheck(t, b, "document")
	shot(t, b, "11-document")
}

func sameSet(a, b string) bool {
	x, y := strings.Fields(a), strings.Fields(b)
	if len(x) != len(y) {
		return false
	}
	m := map[string]int{}
	for _, s := range x {
		m[s]++
	}
	for _, s := range y {
		m[s]--
	}
	for _, v := range m {
		if v != 0 {
			return false
		}
	}
	return true
}

// TestArchiveSignedPDF: the signed PDF downloads, audited; a document
// not signed has none.
func TestArchiveSignedPDF(t *testing.T) {
	a := newArchiveFixture(t, 3)
	a.searchable(t)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.PostForm(a.srv.URL+"/archive/login", archiveLoginForm(t, c, a.srv.URL, a.archivist))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = c.Get(a.srv.URL + "/archive/documents/" + a.docs[0] + "/pdf")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || !bytes.Contains(body, []byte("signed "+a.docs[0])) {
		t.Errorf("signed PDF: %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	log, err := a.f.DB.AuditLog(context.Background(), catalog.AuditQuery{Action: catalog.AuditPDFFetch, Subject: a.docs[0]})
	if err != nil || len(log) != 1 {
		t.Errorf("PDF fetch audited %d times, want 1 (%v)", len(log), err)
	}
	resp, err = c.Get(a.srv.URL + "/archive/documents/other-doc/pdf")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("another office's PDF: %d, want 404", resp.StatusCode)
	}
}
