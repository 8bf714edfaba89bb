package api

import (
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

func TestParseRateLimit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want RateLimit
		ok   bool
	}{
		{"30/m", RateLimit{Rate: rate.Limit(0.5), Burst: 30}, true},
		{"5/s", RateLimit{Rate: 5, Burst: 5}, true},
		{"3600/h", RateLimit{Rate: 1, Burst: 3600}, true},
		{"0/s", RateLimit{}, false},
		{"5", RateLimit{}, false},
		{"5/d", RateLimit{}, false},
		{"x/m", RateLimit{}, false},
	} {
		got, err := ParseRateLimit(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseRateLimit(%q) = %+v, %v", tc.in, got, err)
		}
	}
}

func get(t *testing.T, h http.Handler, ip, path string) int {
	t.Helper()
	r := httptest.NewRequest("GET", path, nil)
	r.RemoteAddr = ip + ":40000"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code == http.StatusTooManyRequests && w.Header().Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	return w.Code
}

func TestLimitRequests(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	h := LimitRequests(NewLimiter(RateLimit{Rate: 20, Burst: 3}), ok)
	for i, want := range []int{200, 200, 200, 429, 429} {
		if got := get(t, h, "203.0.113.7", "/verify/ABC"); got != want {
			t.Errorf("request %d: %d, want %d", i+1, got, want)
		}
	}
	if got := get(t, h, "203.0.113.8", "/verify/ABC"); got != 200 {
		t.Errorf("another client: %d, want 200", got)
	}
	time.Sleep(60 * time.Millisecond) // 20/s refills one token in 50 ms
	if got := get(t, h, "203.0.113.7", "/verify/ABC"); got != 200 {
		t.Errorf("after refill: %d, want 200", got)
	}
}

func TestLimitAuthFailures(t *testing.T) {
	h := LimitAuthFailures(NewLimiter(RateLimit{Rate: rate.Every(time.Hour), Burst: 2}),
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("key") != "good" {
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
			w.Write([]byte("ok"))
		}))
	// Successful requests cost nothing.
	for range 10 {
		if got := get(t, h, "198.51.100.1", "/v1/x?key=good"); got != 200 {
			t.Fatalf("authenticated request: %d", got)
		}
	}
	for i, want := range []int{401, 401, 429, 429} {
		if got := get(t, h, "198.51.100.1", "/v1/x?key=bad"); got != want {
			t.Errorf("bad key %d: %d, want %d", i+1, got, want)
		}
	}
	// Once blocked, even a good key waits: guessing cannot continue.
	if got := get(t, h, "198.51.100.1", "/v1/x?key=good"); got != 429 {
		t.Errorf("good key from a blocked client: %d, want 429", got)
	}
	if got := get(t, h, "198.51.100.2", "/v1/x?key=good"); got != 200 {
		t.Errorf("good key from another client: %d, want 200", got)
	}
}

func TestLimiterTableBounded(t *testing.T) {
	l := NewLimiter(RateLimit{Rate: rate.Inf, Burst: 1})
	for i := range maxClients + 10 {
		l.bucket(string(rune(i)))
	}
	if n := len(l.clients); n > maxClients {
		t.Errorf("%d clients kept, want at most %d", n, maxClients)
	}
}

func TestTLSConfig(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.TLS = TLSConfig()
	srv.StartTLS()
	defer srv.Close()
	for _, tc := range []struct {
		name string
		cfg  *tls.Config
		ok   bool
	}{
		{"TLS 1.3", &tls.Config{MinVersion: tls.VersionTLS13}, true},
		{"TLS 1.2 GCM", &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}}, true},
		{"TLS 1.1", &tls.Config{MaxVersion: tls.VersionTLS11}, false},
		{"TLS 1.2 CBC", &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA}}, false},
		{"TLS 1.2 RSA key exchange", &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_GCM_SHA256}}, false},
	} {
		cfg := tc.cfg
		cfg.RootCAs = srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}
		resp, err := c.Get(srv.URL)
		if err == nil {
			resp.Body.Close()
		}
		if (err == nil) != tc.ok {
			t.Errorf("%s: err=%v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

func TestCheckListen(t *testing.T) {
	for _, tc := range []struct {
		addr            string
		tlsOn, insecure bool
		ok              bool
	}{
		{"127.0.0.1:8080", false, false, true},
		{"[::1]:8080", false, false, true},
		{"localhost:8080", false, false, true},
		{":8080", false, false, false},
		{"0.0.0.0:8080", false, false, false},
		{"10.0.0.5:8080", false, false, false},
		{"10.0.0.5:8080", true, false, true},
		{":8080", false, true, true},
		{"nonsense", false, false, false},
	} {
		err := CheckListen(tc.addr, tc.tlsOn, tc.insecure)
		if (err == nil) != tc.ok {
			t.Errorf("CheckListen(%q, tls=%v, insecure=%v) = %v", tc.addr, tc.tlsOn, tc.insecure, err)
		}
		if err != nil && tc.addr != "nonsense" && !errors.Is(err, ErrPlainHTTP) {
			t.Errorf("CheckListen(%q): %v does not wrap ErrPlainHTTP", tc.addr, err)
		}
	}
}
