package replay

import (
	"fmt"
	"sync"

	"saker/event"
)

// noFD is the fd argument of an io_uring request on a registered file (-1, as no descriptor).
const noFD = ^uint64(0)

// x86_64 numbers of the syscalls whose records need them outside the table below.
const (
	nrClone    = 56
	nrFork     = 57
	nrVfork    = 58
	nrExecveat = 322
	nrClone3   = 435
)

func kind(name string) event.Kind {
	k, _ := event.KindByName(name)
	return k
}

var (
	kindExecve   = kind("execve")
	kindExecveat = kind("execveat")
	kindClone    = kind("clone")
	kindClone3   = kind("clone3")
	kindFork     = kind("fork")
	kindVfork    = kind("vfork")
	kindProcexit = kind("procexit")
)

// sysRec is a syscall record's fixed part and blobs as a decoding function sees them.
type sysRec struct {
	args [6]uint64
	ret  int64
	bl   *blobs
}

func (r *sysRec) fd(i int) event.Arg  { return event.Int(int64(int32(r.args[i]))) }
func (r *sysRec) int(i int) event.Arg { return event.Int(int64(r.args[i])) }
func (r *sysRec) str(i int) event.Arg { return event.Bytes(r.bl[blobArg0+i]) }
func (r *sysRec) data() event.Arg     { return event.Bytes(r.bl[blobData]) }
func (r *sysRec) i32(i int) event.Arg { return event.Int(int64(int32(r.args[i]))) }
func (r *sysRec) u32(i int) event.Arg { return event.Int(int64(uint32(r.args[i]))) }
func (r *sysRec) blob(t int) []byte   { return r.bl[t] }
func (r *sysRec) sizeRet() event.Arg  { return event.Int(max(r.ret, 0)) }
func (r *sysRec) fdPair() (a, b event.Arg) {
	if fds := r.bl[blobFDs]; len(fds) == 8 {
		return event.Int(int64(int32(le.Uint32(fds)))), event.Int(int64(int32(le.Uint32(fds[4:]))))
	}
	return event.Arg{}, event.Arg{}
}

// sockaddr encodes the sockaddr blob, or returns an empty argument.
func (r *sysRec) sockaddr() event.Arg {
	if s, ok := sockaddrOf(r.bl[blobSockaddr]); ok {
		return event.Bytes(s.AppendBinary(nil))
	}
	return event.Arg{}
}

// tuple encodes the tuple blob of tag t; for a datagram socket with no peer it takes the
// remote end from the sockaddr blob (sendto, recvfrom, sendmsg with a name).
func (r *sysRec) tuple(t int) event.Arg {
	tp, ok := tupleOf(r.bl[t])
	if !ok {
		return event.Arg{}
	}
	if s, ok := sockaddrOf(r.bl[blobSockaddr]); ok && s.Family == tp.Family {
		if tp.Family == event.AFUnix {
			tp.Path = s.Path
		} else if tp.Remote.Port() == 0 {
			tp.Remote = s.Addr
		}
	}
	return event.Bytes(tp.AppendBinary(nil))
}

type sysDecoder struct {
	kind event.Kind
	fill func(r *sysRec, set setter)
}

// sysTable maps x86_64 syscall numbers to their kinds and parameters.
var sysTable = map[uint32]sysDecoder{}

func sys(nr uint32, name string, f func(r *sysRec, set setter)) {
	if k := kind(name); k.Valid() {
		sysTable[nr] = sysDecoder{k, f}
	}
}

