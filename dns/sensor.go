package dns

import (
	"hash/maphash"
	"net/netip"
	"slices"
	"strings"
	"time"

	"saker/event"
)

// DecodeEvent decodes the DNS message carried by a send or receive event of the syscall
// sensor (sendto, sendmsg, sendmmsg, write, writev, send, recvfrom, recvmsg, recvmmsg, read,
// readv, recv) into m, which tells which process asked. tuple is the socket's connection; nil
// takes the event's own tuple parameter (scap's read and write have none: the caller's fd
// table must supply it). One end must be port 53: when the remote end is, the calling process
// is the client and m.PID names it; when the local end is, the process is a DNS server,
// m.PID names it and m.ServerSide is set. clock turns the event's time into wall-clock time
// (nil: event times are Unix nanoseconds already).
//
// The payload is what the sensor keeps: the first iovec of readv and writev, and of the first
// message of sendmmsg and recvmmsg (the later messages of one call are not seen), cut at the
// snap length. As those two return a message count, not a length, their payload runs to the
// end of the first iovec: bytes past the message, which the decoder ignores. DecodeEvent takes one message and no state; Sensor joins DNS over TCP
// split over several reads.
//
// It returns ErrNoMessage when the event carries no DNS, and an error wrapping
// ErrMalformed when the payload does not decode (for example when --snaplen cut it).
func (d *Decoder) DecodeEvent(e *event.Event, tuple *event.Tuple, clock event.Clock, m *Message) error {
	var h dnsEventHdr
	data, err := h.read(e, tuple, clock)
	if err != nil {
		return err
	}
	if err := d.DecodePayload(h.proto, data, m); err != nil {
		return err
	}
	h.apply(m)
	return nil
}

// dnsEventHdr is what a send or receive event tells of the DNS message it carries.
type dnsEventHdr struct {
	ts             int64
	client, server netip.AddrPort
	local, remote  netip.AddrPort
	pid, tid       uint32
	fd             int64
	serverSide     bool
	send           bool
	proto          uint8
}

// read checks that e carries DNS and returns its payload; see DecodeEvent.
func (h *dnsEventHdr) read(e *event.Event, tuple *event.Tuple, clock event.Clock) ([]byte, error) {
	switch e.Kind {
	case event.KindSendto, event.KindSendmsg, event.KindSendmmsg, event.KindWrite, event.KindWritev, event.KindSend:
		h.send = true
	case event.KindRecvfrom, event.KindRecvmsg, event.KindRecvmmsg, event.KindRead, event.KindReadv, event.KindRecv:
	default:
		return nil, ErrNoMessage
	}
	if e.Res <= 0 {
		return nil, ErrNoMessage
	}
	data, ok := e.Arg("data")
	if !ok || len(data.Bytes) == 0 {
		return nil, ErrNoMessage
	}
	var t event.Tuple
	if tuple != nil {
		t = *tuple
	} else {
		a, ok := e.Arg("tuple")
		if !ok {
			return nil, ErrNoMessage
		}
		var err error
		if t, err = event.ParseTuple(a.Bytes); err != nil {
			return nil, ErrNoMessage
		}
	}
	if t.Family != event.AFInet && t.Family != event.AFInet6 {
		return nil, ErrNoMessage
	}
	h.pid, h.tid, h.local, h.remote = e.PID, e.TID, t.Local, t.Remote
	switch {
	case t.Remote.Port() == 53:
		h.client, h.server = t.Local, t.Remote
	case t.Local.Port() == 53:
		h.client, h.server, h.serverSide = t.Remote, t.Local, true
	default:
		return nil, ErrNoMessage
	}
	h.fd = -1
	if a, ok := e.Arg("fd"); ok {
		h.fd = a.Int
	}
	if clock != nil {
		h.ts = clock.Wall(e.TS).UnixNano()
	} else {
		h.ts = int64(e.TS)
	}
	h.proto = t.Proto
	if h.proto == 0 {
		h.proto = event.ProtoUDP
	}
	return data.Bytes, nil
}

