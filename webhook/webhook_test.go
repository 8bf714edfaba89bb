package webhook_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/sohoa-vn/sohoa/internal/servicetest"
	"github.com/sohoa-vn/sohoa/results"
	"github.com/sohoa-vn/sohoa/storage/catalog"
	"github.com/sohoa-vn/sohoa/webhook"
)

func TestMain(m *testing.M) { servicetest.Main(m) }

func TestVerify(t *testing.T) {
	secret := []byte("whsec_test")
	body := []byte(`{"id":"ev_1"}`)
	now := time.Unix(1_800_000_000, 0)
	ts := strconv.FormatInt(now.Unix(), 10)
	good := webhook.Sign(secret, now, body)
	tests := []struct {
		name      string
		secret    []byte
		ts, sig   string
		body      []byte
		now       time.Time
		wantError bool
	}{
		{"good", secret, ts, good, body, now, false},
		{"clock skew within tolerance", secret, ts, good, body, now.Add(4 * time.Minute), false},
		{"replayed later", secret, ts, good, body, now.Add(6 * time.Minute), true},
		{"from the future", secret, ts, good, body, now.Add(-6 * time.Minute), true},
		{"other timestamp, same signature", secret, strconv.FormatInt(now.Unix()+1, 10), good, body, now, true},
		{"body changed", secret, ts, good, []byte(`{"id":"ev_2"}`), now, true},
		{"wrong secret", []byte("other"), ts, good, body, now, true},
		{"no prefix", secret, ts, good[len("sha256="):], body, now, true},
		{"bad timestamp", secret, "yesterday", good, body, now, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := webhook.Verify(tc.secret, tc.ts, tc.sig, tc.body, 5*time.Minute, tc.now)
			if (err != nil) != tc.wantError {
				t.Fatalf("Verify err = %v, want error %v", err, tc.wantError)
			}
			if err != nil && !errors.Is(err, webhook.ErrBadSignature) {
				t.Errorf("err = %v, want ErrBadSignature", err)
			}
		})
	}
	// The signature is an HMAC-SHA256 of "timestamp.body", as documented.
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts + "." + string(body)))
	if want := "sha256=" + hex.EncodeToString(m.Sum(nil)); good != want {
		t.Errorf("Sign = %s, want %s", good, want)
	}
}

