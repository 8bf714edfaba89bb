package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/sohoa-vn/sohoa/results"
	"github.com/sohoa-vn/sohoa/storage/catalog"
	"github.com/sohoa-vn/sohoa/webhook"
)

// WebhookDB is what the webhook endpoints need from the catalog.
type WebhookDB interface {
	CreateWebhook(ctx context.Context, w catalog.Webhook) (catalog.Webhook, error)
	Webhook(ctx context.Context, id string) (catalog.Webhook, error)
	WebhookOffice(ctx context.Context, id string) (string, error)
	Webhooks(ctx context.Context, offices []string) ([]catalog.Webhook, error)
	DeleteWebhook(ctx context.Context, id, actor string) error
	WebhookDeliveries(ctx context.Context, webhookID string, limit int) ([]catalog.WebhookDelivery, error)
	WebhookAttempts(ctx context.Context, deliveryID string) ([]catalog.WebhookAttempt, error)
}

// Webhooks serves offices' webhook subscriptions and their delivery log.
// A subscription's secret is drawn here, shown once in the answer to its
// creation and stored sealed by Sealer.
type Webhooks struct {
	DB     WebhookDB
	Sealer *webhook.Sealer
	// Guard refuses subscriptions to internal addresses (nil: public
	// addresses only); the delivery worker checks each connection again.
	Guard *webhook.Guard
	Log   *slog.Logger
}

// WebhookRoutes are the routes of webhook subscriptions, to append to
// Routes (Server.Extra). Archivists and systems manage their office's.
func WebhookRoutes(h *Webhooks) []Route {
	office := func(r *http.Request) (string, error) {
		if h.DB == nil {
			return "", catalog.ErrNotFound // no webhooks here
		}
		return h.DB.WebhookOffice(r.Context(), r.PathValue("id"))
	}
	return []Route{
		{"GET", "/v1/webhooks", producers, nil, h.list},
		{"POST", "/v1/webhooks", producers, nil, h.create},
		{"GET", "/v1/webhooks/{id}", producers, office, h.get},
		{"DELETE", "/v1/webhooks/{id}", producers, office, h.delete},
		{"GET", "/v1/webhooks/{id}/deliveries", producers, office, h.deliveries},
	}
}

// WebhookRequest is the body of POST /v1/webhooks.
type WebhookRequest struct {
	URL      string   `json:"url"`
	Events   []string `json:"events"`
	OfficeID string   `json:"office_id,omitempty"` // default: the key's office
}

