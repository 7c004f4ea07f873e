package incident

import (
	"cmp"
	"slices"
	"strconv"
	"time"

	"saker/analyze"
	"saker/rules"
)

// Incident is findings tied together into one attack, with its story and indicators.
type Incident struct {
	// ID numbers a capture's incidents from 1 in the order of their first findings.
	ID          int
	First, Last time.Time
	// Priority is the most severe priority of its findings.
	Priority rules.Priority
	// Entries are the process keys the incident's processes descend from: for each, the
	// oldest ancestor started within the capture (or the process itself when it ran before).
	Entries []uint64
	// Processes are the keys of the processes that descend from Entries, and of those with
	// findings, in key order.
	Processes []uint64
	// Rollups are its rolled-up findings in the order of their first findings, those attached
	// to another (AttachedTo) included.
	Rollups    []*Rollup
	Steps      []Step
	Indicators []Indicator
}

// Phases returns the phases of the incident's steps, in story order.
func (in *Incident) Phases() []Phase {
	var out []Phase
	for _, s := range in.Steps {
		if !slices.Contains(out, s.Phase) {
			out = append(out, s.Phase)
		}
	}
	slices.Sort(out)
	return out
}

// Step is one thing that happened in an incident.
type Step struct {
	Time    time.Time
	Phase   Phase
	Text    string
	PID     uint32
	ProcKey uint64
	// Rollups are the IDs of the roll-ups the step stands on (empty for steps read from the
	// process, connection and file records); ConnID the connection it describes, 0 if none.
	Rollups []uint64
	ConnID  uint64
}

// Build groups the roll-ups into incidents; first and last are the replay's first and last
// event times (analyze.Result.First, Last). A group becomes an incident when one of its
// findings is of priority Error or more severe, or of a rule tagged cryptomining, or when
// findings of two rules or more stand in it: one lone warning of another kind (a program
// run from /tmp, a setuid bit) stays a finding. Build marks the server's ends of
// connections (Rollup.AttachedTo) first. Call it once, after the replay.
func (c *Collector) Build(first, last time.Time) []*Incident {
	c.attach()
	c.index()
	g := &grouper{c: c, first: first, parent: map[string]string{}, entries: map[uint64]uint64{}}
	rollups := c.roller.Rollups()
	for _, ru := range rollups {
		if ru.AttachedTo != 0 {
			continue
		}
		n := g.node(ru)
		if p := c.procs[ru.ProcKey]; p != nil && p.Container != "" && p.Container != "host" {
			g.union(n, "c:"+p.Container)
		}
		for _, d := range ru.Finding.DNS {
			if asker := c.procAt(d.PID, d.Answered); asker != nil && d.PID != ru.PID {
				g.union(n, g.procNode(asker.Key))
			}
		}
	}
	for _, t := range c.files {
		if t.written == nil {
			continue
		}
		for _, x := range append(t.chmods[:len(t.chmods):len(t.chmods)], t.execs...) {
			g.union(g.procNode(t.written.ProcKey), g.procNode(x.ProcKey))
		}
	}
	byRoot := map[string]*Incident{}
	var list []*Incident
	for _, ru := range rollups {
		owner := ru
		if ru.AttachedTo != 0 {
			owner = rollups[ru.AttachedTo-1]
		}
		root := g.find(g.node(owner))
		in := byRoot[root]
		if in == nil {
			in = &Incident{Priority: ru.Priority, First: ru.First, Last: ru.Last}
			byRoot[root] = in
			list = append(list, in)
		}
		in.Rollups = append(in.Rollups, ru)
		in.Priority = min(in.Priority, ru.Priority)
		if ru.First.Before(in.First) {
			in.First = ru.First
		}
		if ru.Last.After(in.Last) {
			in.Last = ru.Last
		}
	}
	var out []*Incident
	for _, in := range list {
		if !serious(in) {
			continue
		}
		out = append(out, in)
	}
	slices.SortStableFunc(out, func(a, b *Incident) int { return a.First.Compare(b.First) })
	members := map[*Incident]map[uint64]bool{}
	roots := map[string]*Incident{}
	for root, in := range byRoot {
		roots[root] = in
		members[in] = map[uint64]bool{}
	}
	for k := range c.procs {
		if in := roots[g.find(g.procNode(k))]; in != nil {
			members[in][k] = true
		}
	}
	for i, in := range out {
		in.ID = i + 1
		for _, ru := range in.Rollups {
			ru.Incident = in.ID
		}
		for _, ru := range in.Rollups {
			if ru.ProcKey != 0 && ru.AttachedTo == 0 {
				members[in][ru.ProcKey] = true
			}
		}
		for k := range members[in] {
			in.Processes = append(in.Processes, k)
			if e := g.entry(k); !slices.Contains(in.Entries, e) {
				in.Entries = append(in.Entries, e)
			}
		}
		slices.Sort(in.Processes)
		slices.Sort(in.Entries)
		in.Steps = c.story(in, first, last)
		in.Indicators = c.indicators(in)
	}
	return out
}

