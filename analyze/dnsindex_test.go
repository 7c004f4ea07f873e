package analyze

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"saker/event"
	"saker/replay"
)

const dnsT0 = int64(1_700_000_000) * int64(time.Second)

func dnsAt(d time.Duration) int64 { return dnsT0 + int64(d) }

// dnsAnswer builds a response for qname whose answer records are given as "name CNAME target"
// or "name ip", all with ttl.
func dnsAnswer(at time.Duration, qname string, ttl uint32, recs ...string) *replay.DNSMessage {
	m := &replay.DNSMessage{TS: dnsAt(at), ID: 1, Response: true, QName: qname, QType: replay.DNSTypeA,
		Server: netip.MustParseAddrPort("127.0.0.53:53"), Client: netip.MustParseAddrPort("127.0.0.1:40000"), FromPacket: true}
	for _, r := range recs {
		f := strings.Fields(r)
		if len(f) == 3 {
			m.Answers = append(m.Answers, replay.DNSRecord{Name: f[0], Type: replay.DNSTypeCNAME, TTL: ttl, Target: f[2]})
			continue
		}
		ip := netip.MustParseAddr(f[1])
		typ := uint16(replay.DNSTypeA)
		if ip.Is6() {
			typ = replay.DNSTypeAAAA
		}
		m.Answers = append(m.Answers, replay.DNSRecord{Name: f[0], Type: typ, TTL: ttl, IP: ip})
	}
	return m
}

