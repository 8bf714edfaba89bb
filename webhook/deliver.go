package webhook

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/hibiken/asynq"

	"github.com/sohoa-vn/sohoa/results"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// TypeDeliver is the asynq task type of a delivery; its payload is
// {"id": "<delivery ID>"}.
const TypeDeliver = "webhook:deliver"

// Queue is the asynq queue deliveries go to; the worker server must
// listen on it.
const Queue = "webhooks"

// DefaultMaxRetry is how many times a failed delivery is retried: with
// DefaultBackoff the last retry comes about 8½ hours after the event.
const DefaultMaxRetry = 10

// Event is something that happened in an office.
type Event struct {
	// ID identifies the event: emitting the same ID twice delivers once.
	// Empty: one is drawn.
	ID       string
	Type     string // one of Events
	OfficeID string // only this office's subscriptions hear of it
	At       time.Time
	Data     any // the event's object, marshalled as "data"
}

// body is what a receiver gets.
type body struct {
	ID       string    `json:"id"`
	Type     string    `json:"type"`
	OfficeID string    `json:"office_id"`
	At       time.Time `json:"created_at"`
	Data     any       `json:"data"`
}

// CopyIssued is the event of an issued certified copy.
func CopyIssued(c catalog.Copy) Event {
	return Event{ID: EventCopyIssued + ":" + c.ID, Type: EventCopyIssued, OfficeID: c.OfficeID, At: c.IssuedAt,
		Data: map[string]any{"copy_id": c.ID, "code": c.Code, "document_id": c.DocumentID, "result_id": c.ResultID,
			"sha256": c.SHA256, "size": c.Size, "pages": c.PageCount, "validity": c.Validity,
			"pdf_url": "/v1/copies/" + c.ID + "/pdf"}}
}

// ResultStatusChanged is the event of a result whose status changed
// (revoked, replaced; or expired, when noticed), from its new record.
func ResultStatusChanged(r results.Result, status results.Status) Event {
	return Event{ID: EventResultStatusChanged + ":" + r.ID + ":" + string(status), Type: EventResultStatusChanged,
		OfficeID: r.OfficeID, At: r.UpdatedAt,
		Data: map[string]any{"result_id": r.ID, "code": r.Code, "status": status, "replaced_by": r.ReplacedBy,
			"reason": r.StatusReason, "owner_id": r.OwnerID, "procedure_code": r.ProcedureCode,
			"number_symbol": r.NumberSymbol, "document_ids": r.DocumentIDs}}
}

// Recorder records an event's deliveries in the catalog.
type Recorder interface {
	RecordWebhookEvent(ctx context.Context, office, eventType, eventID string, payload []byte) ([]catalog.WebhookDelivery, error)
}

// Dispatcher records events' deliveries and enqueues them.
type Dispatcher struct {
	DB       Recorder
	Client   *asynq.Client
	MaxRetry int // 0: DefaultMaxRetry
}

// Emit records a delivery of e for every subscription of e.OfficeID that
// wants e.Type and enqueues each. An error means the event may not be
// delivered; once recorded, a delivery whose enqueue failed is found
// again by Requeue.
func (d *Dispatcher) Emit(ctx context.Context, e Event) error {
	if e.ID == "" {
		b := make([]byte, 10)
		rand.Read(b)
		e.ID = "ev_" + hex.EncodeToString(b)
	}
	if e.At.IsZero() {
		e.At = time.Now()
	}
	payload, err := json.Marshal(body{ID: e.ID, Type: e.Type, OfficeID: e.OfficeID, At: e.At.UTC(), Data: e.Data})
	if err != nil {
		return fmt.Errorf("webhook: emit %s: %w", e.ID, err)
	}
	ds, err := d.DB.RecordWebhookEvent(ctx, e.OfficeID, e.Type, e.ID, payload)
	if err != nil {
		return fmt.Errorf("webhook: emit %s: %w", e.ID, err)
	}
	var errs []error
	for _, del := range ds {
		if del.Status == catalog.DeliveryPending {
			errs = append(errs, d.Enqueue(ctx, del.ID))
		}
	}
	return errors.Join(errs...)
}

