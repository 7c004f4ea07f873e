package capture

import (
	"golang.org/x/net/bpf"
)

// dnsSnapLen is the most bytes kept of one frame. It is larger than any MTU because AF_PACKET
// sees GRO- and TSO-merged super-frames, and it is what the socket filter accepts.
const dnsSnapLen = 262144

// packetOutgoing is the kernel's PACKET_OUTGOING packet type.
const packetOutgoing = 4

// dnsFilter returns the classic BPF program that accepts DNS over UDP or TCP port 53 (either
// end) of IPv4 and IPv6, as `tcpdump port 53` does, for frames whose network header starts
// after linkHdr bytes: 14 for Ethernet (loopback included), 0 for raw IP. IPv4 fragments
// after the first are dropped; IPv6 extension headers are not followed. dropOutgoing drops
// PACKET_OUTGOING copies, for loopback, where every packet would otherwise be seen twice.
func dnsFilter(linkHdr uint32, dropOutgoing bool) []bpf.Instruction {
	var p dnsProg
	if dropOutgoing {
		p.add(bpf.LoadExtension{Num: bpf.ExtType}, "")
		p.jeq(packetOutgoing, "drop", "")
	}
	if linkHdr >= 14 {
		p.add(bpf.LoadAbsolute{Off: linkHdr - 2, Size: 2}, "")
		p.jeq(0x86dd, "ip6", "")
		p.jeq(0x0800, "ip4", "drop")
	} else {
		p.add(bpf.LoadAbsolute{Off: linkHdr, Size: 1}, "")
		p.add(bpf.ALUOpConstant{Op: bpf.ALUOpShiftRight, Val: 4}, "")
		p.jeq(6, "ip6", "")
		p.jeq(4, "ip4", "drop")
	}
	// IPv6: next header, then the ports right after the fixed 40-byte header.
	p.add(bpf.LoadAbsolute{Off: linkHdr + 6, Size: 1}, "ip6")
	p.jeq(17, "ports6", "")
	p.jeq(6, "ports6", "drop")
	p.add(bpf.LoadAbsolute{Off: linkHdr + 40, Size: 2}, "ports6")
	p.jeq(53, "accept", "")
	p.add(bpf.LoadAbsolute{Off: linkHdr + 42, Size: 2}, "")
	p.jeq(53, "accept", "drop")
	// IPv4: protocol, fragment offset, then the ports after a header of IHL*4 bytes.
	p.add(bpf.LoadAbsolute{Off: linkHdr + 9, Size: 1}, "ip4")
	p.jeq(17, "frag4", "")
	p.jeq(6, "frag4", "drop")
	p.add(bpf.LoadAbsolute{Off: linkHdr + 6, Size: 2}, "frag4")
	p.jset(0x1fff, "drop", "")
	p.add(bpf.LoadMemShift{Off: linkHdr}, "")
	p.add(bpf.LoadIndirect{Off: linkHdr, Size: 2}, "")
	p.jeq(53, "accept", "")
	p.add(bpf.LoadIndirect{Off: linkHdr + 2, Size: 2}, "")
	p.jeq(53, "accept", "drop")
	p.add(bpf.RetConstant{Val: dnsSnapLen}, "accept")
	p.add(bpf.RetConstant{Val: 0}, "drop")
	return p.resolve()
}

// dnsProg is a tiny assembler with labels, so that the filter reads top to bottom without
// hand-counted skips. An empty jump label means the next instruction.
type dnsProg struct {
	ins    []bpf.Instruction
	labels map[string]int
	jumps  []dnsJump
}

type dnsJump struct {
	at     int
	jt, jf string
}

func (p *dnsProg) add(ins bpf.Instruction, label string) {
	if label != "" {
		if p.labels == nil {
			p.labels = make(map[string]int)
		}
		p.labels[label] = len(p.ins)
	}
	p.ins = append(p.ins, ins)
}

func (p *dnsProg) jeq(v uint32, jt, jf string) {
	p.jumps = append(p.jumps, dnsJump{at: len(p.ins), jt: jt, jf: jf})
	p.add(bpf.JumpIf{Cond: bpf.JumpEqual, Val: v}, "")
}

func (p *dnsProg) jset(v uint32, jt, jf string) {
	p.jumps = append(p.jumps, dnsJump{at: len(p.ins), jt: jt, jf: jf})
	p.add(bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: v}, "")
}

func (p *dnsProg) resolve() []bpf.Instruction {
	skip := func(at int, label string) uint8 {
		if label == "" {
			return 0
		}
		return uint8(p.labels[label] - at - 1)
	}
	for _, j := range p.jumps {
		ji := p.ins[j.at].(bpf.JumpIf)
		ji.SkipTrue, ji.SkipFalse = skip(j.at, j.jt), skip(j.at, j.jf)
		p.ins[j.at] = ji
	}
	return p.ins
}
