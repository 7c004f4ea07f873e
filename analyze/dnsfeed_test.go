package analyze

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"saker/dns"
	"saker/dns/dnstest"
	"saker/event"
	"saker/replay/scap"
)

// dnsTestRules is a rule on connections naming the server and one on dns events naming
// the process.
const dnsTestRules = `
- rule: Test Connect
  desc: t
  condition: evt.type = connect and fd.sport in (80, 3333)
  output: connect name=%fd.sip.name proc=%proc.name
  priority: WARNING
- rule: Test DNS
  desc: t
  condition: evt.type = dns and dns.response = true
  output: dns query=%dns.query.name sensor=%dns.from_sensor proc=%proc.name pid=%proc.pid
  priority: NOTICE
`

func loadTestRules(t *testing.T, text string, defaults bool) Options {
	t.Helper()
	p := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	rs, _, err := LoadRules(!defaults, p)
	if err != nil {
		t.Fatal(err)
	}
	return Options{Rules: rs}
}

func outputs(fs []*Finding, rule string) []string {
	var out []string
	for _, f := range fs {
		if f.Rule == rule {
			out = append(out, f.Output)
		}
	}
	return out
}

// dnsRecv is the recvfrom by pid of the answer m from the resolver on fd 7, with its tuple.
func dnsRecv(t *testing.T, ts uint64, pid uint32, m *dns.Message) event.Event {
	payload := dnstest.Wire(m)
	return ev(ts, event.KindRecvfrom, pid, pid, int64(len(payload)), A{"fd": event.Int(7), "size": event.Int(512),
		"data": event.Bytes(payload), "tuple": tuple(event.ProtoUDP, m.Client.String(), m.Server.String())})
}

// poolAnswer is a resolver's answer for pool.supportxmr.com seen at tsBase+at (the clock of
// the events of ev).
func poolAnswer(at uint64) *dns.Message {
	return &dns.Message{TS: int64(tsBase + at), ID: 0x4242, Response: true, QName: "pool.supportxmr.com",
		QType: dns.TypeA, Proto: event.ProtoUDP, FromPacket: true,
		Answers: []dns.Record{{Name: "pool.supportxmr.com", Type: dns.TypeA, TTL: 300,
			IP: netip.MustParseAddr("198.51.100.7")}},
		Client: netip.MustParseAddrPort("10.0.0.5:41000"), Server: netip.MustParseAddrPort("10.0.0.2:53")}
}

// minerEvents starts xmrig (pid 4000) and lets it connect to the pool at each of connects.
func minerEvents(connects ...uint64) []event.Event {
	evs := cat(preamble(), one(fork(1, 1, 4000),
		execve(2, 4000, "/tmp/.x/xmrig", []string{"xmrig", "-o", "pool.supportxmr.com:3333"}, 0, "0::/user.slice")))
	for i, at := range connects {
		evs = append(evs, connectTo(at, 4000, int64(10+i), "10.0.0.5:40000", "198.51.100.7:3333")...)
	}
	return evs
}

func byTS(evs []event.Event) []event.Event {
	slices.SortStableFunc(evs, func(a, b event.Event) int {
		switch {
		case a.TS < b.TS:
			return -1
		case a.TS > b.TS:
			return 1
		}
		return 0
	})
	return evs
}

// TestDNSFeedCurlScap replays the demo capture: curl (pid 17497) asks 2001:4860:4860::8888
// for www.google.com AAAA from its resolver thread 17498, receives 2607:f8b0:4004:802::2004
// (TTL 299) and connects to it on port 80. Only the syscall sensor saw the answer.
func TestDNSFeedCurlScap(t *testing.T) {
	src, err := scap.Open("../testdata/captures/curl_google.scap")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	opts := loadTestRules(t, dnsTestRules, false)
	var msgs []string
	opts.DNS.Message = func(m *dns.Message, key uint64) {
		msgs = append(msgs, m.QName+" "+m.Answers[0].IP.String()+" "+strconv.Itoa(int(m.PID))+" "+strconv.Itoa(int(m.TID)))
	}
	res, err := Run(context.Background(), src, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := outputs(res.Findings, "Test Connect"), []string{"connect name=www.google.com proc=curl"}; !slices.Equal(got, want) {
		t.Errorf("connect findings %q, want %q", got, want)
	}
	if got, want := outputs(res.Findings, "Test DNS"), []string{"dns query=www.google.com sensor=true proc=curl pid=17497"}; !slices.Equal(got, want) {
		t.Errorf("dns findings %q, want %q", got, want)
	}
	if want := []string{"www.google.com 2607:f8b0:4004:802::2004 17497 17498"}; !slices.Equal(msgs, want) {
		t.Errorf("messages %q, want %q", msgs, want)
	}
	for _, f := range res.Findings {
		if f.Rule == "Test Connect" && (len(f.DNS) != 1 || f.DNS[0].PID != 17497 || f.DNS[0].TTL != 299) {
			t.Errorf("evidence %+v", f.DNS)
		}
	}
}

// TestDNSFeedOrder: a connection before the sensor saw the answer has no name, one after has.
func TestDNSFeedOrder(t *testing.T) {
	m := poolAnswer(1000)
	evs := byTS(append(minerEvents(500, 2000), dnsRecv(t, 1000, 4000, m)))
	res, err := Run(context.Background(), event.NewSliceSource(evs...), loadTestRules(t, dnsTestRules, false))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"connect name=<NA> proc=xmrig", "connect name=pool.supportxmr.com proc=xmrig"}
	if got := outputs(res.Findings, "Test Connect"); !slices.Equal(got, want) {
		t.Errorf("connect findings %q, want %q", got, want)
	}
	// The dns event comes right after the receive, before the later connect.
	var order []string
	for _, f := range res.Findings {
		order = append(order, f.Rule)
	}
	if want := []string{"Test Connect", "Test DNS", "Test Connect"}; !slices.Equal(order, want) {
		t.Errorf("finding order %q, want %q", order, want)
	}
}

