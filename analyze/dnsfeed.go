package analyze

import (
	"errors"
	"io"
	"strings"
	"time"

	"saker/event"
	"saker/replay"
)

// DNSOptions brings DNS into a replay beyond what the syscall stream carries, and hands out
// every DNS message the replay learns.
//
// Run always decodes the DNS responses the syscall sensor saw a process receive (recvfrom,
// recvmsg, recvmmsg and read payloads from a remote port 53): it adds their answers to the
// index at the time of the receive, and yields a `dns` event right after the receive, with
// the receiving process's pid and tid, so that proc.* fields name it, and the number of the
// receive event (evt.num); packet dns events carry number 0. Result.Events counts dns events.
type DNSOptions struct {
	// Packets are DNS messages captured as packets (a bundle's dns data files, --dns files),
	// in any order. Run merges them into the event stream by time as `dns` events without a
	// process, and adds the answers of responses to the index as the replay reaches them.
	Packets []replay.DNSMessage
	// TS converts a packet's wall time (Unix nanoseconds) to the clock of the event stream,
	// such as a bundle's CLOCK_BOOTTIME through its manifest's anchors; nil keeps Unix
	// nanoseconds (.scap files, event.SliceSource).
	TS func(wall int64) uint64
	// Window is how close in time a packet and a sensor sighting of one response (same id,
	// question and answers) must be to count once: one answer in the index and one `dns`
	// event, the sensor's, since it names the process. 0 means replay.DefaultDNSMergeWindow.
	// A packet response's event waits up to Window of stream time for its sensor copy, so
	// it may come after events up to Window later than itself.
	Window time.Duration
	// Message, when set, receives each DNS message once, after deduplication, with the
	// Process.Key of the process that received it (0 for packets). m is valid only during
	// the call.
	Message func(m *replay.DNSMessage, procKey uint64)
}

// dnsFeed is the event.Source the replay loop reads when DNS can join it: it merges packet
// DNS into the primary source, decodes the DNS responses of receive events (observe), and
// yields one `dns` event per response after deduplication.
type dnsFeed struct {
	opts   DNSOptions
	window int64
	s      *State
	idx    *DNSIndex // nil when Options.Names is not a *DNSIndex
	merge  *replay.DNSMerge
	src    event.Source
	dec    *replay.DNSDecoder // made at the first port-53 receive

	msg      replay.DNSMessage // the sensor response whose event is due
	msgDue   bool
	msgTS    uint64
	msgNum   uint64
	ev       event.Event // buffers of the dns events the feed yields
	held     []*dnsSeen  // packet responses in stream order; those not pending are skipped
	recent   []*dnsSeen  // responses counted within about a window, in the order counted
	byKey    map[dnsKey][]*dnsSeen
	lastTS   uint64 // latest stream time read from src
	srcDone  bool
	tupleBuf event.Tuple
}

// dnsSeen is a response already counted: a sensor copy, or a packet copy whose event may
// still wait for a sensor copy to take its place (pending).
type dnsSeen struct {
	m       replay.DNSMessage
	key     dnsKey
	ts      uint64 // stream time, for packets
	answer  int    // its DNSAnswerInfo in the index, -1 when none
	pending bool
}

// dnsKey groups the sightings that may be one response.
type dnsKey struct {
	id, qtype uint16
	qname     string // lower case
}

// newDNSFeed wraps src; s is the replay's state, names its resolver.
func newDNSFeed(src event.Source, s *State, names NameResolver, opts DNSOptions) *dnsFeed {
	f := &dnsFeed{opts: opts, window: int64(opts.Window), s: s, src: src}
	if f.window <= 0 {
		f.window = int64(replay.DefaultDNSMergeWindow)
	}
	f.idx, _ = names.(*DNSIndex)
	if len(opts.Packets) > 0 {
		f.merge = replay.NewDNSMerge(src, replay.MergeDNS(time.Duration(f.window), opts.Packets), opts.TS)
		f.src = f.merge
	}
	return f
}

// Wall converts with the state's clock, which Run took from the primary source.
func (f *dnsFeed) Wall(ts uint64) time.Time { return f.s.clock.Wall(ts) }

// Next yields, in this order of priority: the event of the sensor response decoded from the
// previous event, a packet response whose wait for a sensor copy is over, and the next event
// of the merged stream.
func (f *dnsFeed) Next(e *event.Event) error {
	if f.msgDue {
		f.msgDue = false
		f.yield(&f.msg, f.msgTS, f.msgNum, e)
		return nil
	}
	for {
		if len(f.held) > 0 && (f.srcDone || f.lastTS > f.held[0].ts+uint64(f.window)) {
			h := f.held[0]
			f.held[0] = nil
			f.held = f.held[1:]
			if !h.pending {
				continue // a sensor copy took its place
			}
			h.pending = false
			f.emit(&h.m, 0)
			f.yield(&h.m, h.ts, 0, e)
			return nil
		}
		if f.srcDone {
			return io.EOF
		}
		if err := f.src.Next(e); err != nil {
			if errors.Is(err, io.EOF) {
				f.srcDone = true
				continue
			}
			return err
		}
		f.lastTS = max(f.lastTS, e.TS)
		if f.merge != nil {
			if m := f.merge.Message(); m != nil && !f.packet(m, e.TS) {
				continue
			}
		}
		return nil
	}
}

