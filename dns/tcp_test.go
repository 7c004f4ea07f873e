package dns

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// dnsSeg is one TCP segment of a test stream: payload bytes at a sequence offset from the
// stream's initial sequence number, with flags among "S", "F", "R".
type dnsSeg struct {
	src, dst netip.AddrPort
	off      uint32
	flags    string
	data     []byte
	ack      uint32 // acknowledged offset of the other direction; 0 sends no ACK with a SYN
}

// dnsTestISN is the initial sequence number of test streams, near the wrap to test it.
const dnsTestISN = 0xfffffff0

// dnsTestSegFrame builds the Ethernet/IPv4/TCP frame of s.
func dnsTestSegFrame(t testing.TB, s dnsSeg) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2},
		EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: s.src.Addr().AsSlice(), DstIP: s.dst.Addr().AsSlice()}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(s.src.Port()), DstPort: layers.TCPPort(s.dst.Port()), Seq: dnsTestISN + s.off,
		ACK: !strings.Contains(s.flags, "S") || s.ack != 0, Ack: dnsTestISN + s.ack, PSH: len(s.data) > 0, Window: 65535,
		SYN: strings.Contains(s.flags, "S"), FIN: strings.Contains(s.flags, "F"), RST: strings.Contains(s.flags, "R")}
	tcp.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		eth, ip, tcp, gopacket.Payload(s.data)); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

// dnsTCPTest builds the answers of the reassembly tests: a big one (16 addresses) to split,
// and two small ones.
func dnsTCPTest(t testing.TB) (big, a, b []byte) {
	var rrs []dnsTestRR
	for i := range 16 {
		rrs = append(rrs, dnsTestRR{name: "pool.example.org", ttl: 60, ip: netip.AddrFrom4([4]byte{192, 0, 2, byte(i + 1)}).String()})
	}
	big = dnsTCP(dnsTestMsg(t, 0x10, true, 0, "pool.example.org", layers.DNSTypeA, rrs...))
	a = dnsTCP(dnsTestMsg(t, 0x11, true, 0, "a.example", layers.DNSTypeA, dnsTestRR{name: "a.example", ttl: 5, ip: "198.51.100.1"}))
	b = dnsTCP(dnsTestMsg(t, 0x12, true, 0, "b.example", layers.DNSTypeAAAA, dnsTestRR{name: "b.example", ttl: 7, ip: "2001:db8::12"}))
	return big, a, b
}

