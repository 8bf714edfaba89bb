package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sohoa-vn/sohoa/internal/iplist"
)

// ErrForbiddenTarget is returned for a webhook URL, or a connection, to
// an address sohoa does not send to: loopback, private, link-local
// (169.254.169.254, the cloud metadata service), multicast or
// unspecified, unless the operator's allowlist names it.
var ErrForbiddenTarget = errors.New("webhook: địa chỉ nội bộ không được phép / internal address not allowed")

// Guard decides where webhooks may go. Its zero value allows only
// public addresses; Allow lists the internal ones an operator trusts
// (SOHOA_WEBHOOK_ALLOW, e.g. "10.1.2.3,192.168.5.0/24").
//
// A URL is checked when subscribed (CheckURL) and every connection again
// when made, after DNS resolution (DialContext's Control hook): a name
// that resolves to a public address at subscription and to 127.0.0.1 at
// delivery (DNS rebinding) is still refused.
type Guard struct {
	Allow iplist.List
	// Self are the addresses sohoa's own API listens on (an unspecified
	// host: every address of this machine on that port). They are refused
	// even when Allow names them: a webhook must not call the API itself.
	Self     []netip.AddrPort
	Resolver *net.Resolver // nil: net.DefaultResolver
}

// isSelf reports whether ap is one of the API's own addresses.
func (g *Guard) isSelf(ap netip.AddrPort) bool {
	if g == nil {
		return false
	}
	a := ap.Addr().Unmap()
	for _, s := range g.Self {
		if s.Port() != ap.Port() {
			continue
		}
		sa := s.Addr().Unmap()
		if sa == a || sa.IsUnspecified() && (a.IsLoopback() || a.IsUnspecified() || local(a)) {
			return true
		}
	}
	return false
}

// local reports whether a is an address of this machine's interfaces.
func local(a netip.Addr) bool {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, x := range addrs {
		if n, ok := x.(*net.IPNet); ok {
			if b, ok := netip.AddrFromSlice(n.IP); ok && b.Unmap() == a {
				return true
			}
		}
	}
	return false
}

// ParseAllow reads a comma-separated list of IP addresses and CIDR
// prefixes (SOHOA_WEBHOOK_ALLOW).
func ParseAllow(s string) (iplist.List, error) {
	l, err := iplist.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("webhook allowlist: %w", err)
	}
	return l, nil
}

// CheckAddr refuses an internal address the allowlist does not name.
func (g *Guard) CheckAddr(a netip.Addr) error {
	a = a.Unmap()
	if g != nil && g.Allow.Contains(a) {
		return nil
	}
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() || !a.IsValid() ||
		thisNet.Contains(a) || cgnat.Contains(a) || a == broadcast {
		return ErrForbiddenTarget
	}
	return nil
}

var (
	thisNet   = netip.MustParsePrefix("0.0.0.0/8")     // "this network": reaches the host itself
	cgnat     = netip.MustParsePrefix("100.64.0.0/10") // carrier-grade NAT: internal too
	broadcast = netip.MustParseAddr("255.255.255.255")
)

// CheckURL checks a subscription's URL: an absolute http(s) URL whose
// host is a canonical IP address or a name, neither internal. A name is
// resolved, and refused when any of its addresses is internal; a name
// that does not resolve (yet) is accepted, since each connection is
// checked again.
func (g *Guard) CheckURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	host := strings.TrimSuffix(u.Hostname(), ".")
	if a, err := netip.ParseAddr(host); err == nil {
		port := map[string]uint16{"http": 80, "https": 443}[u.Scheme]
		if p, err := strconv.ParseUint(u.Port(), 10, 16); err == nil {
			port = uint16(p)
		}
		if g.isSelf(netip.AddrPortFrom(a, port)) {
			return fmt.Errorf("%w: the API itself", ErrForbiddenTarget)
		}
		return g.CheckAddr(a)
	}
	if numericHost(host) {
		// 2130706433, 0x7f000001, 0177.0.0.1, 127.1: IPv4 in forms URL
		// parsers and C libraries read differently. Never needed.
		return fmt.Errorf("%w: %q is not a dotted-decimal IPv4 address", ErrForbiddenTarget, host)
	}
	h := strings.ToLower(host)
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return ErrForbiddenTarget
	}
	r := g.resolver()
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil
	}
	for _, a := range addrs {
		if err := g.CheckAddr(a); err != nil {
			return err
		}
	}
	return nil
}

// numericHost reports whether host ends in a numeric label, which URL
// parsers (WHATWG) take as an IPv4 address.
func numericHost(host string) bool {
	labels := strings.Split(host, ".")
	last := strings.ToLower(labels[len(labels)-1])
	if last == "" {
		return false
	}
	if strings.HasPrefix(last, "0x") {
		return strings.Trim(last[2:], "0123456789abcdef") == ""
	}
	return strings.Trim(last, "0123456789") == ""
}

func (g *Guard) resolver() *net.Resolver {
	if g != nil && g.Resolver != nil {
		return g.Resolver
	}
	return net.DefaultResolver
}

// control is a net.Dialer Control hook: it sees the address actually
// dialled, after resolution.
func (g *Guard) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbiddenTarget, err)
	}
	if g.isSelf(ap) {
		return fmt.Errorf("%w: the API itself", ErrForbiddenTarget)
	}
	return g.CheckAddr(ap.Addr())
}

// Client returns an HTTP client that connects only where g allows, with
// timeout, following no redirects and using no proxy (a proxy would
// connect on its behalf, past the check).
func (g *Guard) Client(timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, Control: g.control, Resolver: g.resolver()}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: timeout,
		MaxIdleConns:          16,
		IdleConnTimeout:       30 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{Timeout: timeout, Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
