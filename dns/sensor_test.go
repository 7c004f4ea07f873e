package dns

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket/layers"

	"saker/event"
)

// dnsTestEvent builds a send or receive event of the syscall sensor carrying payload.
func dnsTestEvent(kind event.Kind, ts uint64, pid uint32, local, remote netip.AddrPort, payload []byte) event.Event {
	e := event.Event{TS: ts, Kind: kind, PID: pid, TID: pid, Res: int64(len(payload))}
	tuple := event.Tuple{Family: event.AFInet, Proto: event.ProtoUDP, Local: local, Remote: remote}
	e.SetArgs(event.Int(3), event.Int(int64(len(payload))), event.Bytes(payload), event.Bytes(tuple.AppendBinary(nil)))
	return e
}

func TestDNSDecodeEvent(t *testing.T) {
	client := netip.MustParseAddrPort("127.0.0.1:41000")
	query := dnsTestMsg(t, 5, false, 0, "pool.example.org", layers.DNSTypeA)
	answer := dnsTestMsg(t, 5, true, 0, "pool.example.org", layers.DNSTypeA, dnsTestRR{name: "pool.example.org", ttl: 60, ip: "192.0.2.7"})
	tests := []struct {
		name    string
		e       event.Event
		wantErr error
		pid     uint32
		resp    bool
	}{
		{"client sendto", dnsTestEvent(event.KindSendto, 10, 100, client, dnsTestResolver, query), nil, 100, false},
		{"client recvfrom", dnsTestEvent(event.KindRecvfrom, 20, 100, client, dnsTestResolver, answer), nil, 100, true},
		{"resolver side", dnsTestEvent(event.KindSendto, 15, 200, dnsTestResolver, client, answer), nil, 200, true},
		{"not port 53", dnsTestEvent(event.KindSendto, 10, 100, client, netip.MustParseAddrPort("127.0.0.1:80"), query), ErrNoMessage, 0, false},
		{"not a send", dnsTestEvent(event.KindConnect, 10, 100, client, dnsTestResolver, query), ErrNoMessage, 0, false},
		{"cut by snaplen", dnsTestEvent(event.KindRecvfrom, 20, 100, client, dnsTestResolver, answer[:20]), ErrMalformed, 0, false},
	}
	d := NewDecoder()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var m Message
			err := d.DecodeEvent(&tc.e, nil, nil, &m)
			if !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			if m.PID != tc.pid || m.Response != tc.resp || !m.FromSensor || m.QName != "pool.example.org" ||
				m.Server != dnsTestResolver || m.Client != client || m.TS != int64(tc.e.TS) {
				t.Errorf("got %+v", m)
			}
		})
	}
}

func TestMergeDNS(t *testing.T) {
	ans := []Record{{Name: "pool.example.org", Type: TypeA, TTL: 60, IP: netip.MustParseAddr("192.0.2.7")}}
	pkt := Message{TS: 1000, ID: 5, Response: true, QName: "pool.example.org", QType: TypeA, Answers: ans, FromPacket: true,
		Server: dnsTestResolver}
	sensor := pkt
	sensor.TS, sensor.FromPacket, sensor.FromSensor, sensor.PID = 1000+int64(300*time.Millisecond), false, true, 42
	other := pkt
	other.Answers = []Record{{Name: "pool.example.org", Type: TypeA, TTL: 60, IP: netip.MustParseAddr("192.0.2.8")}}
	late := pkt
	late.TS += int64(time.Minute)
	got := Combine(0, []Message{pkt, other, late}, []Message{sensor})
	if len(got) != 3 {
		t.Fatalf("got %d messages, want 3: %+v", len(got), got)
	}
	if m := got[0]; !m.FromPacket || !m.FromSensor || m.PID != 42 || m.TS != 1000 {
		t.Errorf("merged %+v", m)
	}
	if got[1].Answers[0].IP != other.Answers[0].IP || got[1].FromSensor {
		t.Errorf("different answer merged: %+v", got[1])
	}
	if got[2].TS != late.TS || got[2].PID != 0 {
		t.Errorf("reused id outside the window merged: %+v", got[2])
	}
}

