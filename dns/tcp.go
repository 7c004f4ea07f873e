package dns

import (
	"encoding/binary"
	"net/netip"
	"slices"

	"github.com/google/gopacket/layers"

	"saker/event"
)

// Bounds of DNS-over-TCP reassembly. A flow holds at most one unfinished message (its
// two-byte length bounds it to 65537 bytes) and dnsTCPMaxAhead bytes of segments that came
// before a gap; the decoder holds at most dnsTCPMaxFlows flows and dnsTCPMaxBytes bytes in
// all, evicting the least recently seen flow beyond either.
const (
	dnsTCPMaxFlows    = 4096
	dnsTCPMaxBytes    = 16 << 20
	dnsTCPMaxAhead    = 64 << 10
	dnsTCPMaxAheadSeg = 16
	// dnsTCPIdle is how long, in capture time, a flow may go without a segment before it is
	// forgotten: far longer than a resolver waits for the rest of a message.
	dnsTCPIdle = 60e9
	// dnsTCPMaxJump is the largest sequence jump taken for a gap; a larger one is a new
	// connection on the same ports, or garbage, and restarts the flow.
	dnsTCPMaxJump = 1 << 20
)

// dnsFlowKey is one direction of a TCP connection.
type dnsFlowKey struct{ src, dst netip.AddrPort }

// dnsFlow is the reassembly state of one direction of a TCP connection to or from port 53.
type dnsFlow struct {
	key  dnsFlowKey
	next uint32 // sequence number of the next byte expected
	last int64  // capture time of the latest segment
	// fr holds the bytes of the message being assembled, its length prefix first.
	fr dnsFramer
	// ahead holds copies of segments past a gap, in arrival order; aheadBytes sums them.
	ahead      []dnsSegment
	aheadBytes int
}

// dnsSegment is a TCP segment held until the gap before it closes.
type dnsSegment struct {
	seq  uint32
	ts   int64
	data []byte
}

// bytes returns what the flow holds.
func (f *dnsFlow) bytes() int { return len(f.fr.msg) + f.aheadBytes }

// decodeTCP feeds one TCP segment to its flow's reassembly and appends the messages it
// completes. A flow starts at its SYN, or, when the capture began mid-connection, at its
// first segment with payload, taken to start a message. Retransmitted bytes are dropped,
// segments past a gap are held until it closes (or given up with the gap: see giveUp).
func (d *Decoder) decodeTCP(tcp *layers.TCP, ts int64, src, dst netip.AddrPort, out []Message) ([]Message, error) {
	p := tcp.Payload
	if len(p) == 0 && !tcp.SYN && !tcp.FIN && !tcp.RST {
		d.stats.Skipped++
		return out, nil
	}
	key := dnsFlowKey{src, dst}
	f := d.flows[key]
	if tcp.RST {
		// A reset ends the connection; its payload, if any, is an error text, not DNS.
		if f != nil {
			d.dropFlow(f, &out)
		}
		d.stats.Skipped++
		return out, nil
	}
	seq := tcp.Seq
	if tcp.SYN {
		seq++ // the SYN takes one sequence number
		if f != nil && uint32(seq) != f.next {
			d.dropFlow(f, &out) // a new connection on the same ports
			f = nil
		}
	}
	if f == nil {
		switch {
		case len(p) == 0 && !tcp.SYN:
			d.stats.Skipped++
			return out, nil
		case !tcp.SYN && !dnsMsgStart(p):
			// The capture began inside a message: wait for a segment that starts one.
			d.stats.TCPLost++
			return out, nil
		}
		f = d.newFlow(key, seq)
	}
	f.last = ts
	var err error
	if len(p) == 0 {
		d.stats.Skipped++
	} else {
		out, err = d.segment(f, seq, ts, p, out)
	}
	if tcp.FIN && len(f.ahead) == 0 {
		d.dropFlow(f, &out)
	}
	d.boundTCP(f, &out)
	return out, err
}

// segment places the payload p starting at sequence number seq in f's stream.
func (d *Decoder) segment(f *dnsFlow, seq uint32, ts int64, p []byte, out []Message) ([]Message, error) {
	switch off := int32(seq - f.next); {
	case off > dnsTCPMaxJump || off < -dnsTCPMaxJump:
		d.restart(f, seq)
	case off < 0:
		if int64(len(p)) <= -int64(off) {
			d.stats.TCPRetransmitted++
			return out, nil
		}
		p = p[-off:] // the overlap was seen already
	case off > 0 && len(p) > dnsTCPMaxAhead:
		d.restart(f, seq) // too big to hold: jump the gap
	case off > 0:
		if len(f.ahead) >= dnsTCPMaxAheadSeg || f.aheadBytes+len(p) > dnsTCPMaxAhead {
			// The gap is not closing: the capture lost the bytes. Giving gaps up until this
			// segment fits (each drops at least one held segment) and placing it again ends,
			// since then it is streamed, trimmed or held.
			var err error
			for len(f.ahead) > 0 && (len(f.ahead) >= dnsTCPMaxAheadSeg || f.aheadBytes+len(p) > dnsTCPMaxAhead) {
				var e error
				out, e = d.giveUp(f, out)
				err = firstErr(err, e)
			}
			out, e := d.segment(f, seq, ts, p, out)
			return out, firstErr(err, e)
		}
		d.stats.TCPOutOfOrder++
		f.ahead = slices.Grow(f.ahead, 1)
		f.ahead = f.ahead[:len(f.ahead)+1]
		s := &f.ahead[len(f.ahead)-1]
		s.seq, s.ts, s.data = seq, ts, append(s.data[:0], p...)
		f.aheadBytes += len(p)
		d.tcpBytes += len(p)
		return out, nil
	}
	out, err := d.stream(f, ts, p, out)
	out, err2 := d.drainAhead(f, ts, out)
	return out, firstErr(err, err2)
}