// apply sets the time, ends, process and sources of the decoded message m.
func (h *dnsEventHdr) apply(m *Message) {
	m.TS, m.Client, m.Server, m.Proto = h.ts, h.client, h.server, h.proto
	m.PID, m.TID, m.FD, m.ServerSide, m.FromSensor = h.pid, h.tid, h.fd, h.serverSide, true
}

// DefaultMergeWindow is the window within which Combine takes two sightings of the same
// transaction for one message: long enough for the clock anchors between the sensor's
// CLOCK_BOOTTIME and packet wall time to disagree, short enough that a client re-asking with
// a reused id is a new message.
const DefaultMergeWindow = 2 * time.Second

// dnsMergeKey identifies a transaction's message; ans is a hash of its answer records.
type dnsMergeKey struct {
	response bool
	id       uint16
	qtype    uint16
	qname    string
	ans      uint64
}

var dnsMergeSeed = maphash.MakeSeed()

// Combine returns the messages of all sources in time order, counting each message once:
// messages with the same id, direction, question and answer records seen within window of
// each other (a packet and a sensor payload of one transaction, or a query seen on both the
// client's and the resolver's socket) become one, carrying the earliest time, both source
// flags, and the client process when any sighting knew it (a server-side sighting's process
// only when none did). window <= 0 means
// DefaultMergeWindow. The inputs are not modified; Answers are shared with them.
func Combine(window time.Duration, sources ...[]Message) []Message {
	if window <= 0 {
		window = DefaultMergeWindow
	}
	var all []Message
	for _, s := range sources {
		all = append(all, s...)
	}
	slices.SortStableFunc(all, func(a, b Message) int {
		switch {
		case a.TS < b.TS:
			return -1
		case a.TS > b.TS:
			return 1
		}
		return 0
	})
	out := all[:0]
	last := make(map[dnsMergeKey]int)
	for _, m := range all {
		k := dnsMergeKey{response: m.Response, id: m.ID, qtype: m.QType, qname: strings.ToLower(m.QName), ans: dnsAnswersHash(&m)}
		if i, ok := last[k]; ok && m.TS-out[i].TS <= int64(window) && sameNetNS(out[i].NetNS, m.NetNS) {
			dnsMergeInto(&out[i], &m)
			continue
		}
		out = append(out, m)
		last[k] = len(out) - 1
	}
	return out
}

// dnsMergeInto folds the sighting m into the kept message k.
func dnsMergeInto(k, m *Message) {
	k.FromPacket = k.FromPacket || m.FromPacket
	k.FromSensor = k.FromSensor || m.FromSensor
	if m.PID != 0 && (k.PID == 0 || k.ServerSide && !m.ServerSide) {
		k.PID, k.TID, k.FD, k.ServerSide = m.PID, m.TID, m.FD, m.ServerSide
	}
	if k.NetNS == 0 {
		k.NetNS = m.NetNS
	}
	if !k.Client.IsValid() {
		k.Client = m.Client
	}
	if !k.Server.IsValid() {
		k.Server = m.Server
	}
}

// sameNetNS reports whether two sightings can be of one message as far as their network
// namespaces tell: both known and different means two messages (two namespaces asking alike).
func sameNetNS(a, b uint64) bool { return a == 0 || b == 0 || a == b }

func dnsAnswersHash(m *Message) uint64 {
	var h maphash.Hash
	h.SetSeed(dnsMergeSeed)
	for i := range m.Answers {
		a := &m.Answers[i]
		h.WriteString(strings.ToLower(a.Name))
		h.WriteByte(0)
		h.WriteString(strings.ToLower(a.Target))
		h.WriteByte(0)
		b := a.IP.As16()
		h.Write(b[:])
	}
	return h.Sum64()
}