func TestDNSEvent(t *testing.T) {
	m := Message{TS: 5, ID: 9, Response: true, QName: "pool.example.org", QType: TypeA, PID: 7, FromSensor: true,
		Server: dnsTestResolver, Client: netip.MustParseAddrPort("[2001:db8::1]:5000"),
		Answers: []Record{
			{Name: "pool.example.org", Type: TypeCNAME, TTL: 300, Target: "edge.example.net"},
			{Name: "edge.example.net", Type: TypeA, TTL: 30, IP: netip.MustParseAddr("192.0.2.7")},
			{Name: "edge.example.net", Type: TypeAAAA, TTL: 40, IP: netip.MustParseAddr("2001:db8::7")},
		}}
	src := NewSource([]Message{m})
	var e event.Event
	if err := src.Next(&e); err != nil {
		t.Fatal(err)
	}
	if e.Kind != event.KindDns || e.PID != 7 || e.TS != 5 || e.Num != 1 || int(e.NArgs) != len(event.KindDns.Params()) {
		t.Fatalf("event %+v", e)
	}
	arg := func(n string) event.Arg { a, _ := e.Arg(n); return a }
	if s := string(arg("answers").Bytes); s != "192.0.2.7\x002001:db8::7\x00" {
		t.Errorf("answers %q", s)
	}
	if s := string(arg("cnames").Bytes); s != "edge.example.net\x00" {
		t.Errorf("cnames %q", s)
	}
	if arg("ttl").Int != 30 || arg("id").Int != 9 || arg("response").Int != 1 || arg("from_sensor").Int != 1 {
		t.Errorf("ints wrong: %+v", e.Args[:e.NArgs])
	}
	sa, err := event.ParseSockaddr(arg("server").Bytes)
	if err != nil || sa.Addr != dnsTestResolver {
		t.Errorf("server %+v %v", sa, err)
	}
	sa, err = event.ParseSockaddr(arg("client").Bytes)
	if err != nil || sa.Family != event.AFInet6 {
		t.Errorf("client %+v %v", sa, err)
	}
	for _, f := range Fields {
		if event.KindDns.ParamIndex(f.Param) < 0 {
			t.Errorf("field %s reads unknown parameter %q", f.Name, f.Param)
		}
	}
}

// dnsTestTCPEvent is a call on the TCP socket fd of pid moving res bytes, of which the sensor
// kept payload.
func dnsTestTCPEvent(kind event.Kind, ts uint64, pid uint32, fd int64, local, remote netip.AddrPort, payload []byte, res int) event.Event {
	e := event.Event{TS: ts, Kind: kind, PID: pid, TID: pid + 1, Res: int64(res)}
	tuple := event.Tuple{Family: event.AFInet, Proto: event.ProtoTCP, Local: local, Remote: remote}
	e.SetArgs(event.Int(fd), event.Int(int64(res)), event.Bytes(payload), event.Bytes(tuple.AppendBinary(nil)))
	return e
}