// TestDNSFeedPacketsByTime merges packet answers into a slice source by time: the dns event
// has no process, and names reach the connections after the answer only.
func TestDNSFeedPacketsByTime(t *testing.T) {
	opts := loadTestRules(t, dnsTestRules, false)
	opts.DNS.Packets = []dns.Message{*poolAnswer(1000)}
	res, err := Run(context.Background(), event.NewSliceSource(minerEvents(500, 2000)...), opts)
	if err != nil {
		t.Fatal(err)
	}
	// The packet's event waits for a sensor copy (DefaultDNSMergeWindow), so it comes after
	// the later connect; the index had its answer in time for it.
	want := []string{"connect name=<NA> proc=xmrig", "connect name=pool.supportxmr.com proc=xmrig",
		"dns query=pool.supportxmr.com sensor=false proc=<NA> pid=<NA>"}
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.Output)
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings %q, want %q", got, want)
	}
}

// TestDNSFeedDedup sees one answer as a packet and through the sensor, the packet first or
// second and the clocks up to a second apart: one index answer, one dns event (the sensor's,
// with the process), one message.
func TestDNSFeedDedup(t *testing.T) {
	cases := []struct {
		name           string
		packet, sensor uint64
	}{
		{"packet first", 1000, 1100},
		{"sensor first", 1100, 1000},
		{"second apart", 1000, 1000 + uint64(time.Second)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			connect := c.sensor + uint64(time.Millisecond)
			evs := byTS(append(minerEvents(connect), dnsRecv(t, c.sensor, 4000, poolAnswer(c.sensor))))
			opts := loadTestRules(t, dnsTestRules, false)
			opts.DNS.Packets = []dns.Message{*poolAnswer(c.packet)}
			var msgs []string
			opts.DNS.Message = func(m *dns.Message, key uint64) {
				msgs = append(msgs, m.QName+" pid="+strconv.Itoa(int(m.PID))+" packet="+boolStr(m.FromPacket)+" key="+boolStr(key != 0))
			}
			idx := dns.NewIndex(dns.IndexOptions{})
			opts.Names = idx
			res, err := Run(context.Background(), event.NewSliceSource(evs...), opts)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := outputs(res.Findings, "Test DNS"), []string{"dns query=pool.supportxmr.com sensor=true proc=xmrig pid=4000"}; !slices.Equal(got, want) {
				t.Errorf("dns findings %q, want %q", got, want)
			}
			if want := []string{"pool.supportxmr.com pid=4000 packet=" + boolStr(c.packet <= c.sensor) + " key=true"}; !slices.Equal(msgs, want) {
				t.Errorf("messages %q, want %q", msgs, want)
			}
			hits := idx.Hits(netip.MustParseAddr("198.51.100.7"), int64(tsBase+connect), nil)
			if idx.Answers() != 1 || len(hits) != 1 || hits[0].Answer.PID != 4000 || !hits[0].Answer.FromSensor {
				t.Errorf("%d index answers, hits %+v", idx.Answers(), hits)
			}
			if got := outputs(res.Findings, "Test Connect"); len(got) != 1 || got[0] != "connect name=pool.supportxmr.com proc=xmrig" {
				t.Errorf("connect findings %q", got)
			}
		})
	}
}

