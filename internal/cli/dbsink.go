package cli

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"saker/analyze"
	"saker/dns"
	"saker/event"
	"saker/replay"
	"saker/reports"
	"saker/rules"
)

// dbSink turns one capture's replay into rows of the DuckDB store.
type dbSink struct {
	st      *reports.Store
	capID   string
	clock   event.Clock
	finds   uint64
	err     error
	scratch []byte
	tuple   []byte
	// firstFinding maps a roll-up's ID to the finding_id of its first finding.
	firstFinding map[uint64]uint64
}

func (d *dbSink) keep(err error) {
	if d.err == nil && err != nil {
		d.err = err
	}
}

// executables adds the bundle's executable records.
func (d *dbSink) executables(b *replay.BundleSource) {
	for _, x := range b.Executables() {
		r := &reports.Executable{CaptureID: d.capID, Time: b.Wall(x.TS), PID: int64(x.PID), Path: x.Path,
			SHA256: x.SHA256, Size: x.Size, Inode: x.Ino, Error: x.Error, Kept: x.Kept}
		if x.Mtime != 0 {
			r.Mtime = time.Unix(0, x.Mtime).UTC()
		}
		if x.Ctime != 0 {
			r.Ctime = time.Unix(0, x.Ctime).UTC()
		}
		d.keep(d.st.AddExecutable(r))
	}
}

func (d *dbSink) hooks() analyze.Hooks {
	return analyze.Hooks{
		Process: func(p *analyze.ProcessRecord) {
			r := &reports.Process{CaptureID: d.capID, Key: p.Key, ParentKey: p.ParentKey, PID: int64(p.PID),
				PPID: int64(p.PPID), Exe: p.ExePath, Cmdline: p.Cmdline, User: p.User, UID: int64(p.UID),
				ContainerID: p.Container, Ancestry: strings.Join(p.Ancestry, " < "),
				Args: strings.Fields(p.Cmdline), ExeSHA256: p.ExeSHA256, ExeSize: p.ExeSize, ExeHashError: p.ExeError}
			if !p.Start.IsZero() {
				t := p.Start
				r.Start = &t
			}
			if !p.Exit.IsZero() {
				t := p.Exit
				r.Exit = &t
			}
			if r.Exe == "" {
				r.Exe = p.Exe
			}
			d.keep(d.st.AddProcess(r))
		},
		Conn: func(c *analyze.ConnRecord) {
			proto := "udp"
			if c.Proto == event.ProtoTCP {
				proto = "tcp"
			}
			d.keep(d.st.AddConnection(&reports.Connection{CaptureID: d.capID, ID: c.ID, ProcessKey: c.ProcKey,
				PID: int64(c.PID), Proto: proto, LocalIP: addrString(c.Local.Addr()), LocalPort: int(c.Local.Port()),
				RemoteIP: addrString(c.Remote.Addr()), RemotePort: int(c.Remote.Port()), Names: c.ServerNames,
				DNSAnswer: dnsAnswer(c.DNS), FirstTime: c.First, LastTime: c.Last, BytesSent: c.BytesSent,
				BytesRecv: c.BytesRecv, Payload: c.Payload}))
		},
		File: func(f *analyze.FileRecord) {
			d.keep(d.st.AddFile(&reports.File{CaptureID: d.capID, Time: f.Time, Action: fileAction(f.Action), Path: f.Path,
				Mode: int64(f.Mode), PID: int64(f.PID), ProcessKey: f.ProcKey, EventNum: f.EventNum}))
		},
	}
}

// dnsAnswer describes the answers that named a connection's server, one per name, separated
// by "; ": "NAME=IP (query QNAME) from RESOLVER at TIME ttl N (asked by pid N)", each part after
// the address only when known.
func dnsAnswer(ev []analyze.DNSEvidence) string {
	var b strings.Builder
	for i, d := range ev {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s=%s", d.Name, addrString(d.IP))
		if d.QName != "" && !strings.EqualFold(strings.TrimSuffix(d.QName, "."), d.Name) {
			fmt.Fprintf(&b, " (query %s)", d.QName)
		}
		if d.Resolver.IsValid() {
			fmt.Fprintf(&b, " from %s", d.Resolver)
		}
		if !d.Answered.IsZero() {
			fmt.Fprintf(&b, " at %s", d.Answered.UTC().Format(time.RFC3339Nano))
		}
		fmt.Fprintf(&b, " ttl %d", d.TTL)
		if d.PID != 0 {
			fmt.Fprintf(&b, " (asked by pid %d)", d.PID)
		}
	}
	return b.String()
}

