package api

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sohoa-vn/sohoa/storage/catalog"
	"github.com/sohoa-vn/sohoa/storage/localfs"
)

// TestPageImageAudited: an archivist's view of a page image is a read of
// a citizen's document and is audited like a PDF fetch, for the office's
// auditor.
func TestPageImageAudited(t *testing.T) {
	ctx := context.Background()
	db, err := catalog.Open(ctx, "sqlite::memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	store, err := localfs.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	info, err := store.Put(ctx, "pages/p1.png", strings.NewReader("\x89PNG fake"), -1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.EnsureBatch(ctx, "b", "b"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ClaimBatchOffice(ctx, "b", "so-tu-phap"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateDocument(ctx, catalog.Document{ID: "d", BatchID: "b", PageCount: 1},
		[]catalog.Page{{ID: "d-p1", Seq: 1, BlobKey: "pages/p1.png", Format: "png", SHA256: info.SHA256}}); err != nil {
		t.Fatal(err)
	}
	tok, _, err := db.CreateAPIKey(ctx, catalog.APIKey{Name: "lưu trữ", Scopes: []string{"archivist"}, OfficeID: "so-tu-phap"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(Authenticate(db, nil)(NewMux(QCRoutes(&QC{DB: db, Store: store}))))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/v1/pages/d-p1/image", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "\x89PNG fake" {
		t.Fatalf("page image: %s %q", resp.Status, b)
	}
	views, err := db.AuditLog(ctx, catalog.AuditQuery{Action: catalog.AuditContentView, Subject: "d-p1"})
	if err != nil || len(views) != 1 || views[0].OfficeID != "so-tu-phap" || !strings.Contains(string(views[0].Detail), `"page_image"`) {
		t.Fatalf("page image audit = %+v, %v", views, err)
	}
}
