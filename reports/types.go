package reports

import "time"

// The types below are the store's own plain input rows. The command line converts analysis results
// into them, so that the store does not follow every change of the analysis types. Strings may hold
// any bytes (see docs/SCHEMA.md for how text that is not valid UTF-8 is kept byte-exact).

// Capture describes one capture bundle; every other row names its capture by ID.
type Capture struct {
	ID, Host, Kernel, BootID, Source, SakerVersion string
	Start, Stop                                    time.Time
	Events, Lost                                   uint64
	Verified                                       bool
	Problems                                       []string
	ManifestJSON                                   string
	// Signature says what became of the manifest's signature: "" for an unsigned bundle or
	// another kind of capture, else a sentence naming the key (verified, or not checked).
	Signature string
}

// Process is one process image (a pid between two execs). Key is unique within a capture and
// never 0; ParentKey is 0 when the parent is unknown.
type Process struct {
	CaptureID   string
	Key         uint64
	ParentKey   uint64
	PID, PPID   int64
	Start, Exit *time.Time
	Exe         string
	Cmdline     string
	Args        []string
	User        string
	UID         int64
	ContainerID string
	Ancestry    string
	FirstEvent  uint64
	LastEvent   uint64
	// ExeSHA256 and ExeSize describe the executable file, ExeHashError why it has no hash.
	ExeSHA256    string
	ExeSize      int64
	ExeHashError string
}

// Executable is what the capture read of the file a process ran, at an exec or in the
// start snapshot.
type Executable struct {
	CaptureID    string
	Time         time.Time
	PID          int64
	Path         string
	SHA256       string
	Size         int64
	Inode        uint64
	Mtime, Ctime time.Time
	Error        string
	Kept         bool
}

// Event is one replayed event; Num is its position in the capture, unique within it.
type Event struct {
	CaptureID  string
	Num        uint64
	Time       time.Time
	Kind       string
	PID, TID   int64
	ProcessKey uint64
	Res        int64
	FD         int64
	Path       string
	Args       string
	Tuple      string
	Data       []byte
}

// Connection is one socket's conversation with a peer; ID is unique within a capture and never 0.
type Connection struct {
	CaptureID  string
	ID         uint64
	ProcessKey uint64
	PID        int64
	Proto      string
	LocalIP    string
	LocalPort  int
	RemoteIP   string
	RemotePort int
	Names      []string
	DNSAnswer  string
	FirstTime  time.Time
	LastTime   time.Time
	BytesSent  uint64
	BytesRecv  uint64
	Payload    []byte
}

// DNS is one DNS answer (or unanswered query) seen in the capture.
type DNS struct {
	CaptureID  string
	Time       time.Time
	QName      string
	QType      string
	RCode      string
	Answers    []string
	CNAMEs     []string
	TTL        uint32
	Resolver   string
	PID        int64
	ProcessKey uint64
	// ServerSide: the copy a local DNS server sent (PID is the server), not the asker's.
	ServerSide bool
}

// File is one file system action. Action is one of create, write, rename, chmod, unlink, open.
type File struct {
	CaptureID  string
	Time       time.Time
	Action     string
	Path       string
	Mode       int64
	PID        int64
	ProcessKey uint64
	EventNum   uint64
}

// Finding is one rule match. EventNum, ProcessKey and ConnectionID are 0 when not applicable.
type Finding struct {
	CaptureID    string
	ID           uint64
	Rule         string
	Priority     string
	Source       string
	Time         time.Time
	Output       string
	OutputFields map[string]any
	Tags         []string
	EventNum     uint64
	PID          int64
	ProcessKey   uint64
	ConnectionID uint64
	// RollupID is the Rollup this finding is rolled up into, 0 when none.
	RollupID uint64
}

// Rollup is the findings of one roll-up key (docs/INCIDENTS.md): one rule, one process, and
// one connection, DNS name or file. FirstFindingID is the Finding that stands for them;
// AttachedTo the roll-up on the client's end of the connection when this is the server's;
// IncidentID 0 when the roll-up is in no incident.
type Rollup struct {
	CaptureID              string
	ID                     uint64
	Rule, Priority, Kind   string
	Subject                string
	ProcessKey             uint64
	PID                    int64
	ConnectionID           uint64
	Count                  uint64
	FirstTime, LastTime    time.Time
	FirstEvent, LastEvent  uint64
	FirstFindingID         uint64
	AttachedTo, IncidentID uint64
	Output                 string
}

// Incident is one attack: roll-ups tied together by process ancestry, files, DNS and
// containers. EntryKeys are the process keys it descends from; Summary its short text block.
type Incident struct {
	CaptureID                string
	ID                       uint64
	Priority                 string
	FirstTime, LastTime      time.Time
	Findings, Rollups, Steps uint64
	Phases                   []string
	EntryKeys, ProcessKeys   []uint64
	Summary                  string
}

// IncidentStep is one step of an incident's story, numbered from 1 in time order.
type IncidentStep struct {
	CaptureID    string
	IncidentID   uint64
	Step         uint64
	Time         time.Time
	Phase, Text  string
	PID          int64
	ProcessKey   uint64
	ConnectionID uint64
	RollupIDs    []uint64
}

// Indicator is one indicator of compromise of an incident.
type Indicator struct {
	CaptureID           string
	IncidentID          uint64
	Type, Value         string
	FirstTime, LastTime time.Time
}

// Rule is one rule loaded for the analysis of a capture.
type Rule struct {
	CaptureID, Name, Priority, Source, Desc, Condition, Output string
	Tags                                                       []string
	Enabled                                                    bool
}
