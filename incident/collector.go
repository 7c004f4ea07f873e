package incident

import (
	"net/netip"
	"slices"
	"time"

	"saker/analyze"
)

// Collector gathers what incidents are built from during one replay: the findings, rolled
// up as they come, and the process, connection and file records of analyze.Hooks. Use
// Hooks and Finding as the replay's hooks, then Build. A Collector is not safe for
// concurrent use.
type Collector struct {
	roller *Roller
	procs  map[uint64]*analyze.ProcessRecord
	conns  map[uint64]*analyze.ConnRecord
	// files holds, per path, the first write and the chmods and execs after it: a drop is a
	// file written and then made executable or run.
	files map[string]*fileTrail
	obs   map[uint64][]observation // roll-up ID -> indicator observations of its findings
	// cited are the connections findings cited; uncited counts the others kept.
	cited   map[uint64]bool
	uncited int
	// dropped counts records not kept for the limits below.
	dropped int
	byPID   map[uint32][]*analyze.ProcessRecord // made by Build
	// outboundBy and dropsBy index, per process key, the outbound TCP connections and the
	// files written then made executable or run (by the writer): made by Build, so that the
	// stories of many incidents do not each walk every connection and file.
	outboundBy map[uint64][]uint64
	dropsBy    map[uint64][]string
}

// Limits of what a Collector keeps, so that a capture of a busy host cannot make it grow
// without bound: process records (their command lines cut to maxCmdline bytes), connections
// no finding cited (those of downloaders: curl, wget...), and files written.
// What is beyond them is counted (Dropped) and missing from the stories.
const (
	maxProcs        = 1 << 20
	maxCmdline      = 4096
	maxAncestry     = 32
	maxUncitedConns = 1 << 16
	maxWrittenFiles = 1 << 18
	maxObservations = 64
)

type fileTrail struct {
	written *analyze.FileRecord
	chmod   *analyze.FileRecord // the first chmod that set an execute bit
	// users are the chmods and execs after the write, at most maxUsesPerFile of them.
	chmods, execs []*analyze.FileRecord
}

// maxUsesPerFile bounds the chmods and execs of one file a Collector keeps.
const maxUsesPerFile = 8

// NewCollector returns an empty Collector.
func NewCollector() *Collector {
	return &Collector{roller: NewRoller(), procs: map[uint64]*analyze.ProcessRecord{},
		conns: map[uint64]*analyze.ConnRecord{}, files: map[string]*fileTrail{}, obs: map[uint64][]observation{},
		cited: map[uint64]bool{}}
}

// Hooks returns hooks that record into c and then call next's.
func (c *Collector) Hooks(next analyze.Hooks) analyze.Hooks {
	return analyze.Hooks{
		Process: func(p *analyze.ProcessRecord) {
			c.process(p)
			if next.Process != nil {
				next.Process(p)
			}
		},
		Conn: func(r *analyze.ConnRecord) {
			c.conn(r)
			if next.Conn != nil {
				next.Conn(r)
			}
		},
		File: func(f *analyze.FileRecord) {
			c.file(f)
			if next.File != nil {
				next.File(f)
			}
		},
	}
}

// process keeps a copy of p, its command line and ancestry cut to the limits.
func (c *Collector) process(p *analyze.ProcessRecord) {
	if _, ok := c.procs[p.Key]; !ok && len(c.procs) >= maxProcs {
		c.dropped++
		return
	}
	r := *p
	if len(r.Cmdline) > maxCmdline {
		r.Cmdline = clip(r.Cmdline, maxCmdline)
	}
	if len(r.Ancestry) > maxAncestry {
		r.Ancestry = r.Ancestry[:maxAncestry]
	}
	r.PrevExes = nil
	c.procs[p.Key] = &r
}

