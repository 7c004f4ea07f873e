package dns

import (
	"net/netip"
	"slices"

	"saker/event"
)

// Bounds of the socket streams a Sensor keeps: per stream one unfinished message (65537
// bytes at most), in all dnsSockMaxStreams streams and dnsSockMaxBytes bytes, the least
// recently read evicted beyond; a stream idle for dnsSockIdle of event time is forgotten.
const (
	dnsSockMaxStreams = 1024
	dnsSockMaxBytes   = 4 << 20
	dnsSockIdle       = 60e9
)

// Sensor decodes the DNS messages of the syscall sensor's send and receive events as
// DecodeEvent does, and joins DNS over TCP across calls: on a TCP socket to or from port 53 a
// process may read a message's two-byte length and its body with separate calls (glibc's
// resolver does), or read several messages at once. It keeps the unfinished message of each
// socket direction it saw, within bounds. A Sensor is not safe for concurrent use.
type Sensor struct {
	dec     *Decoder
	streams map[dnsSockKey]*dnsSock
	free    []*dnsSock
	buf     []*dnsSock
	bytes   int
	swept   uint64
}

// dnsSockKey names one direction of a socket of a process.
type dnsSockKey struct {
	pid           uint32
	fd            int64
	local, remote netip.AddrPort
	send          bool
}

// dnsSock is the unfinished message of one socket direction.
type dnsSock struct {
	key  dnsSockKey
	fr   dnsFramer
	last uint64 // event time of the latest call
}

// NewSensor returns a Sensor decoding with d, whose Stats count what it sees: the TCP
// counts tell messages joined across calls (TCPReassembled), messages lost to the snap length
// or to a capture that began mid-message (TCPLost), and evicted streams (TCPEvicted).
func NewSensor(d *Decoder) *Sensor {
	return &Sensor{dec: d, streams: make(map[dnsSockKey]*dnsSock)}
}

// Decode appends the DNS messages the send or receive event e completes to out, reusing the
// Answers of out's spare capacity: one for UDP (the first of a sendmmsg or recvmmsg), none or
// several for TCP. tuple and clock are as for DecodeEvent, and so are the errors: ErrNoMessage
// when e carries no DNS, an error wrapping ErrMalformed, after the other messages, when a
// message does not decode.
func (s *Sensor) Decode(e *event.Event, tuple *event.Tuple, clock event.Clock, out []Message) ([]Message, error) {
	var h dnsEventHdr
	data, err := h.read(e, tuple, clock)
	if err != nil {
		return out, err
	}
	if h.proto != event.ProtoTCP || e.Kind == event.KindSendmmsg || e.Kind == event.KindRecvmmsg {
		// A datagram, or the first message of a batch whose size the payload does not tell.
		return s.decodeOne(&h, data, out)
	}
	s.expire(e.TS)
	key := dnsSockKey{pid: h.pid, fd: h.fd, local: h.local, remote: h.remote, send: h.send}
	st := s.streams[key]
	if st == nil {
		if !dnsMsgStart(data) {
			// The capture began inside a message, or a cut lost the stream's place: wait for
			// a call that starts one.
			s.dec.stats.TCPLost++
			return out, nil
		}
		st = s.newStream(key)
	}
	st.last = e.TS
	held := st.fr.held()
	p := data
	for {
		msg, rest, joined, ok := st.fr.next(p)
		p = rest
		if !ok {
			break
		}
		if joined {
			s.dec.stats.TCPReassembled++
		}
		var derr error
		out, derr = s.decodeOne(&h, msg, out)
		err = firstErr(err, derr)
	}
	s.bytes += st.fr.held() - held
	if int64(len(data)) < e.Res {
		// The sensor kept less than the call moved: what follows is out of place.
		if st.fr.held() > 0 {
			s.dec.stats.TCPLost++
		}
		s.drop(st)
		return out, err
	}
	// The stream stays, even between messages: it knows the next call starts one, which a
	// new stream must guess (dnsMsgStart). It goes when idle, cut or evicted.
	s.bound(st)
	return out, err
}

// decodeOne decodes one message, framed or not for TCP, and appends it to out.
func (s *Sensor) decodeOne(h *dnsEventHdr, p []byte, out []Message) ([]Message, error) {
	out, m := dnsGrow(out)
	if err := s.dec.DecodePayload(h.proto, p, m); err != nil {
		return out[:len(out)-1], err
	}
	h.apply(m)
	return out, nil
}

func (s *Sensor) newStream(key dnsSockKey) *dnsSock {
	var st *dnsSock
	if n := len(s.free); n > 0 {
		st, s.free = s.free[n-1], s.free[:n-1]
	} else {
		st = new(dnsSock)
	}
	st.key = key
	s.streams[key] = st
	return st
}

// drop forgets st, keeping it for reuse.
func (s *Sensor) drop(st *dnsSock) {
	s.bytes -= st.fr.held()
	st.fr.reset()
	if cap(st.fr.msg) > 1<<12 {
		st.fr.msg = nil // an odd large message should not pin its buffer
	}
	delete(s.streams, st.key)
	st.key, st.last = dnsSockKey{}, 0
	s.free = append(s.free, st)
}

// expire drops the streams idle for dnsSockIdle before now, checking at most every tenth of
// that interval; their unfinished messages are lost.
func (s *Sensor) expire(now uint64) {
	if len(s.streams) == 0 || now-s.swept < dnsSockIdle/10 && now >= s.swept {
		return
	}
	s.swept = now
	s.buf = s.buf[:0]
	for _, st := range s.streams {
		if now-st.last > dnsSockIdle && now > st.last {
			s.buf = append(s.buf, st)
		}
	}
	for _, st := range s.buf {
		s.dec.stats.TCPLost++
		s.drop(st)
	}
}

// bound evicts the least recently read streams other than keep while there are too many or
// they hold too much.
func (s *Sensor) bound(keep *dnsSock) {
	for len(s.streams) > dnsSockMaxStreams || s.bytes > dnsSockMaxBytes {
		s.buf = s.buf[:0]
		for _, st := range s.streams {
			if st != keep {
				s.buf = append(s.buf, st)
			}
		}
		if len(s.buf) == 0 {
			return
		}
		old := slices.MinFunc(s.buf, func(a, b *dnsSock) int {
			switch {
			case a.last < b.last:
				return -1
			case a.last > b.last:
				return 1
			}
			return 0
		})
		s.dec.stats.TCPEvicted++
		s.dec.stats.TCPLost++
		s.drop(old)
	}
}
