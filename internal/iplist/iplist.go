// Package iplist reads operators' lists of IP addresses and CIDR
// prefixes (trusted reverse proxies, webhook targets allowed although
// internal) and answers whether an address is on one.
package iplist

import (
	"fmt"
	"net/netip"
	"strings"
)

// List is a set of prefixes; a single address is a /32 or /128.
type List []netip.Prefix

// Parse reads a comma-separated list of IP addresses and CIDR prefixes;
// blanks between commas are ignored. Host names are refused: a list is
// checked against addresses a connection or a header names.
func Parse(s string) (List, error) {
	var out List
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an IP address nor a CIDR prefix / %q không phải địa chỉ IP hay dải CIDR", f, f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// Contains reports whether a (IPv4-mapped IPv6 read as IPv4) is on l.
func (l List) Contains(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range l {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
