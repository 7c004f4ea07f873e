package analyze

import (
	"net/netip"
	"strconv"

	"saker/event"
)

// Socket roles: which end of a connection is the server (Falco's fd.sip).
const (
	roleNone   uint8 = iota
	roleClient       // the calling process connected: the remote end is the server
	roleServer       // the calling process accepted or serves: the local end is the server
)

// FD is one open file descriptor.
type FD struct {
	Num   int64
	Type  int64 // event.FD* constant
	Name  []byte
	Raw   []byte // the path as the process passed it, for fd.nameraw
	Flags int64  // open flags; O_CLOEXEC (0o2000000) closes it at execve

	// Sockets.
	Family    uint8
	Proto     uint8
	Local     netip.AddrPort
	Remote    netip.AddrPort
	Role      uint8
	Bound     bool // bind succeeded with a non-zero port, or listen was called
	Connected bool
	// Conn is the connection record the fd feeds, nil when not a socket with a peer.
	Conn *ConnRecord

	// nameChangedAt is the number of the event that last changed the fd's name.
	nameChangedAt uint64
	// shared is set when Name or Raw may alias another FD's (copies made by fork and dup,
	// snapshot fds whose Raw is their Name): those bytes must not be written in place.
	shared bool
}

const oCloexec = 0o2000000

// FDTable is the file descriptor table of one or more processes (shared after
// clone(CLONE_FILES) and between the threads of a group).
type FDTable struct {
	fds  map[int64]*FD
	refs int
}

func newFDTable() *FDTable { return &FDTable{fds: make(map[int64]*FD), refs: 1} }

func (t *FDTable) get(n int64) *FD {
	if t == nil {
		return nil
	}
	return t.fds[n]
}

func (t *FDTable) set(f *FD) {
	t.fds[f.Num] = f
}

func (t *FDTable) close(n int64) { delete(t.fds, n) }

// copy returns a private copy of t, as fork makes. FD values are copied so that a later
// change by one process (a rename of the tuple) does not show in the other.
func (t *FDTable) copy() *FDTable {
	c := &FDTable{fds: make(map[int64]*FD, len(t.fds)), refs: 1}
	all := make([]FD, len(t.fds)) // one allocation for every copy: forks are frequent
	i := 0
	for n, f := range t.fds {
		f.shared = true
		all[i] = *f
		c.fds[n] = &all[i]
		i++
	}
	return c
}

func (t *FDTable) release() {
	t.refs--
	if t.refs <= 0 {
		clear(t.fds)
	}
}

// closeOnExec drops the descriptors flagged close-on-exec.
func (t *FDTable) closeOnExec() {
	for n, f := range t.fds {
		if f.Flags&oCloexec != 0 {
			delete(t.fds, n)
		}
	}
}

// dup makes newfd a copy of oldfd; cloexec sets the copy's close-on-exec flag.
func (t *FDTable) dup(oldfd, newfd int64, cloexec bool) {
	f := t.fds[oldfd]
	if f == nil || newfd < 0 {
		return
	}
	f.shared = true
	g := *f
	g.Num = newfd
	g.Flags &^= oCloexec
	if cloexec {
		g.Flags |= oCloexec
	}
	t.fds[newfd] = &g
}

// setTuple records a connection tuple on a socket fd and renders its name.
func (f *FD) setTuple(t event.Tuple, num uint64) {
	changed := f.Local != t.Local || f.Remote != t.Remote || (f.Family == event.AFUnix && string(f.Name) != string(t.Path))
	f.Family = t.Family
	if t.Proto != 0 {
		f.Proto = t.Proto
	}
	switch t.Family {
	case event.AFInet:
		f.Type = event.FDIPv4
	case event.AFInet6:
		f.Type = event.FDIPv6
	case event.AFUnix:
		f.Type = event.FDUnix
	}
	if t.Family == event.AFUnix {
		f.Name = append(f.nameBuf(), t.Path...)
	} else {
		f.Local, f.Remote = t.Local, t.Remote
		f.rename()
	}
	if changed {
		f.nameChangedAt = num
	}
}

