package scap

import "saker/event"

// scapSockets remembers the L4 protocol of the IP sockets each process holds, by process id and
// fd, so that the reader can fill the protocol that scap socket tuples leave out (a scap tuple
// is family, addresses and ports only). It learns the protocol from the fd lists of the
// snapshot, from socket(2) (type and protocol) and from accept(2) (connection sockets of IP
// families are TCP), follows dup*, fcntl(F_DUPFD*) and fork, and forgets an fd when it is closed
// or reused by a call that creates a non-socket fd. Only sockets are kept, so the table stays
// small.
type scapSockets map[uint32]map[int64]uint8

// get returns the protocol of fd of process pid, 0 when unknown.
func (t scapSockets) get(pid uint32, fd int64) uint8 { return t[pid][fd] }

// set records proto for fd of process pid; proto 0 forgets the fd.
func (t scapSockets) set(pid uint32, fd int64, proto uint8) {
	fds := t[pid]
	if proto == 0 {
		if fds != nil {
			delete(fds, fd)
		}
		return
	}
	if fds == nil {
		fds = map[int64]uint8{}
		t[pid] = fds
	}
	fds[fd] = proto
}

// fork gives process child a copy of parent's sockets, as fork(2) copies the fd table.
func (t scapSockets) fork(parent, child uint32) {
	if parent == child || len(t[parent]) == 0 {
		return
	}
	fds := make(map[int64]uint8, len(t[parent]))
	for fd, p := range t[parent] {
		fds[fd] = p
	}
	t[child] = fds
}

// Linux socket types, the low 4 bits of socket(2)'s type (the rest are SOCK_NONBLOCK and
// SOCK_CLOEXEC).
const (
	linuxSockStream   = 1
	linuxSockDgram    = 2
	linuxSockTypeMask = 0xf
)

// scapSocketProto returns the L4 protocol of a socket(2) call of an IP family: its protocol
// argument when given, else the default of its type (TCP for SOCK_STREAM, UDP for SOCK_DGRAM);
// 0 when neither says (raw sockets without a protocol).
func scapSocketProto(typ, proto int64) uint8 {
	if proto > 0 && proto < 256 {
		return uint8(proto)
	}
	switch typ & linuxSockTypeMask {
	case linuxSockStream:
		return event.ProtoTCP
	case linuxSockDgram:
		return event.ProtoUDP
	}
	return 0
}

// trackSockets updates the socket table with e (whose PID is set) and fills the protocol of its
// tuple when the table knows the fd's.
func (s *Source) trackSockets(e *event.Event, ids *scapIDs) {
	t, pid := s.sockets, e.PID
	arg := func(name string) int64 {
		if i := e.Kind.ParamIndex(name); i >= 0 {
			return e.Args[i].Int
		}
		return 0
	}
	switch e.Kind {
	case event.KindSocket:
		if e.Res >= 0 {
			var proto uint8
			if d := arg("domain"); d == event.AFInet || d == event.AFInet6 {
				proto = scapSocketProto(arg("type"), arg("proto"))
			}
			t.set(pid, e.Res, proto)
		}
	case event.KindAccept, event.KindAccept4:
		if e.Res >= 0 {
			var proto uint8
			if tu := e.Args[e.Kind.ParamIndex("tuple")].Bytes; len(tu) > 0 && (tu[0] == event.AFInet || tu[0] == event.AFInet6) {
				// accept(2) takes connection sockets only; of the IP ones, SCTP is the rare
				// other, and its listening socket is not named in accept's records.
				proto = event.ProtoTCP
			}
			t.set(pid, e.Res, proto)
		}
	case event.KindDup, event.KindDup2, event.KindDup3:
		if e.Res >= 0 {
			t.set(pid, e.Res, t.get(pid, arg("oldfd")))
		}
	case event.KindFcntl:
		// Without its command (an exit record of old libs whose enter is missing) the result
		// may be flags or an owner, not an fd.
		if c := arg("cmd"); ids.fcntlCmd && e.Res >= 0 && (c == 0 || c == 1030) { // F_DUPFD, F_DUPFD_CLOEXEC
			t.set(pid, e.Res, t.get(pid, arg("fd")))
		}
	case event.KindClose:
		if e.Res >= 0 {
			t.set(pid, arg("fd"), 0)
		}
	case event.KindOpen, event.KindOpenat, event.KindOpenat2, event.KindCreat, event.KindMemfdCreate:
		if e.Res >= 0 {
			t.set(pid, e.Res, 0)
		}
	case event.KindPipe, event.KindPipe2, event.KindSocketpair:
		if e.Res >= 0 {
			t.set(pid, arg("fd1"), 0)
			t.set(pid, arg("fd2"), 0)
		}
	case event.KindClone, event.KindClone3, event.KindFork, event.KindVfork:
		if e.Res > 0 {
			t.fork(pid, uint32(arg("child_pid")))
		}
	case event.KindProcexit:
		if e.TID == pid {
			delete(t, pid)
		}
		return
	}
	i := e.Kind.ParamIndex("tuple")
	if i < 0 {
		return
	}
	tu := e.Args[i].Bytes
	if len(tu) < 2 || tu[1] != 0 || (tu[0] != event.AFInet && tu[0] != event.AFInet6) {
		return
	}
	fd := arg("fd")
	if e.Kind == event.KindAccept || e.Kind == event.KindAccept4 {
		fd = e.Res
	}
	tu[1] = t.get(pid, fd)
}