func dnsNames(x *DNSIndex, ip string, at time.Duration) string {
	var out []string
	for _, n := range x.Names(netip.MustParseAddr(ip), dnsAt(at), nil) {
		out = append(out, string(n))
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}

func TestDNSIndex(t *testing.T) {
	nx := dnsAnswer(0, "gone.example", 60)
	nx.Rcode = replay.DNSRcodeNXDomain
	query := dnsAnswer(0, "pool.example.org", 60, "pool.example.org 192.0.2.99")
	query.Response = false
	tests := []struct {
		name  string
		grace time.Duration
		msgs  []*replay.DNSMessage
		ip    string
		at    time.Duration
		want  string
	}{
		{"answer before connect", -1, []*replay.DNSMessage{dnsAnswer(0, "pool.example.org", 60, "pool.example.org 192.0.2.1")},
			"192.0.2.1", 10 * time.Second, "pool.example.org"},
		{"answer after connect", -1, []*replay.DNSMessage{dnsAnswer(10*time.Second, "pool.example.org", 60, "pool.example.org 192.0.2.1")},
			"192.0.2.1", 5 * time.Second, ""},
		{"answer at connect time", -1, []*replay.DNSMessage{dnsAnswer(10*time.Second, "pool.example.org", 60, "pool.example.org 192.0.2.1")},
			"192.0.2.1", 10 * time.Second, "pool.example.org"},
		{"ttl expired, no grace", -1, []*replay.DNSMessage{dnsAnswer(0, "pool.example.org", 60, "pool.example.org 192.0.2.1")},
			"192.0.2.1", 61 * time.Second, ""},
		{"ttl expired, within default grace", 0, []*replay.DNSMessage{dnsAnswer(0, "pool.example.org", 60, "pool.example.org 192.0.2.1")},
			"192.0.2.1", 60*time.Second + DefaultDNSGrace, "pool.example.org"},
		{"ttl and grace expired", 0, []*replay.DNSMessage{dnsAnswer(0, "pool.example.org", 60, "pool.example.org 192.0.2.1")},
			"192.0.2.1", 61*time.Second + DefaultDNSGrace, ""},
		{"custom grace", time.Minute, []*replay.DNSMessage{dnsAnswer(0, "pool.example.org", 60, "pool.example.org 192.0.2.1")},
			"192.0.2.1", 121 * time.Second, ""},
		{"cname chain names every link", -1, []*replay.DNSMessage{dnsAnswer(0, "pool.example.org", 60,
			"pool.example.org CNAME edge.example.net", "edge.example.net CNAME node7.cdn.example", "node7.cdn.example 192.0.2.7")},
			"192.0.2.7", time.Second, "edge.example.net,node7.cdn.example,pool.example.org"},
		{"cname chain expires with its shortest link", -1, []*replay.DNSMessage{{
			TS: dnsAt(0), Response: true, QName: "pool.example.org", Answers: []replay.DNSRecord{
				{Name: "pool.example.org", Type: replay.DNSTypeCNAME, TTL: 10, Target: "edge.example.net"},
				{Name: "edge.example.net", Type: replay.DNSTypeA, TTL: 300, IP: netip.MustParseAddr("192.0.2.7")}}}},
			"192.0.2.7", 20 * time.Second, ""},
		{"one ip several names", -1, []*replay.DNSMessage{
			dnsAnswer(0, "pool.example.org", 60, "pool.example.org 192.0.2.1"),
			dnsAnswer(time.Second, "www.example.com", 60, "www.example.com 192.0.2.1"),
			dnsAnswer(2*time.Second, "pool.example.org", 60, "pool.example.org 192.0.2.1")},
			"192.0.2.1", 3 * time.Second, "pool.example.org,www.example.com"},
		{"ipv6", -1, []*replay.DNSMessage{dnsAnswer(0, "pool.example.org", 60, "pool.example.org 2001:db8::7")},
			"2001:db8::7", time.Second, "pool.example.org"},
		{"ipv4-mapped lookup", -1, []*replay.DNSMessage{dnsAnswer(0, "pool.example.org", 60, "pool.example.org 192.0.2.1")},
			"::ffff:192.0.2.1", time.Second, "pool.example.org"},
		{"nxdomain adds nothing", -1, []*replay.DNSMessage{nx}, "192.0.2.1", time.Second, ""},
		{"query adds nothing", -1, []*replay.DNSMessage{query}, "192.0.2.99", time.Second, ""},
		{"case and final dot folded", -1, []*replay.DNSMessage{dnsAnswer(0, "Pool.Example.ORG.", 60, "Pool.Example.ORG. 192.0.2.1")},
			"192.0.2.1", time.Second, "pool.example.org"},
		{"refresh extends validity", -1, []*replay.DNSMessage{
			dnsAnswer(100*time.Second, "pool.example.org", 60, "pool.example.org 192.0.2.1"),
			dnsAnswer(0, "pool.example.org", 60, "pool.example.org 192.0.2.1")},
			"192.0.2.1", 150 * time.Second, "pool.example.org"},
		{"gap between answers", -1, []*replay.DNSMessage{
			dnsAnswer(100*time.Second, "pool.example.org", 60, "pool.example.org 192.0.2.1"),
			dnsAnswer(0, "pool.example.org", 60, "pool.example.org 192.0.2.1")},
			"192.0.2.1", 80 * time.Second, ""},
		{"late answer bridges two runs", -1, []*replay.DNSMessage{
			dnsAnswer(0, "pool.example.org", 60, "pool.example.org 192.0.2.1"),
			dnsAnswer(100*time.Second, "pool.example.org", 60, "pool.example.org 192.0.2.1"),
			dnsAnswer(50*time.Second, "pool.example.org", 60, "pool.example.org 192.0.2.1")},
			"192.0.2.1", 80 * time.Second, "pool.example.org"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := NewDNSIndex(DNSIndexOptions{Grace: tc.grace})
			for _, m := range tc.msgs {
				x.Add(m)
			}
			if got := dnsNames(x, tc.ip, tc.at); got != tc.want {
				t.Errorf("names of %s at +%v = %q, want %q", tc.ip, tc.at, got, tc.want)
			}
		})
	}
}

