package capture

import (
	"net"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"golang.org/x/net/bpf"
)

// dnsFilterFrame builds a frame: Ethernet (or raw IP when raw), IPv4 or IPv6, UDP or TCP.
func dnsFilterFrame(t *testing.T, raw, v6, tcp bool, sport, dport uint16, fragOff uint16) []byte {
	t.Helper()
	var ls []gopacket.SerializableLayer
	proto := layers.IPProtocolUDP
	if tcp {
		proto = layers.IPProtocolTCP
	}
	var nl gopacket.NetworkLayer
	et := layers.EthernetTypeIPv4
	if v6 {
		et = layers.EthernetTypeIPv6
		nl = &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: proto, SrcIP: net.ParseIP("2001:db8::1"), DstIP: net.ParseIP("2001:db8::2")}
	} else {
		// Options make the header 24 bytes, so the filter must use the real header length.
		nl = &layers.IPv4{Version: 4, TTL: 64, Protocol: proto, FragOffset: fragOff, SrcIP: net.IP{192, 0, 2, 1}, DstIP: net.IP{192, 0, 2, 2},
			Options: []layers.IPv4Option{{OptionType: 1}, {OptionType: 1}, {OptionType: 1}, {OptionType: 0}}}
	}
	if !raw {
		ls = append(ls, &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: et})
	}
	ls = append(ls, nl.(gopacket.SerializableLayer))
	if tcp {
		l := &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), ACK: true}
		l.SetNetworkLayerForChecksum(nl)
		ls = append(ls, l)
	} else {
		l := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
		l.SetNetworkLayerForChecksum(nl)
		ls = append(ls, l)
	}
	ls = append(ls, gopacket.Payload("0123456789ab"))
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestDNSFilter runs the socket filter in x/net/bpf's interpreter, as the kernel would.
func TestDNSFilter(t *testing.T) {
	tests := []struct {
		name         string
		raw, v6, tcp bool
		sport, dport uint16
		frag         uint16
		accept       bool
	}{
		{name: "udp4 query", dport: 53, sport: 40000, accept: true},
		{name: "udp4 answer", sport: 53, dport: 40000, accept: true},
		{name: "tcp4", tcp: true, sport: 40000, dport: 53, accept: true},
		{name: "udp6", v6: true, sport: 53, dport: 40000, accept: true},
		{name: "tcp6", v6: true, tcp: true, sport: 40000, dport: 53, accept: true},
		{name: "ntp", sport: 123, dport: 123},
		{name: "https6", v6: true, tcp: true, sport: 40000, dport: 443},
		{name: "later fragment", sport: 53, dport: 40000, frag: 100},
		{name: "raw udp4", raw: true, sport: 53, dport: 40000, accept: true},
		{name: "raw tcp6", raw: true, v6: true, tcp: true, sport: 40000, dport: 53, accept: true},
		{name: "raw other", raw: true, v6: true, sport: 1, dport: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hdr := uint32(14)
			if tc.raw {
				hdr = 0
			}
			vm, err := bpf.NewVM(dnsFilter(hdr, false))
			if err != nil {
				t.Fatal(err)
			}
			n, err := vm.Run(dnsFilterFrame(t, tc.raw, tc.v6, tc.tcp, tc.sport, tc.dport, tc.frag))
			if err != nil {
				t.Fatal(err)
			}
			if (n > 0) != tc.accept {
				t.Errorf("accepted %d bytes, want accept=%v", n, tc.accept)
			}
		})
	}
	t.Run("arp", func(t *testing.T) {
		vm, _ := bpf.NewVM(dnsFilter(14, false))
		if n, _ := vm.Run(append([]byte{2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 8, 6}, make([]byte, 28)...)); n != 0 {
			t.Errorf("arp accepted")
		}
	})
	if _, err := bpf.Assemble(dnsFilter(14, true)); err != nil {
		t.Errorf("loopback filter: %v", err)
	}
}