func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// finding adds one finding, rolled up into the roll-up rollupID (first when it is the
// roll-up's first finding).
func (d *dbSink) finding(f *analyze.Finding, rollupID uint64, first bool) {
	d.finds++
	if first {
		if d.firstFinding == nil {
			d.firstFinding = map[uint64]uint64{}
		}
		d.firstFinding[rollupID] = d.finds
	}
	fields := map[string]any{}
	for _, of := range f.Fields {
		fields[of.Name] = of.Value
	}
	d.keep(d.st.AddFinding(&reports.Finding{CaptureID: d.capID, ID: d.finds, Rule: f.Rule, Priority: f.Priority.String(),
		Source: f.Source, Time: f.Time, Output: f.Output, OutputFields: fields, Tags: f.Tags, EventNum: f.EventNum,
		PID: int64(f.PID), ProcessKey: f.ProcKey, ConnectionID: f.ConnID, RollupID: rollupID}))
}

// event adds one replayed event with its decoded arguments, as analyze.Options.Event: after the
// state has applied it, so that procKey names the process the event belongs to (after an execve,
// the new image). The dns events the replay makes from DNS messages are left out: each message
// is a row of the dns table.
func (d *dbSink) event(e *event.Event, procKey uint64) {
	if e.Kind == event.KindDns {
		return
	}
	r := reports.Event{CaptureID: d.capID, Num: e.Num, Time: d.clock.Wall(e.TS), Kind: e.Kind.String(),
		PID: int64(e.PID), TID: int64(e.TID), ProcessKey: procKey, Res: e.Res, FD: -1}
	params := e.Kind.Params()
	d.scratch = d.scratch[:0]
	for i := range min(int(e.NArgs), len(params)) {
		p, a := params[i], e.Args[i]
		switch {
		case p.Type == event.TypeFD && (p.Name == "fd" || r.FD == -1):
			r.FD = a.Int
		case p.Type == event.TypePath && r.Path == "":
			r.Path = string(a.Bytes)
		case p.Type == event.TypeTuple:
			d.tuple = event.AppendArg(d.tuple[:0], p, a)
			r.Tuple = string(d.tuple)
		case p.Type == event.TypeBytes:
			if len(a.Bytes) > 0 {
				r.Data = a.Bytes // AddEvent copies it
			}
			continue
		}
		if len(d.scratch) > 0 {
			d.scratch = append(d.scratch, ' ')
		}
		d.scratch = append(d.scratch, p.Name...)
		d.scratch = append(d.scratch, '=')
		d.scratch = event.AppendArg(d.scratch, p, a)
	}
	r.Args = string(d.scratch)
	d.keep(d.st.AddEvent(&r))
}

// dns adds one DNS message; procKey is the Process.Key of the process that received it, 0
// when only packets saw it.
func (d *dbSink) dns(m *dns.Message, procKey uint64) {
	var answers, cnames []string
	var ttl uint32
	for _, a := range m.Answers {
		if a.IP.IsValid() {
			answers = append(answers, a.IP.String())
		} else if a.Target != "" {
			cnames = append(cnames, a.Target)
		}
		ttl = max(ttl, a.TTL)
	}
	resolver := ""
	if m.Server.IsValid() {
		resolver = m.Server.String()
	}
	d.keep(d.st.AddDNS(&reports.DNS{CaptureID: d.capID, Time: time.Unix(0, m.TS).UTC(), QName: m.QName,
		QType: dns.TypeName(m.QType), RCode: dns.RcodeName(m.Rcode), Answers: answers, CNAMEs: cnames, TTL: ttl,
		Resolver: resolver, PID: int64(m.PID), ProcessKey: procKey, ServerSide: m.ServerSide}))
}

func (d *dbSink) rules(en *rules.Engine) {
	for _, r := range en.Rules() {
		d.keep(d.st.AddRule(&reports.Rule{CaptureID: d.capID, Name: r.Name, Priority: r.Priority.String(),
			Source: r.Source, Desc: r.Desc, Condition: r.Expanded, Output: r.Output, Tags: r.Tags, Enabled: r.Enabled}))
	}
}

// fileAction names a file action as docs/SCHEMA.md spells it.
func fileAction(a analyze.FileAction) string {
	switch a {
	case analyze.FileWritten:
		return "write"
	case analyze.FileChmod:
		return "chmod"
	case analyze.FileExecuted:
		return "exec"
	}
	return a.String()
}
