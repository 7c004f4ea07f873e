package analyze

import (
	"saker/event"
)

// net applies socket syscalls: binding, connecting, accepting and data transfer.
func (s *State) net(e *event.Event, t *FDTable) {
	fd := argInt(e, 0)
	f := t.get(fd)
	switch e.Kind {
	case event.KindAccept, event.KindAccept4:
		if e.Res < 0 {
			s.fd = f
			return
		}
		s.replaceFD(t, e.Res)
		n := &FD{Num: e.Res, Role: roleServer, Connected: true, Proto: event.ProtoTCP}
		if f != nil {
			n.Type, n.Family, n.Proto = f.Type, f.Family, f.Proto
		}
		if tp, err := event.ParseTuple(arg(e, 1)); err == nil {
			n.setTuple(tp, e.Num)
		}
		if e.Kind == event.KindAccept4 && argInt(e, 2)&sockCloexec != 0 {
			n.Flags = oCloexec
		}
		t.set(n)
		s.fd = n
		if n.isIP() {
			s.startConn(s.proc, n, e.TS)
		}
		return
	}
	if e.Kind == event.KindRead || e.Kind == event.KindWrite || e.Kind == event.KindReadv || e.Kind == event.KindWritev {
		f = s.adoptSocket(e, t, f)
	}
	if f == nil {
		// A socket opened before the capture and missing from the snapshot.
		if e.Kind == event.KindRead || e.Kind == event.KindWrite || e.Kind == event.KindReadv ||
			e.Kind == event.KindWritev || e.Kind == event.KindShutdown {
			return
		}
		f = &FD{Num: fd, Type: event.FDIPv4}
		t.set(f)
	}
	s.fd = f
	switch e.Kind {
	case event.KindBind:
		if e.Res != 0 {
			return
		}
		if sa, err := event.ParseSockaddr(arg(e, 1)); err == nil {
			switch sa.Family {
			case event.AFInet, event.AFInet6:
				// Binding a port makes a server, as in Falco: fd.sip and fd.sport are the
				// bound address, and the socket is named by it until a peer shows.
				f.Local = sa.Addr
				f.Family = sa.Family
				if sa.Family == event.AFInet6 {
					f.Type = event.FDIPv6
				} else {
					f.Type = event.FDIPv4
				}
				f.Bound = sa.Addr.Port() != 0
				if f.Bound && f.Role == roleNone {
					f.Role = roleServer
					s.addListenPort(sa.Addr.Port())
				}
				f.rename()
				f.nameChangedAt = e.Num
			case event.AFUnix:
				f.Name = append(f.nameBuf(), sa.Path...)
			}
		}
	case event.KindListen:
		if e.Res == 0 {
			f.Bound = true
			f.Role = roleServer
			s.addListenPort(f.Local.Port())
		}
	case event.KindConnect:
		if e.Res != 0 && e.Res != -einprogress {
			// A failed connect to a unix socket names the path it tried for this event, as
			// Falco does, without renaming the socket; no connection starts.
			path := []byte(nil)
			if sa, err := event.ParseSockaddr(arg(e, 1)); err == nil && sa.Family == event.AFUnix {
				path = sa.Path
			} else if tp, err := event.ParseTuple(arg(e, 2)); err == nil && tp.Family == event.AFUnix {
				path = tp.Path
			}
			if len(path) > 0 && (f.Family == event.AFUnix || f.Type == event.FDUnix) {
				s.pathFD = *f
				s.pathFD.Name, s.pathFD.Raw, s.pathFD.Conn = path, nil, nil
				s.fd = &s.pathFD
			}
			return
		}
		tp, err := event.ParseTuple(arg(e, 2))
		if err != nil {
			sa, err := event.ParseSockaddr(arg(e, 1))
			if err != nil {
				return
			}
			tp = event.Tuple{Family: sa.Family, Proto: f.Proto, Local: f.Local, Remote: sa.Addr, Path: sa.Path}
		}
		s.endConn(f)
		f.setTuple(tp, e.Num)
		f.Role = roleClient
		f.Connected = true
		if f.isIP() {
			s.startConn(s.proc, f, e.TS)
		}
	case event.KindSendto, event.KindSendmsg, event.KindSendmmsg,
		event.KindRecvfrom, event.KindRecvmsg, event.KindRecvmmsg:
		if tp, err := event.ParseTuple(arg(e, 3)); err == nil && (tp.Family == event.AFInet || tp.Family == event.AFInet6) &&
			tp.Remote.Addr().IsValid() && !tp.Remote.Addr().IsUnspecified() && (tp.Remote != f.Remote || tp.Local != f.Local) {
			if f.Conn != nil && f.Remote != tp.Remote {
				s.endConn(f)
			}
			if f.Role == roleNone {
				if f.Bound {
					f.Role = roleServer
				} else {
					f.Role = roleClient
				}
			}
			f.setTuple(tp, e.Num)
			if f.Conn == nil {
				s.startConn(s.proc, f, e.TS)
			}
		}
		s.account(e, f, arg(e, 2))
	case event.KindRead, event.KindWrite, event.KindReadv, event.KindWritev:
		s.account(e, f, arg(e, 2))
	}
}