// drainAhead streams the held segments the stream has reached. Their messages are dated now,
// when the gap closed and they became readable, or when they arrived if that is later.
func (d *Decoder) drainAhead(f *dnsFlow, now int64, out []Message) ([]Message, error) {
	var err error
	for progress := true; progress && len(f.ahead) > 0; {
		progress = false
		for i := 0; i < len(f.ahead); i++ {
			s := &f.ahead[i]
			off := int32(s.seq - f.next)
			if off > 0 {
				continue
			}
			p := s.data
			if int64(len(p)) > -int64(off) {
				var e error
				out, e = d.stream(f, max(s.ts, now), p[-off:], out)
				err = firstErr(err, e)
			} else {
				d.stats.TCPRetransmitted++
			}
			d.dropAhead(f, i)
			i--
			progress = true
		}
	}
	return out, err
}

// dropAhead removes the held segment i, keeping its buffer for reuse.
func (d *Decoder) dropAhead(f *dnsFlow, i int) {
	n := len(f.ahead[i].data)
	f.aheadBytes -= n
	d.tcpBytes -= n
	last := len(f.ahead) - 1
	f.ahead[i], f.ahead[last] = f.ahead[last], f.ahead[i]
	f.ahead = f.ahead[:last]
}

// giveUp abandons the gap at f.next: the unfinished message is lost, and the stream resumes
// at the earliest held segment that looks like the start of a message (as DNS servers write
// each answer with one call, a segment usually starts one), dropping those before it, and
// drains what follows.
func (d *Decoder) giveUp(f *dnsFlow, out []Message) ([]Message, error) {
	if len(f.fr.msg) > 0 || len(f.ahead) > 0 {
		d.stats.TCPLost++
	}
	d.clearMsg(f)
	for len(f.ahead) > 0 {
		first := 0
		for i := range f.ahead {
			if int32(f.ahead[i].seq-f.ahead[first].seq) < 0 {
				first = i
			}
		}
		if dnsMsgStart(f.ahead[first].data) {
			f.next = f.ahead[first].seq
			return d.drainAhead(f, 0, out)
		}
		d.dropAhead(f, first)
	}
	return out, nil
}

// dnsMsgStart reports whether p may start a length-framed DNS message: a length that holds a
// header, and one question, as every query and answer in practice has.
func dnsMsgStart(p []byte) bool {
	if len(p) >= 2 && binary.BigEndian.Uint16(p) < 12 {
		return false
	}
	return len(p) < 8 || binary.BigEndian.Uint16(p[6:]) == 1
}

// restart makes seq the start of f's stream, dropping what f held.
func (d *Decoder) restart(f *dnsFlow, seq uint32) {
	if len(f.fr.msg) > 0 || len(f.ahead) > 0 {
		d.stats.TCPLost++
	}
	d.clearMsg(f)
	for len(f.ahead) > 0 {
		d.dropAhead(f, 0)
	}
	f.next = seq
}

func (d *Decoder) clearMsg(f *dnsFlow) {
	d.tcpBytes -= len(f.fr.msg)
	f.fr.reset()
}

// stream consumes in-order bytes p of f's stream received at ts: it completes the message
// being assembled, decodes the whole messages that follow straight from p, and keeps the
// start of the last one when p ends inside it.
func (d *Decoder) stream(f *dnsFlow, ts int64, p []byte, out []Message) ([]Message, error) {
	f.next += uint32(len(p))
	held := len(f.fr.msg)
	if held > 0 {
		d.stats.TCPPartial++
	}
	var err error
	completed := false
	for {
		msg, rest, joined, ok := f.fr.next(p)
		p = rest
		if !ok {
			break
		}
		completed = true
		if joined {
			d.stats.TCPReassembled++
		}
		var e error
		out, e = d.decodeOne(msg[2:], ts, event.ProtoTCP, f.key.src, f.key.dst, out)
		err = firstErr(err, e)
	}
	if len(f.fr.msg) > 0 && (held == 0 || completed) {
		d.stats.TCPPartial++
	}
	d.tcpBytes += len(f.fr.msg) - held
	return out, err
}

