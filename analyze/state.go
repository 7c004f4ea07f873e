package analyze

import (
	"bytes"
	"net/netip"
	"slices"
	"time"

	"saker/event"
)

// NameResolver gives the DNS names an IP address had at a time t (wall clock, Unix
// nanoseconds): the names whose answers (any link of a CNAME chain) gave ip before t and
// were still within their TTL. It appends the names to buf and returns it; the slices must
// stay valid until the next call and must not be modified. *dns.Index implements it.
type NameResolver interface {
	Names(ip netip.Addr, t int64, buf [][]byte) [][]byte
}

// Hooks receive the records reports need. Any of them may be nil. The records are not
// reused after the call.
type Hooks struct {
	Process func(*ProcessRecord)
	Conn    func(*ConnRecord)
	File    func(*FileRecord)
}

// State is the replay's picture of the host: processes and threads with their fd tables,
// users and groups, and containers. It is seeded by snapshot records (procinfo, fdinfo,
// userinfo, groupinfo, containerinfo) and kept by the syscall events. State is not safe for
// concurrent use.
type State struct {
	procs      *procTable
	fds        fdPool
	users      *userTable
	containers map[string]*Container
	clock      event.Clock
	names      NameResolver
	hooks      Hooks
	exes       ExeResolver

	// The event being processed, set by Update.
	ev     *event.Event
	proc   *Process
	fd     *FD // the fd the event refers to; &pathFD for path syscalls
	pathFD FD
	// Work to do after the rules have seen the event (close, exit).
	closeFD    int64
	closeTable *FDTable
	exitTID    uint32
	exitProc   *Process

	// snapshotPending is set by procinfo records until the first syscall event, when the
	// parents of snapshot processes are bound (the snapshot may list children first).
	snapshotPending bool
	// snapSockets are the snapshot's sockets with a peer, whose roles wait for the whole
	// snapshot: a socket whose local port a socket listens on is the server's end.
	snapSockets []snapSocket
	// listenPorts are the ports sockets were found listening on (snapshot) or bound to or
	// listening on (bind, listen): they tell which end of a connection found without its
	// start is the server's.
	listenPorts map[uint16]bool

	pathBuf []byte
	nameBuf [][]byte
	connSeq uint64 // the last ConnRecord.ID given out
	wallVal int64
	wallOK  bool
}

// NewState returns an empty State. clock turns capture timestamps into wall-clock time
// (nil means Unix nanoseconds); names may be nil when no DNS data is available.
func NewState(clock event.Clock, names NameResolver, hooks Hooks) *State {
	if clock == nil {
		clock = event.UnixClock{}
	}
	return &State{
		procs:      newProcTable(),
		users:      newUserTable(),
		containers: make(map[string]*Container),
		clock:      clock,
		names:      names,
		hooks:      hooks,
		closeFD:    -1,
	}
}

// SetExecutables gives s the executables of the capture (nil: none).
func (s *State) SetExecutables(r ExeResolver) { s.exes = r }

// reset empties s in place, so that extractors bound to s serve the next replay.
func (s *State) reset(clock event.Clock, names NameResolver, hooks Hooks) {
	*s = *NewState(clock, names, hooks)
}

// Stats reports the size of the live state, for bounding memory.
type Stats struct {
	Threads    int // live threads
	Processes  int // live and cached exited processes
	FDs        int // open descriptors over all fd tables (shared tables counted once)
	Containers int
}

// Stats returns the current size of the state.
func (s *State) Stats() Stats {
	st := Stats{Containers: len(s.containers)}
	st.Threads, st.Processes = s.procs.live()
	seen := map[*FDTable]bool{}
	for _, p := range s.procs.threads {
		if p.FDs != nil && !seen[p.FDs] {
			seen[p.FDs] = true
			st.FDs += len(p.FDs.fds)
		}
	}
	return st
}

// Process returns the live process of thread tid, or nil.
func (s *State) Process(tid uint32) *Process { return s.procs.thread(tid) }

// Current returns the process of the event last given to Update, or nil.
func (s *State) Current() *Process { return s.proc }