// account adds a transfer's bytes to the fd's connection record.
func (s *State) account(e *event.Event, f *FD, data []byte) {
	c := f.Conn
	if c == nil || e.Res <= 0 {
		return
	}
	c.Last = s.wall(e.TS)
	switch e.Kind {
	case event.KindSendto, event.KindSendmsg, event.KindSendmmsg, event.KindWrite, event.KindWritev:
		c.BytesSent += uint64(e.Res)
		if n := PayloadSnippet - len(c.Payload); n > 0 {
			c.Payload = append(c.Payload, data[:min(n, len(data))]...)
		}
	default:
		c.BytesRecv += uint64(e.Res)
	}
}

// startConn opens a connection record for an IP socket with a peer.
func (s *State) startConn(p *Process, f *FD, ts uint64) {
	if s.hooks.Conn == nil || !f.isIP() {
		return
	}
	s.connSeq++
	c := &ConnRecord{
		ID: s.connSeq, ProcKey: p.Key, PID: p.PID, Comm: string(p.Comm), FD: f.Num, Family: f.Family, Proto: f.Proto,
		Local: f.Local, Remote: f.Remote, Outbound: f.Role != roleServer,
		First: s.wall(ts),
	}
	c.Last = c.First
	if s.names != nil {
		s.nameBuf = s.names.Names(f.server().Addr(), c.First.UnixNano(), s.nameBuf[:0])
		for _, n := range s.nameBuf {
			c.ServerNames = append(c.ServerNames, string(n))
		}
		if h, ok := s.names.(hitSource); ok && len(s.nameBuf) > 0 {
			c.DNS, _ = appendEvidence(c.DNS, h, f.server().Addr().Unmap(), c.First.UnixNano(), nil)
		}
	}
	f.Conn = c
}

// endConn hands out the fd's connection record, once.
func (s *State) endConn(f *FD) {
	c := f.Conn
	if c == nil {
		return
	}
	f.Conn = nil
	if c.FD == -2 {
		return // already handed out through another copy of the fd
	}
	out := *c
	c.FD = -2
	s.hooks.Conn(&out)
}

// adoptSocket makes an IP socket of a read or write's descriptor when the sensor reported the
// connection's tuple and the state does not know the descriptor as an IP socket: a socket the
// snapshot missed, such as one opened before the capture in another network namespace (a pod's)
// whose /proc/net tables the snapshot did not read. The end with the lower port is taken as the
// server, as for sockets found in the snapshot.
func (s *State) adoptSocket(e *event.Event, t *FDTable, f *FD) *FD {
	if f != nil && f.isIP() {
		return f
	}
	tp, err := event.ParseTuple(arg(e, 3))
	if err != nil || (tp.Family != event.AFInet && tp.Family != event.AFInet6) || !tp.Remote.Addr().IsValid() ||
		tp.Remote.Addr().IsUnspecified() {
		return f
	}
	fd := argInt(e, 0)
	if f != nil {
		s.replaceFD(t, fd)
	}
	n := &FD{Num: fd, Proto: event.ProtoTCP, Connected: true, Role: roleClient}
	if tp.Local.Port() < tp.Remote.Port() {
		n.Role = roleServer
	}
	n.Role = s.guessRole(tp.Local, tp.Remote, n.Role)
	n.setTuple(tp, e.Num)
	t.set(n)
	s.startConn(s.proc, n, e.TS)
	return n
}
