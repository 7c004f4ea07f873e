package dns_test

import (
	"net/netip"
	"testing"
	"time"

	"saker/dns"
	"saker/dns/dnstest"
	"saker/event"
)

// TestDNSIndexStubResolver follows a lookup through systemd-resolved's stub on 127.0.0.53: the
// sensor sees the client's recvfrom of the stub's answer, the packet capture sees the same
// answer on loopback and resolved's own upstream exchange. The index names the IP once, citing
// the stub's answer and the client process.
func TestDNSIndexStubResolver(t *testing.T) {
	dec := dns.NewDecoder()
	stub := netip.MustParseAddrPort("127.0.0.53:53")
	client := netip.MustParseAddrPort("127.0.0.1:45000")

	upstream := dns.TestAnswer(0, "pool.example.org", 60, "pool.example.org 192.0.2.1")
	upstream.ID, upstream.Server = 0x2222, netip.MustParseAddrPort("198.51.100.53:53")
	upstream.Client = netip.MustParseAddrPort("192.0.2.200:53000")
	onLoopback := dns.TestAnswer(2*time.Millisecond, "pool.example.org", 60, "pool.example.org 192.0.2.1")
	onLoopback.ID, onLoopback.Server, onLoopback.Client = 0x1111, stub, client

	// The client's recvfrom carries the stub's answer as bytes; decode it as analyze would.
	var wire dns.Message
	{
		payload := dnstest.Wire(onLoopback)
		e := event.Event{TS: uint64(dns.TestAt(3 * time.Millisecond)), Kind: event.KindRecvfrom, PID: 77, TID: 77, Res: int64(len(payload))}
		tuple := event.Tuple{Family: event.AFInet, Proto: event.ProtoUDP, Local: client, Remote: stub}
		e.SetArgs(event.Int(5), event.Int(512), event.Bytes(payload), event.Bytes(tuple.AppendBinary(nil)))
		if err := dec.DecodeEvent(&e, nil, nil, &wire); err != nil {
			t.Fatal(err)
		}
	}
	msgs := dns.Combine(0, []dns.Message{*upstream, *onLoopback}, []dns.Message{wire.Clone()})
	if len(msgs) != 2 {
		t.Fatalf("merged into %d messages, want 2", len(msgs))
	}
	x := dns.NewIndex(dns.IndexOptions{})
	for i := range msgs {
		x.Add(&msgs[i])
	}
	hits := x.Hits(netip.MustParseAddr("192.0.2.1"), dns.TestAt(time.Second), nil)
	if len(hits) != 1 {
		t.Fatalf("hits %+v", hits)
	}
	if a := hits[0].Answer; a.PID != 77 || a.Resolver != stub || !a.FromSensor || !a.FromPacket {
		t.Errorf("cites %+v", *a)
	}
}