// serious reports whether an incident's findings make it one: a finding of priority Error
// or above or of a cryptomining rule, or findings of two rules.
func serious(in *Incident) bool {
	var rule string
	for _, ru := range in.Rollups {
		if ru.AttachedTo != 0 {
			continue
		}
		if ru.Priority <= rules.PriorityError || slices.Contains(ru.Finding.Tags, "cryptomining") ||
			rule != "" && ru.Rule != rule {
			return true
		}
		rule = ru.Rule
	}
	return false
}

// procAt returns the process with pid alive at t, nil when none is known; the latest
// started of them when several are.
func (c *Collector) procAt(pid uint32, t time.Time) *analyze.ProcessRecord {
	if c.byPID == nil {
		c.byPID = map[uint32][]*analyze.ProcessRecord{}
		for _, p := range c.procs {
			c.byPID[p.PID] = append(c.byPID[p.PID], p)
		}
	}
	var best *analyze.ProcessRecord
	for _, p := range c.byPID[pid] {
		if !p.Start.IsZero() && p.Start.After(t) || !p.Exit.IsZero() && p.Exit.Before(t) {
			continue
		}
		if best == nil || p.Key > best.Key {
			best = p
		}
	}
	return best
}

// grouper is a union-find over nodes: "p:KEY" for an entry process, "c:ID" for a container.
type grouper struct {
	c       *Collector
	first   time.Time
	parent  map[string]string
	entries map[uint64]uint64
}

func (g *grouper) find(n string) string {
	for {
		p, ok := g.parent[n]
		if !ok || p == n {
			return n
		}
		if gp := g.parent[p]; gp != "" {
			g.parent[n] = gp
		}
		n = p
	}
}

func (g *grouper) union(a, b string) {
	ra, rb := g.find(a), g.find(b)
	if ra == rb {
		return
	}
	// The smaller name becomes the root, so that the grouping does not depend on map order.
	if rb < ra {
		ra, rb = rb, ra
	}
	g.parent[ra] = ra
	g.parent[rb] = ra
}

// node returns the node of a roll-up: its process's entry; a finding without a process
// stands alone.
func (g *grouper) node(ru *Rollup) string {
	if ru.ProcKey == 0 {
		return "r:" + strconv.FormatUint(ru.ID, 10)
	}
	return g.procNode(ru.ProcKey)
}

func (g *grouper) procNode(k uint64) string { return "p:" + strconv.FormatUint(g.entry(k), 10) }

// entry returns the key of the oldest ancestor of process k that started within the
// capture, k itself when it ran before the capture or is unknown.
func (g *grouper) entry(k uint64) uint64 {
	if e, ok := g.entries[k]; ok {
		return e
	}
	e := k
	if p := g.c.procs[k]; p != nil && began(p, g.first) {
		for depth := 0; depth < 256; depth++ {
			parent := g.c.procs[p.ParentKey]
			if parent == nil || parent.Key == p.Key || !began(parent, g.first) {
				break
			}
			p = parent
		}
		e = p.Key
	}
	g.entries[k] = e
	return e
}

// sortIndicators orders indicators by type (as the constants list them), then first seen.
func sortIndicators(ins []Indicator) {
	order := map[string]int{}
	for i, t := range []string{IndicatorDomain, IndicatorIP, IndicatorWallet, IndicatorWorker, IndicatorAgent,
		IndicatorPath, IndicatorSHA256, IndicatorUser, IndicatorContainer, IndicatorImage} {
		order[t] = i
	}
	slices.SortStableFunc(ins, func(a, b Indicator) int {
		return cmp.Or(cmp.Compare(order[a.Type], order[b.Type]), a.First.Compare(b.First), cmp.Compare(a.Value, b.Value))
	})
}
