package servicetest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Redis returns the address (host:port) of a Redis server for t alone.
//
// Each call starts a private redis-server (from $SOHOA_REDIS_BIN or PATH)
// on a free port with a temporary directory and no persistence (--save ""
// --appendonly no); it stops when t ends. A server per test costs a few
// milliseconds and gives every test all 16 databases to itself, whatever
// runs in parallel, in this package or others: nothing needs FLUSHDB and
// no test can see another's queues (asynq uses fixed key names).
//
// Only when redis-server is not installed does Redis fall back to a server
// already answering PING on 127.0.0.1:6379, shared with everything else
// that uses it; tests then must not assume an empty database.
func Redis(t testing.TB) string {
	t.Helper()
	bin := os.Getenv("SOHOA_REDIS_BIN")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("redis-server"); err != nil {
			const shared = "127.0.0.1:6379"
			if perr := redisPing(shared); perr == nil {
				return shared
			}
			unavailable(t, "Redis", fmt.Errorf("redis-server is not on PATH (Debian/Ubuntu: apt-get install redis-server) and nothing answers PING on %s", shared))
		}
	}
	var lastErr error
	for range 3 { // a free port can be taken before redis-server binds it
		port, err := pickFreePort()
		if err != nil {
			unavailable(t, "Redis", err)
		}
		addr := "127.0.0.1:" + strconv.Itoa(port)
		dir := t.TempDir()
		s, err := startServer(dir, bin, []string{
			"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no",
		}, nil)
		if err != nil {
			unavailable(t, "Redis", fmt.Errorf("start %s: %w", bin, err))
		}
		s.dir = "" // t.TempDir removes it after the server stops
		lastErr = s.waitReady(10*time.Second, func() error { return redisPing(addr) })
		if lastErr == nil {
			t.Cleanup(s.stop)
			return addr
		}
		s.stop()
	}
	unavailable(t, "Redis", lastErr)
	return ""
}

// redisPing sends PING in the RESP protocol and expects +PONG.
func redisPing(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(line) != "+PONG" {
		return fmt.Errorf("PING to %s answered %q", addr, strings.TrimSpace(line))
	}
	return nil
}
