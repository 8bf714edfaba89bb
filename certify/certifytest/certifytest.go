// Package certifytest builds a working certify.Service for tests: a
// SQLite catalog, a local blob store, two demo signing identities (the
// certifier's and the agency's, each under its own demo CA) and scanned
// originals made from the synthetic sample documents.
package certifytest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/skip2/go-qrcode"

	"github.com/sohoa-vn/sohoa/certify"
	"github.com/sohoa-vn/sohoa/ocr"
	"github.com/sohoa-vn/sohoa/scanners/synthetic"
	"github.com/sohoa-vn/sohoa/sign"
	"github.com/sohoa-vn/sohoa/storage/catalog"
	"github.com/sohoa-vn/sohoa/storage/localfs"
)

// Office is the office the fixture configures.
const Office = "ubnd-p1"

// What a test copy's book line records when it is linked to no result.
const (
	Requester = "Nguyễn Văn Dân"
	Certifier = "Trần Thị Chứng"
	// NoResult is the reason recorded for a copy linked to no result.
	NoResult = "Bản chính do cơ quan khác cấp / the original was issued by another authority"
)

// Fixture is a service with its parts.
type Fixture struct {
	Service *certify.Service
	DB      *catalog.DB
	Store   *localfs.Store
	Dir     string
	// Recognize, when set, OCRs pages for AddOriginal; nil records the
	// page's ground-truth text without word boxes.
	Recognize func(ctx context.Context, png []byte) (*ocr.Page, error)
	n         int
}

// New returns a fixture whose data lives under t.TempDir(), with the
// catalog at dbURL ("" = a SQLite file there).
func New(t testing.TB, dbURL string) *Fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	svc, store, err := open(dir, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.DB.Close() })
	if _, err := svc.DB.EnsureBatch(ctx, "scans", "Bàn một cửa"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.DB.ClaimBatchOffice(ctx, "scans", Office); err != nil {
		t.Fatal(err)
	}
	return &Fixture{Service: svc, DB: svc.DB, Store: store, Dir: dir}
}

// Reopen returns a service over the SQLite catalog, store and identities
// of the fixture in dir (for a child process of a test).
func Reopen(dir string) (*certify.Service, error) {
	svc, _, err := open(dir, "")
	return svc, err
}

func open(dir, dbURL string) (*certify.Service, *localfs.Store, error) {
	if dbURL == "" {
		dbURL = "sqlite:" + filepath.Join(dir, "catalog.db")
	}
	db, err := catalog.Open(context.Background(), dbURL)
	if err != nil {
		return nil, nil, err
	}
	store, err := localfs.New(filepath.Join(dir, "blobs"))
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	roots := x509.NewCertPool()
	ids := make([]*sign.Identity, 2)
	for i, name := range []string{"certifier", "agency"} {
		pki := filepath.Join(dir, name)
		if ids[i], err = sign.DemoIdentity(pki); err != nil {
			db.Close()
			return nil, nil, err
		}
		pem, err := os.ReadFile(filepath.Join(pki, sign.DemoCAFile))
		if err != nil {
			db.Close()
			return nil, nil, err
		}
		roots.AppendCertsFromPEM(pem)
	}
	svc := &certify.Service{DB: db, Store: store, Certifier: ids[0], Agency: ids[1], Roots: roots, TempDir: dir,
		Offices: map[string]certify.Office{Office: {Name: "Ủy ban nhân dân phường Một", BookNumber: "02",
			VerifyURL: "http://127.0.0.1/verify/"}}}
	return svc, store, nil
}

// AddOriginal records a scanned original of the given number of pages
// (from the synthetic samples, 200 dpi bilevel), each OCR'd, and returns
// its document ID.
func (f *Fixture) AddOriginal(t testing.TB, pages int) string {
	t.Helper()
	return f.AddOriginalQR(t, pages, "")
}

// AddOriginalQR is AddOriginal with a QR code holding qr printed at the
// top right of the first page ("" for none), as results printed by the
// national portal carry.
func (f *Fixture) AddOriginalQR(t testing.TB, pages int, qr string) string {
	t.Helper()
	ctx := context.Background()
	f.n++
	var doc synthetic.Doc
	for _, d := range synthetic.Documents(int64(f.n)) {
		if len(d.Pages) >= 1 {
			doc = d
			break
		}
	}
	id := fmt.Sprintf("doc%03d", f.n)
	ps := make([]catalog.Page, pages)
	imgs := make([][]byte, pages)
	for i := range ps {
		var b bytes.Buffer
		var img image.Image = synthetic.Render(doc, i%len(doc.Pages), synthetic.Bilevel200)
		if i == 0 && qr != "" {
			var err error
			if img, err = WithQR(img, qr); err != nil {
				t.Fatal(err)
			}
		}
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		imgs[i] = b.Bytes()
		sum := sha256.Sum256(b.Bytes())
		key := "pages/" + hex.EncodeToString(sum[:]) + ".png"
		if _, err := f.Store.Put(ctx, key, bytes.NewReader(b.Bytes()), int64(b.Len())); err != nil {
			t.Fatal(err)
		}
		ps[i] = catalog.Page{ID: fmt.Sprintf("%s-p%d", id, i+1), Seq: i + 1, BlobKey: key, SHA256: hex.EncodeToString(sum[:]),
			Format: "png", DPI: 200}
	}
	if _, err := f.DB.CreateDocument(ctx, catalog.Document{ID: id, BatchID: "scans", SourceName: doc.Name + ".png",
		PageCount: pages}, ps); err != nil {
		t.Fatal(err)
	}
	for i, p := range ps {
		page := &ocr.Page{Text: doc.Pages[i%len(doc.Pages)].Text}
		if f.Recognize != nil {
			var err error
			if page, err = f.Recognize(ctx, imgs[i]); err != nil {
				t.Fatal(err)
			}
		}
		js, _ := json.Marshal(page)
		key := "ocr/" + p.ID + ".json"
		if _, err := f.Store.Put(ctx, key, bytes.NewReader(js), int64(len(js))); err != nil {
			t.Fatal(err)
		}
		if _, err := f.DB.MarkPageOCRed(ctx, p.ID, len(page.Text), page.MeanConf, key); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

// WithQR returns a copy of page with a QR code holding content printed at
// its top right, 1 inch square at 200 dpi, on white.
func WithQR(page image.Image, content string) (image.Image, error) {
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("QR %q: %w", content, err)
	}
	code := q.Image(200)
	b := page.Bounds()
	out := image.NewGray(b)
	draw.Draw(out, b, page, b.Min, draw.Src)
	at := image.Pt(b.Max.X-200-100, b.Min.Y+80)
	draw.Draw(out, image.Rectangle{at, at.Add(image.Pt(200, 200))}, code, image.Point{}, draw.Src)
	return out, nil
}