// Enqueue queues the delivery id (again). The asynq task ID is derived
// from it, so a delivery already queued is not queued twice.
func (d *Dispatcher) Enqueue(ctx context.Context, id string) error {
	maxRetry := d.MaxRetry
	if maxRetry <= 0 {
		maxRetry = DefaultMaxRetry
	}
	b, _ := json.Marshal(taskPayload{ID: id})
	_, err := d.Client.EnqueueContext(ctx, asynq.NewTask(TypeDeliver, b), asynq.Queue(Queue),
		asynq.TaskID(TypeDeliver+":"+id), asynq.MaxRetry(maxRetry), asynq.Timeout(time.Minute))
	if errors.Is(err, asynq.ErrTaskIDConflict) || errors.Is(err, asynq.ErrDuplicateTask) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("webhook: enqueue delivery %s: %w", id, err)
	}
	return nil
}

// PendingLister finds deliveries still pending.
type PendingLister interface {
	PendingWebhookDeliveries(ctx context.Context, before time.Time, limit int) ([]string, error)
}

// Requeue enqueues the deliveries pending and untouched for longer than
// age (the queue lost them, or their enqueue failed); a delivery still
// queued or waiting for a retry is left as it is. It returns how many it
// found.
func (d *Dispatcher) Requeue(ctx context.Context, db PendingLister, age time.Duration) (int, error) {
	ids, err := db.PendingWebhookDeliveries(ctx, time.Now().Add(-age), 500)
	if err != nil {
		return 0, err
	}
	var errs []error
	for _, id := range ids {
		errs = append(errs, d.Enqueue(ctx, id))
	}
	return len(ids), errors.Join(errs...)
}

// AuditFollower is what CatchUp reads: the audit log, the records its
// entries name, and where it stopped last time.
type AuditFollower interface {
	AuditLog(ctx context.Context, q catalog.AuditQuery) ([]catalog.AuditEntry, error)
	Copy(ctx context.Context, id string) (catalog.Copy, error)
	Result(ctx context.Context, id string) (results.Result, error)
	WebhookCursor(ctx context.Context) (int64, error)
	SetWebhookCursor(ctx context.Context, seq int64) error
}

// CatchUp turns the audit entries of issued copies and result status
// changes written since its last call into events (Emit), and returns how
// many. The audit log is written in the transaction of each change, so it
// is the outbox: an event whose process died between the commit and its
// Emit is found here. Event IDs come from the change (CopyIssued,
// ResultStatusChanged), so an event already emitted is not recorded twice.
func (d *Dispatcher) CatchUp(ctx context.Context, db AuditFollower) (int, error) {
	n := 0
	for {
		after, err := db.WebhookCursor(ctx)
		if err != nil {
			return n, err
		}
		es, err := db.AuditLog(ctx, catalog.AuditQuery{AfterSeq: after, Limit: 500,
			Actions: []string{catalog.AuditCopyIssued, catalog.AuditResultStatus, catalog.AuditDocumentSigned, catalog.AuditBatchDone}})
		if err != nil || len(es) == 0 {
			return n, err
		}
		for _, e := range es {
			ev, err := eventOf(ctx, db, e)
			if errors.Is(err, catalog.ErrNotFound) || errors.Is(err, errNotEvent) {
				// Nothing to announce, and nothing a retry would find:
				// skipping it keeps one bad entry from stopping every event after it.
				slog.Warn("webhook: audit entry without its record, no event", "seq", e.Seq, "action", e.Action, "subject", e.Subject, "err", err)
				continue
			}
			if err != nil {
				return n, fmt.Errorf("webhook: audit entry %d: %w", e.Seq, err)
			}
			if err := d.Emit(ctx, ev); err != nil {
				return n, err
			}
			n++
		}
		if err := db.SetWebhookCursor(ctx, es[len(es)-1].Seq); err != nil {
			return n, err
		}
	}
}

