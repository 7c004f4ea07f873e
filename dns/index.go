package dns

import (
	"net/netip"
	"slices"
	"sort"
	"strings"
	"time"
)

// DefaultGrace is how long past its TTL an answer still names an IP. Clients and stub
// resolvers keep addresses longer than the TTL says (browsers pin, connection pools reuse,
// nscd and systemd-resolved serve stale), so a connection minutes after the TTL ran out most
// likely still used that answer.
const DefaultGrace = 5 * time.Minute

// IndexOptions configures a Index.
type IndexOptions struct {
	// Grace extends every answer's TTL: 0 means DefaultGrace, a negative value none.
	Grace time.Duration
}

// AnswerInfo tells which DNS answer produced a name, for findings to cite.
type AnswerInfo struct {
	TS         int64 // wall time of the answer, Unix nanoseconds
	ID         uint16
	QName      string // the question as asked
	QType      uint16
	Resolver   netip.AddrPort
	Client     netip.AddrPort
	PID        uint32 // process that asked, 0 when unknown
	FromSensor bool
	FromPacket bool
}

// NameHit is one name of an IP at a time, with the answer that gave it.
type NameHit struct {
	Name    []byte // lower case, no final dot; shared with the index, do not modify
	TTL     uint32 // smallest TTL along the CNAME chain that led to the IP
	Expires int64  // Unix nanoseconds when the name stops naming the IP, grace included
	Answer  *AnswerInfo
}

// Index maps IP addresses to the names DNS answers gave them, as of a time: at t the names
// of an IP are those of every answer seen at or before t whose record chain (the query name
// and each CNAME target down to the A or AAAA record) led to the IP and whose TTL plus grace
// had not run out by t. Times are wall-clock Unix nanoseconds. Answers may be added in any
// order; lookups do not allocate. A Index is not safe for concurrent use.
//
// Answers are scoped by the network namespace they were seen in (Message.NetNS): two
// namespaces that reuse one address (containers, labs side by side) do not lend each other
// names. A lookup in namespace ns (NamesIn, HitsIn) sees the answers of ns and those of
// unknown namespace (0); a lookup of unknown namespace (Names, Hits) sees them all, as the
// whole host would.
type Index struct {
	grace   int64
	ips     map[dnsKey]*dnsIPEntries
	scopes  []uint64 // the namespaces answers were added in, 0 included when seen
	names   [][]byte
	nameIDs map[string]uint32
	answers []AnswerInfo
}

// dnsKey is an address in a network namespace; the address is As16, which folds
// IPv4-mapped IPv6 and zones.
type dnsKey struct {
	ns uint64
	ip [16]byte
}

// dnsIPEntries are the names of one IP as runs: a run is the union of overlapping validity
// intervals of one name, so a name refreshed every minute for a day is one run, and at any
// time at most one run of a name is valid. Runs are sorted by start; maxUntil[i] is the
// latest end among runs[:i+1], which stops a lookup's backward scan early.
type dnsIPEntries struct {
	runs     []dnsRun
	maxUntil []int64
}

type dnsRun struct {
	from, until int64
	name        uint32
	answers     []dnsRunAnswer // sorted by from
}

// dnsRunAnswer is one answer's interval within a run.
type dnsRunAnswer struct {
	from, until int64
	answer      uint32
	ttl         uint32
}

// NewIndex returns an empty index.
func NewIndex(opts IndexOptions) *Index {
	g := opts.Grace
	switch {
	case g == 0:
		g = DefaultGrace
	case g < 0:
		g = 0
	}
	return &Index{
		grace:   int64(g),
		ips:     make(map[dnsKey]*dnsIPEntries),
		nameIDs: make(map[string]uint32),
	}
}

