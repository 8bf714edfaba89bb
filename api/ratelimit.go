package api

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/sohoa-vn/sohoa/internal/iplist"
)

// RateLimit is a token bucket per client: Burst requests at once, then
// Rate per second.
type RateLimit struct {
	Rate  rate.Limit
	Burst int
}

// ParseRateLimit reads a limit such as "30/m" (30 a minute, 30 at once),
// "5/s" or "100/h".
func ParseRateLimit(s string) (RateLimit, error) {
	n, unit, ok := strings.Cut(strings.TrimSpace(s), "/")
	count, err := strconv.Atoi(n)
	per := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour}[unit]
	if !ok || err != nil || count <= 0 || per == 0 {
		return RateLimit{}, fmt.Errorf("rate limit %q: want N/s, N/m or N/h / giới hạn tần suất không hợp lệ", s)
	}
	return RateLimit{Rate: rate.Limit(float64(count) / per.Seconds()), Burst: count}, nil
}

// Limiter keeps a token bucket per client IP address (and, for
// LimitAuthFailures, per presented credential).
type Limiter struct {
	limit RateLimit
	// Proxies are the reverse proxies whose X-Forwarded-For is believed
	// (SOHOA_TRUSTED_PROXIES): behind them the client is the address
	// they report, not theirs.
	Proxies iplist.List
	mu      sync.Mutex
	clients map[string]*rate.Limiter
	good    map[string]time.Time // credentials that authenticated, until when they count as known
}

// NewLimiter returns a Limiter applying l to each client.
func NewLimiter(l RateLimit) *Limiter {
	return &Limiter{limit: l, clients: map[string]*rate.Limiter{}, good: map[string]time.Time{}}
}

// ParseProxies reads a comma-separated list of IP addresses and CIDR
// prefixes of trusted reverse proxies (SOHOA_TRUSTED_PROXIES).
func ParseProxies(s string) (iplist.List, error) {
	l, err := iplist.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("trusted proxies: %w", err)
	}
	return l, nil
}

// maxClients bounds the table; past it, clients whose bucket is full again
// (idle long enough to have no trace) are dropped.
const maxClients = 10000

func (l *Limiter) bucket(ip string) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.clients[ip]
	if !ok {
		if len(l.clients) >= maxClients {
			now := time.Now()
			for k, v := range l.clients {
				if v.TokensAt(now) >= float64(l.limit.Burst) {
					delete(l.clients, k)
				}
			}
		}
		b = rate.NewLimiter(l.limit.Rate, l.limit.Burst)
		l.clients[ip] = b
	}
	return b
}

// ClientIP is the address a request came from: the host of RemoteAddr.
// Behind a reverse proxy that address is the proxy's: Limiter.Client
// reads the proxy's X-Forwarded-For when Limiter.Proxies trusts it.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Client is the address a request came from: RemoteAddr's host, or,
// when that is a trusted proxy, the right-most address of
// X-Forwarded-For that is not a trusted proxy itself (addresses to its
// left were written by the client and prove nothing).
func (l *Limiter) Client(r *http.Request) string {
	ip := ClientIP(r)
	if len(l.Proxies) == 0 {
		return ip
	}
	if !l.trusted(ip) {
		return ip
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		h := strings.TrimSpace(hops[i])
		a, err := netip.ParseAddr(h)
		if err != nil {
			break // garbage from here leftwards: the last good hop is the client
		}
		ip = a.Unmap().String()
		if !l.trusted(ip) {
			break
		}
	}
	return ip
}

func (l *Limiter) trusted(ip string) bool {
	a, err := netip.ParseAddr(ip)
	return err == nil && l.Proxies.Contains(a)
}

// goodFor is how long a credential that authenticated is let through a
// client address that others' failures have blocked.
const goodFor = time.Hour

func (l *Limiter) known(cred string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	until, ok := l.good[cred]
	return ok && time.Now().Before(until)
}

func (l *Limiter) remember(cred string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if len(l.good) >= maxClients {
		for k, v := range l.good {
			if now.After(v) {
				delete(l.good, k)
			}
		}
		if len(l.good) >= maxClients {
			clear(l.good)
		}
	}
	l.good[cred] = now.Add(goodFor)
}

// credential names what a request presents to authenticate (an API key,
// a clerk session), hashed so the table holds no secrets; "" for none.
func credential(r *http.Request) string {
	v := r.Header.Get("Authorization")
	if v == "" {
		if c, err := r.Cookie("sohoa_clerk"); err == nil {
			v = "cookie:" + c.Value
		}
	}
	if v == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(v))
	return "cred:" + hex.EncodeToString(sum[:16])
}

func tooMany(w http.ResponseWriter, b *rate.Limiter) {
	wait := time.Duration(float64(time.Second) / float64(b.Limit()))
	w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
	writeJSON(w, http.StatusTooManyRequests, map[string]apiError{"error": plainErrors[http.StatusTooManyRequests]})
}

// LimitRequests answers 429 Too Many Requests to a client that sends more
// requests than l allows; others reach next. For the public verification
// page (GET /verify/{code}), whose codes must not be enumerable.
func LimitRequests(l *Limiter, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := l.bucket(l.Client(r))
		if !b.Allow() {
			tooMany(w, b)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// LimitAuthFailures counts only the requests next answers 401
// Unauthorized, twice: against the client's address (its real one behind
// trusted proxies, see Limiter.Client) and against the credential
// presented (the Authorization header or the clerk's session cookie).
//
// A credential that failed its bucket's worth is refused (429) from
// anywhere. A client address that failed its bucket's worth is refused
// what could be a guess: an unknown credential, or an anonymous POST (a
// login form). A credential that authenticated within the last hour is
// never refused because of other credentials' failures at its address,
// and anonymous pages (the public verification page, the login page) stay
// open: no one is locked out by someone else's failures.
func LimitAuthFailures(l *Limiter, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cred := credential(r)
		addr := l.bucket(l.Client(r))
		var cb *rate.Limiter
		if cred != "" {
			cb = l.bucket(cred)
			if cb.Tokens() < 1 {
				tooMany(w, cb)
				return
			}
		}
		guess := cred != "" && !l.known(cred) || cred == "" && r.Method != http.MethodGet && r.Method != http.MethodHead
		if guess && addr.Tokens() < 1 {
			tooMany(w, addr)
			return
		}
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		switch {
		case sw.status == http.StatusUnauthorized:
			addr.Allow() // spend a token
			if cb != nil {
				cb.Allow()
			}
		case cred != "" && sw.status != 0:
			l.remember(cred)
		}
	})
}

// statusWriter remembers the status code of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