func TestDNSSensorTCP(t *testing.T) {
	big, a, b := dnsTCPTest(t)
	client := netip.MustParseAddrPort("10.0.0.5:41000")
	rd := func(ts uint64, p []byte) event.Event {
		return dnsTestTCPEvent(event.KindRead, ts, 100, 5, client, dnsTestResolver, p, len(p))
	}
	cut := func(ts uint64, p []byte, res int) event.Event {
		return dnsTestTCPEvent(event.KindRecv, ts, 100, 5, client, dnsTestResolver, p, res)
	}
	cat := func(ps ...[]byte) []byte { return slices.Concat(ps...) }
	tests := []struct {
		name  string
		evs   []event.Event
		want  []string // dnsTCPLine @ the event time
		stats Stats    // TCP counts
	}{
		{"length then body (glibc)", []event.Event{rd(1, big[:2]), rd(2, big[2:])}, []string{"0x0010 pool.example.org 16 @2"},
			Stats{TCPReassembled: 1}},
		{"several in one read", []event.Event{rd(1, cat(a, b))}, []string{"0x0011 a.example 1 @1", "0x0012 b.example 1 @1"}, Stats{}},
		{"split over three reads", []event.Event{rd(1, cat(a, big[:1])), rd(2, big[1:300]), rd(3, cat(big[300:], b[:7])), rd(4, b[7:])},
			[]string{"0x0011 a.example 1 @1", "0x0010 pool.example.org 16 @3", "0x0012 b.example 1 @4"}, Stats{TCPReassembled: 2}},
		{"cut by the snap length", []event.Event{cut(1, big[:100], len(big)), rd(2, big[100:]), rd(3, a)},
			[]string{"0x0011 a.example 1 @3"}, Stats{TCPLost: 2}},
		{"capture began mid-message", []event.Event{rd(1, big[40:]), rd(2, a)}, []string{"0x0011 a.example 1 @2"}, Stats{TCPLost: 1}},
		{"readv", []event.Event{dnsTestTCPEvent(event.KindReadv, 1, 100, 5, client, dnsTestResolver, a, len(a))},
			[]string{"0x0011 a.example 1 @1"}, Stats{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder()
			s := NewSensor(d)
			var got []string
			var out []Message
			for i := range tc.evs {
				var err error
				out, err = s.Decode(&tc.evs[i], nil, nil, out[:0])
				if err != nil {
					t.Fatalf("event %d: %v", i, err)
				}
				for j := range out {
					m := &out[j]
					if m.PID != 100 || m.TID != 101 || m.FD != 5 || m.ServerSide || !m.FromSensor || m.Proto != event.ProtoTCP ||
						m.Client != client || m.Server != dnsTestResolver {
						t.Errorf("message %+v", m)
					}
					got = append(got, fmt.Sprintf("%s @%d", dnsTCPLine(m), m.TS))
				}
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			st := d.Stats()
			st.Packets, st.Messages, st.Malformed, st.Skipped = 0, 0, 0, 0
			if st != tc.stats {
				t.Errorf("stats %+v, want %+v", st, tc.stats)
			}
			if len(s.streams) > 1 || s.bytes != 0 {
				t.Errorf("%d streams, %d bytes held", len(s.streams), s.bytes)
			}
		})
	}
}

// TestDNSSensorServerSide: a local resolver sending its answer from port 53 is named as the
// server, not as the process that asked; a batch yields its first message only.
func TestDNSSensorServerSide(t *testing.T) {
	client := netip.MustParseAddrPort("127.0.0.1:41000")
	answer := dnsTestMsg(t, 5, true, 0, "pool.example.org", layers.DNSTypeA, dnsTestRR{name: "pool.example.org", ttl: 60, ip: "192.0.2.7"})
	s := NewSensor(NewDecoder())
	for _, kind := range []event.Kind{event.KindSendto, event.KindSendmsg, event.KindSendmmsg, event.KindWritev} {
		e := dnsTestEvent(kind, 15, 200, dnsTestResolver, client, answer)
		out, err := s.Decode(&e, nil, nil, nil)
		if err != nil || len(out) != 1 {
			t.Fatalf("%v: %d messages, err %v", kind, len(out), err)
		}
		if m := out[0]; m.PID != 200 || !m.ServerSide || m.Client != client || m.Server != dnsTestResolver || m.FD != 3 {
			t.Errorf("%v: got %+v", kind, m)
		}
	}
}

// TestDNSSensorBounds opens more TCP streams than a Sensor keeps, each with half a message:
// the least recently read are evicted; idle ones expire.
func TestDNSSensorBounds(t *testing.T) {
	big, _, _ := dnsTCPTest(t)
	d := NewDecoder()
	s := NewSensor(d)
	for i := range dnsSockMaxStreams + 5 {
		e := dnsTestTCPEvent(event.KindRead, uint64(i), 100, int64(i), netip.MustParseAddrPort("10.0.0.5:41000"), dnsTestResolver, big[:50], 50)
		s.Decode(&e, nil, nil, nil)
	}
	if st := d.Stats(); len(s.streams) != dnsSockMaxStreams || st.TCPEvicted != 5 || s.bytes != 50*dnsSockMaxStreams {
		t.Errorf("%d streams, %d bytes, stats %+v", len(s.streams), s.bytes, st)
	}
	e := dnsTestTCPEvent(event.KindRead, 2*dnsSockIdle, 100, 1<<20, netip.MustParseAddrPort("10.0.0.5:41000"), dnsTestResolver, big, len(big))
	if out, _ := s.Decode(&e, nil, nil, nil); len(out) != 1 || len(s.streams) != 1 || s.bytes != 0 {
		t.Errorf("after expiry: %d messages, %d streams, %d bytes", len(out), len(s.streams), s.bytes)
	}
}

// TestDNSSensorNoAllocs: once warm, joining a TCP answer read as length and body allocates
// nothing per call.
func TestDNSSensorNoAllocs(t *testing.T) {
	big, _, _ := dnsTCPTest(t)
	client := netip.MustParseAddrPort("10.0.0.5:41000")
	evs := []event.Event{dnsTestTCPEvent(event.KindRead, 1, 100, 5, client, dnsTestResolver, big[:2], 2),
		dnsTestTCPEvent(event.KindRead, 2, 100, 5, client, dnsTestResolver, big[2:], len(big)-2)}
	s := NewSensor(NewDecoder())
	out := make([]Message, 0, 4)
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		out, _ = s.Decode(&evs[i&1], nil, nil, out[:0])
		i++
	})
	if allocs != 0 {
		t.Errorf("%v allocations per call", allocs)
	}
}

// TestDNSSensorRecvmmsg: the sensor keeps the first iovec of a recvmmsg's first message up to
// the snap length, past the message's end: the answer decodes, the stale bytes after it are
// ignored.
func TestDNSSensorRecvmmsg(t *testing.T) {
	client := netip.MustParseAddrPort("127.0.0.1:41000")
	answer := dnsTestMsg(t, 5, true, 0, "pool.example.org", layers.DNSTypeA, dnsTestRR{name: "pool.example.org", ttl: 60, ip: "192.0.2.7"})
	payload := append(slices.Clone(answer), make([]byte, 300)...)
	for i := len(answer); i < len(payload); i++ {
		payload[i] = byte(i)
	}
	e := dnsTestEvent(event.KindRecvmmsg, 15, 100, client, dnsTestResolver, payload)
	e.Res = 2 // two messages received
	out, err := NewSensor(NewDecoder()).Decode(&e, nil, nil, nil)
	if err != nil || len(out) != 1 || out[0].PID != 100 || out[0].ServerSide || len(out[0].Answers) != 1 || out[0].Answers[0].IP != netip.MustParseAddr("192.0.2.7") {
		t.Fatalf("err %v, messages %+v", err, out)
	}
}