func TestDNSTCPReassembly(t *testing.T) {
	big, a, b := dnsTCPTest(t)
	r, c := dnsTestResolver, dnsTestClient
	seg := func(off int, flags string, data []byte) dnsSeg { return dnsSeg{r, c, uint32(off), flags, data, 0} }
	ab := append(append([]byte(nil), a...), b...)
	nb, na := len(big), len(a)
	const (
		bigLine = "0x0010 pool.example.org 16"
		aLine   = "0x0011 a.example 1"
		bLine   = "0x0012 b.example 1"
	)
	tests := []struct {
		name string
		segs []dnsSeg
		want []string // id, name and answer count of each message, in the order decoded
		// frame is the index of the segment each message completes (-1: at the flush).
		frame []int
		stats Stats // the TCP counts only
	}{
		{
			name:  "split in three",
			segs:  []dnsSeg{seg(0, "S", nil), seg(1, "", big[:1]), seg(2, "", big[1:100]), seg(101, "", big[100:])},
			want:  []string{bigLine},
			frame: []int{3},
			stats: Stats{TCPPartial: 3, TCPReassembled: 1},
		},
		{
			name:  "two answers and a start in one segment",
			segs:  []dnsSeg{seg(0, "", append(append([]byte(nil), ab...), big[:50]...)), seg(len(ab)+50, "F", big[50:])},
			want:  []string{aLine, bLine, bigLine},
			frame: []int{0, 0, 1},
			stats: Stats{TCPPartial: 2, TCPReassembled: 1},
		},
		{
			name:  "end of one answer and a whole one in one segment",
			segs:  []dnsSeg{seg(0, "", big[:nb-3]), seg(nb-3, "", append(append([]byte(nil), big[nb-3:]...), a...))},
			want:  []string{bigLine, aLine},
			frame: []int{1, 1},
			stats: Stats{TCPPartial: 2, TCPReassembled: 1},
		},
		{
			name:  "retransmissions",
			segs:  []dnsSeg{seg(0, "", a), seg(0, "", a), seg(na, "", big[:60]), seg(na, "", big[:80]), seg(na+60, "", big[60:])},
			want:  []string{aLine, bigLine},
			frame: []int{0, 4},
			stats: Stats{TCPPartial: 3, TCPReassembled: 1, TCPRetransmitted: 1},
		},
		{
			name:  "out of order",
			segs:  []dnsSeg{seg(0, "S", nil), seg(61, "", big[60:]), seg(1+nb, "", a), seg(1, "", big[:60])},
			want:  []string{bigLine, aLine},
			frame: []int{3, 3},
			stats: Stats{TCPPartial: 2, TCPReassembled: 1, TCPOutOfOrder: 2},
		},
		{
			// The capture lost big[20:40]: the message is lost, the answer after it is
			// decoded at the end of the capture.
			name:  "gap never closes",
			segs:  []dnsSeg{seg(0, "", big[:20]), seg(40, "", big[40:]), seg(nb, "", a)},
			want:  []string{aLine},
			frame: []int{-1},
			stats: Stats{TCPPartial: 1, TCPOutOfOrder: 2, TCPLost: 1},
		},
		{
			name:  "reset drops a partial answer",
			segs:  []dnsSeg{seg(0, "", big[:30]), seg(30, "R", nil), seg(30, "", big[30:])},
			stats: Stats{TCPPartial: 1, TCPLost: 2}, // the rest after the reset starts no message
		},
		{
			name:  "cut by the end of the capture",
			segs:  []dnsSeg{seg(0, "", a), seg(na, "", b[:4])},
			want:  []string{aLine},
			frame: []int{0},
			stats: Stats{TCPPartial: 1, TCPLost: 1},
		},
		{
			name: "two directions",
			segs: []dnsSeg{{c, r, 0, "", a[:5], 0}, seg(0, "", b[:5]), {c, r, 5, "", a[5:], 0}, seg(5, "", b[5:])},
			// The ends are named by the QR bit: both are answers, one sent "by the client".
			want:  []string{aLine, bLine},
			frame: []int{2, 3},
			stats: Stats{TCPPartial: 4, TCPReassembled: 2},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder()
			var got []string
			var frames []int
			var out []Message
			for i, s := range tc.segs {
				var err error
				out, err = d.DecodePacket(layers.LinkTypeEthernet, int64(i), dnsTestSegFrame(t, s), out[:0])
				if err != nil {
					t.Fatalf("segment %d: %v", i, err)
				}
				for j := range out {
					got = append(got, dnsTCPLine(&out[j]))
					frames = append(frames, int(out[j].TS))
				}
			}
			out = d.FlushTCP(out[:0])
			for j := range out {
				got = append(got, dnsTCPLine(&out[j]))
				frames = append(frames, -1)
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if tc.frame != nil && !slices.Equal(frames, tc.frame) {
				t.Errorf("completed at segments %v, want %v", frames, tc.frame)
			}
			st := d.Stats()
			st.Packets, st.Messages, st.Malformed, st.Skipped = 0, 0, 0, 0
			if st != tc.stats {
				t.Errorf("stats %+v, want %+v", st, tc.stats)
			}
			if len(d.flows) != 0 || d.tcpBytes != 0 {
				t.Errorf("after the flush: %d flows, %d bytes", len(d.flows), d.tcpBytes)
			}
		})
	}
}

func dnsTCPLine(m *Message) string {
	return fmt.Sprintf("0x%04x %s %d", m.ID, m.QName, len(m.Answers))
}

// TestDNSTCPBounds opens more flows than the decoder keeps, each holding half an answer: the
// oldest are evicted, and the held bytes stay within bounds; idle flows expire.
func TestDNSTCPBounds(t *testing.T) {
	big, _, _ := dnsTCPTest(t)
	d := NewDecoder()
	var out []Message
	for i := range dnsTCPMaxFlows + 10 {
		c := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), 40000)
		out, _ = d.DecodePacket(layers.LinkTypeEthernet, int64(i), dnsTestSegFrame(t, dnsSeg{dnsTestResolver, c, 0, "", big[:50], 0}), out[:0])
	}
	if st := d.Stats(); len(d.flows) != dnsTCPMaxFlows || st.TCPEvicted != 10 || st.TCPLost != 10 || d.tcpBytes != 50*dnsTCPMaxFlows {
		t.Errorf("%d flows, %d bytes, stats %+v", len(d.flows), d.tcpBytes, st)
	}
	// A packet much later expires them all.
	out, _ = d.DecodePacket(layers.LinkTypeEthernet, 2*dnsTCPIdle, dnsTestFrame(t, dnsTestClient, dnsTestResolver, false, big[2:]), out[:0])
	if len(d.flows) != 0 || d.tcpBytes != 0 || len(out) != 1 {
		t.Errorf("after expiry: %d flows, %d bytes, %d messages", len(d.flows), d.tcpBytes, len(out))
	}
}

