package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/storage/catalog"
	"github.com/sohoa-vn/sohoa/webhook"
)

func TestWebhooksAPI(t *testing.T) {
	ctx := context.Background()
	db, err := catalog.Open(ctx, "sqlite::memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sealer, err := webhook.NewSealer(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	key := func(scope, office string) string {
		tok, _, err := db.CreateAPIKey(ctx, catalog.APIKey{Name: scope, Scopes: []string{scope}, OfficeID: office})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	archivist, system, clerk, otherArchivist := key("archivist", "so-tu-phap"), key("system", "so-tu-phap"), key("clerk", "so-tu-phap"), key("archivist", "so-noi-vu")
	srv := httptest.NewServer(Authenticate(db, nil)(NewMux(WebhookRoutes(&Webhooks{DB: db, Sealer: sealer}))))
	defer srv.Close()

	do := func(method, path, token, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var out map[string]any
		if len(b) > 0 {
			if err := json.Unmarshal(b, &out); err != nil {
				t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
			}
		}
		return resp.StatusCode, out
	}

	for _, tc := range []struct {
		name, token, body string
		status            int
		field             string
	}{
		{"no key", "", `{"url":"https://r.example/h","events":["copy.issued"]}`, 401, ""},
		{"clerk may not", clerk, `{"url":"https://r.example/h","events":["copy.issued"]}`, 403, ""},
		{"other office", archivist, `{"url":"https://r.example/h","events":["copy.issued"],"office_id":"so-noi-vu"}`, 403, ""},
		{"bad url", archivist, `{"url":"ftp://r.example/h","events":["copy.issued"]}`, 400, "url"},
		{"credentials in url", archivist, `{"url":"https://u:p@r.example/h","events":["copy.issued"]}`, 400, "url"},
		{"loopback", archivist, `{"url":"http://127.0.0.1:8080/v1/batches","events":["copy.issued"]}`, 400, "url"},
		{"unspecified", archivist, `{"url":"http://0.0.0.0:8080/h","events":["copy.issued"]}`, 400, "url"},
		{"decimal IP", archivist, `{"url":"http://2130706433:8080/h","events":["copy.issued"]}`, 400, "url"},
		{"metadata service", archivist, `{"url":"http://169.254.169.254/latest/meta-data/","events":["copy.issued"]}`, 400, "url"},
		{"private", archivist, `{"url":"https://10.0.0.7/h","events":["copy.issued"]}`, 400, "url"},
		{"localhost", archivist, `{"url":"http://localhost:6379/","events":["copy.issued"]}`, 400, "url"},
		{"no events", archivist, `{"url":"https://r.example/h","events":[]}`, 400, "events"},
		{"unknown event", archivist, `{"url":"https://r.example/h","events":["copy.deleted"]}`, 400, "events"},
		{"unknown field", archivist, `{"url":"https://r.example/h","events":["copy.issued"],"secret":"mine"}`, 400, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := do("POST", "/v1/webhooks", tc.token, tc.body)
			if status != tc.status {
				t.Fatalf("status = %d, want %d (%v)", status, tc.status, body)
			}
			if tc.field != "" && !strings.Contains(mustJSONString(body["problems"]), `"field":"`+tc.field+`"`) {
				t.Errorf("problems = %v, want one on %s", body["problems"], tc.field)
			}
		})
	}

	// Create: the secret is shown once and stored sealed.
	status, created := do("POST", "/v1/webhooks", system, `{"url":"https://cong-dvc.example/hook","events":["copy.issued","result.status_changed"]}`)
	if status != 201 || created["office_id"] != "so-tu-phap" {
		t.Fatalf("create = %d %v", status, created)
	}
	id, _ := created["id"].(string)
	secret, _ := created["secret"].(string)
	if !strings.HasPrefix(secret, "whsec_") || len(secret) < 40 {
		t.Fatalf("secret = %q", secret)
	}
	stored, err := db.Webhook(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(stored.Sealed, []byte(secret)) {
		t.Error("the catalog holds the secret in clear")
	}
	if opened, err := sealer.Open(stored.Sealed); err != nil || string(opened) != secret {
		t.Errorf("sealed secret opens to %q, %v", opened, err)
	}

	status, got := do("GET", "/v1/webhooks/"+id, archivist, "")
	if status != 200 || got["url"] != "https://cong-dvc.example/hook" || got["secret"] != nil {
		t.Errorf("get = %d %v (the secret must not be shown again)", status, got)
	}
	if status, _ := do("GET", "/v1/webhooks/"+id, otherArchivist, ""); status != 404 {
		t.Errorf("other office's get = %d, want 404", status)
	}
	if status, _ := do("GET", "/v1/webhooks/"+id+"/deliveries", otherArchivist, ""); status != 404 {
		t.Errorf("other office's log = %d, want 404", status)
	}
	if status, _ := do("DELETE", "/v1/webhooks/"+id, otherArchivist, ""); status != 404 {
		t.Errorf("other office's delete = %d, want 404", status)
	}
	if status, _ := do("GET", "/v1/webhooks/wh_none", archivist, ""); status != 404 {
		t.Errorf("unknown get = %d, want 404", status)
	}
	if _, list := do("GET", "/v1/webhooks", otherArchivist, ""); len(list["webhooks"].([]any)) != 0 {
		t.Errorf("other office lists %v", list)
	}
	if _, list := do("GET", "/v1/webhooks", archivist, ""); len(list["webhooks"].([]any)) != 1 {
		t.Errorf("own office lists %v", list)
	}

	// The delivery log shows attempts, codes, errors and the next retry.
	ds, err := db.RecordWebhookEvent(ctx, "so-tu-phap", webhook.EventCopyIssued, "ev-1", []byte(`{"type":"copy.issued"}`))
	if err != nil || len(ds) != 1 {
		t.Fatal(ds, err)
	}
	next := time.Now().Add(time.Minute).UTC()
	if _, err := db.RecordWebhookAttempt(ctx, ds[0].ID, catalog.WebhookAttempt{StatusCode: 502, Error: "HTTP 502 Bad Gateway"}, catalog.DeliveryPending, next); err != nil {
		t.Fatal(err)
	}
	status, log := do("GET", "/v1/webhooks/"+id+"/deliveries", archivist, "")
	if status != 200 {
		t.Fatalf("log = %d %v", status, log)
	}
	dl := log["deliveries"].([]any)
	if len(dl) != 1 {
		t.Fatalf("log = %v", log)
	}
	d := dl[0].(map[string]any)
	tries := d["attempt_log"].([]any)
	if d["status"] != "pending" || d["attempts"] != 1.0 || d["last_status_code"] != 502.0 || d["next_retry_at"] == nil ||
		len(tries) != 1 || tries[0].(map[string]any)["error"] != "HTTP 502 Bad Gateway" || d["payload"].(map[string]any)["type"] != "copy.issued" {
		t.Errorf("delivery in log = %v", d)
	}

	// Delete: gone from the list, log kept.
	if status, _ := do("DELETE", "/v1/webhooks/"+id, archivist, ""); status != 204 {
		t.Errorf("delete = %d", status)
	}
	if _, list := do("GET", "/v1/webhooks", archivist, ""); len(list["webhooks"].([]any)) != 0 {
		t.Errorf("deleted webhook still listed: %v", list)
	}
	if status, got := do("GET", "/v1/webhooks/"+id, archivist, ""); status != 200 || got["deleted_at"] == nil {
		t.Errorf("deleted webhook = %d %v, want shown with deleted_at", status, got)
	}
	if status, log := do("GET", "/v1/webhooks/"+id+"/deliveries", archivist, ""); status != 200 || len(log["deliveries"].([]any)) != 1 {
		t.Errorf("deleted webhook's log = %d %v", status, log)
	}
}

func mustJSONString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
