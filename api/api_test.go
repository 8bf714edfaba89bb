package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hibiken/asynq"

	"github.com/sohoa-vn/sohoa/ingest"
	"github.com/sohoa-vn/sohoa/internal/servicetest"
	"github.com/sohoa-vn/sohoa/storage/catalog"
	"github.com/sohoa-vn/sohoa/storage/localfs"
	"github.com/sohoa-vn/sohoa/worker"
)

func TestMain(m *testing.M) { servicetest.Main(m) }

// newServer serves the API on a SQLite catalog, local files and a real
// Redis queue; it returns an inspector of that queue.
func newServer(t *testing.T) (*httptest.Server, *catalog.DB, *asynq.Inspector, string) {
	ts, db, insp, token, _ := newLimitedServer(t, ingest.Limits{})
	return ts, db, insp, token
}

// newLimitedServer is newServer with ingest limits (zero: the defaults); it
// also returns the directory holding the catalog, the blobs and the
// upload spool.
func newLimitedServer(t *testing.T, lim ingest.Limits) (*httptest.Server, *catalog.DB, *asynq.Inspector, string, string) {
	t.Helper()
	dir := t.TempDir()
	db, err := catalog.Open(context.Background(), "sqlite:"+filepath.Join(dir, "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	store, err := localfs.New(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	redis := asynq.RedisClientOpt{Addr: servicetest.Redis(t)}
	client := asynq.NewClient(redis)
	t.Cleanup(func() { client.Close() })
	insp := asynq.NewInspector(redis)
	t.Cleanup(func() { insp.Close() })
	q := worker.NewQueue(client)
	s := &Server{Catalog: db, Store: store, Archive: &Archive{DB: db}, Keys: db,
		Ingest: &ingest.Ingester{Catalog: db, Store: store, Queue: q, Limits: lim, TempDir: dir}}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	token, _, err := db.CreateAPIKey(context.Background(), catalog.APIKey{
		Name: "archivist", Scopes: []string{"archivist"}, OfficeID: "ubnd-ben-nghe"})
	if err != nil {
		t.Fatal(err)
	}
	return ts, db, insp, token, dir
}

func TestErrors(t *testing.T) {
	ts, db, _, token := newServer(t)
	ctx := context.Background()
	if _, err := db.EnsureBatch(ctx, "b1", "one"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ClaimBatchOffice(ctx, "b1", "ubnd-ben-nghe"); err != nil {
		t.Fatal(err)
	}
	png := []byte("\x89PNG\r\n\x1a\n")
	tests := []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"batch without name", "POST", "/v1/batches", `{}`, 400, "bad_request"},
		{"batch bad JSON", "POST", "/v1/batches", `{`, 400, "bad_request"},
		{"unknown batch", "GET", "/v1/batches/nope", "", 404, "not_found"},
		{"unknown batch report", "GET", "/v1/batches/nope/report", "", 404, "not_found"},
		{"upload to unknown batch", "POST", "/v1/batches/nope/files?name=a.png", string(png), 404, "not_found"},
		{"upload without name", "POST", "/v1/batches/b1/files", string(png), 400, "bad_request"},
		{"upload with a bad idempotency key", "POST", "/v1/batches/b1/files?name=a.png", string(png), 400, "bad_request"},
		{"unknown document", "GET", "/v1/documents/nope", "", 404, "not_found"},
		{"unknown document pdf", "GET", "/v1/documents/nope/pdf", "", 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, ts.URL+tt.path, strings.NewReader(tt.body))
			req.Header.Set("Authorization", "Bearer "+token)
			if strings.Contains(tt.name, "idempotency key") {
				req.Header.Set("Idempotency-Key", "hop 1/scan?.pdf") // a space and a "?"
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var e struct{ Error apiError }
			if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
				t.Fatalf("decode error body: %v", err)
			}
			if resp.StatusCode != tt.status || e.Error.Code != tt.code || e.Error.VI == "" || e.Error.EN == "" {
				t.Errorf("%s %s = %d %+v, want %d %s with vi and en messages", tt.method, tt.path, resp.StatusCode, e.Error, tt.status, tt.code)
			}
		})
	}
}