// eventOf builds the event an audit entry records.
func eventOf(ctx context.Context, db AuditFollower, e catalog.AuditEntry) (Event, error) {
	switch e.Action {
	case catalog.AuditCopyIssued:
		c, err := db.Copy(ctx, e.Subject)
		if err != nil {
			return Event{}, err
		}
		return CopyIssued(c), nil
	case catalog.AuditResultStatus:
		r, err := db.Result(ctx, e.Subject)
		if err != nil {
			return Event{}, err
		}
		var detail struct {
			To results.Status `json:"to"`
		}
		if err := json.Unmarshal(e.Detail, &detail); err != nil || detail.To == "" {
			return Event{}, fmt.Errorf("%w: status change without its new status: %s", errNotEvent, e.Detail)
		}
		return ResultStatusChanged(r, detail.To), nil
	case catalog.AuditDocumentSigned:
		var d struct {
			BatchID string `json:"batch_id"`
			SHA256  string `json:"sha256"`
			Size    int64  `json:"size"`
		}
		if err := json.Unmarshal(e.Detail, &d); err != nil {
			return Event{}, fmt.Errorf("%w: document.signed: %s", errNotEvent, e.Detail)
		}
		return Event{ID: EventDocumentSigned + ":" + e.Subject, Type: EventDocumentSigned, OfficeID: e.OfficeID, At: e.At,
			Data: map[string]any{"document_id": e.Subject, "batch_id": d.BatchID, "sha256": d.SHA256, "size": d.Size,
				"pdf_url": "/v1/documents/" + e.Subject + "/pdf"}}, nil
	case catalog.AuditBatchDone:
		var d struct{ Documents, Signed, Failed int }
		if err := json.Unmarshal(e.Detail, &d); err != nil {
			return Event{}, fmt.Errorf("%w: batch.done: %s", errNotEvent, e.Detail)
		}
		// Named by the batch and its counts: a batch that grows, or whose
		// failed document is retried, and finishes again is announced
		// again; the same state only once.
		return Event{ID: fmt.Sprintf("%s:%s:%d:%d", EventBatchDone, e.Subject, d.Documents, d.Signed), Type: EventBatchDone,
			OfficeID: e.OfficeID, At: e.At,
			Data: map[string]any{"batch_id": e.Subject, "documents": d.Documents, "signed": d.Signed, "failed": d.Failed,
				"report_url": "/v1/batches/" + e.Subject + "/report"}}, nil
	}
	return Event{}, fmt.Errorf("%w: %s", errNotEvent, e.Action)
}

var errNotEvent = errors.New("not an event")

type taskPayload struct {
	ID string `json:"id"`
}

// Backoff is the delay before retry n (from 0): Base·2ⁿ, at most Max.
// asynq schedules retries to the whole second, so Base under 1 s is moot.
type Backoff struct{ Base, Max time.Duration }

// DefaultBackoff waits 30 s, 1 min, 2 min... up to 4 h between retries.
var DefaultBackoff = Backoff{Base: 30 * time.Second, Max: 4 * time.Hour}

// Delay returns the wait before retry n.
func (b Backoff) Delay(n int) time.Duration {
	if b.Base <= 0 {
		b = DefaultBackoff
	}
	d := b.Base
	for range n {
		if d >= b.Max {
			break
		}
		d *= 2
	}
	return min(d, b.Max)
}

// RetryDelay is an asynq.RetryDelayFunc for the worker's server: b for
// webhook deliveries, next for every other task (nil: asynq's default).
func RetryDelay(b Backoff, next asynq.RetryDelayFunc) asynq.RetryDelayFunc {
	if next == nil {
		next = asynq.DefaultRetryDelayFunc
	}
	return func(n int, err error, t *asynq.Task) time.Duration {
		if t.Type() == TypeDeliver {
			return b.Delay(n)
		}
		return next(n, err, t)
	}
}

// Store is what Handler needs from the catalog.
type Store interface {
	Webhook(ctx context.Context, id string) (catalog.Webhook, error)
	WebhookDelivery(ctx context.Context, id string) (catalog.WebhookDelivery, error)
	RecordWebhookAttempt(ctx context.Context, deliveryID string, a catalog.WebhookAttempt, status catalog.DeliveryStatus, nextRetry time.Time) (catalog.WebhookDelivery, error)
}

// Handler sends deliveries: the asynq handler of TypeDeliver.
type Handler struct {
	DB      Store
	Sealer  *Sealer
	Backoff Backoff // the same as given to RetryDelay; zero: DefaultBackoff
	// Guard says where deliveries may connect (nil: public addresses only).
	Guard *Guard
	// Client sends deliveries; nil: Guard's client with a 10 s timeout.
	// A client given here bypasses Guard.
	Client *http.Client
	Log    *slog.Logger

	once   sync.Once
	client *http.Client
}

