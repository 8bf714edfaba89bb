package api

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
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

// Limiter keeps a token bucket per client IP address.
type Limiter struct {
	limit   RateLimit
	mu      sync.Mutex
	clients map[string]*rate.Limiter
}

// NewLimiter returns a Limiter applying l to each client.
func NewLimiter(l RateLimit) *Limiter {
	return &Limiter{limit: l, clients: map[string]*rate.Limiter{}}
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
// Behind a reverse proxy that address is the proxy's; set RemoteAddr from
// the proxy's header (for example with a trusted-proxy middleware) first.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func tooMany(w http.ResponseWriter, b *rate.Limiter) {
	wait := time.Duration(float64(time.Second) / float64(b.Limit()))
	w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
	http.Error(w, "Quá nhiều yêu cầu, vui lòng thử lại sau / Too many requests, try again later", http.StatusTooManyRequests)
}

// LimitRequests answers 429 Too Many Requests to a client that sends more
// requests than l allows; others reach next. For the public verification
// page (GET /verify/{code}), whose codes must not be enumerable.
func LimitRequests(l *Limiter, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := l.bucket(ClientIP(r))
		if !b.Allow() {
			tooMany(w, b)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// LimitAuthFailures counts only the requests next answers 401
// Unauthorized: once a client has spent its bucket on failed
// authentications, all its requests get 429 until the bucket refills, so
// keys cannot be guessed; clients that authenticate are never slowed.
func LimitAuthFailures(l *Limiter, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := l.bucket(ClientIP(r))
		if b.Tokens() < 1 {
			tooMany(w, b)
			return
		}
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == http.StatusUnauthorized {
			b.Allow() // spend a token
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
