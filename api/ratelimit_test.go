package api

import (
	"crypto/tls"
	"errors"
	"fmt"
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

// authServer answers as the API and the clerk login do: a good bearer
// token is served, any other 401; anonymous GETs are public; an
// anonymous POST is a login whose key is in the query here.
var authServer = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Authorization")
	switch {
	case auth == "Bearer good" || auth == "Bearer good2":
		w.Write([]byte("ok"))
	case auth != "":
		http.Error(w, "unauthorized", http.StatusUnauthorized)
	case r.Method == "POST" && r.URL.Query().Get("key") != "good":
		http.Error(w, "unauthorized", http.StatusUnauthorized)
	}
})

func call(t *testing.T, h http.Handler, method, remote, xff, token, path string) int {
	t.Helper()
	r := httptest.NewRequest(method, path, nil)
	r.RemoteAddr = remote + ":40000"
	if xff != "" {
		r.Header.Set("X-Forwarded-For", xff)
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code == http.StatusTooManyRequests && w.Header().Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	return w.Code
}

// TestLimitAuthFailures: ten bad tokens from one address block further
// guesses from it, and only them: a key that authenticated keeps working
// from that address, and the public and login pages stay open.
func TestLimitAuthFailures(t *testing.T) {
	h := LimitAuthFailures(NewLimiter(RateLimit{Rate: rate.Every(time.Hour), Burst: 10}), authServer)
	const attacker = "198.51.100.1"
	// A clerk behind the same address has used their key before.
	if got := call(t, h, "GET", attacker, "", "good", "/v1/x"); got != 200 {
		t.Fatalf("good key: %d", got)
	}
	for i := range 10 {
		if got := call(t, h, "GET", attacker, "", fmt.Sprint("guess-", i), "/v1/x"); got != 401 {
			t.Fatalf("bad key %d: %d, want 401", i+1, got)
		}
	}
	// Guessing cannot continue: a new token, or a login POST, waits.
	if got := call(t, h, "GET", attacker, "", "guess-10", "/v1/x"); got != 429 {
		t.Errorf("11th guess: %d, want 429", got)
	}
	if got := call(t, h, "POST", attacker, "", "", "/clerk/login?key=guess"); got != 429 {
		t.Errorf("login guess from the blocked address: %d, want 429", got)
	}
	// Others are not locked out by those failures.
	for i := range 20 {
		if got := call(t, h, "GET", attacker, "", "good", "/v1/x"); got != 200 {
			t.Fatalf("known good key from the blocked address, request %d: %d, want 200", i+1, got)
		}
	}
	if got := call(t, h, "GET", attacker, "", "", "/verify/ABCDEFGHJK"); got != 200 {
		t.Errorf("public page from the blocked address: %d, want 200", got)
	}
	if got := call(t, h, "GET", attacker, "", "", "/clerk/login"); got != 200 {
		t.Errorf("login page from the blocked address: %d, want 200", got)
	}
	if got := call(t, h, "GET", "198.51.100.2", "", "good2", "/v1/x"); got != 200 {
		t.Errorf("good key from another client: %d, want 200", got)
	}
}

// TestLimitAuthFailuresPerCredential: one bad credential tried from many
// addresses is refused everywhere once it has failed its bucket's worth.
func TestLimitAuthFailuresPerCredential(t *testing.T) {
	h := LimitAuthFailures(NewLimiter(RateLimit{Rate: rate.Every(time.Hour), Burst: 3}), authServer)
	for i, want := range []int{401, 401, 401, 429, 429} {
		if got := call(t, h, "GET", fmt.Sprint("203.0.113.", i+1), "", "revoked-key", "/v1/x"); got != want {
			t.Errorf("revoked key from address %d: %d, want %d", i+1, got, want)
		}
	}
	if got := call(t, h, "GET", "203.0.113.1", "", "good", "/v1/x"); got != 200 {
		t.Errorf("good key from an address where another key failed: %d, want 200", got)
	}
}

// TestLimitBehindProxies: behind a trusted reverse proxy every request
// comes from the proxy's address; failures are counted per client as
// the proxy reports it, and only a trusted proxy's report is believed.
func TestLimitBehindProxies(t *testing.T) {
	proxies, err := ParseProxies("10.0.0.0/24, 10.1.0.7")
	if err != nil {
		t.Fatal(err)
	}
	l := NewLimiter(RateLimit{Rate: rate.Every(time.Hour), Burst: 2})
	l.Proxies = proxies
	h := LimitAuthFailures(l, authServer)
	const proxy = "10.0.0.3"
	for i := range 2 {
		// The attacker's own X-Forwarded-For prefix is ignored: the proxy appended the real address.
		call(t, h, "GET", proxy, "192.0.2.99, 198.51.100.66", fmt.Sprint("guess-", i), "/v1/x")
	}
	if got := call(t, h, "GET", proxy, "198.51.100.66", "guess-x", "/v1/x"); got != 429 {
		t.Errorf("attacker behind the proxy: %d, want 429", got)
	}
	// Through two trusted proxies, and a first-time key of another citizen.
	if got := call(t, h, "GET", "10.1.0.7", "198.51.100.77, 10.0.0.3", "good", "/v1/x"); got != 200 {
		t.Errorf("another client behind the proxies: %d, want 200", got)
	}
	if got := call(t, h, "POST", proxy, "198.51.100.78", "", "/clerk/login?key=good"); got != 200 {
		t.Errorf("another client's login behind the proxy: %d, want 200", got)
	}
	// An untrusted sender's X-Forwarded-For is not believed.
	for i := range 2 {
		call(t, h, "GET", "203.0.113.50", fmt.Sprint("198.51.100.", 100+i), fmt.Sprint("g-", i), "/v1/x")
	}
	if got := call(t, h, "GET", "203.0.113.50", "198.51.100.200", "g-new", "/v1/x"); got != 429 {
		t.Errorf("spoofed X-Forwarded-For from an untrusted sender escaped the limit: %d", got)
	}
	if _, err := ParseProxies("10.0.0.1,proxy.local"); err == nil {
		t.Error("ParseProxies accepted a host name")
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
