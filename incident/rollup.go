package incident

import (
	"strings"
	"time"

	"saker/analyze"
	"saker/rules"
)

// KeyKind says what the roll-up key of a finding names beside its rule and process.
type KeyKind uint8

// Roll-up key kinds, tried in this order for each finding.
const (
	// KeyDomain: the finding has a dns.query.name field: one per rule, process and name
	// asked, however many times and through whichever sockets it was asked.
	KeyDomain KeyKind = iota + 1
	// KeyConnection: the finding cites a connection (analyze.Finding.ConnID): one finding
	// per rule, process and connection, however many messages cross it.
	KeyConnection
	// KeyFile: the finding has an fd.name that is a path: one per rule, process and file.
	KeyFile
	// KeyProcess: anything else (execs, module loads, sysctl writes without a path): one per
	// rule and process.
	KeyProcess
)

// String returns "connection", "domain", "file" or "process".
func (k KeyKind) String() string {
	switch k {
	case KeyDomain:
		return "domain"
	case KeyConnection:
		return "connection"
	case KeyFile:
		return "file"
	case KeyProcess:
		return "process"
	}
	return "unknown"
}

// KeyOf returns the kind of f's roll-up key and the subject it names: the query name for
// KeyDomain, the connection's fd.name for KeyConnection, the path for KeyFile, "" for
// KeyProcess. The full key is (rule, process, kind, subject); for KeyConnection the
// connection id stands in for the subject.
func KeyOf(f *analyze.Finding) (KeyKind, string) {
	if s, ok := field(f, "dns.query.name").(string); ok && s != "" {
		return KeyDomain, s
	}
	if f.ConnID != 0 {
		s, _ := field(f, "fd.name").(string)
		return KeyConnection, s
	}
	if s, ok := field(f, "fd.name").(string); ok && strings.HasPrefix(s, "/") {
		return KeyFile, s
	}
	return KeyProcess, ""
}

// field returns the value of output field name of f, nil when f has none.
func field(f *analyze.Finding, name string) any {
	for _, of := range f.Fields {
		if of.Name == name {
			return of.Value
		}
	}
	return nil
}

// Rollup is the findings of one roll-up key: the first occurrence stands for them all.
type Rollup struct {
	// ID numbers the roll-ups of a Roller from 1 in the order their first findings came.
	ID       uint64
	Rule     string
	Priority rules.Priority
	Kind     KeyKind
	Subject  string
	ProcKey  uint64
	PID      uint32
	ConnID   uint64
	// Count is the number of findings rolled up; First and Last their times, FirstEvent and
	// LastEvent their event numbers.
	Count                 int
	First, Last           time.Time
	FirstEvent, LastEvent uint64
	// Finding is the first finding.
	Finding *analyze.Finding
	// AttachedTo is the ID of the roll-up this one belongs to, 0 when it stands alone: a
	// finding on the server's end of a connection whose client's end (on this host too) has
	// a finding of the same rule is the client's finding seen twice.
	AttachedTo uint64
	// Incident is the ID of the incident the roll-up is in, 0 when none; Build sets it.
	Incident int
}

type rollupKey struct {
	rule    string
	proc    uint64
	kind    KeyKind
	conn    uint64
	subject string
}

// Roller rolls findings up as they come. It keeps one Rollup per key, not the findings.
type Roller struct {
	byKey map[rollupKey]*Rollup
	list  []*Rollup
}

// NewRoller returns an empty Roller.
func NewRoller() *Roller { return &Roller{byKey: map[rollupKey]*Rollup{}} }

// Add rolls f into its key's Rollup and returns it, with first set when f is the first
// finding of the key. Findings must come in event order (analyze.Run's order).
func (r *Roller) Add(f *analyze.Finding) (ru *Rollup, first bool) {
	kind, subject := KeyOf(f)
	k := rollupKey{rule: f.Rule, proc: f.ProcKey, kind: kind, subject: subject}
	if f.ProcKey == 0 {
		k.proc = uint64(f.PID) << 32 // no process record: the pid stands in
	}
	if kind == KeyConnection {
		k.conn, k.subject = f.ConnID, ""
	}
	if ru = r.byKey[k]; ru != nil {
		ru.Count++
		ru.Last, ru.LastEvent = f.Time, f.EventNum
		return ru, false
	}
	ru = &Rollup{ID: uint64(len(r.list) + 1), Rule: f.Rule, Priority: f.Priority, Kind: kind, Subject: subject,
		ProcKey: f.ProcKey, PID: f.PID, ConnID: f.ConnID, Count: 1, First: f.Time, Last: f.Time,
		FirstEvent: f.EventNum, LastEvent: f.EventNum, Finding: f}
	r.byKey[k] = ru
	r.list = append(r.list, ru)
	return ru, true
}

// Rollups returns the roll-ups in the order of their first findings.
func (r *Roller) Rollups() []*Rollup { return r.list }