// TestDNSIndexProvenance checks that a hit cites the latest answer before the lookup: its
// time, resolver (here the systemd-resolved stub on 127.0.0.53), process and question.
func TestDNSIndexProvenance(t *testing.T) {
	x := NewDNSIndex(DNSIndexOptions{})
	first := dnsAnswer(0, "pool.example.org", 60, "pool.example.org CNAME edge.example.net", "edge.example.net 192.0.2.1")
	second := dnsAnswer(30*time.Second, "pool.example.org", 60, "pool.example.org CNAME edge.example.net", "edge.example.net 192.0.2.1")
	second.PID, second.FromSensor = 4242, true
	x.Add(second)
	x.Add(first)
	hits := x.Hits(netip.MustParseAddr("192.0.2.1"), dnsAt(10*time.Second), nil)
	if len(hits) != 2 {
		t.Fatalf("hits %+v", hits)
	}
	for _, h := range hits {
		if h.Answer.TS != first.TS || h.Answer.QName != "pool.example.org" || h.Answer.Resolver != netip.MustParseAddrPort("127.0.0.53:53") {
			t.Errorf("hit %s cites %+v", h.Name, *h.Answer)
		}
	}
	hits = x.Hits(netip.MustParseAddr("192.0.2.1"), dnsAt(40*time.Second), hits[:0])
	if len(hits) != 2 || hits[0].Answer.PID != 4242 || hits[0].Answer.TS != second.TS {
		t.Errorf("later hits %+v", hits)
	}
	third := dnsAnswer(15*time.Second, "pool.example.org", 60, "pool.example.org CNAME edge.example.net", "edge.example.net 192.0.2.1")
	third.PID = 7
	x.Add(third) // out of order, inside the run
	hits = x.Hits(netip.MustParseAddr("192.0.2.1"), dnsAt(20*time.Second), hits[:0])
	if len(hits) != 2 || hits[0].Answer.PID != 7 {
		t.Errorf("hits after an out-of-order answer %+v", hits)
	}
	if !x.HasName(netip.MustParseAddr("192.0.2.1"), dnsAt(time.Second), "EDGE.example.net.") {
		t.Error("HasName missed the CNAME target")
	}
}

// TestDNSIndexFromPacketAndSensor builds the index from a packet capture merged with the
// sensor's view of the same answer: one answer, the process known.
func TestDNSIndexFromPacketAndSensor(t *testing.T) {
	pkt := dnsAnswer(0, "pool.example.org", 60, "pool.example.org 192.0.2.1")
	sensor := *pkt
	sensor.TS += int64(50 * time.Millisecond)
	sensor.FromPacket, sensor.FromSensor, sensor.PID = false, true, 99
	x := NewDNSIndex(DNSIndexOptions{})
	for _, m := range replay.MergeDNS(0, []replay.DNSMessage{*pkt}, []replay.DNSMessage{sensor}) {
		x.Add(&m)
	}
	hits := x.Hits(netip.MustParseAddr("192.0.2.1"), dnsAt(time.Second), nil)
	if len(hits) != 1 || hits[0].Answer.PID != 99 || !hits[0].Answer.FromPacket || len(x.answers) != 1 {
		t.Errorf("hits %+v, %d answers", hits, len(x.answers))
	}
}

func TestDNSNamesExtractor(t *testing.T) {
	x := NewDNSIndex(DNSIndexOptions{})
	x.Add(dnsAnswer(0, "pool.example.org", 60, "pool.example.org 192.0.2.1"))
	ex := x.DNSNamesExtractor(func(e *event.Event) (netip.Addr, bool) {
		return netip.MustParseAddr("192.0.2.1"), true
	}, func(e *event.Event) int64 { return int64(e.TS) })
	e := &event.Event{TS: uint64(dnsAt(time.Second))}
	got, ok := ex.List(e, nil)
	if !ok || len(got) != 1 || string(got[0]) != "pool.example.org" {
		t.Errorf("got %q %v", got, ok)
	}
	e.TS = uint64(dnsAt(-time.Second))
	if got, ok := ex.List(e, nil); ok {
		t.Errorf("before the answer: %q", got)
	}
}

func TestDNSFieldExtractor(t *testing.T) {
	m := dnsAnswer(0, "pool.example.org", 60, "pool.example.org CNAME edge.example.net", "edge.example.net 192.0.2.1", "edge.example.net 2001:db8::1")
	m.Rcode = 0
	var e event.Event
	replay.DNSEvent(m, 1, &e)
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
func BenchmarkDNSIndexLookup(b *testing.B) {
	x := NewDNSIndex(DNSIndexOptions{})
	for i := range 1000 {
		at := time.Duration(i) * 30 * time.Second
		x.Add(dnsAnswer(at, "pool.example.org", 60, "pool.example.org CNAME edge.example.net", "edge.example.net 192.0.2.1"))
		x.Add(dnsAnswer(at, "other.example.com", 60, "other.example.com 192.0.2.1"))
		x.Add(dnsAnswer(at, "filler.example", 60, "filler.example 198.51.100."+strconv.Itoa(i%250)))
	}
	ip := netip.MustParseAddr("192.0.2.1")
	t := dnsAt(250 * time.Minute)
	buf := make([][]byte, 0, 8)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf = x.Names(ip, t+int64(i&1023), buf[:0])
	}
	if len(buf) != 3 {
		b.Fatalf("names %q", buf)
	}
}

