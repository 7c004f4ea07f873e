package analyze

import (
	"bytes"

	"saker/event"
)

// Constants of the Linux ABI the fd tracking needs.
const (
	atFDCWD       = -100
	oAccMode      = 3
	oWronly       = 1
	oRdwr         = 2
	oCreat        = 0o100
	oTrunc        = 0o1000
	oDirectory    = 0o200000
	oTmpfile      = 0o20000000
	sockCloexec   = 0o2000000
	sockStream    = 1
	sockDgram     = 2
	fdCloexec     = 1
	fcntlDupFD    = 0
	fcntlSetFD    = 2
	fcntlDupFDCx  = 1030
	einprogress   = 115
	afNetlink     = 16
	protoICMP     = 1
	protoICMPv6   = 58
	pathArgsLimit = 4096
)

// files applies fd and path syscalls.
func (s *State) files(e *event.Event) {
	p := s.proc
	t := p.FDs
	if t == nil {
		t = newFDTable()
		p.FDs = t
	}
	switch e.Kind {
	case event.KindOpen, event.KindOpenat, event.KindOpenat2, event.KindCreat:
		s.open(e, t)
	case event.KindMemfdCreate:
		if e.Res >= 0 {
			f := &FD{Num: e.Res, Type: event.FDMemfd, Flags: 0}
			f.Name = append(append(f.Name, "memfd:"...), arg(e, 0)...)
			if argInt(e, 1)&1 != 0 { // MFD_CLOEXEC
				f.Flags = oCloexec
			}
			t.set(f)
			s.fd = f
		}
	case event.KindClose:
		fd := argInt(e, 0)
		s.fd = t.get(fd)
		if e.Res == 0 {
			s.closeFD, s.closeTable = fd, t
		}
	case event.KindDup, event.KindDup2, event.KindDup3:
		old := argInt(e, 0)
		if e.Res >= 0 && e.Res != old {
			s.replaceFD(t, e.Res)
			t.dup(old, e.Res, e.Kind == event.KindDup3 && argInt(e, 2)&oCloexec != 0)
		}
		s.fd = t.get(old)
	case event.KindFcntl:
		fd := argInt(e, 0)
		switch argInt(e, 1) {
		case fcntlDupFD, fcntlDupFDCx:
			if e.Res >= 0 {
				s.replaceFD(t, e.Res)
				t.dup(fd, e.Res, argInt(e, 1) == fcntlDupFDCx)
			}
		case fcntlSetFD:
			if f := t.get(fd); f != nil && e.Res == 0 {
				if argInt(e, 2)&fdCloexec != 0 {
					f.Flags |= oCloexec
				} else {
					f.Flags &^= oCloexec
				}
			}
		}
		s.fd = t.get(fd)
	case event.KindPipe, event.KindPipe2:
		if e.Res == 0 {
			var flags int64
			if e.Kind == event.KindPipe2 {
				flags = argInt(e, 2) & oCloexec
			}
			// Pipes have no name in Falco; the event's fd is the last one it made (fd2).
			for i := range 2 {
				f := &FD{Num: argInt(e, i), Type: event.FDPipe, Flags: flags}
				s.replaceFD(t, f.Num)
				t.set(f)
			}
			s.fd = t.get(argInt(e, 1))
		}
	case event.KindSocket:
		s.socket(e, t)
	case event.KindSocketpair:
		if e.Res == 0 {
			for i := 3; i < 5; i++ {
				f := &FD{Num: argInt(e, i), Type: event.FDUnix, Family: event.AFUnix}
				s.replaceFD(t, f.Num)
				t.set(f)
			}
			s.fd = t.get(argInt(e, 3))
		}
	case event.KindBind, event.KindListen, event.KindConnect, event.KindAccept, event.KindAccept4,
		event.KindShutdown, event.KindSendto, event.KindSendmsg, event.KindSendmmsg,
		event.KindRecvfrom, event.KindRecvmsg, event.KindRecvmmsg,
		event.KindRead, event.KindWrite, event.KindReadv, event.KindWritev:
		s.net(e, t)
	case event.KindFchmod, event.KindFinitModule, event.KindSetns:
		s.fd = t.get(argInt(e, 0))
		if e.Kind == event.KindFchmod && e.Res == 0 && s.fd != nil && s.hooks.File != nil {
			s.fileRecord(FileChmod, s.fd.Name, uint32(argInt(e, 1)))
		}
	default:
		s.pathSyscall(e, t)
	}
}

// replaceFD ends the connection record of a descriptor about to be replaced (dup2 onto an
// open fd, or a reused number the capture did not see closed).
func (s *State) replaceFD(t *FDTable, n int64) {
	if f := t.get(n); f != nil {
		s.endConn(f)
	}
}

func (s *State) open(e *event.Event, t *FDTable) {
	var dirfd int64 = atFDCWD
	var flags, mode int64
	var path []byte
	switch e.Kind {
	case event.KindOpen:
		path, flags, mode = arg(e, 0), argInt(e, 1), argInt(e, 2)
	case event.KindCreat:
		path, flags, mode = arg(e, 0), oCreat|oWronly|oTrunc, argInt(e, 1)
	default:
		dirfd, path, flags, mode = argInt(e, 0), arg(e, 1), argInt(e, 2), argInt(e, 3)
	}
	resolved := s.resolve(t, dirfd, path)
	if e.Res < 0 {
		s.setPathFD(resolved, path)
		return
	}
	s.replaceFD(t, e.Res)
	f, name, raw := s.fds.get()
	f.Num, f.Type, f.Flags = e.Res, event.FDFile, flags
	if flags&oDirectory != 0 && flags&oTmpfile != oTmpfile {
		f.Type = event.FDDirectory
	}
	// Empty names stay nil, as fd.nameraw falls back to fd.name for a nil Raw.
	if len(resolved) > 0 {
		f.Name = append(name, resolved...)
	}
	if len(path) > 0 {
		f.Raw = append(raw, path...)
	}
	t.set(f)
	s.fd = f
	if s.hooks.File != nil && (flags&oAccMode == oWronly || flags&oAccMode == oRdwr) {
		s.fileRecord(FileWritten, f.Name, uint32(mode))
	}
}

