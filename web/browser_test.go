package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/sohoa-vn/sohoa/api"
	"github.com/sohoa-vn/sohoa/certify"
	"github.com/sohoa-vn/sohoa/certify/certifytest"
	"github.com/sohoa-vn/sohoa/ingest"
	"github.com/sohoa-vn/sohoa/ocr"
	"github.com/sohoa-vn/sohoa/results"
	"github.com/sohoa-vn/sohoa/scanners/synthetic"
	"github.com/sohoa-vn/sohoa/storage/catalog"
	"github.com/sohoa-vn/sohoa/web"
)

// chromium is Debian's headless-capable Chromium.
const chromium = "/usr/bin/chromium"

// newBrowser starts a headless Chromium with a fresh profile.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("%s not found: install Chromium (Debian: apt-get install -y chromium): %v", chromium, err)
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1024),
	)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	return ctx
}

// twoPageScan is a synthetic 2-page original as a bilevel TIFF, with a QR
// code holding qr printed on its first page.
func twoPageScan(t *testing.T, qr string) []byte {
	t.Helper()
	var doc synthetic.Doc
	for _, d := range synthetic.Documents(11) {
		if len(d.Pages) >= 2 {
			doc = d
			break
		}
	}
	if len(doc.Pages) < 2 {
		t.Fatal("no 2-page synthetic document")
	}
	var pages []*image.Paletted
	for i := range 2 {
		var img image.Image = synthetic.Render(doc, i, synthetic.Bilevel200)
		if i == 0 {
			var err error
			if img, err = certifytest.WithQR(img, qr); err != nil {
				t.Fatal(err)
			}
		}
		p := image.NewPaletted(img.Bounds(), synthetic.Bilevel)
		draw.Draw(p, p.Bounds(), img, img.Bounds().Min, draw.Src)
		pages = append(pages, p)
	}
	b, err := synthetic.EncodeBilevelTIFF(pages, 200)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// interactive marks the page's interactive elements with data-k and
// returns, for each, a key: the radio group for radios (Tab stops on one
// radio of a group), the index otherwise.
const markInteractive = `(() => {
  const els = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, [tabindex]:not([tabindex="-1"])')]
    .filter(e => !e.disabled);
  return els.map((e, i) => { e.setAttribute('data-k', i); return e.type === 'radio' ? 'radio:' + e.name : String(i); });
})()`

const activeKey = `(() => {
  const e = document.activeElement;
  if (!e || !e.hasAttribute('data-k')) return '';
  return e.type === 'radio' ? 'radio:' + e.name : e.getAttribute('data-k');
})()`

// keyboardCheck checks that every interactive element of the current page
// is reached by Tab and has an accessible name as Chromium computes it.
func keyboardCheck(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	keys, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](markInteractive))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(keys) == 0 {
		t.Fatalf("%s: no interactive element", name)
	}
	want := map[string]bool{}
	for _, k := range keys {
		want[k] = true
	}
	// Walk from the top of the page.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(document.activeElement && document.activeElement.blur(), window.focus(), true)`)); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	reached := map[string]bool{}
	for range len(keys) + 3 {
		if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
			t.Fatalf("%s: Tab: %v", name, err)
		}
		k, err := chromedp.Run(ctx, chromedp.Evaluate[string](activeKey))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		reached[k] = true
	}
	nodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll("[data-k]")))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for _, n := range nodes {
		k := n.AttributeValue("data-k")
		key := k
		if n.AttributeValue("type") == "radio" {
			key = "radio:" + n.AttributeValue("name")
		}
		desc := fmt.Sprintf("<%s id=%q name=%q href=%q>", strings.ToLower(n.NodeName), n.AttributeValue("id"),
			n.AttributeValue("name"), n.AttributeValue("href"))
		if !reached[key] {
			t.Errorf("%s: %s is not reached by Tab", name, desc)
		}
		res, err := chromedp.Call(ctx, accessibility.GetPartialAXTree, accessibility.GetPartialAXTreeParams{
			BackendNodeID: n.BackendNodeID, FetchRelatives: new(bool)})
		if err != nil {
			t.Fatalf("%s: accessibility tree of %s: %v", name, desc, err)
		}
		label := ""
		if len(res.Nodes) > 0 && res.Nodes[0].Name != nil {
			json.Unmarshal(res.Nodes[0].Name.Value, &label)
		}
		if strings.TrimSpace(label) == "" {
			t.Errorf("%s: %s has no accessible name (label)", name, desc)
		}
	}
}