// dnsFramer cuts an in-order byte stream into its length-framed DNS messages, whatever the
// boundaries of the pieces it is given; it holds the start of an unfinished message, at most
// 65537 bytes.
type dnsFramer struct{ msg []byte }

// next consumes p up to the end of the next whole message and returns the message, with its
// length prefix, and the rest of p. joined tells that the message began in an earlier piece:
// msg is then the framer's buffer, valid until the next call, else it aliases p. ok is false
// when p ran out first; the framer keeps what p held of the message.
func (fr *dnsFramer) next(p []byte) (msg, rest []byte, joined, ok bool) {
	if len(fr.msg) == 0 {
		if len(p) >= 2 {
			if n := 2 + int(binary.BigEndian.Uint16(p)); n <= len(p) {
				return p[:n], p[n:], false, true
			}
		}
		fr.msg = append(fr.msg, p...)
		return nil, nil, false, false
	}
	for len(p) > 0 {
		need := 2 - len(fr.msg)
		if need <= 0 {
			need += int(binary.BigEndian.Uint16(fr.msg))
		}
		take := min(need, len(p))
		fr.msg = append(fr.msg, p[:take]...)
		p = p[take:]
		if len(fr.msg) >= 2 && len(fr.msg) == 2+int(binary.BigEndian.Uint16(fr.msg)) {
			msg, fr.msg = fr.msg, fr.msg[:0]
			return msg, p, true, true
		}
	}
	return nil, nil, false, false
}

// held returns the number of bytes of the unfinished message.
func (fr *dnsFramer) held() int { return len(fr.msg) }

// reset drops the unfinished message.
func (fr *dnsFramer) reset() { fr.msg = fr.msg[:0] }

// newFlow returns a flow for key whose stream starts at seq, from the free list when it can.
func (d *Decoder) newFlow(key dnsFlowKey, seq uint32) *dnsFlow {
	if d.flows == nil {
		d.flows = make(map[dnsFlowKey]*dnsFlow)
	}
	var f *dnsFlow
	if n := len(d.freeFlows); n > 0 {
		f = d.freeFlows[n-1]
		d.freeFlows = d.freeFlows[:n-1]
	} else {
		f = new(dnsFlow)
	}
	f.key, f.next = key, seq
	d.flows[key] = f
	return f
}

// dropFlow gives up f's gaps, decoding what it held past them, counts an unfinished message
// lost, and frees f.
func (d *Decoder) dropFlow(f *dnsFlow, out *[]Message) {
	for len(f.ahead) > 0 {
		*out, _ = d.giveUp(f, *out)
	}
	d.restart(f, 0)
	delete(d.flows, f.key)
	if cap(f.fr.msg) > 1<<12 {
		f.fr.msg = nil // an odd large message should not pin its buffer
	}
	f.key, f.last = dnsFlowKey{}, 0
	d.freeFlows = append(d.freeFlows, f)
}

// expireTCP drops the flows idle for dnsTCPIdle before now, checking at most every tenth of
// that interval.
func (d *Decoder) expireTCP(now int64, out *[]Message) {
	if len(d.flows) == 0 || now-d.tcpSwept < dnsTCPIdle/10 && now >= d.tcpSwept {
		return
	}
	d.tcpSwept = now
	for _, f := range d.sortedFlows() {
		if now-f.last > dnsTCPIdle {
			d.dropFlow(f, out)
		}
	}
}

// boundTCP evicts the least recently seen flows other than keep while the decoder holds too
// many flows or bytes.
func (d *Decoder) boundTCP(keep *dnsFlow, out *[]Message) {
	for len(d.flows) > dnsTCPMaxFlows || d.tcpBytes > dnsTCPMaxBytes {
		var old *dnsFlow
		for _, f := range d.flows {
			if f != keep && (old == nil || f.last < old.last) {
				old = f
			}
		}
		if old == nil {
			return
		}
		d.stats.TCPEvicted++
		d.dropFlow(old, out)
	}
}

// sortedFlows returns the flows oldest first, so that what dropping them yields comes in a
// deterministic order.
func (d *Decoder) sortedFlows() []*dnsFlow {
	d.flowBuf = d.flowBuf[:0]
	for _, f := range d.flows {
		d.flowBuf = append(d.flowBuf, f)
	}
	slices.SortFunc(d.flowBuf, func(a, b *dnsFlow) int {
		if a.last != b.last {
			return int(min(max(a.last-b.last, -1), 1))
		}
		if c := a.key.src.Compare(b.key.src); c != 0 {
			return c
		}
		return a.key.dst.Compare(b.key.dst)
	})
	return d.flowBuf
}

// FlushTCP ends the reassembly of every TCP flow, as at the end of a capture: it decodes the
// segments held past gaps (see giveUp), appends their messages to out, and counts the
// unfinished messages in Stats().TCPLost.
func (d *Decoder) FlushTCP(out []Message) []Message {
	for _, f := range d.sortedFlows() {
		d.dropFlow(f, &out)
	}
	return out
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