func boolStr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// TestDNSFeedPoolRule: the default rule on pool lookups fires on an answer only the sensor
// saw, naming the process that received it, though no connection follows.
func TestDNSFeedPoolRule(t *testing.T) {
	evs := append(minerEvents(), dnsRecv(t, 1000, 4000, poolAnswer(1000)))
	res, err := Run(context.Background(), event.NewSliceSource(evs...), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []*Finding
	for _, f := range res.Findings {
		if f.Rule == "DNS Lookup of Mining Pool Domain" {
			got = append(got, f)
		}
	}
	if len(got) != 1 {
		t.Fatalf("pool lookup findings %d, want 1: %v", len(got), ruleNames(res.Findings))
	}
	if f := got[0]; f.PID != 4000 || !strings.Contains(f.Output, "process=xmrig pid=4000") ||
		!strings.Contains(f.Output, "query=pool.supportxmr.com") {
		t.Errorf("finding pid %d: %s", f.PID, f.Output)
	}
}

// TestDNSFeedIgnores: payloads that are not answers from a remote port 53 add nothing.
func TestDNSFeedIgnores(t *testing.T) {
	m := poolAnswer(1000)
	query := dnsRecv(t, 1001, 4000, m)
	query.Args[2].Bytes = slices.Clone(query.Args[2].Bytes)
	query.Args[2].Bytes[2] = 0x01 // QR clear: a query
	fromServer := dnsRecv(t, 1000, 4000, m)
	fromServer = withArg(fromServer, "tuple", tuple(event.ProtoUDP, "10.0.0.2:53", "10.0.0.5:41000"))
	evs := byTS(append(minerEvents(3000), fromServer, query,
		withArg(dnsRecv(t, 1002, 4000, m), "tuple", tuple(event.ProtoUDP, "10.0.0.5:41000", "10.0.0.2:5353"))))
	res, err := Run(context.Background(), event.NewSliceSource(evs...), loadTestRules(t, dnsTestRules, false))
	if err != nil {
		t.Fatal(err)
	}
	if got := outputs(res.Findings, "Test DNS"); len(got) != 0 {
		t.Errorf("dns findings %q", got)
	}
	if got := outputs(res.Findings, "Test Connect"); len(got) != 1 || got[0] != "connect name=<NA> proc=xmrig" {
		t.Errorf("connect findings %q", got)
	}
}

// cycleSource yields its events over and over.
type cycleSource struct {
	evs []event.Event
	i   int
}

func (c *cycleSource) Next(e *event.Event) error {
	*e = c.evs[c.i%len(c.evs)]
	c.i++
	return nil
}

// TestDNSFeedNoAllocs: the feed adds no allocation to events that carry no DNS: receives from
// other ports, reads of files (read and readv), sends to port 53 and to other ports.
func TestDNSFeedNoAllocs(t *testing.T) {
	evs := cat(minerEvents(10), one(
		ev(20, event.KindRecvfrom, 4000, 4000, 64, A{"fd": event.Int(10), "size": event.Int(64), "data": event.Str(`{"id":1,"result":{}}`)}),
		ev(21, event.KindOpenat, 4000, 4000, 3, A{"dirfd": event.Int(atFDCWD), "name": event.Str("/etc/hosts")}),
		ev(22, event.KindRead, 4000, 4000, 9, A{"fd": event.Int(3), "size": event.Int(64), "data": event.Str("127.0.0.1")}),
		ev(23, event.KindSendto, 4000, 4000, 9, A{"fd": event.Int(7), "size": event.Int(9), "data": event.Str("dns query"),
			"tuple": tuple(event.ProtoUDP, "10.0.0.5:41000", "10.0.0.2:53")}),
		ev(24, event.KindReadv, 4000, 4000, 9, A{"fd": event.Int(3), "size": event.Int(9), "data": event.Str("127.0.0.1")}),
		ev(25, event.KindWrite, 4000, 4000, 5, A{"fd": event.Int(10), "size": event.Int(5), "data": event.Str("hello")})))
	s := NewState(nil, dns.NewIndex(dns.IndexOptions{}), Hooks{})
	f := newDNSFeed(event.NewSliceSource(evs...), s, s.names, DNSOptions{})
	var e event.Event
	for {
		e.Reset()
		if err := f.Next(&e); err != nil {
			break
		}
		s.Update(&e)
		f.observe(&e)
	}
	f.src, f.srcDone = &cycleSource{evs: evs[len(evs)-6:]}, false
	allocs := testing.AllocsPerRun(1000, func() {
		e.Reset()
		if err := f.Next(&e); err != nil {
			t.Fatal(err)
		}
		s.Update(&e)
		f.observe(&e)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per event", allocs)
	}
}

// BenchmarkDNSFeedSensor measures the replay of DNS answers the sensor saw: decode, dedup,
// index and the dns event through the default rules (no finding), per answer.
func BenchmarkDNSFeedSensor(b *testing.B) {
	evs := minerEvents()
	t := &testing.T{}
	for i := range 10_000 {
		m := poolAnswer(uint64(1000 + i*1000))
		m.ID, m.QName, m.Answers[0].Name = uint16(i), "cdn.example.com", "cdn.example.com" // no finding
		m.Answers[0].IP = netip.AddrFrom4([4]byte{198, 51, byte(i >> 8), byte(i)})
		evs = append(evs, dnsRecv(t, uint64(1000+i*1000), 4000, m))
	}
	a, err := NewAnalyzer(Options{Finding: func(*Finding) error { return nil }})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	start := time.Now()
	var n int
	for b.Loop() {
		if _, err := a.Run(context.Background(), event.NewSliceSource(evs...)); err != nil {
			b.Fatal(err)
		}
		n += 10_000
	}
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(n), "ns/answer")
}
