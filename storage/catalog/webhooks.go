package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Audit actions of webhook subscriptions.
const (
	AuditWebhookCreate = "webhook.create"
	AuditWebhookDelete = "webhook.delete"
)

// Webhook is an office's subscription to events: where to send them and
// the secret that signs them, sealed by the caller (the catalog stores
// it as given and never sees it in clear).
type Webhook struct {
	ID        string
	OfficeID  string
	URL       string
	Events    []string // event types, e.g. "copy.issued"
	Sealed    []byte   // the HMAC secret, encrypted by the caller
	CreatedBy string
	CreatedAt time.Time
	DeletedAt time.Time // zero while active
}

// DeliveryStatus is where a webhook delivery is.
type DeliveryStatus string

// Delivery statuses.
const (
	DeliveryPending   DeliveryStatus = "pending"
	DeliveryDelivered DeliveryStatus = "delivered"
	DeliveryFailed    DeliveryStatus = "failed"
)

// WebhookDelivery is one event to send to one subscription, with the
// outcome of its last attempt.
type WebhookDelivery struct {
	ID, WebhookID, OfficeID string
	EventID, EventType      string
	Payload                 []byte // the exact body sent and signed
	Status                  DeliveryStatus
	Attempts                int
	LastCode                int // HTTP status of the last attempt, 0 when none came back
	LastError               string
	NextRetryAt             time.Time // zero when no retry is planned
	CreatedAt, UpdatedAt    time.Time
}

// WebhookAttempt is one try at a delivery.
type WebhookAttempt struct {
	N          int // from 1
	At         time.Time
	StatusCode int
	Error      string
	Duration   time.Duration
}

const webhookColumns = `id, office_id, url, events, secret_sealed, created_by, created_at, deleted_at`

func scanWebhook(s scanner) (Webhook, error) {
	var w Webhook
	var events, sealed string
	err := s.Scan(&w.ID, &w.OfficeID, &w.URL, &events, &sealed, &w.CreatedBy, timeScanner{&w.CreatedAt}, nullTime{&w.DeletedAt})
	if err != nil {
		return w, err
	}
	w.Sealed = []byte(sealed)
	if err := json.Unmarshal([]byte(events), &w.Events); err != nil {
		return w, fmt.Errorf("webhook %s: events: %w", w.ID, err)
	}
	return w, nil
}

// nullTime scans a nullable timestamp column of either database into t
// (left zero for NULL).
type nullTime struct{ t *time.Time }

func (s nullTime) Scan(v any) error {
	if v == nil {
		*s.t = time.Time{}
		return nil
	}
	return timeScanner(s).Scan(v)
}

// CreateWebhook stores a new subscription and writes "webhook.create" to
// the audit log (without the secret). w.ID is assigned when empty.
func (db *DB) CreateWebhook(ctx context.Context, w Webhook) (Webhook, error) {
	if w.ID == "" {
		w.ID = newID("wh_")
	}
	if w.OfficeID == "" || w.URL == "" || len(w.Events) == 0 || len(w.Sealed) == 0 {
		return w, fmt.Errorf("catalog: create webhook: office, URL, events and secret are required")
	}
	w.Events = dedupe(w.Events)
	slices.Sort(w.Events)
	w.CreatedAt, w.DeletedAt = now(), time.Time{}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhooks (`+webhookColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)`,
			w.ID, w.OfficeID, w.URL, string(mustJSON(w.Events)), string(w.Sealed), w.CreatedBy, db.ts(w.CreatedAt)); err != nil {
			return err
		}
		_, err := db.appendAudit(ctx, tx, AuditEntry{Actor: w.CreatedBy, OfficeID: w.OfficeID, Action: AuditWebhookCreate,
			Subject: w.ID, Detail: mustJSON(map[string]any{"url": w.URL, "events": w.Events})})
		return err
	})
	if err != nil {
		return w, fmt.Errorf("catalog: create webhook: %w", err)
	}
	return w, nil
}

// Webhook returns a subscription by id, deleted or not, or ErrNotFound.
func (db *DB) Webhook(ctx context.Context, id string) (Webhook, error) {
	w, err := scanWebhook(db.r.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return w, fmt.Errorf("catalog: webhook %s: %w", id, err)
	}
	return w, nil
}

// WebhookOffice returns the office owning a subscription, or ErrNotFound.
func (db *DB) WebhookOffice(ctx context.Context, id string) (string, error) {
	var office string
	err := db.r.QueryRowContext(ctx, `SELECT office_id FROM webhooks WHERE id = $1`, id).Scan(&office)
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("catalog: webhook %s: %w", id, err)
	}
	return office, nil
}

