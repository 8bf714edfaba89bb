package api

import (
	"io"
	"net/http"
	"time"
)

// Timeouts bound how long a client may hold a connection without making
// progress: slow headers, slow bodies (slowloris), idle keep-alives and
// readers that stop reading.
type Timeouts struct {
	Header time.Duration // to read the request's headers
	Idle   time.Duration // a keep-alive connection between requests
	// Body is how long a request body may take for each BodyMin bytes:
	// the read deadline moves on by Body each time BodyMin more bytes have
	// arrived, so a large upload at a sane speed never times out and a
	// trickle (1 byte every 5 s) is cut off after Body.
	Body    time.Duration
	BodyMin int
	// Write is how long the server may go without writing BodyMin bytes
	// of the answer (or reading them of the request) before the
	// connection is cut: a client that stops reading is dropped.
	Write time.Duration
}

// DefaultTimeouts: 10 s for headers, 60 s idle, 16 KiB every 20 s of a
// body (under 1 KB/s is cut off), 2 min without progress in answering.
var DefaultTimeouts = Timeouts{Header: 10 * time.Second, Idle: 60 * time.Second,
	Body: 20 * time.Second, BodyMin: 16 << 10, Write: 2 * time.Minute}

// Server returns an http.Server serving h with t's limits.
func (t Timeouts) Server(h http.Handler) *http.Server {
	return &http.Server{Handler: t.Handler(h), ReadHeaderTimeout: t.Header, IdleTimeout: t.Idle,
		// Fallbacks for what Handler does not see (before it runs).
		ReadTimeout: t.Header + t.Body, WriteTimeout: t.Header + t.Write}
}

// Handler moves the connection's read and write deadlines on as the
// request's body arrives and the answer leaves (http.ResponseController).
func (t Timeouts) Handler(next http.Handler) http.Handler {
	if t.BodyMin <= 0 {
		t.BodyMin = 16 << 10
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		now := time.Now()
		_ = rc.SetReadDeadline(now.Add(t.Body))
		_ = rc.SetWriteDeadline(now.Add(t.Write))
		pw := &progressWriter{ResponseWriter: w, rc: rc, t: t}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = &progressBody{ReadCloser: r.Body, rc: rc, t: t}
		}
		next.ServeHTTP(pw, r)
	})
}

// progressBody extends the read deadline for each BodyMin bytes read,
// and the write deadline with it (the answer comes after the body).
type progressBody struct {
	io.ReadCloser
	rc    *http.ResponseController
	t     Timeouts
	since int
}

func (b *progressBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.since += n
	if b.since >= b.t.BodyMin {
		b.since = 0
		now := time.Now()
		_ = b.rc.SetReadDeadline(now.Add(b.t.Body))
		_ = b.rc.SetWriteDeadline(now.Add(b.t.Write))
	}
	return n, err
}

// progressWriter extends the write deadline for each BodyMin bytes written.
type progressWriter struct {
	http.ResponseWriter
	rc    *http.ResponseController
	t     Timeouts
	since int
}

func (w *progressWriter) Write(p []byte) (int, error) {
	n, err := w.ResponseWriter.Write(p)
	w.since += n
	if w.since >= w.t.BodyMin {
		w.since = 0
		_ = w.rc.SetWriteDeadline(time.Now().Add(w.t.Write))
	}
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *progressWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
