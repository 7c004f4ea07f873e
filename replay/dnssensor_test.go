package replay

import (
	"errors"
	"net/netip"
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
		{"resolver side", dnsTestEvent(event.KindSendto, 15, 200, dnsTestResolver, client, answer), nil, 0, true},
		{"not port 53", dnsTestEvent(event.KindSendto, 10, 100, client, netip.MustParseAddrPort("127.0.0.1:80"), query), ErrDNSNoMessage, 0, false},
		{"not a send", dnsTestEvent(event.KindConnect, 10, 100, client, dnsTestResolver, query), ErrDNSNoMessage, 0, false},
		{"cut by snaplen", dnsTestEvent(event.KindRecvfrom, 20, 100, client, dnsTestResolver, answer[:20]), ErrDNSMalformed, 0, false},
	}
	d := NewDNSDecoder()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var m DNSMessage
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
	ans := []DNSRecord{{Name: "pool.example.org", Type: DNSTypeA, TTL: 60, IP: netip.MustParseAddr("192.0.2.7")}}
	pkt := DNSMessage{TS: 1000, ID: 5, Response: true, QName: "pool.example.org", QType: DNSTypeA, Answers: ans, FromPacket: true,
		Server: dnsTestResolver}
	sensor := pkt
	sensor.TS, sensor.FromPacket, sensor.FromSensor, sensor.PID = 1000+int64(300*time.Millisecond), false, true, 42
	other := pkt
	other.Answers = []DNSRecord{{Name: "pool.example.org", Type: DNSTypeA, TTL: 60, IP: netip.MustParseAddr("192.0.2.8")}}
	late := pkt
	late.TS += int64(time.Minute)
	got := MergeDNS(0, []DNSMessage{pkt, other, late}, []DNSMessage{sensor})
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
	m := DNSMessage{TS: 5, ID: 9, Response: true, QName: "pool.example.org", QType: DNSTypeA, PID: 7, FromSensor: true,
		Server: dnsTestResolver, Client: netip.MustParseAddrPort("[2001:db8::1]:5000"),
		Answers: []DNSRecord{
			{Name: "pool.example.org", Type: DNSTypeCNAME, TTL: 300, Target: "edge.example.net"},
			{Name: "edge.example.net", Type: DNSTypeA, TTL: 30, IP: netip.MustParseAddr("192.0.2.7")},
			{Name: "edge.example.net", Type: DNSTypeAAAA, TTL: 40, IP: netip.MustParseAddr("2001:db8::7")},
		}}
	src := NewDNSSource([]DNSMessage{m})
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
	for _, f := range DNSFields {
		if event.KindDns.ParamIndex(f.Param) < 0 {
			t.Errorf("field %s reads unknown parameter %q", f.Name, f.Param)
		}
	}
}
