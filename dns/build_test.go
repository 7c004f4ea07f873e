package dns

import (
	"bytes"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// dnsTestRR is a resource record for building test messages: IP for A/AAAA, Target for CNAME.
type dnsTestRR struct {
	name   string
	ttl    uint32
	ip     string
	target string
}

// dnsTestMsg builds a DNS message with gopacket's serializer.
func dnsTestMsg(t testing.TB, id uint16, resp bool, rcode uint8, qname string, qtype layers.DNSType, rrs ...dnsTestRR) []byte {
	t.Helper()
	d := &layers.DNS{ID: id, QR: resp, RD: true, RA: resp, ResponseCode: layers.DNSResponseCode(rcode),
		Questions: []layers.DNSQuestion{{Name: []byte(qname), Type: qtype, Class: layers.DNSClassIN}}}
	for _, r := range rrs {
		rr := layers.DNSResourceRecord{Name: []byte(r.name), Class: layers.DNSClassIN, TTL: r.ttl}
		switch {
		case r.target != "":
			rr.Type, rr.CNAME = layers.DNSTypeCNAME, []byte(r.target)
		case netip.MustParseAddr(r.ip).Is4():
			rr.Type, rr.IP = layers.DNSTypeA, net.ParseIP(r.ip).To4()
		default:
			rr.Type, rr.IP = layers.DNSTypeAAAA, net.ParseIP(r.ip)
		}
		d.Answers = append(d.Answers, rr)
	}
	buf := gopacket.NewSerializeBuffer()
	if err := d.SerializeTo(buf, gopacket.SerializeOptions{FixLengths: true}); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

// dnsTCP frames DNS messages for TCP: each behind its two-byte length.
func dnsTCP(msgs ...[]byte) []byte {
	var b []byte
	for _, m := range msgs {
		b = append(append(b, byte(len(m)>>8), byte(len(m))), m...)
	}
	return b
}

// dnsTestFrame wraps a payload into an Ethernet/IP/UDP frame, or TCP (see dnsTCP).
func dnsTestFrame(t testing.TB, src, dst netip.AddrPort, tcp bool, payload []byte) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}}
	var ip gopacket.NetworkLayer
	proto := layers.IPProtocolUDP
	if tcp {
		proto = layers.IPProtocolTCP
	}
	if src.Addr().Is4() {
		eth.EthernetType = layers.EthernetTypeIPv4
		ip = &layers.IPv4{Version: 4, TTL: 64, Protocol: proto, SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
	} else {
		eth.EthernetType = layers.EthernetTypeIPv6
		ip = &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: proto, SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
	}
	var l4 gopacket.SerializableLayer
	if tcp {
		tl := &layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()), PSH: true, ACK: true, Window: 512}
		tl.SetNetworkLayerForChecksum(ip)
		l4 = tl
	} else {
		ul := &layers.UDP{SrcPort: layers.UDPPort(src.Port()), DstPort: layers.UDPPort(dst.Port())}
		ul.SetNetworkLayerForChecksum(ip)
		l4 = ul
	}
	buf := gopacket.NewSerializeBuffer()
	err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		eth, ip.(gopacket.SerializableLayer), l4, gopacket.Payload(payload))
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

// dnsTestPcap writes Ethernet frames into a pcap (or pcapng) file image, one per millisecond.
func dnsTestPcap(t testing.TB, ng bool, frames ...[]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	start := time.Unix(1700000000, 0)
	if ng {
		w, err := pcapgo.NewNgWriter(&b, layers.LinkTypeEthernet)
		if err != nil {
			t.Fatal(err)
		}
		for i, f := range frames {
			ci := gopacket.CaptureInfo{Timestamp: start.Add(time.Duration(i) * time.Millisecond), CaptureLength: len(f), Length: len(f)}
			if err := w.WritePacket(ci, f); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	w := pcapgo.NewWriterNanos(&b)
	if err := w.WriteFileHeader(65536, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	for i, f := range frames {
		ci := gopacket.CaptureInfo{Timestamp: start.Add(time.Duration(i) * time.Millisecond), CaptureLength: len(f), Length: len(f)}
		if err := w.WritePacket(ci, f); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

var (
	dnsTestClient   = netip.MustParseAddrPort("10.0.0.5:40000")
	dnsTestResolver = netip.MustParseAddrPort("127.0.0.53:53")
)
