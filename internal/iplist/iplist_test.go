package iplist

import (
	"net/netip"
	"testing"
)

func TestParse(t *testing.T) {
	l, err := Parse(" 10.1.2.3, 192.168.5.0/24,,::1, ::ffff:10.9.9.9 ")
	if err != nil || len(l) != 4 || l[0].String() != "10.1.2.3/32" || l[1].String() != "192.168.5.0/24" || l[2].String() != "::1/128" || l[3].String() != "10.9.9.9/32" {
		t.Fatalf("Parse = %v, %v", l, err)
	}
	for a, want := range map[string]bool{"10.1.2.3": true, "10.1.2.4": false, "192.168.5.77": true, "::ffff:192.168.5.1": true, "::1": true, "127.0.0.1": false} {
		if got := l.Contains(netip.MustParseAddr(a)); got != want {
			t.Errorf("Contains(%s) = %v", a, got)
		}
	}
	if _, err := Parse("10.1.2.3,intranet"); err == nil {
		t.Error("Parse accepted a host name")
	}
}
