package analyze

import (
	"errors"
	"io"
	"strings"
	"time"

	"saker/dns"
	"saker/event"
)

// DNSOptions brings DNS into a replay beyond what the syscall stream carries, and hands out
// every DNS message the replay learns.
//
// Run always decodes the DNS responses the syscall sensor saw a process receive (recvfrom,
// recvmsg, recvmmsg, recv, read and readv payloads from a remote port 53): it adds their
// answers to the index at the time of the receive, and yields a `dns` event right after the
// receive, with the receiving process's pid and tid, so that proc.* fields name it, fd.* the
// socket it came on (its connection cited by findings), and the number of the receive event
// (evt.num); packet dns events carry number 0. Result.Events counts dns events. DNS over TCP
// is joined across reads (dns.Sensor). Of a recvmmsg the sensor keeps the first
// message only, and of readv the first iovec.
//
// Responses a local DNS server sends from port 53 (sendto, sendmsg, sendmmsg, send, write,
// writev) count too, as the server's view: their dns event names the server process with
// dns.server_side set, and the index does not take the server for the process that asked. The
// client's own copy of the answer, when the sensor sees it, still yields its event.
type DNSOptions struct {
	// Packets are DNS messages captured as packets (a bundle's dns data files, --dns files),
	// in any order. Run merges them into the event stream by time as `dns` events without a
	// process, and adds the answers of responses to the index as the replay reaches them.
	Packets []dns.Message
	// Stream yields more packet DNS messages, in time order (dns.Sorted puts a file's in
	// order), read as the replay reaches their time: memory does not grow with the files.
	// Its damage ends it; its owner reports that.
	Stream dns.Stream
	// TS converts a packet's wall time (Unix nanoseconds) to the clock of the event stream,
	// such as a bundle's CLOCK_BOOTTIME through its manifest's anchors; nil keeps Unix
	// nanoseconds (.scap files, event.SliceSource).
	TS func(wall int64) uint64
	// Window is how close in time a packet and a sensor sighting of one response (same id,
	// question and answers) must be to count once: one answer in the index and one `dns`
	// event, the sensor's, since it names the process. 0 means dns.DefaultMergeWindow.
	// A packet response's event waits up to Window of stream time for its sensor copy, so
	// it may come after events up to Window later than itself.
	Window time.Duration
	// Message, when set, receives each DNS message once, after deduplication, with the
	// Process.Key of the process that received it (0 for packets). m is valid only during
	// the call.
	Message func(m *dns.Message, procKey uint64)
}

// dnsFeed is the event.Source the replay loop reads when DNS can join it: it merges packet
// DNS into the primary source, decodes the DNS responses of receive events (observe), and
// yields one `dns` event per response after deduplication.
type dnsFeed struct {
	opts   DNSOptions
	window int64
	s      *State
	idx    *dns.Index // nil when Options.Names is not a *dns.Index
	merge  *dns.Merge
	src    event.Source
	sens   *dns.Sensor // made at the first port-53 send or receive
	// sawServer is set once a server's copy was counted: before, no lookup among them.
	sawServer bool

	due      []dns.Message // the sensor responses whose events are due, from dueI on
	dueI     int
	msgTS    uint64 // time and number of the event that carried them
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
	m       dns.Message
	key     dnsKey
	ts      uint64 // stream time, for packets
	answer  int    // its dns.AnswerInfo in the index, -1 when none
	pending bool
	// claimed is set on a server's copy once a client's or packet copy took its answer.
	claimed bool
}

// dnsKey groups the sightings that may be one response, the server's copies apart.
type dnsKey struct {
	id, qtype uint16
	qname     string // lower case
	server    bool
}