// WebhookView is a subscription as the API shows it. Secret is set only
// in the answer to its creation.
type WebhookView struct {
	ID        string     `json:"id"`
	OfficeID  string     `json:"office_id"`
	URL       string     `json:"url"`
	Events    []string   `json:"events"`
	Secret    string     `json:"secret,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	DeletedAt *time.Time `json:"deleted_at,omitempty"`
}

// DeliveryView is one delivery in the log, with its attempts.
type DeliveryView struct {
	ID          string        `json:"id"`
	EventID     string        `json:"event_id"`
	Event       string        `json:"event"`
	Status      string        `json:"status"` // pending, delivered, failed
	Attempts    int           `json:"attempts"`
	LastCode    int           `json:"last_status_code,omitempty"`
	LastError   string        `json:"last_error,omitempty"`
	NextRetryAt *time.Time    `json:"next_retry_at,omitempty"`
	CreatedAt   time.Time     `json:"created_at"`
	UpdatedAt   time.Time     `json:"updated_at"`
	Payload     any           `json:"payload"`
	Tries       []AttemptView `json:"attempt_log"`
}

// AttemptView is one attempt at a delivery.
type AttemptView struct {
	N          int       `json:"n"`
	At         time.Time `json:"at"`
	StatusCode int       `json:"status_code,omitempty"`
	Error      string    `json:"error,omitempty"`
	DurationMS int64     `json:"duration_ms"`
}

func webhookView(w catalog.Webhook) WebhookView {
	v := WebhookView{ID: w.ID, OfficeID: w.OfficeID, URL: w.URL, Events: w.Events, CreatedAt: w.CreatedAt}
	if !w.DeletedAt.IsZero() {
		v.DeletedAt = &w.DeletedAt
	}
	return v
}

func (h *Webhooks) fail(w http.ResponseWriter, r *http.Request, status int, code, vi, en string, err error) {
	if err != nil {
		l := h.Log
		if l == nil {
			l = slog.Default()
		}
		l.Error("api", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	writeJSON(w, status, errorBody{Error: apiError{Code: code, VI: vi, EN: en}})
}

func (h *Webhooks) failLookup(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, catalog.ErrNotFound) {
		h.fail(w, r, http.StatusNotFound, "not_found", "không tìm thấy webhook", "webhook not found", nil)
		return
	}
	h.fail(w, r, http.StatusInternalServerError, "internal", "lỗi hệ thống", "internal error", err)
}

func (h *Webhooks) list(w http.ResponseWriter, r *http.Request) {
	ws, err := h.DB.Webhooks(r.Context(), PrincipalFrom(r.Context()).Visible())
	if err != nil {
		h.failLookup(w, r, err)
		return
	}
	out := []WebhookView{}
	for _, wh := range ws {
		out = append(out, webhookView(wh))
	}
	writeJSON(w, http.StatusOK, map[string]any{"webhooks": out})
}

func (h *Webhooks) create(w http.ResponseWriter, r *http.Request) {
	var req WebhookRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		if tooLarge(w, err) {
			return
		}
		h.fail(w, r, http.StatusBadRequest, "bad_request", "JSON không hợp lệ: "+err.Error(), "invalid JSON: "+err.Error(), nil)
		return
	}
	p := PrincipalFrom(r.Context())
	office := req.OfficeID
	switch {
	case office != "" && !p.CanSee(office):
		h.fail(w, r, http.StatusForbidden, "forbidden", "khóa API không được ghi cho cơ quan "+office, "the API key may not write for office "+office, nil)
		return
	case office == "" && p.OfficeID == "":
		h.fail(w, r, http.StatusBadRequest, "bad_request", "khóa API không thuộc cơ quan nào: hãy ghi office_id", "the API key has no office: give office_id", nil)
		return
	case office == "":
		office = p.OfficeID
	}
	var problems []results.Problem
	if u, err := url.Parse(req.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		problems = append(problems, results.Problem{Field: "url", VI: "cần địa chỉ http(s) tuyệt đối, không kèm mật khẩu", EN: "an absolute http(s) URL without credentials is required"})
	} else if err := h.Guard.CheckURL(r.Context(), req.URL); err != nil {
		problems = append(problems, results.Problem{Field: "url",
			VI: "địa chỉ nhận là địa chỉ nội bộ (loopback, mạng riêng, link-local, multicast, không xác định) hoặc IP viết không chuẩn: không được phép trừ khi quản trị viên cho phép (SOHOA_WEBHOOK_ALLOW)",
			EN: "the receiver's address is internal (loopback, private, link-local, multicast, unspecified) or a non-canonical IP: not allowed unless the operator allows it (SOHOA_WEBHOOK_ALLOW)"})
	}
	if len(req.Events) == 0 {
		problems = append(problems, results.Problem{Field: "events", VI: "cần ít nhất một sự kiện", EN: "at least one event is required"})
	}
	for _, e := range req.Events {
		if !slices.Contains(webhook.Events, e) {
			problems = append(problems, results.Problem{Field: "events", VI: "không có sự kiện " + e, EN: "no event " + e})
		}
	}
	if len(problems) > 0 {
		writeJSON(w, http.StatusBadRequest, errorBody{Error: apiError{Code: "invalid", VI: "dữ liệu không hợp lệ", EN: "invalid data"}, Problems: problems})
		return
	}
	secret := webhook.NewSecret()
	wh, err := h.DB.CreateWebhook(r.Context(), catalog.Webhook{OfficeID: office, URL: req.URL, Events: req.Events,
		Sealed: h.Sealer.Seal([]byte(secret)), CreatedBy: p.Actor()})
	if err != nil {
		h.failLookup(w, r, err)
		return
	}
	v := webhookView(wh)
	v.Secret = secret
	w.Header().Set("Location", "/v1/webhooks/"+wh.ID)
	writeJSON(w, http.StatusCreated, v)
}

func (h *Webhooks) get(w http.ResponseWriter, r *http.Request) {
	wh, err := h.DB.Webhook(r.Context(), r.PathValue("id"))
	if err != nil {
		h.failLookup(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, webhookView(wh))
}

func (h *Webhooks) delete(w http.ResponseWriter, r *http.Request) {
	if err := h.DB.DeleteWebhook(r.Context(), r.PathValue("id"), PrincipalFrom(r.Context()).Actor()); err != nil {
		h.failLookup(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Webhooks) deliveries(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	if _, err := h.DB.Webhook(ctx, id); err != nil {
		h.failLookup(w, r, err)
		return
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	ds, err := h.DB.WebhookDeliveries(ctx, id, limit)
	if err != nil {
		h.failLookup(w, r, err)
		return
	}
	out := []DeliveryView{}
	for _, d := range ds {
		as, err := h.DB.WebhookAttempts(ctx, d.ID)
		if err != nil {
			h.failLookup(w, r, err)
			return
		}
		v := DeliveryView{ID: d.ID, EventID: d.EventID, Event: d.EventType, Status: string(d.Status), Attempts: d.Attempts,
			LastCode: d.LastCode, LastError: d.LastError, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt,
			Payload: json.RawMessage(d.Payload), Tries: []AttemptView{}}
		if !d.NextRetryAt.IsZero() {
			v.NextRetryAt = &d.NextRetryAt
		}
		for _, a := range as {
			v.Tries = append(v.Tries, AttemptView{N: a.N, At: a.At, StatusCode: a.StatusCode, Error: a.Error, DurationMS: a.Duration.Milliseconds()})
		}
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": out})
}