func TestSealer(t *testing.T) {
	key, err := webhook.LoadOrCreateKey(filepath.Join(t.TempDir(), "k", "webhook-key"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := webhook.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	secret := webhook.NewSecret()
	sealed := s.Seal([]byte(secret))
	if bytes.Contains(sealed, []byte(secret[6:])) {
		t.Fatal("sealed secret contains the secret")
	}
	if again := s.Seal([]byte(secret)); bytes.Equal(again, sealed) {
		t.Error("two seals of one secret are equal: nonce not random")
	}
	got, err := s.Open(sealed)
	if err != nil || string(got) != secret {
		t.Fatalf("Open = %q, %v", got, err)
	}
	other, _ := webhook.NewSealer(bytes.Repeat([]byte{7}, 32))
	if _, err := other.Open(sealed); err == nil {
		t.Error("opened with the wrong key")
	}
	if _, err := s.Open([]byte("not base64!")); err == nil {
		t.Error("opened garbage")
	}
	if _, err := webhook.NewSealer([]byte("short")); err == nil {
		t.Error("NewSealer accepted a short key")
	}
	if _, err := webhook.ParseKey(hex.EncodeToString(key)); err != nil {
		t.Error(err)
	}
}

func TestBackoff(t *testing.T) {
	b := webhook.Backoff{Base: time.Second, Max: 10 * time.Second}
	for n, want := range []time.Duration{1, 2, 4, 8, 10, 10} {
		if got := b.Delay(n); got != want*time.Second {
			t.Errorf("Delay(%d) = %s, want %s", n, got, want*time.Second)
		}
	}
	if d := webhook.DefaultBackoff.Delay(100); d != webhook.DefaultBackoff.Max {
		t.Errorf("Delay(100) = %s", d)
	}
	f := webhook.RetryDelay(b, func(int, error, *asynq.Task) time.Duration { return time.Hour })
	if d := f(2, nil, asynq.NewTask(webhook.TypeDeliver, nil)); d != 4*time.Second {
		t.Errorf("delivery retry delay = %s", d)
	}
	if d := f(2, nil, asynq.NewTask("ocr:page", nil)); d != time.Hour {
		t.Errorf("other task's retry delay = %s, want the next func's", d)
	}
}

// receiver is a webhook receiver that checks every request's signature
// by itself (HMAC-SHA256 of "timestamp.body") and answers codes in turn.
type receiver struct {
	t      *testing.T
	secret string
	codes  []int // answers in turn; the last repeats

	mu     sync.Mutex
	got    []received
	badSig int
}

type received struct {
	Event, Delivery string
	Body            []byte
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	m := hmac.New(sha256.New, []byte(rc.secret))
	m.Write([]byte(r.Header.Get("X-Sohoa-Timestamp") + "."))
	m.Write(body)
	want := "sha256=" + hex.EncodeToString(m.Sum(nil))
	sec, err := strconv.ParseInt(r.Header.Get("X-Sohoa-Timestamp"), 10, 64)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if !hmac.Equal([]byte(r.Header.Get("X-Sohoa-Signature")), []byte(want)) || err != nil || time.Since(time.Unix(sec, 0)).Abs() > time.Minute {
		rc.badSig++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	rc.got = append(rc.got, received{r.Header.Get("X-Sohoa-Event"), r.Header.Get("X-Sohoa-Delivery"), body})
	code := rc.codes[min(len(rc.got), len(rc.codes))-1]
	w.WriteHeader(code)
}

func (rc *receiver) calls() (int, int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.got), rc.badSig
}

type fixture struct {
	db       *catalog.DB
	sealer   *webhook.Sealer
	disp     *webhook.Dispatcher
	insp     *asynq.Inspector
	maxRetry int
}

// newFixture runs a real asynq server on a private Redis, with the
// delivery handler and a short backoff.
func newFixture(t *testing.T, maxRetry int) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := catalog.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	sealer, err := webhook.NewSealer(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		t.Fatal(err)
	}
	redis := asynq.RedisClientOpt{Addr: servicetest.Redis(t)}
	client := asynq.NewClient(redis)
	t.Cleanup(func() { client.Close() })
	insp := asynq.NewInspector(redis)
	t.Cleanup(func() { insp.Close() })

	// asynq schedules retries to the second: 1 s is the shortest backoff it keeps.
	backoff := webhook.Backoff{Base: time.Second, Max: 4 * time.Second}
	srv := asynq.NewServer(redis, asynq.Config{
		Concurrency:              4,
		Queues:                   map[string]int{webhook.Queue: 1},
		RetryDelayFunc:           webhook.RetryDelay(backoff, nil),
		DelayedTaskCheckInterval: 100 * time.Millisecond,
		TaskCheckInterval:        100 * time.Millisecond,
		LogLevel:                 asynq.ErrorLevel,
	})
	mux := asynq.NewServeMux()
	// The receivers are httptest servers on loopback: the operator's allowlist names it.
	allow, err := webhook.ParseAllow("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle(webhook.TypeDeliver, &webhook.Handler{DB: db, Sealer: sealer, Backoff: backoff, Guard: &webhook.Guard{Allow: allow}})
	if err := srv.Start(mux); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	return &fixture{db: db, sealer: sealer, insp: insp, maxRetry: maxRetry,
		disp: &webhook.Dispatcher{DB: db, Client: client, MaxRetry: maxRetry}}
}

func (f *fixture) subscribe(t *testing.T, office, url string, events ...string) (catalog.Webhook, string) {
	t.Helper()
	secret := webhook.NewSecret()
	w, err := f.db.CreateWebhook(context.Background(), catalog.Webhook{OfficeID: office, URL: url, Events: events,
		Sealed: f.sealer.Seal([]byte(secret))})
	if err != nil {
		t.Fatal(err)
	}
	return w, secret
}

// settle waits until every delivery of w is no longer pending.
func (f *fixture) settle(t *testing.T, w catalog.Webhook, want int) []catalog.WebhookDelivery {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ds, err := f.db.WebhookDeliveries(context.Background(), w.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		done := len(ds) == want
		for _, d := range ds {
			done = done && d.Status != catalog.DeliveryPending
		}
		if done {
			return ds
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries of %s not settled after 30 s: %+v", w.ID, ds)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestDeliverSigned(t *testing.T) {
	f := newFixture(t, 3)
	ctx := context.Background()
	rc := &receiver{t: t, codes: []int{204}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	w, secret := f.subscribe(t, "so-tu-phap", srv.URL+"/hook", webhook.EventCopyIssued, webhook.EventResultStatusChanged)
	rc.secret = secret
	// Another office's subscription and a subscription to other events hear nothing.
	otherRC := &receiver{t: t, secret: "x", codes: []int{200}}
	other := httptest.NewServer(otherRC)
	defer other.Close()
	f.subscribe(t, "so-noi-vu", other.URL, webhook.EventCopyIssued)
	f.subscribe(t, "so-tu-phap", other.URL, webhook.EventResultStatusChanged+".never")

	cp := catalog.Copy{ID: "bs_1", OfficeID: "so-tu-phap", DocumentID: "doc1", Code: "ABC123", SHA256: "ff", Size: 10, PageCount: 1, IssuedAt: time.Now()}
	if err := f.disp.Emit(ctx, webhook.CopyIssued(cp)); err != nil {
		t.Fatal(err)
	}
	if err := f.disp.Emit(ctx, webhook.CopyIssued(cp)); err != nil { // the same event again: delivered once
		t.Fatal(err)
	}
	r := results.Result{ID: "kq_1", Code: "KQ-1", OfficeID: "so-tu-phap", Status: results.Revoked, StatusReason: "cấp sai", UpdatedAt: time.Now()}
	if err := f.disp.Emit(ctx, webhook.ResultStatusChanged(r, results.Revoked)); err != nil {
		t.Fatal(err)
	}
	ds := f.settle(t, w, 2)
	for _, d := range ds {
		if d.Status != catalog.DeliveryDelivered || d.Attempts != 1 || d.LastCode != 204 {
			t.Errorf("delivery %+v, want delivered at the first attempt", d)
		}
	}
	n, bad := rc.calls()
	if n != 2 || bad != 0 {
		t.Fatalf("receiver got %d signed requests and %d badly signed, want 2 and 0", n, bad)
	}
	events := map[string]map[string]any{}
	for _, g := range rc.got {
		var b struct {
			Type string         `json:"type"`
			Data map[string]any `json:"data"`
		}
		if err := json.Unmarshal(g.Body, &b); err != nil {
			t.Fatal(err)
		}
		if b.Type != g.Event {
			t.Errorf("body type %q, header %q", b.Type, g.Event)
		}
		events[g.Event] = b.Data
	}
	if events[webhook.EventCopyIssued]["code"] != "ABC123" || events[webhook.EventResultStatusChanged]["status"] != "revoked" {
		t.Errorf("events received: %v", events)
	}
	if n, _ := otherRC.calls(); n != 0 {
		t.Errorf("unsubscribed receiver got %d requests", n)
	}
}

func TestRetryThenDeliver(t *testing.T) {
	f := newFixture(t, 5)
	rc := &receiver{t: t, codes: []int{500, 503, 200}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	w, secret := f.subscribe(t, "so-tu-phap", srv.URL, webhook.EventCopyIssued)
	rc.secret = secret
	if err := f.disp.Emit(context.Background(), webhook.Event{Type: webhook.EventCopyIssued, OfficeID: "so-tu-phap", Data: map[string]int{"n": 1}}); err != nil {
		t.Fatal(err)
	}
	d := f.settle(t, w, 1)[0]
	if d.Status != catalog.DeliveryDelivered || d.Attempts != 3 || d.LastCode != 200 || !d.NextRetryAt.IsZero() {
		t.Fatalf("delivery = %+v, want delivered after 3 attempts", d)
	}
	as, err := f.db.WebhookAttempts(context.Background(), d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 3 || as[0].StatusCode != 500 || as[1].StatusCode != 503 || as[2].StatusCode != 200 || as[2].Error != "" || as[0].Error == "" {
		t.Fatalf("attempts = %+v", as)
	}
	// Backoff of 1 s then 2 s, scheduled by asynq to the whole second.
	if gap1, gap2 := as[1].At.Sub(as[0].At), as[2].At.Sub(as[1].At); gap2 < time.Second || gap1+gap2 < 2*time.Second {
		t.Errorf("gaps between attempts %s, %s: want the second ≥ 1 s and both ≥ 2 s", gap1, gap2)
	}
	if n, bad := rc.calls(); n != 3 || bad != 0 {
		t.Errorf("receiver: %d signed, %d bad", n, bad)
	}
	// The same delivery ID on every attempt.
	for _, g := range rc.got {
		if g.Delivery != d.ID {
			t.Errorf("delivery header %q, want %q", g.Delivery, d.ID)
		}
	}
}

func TestAlwaysFailingIsArchived(t *testing.T) {
	f := newFixture(t, 2)
	rc := &receiver{t: t, codes: []int{500}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	w, secret := f.subscribe(t, "so-tu-phap", srv.URL, webhook.EventCopyIssued)
	rc.secret = secret
	if err := f.disp.Emit(context.Background(), webhook.Event{ID: "ev-fail", Type: webhook.EventCopyIssued, OfficeID: "so-tu-phap"}); err != nil {
		t.Fatal(err)
	}
	d := f.settle(t, w, 1)[0]
	if d.Status != catalog.DeliveryFailed || d.Attempts != 3 || d.LastCode != 500 || d.LastError == "" || !d.NextRetryAt.IsZero() {
		t.Fatalf("delivery = %+v, want failed after 1 + 2 retries", d)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		archived, err := f.insp.ListArchivedTasks(webhook.Queue)
		if err != nil && !errors.Is(err, asynq.ErrQueueNotFound) {
			t.Fatal(err)
		}
		if len(archived) == 1 && archived[0].ID == webhook.TypeDeliver+":"+d.ID && archived[0].Retried == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("archived tasks = %+v, want the delivery's after 2 retries", archived)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n, _ := rc.calls(); n != 3 {
		t.Errorf("receiver got %d requests, want 3", n)
	}
	// Re-enqueuing a settled delivery sends nothing more.
	if err := f.disp.Enqueue(context.Background(), d.ID); err != nil {
		t.Logf("enqueue of an archived task ID: %v", err)
	}
	time.Sleep(300 * time.Millisecond)
	if n, _ := rc.calls(); n != 3 {
		t.Errorf("receiver got %d requests after a settled delivery was re-enqueued, want 3", n)
	}
}

func TestDeletedSubscriptionFails(t *testing.T) {
	f := newFixture(t, 5)
	rc := &receiver{t: t, codes: []int{200}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	w, secret := f.subscribe(t, "so-tu-phap", srv.URL, webhook.EventCopyIssued)
	rc.secret = secret
	ds, err := f.db.RecordWebhookEvent(context.Background(), "so-tu-phap", webhook.EventCopyIssued, "ev-x", []byte(`{}`))
	if err != nil || len(ds) != 1 {
		t.Fatal(ds, err)
	}
	if err := f.db.DeleteWebhook(context.Background(), w.ID, "test"); err != nil {
		t.Fatal(err)
	}
	if n, err := f.disp.Requeue(context.Background(), f.db, -time.Second); err != nil || n != 1 {
		t.Fatalf("Requeue = %d, %v", n, err)
	}
	d := f.settle(t, w, 1)[0]
	if d.Status != catalog.DeliveryFailed || d.Attempts != 1 {
		t.Errorf("delivery to a deleted subscription = %+v, want failed at once", d)
	}
	if n, _ := rc.calls(); n != 0 {
		t.Errorf("deleted subscription's receiver got %d requests", n)
	}
}

// TestCatchUpFromAuditLog: a copy issued and a result revoked whose
// process died before emitting their events (nothing but the catalog's
// transactions happened) are delivered from the audit log, once, also
// when the fast path emitted them too.
func TestCatchUpFromAuditLog(t *testing.T) {
	f := newFixture(t, 3)
	ctx := context.Background()
	rc := &receiver{t: t, codes: []int{204}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	const office = "so-tu-phap"
	w, secret := f.subscribe(t, office, srv.URL, webhook.EventCopyIssued, webhook.EventResultStatusChanged)
	rc.secret = secret

	if _, err := f.db.EnsureBatch(ctx, "b", "b"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.CreateDocument(ctx, catalog.Document{ID: "d", BatchID: "b", PageCount: 1},
		[]catalog.Page{{ID: "d-p1", Seq: 1, BlobKey: "pages/p.png", Format: "png"}}); err != nil {
		t.Fatal(err)
	}
	issue := func(id string) catalog.Copy {
		t.Helper()
		e, err := f.db.AllocateCertNumber(ctx, catalog.BookEntry{OfficeID: office, Book: "02-SCTĐT/BS", DocumentID: "d"}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		c, err := f.db.IssueCopy(ctx, catalog.Copy{ID: id, EntryID: e.ID, Code: strings.ToUpper(id), BlobKey: "copies/" + id + ".pdf",
			SHA256: "ff", Size: 10, PageCount: 1}, "clerk", nil)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	// An entry whose copy is not there (no event to make) must not stop
	// the events after it.
	if _, err := f.db.Audit(ctx, catalog.AuditEntry{Actor: "x", OfficeID: office, Action: catalog.AuditCopyIssued, Subject: "bs_ghost"}); err != nil {
		t.Fatal(err)
	}
	issue("bs_lost")
	r, err := f.db.CreateResult(ctx, results.Result{Code: "KQ-9", OfficeID: office, OwnerID: "001090012345", ProcedureCode: "1.001234",
		Name: "Giấy phép", NumberSymbol: "12/GP", Issuer: "UBND phường 1", IssueDate: "2024-03-05"}, results.Event{Actor: "a", Reason: "r"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.RevokeResult(ctx, r.ID, "archivist", "cấp sai / issued in error"); err != nil {
		t.Fatal(err)
	}
	// The fast path did emit this one; catching up must not send it again.
	emitted := issue("bs_emitted")
	if err := f.disp.Emit(ctx, webhook.CopyIssued(emitted)); err != nil {
		t.Fatal(err)
	}

	n, err := f.disp.CatchUp(ctx, f.db)
	if err != nil || n != 3 {
		t.Fatalf("CatchUp = %d, %v; want 3 events", n, err)
	}
	if n, err := f.disp.CatchUp(ctx, f.db); err != nil || n != 0 {
		t.Errorf("second CatchUp = %d, %v; want nothing new", n, err)
	}
	ds := f.settle(t, w, 3)
	for _, d := range ds {
		if d.Status != catalog.DeliveryDelivered {
			t.Errorf("delivery %+v not delivered", d)
		}
	}
	got := map[string]int{}
	rc.mu.Lock()
	for _, g := range rc.got {
		var b struct {
			Data map[string]any `json:"data"`
		}
		json.Unmarshal(g.Body, &b)
		got[fmt.Sprint(g.Event, " ", b.Data["copy_id"], b.Data["status"])]++
	}
	rc.mu.Unlock()
	want := map[string]int{"copy.issued bs_lost<nil>": 1, "copy.issued bs_emitted<nil>": 1, "result.status_changed <nil>revoked": 1}
	if !maps.Equal(got, want) {
		t.Errorf("received %v, want %v", got, want)
	}
}
