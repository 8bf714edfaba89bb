package catalog_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/internal/servicetest"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

func TestWebhooks(t *testing.T) {
	for _, tc := range []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"sqlite-memory", func(*testing.T) string { return "sqlite::memory:" }},
		{"sqlite-file", func(t *testing.T) string { return "sqlite:" + t.TempDir() + "/c.db" }},
		{"postgres", func(t *testing.T) string { return servicetest.Postgres(t) }},
	} {
		t.Run(tc.name, func(t *testing.T) { testWebhooks(t, tc.url(t)) })
	}
}

func testWebhooks(t *testing.T, url string) {
	ctx := context.Background()
	db, err := catalog.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	if _, err := db.CreateWebhook(ctx, catalog.Webhook{OfficeID: "a", URL: "http://x"}); err == nil {
		t.Error("CreateWebhook without events or secret succeeded")
	}
	both, err := db.CreateWebhook(ctx, catalog.Webhook{OfficeID: "a", URL: "http://r1/hook",
		Events: []string{"result.status_changed", "copy.issued", "copy.issued"}, Sealed: []byte("sealed-1"), CreatedBy: "key:k1"})
	mustNoErr(t, err)
	if !slices.Equal(both.Events, []string{"copy.issued", "result.status_changed"}) {
		t.Errorf("events = %v, want sorted and deduplicated", both.Events)
	}
	copies, err := db.CreateWebhook(ctx, catalog.Webhook{OfficeID: "a", URL: "http://r2/hook", Events: []string{"copy.issued"}, Sealed: []byte("sealed-2")})
	mustNoErr(t, err)
	other, err := db.CreateWebhook(ctx, catalog.Webhook{OfficeID: "b", URL: "http://r3/hook", Events: []string{"copy.issued"}, Sealed: []byte("sealed-3")})
	mustNoErr(t, err)

	got, err := db.Webhook(ctx, both.ID)
	mustNoErr(t, err)
	if got.URL != both.URL || string(got.Sealed) != "sealed-1" || got.CreatedBy != "key:k1" || !got.DeletedAt.IsZero() || !got.CreatedAt.Equal(both.CreatedAt) {
		t.Errorf("Webhook = %+v, want %+v", got, both)
	}
	if _, err := db.Webhook(ctx, "wh_none"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("Webhook(none) err = %v, want ErrNotFound", err)
	}
	if office, err := db.WebhookOffice(ctx, other.ID); err != nil || office != "b" {
		t.Errorf("WebhookOffice = %q, %v", office, err)
	}
	ws, err := db.Webhooks(ctx, []string{"a"})
	mustNoErr(t, err)
	if len(ws) != 2 {
		t.Errorf("Webhooks(a) = %d, want 2", len(ws))
	}
	ws, err = db.Webhooks(ctx, nil)
	mustNoErr(t, err)
	if len(ws) != 3 {
		t.Errorf("Webhooks(all) = %d, want 3", len(ws))
	}

	// An event goes to the office's subscriptions that want it, once.
	ds, err := db.RecordWebhookEvent(ctx, "a", "copy.issued", "copy.issued:bs_1", []byte(`{"x":1}`))
	mustNoErr(t, err)
	if len(ds) != 2 {
		t.Fatalf("copy.issued deliveries = %d, want 2 (office a's two subscriptions)", len(ds))
	}
	again, err := db.RecordWebhookEvent(ctx, "a", "copy.issued", "copy.issued:bs_1", []byte(`{"x":2}`))
	mustNoErr(t, err)
	if len(again) != 2 || again[0].ID != ds[0].ID && again[0].ID != ds[1].ID {
		t.Errorf("re-recording the event made new deliveries: %+v", again)
	}
	st, err := db.RecordWebhookEvent(ctx, "a", "result.status_changed", "ev-2", []byte(`{}`))
	mustNoErr(t, err)
	if len(st) != 1 || st[0].WebhookID != both.ID {
		t.Errorf("status deliveries = %+v, want one to %s", st, both.ID)
	}
	if none, err := db.RecordWebhookEvent(ctx, "c", "copy.issued", "ev-3", []byte(`{}`)); err != nil || len(none) != 0 {
		t.Errorf("office without subscriptions: %d deliveries, %v", len(none), err)
	}

	d := ds[0]
	fetched, err := db.WebhookDelivery(ctx, d.ID)
	mustNoErr(t, err)
	if string(fetched.Payload) != `{"x":1}` || fetched.Status != catalog.DeliveryPending || fetched.Attempts != 0 || !fetched.NextRetryAt.IsZero() {
		t.Errorf("new delivery = %+v", fetched)
	}

	// Two failed attempts, then success.
	next := time.Now().Add(time.Minute)
	d1, err := db.RecordWebhookAttempt(ctx, d.ID, catalog.WebhookAttempt{StatusCode: 500, Error: "HTTP 500", Duration: 12 * time.Millisecond}, catalog.DeliveryPending, next)
	mustNoErr(t, err)
	if d1.Attempts != 1 || d1.LastCode != 500 || d1.NextRetryAt.IsZero() {
		t.Errorf("after attempt 1: %+v", d1)
	}
	reread, err := db.WebhookDelivery(ctx, d.ID)
	mustNoErr(t, err)
	if !reread.NextRetryAt.Equal(d1.NextRetryAt) || reread.LastError != "HTTP 500" {
		t.Errorf("stored after attempt 1: %+v, want next retry %v", reread, d1.NextRetryAt)
	}
	_, err = db.RecordWebhookAttempt(ctx, d.ID, catalog.WebhookAttempt{Error: "connection refused"}, catalog.DeliveryPending, next)
	mustNoErr(t, err)
	d3, err := db.RecordWebhookAttempt(ctx, d.ID, catalog.WebhookAttempt{StatusCode: 204}, catalog.DeliveryDelivered, time.Time{})
	mustNoErr(t, err)
	if d3.Status != catalog.DeliveryDelivered || d3.Attempts != 3 || !d3.NextRetryAt.IsZero() || d3.LastError != "" {
		t.Errorf("after attempt 3: %+v", d3)
	}
	if _, err := db.RecordWebhookAttempt(ctx, d.ID, catalog.WebhookAttempt{StatusCode: 200}, catalog.DeliveryDelivered, time.Time{}); !errors.Is(err, catalog.ErrWrongStatus) {
		t.Errorf("attempt at a delivered delivery: err = %v, want ErrWrongStatus", err)
	}
	as, err := db.WebhookAttempts(ctx, d.ID)
	mustNoErr(t, err)
	if len(as) != 3 || as[0].N != 1 || as[0].StatusCode != 500 || as[0].Duration != 12*time.Millisecond ||
		as[1].Error != "connection refused" || as[2].StatusCode != 204 {
		t.Errorf("attempts = %+v", as)
	}

	// The log lists deliveries newest first; pending ones are found for requeue.
	log, err := db.WebhookDeliveries(ctx, both.ID, 0)
	mustNoErr(t, err)
	if len(log) != 2 || log[0].EventType != "result.status_changed" {
		t.Errorf("log of %s = %+v", both.ID, log)
	}
	pending, err := db.PendingWebhookDeliveries(ctx, time.Now().Add(time.Second), 0)
	mustNoErr(t, err)
	if slices.Contains(pending, d.ID) || len(pending) != 2 {
		t.Errorf("pending = %v, want the 2 untried deliveries", pending)
	}

	// Deleting keeps the log and stops new deliveries.
	mustNoErr(t, db.DeleteWebhook(ctx, copies.ID, "key:k1"))
	mustNoErr(t, db.DeleteWebhook(ctx, copies.ID, "key:k1"))
	if err := db.DeleteWebhook(ctx, "wh_none", "x"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("DeleteWebhook(none) err = %v", err)
	}
	gone, err := db.Webhook(ctx, copies.ID)
	mustNoErr(t, err)
	if gone.DeletedAt.IsZero() {
		t.Error("deleted webhook has no DeletedAt")
	}
	ds, err = db.RecordWebhookEvent(ctx, "a", "copy.issued", "copy.issued:bs_2", []byte(`{}`))
	mustNoErr(t, err)
	if len(ds) != 1 || ds[0].WebhookID != both.ID {
		t.Errorf("after delete: deliveries = %+v", ds)
	}
	if log, _ := db.WebhookDeliveries(ctx, copies.ID, 0); len(log) != 1 {
		t.Errorf("deleted webhook's log = %d deliveries, want 1", len(log))
	}
	audit, err := db.AuditLog(ctx, catalog.AuditQuery{Action: catalog.AuditWebhookDelete})
	mustNoErr(t, err)
	if len(audit) != 1 || audit[0].Subject != copies.ID {
		t.Errorf("audit of deletes = %+v, want one for %s", audit, copies.ID)
	}

	// The audit-log cursor starts where the log stood (a fresh log: 0),
	// moves forward only, and AuditLog filters by a list of actions.
	if c, err := db.WebhookCursor(ctx); err != nil || c != 0 {
		t.Errorf("WebhookCursor = %d, %v; want 0", c, err)
	}
	mustNoErr(t, db.SetWebhookCursor(ctx, 7))
	mustNoErr(t, db.SetWebhookCursor(ctx, 3))
	if c, err := db.WebhookCursor(ctx); err != nil || c != 7 {
		t.Errorf("WebhookCursor after 7 then 3 = %d, %v; want 7", c, err)
	}
	two, err := db.AuditLog(ctx, catalog.AuditQuery{Actions: []string{catalog.AuditWebhookDelete, catalog.AuditWebhookCreate}})
	mustNoErr(t, err)
	all, err := db.AuditLog(ctx, catalog.AuditQuery{})
	mustNoErr(t, err)
	if len(two) < 3 || len(two) != len(all) {
		t.Errorf("AuditLog(two actions) = %d entries, all = %d; want every webhook entry", len(two), len(all))
	}
	if none, _ := db.AuditLog(ctx, catalog.AuditQuery{Actions: []string{catalog.AuditCopyIssued}}); len(none) != 0 {
		t.Errorf("AuditLog(copy.issued) = %d entries, want none", len(none))
	}
}
