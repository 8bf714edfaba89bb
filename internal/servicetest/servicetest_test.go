package servicetest

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
)

func TestMain(m *testing.M) { Main(m) }

// redisDo sends one command and returns the first line of the reply.
func redisDo(t *testing.T, addr string, args ...string) string {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := conn.Write([]byte(b.String())); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(line)
}

// TestRedisIsolated checks that two tests' servers do not share data.
func TestRedisIsolated(t *testing.T) {
	a, b := Redis(t), Redis(t)
	if a == b {
		t.Fatalf("two calls returned the same server %s", a)
	}
	if got := redisDo(t, a, "SET", "k", "v"); got != "+OK" {
		t.Fatalf("SET = %q", got)
	}
	if got := redisDo(t, a, "GET", "k"); got != "$1" {
		t.Errorf("GET on the same server = %q, want $1", got)
	}
	if got := redisDo(t, b, "GET", "k"); got != "$-1" {
		t.Errorf("GET on the other server = %q, want $-1 (nil)", got)
	}
}

func TestMinIOLive(t *testing.T) {
	srv := MinIO(t)
	if again := MinIO(t); again != srv {
		t.Errorf("second call returned %+v, want the same server %+v", again, srv)
	}
	resp, err := http.Get("http://" + srv.Endpoint + "/minio/health/live")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("health: %s", resp.Status)
	}
	// Unauthenticated requests are refused: the credentials are real.
	resp, err = http.Get("http://" + srv.Endpoint + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("anonymous ListBuckets: %s, want 403 Forbidden", resp.Status)
	}
}
