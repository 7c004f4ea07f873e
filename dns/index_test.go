package dns

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

const dnsT0 = int64(1_700_000_000) * int64(time.Second)

func dnsAt(d time.Duration) int64 { return dnsT0 + int64(d) }

// dnsAnswer builds a response for qname whose answer records are given as "name CNAME target"
// or "name ip", all with ttl.
func dnsAnswer(at time.Duration, qname string, ttl uint32, recs ...string) *Message {
	m := &Message{TS: dnsAt(at), ID: 1, Response: true, QName: qname, QType: TypeA,
		Server: netip.MustParseAddrPort("127.0.0.53:53"), Client: netip.MustParseAddrPort("127.0.0.1:40000"), FromPacket: true}
	for _, r := range recs {
		f := strings.Fields(r)
		if len(f) == 3 {
			m.Answers = append(m.Answers, Record{Name: f[0], Type: TypeCNAME, TTL: ttl, Target: f[2]})
			continue
		}
		ip := netip.MustParseAddr(f[1])
		typ := uint16(TypeA)
		if ip.Is6() {
			typ = TypeAAAA
		}
		m.Answers = append(m.Answers, Record{Name: f[0], Type: typ, TTL: ttl, IP: ip})
	}
	return m
}

func dnsNames(x *Index, ip string, at time.Duration) string {
	var out []string
	for _, n := range x.Names(netip.MustParseAddr(ip), dnsAt(at), nil) {
		out = append(out, string(n))
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}

func TestDNSIndex(t *testing.T) {
	nx := dnsAnswer(0, "gone.example", 60)
	nx.Rcode = RcodeNXDomain
	query := dnsAnswer(0, "pool.example.org", 60, "pool.example.org 192.0.2.99")
	query.Response = false
	tests := []struct {
		name  string
		grace time.Duration
		msgs  []*Message
		ip    string
		at    time.Duration
		want  string
	}{
		{"answer before connect", -1, []*Message{dnsAnswer(0, "pool.example.org", 60, "pool.example.org 192.0.2.1")},
			"192.0.2.1", 10 * time.Second, "pool.example.org"},
		{"answer after connect", -1, []*Message{dnsAnswer(10*time.Second, "pool.example.org", 60, "pool.example.org 192.0.2.1")},
			"192.0.2.1", 5 * time.Second, ""},
		{"answer at connect time", -1, []*Message{dnsAnswer(10*time.Second, "pool.example.org", 60, "pool.example.org 192.0.2.1")},
			"192.0.2.1", 10 * time.Second, "pool.example.org"},
		{"ttl expired, no grace", -1, []*Message{dnsAnswer(0, "pool.example.org", 60, "pool.example.org 192.0.2.1")},
			"192.0.2.1", 61 * time.Second, ""},
		{"ttl expired, within default grace", 0, []*Message{dnsAnswer(0, "pool.example.org", 60, "pool.example.org 192.0.2.1")},
			"192.0.2.1", 60*time.Second + DefaultGrace, "pool.example.org"},
		{"ttl and grace expired", 0, []*Message{dnsAnswer(0, "pool.example.org", 60, "pool.example.org 192.0.2.1")},
			"192.0.2.1", 61*time.Second + DefaultGrace, ""},
		{"custom grace", time.Minute, []*Message{dnsAnswer(0, "pool.example.org", 60, "pool.example.org 192.0.2.1")},
			"192.0.2.1", 121 * time.Second, ""},
		{"cname chain names every link", -1, []*Message{dnsAnswer(0, "pool.example.org", 60,
			"pool.example.org CNAME edge.example.net", "edge.example.net CNAME node7.cdn.example", "node7.cdn.example 192.0.2.7")},
			"192.0.2.7", time.Second, "edge.example.net,node7.cdn.example,pool.example.org"},
		{"cname chain expires with its shortest link", -1, []*Message{{
			TS: dnsAt(0), Response: true, QName: "pool.example.org", Answers: []Record{
				{Name: "pool.example.org", Type: TypeCNAME, TTL: 10, Target: "edge.example.net"},
				{Name: "edge.example.net", Type: TypeA, TTL: 300, IP: netip.MustParseAddr("192.0.2.7")}}}},
			"192.0.2.7", 20 * time.Second, ""},
		{"one ip several names", -1, []*Message{
			dnsAnswer(0, "pool.example.org", 60, "pool.example.org 192.0.2.1"),
			dnsAnswer(time.Second, "www.example.com", 60, "www.example.com 192.0.2.1"),
			dnsAnswer(2*time.Second, "pool.example.org", 60, "pool.example.org 192.0.2.1")},
			"192.0.2.1", 3 * time.Second, "pool.example.org,www.example.com"},
		{"ipv6", -1, []*Message{dnsAnswer(0, "pool.example.org", 60, "pool.example.org 2001:db8::7")},
			"2001:db8::7", time.Second, "pool.example.org"},
		{"ipv4-mapped lookup", -1, []*Message{dnsAnswer(0, "pool.example.org", 60, "pool.example.org 192.0.2.1")},
			"::ffff:192.0.2.1", time.Second, "pool.example.org"},
		{"nxdomain adds nothing", -1, []*Message{nx}, "192.0.2.1", time.Second, ""},
		{"query adds nothing", -1, []*Message{query}, "192.0.2.99", time.Second, ""},
		{"case and final dot folded", -1, []*Message{dnsAnswer(0, "Pool.Example.ORG.", 60, "Pool.Example.ORG. 192.0.2.1")},
			"192.0.2.1", time.Second, "pool.example.org"},
		{"refresh extends validity", -1, []*Message{
			dnsAnswer(100*time.Second, "pool.example.org", 60, "pool.example.org 192.0.2.1"),
			dnsAnswer(0, "pool.example.org", 60, "pool.example.org 192.0.2.1")},
			"192.0.2.1", 150 * time.Second, "pool.example.org"},
		{"gap between answers", -1, []*Message{
			dnsAnswer(100*time.Second, "pool.example.org", 60, "pool.example.org 192.0.2.1"),
			dnsAnswer(0, "pool.example.org", 60, "pool.example.org 192.0.2.1")},
			"192.0.2.1", 80 * time.Second, ""},
		{"late answer bridges two runs", -1, []*Message{
			dnsAnswer(0, "pool.example.org", 60, "pool.example.org 192.0.2.1"),
			dnsAnswer(100*time.Second, "pool.example.org", 60, "pool.example.org 192.0.2.1"),
			dnsAnswer(50*time.Second, "pool.example.org", 60, "pool.example.org 192.0.2.1")},
			"192.0.2.1", 80 * time.Second, "pool.example.org"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := NewIndex(IndexOptions{Grace: tc.grace})
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
	x := NewIndex(IndexOptions{})
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
	x := NewIndex(IndexOptions{})
	for _, m := range Combine(0, []Message{*pkt}, []Message{sensor}) {
		x.Add(&m)
	}
	hits := x.Hits(netip.MustParseAddr("192.0.2.1"), dnsAt(time.Second), nil)
	if len(hits) != 1 || hits[0].Answer.PID != 99 || !hits[0].Answer.FromPacket || len(x.answers) != 1 {
		t.Errorf("hits %+v, %d answers", hits, len(x.answers))
	}
}

func BenchmarkDNSIndexLookup(b *testing.B) {
	x := NewIndex(IndexOptions{})
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

// TestDNSIndexNetNS: two network namespaces reuse 192.0.2.10 for different servers; each
// lookup from a namespace sees only its own answers and those of unknown namespace, and a
// host-wide lookup sees all of them.
func TestDNSIndexNetNS(t *testing.T) {
	const nsA, nsB, nsC = 4026532001, 4026532002, 4026532003
	inA := dnsAnswer(0, "pool.example.org", 300, "pool.example.org 192.0.2.10")
	inA.NetNS = nsA
	inB := dnsAnswer(time.Second, "shop.example.net", 300, "shop.example.net 192.0.2.10")
	inB.NetNS = nsB
	unknown := dnsAnswer(2*time.Second, "cdn.example.com", 300, "cdn.example.com 192.0.2.10")
	again := dnsAnswer(3*time.Second, "Pool.Example.org", 300, "Pool.Example.org 192.0.2.10") // same name, no namespace
	x := NewIndex(IndexOptions{})
	for _, m := range []*Message{inA, inB, unknown} {
		x.Add(m)
	}
	ip := netip.MustParseAddr("192.0.2.10")
	names := func(ns uint64) string {
		var out []string
		for _, n := range x.NamesIn(ns, ip, dnsAt(10*time.Second), nil) {
			out = append(out, string(n))
		}
		slices.Sort(out)
		return strings.Join(out, ",")
	}
	for _, c := range []struct {
		ns   uint64
		want string
	}{
		{nsA, "cdn.example.com,pool.example.org"},
		{nsB, "cdn.example.com,shop.example.net"},
		{nsC, "cdn.example.com"},
		{0, "cdn.example.com,pool.example.org,shop.example.net"},
	} {
		if got := names(c.ns); got != c.want {
			t.Errorf("names from netns %d: %q, want %q", c.ns, got, c.want)
		}
	}
	if got := dnsNames(x, "192.0.2.10", 10*time.Second); got != names(0) {
		t.Errorf("Names %q, NamesIn(0) %q", got, names(0))
	}
	hits := x.HitsIn(nsB, ip, dnsAt(10*time.Second), nil)
	if len(hits) != 2 || string(hits[0].Name) != "shop.example.net" || hits[0].Answer.QName != "shop.example.net" {
		t.Errorf("hits from netns B: %d, first %q", len(hits), hits[0].Name)
	}
	// A name known in a namespace and without one is listed once by NamesIn.
	x.Add(again)
	if got := names(nsA); got != "cdn.example.com,pool.example.org" {
		t.Errorf("names from netns A after an unscoped answer of the same name: %q", got)
	}
	buf := make([][]byte, 0, 8)
	if n := testing.AllocsPerRun(50, func() { buf = x.NamesIn(nsA, ip, dnsAt(10*time.Second), buf[:0]) }); n != 0 {
		t.Errorf("NamesIn allocates %v times", n)
	}
}

// TestCombineNetNS: the sensor's sightings of one question in two namespaces are two
// messages; a packet sighting (namespace unknown) merges with a sensor one and keeps its
// namespace.
func TestCombineNetNS(t *testing.T) {
	a := *dnsAnswer(0, "pool.example.org", 300, "pool.example.org 192.0.2.10")
	a.NetNS, a.FromPacket, a.FromSensor = 11, false, true
	b := a
	b.NetNS, b.TS = 12, a.TS+int64(time.Millisecond)
	p := *dnsAnswer(0, "pool.example.org", 300, "pool.example.org 192.0.2.10")
	p.TS = a.TS + 2*int64(time.Millisecond)
	out := Combine(DefaultMergeWindow, []Message{a, b}, []Message{p})
	if len(out) != 2 || out[0].NetNS != 11 || out[1].NetNS != 12 {
		t.Fatalf("combined %d messages: %+v", len(out), out)
	}
	if !out[0].FromPacket && !out[1].FromPacket {
		t.Error("the packet sighting merged with neither")
	}
}

// TestDNSIndexAgainstBruteForce adds answers in random order (mostly in time order, some
// late, as packet files and sensors give them) and checks every lookup against the plain
// definition: a name names an IP at t when some answer for it covers t.
func TestDNSIndexAgainstBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 9))
	type ans struct {
		name       string
		ip         netip.Addr
		from, till int64
	}
	for round := range 30 {
		x := NewIndex(IndexOptions{Grace: -1})
		var all []ans
		ts := int64(0)
		for range 400 {
			ts += r.Int64N(int64(2 * time.Second))
			at := ts
			if r.IntN(10) == 0 {
				at -= r.Int64N(int64(30 * time.Second)) // late
			}
			name := fmt.Sprintf("n%d.example", r.IntN(12))
			ip := netip.AddrFrom4([4]byte{192, 0, 2, byte(1 + r.IntN(4))})
			ttl := uint32(1 + r.IntN(20))
			m := Message{TS: at, Response: true, QName: name, QType: TypeA,
				Answers: []Record{{Name: name, Type: TypeA, TTL: ttl, IP: ip}}}
			x.Add(&m)
			all = append(all, ans{name, ip, at, at + int64(ttl)*int64(time.Second)})
		}
		for q := range 500 {
			ip := netip.AddrFrom4([4]byte{192, 0, 2, byte(1 + r.IntN(4))})
			at := r.Int64N(ts + int64(40*time.Second))
			want := map[string]bool{}
			for _, a := range all {
				if a.ip == ip && a.from <= at && at <= a.till {
					want[a.name] = true
				}
			}
			got := map[string]bool{}
			for _, n := range x.Names(ip, at, nil) {
				got[string(n)] = true
			}
			if !maps.Equal(got, want) {
				t.Fatalf("round %d query %d: names of %v at %d: %v, want %v", round, q, ip, at, got, want)
			}
		}
	}
}
