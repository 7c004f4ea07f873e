package analyze

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"saker/dns"
	"saker/event"
)

func TestDNSFieldExtractor(t *testing.T) {
	m := &dns.Message{TS: 1_700_000_000e9, ID: 1, Response: true, QName: "pool.example.org", QType: dns.TypeA,
		Server: netip.MustParseAddrPort("127.0.0.53:53"), Client: netip.MustParseAddrPort("127.0.0.1:40000"), FromPacket: true,
		Answers: []dns.Record{
			{Name: "pool.example.org", Type: dns.TypeCNAME, TTL: 60, Target: "edge.example.net"},
			{Name: "edge.example.net", Type: dns.TypeA, TTL: 60, IP: netip.MustParseAddr("192.0.2.1")},
			{Name: "edge.example.net", Type: dns.TypeAAAA, TTL: 60, IP: netip.MustParseAddr("2001:db8::1")},
		}}
	var e event.Event
	dns.Event(m, 1, &e)
	str := func(name string) string {
		ex, err := DNSFieldExtractor(name)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case ex.Str != nil:
			b, ok := ex.Str(&e)
			if !ok {
				return "<missing>"
			}
			return string(b)
		case ex.List != nil:
			l, ok := ex.List(&e, nil)
			if !ok {
				return "<missing>"
			}
			var s []string
			for _, b := range l {
				s = append(s, string(b))
			}
			return strings.Join(s, ",")
		case ex.IP != nil:
			ip, ok := ex.IP(&e)
			if !ok {
				return "<missing>"
			}
			return ip.String()
		default:
			v, ok := ex.Int(&e)
			if !ok {
				return "<missing>"
			}
			return strconv.FormatInt(v, 10)
		}
	}
	for name, want := range map[string]string{
		"dns.query.name":  "pool.example.org",
		"dns.query.type":  "A",
		"dns.rcode":       "NOERROR",
		"dns.answer.ip":   "192.0.2.1,2001:db8::1",
		"dns.answer.name": "pool.example.org,edge.example.net",
		"dns.cname":       "edge.example.net",
		"dns.server":      "127.0.0.53",
		"dns.server.port": "53",
		"dns.client":      "127.0.0.1",
		"dns.ttl":         "60",
		"dns.response":    "1",
		"dns.from_sensor": "0",
	} {
		if got := str(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if _, err := DNSFieldExtractor("dns.nope"); err == nil {
		t.Error("unknown field bound")
	}
	e.Kind = event.KindConnect
	if got := str("dns.query.name"); got != "<missing>" {
		t.Errorf("on connect: %q", got)
	}
}

// BenchmarkDNSIndexLookup looks up an IP that has several names and a history of refreshes,
// as a busy pool host would, into a reused buffer.