// ProcessTask sends one delivery and logs the attempt. A delivery no
// longer pending (already delivered or failed) is skipped. It returns an
// error, so that asynq retries, unless the receiver answered 2xx; at the
// last retry the delivery is marked failed.
func (h *Handler) ProcessTask(ctx context.Context, t *asynq.Task) error {
	var p taskPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.ID == "" {
		return fmt.Errorf("webhook: bad payload %q: %w", t.Payload(), asynq.SkipRetry)
	}
	d, err := h.DB.WebhookDelivery(ctx, p.ID)
	if errors.Is(err, catalog.ErrNotFound) {
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	} else if err != nil {
		return err
	}
	if d.Status != catalog.DeliveryPending {
		return nil // done already: idempotent
	}
	retried, _ := asynq.GetRetryCount(ctx)
	maxRetry, ok := asynq.GetMaxRetry(ctx)
	if !ok {
		maxRetry = DefaultMaxRetry
	}
	final := retried >= maxRetry

	w, err := h.DB.Webhook(ctx, d.WebhookID)
	if err != nil {
		return err
	}
	var a catalog.WebhookAttempt
	var permanent bool
	switch secret, oerr := h.Sealer.Open(w.Sealed); {
	case !w.DeletedAt.IsZero():
		a.Error, permanent = "subscription deleted / đăng ký đã bị xóa", true
	case oerr != nil:
		a.Error, permanent = oerr.Error(), true
	default:
		a, permanent = h.post(ctx, w.URL, secret, d)
	}
	status, next := catalog.DeliveryPending, time.Time{}
	switch {
	case a.Error == "":
		status = catalog.DeliveryDelivered
	case final || permanent:
		status = catalog.DeliveryFailed
	default:
		next = a.At.Add(a.Duration).Add(h.backoff().Delay(retried))
	}
	if _, err := h.DB.RecordWebhookAttempt(ctx, d.ID, a, status, next); err != nil {
		if errors.Is(err, catalog.ErrWrongStatus) {
			return nil
		}
		return err
	}
	h.log().Info("webhook: delivery", "delivery", d.ID, "event", d.EventType, "url", w.URL,
		"attempt", retried+1, "code", a.StatusCode, "status", status, "err", a.Error)
	switch {
	case status == catalog.DeliveryDelivered:
		return nil
	case permanent:
		return fmt.Errorf("webhook: delivery %s: %s: %w", d.ID, a.Error, asynq.SkipRetry)
	}
	return fmt.Errorf("webhook: delivery %s: %s", d.ID, a.Error)
}

// post sends d to url once; the attempt's Error is empty on a 2xx answer.
// permanent is true when no retry can succeed (the address is forbidden).
func (h *Handler) post(ctx context.Context, url string, secret []byte, d catalog.WebhookDelivery) (a catalog.WebhookAttempt, permanent bool) {
	a = catalog.WebhookAttempt{At: time.Now()}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(d.Payload))
	if err != nil {
		a.Error = err.Error()
		return a, true
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "sohoa-webhook/1")
	req.Header.Set(HeaderEvent, d.EventType)
	req.Header.Set(HeaderDelivery, d.ID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(a.At.Unix(), 10))
	req.Header.Set(HeaderSignature, Sign(secret, a.At, d.Payload))
	h.once.Do(func() {
		h.client = h.Client
		if h.client == nil {
			h.client = h.Guard.Client(10 * time.Second)
		}
	})
	resp, err := h.client.Do(req)
	a.Duration = time.Since(a.At)
	if err != nil {
		// The delivery log is read by the subscriber: it says what
		// happened in words that tell nothing of the network behind the
		// server (no refused/open/non-HTTP port to tell apart); the
		// operator's log has the cause.
		h.log().Warn("webhook: delivery attempt", "delivery", d.ID, "url", url, "err", err)
		a.Error = attemptError(err)
		return a, errors.Is(err, ErrForbiddenTarget)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	a.StatusCode = resp.StatusCode
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		a.Error = "HTTP " + resp.Status
	}
	return a, false
}

// attemptError is what the delivery log says of a failed connection.
func attemptError(err error) string {
	if errors.Is(err, ErrForbiddenTarget) {
		return "địa chỉ nhận không được phép (nội bộ) / the receiver's address is not allowed (internal)"
	}
	return "không gửi được tới địa chỉ nhận / the receiver could not be reached or gave no HTTP answer"
}

func (h *Handler) backoff() Backoff {
	if h.Backoff.Base <= 0 {
		return DefaultBackoff
	}
	return h.Backoff
}

func (h *Handler) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}
