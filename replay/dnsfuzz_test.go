package replay

import (
	"bytes"
	"net/netip"
	"os"
	"testing"

	"github.com/google/gopacket/layers"

	"saker/event"
)

// FuzzDNSMessage feeds arbitrary bytes to the message decoder as a UDP and a TCP payload and
// as a whole frame: it must return or fail with ErrDNSMalformed, never panic, and keep no more
// answers than the bytes could hold.
func FuzzDNSMessage(f *testing.F) {
	f.Add(dnsTestMsg(f, 1, false, 0, "pool.example.org", layers.DNSTypeA))
	f.Add(dnsTestMsg(f, 2, true, 0, "pool.example.org", layers.DNSTypeA,
		dnsTestRR{name: "pool.example.org", ttl: 300, target: "edge.example.net"},
		dnsTestRR{name: "edge.example.net", ttl: 30, ip: "192.0.2.10"},
		dnsTestRR{name: "edge.example.net", ttl: 30, ip: "2001:db8::10"}))
	f.Add([]byte{0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1}) // pointer loop
	d := NewDNSDecoder()
	var m DNSMessage
	var out []DNSMessage
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
		r, err := NewDNSReader(bytes.NewReader(b))
		if err != nil {
			return
		}
		defer r.Close()
		var m DNSMessage
		for i := 0; i < 1<<16; i++ {
			if r.Next(&m) != nil {
				return
			}
		}
		t.Fatal("reader did not end")
	})
}