// A file sent with an idempotency key is named by the key: sent again with
// the same key it is the same document, whatever its bytes; another key,
// or none, makes another document.
func TestUploadIdempotencyKey(t *testing.T) {
	ts, _, _, token := newServer(t)
	ctx := context.Background()
	c := &Client{BaseURL: ts.URL, Token: token}
	b, err := c.CreateBatch(ctx, "lô khóa")
	if err != nil {
		t.Fatal(err)
	}
	first, err := c.UploadWithKey(ctx, b.ID, "hop-1-0001.pdf", "hotfolder:abc:1", strings.NewReader("bundle, first try"))
	if err != nil {
		t.Fatal(err)
	}
	if !first.Created || first.Document.ID != ingest.KeyedDocumentID(b.ID, "hotfolder:abc:1") {
		t.Fatalf("first upload = %+v", first)
	}
	for _, tc := range []struct {
		name, key, body string
		created         bool
	}{
		{"same key, other bytes", "hotfolder:abc:1", "bundle, second try (a new time stamp)", false},
		{"same key, same bytes", "hotfolder:abc:1", "bundle, first try", false},
		{"other key", "hotfolder:abc:2", "bundle, first try", true},
		{"no key", "", "bundle, first try", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			up, err := c.UploadWithKey(ctx, b.ID, "hop-1-0001.pdf", tc.key, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if up.Created != tc.created || (up.Document.ID == first.Document.ID) == tc.created {
				t.Errorf("created %v, document %s (first %s); want created %v", up.Created, up.Document.ID, first.Document.ID, tc.created)
			}
		})
	}
}

// A bad file is taken as a failed document with its reason; the same file
// sent again finds the same document; a PDF is refused until signed.
func TestUploadThroughClient(t *testing.T) {
	ts, _, insp, token := newServer(t)
	ctx := context.Background()
	c := &Client{BaseURL: ts.URL, Token: token}
	b, err := c.CreateBatch(ctx, "lô 1")
	if err != nil {
		t.Fatal(err)
	}
	if b.ID != ingest.BatchID("lô 1") || b.Name != "lô 1" || !b.Done {
		t.Errorf("new batch = %+v", b)
	}
	up, err := c.Upload(ctx, b.ID, "../../etc/notes.png", strings.NewReader("not an image"))
	if err != nil {
		t.Fatal(err)
	}
	d := up.Document
	if !up.Created || d.Status != "failed" || !strings.Contains(d.Error, "unsupported") || d.SourceName != "etc/notes.png" {
		t.Errorf("bad upload = %+v", up)
	}
	if len(d.Pages) != 1 || d.Pages[0].Status != "failed" || d.Pages[0].Error == "" {
		t.Errorf("bad upload pages = %+v", d.Pages)
	}
	var apiErr *Error
	again, err := c.Upload(ctx, b.ID, "other-name.png", strings.NewReader("not an image"))
	if err != nil {
		t.Fatal(err)
	}
	if again.Created || again.Document.ID != d.ID {
		t.Errorf("re-upload = created %v id %s, want the existing %s", again.Created, again.Document.ID, d.ID)
	}
	sum := sha256.Sum256([]byte("not an image"))
	if got, err := c.FileByHash(ctx, b.ID, hex.EncodeToString(sum[:])); err != nil || got.Document.ID != d.ID {
		t.Errorf("FileByHash of a sent file = %+v, %v; want document %s", got.Document, err, d.ID)
	}
	other := sha256.Sum256([]byte("never sent"))
	if _, err := c.FileByHash(ctx, b.ID, hex.EncodeToString(other[:])); !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
		t.Errorf("FileByHash of a file never sent: %v, want 404", err)
	}
	if queues, err := insp.Queues(); err != nil || len(queues) != 0 {
		t.Errorf("a failed document queued work: queues %v (%v)", queues, err)
	}
	var buf bytes.Buffer
	err = c.PDF(ctx, d.ID, &buf)
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusConflict || apiErr.Code != "not_signed" {
		t.Errorf("PDF of an unsigned document: %v, want 409 not_signed", err)
	}
	got, err := c.Batch(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Documents != 1 || got.DocumentsFailed != 1 || got.PagesFailed != 1 || !got.Done {
		t.Errorf("progress = %+v", got)
	}
}
