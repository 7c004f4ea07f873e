package dns

import (
	"bytes"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/google/gopacket/layers"

	"saker/event"
)

// FuzzDNSMessage feeds arbitrary bytes to the message decoder as a UDP and a TCP payload and
// as a whole frame: it must return or fail with ErrMalformed, never panic, and keep no more
// answers than the bytes could hold.
func FuzzDNSMessage(f *testing.F) {
	f.Add(dnsTestMsg(f, 1, false, 0, "pool.example.org", layers.DNSTypeA))
	f.Add(dnsTestMsg(f, 2, true, 0, "pool.example.org", layers.DNSTypeA,
		dnsTestRR{name: "pool.example.org", ttl: 300, target: "edge.example.net"},
		dnsTestRR{name: "edge.example.net", ttl: 30, ip: "192.0.2.10"},
		dnsTestRR{name: "edge.example.net", ttl: 30, ip: "2001:db8::10"}))
	f.Add([]byte{0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1}) // pointer loop
	d := NewDecoder()
	var m Message
	var out []Message
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := d.DecodePayload(event.ProtoUDP, b, &m); err == nil && len(m.Answers) > len(b)/11 {
			t.Fatalf("%d answers from %d bytes", len(m.Answers), len(b))
		}
		_ = d.DecodePayload(event.ProtoTCP, b, &m)
		var ip4 layers.LinkType = layers.LinkTypeRaw
		out, _ = d.DecodePacket(ip4, 0, b, out[:0])
		out, _ = d.DecodePacket(layers.LinkTypeEthernet, 0, dnsTestFrame(t, dnsTestClient, dnsTestResolver, true, b), out[:0])
	})
}

// FuzzDNSReader feeds arbitrary bytes to the capture file reader (pcap, pcapng, zstd): it must
// end with io.EOF or an error, never panic or loop.
func FuzzDNSReader(f *testing.F) {
	frames := [][]byte{
		dnsTestFrame(f, dnsTestClient, dnsTestResolver, false, dnsTestMsg(f, 7, false, 0, "pool.example.org", layers.DNSTypeA)),
		dnsTestFrame(f, netip.MustParseAddrPort("[2001:db8::53]:53"), netip.MustParseAddrPort("[2001:db8::5]:4000"), true,
			dnsTCP(dnsTestMsg(f, 7, true, 0, "pool.example.org", layers.DNSTypeAAAA, dnsTestRR{name: "pool.example.org", ttl: 60, ip: "2001:db8::1"}))),
	}
	f.Add(dnsTestPcap(f, false, frames...))
	f.Add(dnsTestPcap(f, true, frames...))
	if b, err := os.ReadFile(dnsCorpus + "/zeek-cryptomining/bitcoin-mining-in-progress.pcap"); err == nil && len(b) > 4096 {
		f.Add(b[:4096])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := NewReader(bytes.NewReader(b))
		if err != nil {
			return
		}
		defer r.Close()
		var m Message
		for i := 0; i < 1<<16; i++ {
			if r.Next(&m) != nil {
				return
			}
		}
		t.Fatal("reader did not end")
	})
}

