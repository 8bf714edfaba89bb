package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http/httptest"
	"testing"

	"github.com/sohoa-vn/sohoa/storage/catalog"
	"github.com/sohoa-vn/sohoa/webhook"
)

// TestDocumentSignedAndBatchDone: signing a document and finishing a
// batch (one document signed, one failed) are written to the audit log in
// their own transactions and delivered from it as document.signed and
// batch.done, once each, to the batch's office only.
func TestDocumentSignedAndBatchDone(t *testing.T) {
	f := newFixture(t, 3)
	ctx := context.Background()
	rc := &receiver{t: t, codes: []int{204}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	const office = "so-noi-vu"
	w, secret := f.subscribe(t, office, srv.URL, webhook.EventDocumentSigned, webhook.EventBatchDone)
	rc.secret = secret
	other, _ := f.subscribe(t, "another-office", srv.URL, webhook.EventDocumentSigned, webhook.EventBatchDone)

	if _, err := f.db.EnsureBatch(ctx, "lo-1", "lô 1"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.ClaimBatchOffice(ctx, "lo-1", office); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"d1", "d2"} {
		if _, err := f.db.CreateDocument(ctx, catalog.Document{ID: id, BatchID: "lo-1", PageCount: 1},
			[]catalog.Page{{ID: id + "-p1", Seq: 1, BlobKey: "pages/" + id + ".png", Format: "png"}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.db.MarkPageOCRed(ctx, "d1-p1", 10, 90, "ocr/d1"); err != nil {
		t.Fatal(err)
	}
	if err := f.db.SetAssembled(ctx, "d1", "pdf/d1", "11", 10, nil); err != nil {
		t.Fatal(err)
	}
	for range 2 { // a repeated SetSigned adds nothing
		if err := f.db.SetSigned(ctx, "d1", "signed/d1", "22", 99); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := f.disp.CatchUp(ctx, f.db); err != nil || n != 1 {
		t.Fatalf("CatchUp after the first document = %d, %v; want 1 (document.signed; the batch is not done)", n, err)
	}
	if err := f.db.SetDocumentFailed(ctx, "d2", "unreadable"); err != nil {
		t.Fatal(err)
	}
	if n, err := f.disp.CatchUp(ctx, f.db); err != nil || n != 1 {
		t.Fatalf("CatchUp after the last document = %d, %v; want 1 (batch.done)", n, err)
	}
	f.settle(t, w, 2)
	got := map[string]int{}
	rc.mu.Lock()
	for _, g := range rc.got {
		var b struct {
			OfficeID string         `json:"office_id"`
			Data     map[string]any `json:"data"`
		}
		json.Unmarshal(g.Body, &b)
		got[fmt.Sprint(g.Event, " ", b.OfficeID, " ", b.Data["document_id"], b.Data["batch_id"], " ", b.Data["pdf_url"], b.Data["signed"], b.Data["failed"])]++
	}
	rc.mu.Unlock()
	want := map[string]int{
		"document.signed so-noi-vu d1lo-1 /v1/documents/d1/pdf<nil> <nil>": 1,
		"batch.done so-noi-vu <nil>lo-1 <nil> 1 1":                         1,
	}
	if !maps.Equal(got, want) {
		t.Errorf("deliveries %v, want %v", got, want)
	}
	if ds, err := f.db.WebhookDeliveries(ctx, other.ID, 10); err != nil || len(ds) != 0 {
		t.Errorf("another office's subscription got %v, %v", ds, err)
	}
}
