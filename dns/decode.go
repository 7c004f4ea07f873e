package dns

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"saker/event"
)

// Stats counts what a DNS decoder saw.
type Stats struct {
	Packets   uint64 // packets read
	Messages  uint64 // DNS messages decoded
	Malformed uint64 // port-53 payloads that did not decode as DNS, counted and skipped
	// Skipped counts packets that are not DNS over UDP or TCP port 53 of IPv4 or IPv6: other
	// link types and protocols, IP fragments, TCP segments without payload.
	Skipped uint64
	// TCPPartial counts TCP segments that start or continue a message split over segments,
	// which reassembly joins: TCPReassembled counts the messages so completed.
	TCPPartial     uint64
	TCPReassembled uint64
	// TCPRetransmitted counts TCP segments whose bytes were all seen before, dropped;
	// TCPOutOfOrder counts segments that came past a gap and were held until it closed.
	TCPRetransmitted uint64
	TCPOutOfOrder    uint64
	// TCPLost counts gaps in TCP streams that never closed and messages cut by the end of
	// their connection or of the capture: their messages are lost. TCPEvicted counts flows
	// dropped early to bound the reassembly's memory.
	TCPLost    uint64
	TCPEvicted uint64
}

// Add adds the counts of o to s.
func (s *Stats) Add(o Stats) {
	s.Packets += o.Packets
	s.Messages += o.Messages
	s.Malformed += o.Malformed
	s.Skipped += o.Skipped
	s.TCPPartial += o.TCPPartial
	s.TCPReassembled += o.TCPReassembled
	s.TCPRetransmitted += o.TCPRetransmitted
	s.TCPOutOfOrder += o.TCPOutOfOrder
	s.TCPLost += o.TCPLost
	s.TCPEvicted += o.TCPEvicted
}

// Decoder decodes link-layer frames and socket payloads into DNSMessages with gopacket's
// DecodingLayerParser: after warm-up it allocates nothing per packet. Names are interned, so
// a message's strings stay valid after the decoder moves on, but its Answers slice is reused.
// A Decoder is not safe for concurrent use.
type Decoder struct {
	eth    layers.Ethernet
	sll    layers.LinuxSLL
	lo     layers.Loopback
	vlan   layers.Dot1Q
	ip4    layers.IPv4
	ip6    layers.IPv6
	ip6ext layers.IPv6ExtensionSkipper
	udp    layers.UDP
	tcp    layers.TCP
	dns    layers.DNS

	// parsers by first layer: see dnsFirstLayer.
	parsers [dnsNumFirst]*gopacket.DecodingLayerParser
	decoded []gopacket.LayerType
	names   map[string]string
	stats   Stats

	// DNS-over-TCP reassembly: see dnstcp.go.
	flows     map[dnsFlowKey]*dnsFlow
	freeFlows []*dnsFlow
	flowBuf   []*dnsFlow
	tcpBytes  int   // bytes the flows hold
	tcpSwept  int64 // capture time of the last expiry sweep
}

// dnsInternMax bounds the name intern table; it is cleared when full.
const dnsInternMax = 1 << 16

// NewDecoder returns a decoder with zeroed statistics.
func NewDecoder() *Decoder {
	d := &Decoder{
		decoded: make([]gopacket.LayerType, 0, 8),
		names:   make(map[string]string),
	}
	firsts := [dnsNumFirst]gopacket.LayerType{dnsFirstEthernet: layers.LayerTypeEthernet,
		dnsFirstSLL: layers.LayerTypeLinuxSLL, dnsFirstLoopback: layers.LayerTypeLoopback,
		dnsFirstIPv4: layers.LayerTypeIPv4, dnsFirstIPv6: layers.LayerTypeIPv6}
	for i, first := range firsts {
		if i == dnsFirstNone {
			continue
		}
		p := gopacket.NewDecodingLayerParser(first)
		// The sparse container indexes decoders by layer type, faster than the default map.
		p.SetDecodingLayerContainer(gopacket.DecodingLayerSparse(nil))
		for _, l := range []gopacket.DecodingLayer{&d.eth, &d.sll, &d.lo, &d.vlan, &d.ip4, &d.ip6, &d.ip6ext, &d.udp, &d.tcp} {
			p.AddDecodingLayer(l)
		}
		// The parser stops at the first layer it has no decoder for (DNS among them: UDP and
		// TCP payloads are handed to d.dns by hand, since TCP frames DNS with a length).
		p.IgnoreUnsupported = true
		d.parsers[i] = p
	}
	return d
}