// newDNSFeed wraps src; s is the replay's state, names its resolver.
func newDNSFeed(src event.Source, s *State, names NameResolver, opts DNSOptions) *dnsFeed {
	f := &dnsFeed{opts: opts, window: int64(opts.Window), s: s, src: src}
	if f.window <= 0 {
		f.window = int64(dns.DefaultMergeWindow)
	}
	f.idx, _ = names.(*dns.Index)
	var packets []dns.Stream
	if len(opts.Packets) > 0 {
		packets = append(packets, dns.SliceStream(dns.Combine(time.Duration(f.window), opts.Packets)))
	}
	if opts.Stream != nil {
		packets = append(packets, opts.Stream)
	}
	switch len(packets) {
	case 1:
		if opts.Stream == nil {
			f.merge = dns.NewMerge(src, packets[0], opts.TS) // Combine did the combining
			break
		}
		f.merge = dns.NewMerge(src, dns.Combined(packets[0], time.Duration(f.window)), opts.TS)
	case 2:
		f.merge = dns.NewMerge(src, dns.Combined(dns.MergeStreams(packets...), time.Duration(f.window)), opts.TS)
	}
	if f.merge != nil {
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
	if f.dueI < len(f.due) {
		f.dueI++
		f.yield(&f.due[f.dueI-1], f.msgTS, f.msgNum, e)
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
func (f *dnsFeed) yield(m *dns.Message, ts, num uint64, e *event.Event) {
	dns.Event(m, ts, &f.ev)
	f.ev.Num = num
	*e = f.ev
}

// packet takes the packet message m at stream time ts and reports whether its event is to
// be yielded now: queries are; a response is counted unless a sensor copy was, and held.
func (f *dnsFeed) packet(m *dns.Message, ts uint64) bool {
	if !m.Response {
		f.emit(m, 0)
		return true
	}
	f.prune(m.TS)
	if f.find(m) != nil {
		return false
	}
	h := f.remember(*m, f.addShared(m))
	h.ts, h.pending = ts, true
	f.held = append(f.held, h)
	return false
}

// observe decodes the DNS responses e may carry; Run calls it after the state saw e.
func (f *dnsFeed) observe(e *event.Event) {
	switch e.Kind {
	case event.KindRecvfrom, event.KindRecvmsg, event.KindRecvmmsg, event.KindRecv,
		event.KindRead, event.KindReadv:
		if e.Res > 0 {
			f.sensor(e, false)
		}
	case event.KindSendto, event.KindSendmsg, event.KindSendmmsg, event.KindSend,
		event.KindWrite, event.KindWritev:
		if e.Res > 0 {
			f.sensor(e, true)
		}
	}
}

// sensor decodes the responses of the receive or send event e: received from a remote port 53,
// or sent from a local one. It counts each unless a copy was, and makes their dns events due
// next.
func (f *dnsFeed) sensor(e *event.Event, send bool) {
	var tp *event.Tuple
	if fd := f.s.fd; fd != nil {
		if !fd.isIP() {
			return // files, pipes, unix sockets
		}
		port := fd.Remote.Port()
		if send {
			port = fd.Local.Port()
		}
		switch {
		case fd.Remote.IsValid() && port != 53:
			return
		case fd.Remote.IsValid():
			fam := fd.Family
			if fam == 0 {
				fam = event.AFInet
				if fd.Type == event.FDIPv6 {
					fam = event.AFInet6
				}
			}
			f.tupleBuf = event.Tuple{Family: fam, Proto: fd.Proto, Local: fd.Local, Remote: fd.Remote}
			tp = &f.tupleBuf
		case send && fd.Local.IsValid() && port != 53:
			return // an unconnected socket not bound to port 53 sends no answers
		}
		// An unconnected socket: the event's own tuple names the peer.
	}
	if f.sens == nil {
		f.sens = dns.NewSensor(dns.NewDecoder())
	}
	// Malformed messages are skipped; the others of the event still count.
	f.due, _ = f.sens.Decode(e, tp, f.s.clock, f.due[:0])
	f.dueI, f.msgTS, f.msgNum = 0, e.TS, e.Num
	if len(f.due) == 0 {
		return
	}
	var procKey uint64
	if p := f.s.Current(); p != nil {
		procKey = p.Key
	}
	keep := 0
	for i := range f.due {
		m := &f.due[i]
		if !m.Response || m.PID == 0 || !f.count(m, procKey) {
			continue
		}
		// Swapping keeps each element's Answers buffer for reuse.
		f.due[keep], f.due[i] = f.due[i], f.due[keep]
		keep++
	}
	f.due = f.due[:keep]
}

// count counts the sensor response m unless a copy was, and reports whether its dns event is
// to be yielded. A client's copy takes the place of a packet copy counted before. A server's
// copy is a view apart, counted once among server copies: it never takes nor yields the
// place of a client's or packet copy, but shares their answer in the index.
func (f *dnsFeed) count(m *dns.Message, procKey uint64) bool {
	f.prune(m.TS)
	r := f.find(m)
	switch {
	case r == nil && m.ServerSide:
		answer := -1
		if f.findSide(m, false) == nil {
			answer = f.add(m) // the first copy: the client's or the packet's will claim it
		}
		f.remember(m.Clone(), answer)
		f.sawServer = true
	case r == nil:
		f.remember(m.Clone(), f.addShared(m))
	case !r.pending:
		return false // counted, its event handed out
	default:
		// The packet copy came first: the sensor's takes its place, with the process.
		r.pending = false
		if r.answer >= 0 {
			a := f.idx.Answer(r.answer)
			a.PID, a.FromSensor = m.PID, true
		}
		m.FromPacket = true
	}
	f.emit(m, procKey)
	return true
}

// addShared adds the client or packet copy m to the index, unless a server's copy added the
// answer already: then m claims it, naming the process that asked. It returns the position
// of the answer, -1 when none.
func (f *dnsFeed) addShared(m *dns.Message) int {
	if !f.sawServer {
		return f.add(m)
	}
	if s := f.findSide(m, true); s != nil && s.answer >= 0 && !s.claimed {
		s.claimed = true
		a := f.idx.Answer(s.answer)
		a.PID = m.PID
		a.FromPacket = a.FromPacket || m.FromPacket
		a.FromSensor = a.FromSensor || m.FromSensor
		return s.answer
	}
	return f.add(m)
}

// add adds m to the index and returns the position of its answer, -1 when none was added.
func (f *dnsFeed) add(m *dns.Message) int {
	if f.idx == nil {
		return -1
	}
	n := f.idx.Answers()
	f.idx.Add(m)
	if f.idx.Answers() > n {
		return n
	}
	return -1
}

func (f *dnsFeed) emit(m *dns.Message, procKey uint64) {
	if f.opts.Message != nil {
		f.opts.Message(m, procKey)
	}
}

// find returns the counted sighting of m within the window on m's side, or nil.
func (f *dnsFeed) find(m *dns.Message) *dnsSeen { return f.findSide(m, m.ServerSide) }

// findSide returns the counted sighting of m within the window among the server's copies
// (server) or the others, or nil.
func (f *dnsFeed) findSide(m *dns.Message, server bool) *dnsSeen {
	for _, r := range f.byKey[dnsKey{m.ID, m.QType, strings.ToLower(m.QName), server}] {
		if dnsNear(r.m.TS, m.TS, f.window) && r.m.SameTransaction(m) {
			return r
		}
	}
	return nil
}

// remember counts the sighting m, whose answer in the index is answer.
func (f *dnsFeed) remember(m dns.Message, answer int) *dnsSeen {
	r := &dnsSeen{m: m, key: dnsKey{m.ID, m.QType, strings.ToLower(m.QName), m.ServerSide}, answer: answer}
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

// dnsArgFD is the index of the fd parameter of dns events.
var dnsArgFD = event.KindDns.ParamIndex("fd")

// dnsSocket returns the socket the sensor saw the dns event e's message on, nil when unknown.
func (s *State) dnsSocket(e *event.Event) *FD {
	if s.proc == nil || dnsArgFD < 0 || dnsArgFD >= int(e.NArgs) || e.Args[dnsArgFD].Int < 0 {
		return nil
	}
	return s.proc.FDs.get(e.Args[dnsArgFD].Int)
}
