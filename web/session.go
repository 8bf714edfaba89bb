package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Clerks' sessions are kept server-side: the cookie holds a random
// session ID, never the API key, and logging out deletes the session so
// a copied cookie stops working. They live in this process's memory:
// a session is a short-lived credential, and keeping it out of the
// catalog means a copy of the database holds no live session; a restart
// (or another replica behind the same address) asks clerks to sign in
// again, which the login page makes a matter of seconds.
type sessionStore struct {
	mu sync.Mutex
	m  map[string]*stored
}

type stored struct {
	token         string // the clerk's API key, checked again on every request (revocation)
	created, seen time.Time
}

const (
	// DefaultSessionMaxAge is how long a session lasts at most: a working day.
	DefaultSessionMaxAge = 12 * time.Hour
	// DefaultSessionIdle ends a session unused this long.
	DefaultSessionIdle = 2 * time.Hour
	maxSessions        = 100000
)

func newSessionID() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Server) maxAge() time.Duration {
	if s.SessionMaxAge > 0 {
		return s.SessionMaxAge
	}
	return DefaultSessionMaxAge
}

func (s *Server) idle() time.Duration {
	if s.SessionIdle > 0 {
		return s.SessionIdle
	}
	return DefaultSessionIdle
}

// newSession stores a session for token and returns its ID.
func (s *Server) newSession(token string) string {
	st := s.sessions
	st.mu.Lock()
	defer st.mu.Unlock()
	now := time.Now()
	if len(st.m) >= maxSessions {
		for id, v := range st.m {
			if s.expired(v, now) {
				delete(st.m, id)
			}
		}
	}
	id := newSessionID()
	st.m[id] = &stored{token: token, created: now, seen: now}
	return id
}

func (s *Server) expired(v *stored, now time.Time) bool {
	return now.Sub(v.created) > s.maxAge() || now.Sub(v.seen) > s.idle()
}

// session returns the API key of session id, or false when there is no
// such session or it has expired (then it is deleted).
func (s *Server) session(id string) (string, bool) {
	st := s.sessions
	st.mu.Lock()
	defer st.mu.Unlock()
	v, ok := st.m[id]
	if !ok {
		return "", false
	}
	now := time.Now()
	if s.expired(v, now) {
		delete(st.m, id)
		return "", false
	}
	v.seen = now
	return v.token, true
}

func (s *Server) endSession(id string) {
	s.sessions.mu.Lock()
	delete(s.sessions.m, id)
	s.sessions.mu.Unlock()
}

func (s *Server) mac(parts ...string) string {
	m := hmac.New(sha256.New, s.secret)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return hex.EncodeToString(m.Sum(nil))
}

// loginToken is the CSRF token of the login form: an HMAC of a random
// value kept in a SameSite=Strict cookie, so a form posted from another
// site (which the cookie does not follow) cannot sign a clerk in with
// someone else's key.
func (s *Server) loginToken(w http.ResponseWriter, r *http.Request) string {
	v := ""
	if c, err := r.Cookie(cookieLogin); err == nil && len(c.Value) == 64 {
		v = c.Value
	} else {
		v = newSessionID()
		http.SetCookie(w, &http.Cookie{Name: cookieLogin, Value: v, Path: s.base, MaxAge: 3600, HttpOnly: true,
			Secure: s.Secure, SameSite: http.SameSiteStrictMode})
	}
	return s.mac("login", v)
}

func (s *Server) loginTokenOK(r *http.Request) bool {
	c, err := r.Cookie(cookieLogin)
	if err != nil || len(c.Value) != 64 {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(r.FormValue("csrf")), []byte(s.mac("login", c.Value))) == 1
}

// sameOrigin refuses a state-changing request a browser says came from
// another site: Sec-Fetch-Site, else Origin, else Referer must name this
// host. A request with none of them (not a browser's) passes: the CSRF
// token still guards it.
func sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return false
	case "same-origin", "none":
		return true
	}
	for _, h := range []string{"Origin", "Referer"} {
		v := r.Header.Get(h)
		if v == "" {
			continue
		}
		u, err := url.Parse(v)
		return err == nil && u.Host != "" && u.Host == r.Host
	}
	return true
}