// Stats returns the counts so far.
func (d *Decoder) Stats() Stats { return d.stats }

// DecodePacket decodes one captured frame of the given link type seen at ts (Unix
// nanoseconds) and appends the DNS messages it completes to out, reusing the Answers of out's
// spare capacity: none, one, or for a TCP segment several, some begun in earlier segments of
// its flow (DNS over TCP is reassembled per flow within bounds; see Stats). Frames must come
// in capture order. Frames that are not DNS are counted in Stats and yield nothing; a
// malformed DNS payload yields an error wrapping ErrMalformed, after the other messages of
// the frame. FlushTCP ends the reassembly at the end of a capture.
func (d *Decoder) DecodePacket(lt layers.LinkType, ts int64, data []byte, out []Message) ([]Message, error) {
	d.stats.Packets++
	d.expireTCP(ts, &out)
	p := d.parsers[dnsFirstLayer(lt, data)]
	if p == nil {
		d.stats.Skipped++
		return out, nil
	}
	if err := p.DecodeLayers(data, &d.decoded); err != nil {
		d.stats.Skipped++
		return out, nil
	}
	var src, dst netip.Addr
	var l4 gopacket.LayerType
	for _, t := range d.decoded {
		switch t {
		case layers.LayerTypeIPv4:
			if d.ip4.Flags&layers.IPv4MoreFragments != 0 || d.ip4.FragOffset != 0 {
				d.stats.Skipped++
				return out, nil
			}
			src, _ = netip.AddrFromSlice(d.ip4.SrcIP.To4())
			dst, _ = netip.AddrFromSlice(d.ip4.DstIP.To4())
		case layers.LayerTypeIPv6:
			src, _ = netip.AddrFromSlice(d.ip6.SrcIP)
			dst, _ = netip.AddrFromSlice(d.ip6.DstIP)
		case layers.LayerTypeUDP, layers.LayerTypeTCP:
			l4 = t
		}
	}
	switch l4 {
	case layers.LayerTypeUDP:
		if d.udp.SrcPort != 53 && d.udp.DstPort != 53 {
			d.stats.Skipped++
			return out, nil
		}
		sp := netip.AddrPortFrom(src, uint16(d.udp.SrcPort))
		dp := netip.AddrPortFrom(dst, uint16(d.udp.DstPort))
		return d.decodeOne(d.udp.Payload, ts, event.ProtoUDP, sp, dp, out)
	case layers.LayerTypeTCP:
		if d.tcp.SrcPort != 53 && d.tcp.DstPort != 53 {
			d.stats.Skipped++
			return out, nil
		}
		sp := netip.AddrPortFrom(src, uint16(d.tcp.SrcPort))
		dp := netip.AddrPortFrom(dst, uint16(d.tcp.DstPort))
		return d.decodeTCP(&d.tcp, ts, sp, dp, out)
	}
	d.stats.Skipped++
	return out, nil
}

// decodeOne decodes one DNS message sent from src to dst and appends it to out.
func (d *Decoder) decodeOne(p []byte, ts int64, proto uint8, src, dst netip.AddrPort, out []Message) ([]Message, error) {
	out, m := dnsGrow(out)
	if err := d.fill(p, m); err != nil {
		out = out[:len(out)-1]
		return out, err
	}
	m.TS, m.Proto, m.FromPacket = ts, proto, true
	if m.Response {
		m.Server, m.Client = src, dst
	} else {
		m.Client, m.Server = src, dst
	}
	return out, nil
}