// Add indexes the answers of m. Queries, failed responses (NXDOMAIN, SERVFAIL...) and
// responses without address records add nothing.
func (x *Index) Add(m *Message) {
	if !m.Response || m.Rcode != RcodeNoError || len(m.Answers) == 0 {
		return
	}
	ans := uint32(len(x.answers))
	added := false
	m.Chains(func(ip netip.Addr, names []string, ttl uint32) {
		if !added {
			x.answers = append(x.answers, AnswerInfo{
				TS: m.TS, ID: m.ID, QName: m.QName, QType: m.QType, Resolver: m.Server, Client: m.Client,
				PID: dnsAsker(m), FromSensor: m.FromSensor, FromPacket: m.FromPacket,
			})
			added = true
		}
		until := m.TS + int64(ttl)*int64(time.Second) + x.grace
		for _, n := range names {
			x.insert(m.NetNS, ip, x.nameID(n), dnsRunAnswer{from: m.TS, until: until, answer: ans, ttl: ttl})
		}
	})
}

// Answers returns how many answers the index holds; Add appends at most one per message.
func (x *Index) Answers() int { return len(x.answers) }

// Answer returns the i-th answer added, 0 <= i < Answers(), for a caller that learns more
// about it later (the process that asked, a second sighting) to amend in place.
func (x *Index) Answer(i int) *AnswerInfo { return &x.answers[i] }

func (x *Index) nameID(n string) uint32 {
	n = strings.ToLower(strings.TrimSuffix(n, "."))
	if id, ok := x.nameIDs[n]; ok {
		return id
	}
	id := uint32(len(x.names))
	x.names = append(x.names, []byte(n))
	x.nameIDs[n] = id
	return id
}

// insert adds the interval a of name to ip in namespace ns, merging it with the runs of
// name it overlaps.
func (x *Index) insert(ns uint64, ip netip.Addr, name uint32, a dnsRunAnswer) {
	k := dnsKey{ns, ip.As16()}
	p := x.ips[k]
	if p == nil {
		if !slices.Contains(x.scopes, ns) {
			x.scopes = append(x.scopes, ns)
		}
		p = &dnsIPEntries{}
		x.ips[k] = p
	}
	run := dnsRun{from: a.from, until: a.until, name: name, answers: []dnsRunAnswer{a}}
	// Only runs that end at or after run.from can overlap it; maxUntil, a running maximum,
	// tells where they start, so adding answers in time order touches the live tail of the
	// runs, not all of them (an address with thousands of names, a CDN's, stays cheap).
	lo := sort.Search(len(p.runs), func(j int) bool { return p.maxUntil[j] >= run.from })
	kept := p.runs[:lo]
	for _, r := range p.runs[lo:] {
		if r.name != name || r.from > run.until || r.until < run.from {
			kept = append(kept, r)
			continue
		}
		run.from, run.until = min(run.from, r.from), max(run.until, r.until)
		run.answers = dnsMergeAnswers(r.answers, run.answers)
	}
	i := sort.Search(len(kept), func(i int) bool { return kept[i].from > run.from })
	kept = append(kept, dnsRun{})
	copy(kept[i+1:], kept[i:])
	kept[i] = run
	for j := len(kept); j < len(p.runs); j++ {
		p.runs[j] = dnsRun{} // merged away: let their answers go
	}
	p.runs = kept
	start := min(lo, i)
	p.maxUntil = p.maxUntil[:start]
	var m int64
	if start > 0 {
		m = p.maxUntil[start-1]
	}
	for j := start; j < len(p.runs); j++ {
		m = max(m, p.runs[j].until)
		p.maxUntil = append(p.maxUntil, m)
	}
}

// dnsMergeAnswers merges two sorted answer lists; one answer seen twice (same time) is kept
// once with the longer validity.
func dnsMergeAnswers(a, b []dnsRunAnswer) []dnsRunAnswer {
	// The common case, answers added in time order, appends in place: a belongs to a run
	// being replaced.
	if len(b) == 1 && len(a) > 0 && b[0].from >= a[len(a)-1].from {
		if last := &a[len(a)-1]; last.from == b[0].from {
			last.until = max(last.until, b[0].until)
			return a
		}
		return append(a, b[0])
	}
	out := make([]dnsRunAnswer, 0, len(a)+len(b))
	out = append(append(out, a...), b...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].from < out[j].from })
	k := 0
	for _, x := range out {
		if k > 0 && out[k-1].from == x.from {
			out[k-1].until = max(out[k-1].until, x.until)
			continue
		}
		out[k] = x
		k++
	}
	return out[:k]
}