func init() {
	sys(59, "execve", func(r *sysRec, set setter) { set("filename", r.str(0)) })
	sys(322, "execveat", func(r *sysRec, set setter) { set("dirfd", r.fd(0)); set("filename", r.str(1)) })
	sys(2, "open", func(r *sysRec, set setter) {
		set("name", r.str(0))
		set("flags", r.u32(1))
		set("mode", r.u32(2))
	})
	sys(257, "openat", func(r *sysRec, set setter) {
		set("dirfd", r.fd(0))
		set("name", r.str(1))
		set("flags", r.u32(2))
		set("mode", r.u32(3))
	})
	sys(437, "openat2", func(r *sysRec, set setter) {
		set("dirfd", r.fd(0))
		set("name", r.str(1))
		if how := r.blob(blobSockaddr); len(how) >= 24 {
			set("flags", event.Int(int64(le.Uint64(how))))
			set("mode", event.Int(int64(le.Uint64(how[8:]))))
			set("resolve", event.Int(int64(le.Uint64(how[16:]))))
		}
	})
	sys(85, "creat", func(r *sysRec, set setter) { set("name", r.str(0)); set("mode", r.u32(1)) })
	sys(3, "close", func(r *sysRec, set setter) { set("fd", r.fd(0)) })
	sys(32, "dup", func(r *sysRec, set setter) { set("oldfd", r.fd(0)) })
	sys(33, "dup2", func(r *sysRec, set setter) { set("oldfd", r.fd(0)); set("newfd", r.fd(1)) })
	sys(292, "dup3", func(r *sysRec, set setter) {
		set("oldfd", r.fd(0))
		set("newfd", r.fd(1))
		set("flags", r.u32(2))
	})
	sys(72, "fcntl", func(r *sysRec, set setter) { set("fd", r.fd(0)); set("cmd", r.i32(1)); set("arg", r.int(2)) })
	sys(22, "pipe", func(r *sysRec, set setter) { a, b := r.fdPair(); set("fd1", a); set("fd2", b) })
	sys(293, "pipe2", func(r *sysRec, set setter) {
		a, b := r.fdPair()
		set("fd1", a)
		set("fd2", b)
		set("flags", r.u32(1))
	})
	sys(41, "socket", func(r *sysRec, set setter) { set("domain", r.i32(0)); set("type", r.u32(1)); set("proto", r.u32(2)) })
	sys(53, "socketpair", func(r *sysRec, set setter) {
		set("domain", r.i32(0))
		set("type", r.u32(1))
		set("proto", r.u32(2))
		a, b := r.fdPair()
		set("fd1", a)
		set("fd2", b)
	})
	sys(42, "connect", func(r *sysRec, set setter) {
		set("fd", r.fd(0))
		set("addr", r.sockaddr())
		set("tuple", r.tuple(blobTuple))
	})
	sys(43, "accept", func(r *sysRec, set setter) { set("fd", r.fd(0)); set("tuple", r.tuple(blobRTuple)) })
	sys(288, "accept4", func(r *sysRec, set setter) {
		set("fd", r.fd(0))
		set("tuple", r.tuple(blobRTuple))
		set("flags", r.u32(3))
	})
	sys(49, "bind", func(r *sysRec, set setter) { set("fd", r.fd(0)); set("addr", r.sockaddr()) })
	sys(50, "listen", func(r *sysRec, set setter) { set("fd", r.fd(0)); set("backlog", r.i32(1)) })
	sys(48, "shutdown", func(r *sysRec, set setter) { set("fd", r.fd(0)); set("how", r.u32(1)) })
	for _, c := range []struct {
		nr   uint32
		name string
		size bool // the size asked for is args[2]; otherwise the bytes transferred
	}{
		{44, "sendto", true}, {45, "recvfrom", true}, {46, "sendmsg", false}, {47, "recvmsg", false},
		{307, "sendmmsg", false}, {299, "recvmmsg", false},
	} {
		sys(c.nr, c.name, func(r *sysRec, set setter) {
			set("fd", r.fd(0))
			if c.size {
				set("size", r.int(2))
			} else {
				set("size", r.sizeRet())
			}
			set("data", r.data())
			set("tuple", r.tuple(blobTuple))
		})
	}
	for _, c := range []struct {
		nr   uint32
		name string
	}{{0, "read"}, {1, "write"}, {19, "readv"}, {20, "writev"}} {
		vec := c.nr == 19 || c.nr == 20
		sys(c.nr, c.name, func(r *sysRec, set setter) {
			set("fd", r.fd(0))
			if vec {
				set("size", r.sizeRet())
			} else {
				set("size", r.int(2))
			}
			set("data", r.data())
			// The sensor records the socket's tuple with every read and write: it names
			// connections the /proc snapshot could not (sockets of other network namespaces).
			set("tuple", r.tuple(blobTuple))
		})
	}
	sys(90, "chmod", func(r *sysRec, set setter) { set("filename", r.str(0)); set("mode", r.u32(1)) })
	sys(91, "fchmod", func(r *sysRec, set setter) { set("fd", r.fd(0)); set("mode", r.u32(1)) })
	sys(268, "fchmodat", func(r *sysRec, set setter) {
		set("dirfd", r.fd(0))
		set("filename", r.str(1))
		set("mode", r.u32(2))
	})
	sys(452, "fchmodat2", func(r *sysRec, set setter) {
		set("dirfd", r.fd(0))
		set("filename", r.str(1))
		set("mode", r.u32(2))
		set("flags", r.u32(3))
	})
	sys(82, "rename", func(r *sysRec, set setter) { set("oldpath", r.str(0)); set("newpath", r.str(1)) })
	renameat := func(r *sysRec, set setter) {
		set("olddirfd", r.fd(0))
		set("oldpath", r.str(1))
		set("newdirfd", r.fd(2))
		set("newpath", r.str(3))
		set("flags", r.u32(4))
	}
	sys(264, "renameat", renameat)
	sys(316, "renameat2", renameat)
	sys(87, "unlink", func(r *sysRec, set setter) { set("path", r.str(0)) })
	sys(263, "unlinkat", func(r *sysRec, set setter) { set("dirfd", r.fd(0)); set("name", r.str(1)); set("flags", r.u32(2)) })
	sys(83, "mkdir", func(r *sysRec, set setter) { set("path", r.str(0)); set("mode", r.u32(1)) })
	sys(258, "mkdirat", func(r *sysRec, set setter) { set("dirfd", r.fd(0)); set("path", r.str(1)); set("mode", r.u32(2)) })
	sys(84, "rmdir", func(r *sysRec, set setter) { set("path", r.str(0)) })
	sys(86, "link", func(r *sysRec, set setter) { set("oldpath", r.str(0)); set("newpath", r.str(1)) })
	sys(265, "linkat", func(r *sysRec, set setter) {
		set("olddir", r.fd(0))
		set("oldpath", r.str(1))
		set("newdir", r.fd(2))
		set("newpath", r.str(3))
		set("flags", r.u32(4))
	})
	sys(88, "symlink", func(r *sysRec, set setter) { set("target", r.str(0)); set("linkpath", r.str(1)) })
	sys(266, "symlinkat", func(r *sysRec, set setter) {
		set("target", r.str(0))
		set("linkdirfd", r.fd(1))
		set("linkpath", r.str(2))
	})
	sys(105, "setuid", func(r *sysRec, set setter) { set("uid", r.u32(0)) })
	sys(106, "setgid", func(r *sysRec, set setter) { set("gid", r.u32(0)) })
	sys(113, "setreuid", func(r *sysRec, set setter) { set("ruid", r.u32(0)); set("euid", r.u32(1)) })
	sys(114, "setregid", func(r *sysRec, set setter) { set("rgid", r.u32(0)); set("egid", r.u32(1)) })
	sys(117, "setresuid", func(r *sysRec, set setter) { set("ruid", r.u32(0)); set("euid", r.u32(1)); set("suid", r.u32(2)) })
	sys(119, "setresgid", func(r *sysRec, set setter) { set("rgid", r.u32(0)); set("egid", r.u32(1)); set("sgid", r.u32(2)) })
	sys(101, "ptrace", func(r *sysRec, set setter) { set("request", r.i32(0)); set("pid", r.i32(1)) })
	sys(319, "memfd_create", func(r *sysRec, set setter) { set("name", r.str(0)); set("flags", r.u32(1)) })
	sys(165, "mount", func(r *sysRec, set setter) {
		set("dev", r.str(0))
		set("dir", r.str(1))
		set("type", r.str(2))
		set("flags", r.int(3))
	})
	sys(166, "umount2", func(r *sysRec, set setter) { set("name", r.str(0)); set("flags", r.u32(1)) })
	sys(175, "init_module", func(r *sysRec, set setter) { set("len", r.int(1)); set("uargs", r.str(2)) })
	sys(313, "finit_module", func(r *sysRec, set setter) { set("fd", r.fd(0)); set("uargs", r.str(1)); set("flags", r.u32(2)) })
	sys(321, "bpf", func(r *sysRec, set setter) { set("cmd", r.i32(0)) })
	sys(308, "setns", func(r *sysRec, set setter) { set("fd", r.fd(0)); set("nstype", r.u32(1)) })
	sys(272, "unshare", func(r *sysRec, set setter) { set("flags", r.u32(0)) })
	sys(323, "userfaultfd", func(r *sysRec, set setter) { set("flags", r.u32(0)) })
	sys(62, "kill", func(r *sysRec, set setter) { set("pid", r.i32(0)); set("sig", r.i32(1)) })
	sys(234, "tgkill", func(r *sysRec, set setter) { set("pid", r.i32(0)); set("tid", r.i32(1)); set("sig", r.i32(2)) })
	sys(425, "io_uring_setup", func(r *sysRec, set setter) {
		set("entries", r.u32(0))
		// The sensor keeps io_uring_params' first six u32 fields as they were at exit.
		if pr := r.blob(blobSockaddr); len(pr) >= 24 {
			for i, name := range []string{"sq_entries", "cq_entries", "flags", "sq_thread_cpu", "sq_thread_idle", "features"} {
				set(name, event.Int(int64(le.Uint32(pr[4*i:]))))
			}
		}
	})
	sys(426, "io_uring_enter", func(r *sysRec, set setter) {
		set("fd", r.fd(0))
		set("to_submit", r.u32(1))
		set("min_complete", r.u32(2))
		set("flags", r.u32(3))
	})
	sys(427, "io_uring_register", func(r *sysRec, set setter) {
		set("fd", r.fd(0))
		set("opcode", r.u32(1))
		set("nr_args", r.u32(3))
	})
}