// Update applies e to the state before the rules see it: new processes, fds and names become
// visible. Removals (close, exit) wait for Finish, so that rules on those events still see
// what is going away.
func (s *State) Update(e *event.Event) {
	s.Finish()
	s.ev = e
	s.fd = nil
	s.wallOK = false
	if !e.Kind.IsSyscall() {
		s.proc = nil
		if e.Kind == event.KindDns && e.TID != 0 {
			// A DNS message the syscall sensor saw: proc.* name the process that asked,
			// fd.* the socket it came on.
			s.proc = s.procs.thread(e.TID)
			s.fd = s.dnsSocket(e)
		}
		s.meta(e)
		return
	}
	if s.snapshotPending {
		s.bindSnapshotParents()
	}
	s.proc = s.procs.thread(e.TID)
	if s.proc == nil {
		s.proc = s.unknownThread(e)
	}
	switch e.Kind {
	case event.KindExecve, event.KindExecveat:
		s.exec(e)
	case event.KindClone, event.KindClone3, event.KindFork, event.KindVfork:
		s.clone(e)
	case event.KindProcexit:
		s.exitTID, s.exitProc = e.TID, s.proc
	case event.KindSetuid, event.KindSetgid, event.KindSetreuid, event.KindSetregid,
		event.KindSetresuid, event.KindSetresgid, event.KindCapset:
		s.creds(e)
	default:
		s.files(e)
	}
}

// Finish applies the removals of the event last given to Update. Update calls it itself;
// call it directly only to settle the state after the last event.
func (s *State) Finish() {
	if s.closeFD >= 0 && s.closeTable != nil {
		f := s.closeTable.get(s.closeFD)
		if f != nil {
			s.endConn(f)
		}
		s.closeTable.close(s.closeFD)
		if f != nil {
			s.fds.put(f)
		}
	}
	s.closeFD, s.closeTable = -1, nil
	if p := s.exitProc; p != nil {
		s.exitProc = nil
		s.exitThread(s.exitTID, p, s.ev.TS)
	}
}

func (s *State) exitThread(tid uint32, p *Process, ts uint64) {
	if p.threads == 1 && p.FDs != nil && p.FDs.refs == 1 {
		s.endConns(p.FDs, false)
	}
	s.procs.dropThread(tid, p, ts)
	if !p.Alive() && s.hooks.Process != nil {
		s.hooks.Process(s.processRecord(p))
	}
}

