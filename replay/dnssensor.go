package replay

import (
	"hash/maphash"
	"slices"
	"strings"
	"time"

	"saker/event"
)

// DecodeEvent decodes the DNS message carried by a send or receive event of the syscall
// sensor (sendto, sendmsg, sendmmsg, recvfrom, recvmsg, recvmmsg, read, write) into m, which
// tells which process asked. tuple is the socket's connection; nil takes the event's own tuple
// parameter (read and write have none: the caller's fd table must supply it). One end must be
// port 53: when the remote end is, the calling process is the client and m.PID names it; when
// the local end is, the process is a DNS server and m.PID stays 0. clock turns the event's
// time into wall-clock time (nil: event times are Unix nanoseconds already). Only the first
// message of a sendmmsg/recvmmsg snippet is decoded.
//
// It returns ErrDNSNoMessage when the event carries no DNS, and an error wrapping
// ErrDNSMalformed when the payload does not decode (for example when --snaplen cut it).
func (d *DNSDecoder) DecodeEvent(e *event.Event, tuple *event.Tuple, clock event.Clock, m *DNSMessage) error {
	switch e.Kind {
	case event.KindSendto, event.KindSendmsg, event.KindSendmmsg, event.KindWrite,
		event.KindRecvfrom, event.KindRecvmsg, event.KindRecvmmsg, event.KindRead:
	default:
		return ErrDNSNoMessage
	}
	if e.Res <= 0 {
		return ErrDNSNoMessage
	}
	data, ok := e.Arg("data")
	if !ok || len(data.Bytes) == 0 {
		return ErrDNSNoMessage
	}
	var t event.Tuple
	if tuple != nil {
		t = *tuple
	} else {
		a, ok := e.Arg("tuple")
		if !ok {
			return ErrDNSNoMessage
		}
		var err error
		if t, err = event.ParseTuple(a.Bytes); err != nil {
			return ErrDNSNoMessage
		}
	}
	if t.Family != event.AFInet && t.Family != event.AFInet6 {
		return ErrDNSNoMessage
	}
	m.reset()
	switch {
	case t.Remote.Port() == 53:
		m.Client, m.Server = t.Local, t.Remote
		m.PID, m.TID = e.PID, e.TID
	case t.Local.Port() == 53:
		m.Client, m.Server = t.Remote, t.Local
	default:
		return ErrDNSNoMessage
	}
	if clock != nil {
		m.TS = clock.Wall(e.TS).UnixNano()
	} else {
		m.TS = int64(e.TS)
	}
	proto := t.Proto
	if proto == 0 {
		proto = event.ProtoUDP
	}
	if err := d.DecodePayload(proto, data.Bytes, m); err != nil {
		return err
	}
	m.FromSensor = true
	return nil
}

// DefaultDNSMergeWindow is the window within which MergeDNS takes two sightings of the same
// transaction for one message: long enough for the clock anchors between the sensor's
// CLOCK_BOOTTIME and packet wall time to disagree, short enough that a client re-asking with
// a reused id is a new message.
const DefaultDNSMergeWindow = 2 * time.Second

// dnsMergeKey identifies a transaction's message; ans is a hash of its answer records.
type dnsMergeKey struct {
	response bool
	id       uint16
	qtype    uint16
	qname    string
	ans      uint64
}

var dnsMergeSeed = maphash.MakeSeed()

// MergeDNS returns the messages of all sources in time order, counting each message once:
// messages with the same id, direction, question and answer records seen within window of
// each other (a packet and a sensor payload of one transaction, or a query seen on both the
// client's and the resolver's socket) become one, carrying the earliest time, both source
// flags, and the client process when any sighting knew it. window <= 0 means
// DefaultDNSMergeWindow. The inputs are not modified; Answers are shared with them.
func MergeDNS(window time.Duration, sources ...[]DNSMessage) []DNSMessage {
	if window <= 0 {
		window = DefaultDNSMergeWindow
	}
	var all []DNSMessage
	for _, s := range sources {
		all = append(all, s...)
	}
	slices.SortStableFunc(all, func(a, b DNSMessage) int {
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
		if i, ok := last[k]; ok && m.TS-out[i].TS <= int64(window) {
			dnsMergeInto(&out[i], &m)
			continue
		}
		out = append(out, m)
		last[k] = len(out) - 1
	}
	return out
}

// dnsMergeInto folds the sighting m into the kept message k.
func dnsMergeInto(k, m *DNSMessage) {
	k.FromPacket = k.FromPacket || m.FromPacket
	k.FromSensor = k.FromSensor || m.FromSensor
	if k.PID == 0 && m.PID != 0 {
		k.PID, k.TID = m.PID, m.TID
	}
	if !k.Client.IsValid() {
		k.Client = m.Client
	}
	if !k.Server.IsValid() {
		k.Server = m.Server
	}
}

func dnsAnswersHash(m *DNSMessage) uint64 {
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
