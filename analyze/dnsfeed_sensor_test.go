package analyze

import (
	"context"
	"net/netip"
	"slices"
	"strconv"
	"testing"

	"saker/dns"
	"saker/dns/dnstest"
	"saker/event"
)

// dnsSocketRules names the process, the server-side flag and the socket of dns events.
const dnsSocketRules = `
- rule: Test DNS Socket
  desc: t
  condition: evt.type = dns and dns.response = true
  output: dns query=%dns.query.name proc=%proc.name server_side=%dns.server_side fd=%fd.name sip=%fd.sip
  priority: NOTICE
- rule: Test Connect
  desc: t
  condition: evt.type = connect and fd.sport = 3333
  output: connect name=%fd.sip.name proc=%proc.name
  priority: WARNING
`

// dnsTCPFramed is the answer m framed for TCP: behind its two-byte length.
func dnsTCPFramed(t *testing.T, m *dns.Message) []byte {
	w := dnstest.Wire(m)
	return append([]byte{byte(len(w) >> 8), byte(len(w))}, w...)
}

// dnsRead is a read (or another call of kind) by pid on fd moving p.
func dnsRead(ts uint64, kind event.Kind, pid uint32, fd int64, p []byte, tp event.Arg) event.Event {
	return ev(ts, kind, pid, pid, int64(len(p)), A{"fd": event.Int(fd), "size": event.Int(int64(len(p))), "data": event.Bytes(p), "tuple": tp})
}

// TestDNSFeedTCPReads: xmrig asks its resolver over TCP and reads the answer as glibc does,
// its length and then its body: the two reads make one dns event, which names the socket,
// and the pool connection after it is named.
func TestDNSFeedTCPReads(t *testing.T) {
	m := poolAnswer(1000)
	m.Proto = event.ProtoTCP
	w := dnsTCPFramed(t, m)
	tp := tuple(event.ProtoTCP, "10.0.0.5:41000", "10.0.0.2:53")
	evs := cat(minerEvents(), connectTo(900, 4000, 9, "10.0.0.5:41000", "10.0.0.2:53"),
		one(dnsRead(1000, event.KindRead, 4000, 9, w[:2], tp), dnsRead(1001, event.KindRead, 4000, 9, w[2:], tp)),
		connectTo(2000, 4000, 10, "10.0.0.5:40000", "198.51.100.7:3333"))
	opts := loadTestRules(t, dnsSocketRules, false)
	opts.Hooks.Conn = func(*ConnRecord) {} // connection records, which findings cite
	res, err := Run(context.Background(), event.NewSliceSource(evs...), opts)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"dns query=pool.supportxmr.com proc=xmrig server_side=false fd=10.0.0.5:41000->10.0.0.2:53 sip=10.0.0.2",
		"connect name=pool.supportxmr.com proc=xmrig"}
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.Output)
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings %q, want %q", got, want)
	}
	// The dns finding cites the resolver connection and the second read.
	if len(res.Findings) == 2 && (res.Findings[0].ConnID == 0 || res.Findings[0].ConnID == res.Findings[1].ConnID ||
		res.Findings[0].EventNum != uint64(len(evs)-2)) {
		t.Errorf("dns finding connection %d (pool's %d), event %d", res.Findings[0].ConnID, res.Findings[1].ConnID, res.Findings[0].EventNum)
	}
}

// TestDNSFeedReadv: an answer read with readv on a UDP socket the fd table did not know
// counts; the tuple the sensor records with the call names the socket.
func TestDNSFeedReadv(t *testing.T) {
	m := poolAnswer(1000)
	evs := append(minerEvents(), dnsRead(1000, event.KindReadv, 4000, 7, dnstest.Wire(m), tuple(event.ProtoUDP, "10.0.0.5:41000", "10.0.0.2:53")))
	res, err := Run(context.Background(), event.NewSliceSource(evs...), loadTestRules(t, dnsSocketRules, false))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := outputs(res.Findings, "Test DNS Socket"), []string{"dns query=pool.supportxmr.com proc=xmrig server_side=false fd=10.0.0.5:41000->10.0.0.2:53 sip=10.0.0.2"}; !slices.Equal(got, want) {
		t.Errorf("findings %q, want %q", got, want)
	}
}