func (s *State) setPathFD(resolved, raw []byte) {
	s.pathFD = FD{Num: -1, Type: event.FDFile, Name: resolved, Raw: raw}
	s.fd = &s.pathFD
}

// pathSyscall resolves the path of syscalls that name a file without an fd, so that fd.name
// holds it as in Falco.
func (s *State) pathSyscall(e *event.Event, t *FDTable) {
	dirfd := int64(atFDCWD)
	var path []byte
	switch e.Kind {
	case event.KindChmod, event.KindRename, event.KindUnlink, event.KindMkdir, event.KindRmdir,
		event.KindLink:
		path = arg(e, 0)
	case event.KindFchmodat, event.KindFchmodat2, event.KindRenameat, event.KindRenameat2, event.KindUnlinkat,
		event.KindMkdirat, event.KindLinkat:
		dirfd, path = argInt(e, 0), arg(e, 1)
	case event.KindSymlink:
		path = arg(e, 1)
	case event.KindSymlinkat:
		dirfd, path = argInt(e, 1), arg(e, 2)
	case event.KindMount:
		path = arg(e, 1)
	case event.KindUmount2:
		path = arg(e, 0)
	default:
		return
	}
	resolved := s.resolve(t, dirfd, path)
	s.setPathFD(resolved, path)
	if e.Res == 0 && s.hooks.File != nil {
		switch e.Kind {
		case event.KindChmod:
			s.fileRecord(FileChmod, resolved, uint32(argInt(e, 1)))
		case event.KindFchmodat, event.KindFchmodat2:
			s.fileRecord(FileChmod, resolved, uint32(argInt(e, 2)))
		}
	}
}

// resolve turns a path argument into an absolute clean path, relative to dirfd or the
// process's working directory. A relative path whose base is unknown stays as it is. The
// result is valid until the next call.
func (s *State) resolve(t *FDTable, dirfd int64, path []byte) []byte {
	if len(path) > pathArgsLimit {
		path = path[:pathArgsLimit]
	}
	buf := s.pathBuf[:0]
	switch {
	case len(path) > 0 && path[0] == '/':
		buf = append(buf, path...)
	case dirfd == atFDCWD:
		if len(s.proc.Cwd) == 0 {
			return path
		}
		buf = append(buf, s.proc.Cwd...)
		buf = append(buf, '/')
		buf = append(buf, path...)
	default:
		f := t.get(dirfd)
		if f == nil || len(f.Name) == 0 || f.Name[0] != '/' {
			return path
		}
		buf = append(buf, f.Name...)
		buf = append(buf, '/')
		buf = append(buf, path...)
	}
	buf = cleanPath(buf)
	s.pathBuf = buf
	return buf
}

// cleanPath cleans an absolute path in place: no "." or ".." elements, no repeated or
// trailing slashes.
func cleanPath(b []byte) []byte {
	out := b[:1]
	for i := 1; i < len(b); {
		if b[i] == '/' {
			i++
			continue
		}
		j := i
		for j < len(b) && b[j] != '/' {
			j++
		}
		seg := b[i:j]
		switch {
		case len(seg) == 1 && seg[0] == '.':
		case len(seg) == 2 && seg[0] == '.' && seg[1] == '.':
			if k := bytes.LastIndexByte(out, '/'); k > 0 {
				out = out[:k]
			} else {
				out = out[:1]
			}
		default:
			if len(out) > 1 {
				out = append(out, '/')
			}
			out = append(out, seg...)
		}
		i = j
	}
	return out
}

func (s *State) socket(e *event.Event, t *FDTable) {
	if e.Res < 0 {
		return
	}
	s.replaceFD(t, e.Res)
	domain, typ, proto := argInt(e, 0), argInt(e, 1), argInt(e, 2)
	f, name, _ := s.fds.get()
	f.Num, f.Name = e.Res, name // empty until bind or connect names it
	switch domain {
	case event.AFInet:
		f.Type, f.Family = event.FDIPv4, event.AFInet
	case event.AFInet6:
		f.Type, f.Family = event.FDIPv6, event.AFInet6
	case event.AFUnix:
		f.Type, f.Family = event.FDUnix, event.AFUnix
	case afNetlink:
		f.Type = event.FDNetlink
	default:
		f.Type = event.FDFile
	}
	switch {
	case proto != 0:
		f.Proto = uint8(proto)
	case typ&0xf == sockStream:
		f.Proto = event.ProtoTCP
	case typ&0xf == sockDgram:
		f.Proto = event.ProtoUDP
	}
	if typ&sockCloexec != 0 {
		f.Flags = oCloexec
	}
	t.set(f)
	s.fd = f
}

func (s *State) fileRecord(a FileAction, path []byte, mode uint32) {
	e, p := s.ev, s.proc
	s.hooks.File(&FileRecord{
		Time: s.wall(e.TS), EventNum: e.Num, ProcKey: p.Key, PID: p.PID, Action: a,
		Path: string(path), Mode: mode, Container: p.ContainerID,
	})
}