// DecodePayload decodes the DNS message of a socket payload (what send and receive calls
// carry): proto event.ProtoTCP strips the two-byte length when it is there. It fills m's DNS
// fields and leaves its time, endpoints and process alone; the error wraps ErrMalformed.
func (d *Decoder) DecodePayload(proto uint8, p []byte, m *Message) error {
	if proto == event.ProtoTCP && len(p) >= 2 && int(binary.BigEndian.Uint16(p)) == len(p)-2 {
		p = p[2:]
	}
	ts, client, server, pid, tid := m.TS, m.Client, m.Server, m.PID, m.TID
	if err := d.fill(p, m); err != nil {
		return err
	}
	m.TS, m.Client, m.Server, m.PID, m.TID, m.Proto = ts, client, server, pid, tid, proto
	return nil
}

// fill resets m and decodes the DNS message p into it.
func (d *Decoder) fill(p []byte, m *Message) error {
	m.reset()
	if err := d.decodeDNS(p); err != nil {
		d.stats.Malformed++
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	d.stats.Messages++
	m.ID = d.dns.ID
	m.Response = d.dns.QR
	m.Opcode = uint8(d.dns.OpCode)
	m.Rcode = uint8(d.dns.ResponseCode)
	m.Truncated = d.dns.TC
	if len(d.dns.Questions) > 0 {
		m.QName = d.name(d.dns.Questions[0].Name)
		m.QType = uint16(d.dns.Questions[0].Type)
	}
	for i := range d.dns.Answers {
		rr := &d.dns.Answers[i]
		var r Record
		switch rr.Type {
		case layers.DNSTypeA, layers.DNSTypeAAAA:
			ip, ok := netip.AddrFromSlice(rr.IP)
			if !ok {
				continue
			}
			if rr.Type == layers.DNSTypeA {
				ip = ip.Unmap()
			}
			r.IP = ip
		case layers.DNSTypeCNAME:
			r.Target = d.name(rr.CNAME)
		default:
			continue
		}
		r.Name, r.Type, r.TTL = d.name(rr.Name), uint16(rr.Type), rr.TTL
		m.Answers = append(m.Answers, r)
	}
	return nil
}

// decodeDNS runs gopacket's DNS decoder, which panics on some malformed input (an answer's
// name running past the buffer); the panic becomes an error.
func (d *Decoder) decodeDNS(p []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("decoder panic: %v", r)
		}
	}()
	return d.dns.DecodeFromBytes(p, gopacket.NilDecodeFeedback)
}

// name interns a wire name, so that steady-state decoding allocates no strings.
func (d *Decoder) name(b []byte) string {
	if len(b) == 0 {
		return "."
	}
	if s, ok := d.names[string(b)]; ok {
		return s
	}
	if len(d.names) >= dnsInternMax {
		clear(d.names)
	}
	s := string(b)
	d.names[s] = s
	return s
}

// dnsGrow extends out by one message, reusing the Answers buffer of a spare element.
func dnsGrow(out []Message) ([]Message, *Message) {
	if len(out) < cap(out) {
		out = out[:len(out)+1]
	} else {
		out = append(out, Message{})
	}
	m := &out[len(out)-1]
	m.reset()
	return out, m
}

// First layers of the frames of the link types saker decodes.
const (
	dnsFirstNone = iota
	dnsFirstEthernet
	dnsFirstSLL
	dnsFirstLoopback
	dnsFirstIPv4
	dnsFirstIPv6
	dnsNumFirst
)

// dnsFirstLayer maps a capture link type to the first layer to decode.
func dnsFirstLayer(lt layers.LinkType, data []byte) int {
	switch lt {
	case layers.LinkTypeEthernet:
		return dnsFirstEthernet
	case layers.LinkTypeLinuxSLL:
		return dnsFirstSLL
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		return dnsFirstLoopback
	case layers.LinkTypeIPv4:
		return dnsFirstIPv4
	case layers.LinkTypeIPv6:
		return dnsFirstIPv6
	case layers.LinkTypeRaw, 12: // 12 is DLT_RAW on OpenBSD, LINKTYPE_RAW's old number
		if len(data) > 0 && data[0]>>4 == 6 {
			return dnsFirstIPv6
		}
		return dnsFirstIPv4
	}
	return dnsFirstNone
}