// Flush hands out the records of everything still alive (processes, connections), as at
// the end of a replay.
func (s *State) Flush() {
	s.Finish()
	if s.snapshotPending {
		s.bindSnapshotParents() // a capture of a snapshot and no syscall
	}
	keys := make([]uint64, 0, len(s.procs.byKey))
	for k, p := range s.procs.byKey {
		if p.Alive() {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		p := s.procs.byKey[k]
		if p.FDs != nil {
			s.endConns(p.FDs, false)
		}
		if s.hooks.Process != nil {
			s.hooks.Process(s.processRecord(p))
		}
	}
}

// endConns hands out the connection records of t's descriptors (only the close-on-exec
// ones when cloexec is set) in fd order, so that replays are reproducible.
func (s *State) endConns(t *FDTable, cloexec bool) {
	if s.hooks.Conn == nil {
		return
	}
	var nums []int64
	for n, f := range t.fds {
		if f.Conn != nil && (!cloexec || f.Flags&oCloexec != 0) {
			nums = append(nums, n)
		}
	}
	slices.Sort(nums)
	for _, n := range nums {
		s.endConn(t.fds[n])
	}
}

// unknownThread makes a process for a thread the snapshot did not describe.
func (s *State) unknownThread(e *event.Event) *Process {
	if p := s.procs.thread(e.PID); p != nil && e.PID != e.TID {
		p.threads++
		s.procs.add(e.TID, p)
		return p
	}
	p := newProcess(e.PID)
	p.ContainerID = hostID
	p.refresh()
	s.procs.add(e.TID, p)
	if e.PID != e.TID {
		p.threads++
		s.procs.add(e.PID, p)
	}
	return p
}

func (s *State) meta(e *event.Event) {
	switch e.Kind {
	case event.KindProcinfo:
		s.procinfo(e)
	case event.KindFdinfo:
		s.fdinfo(e)
	case event.KindUserinfo:
		uid := uint32(argInt(e, 0))
		s.users.users[uid] = bytes.Clone(arg(e, 2))
		s.users.homes[uid] = bytes.Clone(arg(e, 3))
	case event.KindGroupinfo:
		s.users.groups[uint32(argInt(e, 0))] = bytes.Clone(arg(e, 1))
	case event.KindContainerinfo:
		c := newContainer(e)
		if c.ID != "" {
			s.containers[c.ID] = c
		}
	}
}

func (s *State) procinfo(e *event.Event) {
	pid, tid := uint32(argAt(e, argPid).Int), uint32(argAt(e, argTid).Int)
	if tid == 0 {
		tid = pid
	}
	if pid == 0 {
		return
	}
	if tid != pid {
		leader := s.procs.thread(pid)
		if leader == nil {
			leader = newProcess(pid)
			leader.ContainerID = hostID
			s.procs.add(pid, leader)
		}
		if s.procs.thread(tid) != leader {
			leader.threads++
			s.procs.add(tid, leader)
		}
		return
	}
	p := s.procs.thread(pid)
	if p == nil {
		p = newProcess(pid)
		s.procs.add(pid, p)
	}
	p.PPID = uint32(argAt(e, argPtid).Int)
	s.snapshotPending = true
	s.setIdentity(p, e)
	s.setExe(p, pid, e.TS)
	p.StartTS = uint64(argAt(e, argStartTs).Int)
	p.refresh()
}

// setIdentity copies what procinfo and execve share.
func (s *State) setIdentity(p *Process, e *event.Event) {
	p.Comm = append(p.Comm[:0], argAt(e, argComm).Bytes...)
	p.Exe = append(p.Exe[:0], argAt(e, argExe).Bytes...)
	p.ExePath = append(p.ExePath[:0], argAt(e, argExepath).Bytes...)
	p.Args = bytes.Clone(argAt(e, argArgs).Bytes)
	p.Env = bytes.Clone(argAt(e, argEnv).Bytes)
	p.Cwd = withSlash(append(p.Cwd[:0], argAt(e, argCwd).Bytes...))
	setIDs(&p.UID, &p.EUID, e, argUid, argEuid)
	setIDs(&p.GID, &p.EGID, e, argGid, argEgid)
	if v, ok := argAtOK(e, argLoginuid); ok && uint32(v.Int) != event.UnsetID {
		p.LoginUID = uint32(v.Int)
	}
	p.TTY = argAt(e, argTty).Int
	if v, ok := argAtOK(e, argVpid); ok {
		p.VPID = uint32(v.Int)
	}
	p.PGID = uint32(argAt(e, argPgid).Int)
	p.VPGID = uint32(argAt(e, argVpgid).Int)
	p.SID = uint32(argAt(e, argSid).Int)
	p.ExeFlags = argAt(e, argFlags).Int
	p.CapPermitted = uint64(argAt(e, argCapPermitted).Int)
	p.CapEffective = uint64(argAt(e, argCapEffective).Int)
	p.ExeInoCtime = uint64(argAt(e, argExeInoCtime).Int)
	p.ExeInoMtime = uint64(argAt(e, argExeInoMtime).Int)
	if cg := argAt(e, argCgroups).Bytes; len(cg) > 0 || p.ContainerID == "" {
		p.ContainerID = s.internID(containerIDFromCgroups(cg))
	}
}

// setIDs sets a real and an effective id from e's arguments at realIdx and effIdx, leaving
// what e does not carry as it was. A capture that records one id only (a .scap execve's or
// clone's uid, which the kernel module takes from the effective credentials) sets both.
func setIDs(real, eff *uint32, e *event.Event, realIdx, effIdx []int8) {
	r, rok := argAtOK(e, realIdx)
	f, fok := argAtOK(e, effIdx)
	rok = rok && uint32(r.Int) != event.UnsetID
	fok = fok && uint32(f.Int) != event.UnsetID
	switch {
	case rok && fok:
		*real, *eff = uint32(r.Int), uint32(f.Int)
	case rok:
		*real, *eff = uint32(r.Int), uint32(r.Int)
	case fok:
		*eff = uint32(f.Int)
	}
}

// internID returns the container id string kept in the container table when there is one,
// so that processes of one container share one string.
func (s *State) internID(id string) string {
	if c, ok := s.containers[id]; ok {
		return c.ID
	}
	return id
}

func withSlash(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] != '/' {
		b = append(b, '/')
	}
	return b
}

func (s *State) fdinfo(e *event.Event) {
	p := s.procs.thread(uint32(argInt(e, 0)))
	if p == nil || p.FDs == nil {
		return
	}
	f := &FD{Num: argInt(e, 1), Type: argInt(e, 2), Flags: argInt(e, 4), shared: true}
	f.Name = bytes.Clone(arg(e, 3))
	f.Raw = f.Name
	if t, err := event.ParseTuple(arg(e, 5)); err == nil {
		f.Proto = t.Proto
		ip := t.Family == event.AFInet || t.Family == event.AFInet6
		if ip {
			f.Role = snapshotRole(t)
		}
		f.setTuple(t, 0)
		if ip {
			f.Connected = t.Remote.Addr().IsValid() && !t.Remote.Addr().IsUnspecified()
			f.Bound = f.Role == roleServer
			if f.Connected {
				s.snapSockets = append(s.snapSockets, snapSocket{p: p, f: f, ts: e.TS})
			} else if t.Local.Port() != 0 {
				s.addListenPort(t.Local.Port())
			}
		}
		f.nameChangedAt = 0
	}
	p.FDs.set(f)
}

// snapSocket is a snapshot socket with a peer, waiting for the snapshot's end.
type snapSocket struct {
	p  *Process
	f  *FD
	ts uint64
}

