package reports

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ts returns t for a TIMESTAMP_NS column, NULL for the zero time.
func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// tsp returns *t for a TIMESTAMP_NS column, NULL for nil or the zero time.
func tsp(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ts(*t)
}

// blob returns b for a BLOB column, NULL for nil.
func blob(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

// AddCapture adds one capture row.
func (s *Store) AddCapture(c *Capture) error {
	host, hostRaw := rawText(c.Host)
	return s.append("capture", c.ID, host, hostRaw, escapeText(c.Kernel), escapeText(c.BootID),
		escapeText(c.Source), escapeText(c.SakerVersion), ts(c.Start), ts(c.Stop), c.Events, c.Lost,
		c.Verified, textList(c.Problems), escapeText(c.ManifestJSON), escapeText(c.Signature))
}

// AddProcess adds one process row.
func (s *Store) AddProcess(p *Process) error {
	exe, exeRaw := rawText(p.Exe)
	cmd, cmdRaw := rawText(p.Cmdline)
	args, argsRaw := rawList(p.Args)
	user, userRaw := rawText(p.User)
	cid, cidRaw := rawText(p.ContainerID)
	anc, ancRaw := rawText(p.Ancestry)
	return s.append("processes", p.CaptureID, p.Key, p.ParentKey, p.PID, p.PPID, tsp(p.Start), tsp(p.Exit),
		exe, exeRaw, cmd, cmdRaw, args, argsRaw, user, userRaw, p.UID, cid, cidRaw, anc, ancRaw,
		p.FirstEvent, p.LastEvent, nullText(p.ExeSHA256), nullInt(p.ExeSize, p.ExeSHA256 != ""), nullText(p.ExeHashError))
}

// AddExecutable adds one executables row.
func (s *Store) AddExecutable(x *Executable) error {
	path, pathRaw := rawText(x.Path)
	return s.append("executables", x.CaptureID, ts(x.Time), x.PID, path, pathRaw, nullText(x.SHA256),
		nullInt(x.Size, x.SHA256 != "" || x.Size > 0), nullUint(x.Inode), ts(x.Mtime), ts(x.Ctime),
		nullText(x.Error), x.Kept)
}

// nullText returns s for a VARCHAR column, NULL for "".
func nullText(s string) any {
	if s == "" {
		return nil
	}
	return escapeText(s)
}

func nullInt(n int64, ok bool) any {
	if !ok {
		return nil
	}
	return n
}

func nullUint(n uint64) any {
	if n == 0 {
		return nil
	}
	return n
}

// AddEvent adds one event row. It copies e (Data included), which the caller may reuse at
// once, and leaves the appending to the store's loader goroutines: an error of theirs is
// returned by a later AddEvent or by Commit.
func (s *Store) AddEvent(e *Event) error {
	if s.closed {
		return errors.New("events: store is closed")
	}
	if s.events == nil {
		n := s.opts.EventLoaders
		if n <= 0 {
			n = defaultLoaders()
		}
		l, err := newEventLoader(s.connector, n)
		if err != nil {
			return fmt.Errorf("events: %w", err)
		}
		s.events = l
	}
	return s.events.add(e)
}

// AddConnection adds one connection row.
func (s *Store) AddConnection(c *Connection) error {
	names, namesRaw := rawList(c.Names)
	ans, ansRaw := rawText(c.DNSAnswer)
	return s.append("connections", c.CaptureID, c.ID, c.ProcessKey, c.PID, c.Proto, c.LocalIP,
		int32(c.LocalPort), c.RemoteIP, int32(c.RemotePort), names, namesRaw, ans, ansRaw,
		ts(c.FirstTime), ts(c.LastTime), c.BytesSent, c.BytesRecv, blob(c.Payload))
}

// AddDNS adds one DNS row.
func (s *Store) AddDNS(d *DNS) error {
	qname, qnameRaw := rawText(d.QName)
	ans, ansRaw := rawList(d.Answers)
	cn, cnRaw := rawList(d.CNAMEs)
	return s.append("dns", d.CaptureID, ts(d.Time), qname, qnameRaw, d.QType, d.RCode, ans, ansRaw,
		cn, cnRaw, d.TTL, escapeText(d.Resolver), d.PID, d.ProcessKey, d.ServerSide)
}

// AddFile adds one file action row.
func (s *Store) AddFile(f *File) error {
	path, pathRaw := rawText(f.Path)
	return s.append("files", f.CaptureID, ts(f.Time), f.Action, path, pathRaw, f.Mode, f.PID,
		f.ProcessKey, f.EventNum)
}

// AddFinding adds one finding row. OutputFields is stored as JSON whose string values are
// escaped as text columns are; the exact output line is in output/output_raw.
func (s *Store) AddFinding(f *Finding) error {
	out, outRaw := rawText(f.Output)
	var fields any
	if f.OutputFields != nil {
		clean := make(map[string]any, len(f.OutputFields))
		for k, v := range f.OutputFields {
			if str, ok := v.(string); ok {
				v = escapeText(str)
			}
			clean[escapeText(k)] = v
		}
		b, err := json.Marshal(clean)
		if err != nil {
			return fmt.Errorf("findings: finding %d: output fields: %w", f.ID, err)
		}
		fields = string(b)
	}
	return s.append("findings", f.CaptureID, f.ID, f.Rule, f.Priority, f.Source, ts(f.Time), out, outRaw,
		fields, textList(f.Tags), f.EventNum, f.PID, f.ProcessKey, f.ConnectionID, f.RollupID)
}

// AddRollup adds one rolled-up finding.
func (s *Store) AddRollup(r *Rollup) error {
	subj, subjRaw := rawText(r.Subject)
	out, outRaw := rawText(r.Output)
	return s.append("rollups", r.CaptureID, r.ID, escapeText(r.Rule), r.Priority, r.Kind, subj, subjRaw,
		r.ProcessKey, r.PID, r.ConnectionID, r.Count, ts(r.FirstTime), ts(r.LastTime), r.FirstEvent, r.LastEvent,
		r.FirstFindingID, r.AttachedTo, r.IncidentID, out, outRaw)
}

// AddIncident adds one incident.
func (s *Store) AddIncident(in *Incident) error {
	sum, sumRaw := rawText(in.Summary)
	return s.append("incidents", in.CaptureID, in.ID, in.Priority, ts(in.FirstTime), ts(in.LastTime),
		in.Findings, in.Rollups, in.Steps, textList(in.Phases), keyList(in.EntryKeys), keyList(in.ProcessKeys), sum, sumRaw)
}

// AddIncidentStep adds one step of an incident's story.
func (s *Store) AddIncidentStep(st *IncidentStep) error {
	text, textRaw := rawText(st.Text)
	return s.append("incident_steps", st.CaptureID, st.IncidentID, st.Step, ts(st.Time), st.Phase, text, textRaw,
		st.PID, st.ProcessKey, st.ConnectionID, keyList(st.RollupIDs))
}

// AddIndicator adds one indicator of an incident.
func (s *Store) AddIndicator(x *Indicator) error {
	v, vRaw := rawText(x.Value)
	return s.append("indicators", x.CaptureID, x.IncidentID, x.Type, v, vRaw, ts(x.FirstTime), ts(x.LastTime))
}

// keyList makes a UBIGINT[] value: never nil, so that an empty list is [] and not NULL.
func keyList(ks []uint64) []uint64 {
	if ks == nil {
		return []uint64{}
	}
	return ks
}

// AddRule adds one rule row.
func (s *Store) AddRule(r *Rule) error {
	return s.append("rules", r.CaptureID, escapeText(r.Name), r.Priority, r.Source, escapeText(r.Desc),
		escapeText(r.Condition), escapeText(r.Output), textList(r.Tags), r.Enabled)
}
