package analyze

import (
	"bytes"

	"saker/event"
)

// Clone flag bits the state follows.
const (
	cloneFiles  = 0x400
	cloneVfork  = 0x4000
	cloneParent = 0x8000
	cloneThread = 0x10000
	cloneNewPID = 0x20000000
)

// unsetID is the value of an id argument that leaves the id unchanged (setreuid(-1, ...)).
const unsetID = 0xffffffff

func (s *State) exec(e *event.Event) {
	if e.Res != 0 {
		return
	}
	p := s.proc
	if p.threads > 1 {
		s.procs.dropOtherThreads(p, e.TID)
	}
	if len(p.ExePath) > 0 {
		if len(p.PrevExePaths) == maxExecHistory {
			copy(p.PrevExePaths, p.PrevExePaths[1:])
			p.PrevExePaths = p.PrevExePaths[:maxExecHistory-1]
		}
		p.PrevExePaths = append(p.PrevExePaths, bytes.Clone(p.ExePath))
	}
	if ptid, ok := argAtOK(e, argPtid); ok && ptid.Int != 0 && p.PPID == 0 {
		p.PPID = uint32(ptid.Int)
	}
	s.setIdentity(p, e)
	s.setExe(p, e.PID, e.TS)
	if len(p.Comm) == 0 {
		p.Comm = append(p.Comm, baseName(p.ExePath)...)
	}
	if len(p.ExePath) == 0 {
		p.ExePath = append(p.ExePath, argAt(e, argFilename).Bytes...)
	}
	if p.StartTS == 0 {
		p.StartTS = e.TS
	}
	p.ExecTS = e.TS
	p.Execs++
	p.refresh()
	if p.FDs != nil {
		s.endConns(p.FDs, true)
		p.FDs.closeOnExec()
	}
	if s.hooks.File != nil {
		s.fileRecord(FileExecuted, p.ExePath, 0)
	}
}

func (s *State) clone(e *event.Event) {
	if e.Res < 0 {
		return
	}
	// The clone record's ids (a .scap's, taken from the caller's effective credentials) tell
	// who a process the capture never described runs as, on either side of the clone.
	if p := s.proc; p != nil && p.EUID == unsetID {
		setIDs(&p.UID, &p.EUID, e, argUid, nil)
		setIDs(&p.GID, &p.EGID, e, argGid, nil)
	}
	if e.Res == 0 {
		// The child's side: the parent's record made the child.
		return
	}
	parent := s.proc
	flags := argAt(e, argFlags).Int
	switch e.Kind {
	case event.KindFork:
		flags = 0
	case event.KindVfork:
		flags = cloneVfork
	}
	tid := uint32(argAt(e, argChildTid).Int)
	if tid == 0 {
		tid = uint32(e.Res)
	}
	pid := uint32(argAt(e, argChildPid).Int)
	if flags&cloneThread != 0 {
		if s.procs.thread(tid) != parent {
			parent.threads++
			s.procs.add(tid, parent)
		}
		return
	}
	if pid == 0 {
		pid = tid
	}
	c := parent.clone()
	c.Key = 0
	c.PID = pid
	c.PPID, c.ParentKey = parent.PID, parent.Key
	if flags&cloneParent != 0 {
		if gp := s.parent(parent); gp != nil {
			c.PPID, c.ParentKey = gp.PID, gp.Key
		} else {
			c.PPID, c.ParentKey = parent.PPID, 0
		}
	}
	switch {
	case flags&cloneNewPID != 0:
		c.VPID = 1
	case parent.VPID == parent.PID:
		c.VPID = pid
	default:
		c.VPID = 0
	}
	if comm := argAt(e, argComm).Bytes; len(comm) > 0 {
		c.Comm = append(c.Comm[:0], comm...)
		c.refresh()
	}
	setIDs(&c.UID, &c.EUID, e, argUid, nil)
	setIDs(&c.GID, &c.EGID, e, argGid, nil)
	c.StartTS = e.TS
	switch {
	case parent.FDs == nil:
		c.FDs = newFDTable()
	case flags&cloneFiles != 0:
		c.FDs = parent.FDs
		c.FDs.refs++
	default:
		c.FDs = parent.FDs.copy()
	}
	s.procs.add(tid, c)
	if pid != tid {
		c.threads++
		s.procs.add(pid, c)
	}
}

func (s *State) creds(e *event.Event) {
	if e.Res != 0 {
		return
	}
	p := s.proc
	set := func(dst *uint32, v int64) {
		if uint32(v) != unsetID {
			*dst = uint32(v)
		}
	}
	a := func(i int) int64 { return argInt(e, i) }
	switch e.Kind {
	case event.KindSetuid:
		set(&p.EUID, a(0))
		set(&p.UID, a(0))
	case event.KindSetgid:
		set(&p.EGID, a(0))
		set(&p.GID, a(0))
	case event.KindSetreuid:
		set(&p.UID, a(0))
		set(&p.EUID, a(1))
	case event.KindSetregid:
		set(&p.GID, a(0))
		set(&p.EGID, a(1))
	case event.KindSetresuid:
		set(&p.UID, a(0))
		set(&p.EUID, a(1))
	case event.KindSetresgid:
		set(&p.GID, a(0))
		set(&p.EGID, a(1))
	case event.KindCapset:
		p.CapPermitted = uint64(a(1))
		p.CapEffective = uint64(a(2))
		p.capOK = false
	}
}

func baseName(p []byte) []byte {
	if i := bytes.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

func dirName(p []byte) []byte {
	i := bytes.LastIndexByte(p, '/')
	switch {
	case i < 0:
		return nil
	case i == 0:
		return p[:1]
	}
	return p[:i]
}
