package analyze

import "saker/event"

// Process is one thread group as the replay knows it. Threads of a group share one Process;
// fork/clone without CLONE_THREAD copies the parent's Process into a new one.
type Process struct {
	// Key numbers processes 1, 2, 3... in the order the replay learns of them; unlike PID it
	// is never reused within a replay.
	Key       uint64
	ParentKey uint64
	PID       uint32 // thread-group id
	PPID      uint32 // parent's thread-group id
	VPID      uint32
	PGID      uint32
	VPGID     uint32
	SID       uint32

	Comm    []byte // proc.name
	Exe     []byte // proc.exe: argv[0] as the process was started
	ExePath []byte // proc.exepath: full path of the executable
	Args    []byte // NUL-terminated argv[1:]
	Env     []byte // NUL-terminated environment
	Cwd     []byte // always ends in '/'

	UID, GID, EUID, EGID, LoginUID uint32
	TTY                            int64
	ExeFlags                       int64 // event.Exe* bits
	CapPermitted, CapEffective     uint64
	ExeInoCtime, ExeInoMtime       uint64 // wall-clock ns, 0 when unknown

	ContainerID string // 12-hex-digit id, "host" for host processes

	// Executable is what the capture read of the file the process runs (proc.exe.sha256).
	Executable Executable

	StartTS uint64 // capture-clock ns of the clone (or the snapshot's start_ts)
	ExecTS  uint64 // capture-clock ns of the last successful execve, 0 if none seen
	ExitTS  uint64 // capture-clock ns of the exit, 0 while alive
	Execs   int    // number of execve seen in the capture
	// PrevExePaths holds the executables the process ran before its current one, oldest
	// first, at most maxExecHistory of them.
	PrevExePaths [][]byte

	FDs *FDTable

	threads int // live threads of the group

	// Cached renderings, built when the fields they serve change.
	args    []byte // argv[1:] joined by spaces
	cmdline []byte // comm + " " + args
	env     []byte // environment joined by spaces, built on first use
	envOK   bool
	capPerm []byte
	capEff  []byte
	capOK   bool
}

const maxExecHistory = 8

// newProcess returns a process of one thread whose ids are not known yet: unsetID (the
// kernel's (uid_t)-1, which no user has) until a snapshot, execve or clone record says.
func newProcess(pid uint32) *Process {
	return &Process{PID: pid, FDs: newFDTable(), threads: 1,
		UID: unsetID, GID: unsetID, EUID: unsetID, EGID: unsetID, LoginUID: unsetID}
}

// Alive reports whether the process has not exited.
func (p *Process) Alive() bool { return p.ExitTS == 0 && p.threads > 0 }

// Cmdline returns proc.cmdline: the name followed by the arguments.
func (p *Process) Cmdline() []byte { return p.cmdline }

// ArgsString returns proc.args: the arguments joined by spaces.
func (p *Process) ArgsString() []byte { return p.args }

func (p *Process) refresh() {
	p.args = event.AppendList(p.args[:0], p.Args, ' ')
	p.cmdline = append(p.cmdline[:0], p.Comm...)
	if len(p.args) > 0 {
		p.cmdline = append(p.cmdline, ' ')
		p.cmdline = append(p.cmdline, p.args...)
	}
	p.envOK = false
	p.capOK = false
}

func (p *Process) envString() []byte {
	if !p.envOK {
		p.env = event.AppendList(p.env[:0], p.Env, ' ')
		p.envOK = true
	}
	return p.env
}

func (p *Process) caps() (perm, eff []byte) {
	if !p.capOK {
		p.capPerm = appendCaps(p.capPerm[:0], p.CapPermitted)
		p.capEff = appendCaps(p.capEff[:0], p.CapEffective)
		p.capOK = true
	}
	return p.capPerm, p.capEff
}

// clone returns a child copying p's identity, as fork does.
func (p *Process) clone() *Process {
	c := *p
	// One allocation holds the copies: a fork is mostly followed by an execve, which
	// overwrites them in place when the new values fit.
	buf := make([]byte, 0, len(p.Comm)+len(p.Exe)+len(p.ExePath)+len(p.Args)+len(p.Cwd))
	c.Comm, buf = carve(buf, p.Comm)
	c.Exe, buf = carve(buf, p.Exe)
	c.ExePath, buf = carve(buf, p.ExePath)
	c.Args, buf = carve(buf, p.Args)
	c.Cwd, _ = carve(buf, p.Cwd)
	c.Env = p.Env // read-only once set; execve replaces rather than mutates it
	c.PrevExePaths = nil
	c.Execs = 0
	c.ExecTS = 0
	c.ExitTS = 0
	c.threads = 1
	c.args, c.cmdline, c.env, c.capPerm, c.capEff = nil, nil, nil, nil, nil
	c.refresh()
	return &c
}

