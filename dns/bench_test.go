package dns

import (
	"bytes"
	"io"
	"net/netip"
	"testing"

	"github.com/google/gopacket/layers"

	"saker/event"
)

// dnsBenchFrames is a typical mix: a query and its answer with two addresses.
func dnsBenchFrames(b *testing.B) [][]byte {
	return [][]byte{
		dnsTestFrame(b, dnsTestClient, dnsTestResolver, false, dnsTestMsg(b, 7, false, 0, "pool.example.org", layers.DNSTypeA)),
		dnsTestFrame(b, dnsTestResolver, dnsTestClient, false, dnsTestMsg(b, 7, true, 0, "pool.example.org", layers.DNSTypeA,
			dnsTestRR{name: "pool.example.org", ttl: 60, ip: "192.0.2.1"}, dnsTestRR{name: "pool.example.org", ttl: 60, ip: "192.0.2.2"})),
	}
}

// BenchmarkDNSDecodePacket measures frame-to-message decoding (Ethernet, IPv4, UDP, DNS).
func BenchmarkDNSDecodePacket(b *testing.B) {
	frames := dnsBenchFrames(b)
	d := NewDecoder()
	out := make([]Message, 0, 4)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, _ = d.DecodePacket(layers.LinkTypeEthernet, int64(i), frames[i&1], out[:0])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "packets/s")
}

// BenchmarkDNSReader measures reading a pcap image in memory, file framing included.
func BenchmarkDNSReader(b *testing.B) {
	frames := dnsBenchFrames(b)
	var all [][]byte
	for range 5000 {
		all = append(all, frames...)
	}
	img := dnsTestPcap(b, false, all...)
	b.ReportAllocs()
	b.ResetTimer()
	var m Message
	n := 0
	for i := 0; i < b.N; i++ {
		r, err := NewReader(bytes.NewReader(img))
		if err != nil {
			b.Fatal(err)
		}
		for r.Next(&m) != io.EOF {
			n++
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "packets/s")
}

// BenchmarkDNSDecodeTCP measures DNS over TCP reassembly: connections whose answer (16
// addresses) comes in two segments, with handshake and FIN, per segment.
func BenchmarkDNSDecodeTCP(b *testing.B) {
	big, _, _ := dnsTCPTest(b)
	var frames [][]byte
	for i := range 64 {
		c := netip.AddrPortFrom(dnsTestClient.Addr(), uint16(40000+i))
		for _, s := range []dnsSeg{{dnsTestResolver, c, 0, "S", nil, 1}, {dnsTestResolver, c, 1, "", big[:100], 1},
			{dnsTestResolver, c, 101, "", big[100:], 1}, {dnsTestResolver, c, uint32(len(big)) + 1, "F", nil, 1}} {
			frames = append(frames, dnsTestSegFrame(b, s))
		}
	}
	d := NewDecoder()
	out := make([]Message, 0, 4)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, _ = d.DecodePacket(layers.LinkTypeEthernet, int64(i), frames[i%len(frames)], out[:0])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "packets/s")
}

// BenchmarkDNSSensorTCP measures joining an answer read as its length and its body on a TCP
// socket, per call.
func BenchmarkDNSSensorTCP(b *testing.B) {
	big, _, _ := dnsTCPTest(b)
	client := netip.MustParseAddrPort("10.0.0.5:41000")
	evs := []event.Event{dnsTestTCPEvent(event.KindRead, 1, 100, 5, client, dnsTestResolver, big[:2], 2),
		dnsTestTCPEvent(event.KindRead, 2, 100, 5, client, dnsTestResolver, big[2:], len(big)-2)}
	s := NewSensor(NewDecoder())
	out := make([]Message, 0, 4)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, _ = s.Decode(&evs[i&1], nil, nil, out[:0])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}