// TestDNSTCPNoAllocs: once warm, reassembling answers split over segments of new connections
// allocates nothing per segment.
func TestDNSTCPNoAllocs(t *testing.T) {
	big, _, _ := dnsTCPTest(t)
	var frames [][]byte
	for _, s := range []dnsSeg{{dnsTestResolver, dnsTestClient, 0, "S", nil, 0}, {dnsTestResolver, dnsTestClient, 1, "", big[:40], 0},
		{dnsTestResolver, dnsTestClient, 41, "", big[40:], 0}, {dnsTestResolver, dnsTestClient, uint32(len(big)) + 1, "F", nil, 0}} {
		frames = append(frames, dnsTestSegFrame(t, s))
	}
	d := NewDecoder()
	out := make([]Message, 0, 4)
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		out, _ = d.DecodePacket(layers.LinkTypeEthernet, int64(i), frames[i%len(frames)], out[:0])
		i++
	})
	if allocs != 0 {
		t.Errorf("%v allocations per segment", allocs)
	}
	if st := d.Stats(); st.TCPReassembled < 250 || st.TCPLost != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestDNSTCPTshark writes a capture with a handshake, an answer split over three segments, a
// retransmission and a segment out of order, and compares saker's reading with Wireshark's
// reassembly: every message, at the time of the segment that completes it.
func TestDNSTCPTshark(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed")
	}
	big, a, b := dnsTCPTest(t)
	r, c := dnsTestResolver, dnsTestClient
	q := dnsTCP(dnsTestMsg(t, 0x10, false, 0, "pool.example.org", layers.DNSTypeA))
	nb, na := uint32(len(big)), uint32(len(a))
	nq, end := 1+uint32(len(q)), 1+nb+na+uint32(len(b))
	segs := []dnsSeg{
		{c, r, 0, "S", nil, 0}, {r, c, 0, "S", nil, 1}, {c, r, 1, "", nil, 1},
		{c, r, 1, "", q, 1},
		{r, c, 1, "", big[:2], nq}, {r, c, 3, "", big[2:90], nq}, {r, c, 3, "", big[2:90], nq}, {r, c, 91, "", big[90:], nq},
		{r, c, 1 + nb + na, "", b, nq}, {r, c, 1 + nb, "", a, nq}, // b before a
		{r, c, end, "F", nil, nq}, {c, r, nq, "F", nil, end + 1},
	}
	var frames [][]byte
	for _, s := range segs {
		frames = append(frames, dnsTestSegFrame(t, s))
	}
	path := filepath.Join(t.TempDir(), "tcp.pcap")
	// DNS_TCP_PCAP keeps the capture for a look with tshark -r.
	if p := os.Getenv("DNS_TCP_PCAP"); p != "" {
		path = p
	}
	if err := os.WriteFile(path, dnsTestPcap(t, false, frames...), 0o600); err != nil {
		t.Fatal(err)
	}
	msgs, st, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := range msgs {
		got = append(got, dnsTsharkForm(&msgs[i]))
	}
	want := dnsTsharkLines(t, tshark, path, "-o", "tcp.reassemble_out_of_order:TRUE")
	if g, w := strings.Join(got, "\n"), strings.Join(want, "\n"); g != w {
		t.Errorf("saker:\n%s\ntshark:\n%s", g, w)
	}
	if len(msgs) != 4 || st.TCPReassembled != 1 || st.TCPRetransmitted != 1 || st.TCPOutOfOrder != 1 {
		t.Errorf("%d messages, stats %+v", len(msgs), st)
	}
	t.Logf("%d messages agree with tshark; stats %+v", len(got), st)
}
