package analyze

import (
	"net/netip"
	"time"
)

// ProcessRecord describes one process of the replay, for reports. It is handed out when the
// process exits, or at the end of the replay for processes still alive.
type ProcessRecord struct {
	Key       uint64 // Process.Key, unique in the replay
	ParentKey uint64
	PID       uint32
	PPID      uint32
	Start     time.Time // zero when the process started before the capture and its start is unknown
	Exec      time.Time // last execve seen, zero when none
	Exit      time.Time // zero when still alive at the end of the capture
	Name      string
	Exe       string
	ExePath   string
	Cmdline   string
	PrevExes  []string // executables run before ExePath, oldest first
	// ExeSHA256 and ExeSize describe the file of ExePath as the capture read it; ExeError
	// says why there is no hash; ExeKept is set when the bundle keeps a copy.
	ExeSHA256 string
	ExeSize   int64
	ExeError  string
	ExeKept   bool
	UID       uint32
	User      string
	Container string // container id, "host" on the host
	// Ancestry lists ancestors' names from the parent upwards, as far as the replay knows them.
	Ancestry []string
}

// ConnRecord describes one socket connection (a connected or accepted socket, or a UDP
// socket's peer), for reports. It is handed out when the socket is closed or replaced, or at
// the end of the replay.
type ConnRecord struct {
	// ID numbers the replay's connections from 1 in the order they start, so that a Finding
	// can cite its connection (Finding.ConnID) before the record is handed out.
	ID      uint64
	ProcKey uint64
	PID     uint32
	// Comm is the process's name (proc.name) when the connection started.
	Comm     string
	FD       int64
	Family   uint8 // event.AFInet, event.AFInet6
	Proto    uint8 // event.ProtoTCP, event.ProtoUDP
	Local    netip.AddrPort
	Remote   netip.AddrPort
	Outbound bool // the process connected (the remote end is the server)
	// ServerNames are the DNS names of the server address at the time the connection was
	// first seen, from the NameResolver; empty without one.
	ServerNames []string
	// DNS cites the answers behind ServerNames when the resolver can tell (a *dns.Index can).
	DNS       []DNSEvidence
	First     time.Time
	Last      time.Time
	BytesSent uint64
	BytesRecv uint64
	// Payload holds the first bytes the process sent (at most PayloadSnippet of them).
	Payload []byte
}

// PayloadSnippet is the most bytes of a connection's outgoing payload a ConnRecord keeps.
const PayloadSnippet = 256

// FileAction is what a FileRecord saw done to a file.
type FileAction uint8

// File actions.
const (
	FileWritten  FileAction = iota + 1 // opened for writing (or created)
	FileChmod                          // mode changed
	FileExecuted                       // executed
)

// String returns "written", "chmod" or "executed".
func (a FileAction) String() string {
	switch a {
	case FileWritten:
		return "written"
	case FileChmod:
		return "chmod"
	case FileExecuted:
		return "executed"
	}
	return "unknown"
}

// FileRecord is one file written, chmod'ed or executed.
type FileRecord struct {
	Time      time.Time
	EventNum  uint64
	ProcKey   uint64
	PID       uint32
	Action    FileAction
	Path      string
	Mode      uint32 // new mode for FileChmod, creation mode for FileWritten
	Container string
}