// Names appends to buf the names of ip at time t, in any network namespace, and returns
// buf. The names are shared with the index and must not be modified. It allocates nothing
// when buf has room.
func (x *Index) Names(ip netip.Addr, t int64, buf [][]byte) [][]byte {
	return x.NamesIn(0, ip, t, buf)
}

// NamesIn is Names as seen from network namespace ns (see Index); ns 0 is Names.
func (x *Index) NamesIn(ns uint64, ip netip.Addr, t int64, buf [][]byte) [][]byte {
	start := len(buf)
	k := dnsKey{ip: ip.As16()}
	for s := range x.nScopes(ns) {
		k.ns = x.scope(ns, s)
		p := x.ips[k]
		if p == nil {
			continue
		}
		for i := dnsRunsFrom(p.runs, t) - 1; i >= 0 && p.maxUntil[i] >= t; i-- {
			if r := &p.runs[i]; r.until >= t && !hasName(buf[start:], x.names[r.name]) {
				buf = append(buf, x.names[r.name])
			}
		}
	}
	return buf
}

// Hits appends to buf the names of ip at time t, in any network namespace, each with the
// latest answer before t that still gave it.
func (x *Index) Hits(ip netip.Addr, t int64, buf []NameHit) []NameHit {
	return x.HitsIn(0, ip, t, buf)
}

// HitsIn is Hits as seen from network namespace ns (see Index); ns 0 is Hits. A name given
// in two scopes is listed once per scope, each with its own answer.
func (x *Index) HitsIn(ns uint64, ip netip.Addr, t int64, buf []NameHit) []NameHit {
	k := dnsKey{ip: ip.As16()}
	for s := range x.nScopes(ns) {
		k.ns = x.scope(ns, s)
		p := x.ips[k]
		if p == nil {
			continue
		}
		for i := dnsRunsFrom(p.runs, t) - 1; i >= 0 && p.maxUntil[i] >= t; i-- {
			r := &p.runs[i]
			if r.until < t {
				continue
			}
			j := sort.Search(len(r.answers), func(j int) bool { return r.answers[j].from > t }) - 1
			for ; j > 0 && r.answers[j].until < t; j-- {
			}
			a := &r.answers[j]
			buf = append(buf, NameHit{Name: x.names[r.name], TTL: a.ttl, Expires: a.until, Answer: &x.answers[a.answer]})
		}
	}
	return buf
}

// nScopes is the number of namespaces a lookup from ns sees: ns and the unknown one, or
// for ns 0 every namespace answers were added in.
func (x *Index) nScopes(ns uint64) int {
	switch {
	case len(x.ips) == 0:
		return 0
	case ns != 0:
		return 2
	}
	return len(x.scopes)
}

// scope is the i-th namespace a lookup from ns sees, 0 <= i < nScopes(ns).
func (x *Index) scope(ns uint64, i int) uint64 {
	switch {
	case ns == 0:
		return x.scopes[i]
	case i == 0:
		return ns
	}
	return 0
}

// hasName reports whether names holds n.
func hasName(names [][]byte, n []byte) bool {
	for _, m := range names {
		if string(m) == string(n) {
			return true
		}
	}
	return false
}

// dnsRunsFrom returns the index of the first run that starts after t.
func dnsRunsFrom(runs []dnsRun, t int64) int {
	lo, hi := 0, len(runs)
	for lo < hi {
		h := int(uint(lo+hi) >> 1)
		if runs[h].from <= t {
			lo = h + 1
		} else {
			hi = h
		}
	}
	return lo
}

// Len returns the number of IPs the index knows, an IP counted once per network namespace
// it was named in.
func (x *Index) Len() int { return len(x.ips) }

// HasName reports whether name (any case, final dot or not) names ip at t.
func (x *Index) HasName(ip netip.Addr, t int64, name string) bool {
	want := strings.ToLower(strings.TrimSuffix(name, "."))
	var buf [8][]byte
	for _, n := range x.Names(ip, t, buf[:0]) {
		if string(n) == want {
			return true
		}
	}
	return false
}

// dnsAsker returns the process that asked for m, 0 when unknown: a server-side sighting names
// the server that answered.
func dnsAsker(m *Message) uint32 {
	if m.ServerSide {
		return 0
	}
	return m.PID
}