// Webhooks lists the active subscriptions of the given offices (nil:
// every office), oldest first.
func (db *DB) Webhooks(ctx context.Context, offices []string) ([]Webhook, error) {
	var b sqlBuilder
	b.where("deleted_at IS NULL")
	if offices != nil {
		b.where(b.in("office_id", offices))
	}
	return db.queryWebhooks(ctx, db.r, `SELECT `+webhookColumns+` FROM webhooks WHERE `+b.conds()+` ORDER BY created_at, id`, b.vals...)
}

func (db *DB) queryWebhooks(ctx context.Context, q querier, query string, args ...any) ([]Webhook, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("catalog: webhooks: %w", err)
	}
	defer rows.Close()
	var out []Webhook
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, fmt.Errorf("catalog: webhooks: %w", err)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// DeleteWebhook stops a subscription: no new deliveries are recorded for
// it, pending ones fail at their next attempt, and its log stays. It
// writes "webhook.delete" to the audit log. Deleting twice is a no-op.
func (db *DB) DeleteWebhook(ctx context.Context, id, actor string) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var office string
		var deleted time.Time
		err := tx.QueryRowContext(ctx, `SELECT office_id, deleted_at FROM webhooks WHERE id = $1`+db.forUpdate(), id).Scan(&office, nullTime{&deleted})
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		if !deleted.IsZero() {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE webhooks SET deleted_at = $2 WHERE id = $1`, id, db.ts(now())); err != nil {
			return err
		}
		_, err = db.appendAudit(ctx, tx, AuditEntry{Actor: actor, OfficeID: office, Action: AuditWebhookDelete, Subject: id})
		return err
	})
	if err != nil {
		return fmt.Errorf("catalog: delete webhook %s: %w", id, err)
	}
	return nil
}

const deliveryColumns = `id, webhook_id, office_id, event_id, event_type, payload, status, attempts, last_code, last_error,
	next_retry_at, created_at, updated_at`

func scanDelivery(s scanner) (WebhookDelivery, error) {
	var d WebhookDelivery
	var payload string
	err := s.Scan(&d.ID, &d.WebhookID, &d.OfficeID, &d.EventID, &d.EventType, &payload, &d.Status, &d.Attempts,
		&d.LastCode, &d.LastError, nullTime{&d.NextRetryAt}, timeScanner{&d.CreatedAt}, timeScanner{&d.UpdatedAt})
	d.Payload = []byte(payload)
	return d, err
}

// RecordWebhookEvent records, in one transaction, a pending delivery of
// an event to every active subscription of office that wants eventType,
// and returns them. payload is the body to send. Recording the same
// eventID again adds nothing and returns the deliveries already recorded
// for it, so a caller may retry.
func (db *DB) RecordWebhookEvent(ctx context.Context, office, eventType, eventID string, payload []byte) ([]WebhookDelivery, error) {
	var out []WebhookDelivery
	err := db.tx(ctx, func(tx *sql.Tx) error {
		out = nil
		hooks, err := db.queryWebhooks(ctx, tx, `SELECT `+webhookColumns+` FROM webhooks WHERE office_id = $1 AND deleted_at IS NULL ORDER BY id`, office)
		if err != nil {
			return err
		}
		t := now()
		for _, w := range hooks {
			if !slices.Contains(w.Events, eventType) {
				continue
			}
			d, err := scanDelivery(tx.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE webhook_id = $1 AND event_id = $2`, w.ID, eventID))
			if err == nil {
				out = append(out, d)
				continue
			} else if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			d = WebhookDelivery{ID: newID("wd_"), WebhookID: w.ID, OfficeID: office, EventID: eventID, EventType: eventType,
				Payload: payload, Status: DeliveryPending, CreatedAt: t, UpdatedAt: t}
			if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (`+deliveryColumns+`)
				VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, 0, '', NULL, $7, $7)`,
				d.ID, d.WebhookID, d.OfficeID, d.EventID, d.EventType, string(d.Payload), db.ts(t)); err != nil {
				return err
			}
			out = append(out, d)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("catalog: record webhook event %s %s: %w", eventType, eventID, err)
	}
	return out, nil
}

// WebhookDelivery returns a delivery by id, or ErrNotFound.
func (db *DB) WebhookDelivery(ctx context.Context, id string) (WebhookDelivery, error) {
	d, err := scanDelivery(db.r.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return d, fmt.Errorf("catalog: webhook delivery %s: %w", id, err)
	}
	return d, nil
}

// WebhookDeliveries lists a subscription's deliveries, newest first, at
// most limit (default 50, at most 500).
func (db *DB) WebhookDeliveries(ctx context.Context, webhookID string, limit int) ([]WebhookDelivery, error) {
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	out, err := queryAll(ctx, db.r, scanDelivery, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE webhook_id = $1`+
		fmt.Sprintf(" ORDER BY created_at DESC, id LIMIT %d", limit), webhookID)
	if err != nil {
		return nil, fmt.Errorf("catalog: webhook deliveries of %s: %w", webhookID, err)
	}
	return out, nil
}