// carve copies b to the end of buf and returns the copy, capped so that appending to it
// cannot overwrite what follows, and buf with the copy. A nil b stays nil.
func carve(buf, b []byte) ([]byte, []byte) {
	if b == nil {
		return nil, buf
	}
	start := len(buf)
	buf = append(buf, b...)
	return buf[start:len(buf):len(buf)], buf
}

// procTable holds the live threads and processes, and a bounded cache of exited ones so
// that the ancestry of live processes stays resolvable after their parents exit.
type procTable struct {
	threads map[uint32]*Process // by tid, live only
	byKey   map[uint64]*Process // live processes and the exited cache
	nextKey uint64

	// exited is a ring of keys of exited processes kept in byKey for ancestry lookups.
	exited    []uint64
	exitedPos int

	// lastTID and lastProc remember the last thread found: a capture comes in runs of
	// events from one thread, and this spares a map lookup per event. Every change of
	// threads forgets it.
	lastTID  uint32
	lastProc *Process
}

// exitedCacheSize bounds how many exited processes stay resolvable as ancestors.
const exitedCacheSize = 4096

func newProcTable() *procTable {
	return &procTable{
		threads: make(map[uint32]*Process),
		byKey:   make(map[uint64]*Process),
		exited:  make([]uint64, 0, exitedCacheSize),
	}
}

func (t *procTable) add(tid uint32, p *Process) {
	if p.Key == 0 {
		t.nextKey++
		p.Key = t.nextKey
		t.byKey[p.Key] = p
	}
	if old, ok := t.threads[tid]; ok && old != p {
		t.dropThread(tid, old, p.StartTS)
	}
	t.threads[tid] = p
	t.lastProc = nil
}

// thread returns the live process of tid.
func (t *procTable) thread(tid uint32) *Process {
	if t.lastProc != nil && t.lastTID == tid {
		return t.lastProc
	}
	p := t.threads[tid]
	t.lastTID, t.lastProc = tid, p
	return p
}

// parent returns p's parent, alive or in the exited cache.
func (t *procTable) parent(p *Process) *Process {
	if p == nil || p.ParentKey == 0 {
		return nil
	}
	return t.byKey[p.ParentKey]
}

// dropThread removes tid from the live set; when it was the last thread of p, p exits and
// moves to the exited cache.
func (t *procTable) dropThread(tid uint32, p *Process, ts uint64) {
	if t.threads[tid] == p {
		delete(t.threads, tid)
		t.lastProc = nil
	}
	p.threads--
	if p.threads > 0 {
		return
	}
	if p.ExitTS == 0 {
		p.ExitTS = ts
		if p.ExitTS == 0 {
			p.ExitTS = 1
		}
	}
	if p.FDs != nil {
		p.FDs.release()
		p.FDs = nil
	}
	// An exited process is kept only as an ancestor; its environment is not needed.
	p.Env, p.env, p.envOK = nil, nil, false
	t.retire(p.Key)
}

func (t *procTable) retire(key uint64) {
	if len(t.exited) < exitedCacheSize {
		t.exited = append(t.exited, key)
		return
	}
	old := t.exited[t.exitedPos]
	if op := t.byKey[old]; op != nil && !op.Alive() {
		delete(t.byKey, old)
	}
	t.exited[t.exitedPos] = key
	t.exitedPos = (t.exitedPos + 1) % exitedCacheSize
}

// dropOtherThreads removes every thread of p but tid, as a successful execve does.
func (t *procTable) dropOtherThreads(p *Process, tid uint32) {
	t.lastProc = nil
	for id, q := range t.threads {
		if q == p && id != tid {
			delete(t.threads, id)
			p.threads--
		}
	}
	if _, ok := t.threads[tid]; ok && p.threads < 1 {
		p.threads = 1
	}
}

// live returns the number of live threads and of processes known (live or cached).
func (t *procTable) live() (threads, procs int) { return len(t.threads), len(t.byKey) }