// resolveSnapshotSockets settles the roles of the snapshot's connected sockets once every
// listening socket is known: the end whose port a snapshot socket listens on is the
// server's, which names the connection client->server and points fd.sip at the server (a
// miner already connected to a pool on a high port is no server). Where the listening ports
// do not tell, the port guess of snapshotRole stays. Then the connections start.
func (s *State) resolveSnapshotSockets() {
	for _, ss := range s.snapSockets {
		f := ss.f
		role := s.guessRole(f.Local, f.Remote, f.Role)
		if role != f.Role {
			f.Role = role
			f.Bound = role == roleServer
			f.rename()
		}
		s.startConn(ss.p, f, ss.ts)
	}
	s.snapSockets = nil
}

func (s *State) addListenPort(p uint16) {
	if p == 0 {
		return
	}
	if s.listenPorts == nil {
		s.listenPorts = map[uint16]bool{}
	}
	s.listenPorts[p] = true
}

// guessRole returns the role of a socket seen connected without its connect or accept: the
// server's end is the one whose port some socket listens on; when that does not tell, guess.
func (s *State) guessRole(local, remote netip.AddrPort, guess uint8) uint8 {
	l, r := s.listenPorts[local.Port()], s.listenPorts[remote.Port()]
	switch {
	case l && !r:
		return roleServer
	case r && !l:
		return roleClient
	}
	return guess
}

// snapshotRole guesses the role of a socket found open at capture start: listening sockets
// and the ends of accepted connections hold the lower (well-known) port.
func snapshotRole(t event.Tuple) uint8 {
	if !t.Remote.Addr().IsValid() || t.Remote.Addr().IsUnspecified() || t.Local.Port() < t.Remote.Port() {
		return roleServer
	}
	return roleClient
}

func (s *State) processRecord(p *Process) *ProcessRecord {
	r := &ProcessRecord{
		Key: p.Key, ParentKey: p.ParentKey, PID: p.PID, PPID: p.PPID,
		Name: string(p.Comm), Exe: string(p.Exe), ExePath: string(p.ExePath),
		Cmdline: string(p.cmdline), UID: p.EUID, Container: p.ContainerID,
	}
	if p.StartTS != 0 {
		r.Start = s.clock.Wall(p.StartTS)
	}
	if p.ExecTS != 0 {
		r.Exec = s.clock.Wall(p.ExecTS)
	}
	if p.ExitTS != 0 {
		r.Exit = s.clock.Wall(p.ExitTS)
	}
	r.ExeSHA256, r.ExeSize, r.ExeError, r.ExeKept = string(p.Executable.SHA256), p.Executable.Size, string(p.Executable.Error), p.Executable.Kept
	for _, x := range p.PrevExePaths {
		r.PrevExes = append(r.PrevExes, string(x))
	}
	if n, ok := s.users.user(p.EUID); ok {
		r.User = string(n)
	}
	for a := s.parent(p); a != nil && len(r.Ancestry) < 64; a = s.parent(a) {
		r.Ancestry = append(r.Ancestry, string(a.Comm))
	}
	return r
}

// bindSnapshotParents binds every snapshot process to its parent while both are live, so
// that ancestry survives the parent's exit.
func (s *State) bindSnapshotParents() {
	s.snapshotPending = false
	s.resolveSnapshotSockets()
	for _, p := range s.procs.threads {
		s.parent(p)
	}
}

// parent returns p's parent process, resolving snapshot parentage lazily since snapshots
// may list children before their parents.
func (s *State) parent(p *Process) *Process {
	if p == nil {
		return nil
	}
	if p.ParentKey == 0 && p.PPID != 0 && p.PPID != p.PID {
		if q := s.procs.thread(p.PPID); q != nil && q != p {
			p.ParentKey = q.Key
		}
	}
	return s.procs.parent(p)
}

func (s *State) wall(ts uint64) time.Time { return s.clock.Wall(ts) }

// arg returns the bytes of argument i, nil when absent.
func arg(e *event.Event, i int) []byte {
	if i < int(e.NArgs) {
		return e.Args[i].Bytes
	}
	return nil
}

// argInt returns the integer of argument i, 0 when absent.
func argInt(e *event.Event, i int) int64 {
	if i < int(e.NArgs) {
		return e.Args[i].Int
	}
	return 0
}

// wallNS returns the wall-clock time of the current event in Unix nanoseconds, computed
// once per event.
func (s *State) wallNS() int64 {
	if s.ev == nil {
		return 0
	}
	if !s.wallOK {
		s.wallVal = s.clock.Wall(s.ev.TS).UnixNano()
		s.wallOK = true
	}
	return s.wallVal
}