// PendingWebhookDeliveries returns the IDs of deliveries still pending
// and not touched since before, oldest first, at most limit: what a
// reconciler re-enqueues when the queue lost them.
func (db *DB) PendingWebhookDeliveries(ctx context.Context, before time.Time, limit int) ([]string, error) {
	if limit <= 0 {
		limit = 100
	}
	ids, err := db.strings(ctx, `SELECT id FROM webhook_deliveries WHERE status = 'pending' AND updated_at < $1`+
		fmt.Sprintf(" ORDER BY updated_at, id LIMIT %d", limit), db.ts(before))
	if err != nil {
		return nil, fmt.Errorf("catalog: pending webhook deliveries: %w", err)
	}
	return ids, nil
}

// WebhookAttempts lists a delivery's attempts, first first.
func (db *DB) WebhookAttempts(ctx context.Context, deliveryID string) ([]WebhookAttempt, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT n, at, status_code, error, duration_ms FROM webhook_attempts
		WHERE delivery_id = $1 ORDER BY n`, deliveryID)
	if err != nil {
		return nil, fmt.Errorf("catalog: webhook attempts of %s: %w", deliveryID, err)
	}
	defer rows.Close()
	var out []WebhookAttempt
	for rows.Next() {
		var a WebhookAttempt
		var ms int64
		if err := rows.Scan(&a.N, timeScanner{&a.At}, &a.StatusCode, &a.Error, &ms); err != nil {
			return nil, fmt.Errorf("catalog: webhook attempts of %s: %w", deliveryID, err)
		}
		a.Duration = time.Duration(ms) * time.Millisecond
		out = append(out, a)
	}
	return out, rows.Err()
}

// RecordWebhookAttempt logs an attempt at a pending delivery (its N is
// assigned) and moves the delivery to status: pending (with nextRetry,
// zero for none known), delivered or failed. A delivery no longer pending
// gives ErrWrongStatus and nothing is logged.
func (db *DB) RecordWebhookAttempt(ctx context.Context, deliveryID string, a WebhookAttempt, status DeliveryStatus, nextRetry time.Time) (WebhookDelivery, error) {
	var d WebhookDelivery
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		d, err = scanDelivery(tx.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE id = $1`+db.forUpdate(), deliveryID))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		if d.Status != DeliveryPending {
			return ErrWrongStatus
		}
		if a.At.IsZero() {
			a.At = now()
		}
		a.N = d.Attempts + 1
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_attempts (delivery_id, n, at, status_code, error, duration_ms)
			VALUES ($1, $2, $3, $4, $5, $6)`, d.ID, a.N, db.ts(a.At), a.StatusCode, a.Error, a.Duration.Milliseconds()); err != nil {
			return err
		}
		var next any
		if status == DeliveryPending && !nextRetry.IsZero() {
			next = db.ts(nextRetry)
			d.NextRetryAt = nextRetry.UTC().Truncate(time.Microsecond)
		} else {
			d.NextRetryAt = time.Time{}
		}
		d.Status, d.Attempts, d.LastCode, d.LastError, d.UpdatedAt = status, a.N, a.StatusCode, a.Error, now()
		_, err = tx.ExecContext(ctx, `UPDATE webhook_deliveries SET status = $2, attempts = $3, last_code = $4, last_error = $5,
			next_retry_at = $6, updated_at = $7 WHERE id = $1`, d.ID, string(status), d.Attempts, d.LastCode, d.LastError, next, db.ts(d.UpdatedAt))
		return err
	})
	if err != nil {
		return d, fmt.Errorf("catalog: webhook attempt at %s: %w", deliveryID, err)
	}
	return d, nil
}

// WebhookCursor returns the Seq of the last audit entry the webhook
// dispatcher turned into deliveries (0 before the first).
func (db *DB) WebhookCursor(ctx context.Context) (int64, error) {
	var seq int64
	err := db.r.QueryRowContext(ctx, `SELECT seq FROM webhook_cursor WHERE name = 'audit'`).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("catalog: webhook cursor: %w", err)
	}
	return seq, nil
}

// SetWebhookCursor moves the cursor forward to seq (never back: two
// dispatchers may race, and both only ever record events already recorded).
func (db *DB) SetWebhookCursor(ctx context.Context, seq int64) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO webhook_cursor (name, seq) VALUES ('audit', $1)
		ON CONFLICT (name) DO UPDATE SET seq = excluded.seq WHERE webhook_cursor.seq < excluded.seq`, seq)
	if err != nil {
		return fmt.Errorf("catalog: set webhook cursor: %w", err)
	}
	return nil
}