// FuzzDNSTCPStream cuts a TCP stream of length-framed DNS messages into segments at the
// positions cuts gives, sends some twice and swaps neighbours as order says, and checks that
// reassembly decodes the same messages as the stream in one segment, holding nothing after.
func FuzzDNSTCPStream(f *testing.F) {
	big, a, b := dnsTCPTest(f)
	f.Add(append(append(append([]byte(nil), a...), big...), b...), []byte{1, 30, 200, 7}, []byte{0, 1, 2})
	f.Add(append(append([]byte(nil), big...), a...), []byte{2, 2, 2, 250}, []byte{5})
	f.Add([]byte{0, 12, 1, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0}, []byte{1}, []byte{})
	f.Fuzz(func(t *testing.T, stream, cuts, order []byte) {
		if len(stream) > 1<<16 || len(cuts) > 64 {
			return
		}
		render := func(msgs []Message) string {
			var s []string
			for i := range msgs {
				s = append(s, dnsLine(&msgs[i], false))
			}
			return strings.Join(s, "\n")
		}
		seg := func(off int, p []byte) []byte {
			return dnsTestSegFrame(t, dnsSeg{dnsTestResolver, dnsTestClient, 1 + uint32(off), "", p, 0})
		}
		syn := dnsTestSegFrame(t, dnsSeg{dnsTestResolver, dnsTestClient, 0, "S", nil, 0})
		whole := NewDecoder()
		var want []Message
		want, _ = whole.DecodePacket(layers.LinkTypeEthernet, 0, syn, want)
		if len(stream) > 0 {
			want, _ = whole.DecodePacket(layers.LinkTypeEthernet, 1, seg(0, stream), want)
		}
		want = whole.FlushTCP(want)

		var frames [][]byte
		for off := 0; off < len(stream); {
			n := len(stream) - off
			if len(frames) < len(cuts) {
				n = min(n, int(cuts[len(frames)])+1)
			}
			fr := seg(off, stream[off:off+n])
			frames = append(frames, fr)
			if len(frames)%3 == 0 {
				frames = append(frames, fr) // a retransmission
			}
			off += n
		}
		for _, o := range order {
			if i := int(o) % (len(frames) + 1); i+1 < len(frames) {
				frames[i], frames[i+1] = frames[i+1], frames[i]
			}
		}
		d := NewDecoder()
		var got []Message
		got, _ = d.DecodePacket(layers.LinkTypeEthernet, 0, syn, got)
		for _, fr := range frames {
			got, _ = d.DecodePacket(layers.LinkTypeEthernet, 1, fr, got)
		}
		got = d.FlushTCP(got)
		if g, w := render(got), render(want); g != w {
			t.Fatalf("segmented:\n%s\nwhole:\n%s", g, w)
		}
		if len(d.flows) != 0 || d.tcpBytes != 0 {
			t.Fatalf("%d flows, %d bytes held", len(d.flows), d.tcpBytes)
		}
	})
}

// FuzzDNSSensorStream reads a TCP stream of length-framed DNS messages with calls of the
// sizes cuts gives: the messages must be those of one call reading it all, and nothing may
// stay held after a whole stream.
func FuzzDNSSensorStream(f *testing.F) {
	big, a, b := dnsTCPTest(f)
	f.Add(append(append(append([]byte(nil), a...), big...), b...), []byte{1, 0, 200, 7})
	f.Add([]byte{0, 12, 1, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0}, []byte{0})
	client := netip.MustParseAddrPort("10.0.0.5:41000")
	f.Fuzz(func(t *testing.T, stream, cuts []byte) {
		if len(stream) == 0 || len(stream) > 1<<16 || len(cuts) > 64 {
			return
		}
		read := func(s *Sensor, p []byte, out []Message) []Message {
			e := dnsTestTCPEvent(event.KindRead, 1, 100, 5, client, dnsTestResolver, p, len(p))
			out, _ = s.Decode(&e, nil, nil, out)
			return out
		}
		render := func(msgs []Message) string {
			var s []string
			for i := range msgs {
				s = append(s, dnsLine(&msgs[i], false))
			}
			return strings.Join(s, "\n")
		}
		whole := NewSensor(NewDecoder())
		want := read(whole, stream, nil)
		s := NewSensor(NewDecoder())
		var got []Message
		for off, i := 0, 0; off < len(stream); i++ {
			n := len(stream) - off
			if i < len(cuts) {
				n = min(n, int(cuts[i])+1)
			}
			got = read(s, stream[off:off+n], got)
			off += n
		}
		if whole.bytes == 0 && dnsMsgStart(stream) && len(s.streams) > 0 {
			// The stream ends on a message boundary: the pieces must give the same messages.
			if g, w := render(got), render(want); g != w {
				t.Fatalf("in pieces:\n%s\nwhole:\n%s", g, w)
			}
			if len(s.streams) != 1 || s.bytes != 0 {
				t.Fatalf("%d streams, %d bytes held", len(s.streams), s.bytes)
			}
		}
	})
}