// press sends keys to the page and waits for the page they load.
func press(t *testing.T, ctx context.Context, keys string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.KeyEvent(keys))); err != nil {
		t.Fatalf("press %q: %v", keys, err)
	}
}

func activeID(t *testing.T, ctx context.Context) string {
	t.Helper()
	id, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ''`))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestBrowser is the clerk's flow in a real browser (headless Chromium):
// sign in by pasting a key, upload a 2-page scan whose QR code names a
// result in the archive, see it valid, issue the copy, download it, open
// the link in its QR code and see "valid" — the key steps by keyboard,
// with every page's controls reachable by Tab and labelled.
func TestBrowser(t *testing.T) {
	ctx := context.Background()
	f := certifytest.New(t, "")
	const resultCode = "G22.99-251120-0042"
	res, err := f.DB.CreateResult(ctx, results.Result{Code: resultCode, OfficeID: certifytest.Office, OwnerID: "001",
		ProcedureCode: "1.001", Name: "Giấy xác nhận tình trạng hôn nhân", NumberSymbol: "42/XNHN", Issuer: "UBND phường Một",
		IssueDate: "2025-11-20"}, results.Event{Actor: "a"})
	if err != nil {
		t.Fatal(err)
	}
	clerk, _, err := f.DB.CreateAPIKey(ctx, catalog.APIKey{Name: "Cán bộ Một", Scopes: []string{"clerk"}, OfficeID: certifytest.Office})
	if err != nil {
		t.Fatal(err)
	}
	pool, err := ocr.NewPool(ocr.Config{Workers: 1})
	if err != nil {
		t.Fatalf("OCR (Debian: tesseract-ocr tesseract-ocr-vie): %v", err)
	}
	defer pool.Close()
	ws := &web.Server{Service: f.Service, Keys: f.DB, Upload: &ingest.Ingester{Catalog: f.DB, Store: f.Store, Queue: ocrNow{pool, f},
		TempDir: t.TempDir()}}
	mux := http.NewServeMux()
	mux.Handle("/clerk/", ws.Handler())
	mux.Handle("/", api.NewMux(api.CopyRoutes(&api.Copies{Service: f.Service})))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	o := f.Service.Offices[certifytest.Office]
	o.VerifyURL = srv.URL + "/verify/"
	f.Service.Offices[certifytest.Office] = o

	scan := filepath.Join(t.TempDir(), "ban-chinh.tif")
	if err := os.WriteFile(scan, twoPageScan(t, "https://dichvucong.gov.vn/tra-cuu?ma="+resultCode), 0o600); err != nil {
		t.Fatal(err)
	}
	downloads := t.TempDir()

	b := newBrowser(t)
	progress := chromedp.BrowserEvents(b, browser.DownloadProgress)
	if err := chromedp.Do(b, chromedp.Navigate(srv.URL+"/clerk/"), chromedp.WaitVisible(chromedp.ID("token"))); err != nil {
		t.Fatalf("open the clerk's page: %v", err)
	}
	if _, err := chromedp.CallBrowser(b, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: downloads, EventsEnabled: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	keyboardCheck(t, b, "login")

	// Sign in: the key field has the focus; paste the key, Enter.
	if err := chromedp.Do(b, chromedp.Focus(chromedp.ID("token"))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(b, chromedp.KeyEvent(clerk)); err != nil {
		t.Fatal(err)
	}
	press(t, b, kb.Enter)
	if err := chromedp.Do(b, chromedp.WaitVisible(chromedp.ID("scan"))); err != nil {
		t.Fatalf("after sign-in: %v", err)
	}
	keyboardCheck(t, b, "queue")

	// Upload: choose the file (a file chooser takes no keys), Tab to the
	// upload button, Enter. The scan is OCR'd and the document opens.
	if err := chromedp.Do(b, chromedp.SetUploadFiles(chromedp.ID("scan"), []string{scan}), chromedp.Focus(chromedp.ID("scan")),
		chromedp.KeyEvent(kb.Tab)); err != nil {
		t.Fatal(err)
	}
	if txt, _ := chromedp.Run(b, chromedp.Evaluate[string](`document.activeElement.textContent`)); txt != "Tải lên" {
		t.Fatalf("Tab from the file field reaches %q, want the upload button", txt)
	}
	press(t, b, kb.Enter)
	if err := chromedp.Do(b, chromedp.WaitVisible(chromedp.ID("findings"))); err != nil {
		html, _ := chromedp.Run(b, chromedp.OuterHTML(chromedp.CSS("main")))
		t.Fatalf("document page: %v\n%s", err, html)
	}

	// The validity of the result found by the QR code on the original.
	found, err := chromedp.Run(b, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#findings [data-validity]')].map(e => e.dataset.validity + ' ' + e.textContent)`))
	if err != nil || len(found) != 1 || found[0] != "valid Còn hiệu lực" {
		t.Fatalf("findings %q, %v", found, err)
	}
	if via, _ := chromedp.Run(b, chromedp.Evaluate[string](`document.querySelector('[data-via]').dataset.via`)); via != certify.FoundByQR {
		t.Errorf("found via %q, want %q", via, certify.FoundByQR)
	}
	if v, _ := chromedp.Run(b, chromedp.Value(chromedp.ID("r0"))); v != res.ID {
		t.Errorf("the form's result is %q, want %q", v, res.ID)
	}
	keyboardCheck(t, b, "document")

	// Issue, by keyboard: type the requester, Tab to the certifier, type,
	// Tab to fee and notes, Tab to the button, Enter.
	if err := chromedp.Do(b, chromedp.Focus(chromedp.ID("requester")), chromedp.KeyEvent("Nguyễn Văn Dân"), chromedp.KeyEvent(kb.Tab)); err != nil {
		t.Fatal(err)
	}
	if id := activeID(t, b); id != "certifier" {
		t.Fatalf("Tab from the requester reaches %q, want certifier", id)
	}
	if err := chromedp.Do(b, chromedp.KeyEvent("Trần Thị Chứng"), chromedp.KeyEvent(kb.Tab+kb.Tab+kb.Tab)); err != nil {
		t.Fatal(err)
	}
	if id := activeID(t, b); id != "issuebtn" {
		t.Fatalf("Tab reaches %q, want the issue button", id)
	}
	start := time.Now()
	press(t, b, kb.Enter)
	if err := chromedp.Do(b, chromedp.WaitVisible(chromedp.ID("number"))); err != nil {
		html, _ := chromedp.Run(b, chromedp.OuterHTML(chromedp.CSS("main")))
		t.Fatalf("copy page: %v\n%s", err, html)
	}
	t.Logf("issued in %v (browser round trip included)", time.Since(start))
	number, _ := chromedp.Run(b, chromedp.Text(chromedp.ID("number")))
	sum, _ := chromedp.Run(b, chromedp.Text(chromedp.CSS("dd code:not(#code)")))
	verifyHref, _ := chromedp.Run(b, chromedp.Evaluate[string](`document.getElementById('verify').href`))
	if number != "1" || len(sum) != 64 || !strings.HasPrefix(verifyHref, srv.URL+"/verify/") {
		t.Fatalf("copy page: number %q, sha %q, link %q", number, sum, verifyHref)
	}
	keyboardCheck(t, b, "copy")

	// Download, by keyboard: focus the link, Enter.
	if err := chromedp.Do(b, chromedp.Focus(chromedp.ID("download")), chromedp.KeyEvent(kb.Enter)); err != nil {
		t.Fatal(err)
	}
	var pdfPath string
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("download: %v", err)
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			t.Fatal("download canceled")
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			pdfPath = filepath.Join(downloads, ev.GUID)
			break
		}
	}
	pdf, err := os.ReadFile(pdfPath)
	if err != nil {
		t.Fatal(err)
	}
	if h := sha256.Sum256(pdf); hex.EncodeToString(h[:]) != sum {
		t.Fatalf("downloaded %d bytes with SHA-256 %x, the page says %s", len(pdf), h, sum)
	}

	// The QR code on the copy's last page links to the verification page.
	out := filepath.Join(t.TempDir(), "last")
	if b, err := exec.Command("pdftoppm", "-f", "2", "-l", "2", "-r", "150", "-gray", "-png", "-singlefile", pdfPath, out).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm (Debian: poppler-utils): %v\n%s", err, b)
	}
	pf, err := os.Open(out + ".png")
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(pf)
	pf.Close()
	if err != nil {
		t.Fatal(err)
	}
	qrs := certify.DecodeQR(img)
	if len(qrs) != 1 || qrs[0] != verifyHref {
		t.Fatalf("QR codes on the copy's last page: %q, want %q", qrs, verifyHref)
	}

	// Open it in the browser, as a phone would: "valid".
	if err := chromedp.Do(b, chromedp.Navigate(qrs[0]), chromedp.WaitVisible(chromedp.CSS(`[data-valid]`))); err != nil {
		t.Fatalf("verification page: %v", err)
	}
	valid, err := chromedp.Run(b, chromedp.AttributeValue(chromedp.CSS(`[data-valid]`), "data-valid"))
	if err != nil || valid.Value != "true" {
		html, _ := chromedp.Run(b, chromedp.OuterHTML(chromedp.CSS("body")))
		t.Fatalf("verification page data-valid=%q, %v\n%s", valid.Value, err, html)
	}
	keyboardCheck(t, b, "verification")

	// The book, with the number issued and one left pending by an
	// interrupted issuance, voided by keyboard with a reason.
	code := strings.TrimPrefix(strings.TrimPrefix(verifyHref, srv.URL), "/verify/")
	cp, err := f.DB.CopyByCode(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.DB.AllocateCertNumber(ctx, catalog.BookEntry{OfficeID: certifytest.Office, Book: o.Book(), DocumentID: cp.DocumentID}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(b, chromedp.Navigate(srv.URL+"/clerk/book"), chromedp.WaitVisible(chromedp.ID("book"))); err != nil {
		t.Fatal(err)
	}
	for n, want := range []string{"issued", "pending"} {
		if st, _ := chromedp.Run(b, chromedp.AttributeValue(chromedp.CSS(fmt.Sprintf("#n%d [data-status]", n+1)), "data-status")); st.Value != want {
			t.Errorf("book line %d is %q, want %s", n+1, st.Value, want)
		}
	}
	keyboardCheck(t, b, "book")
	if err := chromedp.Do(b, chromedp.Focus(chromedp.ID("reason2")), chromedp.KeyEvent("máy quét kẹt giấy")); err != nil {
		t.Fatal(err)
	}
	press(t, b, kb.Enter)
	if st, _ := chromedp.Run(b, chromedp.AttributeValue(chromedp.CSS(`#n2 [data-status]`), "data-status")); st.Value != "voided" {
		html, _ := chromedp.Run(b, chromedp.OuterHTML(chromedp.CSS("main")))
		t.Errorf("book line 2 after voiding is %q\n%s", st.Value, html)
	}
}

func ptr[T any](v T) *T { return &v }