func decodeSyscall(nr, hf uint32, p []byte, e *event.Event) error {
	if len(p) < sizeSyscall {
		return fmt.Errorf("%w: syscall record of %d bytes", ErrSensorRecord, len(p))
	}
	d, ok := sysTable[nr]
	if !ok {
		return fmt.Errorf("%w: syscall %d", ErrSensorSkip, nr)
	}
	sc := sysScratchPool.Get().(*sysScratch)
	defer sc.release()
	if err := parseBlobs(p[sizeSyscall:], &sc.bl); err != nil {
		return err
	}
	r := &sc.r
	r.ret = int64(le.Uint64(p[32:]))
	for i := range r.args {
		r.args[i] = le.Uint64(p[40+8*i:])
	}
	if hf&hdrFixedFile != 0 {
		// A registered file's index is no descriptor of the process: no fd table entry
		// may be looked up or changed by it.
		r.args[0] = uint64(noFD)
	}
	e.Res = r.ret
	if !d.kind.Valid() {
		return ErrSensorSkip
	}
	e.Kind = d.kind
	e.NArgs = uint8(len(d.kind.Params()))
	sc.e = e
	d.fill(r, sc.set)
	return nil
}

// sysScratch is decodeSyscall's working set. The fill functions are called through func
// values, so whatever they are given escapes: building a sysRec, its blobs and a setter
// closure per record cost three heap allocations (~480 bytes) per syscall event, the most
// of a bundle replay's allocations. Pooled, they are allocated once.
type sysScratch struct {
	r   sysRec
	bl  blobs
	e   *event.Event
	set setter // sc.setArg, bound once
}

var sysScratchPool = sync.Pool{New: func() any {
	sc := new(sysScratch)
	sc.r.bl = &sc.bl
	sc.set = sc.setArg
	return sc
}}

// setArg sets the parameter of the event's kind named name.
func (sc *sysScratch) setArg(name string, a event.Arg) {
	if i := sc.e.Kind.ParamIndex(name); i >= 0 {
		sc.e.Args[i] = a
	}
}

// release clears what points into the record and the event, and returns sc to the pool.
func (sc *sysScratch) release() {
	sc.bl = blobs{}
	sc.e = nil
	sysScratchPool.Put(sc)
}