// conn keeps the connections findings cited, and up to maxUncitedConns outbound TCP ones
// of downloaders (the stories' downloads).
func (c *Collector) conn(r *analyze.ConnRecord) {
	if !c.cited[r.ID] {
		if !r.Outbound || r.Proto != 6 || !slices.Contains(downloaders, r.Comm) {
			return
		}
		if c.uncited >= maxUncitedConns {
			c.dropped++
			return
		}
		c.uncited++
	}
	k := *r
	k.Payload, k.DNS = nil, nil
	c.conns[r.ID] = &k
}

// Dropped returns the number of records the Collector did not keep for its limits.
func (c *Collector) Dropped() int { return c.dropped }

func (c *Collector) file(f *analyze.FileRecord) {
	t := c.files[f.Path]
	switch f.Action {
	case analyze.FileWritten:
		if t == nil {
			if len(c.files) >= maxWrittenFiles {
				c.dropped++
				return
			}
			t = &fileTrail{}
			c.files[f.Path] = t
		}
		if t.written == nil {
			r := *f
			t.written = &r
		}
	case analyze.FileChmod:
		if t != nil && t.written != nil && len(t.chmods) < maxUsesPerFile {
			r := *f
			t.chmods = append(t.chmods, &r)
			if t.chmod == nil && f.Mode&0o111 != 0 {
				t.chmod = &r
			}
		}
	case analyze.FileExecuted:
		if t != nil && t.written != nil && len(t.execs) < maxUsesPerFile {
			r := *f
			t.execs = append(t.execs, &r)
		}
	}
}

// Finding rolls f up and notes the indicators it shows. It returns f's Rollup and whether
// f is the first finding of its key (the one a rolled-up listing prints).
func (c *Collector) Finding(f *analyze.Finding) (*Rollup, bool) {
	ru, first := c.roller.Add(f)
	if o := c.obs[ru.ID]; len(o) < maxObservations {
		c.obs[ru.ID] = appendObservations(o, f)
	}
	if f.ConnID != 0 {
		c.cited[f.ConnID] = true
	}
	return ru, first
}

// Rollups returns the roll-ups so far, in the order of their first findings. After Build,
// their AttachedTo is set.
func (c *Collector) Rollups() []*Rollup { return c.roller.Rollups() }

// attach sets AttachedTo of the roll-ups on the server's end of a connection whose client's
// end, on this host too, has a roll-up of the same rule.
func (c *Collector) attach() {
	type end struct {
		local, remote netip.AddrPort
		rule          string
	}
	clients := map[end]*Rollup{}
	for _, ru := range c.roller.Rollups() {
		if r := c.conns[ru.ConnID]; ru.Kind == KeyConnection && r != nil && r.Outbound {
			k := end{unmap(r.Local), unmap(r.Remote), ru.Rule}
			if clients[k] == nil {
				clients[k] = ru
			}
		}
	}
	for _, ru := range c.roller.Rollups() {
		if r := c.conns[ru.ConnID]; ru.Kind == KeyConnection && r != nil && !r.Outbound {
			if cl := clients[end{unmap(r.Remote), unmap(r.Local), ru.Rule}]; cl != nil {
				ru.AttachedTo = cl.ID
			}
		}
	}
}

func unmap(a netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
}

// began reports whether p started within the capture (at or after first).
func began(p *analyze.ProcessRecord, first time.Time) bool {
	return !p.Start.IsZero() && !p.Start.Before(first)
}

// index makes outboundBy and dropsBy.
func (c *Collector) index() {
	c.outboundBy = map[uint64][]uint64{}
	for id, r := range c.conns {
		if r.Outbound && r.Proto == 6 {
			c.outboundBy[r.ProcKey] = append(c.outboundBy[r.ProcKey], id)
		}
	}
	c.dropsBy = map[uint64][]string{}
	for fp, t := range c.files {
		if t.written != nil && (t.chmod != nil || len(t.execs) > 0) {
			c.dropsBy[t.written.ProcKey] = append(c.dropsBy[t.written.ProcKey], fp)
		}
	}
}
