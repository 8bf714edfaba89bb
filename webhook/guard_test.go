package webhook_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/storage/catalog"
	"github.com/sohoa-vn/sohoa/webhook"
)

func TestGuardCheckURL(t *testing.T) {
	loop := netip.MustParsePrefix("127.0.0.1/32")
	tests := []struct {
		url   string
		allow []netip.Prefix
		ok    bool
	}{
		{"http://127.0.0.1:8080/h", nil, false},
		{"http://[::1]/h", nil, false},
		{"http://[::ffff:127.0.0.1]/h", nil, false},
		{"http://0.0.0.0:8080/h", nil, false},
		{"http://[::]:8080/h", nil, false},
		{"http://0.1.2.3/h", nil, false},
		{"http://2130706433/h", nil, false}, // 127.0.0.1 as one decimal number
		{"http://0x7f000001/h", nil, false},
		{"http://0177.0.0.1/h", nil, false},
		{"http://127.1/h", nil, false},
		{"http://169.254.169.254/latest/meta-data/", nil, false},
		{"http://[fe80::1]/h", nil, false},
		{"http://10.0.0.5/h", nil, false},
		{"http://172.16.3.4/h", nil, false},
		{"http://192.168.1.1/h", nil, false},
		{"http://100.64.0.1/h", nil, false},
		{"http://[fd00::1]/h", nil, false},
		{"http://224.0.0.1/h", nil, false},
		{"http://255.255.255.255/h", nil, false},
		{"http://localhost:8080/h", nil, false},
		{"http://api.localhost/h", nil, false},
		{"https://8.8.8.8/h", nil, true},
		{"https://[2001:4860:4860::8888]/h", nil, true},
		{"https://cong-dvc.example/hook", nil, true}, // does not resolve here: checked at connect time
		{"http://127.0.0.1:8080/h", []netip.Prefix{loop}, true},
		{"http://127.0.0.2:8080/h", []netip.Prefix{loop}, false},
	}
	// The API itself, even where the allowlist names its address.
	self := []netip.AddrPort{netip.MustParseAddrPort("0.0.0.0:8080"), netip.MustParseAddrPort("10.0.0.9:443")}
	for _, u := range []string{"http://127.0.0.1:8080/v1/batches", "https://10.0.0.9/v1/copies", "http://[::1]:8080/"} {
		g := &webhook.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}, Self: self}
		if err := g.CheckURL(context.Background(), u); !errors.Is(err, webhook.ErrForbiddenTarget) {
			t.Errorf("CheckURL(%s) with the API at %v = %v, want ErrForbiddenTarget", u, self, err)
		}
	}
	if err := (&webhook.Guard{Allow: []netip.Prefix{loop}, Self: self}).CheckURL(context.Background(), "http://127.0.0.1:9000/h"); err != nil {
		t.Errorf("allowed receiver on another port than the API: %v", err)
	}
	for _, tc := range tests {
		g := &webhook.Guard{Allow: tc.allow}
		err := g.CheckURL(context.Background(), tc.url)
		if (err == nil) != tc.ok {
			t.Errorf("CheckURL(%s) allow %v = %v, want ok %v", tc.url, tc.allow, err, tc.ok)
		}
		if err != nil && !errors.Is(err, webhook.ErrForbiddenTarget) {
			t.Errorf("CheckURL(%s) = %v, want ErrForbiddenTarget", tc.url, err)
		}
	}
}

func TestParseAllow(t *testing.T) {
	got, err := webhook.ParseAllow(" 10.1.2.3, 192.168.5.0/24,,::1 ")
	if err != nil || len(got) != 3 || got[0].String() != "10.1.2.3/32" || got[1].String() != "192.168.5.0/24" || got[2].String() != "::1/128" {
		t.Fatalf("ParseAllow = %v, %v", got, err)
	}
	if _, err := webhook.ParseAllow("10.1.2.3,intranet"); err == nil {
		t.Error("ParseAllow accepted a host name")
	}
}

// TestGuardClientChecksAfterResolution: the client checks the address
// it dials, after DNS: a name (here localhost) that resolves to loopback
// is refused and the receiver never hears of it; with the address in
// the allowlist it is reached.
func TestGuardClientChecksAfterResolution(t *testing.T) {
	hit := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hit++ }))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	for _, u := range []string{srv.URL, "http://localhost:" + port + "/"} {
		_, err := (&webhook.Guard{}).Client(5 * time.Second).Get(u)
		if !errors.Is(err, webhook.ErrForbiddenTarget) {
			t.Errorf("GET %s through the guard: %v, want ErrForbiddenTarget", u, err)
		}
	}
	if hit != 0 {
		t.Fatalf("receiver on loopback got %d requests through the guard", hit)
	}
	allow, _ := webhook.ParseAllow("127.0.0.1,::1")
	resp, err := (&webhook.Guard{Allow: allow}).Client(5 * time.Second).Get("http://localhost:" + port + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if hit != 1 {
		t.Fatalf("allowed receiver got %d requests", hit)
	}
}

// TestDeliveryLogHidesNetwork: attempts to a closed port, to a port that
// does not speak HTTP and to a forbidden address all leave the
// subscriber's log with words that tell nothing of the network (no
// addresses, no "connection refused" against "malformed response").
func TestDeliveryLogHidesNetwork(t *testing.T) {
	f := newFixture(t, 1)
	ctx := context.Background()
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedURL := "http://" + closed.Addr().String() + "/"
	closed.Close()
	raw, _ := net.Listen("tcp", "127.0.0.1:0") // answers with non-HTTP bytes
	defer raw.Close()
	go func() {
		for {
			c, err := raw.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("SSH-2.0-OpenSSH_9.2\r\n"))
			c.Close()
		}
	}()
	forbidden := "http://10.255.255.1:9/" // internal, not in the fixture's allowlist
	var errs []string
	for i, u := range []string{closedURL, "http://" + raw.Addr().String() + "/", forbidden} {
		w, _ := f.subscribe(t, "so-"+string(rune('a'+i)), u, webhook.EventCopyIssued)
		if err := f.disp.Emit(ctx, webhook.Event{Type: webhook.EventCopyIssued, OfficeID: w.OfficeID}); err != nil {
			t.Fatal(err)
		}
		d := f.settle(t, w, 1)[0]
		if d.Status != catalog.DeliveryFailed || d.LastCode != 0 {
			t.Fatalf("delivery to %s = %+v, want failed without HTTP status", u, d)
		}
		for _, leak := range []string{"127.0.0.1", "10.255", "refused", "malformed", "dial", "SSH", "EOF", ":"} {
			if strings.Contains(d.LastError, leak) {
				t.Errorf("delivery log for %s says %q: it names %q", u, d.LastError, leak)
			}
		}
		errs = append(errs, d.LastError)
	}
	if errs[0] != errs[1] {
		t.Errorf("closed port and non-HTTP port are told apart in the log: %q vs %q", errs[0], errs[1])
	}
}
