package api

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sohoa-vn/sohoa/certify/certifytest"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// TestSecurityHeaders: JSON answers carry nosniff (success, errors, 401,
// the OpenAPI document); the public verification page may not be framed.
func TestSecurityHeaders(t *testing.T) {
	ctx := context.Background()
	f := certifytest.New(t, "")
	tok, _, err := f.DB.CreateAPIKey(ctx, catalog.APIKey{Name: "a", Scopes: []string{"archivist", "clerk"}, OfficeID: certifytest.Office})
	if err != nil {
		t.Fatal(err)
	}
	c := &Copies{Service: f.Service}
	h := Authenticate(f.DB, nil)(NewMux(Routes(&Server{Catalog: f.DB, Copies: c}, &Archive{DB: f.DB})))
	get := func(path, token string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	for _, tc := range []struct{ path, token string }{
		{"/v1/openapi.json", tok}, {"/v1/batches/none", tok}, {"/v1/search?q=x", tok}, {"/v1/batches/none", ""}, {"/v1/batches/none", "bad"},
	} {
		rec := get(tc.path, tc.token)
		if !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: %d, Content-Type %q, X-Content-Type-Options %q", tc.path, rec.Code,
				rec.Header().Get("Content-Type"), rec.Header().Get("X-Content-Type-Options"))
		}
	}
	rec := get("/verify/ABCDEFGHJK", "")
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || rec.Header().Get("X-Frame-Options") != "DENY" {
		t.Errorf("/verify/: %d, CSP %q, X-Frame-Options %q", rec.Code, csp, rec.Header().Get("X-Frame-Options"))
	}
}
