package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/sohoa-vn/sohoa/config"
)

// TestBadTokensLockOutNoOne: against the embedded server, ten bad tokens
// from one address no longer lock a working key, the clerk's login page
// or the public verification page out of it; an eleventh guess waits.
func TestBadTokensLockOutNoOne(t *testing.T) {
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Role, cfg.RedisURL, cfg.DatabaseURL = "api", "", ""
	cfg.S3.Endpoint = ""
	cfg.Addr, cfg.MetricsAddr, cfg.DataDir = "127.0.0.1:0", "", filepath.Join(t.TempDir(), "data")
	cfg.RateAuthFail = "10/m"
	s, err := startSystem(context.Background(), cfg, slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	get := func(path, token string) int {
		t.Helper()
		req, _ := http.NewRequest("GET", s.URL()+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := get("/v1/openapi.json", s.adminToken); got != 200 {
		t.Fatalf("admin key: %d", got)
	}
	for i := range 10 {
		if got := get("/v1/openapi.json", fmt.Sprintf("sohoa_guess_%d", i)); got != 401 {
			t.Fatalf("bad token %d: %d, want 401", i+1, got)
		}
	}
	if got := get("/v1/openapi.json", "sohoa_guess_10"); got != 429 {
		t.Errorf("11th bad token: %d, want 429", got)
	}
	for path, token := range map[string]string{"/v1/openapi.json": s.adminToken, "/clerk/login": "", "/verify/ABCDEFGHJK": ""} {
		if got := get(path, token); got == 429 {
			t.Errorf("GET %s from the address after others' failures: 429", path)
		}
	}
}