// TestDNSIndexStubResolver follows a lookup through systemd-resolved's stub on 127.0.0.53: the
// sensor sees the client's recvfrom of the stub's answer, the packet capture sees the same
// answer on loopback and resolved's own upstream exchange. The index names the IP once, citing
// the stub's answer and the client process.
func TestDNSIndexStubResolver(t *testing.T) {
	dec := replay.NewDNSDecoder()
	stub := netip.MustParseAddrPort("127.0.0.53:53")
	client := netip.MustParseAddrPort("127.0.0.1:45000")

	upstream := dnsAnswer(0, "pool.example.org", 60, "pool.example.org 192.0.2.1")
	upstream.ID, upstream.Server = 0x2222, netip.MustParseAddrPort("198.51.100.53:53")
	upstream.Client = netip.MustParseAddrPort("192.0.2.200:53000")
	onLoopback := dnsAnswer(2*time.Millisecond, "pool.example.org", 60, "pool.example.org 192.0.2.1")
	onLoopback.ID, onLoopback.Server, onLoopback.Client = 0x1111, stub, client

	// The client's recvfrom carries the stub's answer as bytes; decode it as analyze would.
	var wire replay.DNSMessage
	{
		payload := dnsWire(t, onLoopback)
		e := event.Event{TS: uint64(dnsAt(3 * time.Millisecond)), Kind: event.KindRecvfrom, PID: 77, TID: 77, Res: int64(len(payload))}
		tuple := event.Tuple{Family: event.AFInet, Proto: event.ProtoUDP, Local: client, Remote: stub}
		e.SetArgs(event.Int(5), event.Int(512), event.Bytes(payload), event.Bytes(tuple.AppendBinary(nil)))
		if err := dec.DecodeEvent(&e, nil, nil, &wire); err != nil {
			t.Fatal(err)
		}
	}
	msgs := replay.MergeDNS(0, []replay.DNSMessage{*upstream, *onLoopback}, []replay.DNSMessage{wire.Clone()})
	if len(msgs) != 2 {
		t.Fatalf("merged into %d messages, want 2", len(msgs))
	}
	x := NewDNSIndex(DNSIndexOptions{})
	for i := range msgs {
		x.Add(&msgs[i])
	}
	hits := x.Hits(netip.MustParseAddr("192.0.2.1"), dnsAt(time.Second), nil)
	if len(hits) != 1 {
		t.Fatalf("hits %+v", hits)
	}
	if a := hits[0].Answer; a.PID != 77 || a.Resolver != stub || !a.FromSensor || !a.FromPacket {
		t.Errorf("cites %+v", *a)
	}
}

// dnsWire encodes m's question and A records as a DNS message.
func dnsWire(t *testing.T, m *replay.DNSMessage) []byte {
	t.Helper()
	b := []byte{byte(m.ID >> 8), byte(m.ID), 0x81, 0x80, 0, 1, 0, byte(len(m.Answers)), 0, 0, 0, 0}
	name := func(n string) []byte {
		var out []byte
		for _, l := range strings.Split(n, ".") {
			out = append(append(out, byte(len(l))), l...)
		}
		return append(out, 0)
	}
	b = append(append(b, name(m.QName)...), 0, 1, 0, 1)
	for _, a := range m.Answers {
		ip := a.IP.As4()
		b = append(append(b, name(a.Name)...), 0, 1, 0, 1, byte(a.TTL>>24), byte(a.TTL>>16), byte(a.TTL>>8), byte(a.TTL), 0, 4)
		b = append(b, ip[:]...)
	}
	return b
}