// rename renders an IP socket's name from its ends as Falco does: client->server, so an
// accepted connection reads remote->local and a connected one local->remote (until a role
// says otherwise, the local end comes first); a socket with no peer yet is named by the
// address it is bound to.
func (f *FD) rename() {
	b := f.nameBuf()
	switch {
	case !f.Remote.Addr().IsValid() && !f.Local.Addr().IsValid():
		f.Name = b
	case !f.Remote.Addr().IsValid() || f.Remote.Addr().IsUnspecified() && f.Remote.Port() == 0:
		f.Name = appendAddrPort(b, f.Local)
	case f.Role == roleServer:
		f.Name = appendTupleName(b, f.Remote, f.Local)
	default:
		f.Name = appendTupleName(b, f.Local, f.Remote)
	}
}

// nameBuf returns f.Name emptied for rewriting, or nil when its bytes may be another FD's.
func (f *FD) nameBuf() []byte {
	if f.shared {
		return nil
	}
	return f.Name[:0]
}

// fdPool recycles the FDs of closed descriptors: opens and closes are a third of a
// busy host's syscalls, and a recycled FD brings its name buffers along.
type fdPool struct {
	free []*FD
}

// fdNameCap is the capacity of each name buffer of a new FD.
const fdNameCap = 64

// maxFreeFDs bounds the pool; more closes than opens in a row only happen after exits.
const maxFreeFDs = 1024

// get returns a zeroed FD and spare buffers for its Name and Raw.
func (p *fdPool) get() (f *FD, name, raw []byte) {
	n := len(p.free)
	if n == 0 {
		// One allocation holds both buffers; most paths fit.
		buf := make([]byte, 0, 2*fdNameCap)
		return new(FD), buf[0:0:fdNameCap], buf[fdNameCap:fdNameCap]
	}
	f = p.free[n-1]
	p.free[n-1] = nil
	p.free = p.free[:n-1]
	name, raw = f.Name[:0], f.Raw[:0]
	*f = FD{}
	return f, name, raw
}

// put takes back the FD of a closed descriptor, which nothing else points to: copies
// made by fork and dup are FDs of their own.
func (p *fdPool) put(f *FD) {
	if len(p.free) >= maxFreeFDs {
		return
	}
	if f.shared {
		f.Name, f.Raw = nil, nil
	}
	f.Conn = nil
	p.free = append(p.free, f)
}

func appendTupleName(b []byte, l, r netip.AddrPort) []byte {
	b = appendAddrPort(b, l)
	b = append(b, "->"...)
	return appendAddrPort(b, r)
}

func appendAddrPort(b []byte, ap netip.AddrPort) []byte {
	a := ap.Addr()
	if a.Is6() && !a.Is4In6() {
		b = append(b, '[')
		b = a.AppendTo(b)
		b = append(b, ']')
	} else {
		b = a.Unmap().AppendTo(b)
	}
	b = append(b, ':')
	return strconv.AppendUint(b, uint64(ap.Port()), 10)
}

// server and client return the ends of the fd's connection by role. A socket with neither
// a role nor a peer (created, or bound to port 0) has neither end.
func (f *FD) server() netip.AddrPort {
	if f.Role == roleServer {
		return f.Local
	}
	return f.Remote
}

func (f *FD) client() netip.AddrPort {
	switch {
	case f.Role == roleServer:
		return f.Remote
	case f.Role == roleNone && !f.Remote.Addr().IsValid():
		return netip.AddrPort{}
	}
	return f.Local
}

func (f *FD) isSocket() bool {
	switch f.Type {
	case event.FDIPv4, event.FDIPv6, event.FDUnix, event.FDNetlink:
		return true
	}
	return false
}

func (f *FD) isIP() bool { return f.Type == event.FDIPv4 || f.Type == event.FDIPv6 }

// typeChars maps fd types to Falco's fd.typechar.
var typeChars = [...]byte{
	event.FDFile: 'f', event.FDDirectory: 'd', event.FDIPv4: '4', event.FDIPv6: '6',
	event.FDUnix: 'u', event.FDPipe: 'p', event.FDEvent: 'e', event.FDSignalfd: 's',
	event.FDEventpoll: 'l', event.FDInotify: 'i', event.FDTimerfd: 't', event.FDNetlink: 'n',
	event.FDBPF: 'b', event.FDUserfaultfd: 'u', event.FDIOUring: 'r', event.FDMemfd: 'm',
	event.FDPidfd: 'P',
}

// typeNames maps fd types to Falco's fd.type.
var typeNames = func() [][]byte {
	tbl, _ := event.FlagTable("fdtype")
	out := make([][]byte, len(typeChars))
	for _, f := range tbl {
		if int(f.Value) < len(out) {
			out[f.Value] = []byte(f.Name)
		}
	}
	return out
}()