// TestDNSFeedServerSide: a local resolver (dnsmasq, pid 300) sends the answer from port 53 and
// xmrig receives it. The server's copy yields a server-side event naming dnsmasq, the
// client's its own event; the index holds the answer once, naming xmrig as the asker, or no
// asker when only the server's copy was seen. The default pool rule fires for the client only.
func TestDNSFeedServerSide(t *testing.T) {
	m := poolAnswer(1000)
	m.Client, m.Server = netip.MustParseAddrPort("127.0.0.1:41000"), netip.MustParseAddrPort("127.0.0.1:53")
	srv := dnsRead(1000, event.KindSendto, 300, 4, dnstest.Wire(m), tuple(event.ProtoUDP, "127.0.0.1:53", "127.0.0.1:41000"))
	cli := dnsRead(1001, event.KindRecvfrom, 4000, 7, dnstest.Wire(m), tuple(event.ProtoUDP, "127.0.0.1:41000", "127.0.0.1:53"))
	base := cat(one(procinfo(300, 1, "dnsmasq", "/usr/sbin/dnsmasq", nil, "/", 0, "0::/system.slice/dnsmasq.service")), minerEvents())
	for _, tc := range []struct {
		name   string
		evs    []event.Event
		want   []string
		pid    uint32
		packet bool // a packet capture saw the answer too, first
	}{
		{"both", cat(base, one(srv, cli)), []string{"proc=dnsmasq server_side=true", "proc=xmrig server_side=false"}, 4000, false},
		{"server only", cat(base, one(srv)), []string{"proc=dnsmasq server_side=true"}, 0, false},
		{"client first", cat(base, one(cli, withTS(srv, 1002))), []string{"proc=xmrig server_side=false", "proc=dnsmasq server_side=true"}, 4000, false},
		{"packet too", cat(base, one(srv, cli)), []string{"proc=dnsmasq server_side=true", "proc=xmrig server_side=false"}, 4000, true},
		{"packet and server", cat(base, one(srv)), []string{"proc=dnsmasq server_side=true", "proc=<NA> server_side=false"}, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := loadTestRules(t, `
- rule: Test DNS Side
  desc: t
  condition: evt.type = dns and dns.response = true
  output: proc=%proc.name server_side=%dns.server_side
  priority: NOTICE
`, false)
			idx := dns.NewIndex(dns.IndexOptions{})
			opts.Names = idx
			var packets []dns.Message
			if tc.packet {
				p := *m
				p.TS--
				packets = []dns.Message{p}
			}
			opts.DNS.Packets = packets
			var msgs []string
			opts.DNS.Message = func(m *dns.Message, key uint64) {
				msgs = append(msgs, strconv.Itoa(int(m.PID))+" "+strconv.FormatBool(m.ServerSide))
			}
			res, err := Run(context.Background(), event.NewSliceSource(tc.evs...), opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := outputs(res.Findings, "Test DNS Side"); !slices.Equal(got, tc.want) {
				t.Errorf("findings %q, want %q", got, tc.want)
			}
			if n := idx.Answers(); n != 1 {
				t.Errorf("%d index answers, want 1", n)
			} else if a := idx.Answer(0); a.PID != tc.pid || !a.FromSensor && tc.pid != 0 || a.FromPacket != tc.packet {
				t.Errorf("index answer %+v", a)
			}
			if len(msgs) != len(tc.want) {
				t.Errorf("messages %q", msgs)
			}
			res, err = Run(context.Background(), event.NewSliceSource(tc.evs...), Options{DNS: DNSOptions{Packets: packets}})
			if err != nil {
				t.Fatal(err)
			}
			var pool []uint32
			for _, f := range res.Findings {
				if f.Rule == "DNS Lookup of Mining Pool Domain" {
					pool = append(pool, f.PID)
				}
			}
			want := []uint32{tc.pid} // the packet's view names no process
			if tc.pid == 0 && !tc.packet {
				want = nil
			}
			if !slices.Equal(pool, want) {
				t.Errorf("pool lookup findings for pids %v", pool)
			}
		})
	}
}

func withTS(e event.Event, ts uint64) event.Event {
	e.TS = tsBase + ts
	return e
}
