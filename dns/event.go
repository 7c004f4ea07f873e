package dns

import (
	"io"
	"net/netip"
	"time"

	"saker/event"
)

// Event fills e with the `dns` meta event for m, reusing e's buffers: id, qname, qtype,
// rcode, response (0/1), answers (the A and AAAA addresses as text), cnames (the CNAME
// targets in wire order), ttl (the smallest answer TTL), server and client (sockaddrs),
// truncated and from_sensor (0/1), fd (the socket the sensor saw it on, -1 when unknown) and
// server_side (0/1: the sensor saw the DNS server send it). e.PID and e.TID name the asking
// process when known, the server when server_side. ts is the event time in the clock of the
// stream the event joins.
func Event(m *Message, ts uint64, e *event.Event) {
	e.Reset()
	e.TS, e.Kind, e.PID, e.TID = ts, event.KindDns, m.PID, m.TID
	var args [14]event.Arg
	for i := range args {
		args[i].Bytes = e.Args[i].Bytes[:0]
	}
	args[0].Int = int64(m.ID)
	args[1].Bytes = append(args[1].Bytes, m.QName...)
	args[2].Int = int64(m.QType)
	args[3].Int = int64(m.Rcode)
	args[4].Int = dnsBool(m.Response)
	for i := range m.Answers {
		a := &m.Answers[i]
		if a.IP.IsValid() {
			args[5].Bytes = append(a.IP.AppendTo(args[5].Bytes), 0)
		} else if a.Type == TypeCNAME {
			args[6].Bytes = append(append(args[6].Bytes, a.Target...), 0)
		}
	}
	args[7].Int = int64(m.MinTTL())
	args[8].Bytes = dnsSockaddr(args[8].Bytes, m.Server)
	args[9].Bytes = dnsSockaddr(args[9].Bytes, m.Client)
	args[10].Int = dnsBool(m.Truncated)
	args[11].Int = dnsBool(m.FromSensor)
	args[12].Int = -1
	if m.PID != 0 {
		args[12].Int = m.FD
	}
	args[13].Int = dnsBool(m.ServerSide)
	e.SetArgs(args[:]...)
}

func dnsBool(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// dnsSockaddr appends the encoding of ap, or leaves b empty when ap is unknown.
func dnsSockaddr(b []byte, ap netip.AddrPort) []byte {
	if !ap.IsValid() {
		return b
	}
	fam := uint8(event.AFInet6)
	if ap.Addr().Is4() {
		fam = event.AFInet
	}
	return event.Sockaddr{Family: fam, Addr: ap}.AppendBinary(b)
}

// Source is an event.Source of `dns` meta events, one per message, in the order given
// (Combine returns time order). TS converts a message's wall time (Unix nanoseconds) to the
// clock of the stream the events join, such as a bundle's CLOCK_BOOTTIME through its
// manifest's anchors; nil keeps Unix nanoseconds, which is what Wall assumes.
type Source struct {
	Msgs []Message
	TS   func(wall int64) uint64
	i    int
}

// NewSource returns a source of the events of msgs with Unix-nanosecond times.
func NewSource(msgs []Message) *Source { return &Source{Msgs: msgs} }

// Next fills e with the next message's event, numbering events from 1, and returns io.EOF
// after the last.
func (s *Source) Next(e *event.Event) error {
	if s.i >= len(s.Msgs) {
		return io.EOF
	}
	m := &s.Msgs[s.i]
	s.i++
	ts := uint64(m.TS)
	if s.TS != nil {
		ts = s.TS(m.TS)
	}
	Event(m, ts, e)
	e.Num = uint64(s.i)
	return nil
}

// Wall returns ts as Unix nanoseconds in UTC; it is right only when TS is nil.
func (s *Source) Wall(ts uint64) time.Time { return event.UnixClock{}.Wall(ts) }
