package api

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// serveTimeouts runs h behind t on a real listener, as the server does.
func serveTimeouts(t *testing.T, to Timeouts, h http.Handler) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := to.Server(h)
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}

// closedWithin reports whether the server closes c within d.
func closedWithin(c net.Conn, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c)
	return err == nil // EOF: closed by the server; a timeout: still open
}

var readAll = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	n, err := io.Copy(io.Discard, r.Body)
	if err != nil {
		return
	}
	fmt.Fprintf(w, "%d", n)
})

var testTimeouts = Timeouts{Header: 500 * time.Millisecond, Idle: 500 * time.Millisecond,
	Body: 600 * time.Millisecond, BodyMin: 1024, Write: time.Second}

// TestSlowBodyCutOff: a POST whose body trickles in (a byte every
// 200 ms, as a slowloris does with 5 s) is cut off, where it used to stay
// open for as long as the client liked.
func TestSlowBodyCutOff(t *testing.T) {
	addr := serveTimeouts(t, testTimeouts, readAll)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /clerk/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n")
	start := time.Now()
	var werr error
	for time.Since(start) < 5*time.Second && werr == nil {
		_, werr = c.Write([]byte("t"))
		time.Sleep(200 * time.Millisecond)
	}
	if werr == nil {
		t.Fatal("a body trickling in for 5 s was still being read")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("slow body cut off after %s, want about %s", d, testTimeouts.Body)
	}
}

// TestSteadyUploadNotCutOff: an upload longer than Body, but steady,
// goes through: the deadline moves on while bytes arrive.
func TestSteadyUploadNotCutOff(t *testing.T) {
	addr := serveTimeouts(t, testTimeouts, readAll)
	pr, pw := io.Pipe()
	go func() {
		chunk := bytes.Repeat([]byte("x"), 4096)
		for range 15 { // 60 KiB over 3 s: five times Body
			pw.Write(chunk)
			time.Sleep(200 * time.Millisecond)
		}
		pw.Close()
	}()
	resp, err := http.Post("http://"+addr+"/v1/batches/b/files?name=a.tif", "image/tiff", pr)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(b) != "61440" {
		t.Fatalf("steady upload: %s %q", resp.Status, b)
	}
}

// TestIdleAndSlowHeadersClosed: an idle keep-alive connection and a
// connection whose headers never finish are closed.
func TestIdleAndSlowHeadersClosed(t *testing.T) {
	addr := serveTimeouts(t, testTimeouts, readAll)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if !closedWithin(c, 3*time.Second) {
		t.Error("idle keep-alive connection still open after 3 s")
	}

	h, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	fmt.Fprintf(h, "GET / HTTP/1.1\r\nHost: x\r\n")
	go func() {
		for i := range 20 {
			if _, err := fmt.Fprintf(h, "X-%d: %s\r\n", i, strings.Repeat("a", 5)); err != nil {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
	}()
	if !closedWithin(h, 3*time.Second) {
		t.Error("connection sending headers slowly still open after 3 s")
	}
}

// TestSlowReaderDropped: a client that stops reading a large answer is
// dropped after Write without progress.
func TestSlowReaderDropped(t *testing.T) {
	done := make(chan error, 1)
	addr := serveTimeouts(t, testTimeouts, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte("y"), 64<<10)
		var err error
		for i := 0; i < 2000 && err == nil; i++ {
			_, err = w.Write(chunk)
		}
		done <- err
	}))
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET /pdf HTTP/1.1\r\nHost: x\r\n\r\n")
	select {
	case err := <-done:
		if err == nil {
			t.Error("128 MB written to a client that reads nothing")
		}
	case <-time.After(5 * time.Second):
		t.Error("handler still writing to a client that reads nothing after 5 s")
	}
}
