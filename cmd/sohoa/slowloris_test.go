package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/api"
	"github.com/sohoa-vn/sohoa/config"
)

// TestSlowLoginCutOff: against the embedded server, a POST /clerk/login
// whose body trickles in is cut off after the body timeout (it used to
// stay open for 75 s and more), here shortened to 1 s.
func TestSlowLoginCutOff(t *testing.T) {
	saved := api.DefaultTimeouts
	api.DefaultTimeouts = api.Timeouts{Header: time.Second, Idle: time.Second, Body: time.Second, BodyMin: 1024, Write: 2 * time.Second}
	t.Cleanup(func() { api.DefaultTimeouts = saved })
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Role, cfg.RedisURL, cfg.DatabaseURL = "api", "", ""
	cfg.S3.Endpoint = ""
	cfg.Addr, cfg.MetricsAddr, cfg.DataDir = "127.0.0.1:0", "", filepath.Join(t.TempDir(), "data")
	s, err := startSystem(context.Background(), cfg, slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u, _ := url.Parse(s.URL())
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /clerk/login HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\n", u.Host)
	start := time.Now()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	closed := make(chan time.Duration, 1)
	go func() {
		buf := make([]byte, 4096)
		for {
			if _, err := c.Read(buf); err != nil {
				closed <- time.Since(start)
				return
			}
		}
	}()
	for {
		select {
		case d := <-closed:
			if d > 5*time.Second {
				t.Errorf("slow login body cut off after %s, want about 1 s", d)
			}
			return
		case <-time.After(300 * time.Millisecond):
			c.Write([]byte("t"))
		}
	}
}
