package replay

import (
	"bytes"
	"io"
	"testing"

	"github.com/google/gopacket/layers"
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
	d := NewDNSDecoder()
	out := make([]DNSMessage, 0, 4)
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
	var m DNSMessage
	n := 0
	for i := 0; i < b.N; i++ {
		r, err := NewDNSReader(bytes.NewReader(img))
		if err != nil {
			b.Fatal(err)
		}
		for r.Next(&m) != io.EOF {
			n++
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "packets/s")
}