// yield fills e with m's dns event in the feed's own buffers: e may alias a source's
// storage, which must not be written.
func (f *dnsFeed) yield(m *replay.DNSMessage, ts, num uint64, e *event.Event) {
	replay.DNSEvent(m, ts, &f.ev)
	f.ev.Num = num
	*e = f.ev
}

// packet takes the packet message m at stream time ts and reports whether its event is to
// be yielded now: queries are; a response is counted unless a sensor copy was, and held.
func (f *dnsFeed) packet(m *replay.DNSMessage, ts uint64) bool {
	if !m.Response {
		f.emit(m, 0)
		return true
	}
	f.prune(m.TS)
	if f.find(m) != nil {
		return false
	}
	h := f.remember(*m, f.add(m))
	h.ts, h.pending = ts, true
	f.held = append(f.held, h)
	return false
}

// observe decodes the DNS response e may carry; Run calls it after the state saw e.
func (f *dnsFeed) observe(e *event.Event) {
	switch e.Kind {
	case event.KindRecvfrom, event.KindRecvmsg, event.KindRecvmmsg, event.KindRead:
		if e.Res > 0 {
			f.sensor(e)
		}
	}
}

// sensor decodes the response of the receive event e, counts it unless a copy was counted,
// and makes its dns event due next.
func (f *dnsFeed) sensor(e *event.Event) {
	var tp *event.Tuple
	if fd := f.s.fd; fd != nil && fd.isIP() && fd.Remote.IsValid() {
		if fd.Remote.Port() != 53 {
			return
		}
		fam := fd.Family
		if fam == 0 {
			fam = event.AFInet
			if fd.Type == event.FDIPv6 {
				fam = event.AFInet6
			}
		}
		f.tupleBuf = event.Tuple{Family: fam, Proto: fd.Proto, Local: fd.Local, Remote: fd.Remote}
		tp = &f.tupleBuf
	} else if e.Kind == event.KindRead {
		return // read carries no tuple of its own
	}
	if f.dec == nil {
		f.dec = replay.NewDNSDecoder()
	}
	m := &f.msg
	if err := f.dec.DecodeEvent(e, tp, f.s.clock, m); err != nil || !m.Response || m.PID == 0 {
		return
	}
	f.prune(m.TS)
	var procKey uint64
	if p := f.s.Current(); p != nil {
		procKey = p.Key
	}
	if r := f.find(m); r != nil {
		if !r.pending {
			return // counted, its event handed out
		}
		// The packet copy came first: the sensor's takes its place, with the process.
		r.pending = false
		if r.answer >= 0 {
			a := &f.idx.answers[r.answer]
			a.PID, a.FromSensor = m.PID, true
		}
		m.FromPacket = true
	} else {
		f.remember(m.Clone(), f.add(m))
	}
	f.emit(m, procKey)
	f.msgDue, f.msgTS, f.msgNum = true, e.TS, e.Num
}

// add adds m to the index and returns the position of its answer, -1 when none was added.
func (f *dnsFeed) add(m *replay.DNSMessage) int {
	if f.idx == nil {
		return -1
	}
	n := len(f.idx.answers)
	f.idx.Add(m)
	if len(f.idx.answers) > n {
		return n
	}
	return -1
}

func (f *dnsFeed) emit(m *replay.DNSMessage, procKey uint64) {
	if f.opts.Message != nil {
		f.opts.Message(m, procKey)
	}
}

// find returns the counted sighting of m within the window, or nil.
func (f *dnsFeed) find(m *replay.DNSMessage) *dnsSeen {
	for _, r := range f.byKey[dnsKey{m.ID, m.QType, strings.ToLower(m.QName)}] {
		if dnsNear(r.m.TS, m.TS, f.window) && r.m.SameTransaction(m) {
			return r
		}
	}
	return nil
}

// remember counts the sighting m, whose answer in the index is answer.
func (f *dnsFeed) remember(m replay.DNSMessage, answer int) *dnsSeen {
	r := &dnsSeen{m: m, key: dnsKey{m.ID, m.QType, strings.ToLower(m.QName)}, answer: answer}
	if f.byKey == nil {
		f.byKey = make(map[dnsKey][]*dnsSeen)
	}
	f.byKey[r.key] = append(f.byKey[r.key], r)
	f.recent = append(f.recent, r)
	return r
}

// prune forgets the sightings counted more than a window before wall. A pending packet
// response stays held: only its deduplication ends, as a later copy could not match it.
func (f *dnsFeed) prune(wall int64) {
	k := 0
	for ; k < len(f.recent) && f.recent[k].m.TS < wall-f.window; k++ {
		r := f.recent[k]
		l := f.byKey[r.key]
		for i := range l {
			if l[i] == r {
				l = append(l[:i], l[i+1:]...)
				break
			}
		}
		if len(l) == 0 {
			delete(f.byKey, r.key)
		} else {
			f.byKey[r.key] = l
		}
	}
	if k > 0 {
		n := copy(f.recent, f.recent[k:])
		clear(f.recent[n:])
		f.recent = f.recent[:n]
	}
}

func dnsNear(a, b, window int64) bool { return a-b <= window && b-a <= window }
