package analyze

import (
	"net/netip"

	"saker/event"
)

// Event builders for tests: realistic sequences as a sensor records them.

const (
	tsBase   = uint64(1_764_150_000_000_000_000) // 2025-11-26T09:40:00Z, Unix ns (SliceSource clock)
	minerCID = "3f2a9c1b7d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4"
)

func list(items ...string) event.Arg {
	var b []byte
	for _, s := range items {
		b = event.AppendListItem(b, s)
	}
	return event.Bytes(b)
}

func tuple(proto uint8, local, remote string) event.Arg {
	l, r := netip.MustParseAddrPort(local), netip.MustParseAddrPort(remote)
	fam := uint8(event.AFInet)
	if l.Addr().Is6() {
		fam = event.AFInet6
	}
	return event.Bytes(event.Tuple{Family: fam, Proto: proto, Local: l, Remote: r}.AppendBinary(nil))
}

func sockaddr(ap string) event.Arg {
	a := netip.MustParseAddrPort(ap)
	fam := uint8(event.AFInet)
	if a.Addr().Is6() {
		fam = event.AFInet6
	}
	return event.Bytes(event.Sockaddr{Family: fam, Addr: a}.AppendBinary(nil))
}

// ev builds an event of kind k from thread tid of process pid with args by name; missing
// parameters stay empty.
func ev(ts uint64, k event.Kind, pid, tid uint32, res int64, args map[string]event.Arg) event.Event {
	e := event.Event{TS: tsBase + ts, Kind: k, PID: pid, TID: tid, Res: res}
	ps := k.Params()
	for i, p := range ps {
		if a, ok := args[p.Name]; ok {
			e.Args[i] = a
		}
	}
	e.NArgs = uint8(len(ps))
	return e
}

type A = map[string]event.Arg

// procinfo is a snapshot record of a running process.
func procinfo(pid, ppid uint32, comm, exepath string, args []string, cwd string, uid uint32, cgroups string) event.Event {
	return ev(0, event.KindProcinfo, 0, 0, 0, A{
		"pid": event.Int(int64(pid)), "tid": event.Int(int64(pid)), "ptid": event.Int(int64(ppid)),
		"comm": event.Str(comm), "exe": event.Str(exepath), "exepath": event.Str(exepath),
		"args": list(args...), "cwd": event.Str(cwd), "env": list("PATH=/usr/bin:/bin", "HOME=/root"),
		"uid": event.Int(int64(uid)), "gid": event.Int(int64(uid)), "euid": event.Int(int64(uid)),
		"egid": event.Int(int64(uid)), "loginuid": event.Int(0xffffffff), "vpid": event.Int(int64(pid)),
		"pgid": event.Int(int64(pid)), "vpgid": event.Int(int64(pid)), "sid": event.Int(1),
		"cgroups": event.Str(cgroups), "start_ts": event.Int(int64(tsBase - 1e9)),
	})
}

// execve is a successful execve by pid with the given argv (argv[0] first).
func execve(ts uint64, pid uint32, exepath string, argv []string, flags int64, cgroups string) event.Event {
	comm := exepath[lastSlash(exepath)+1:]
	if len(comm) > 15 {
		comm = comm[:15]
	}
	return ev(ts, event.KindExecve, pid, pid, 0, A{
		"filename": event.Str(exepath), "exe": event.Str(argv[0]), "args": list(argv[1:]...),
		"cwd": event.Str("/root"), "comm": event.Str(comm), "exepath": event.Str(exepath),
		"env": list("PATH=/usr/bin:/bin"), "tid": event.Int(int64(pid)), "pid": event.Int(int64(pid)),
		"vpid": event.Int(int64(pid)), "vtid": event.Int(int64(pid)), "pgid": event.Int(int64(pid)),
		"vpgid": event.Int(int64(pid)), "sid": event.Int(1), "uid": event.Int(0), "euid": event.Int(0),
		"loginuid": event.Int(1000), "cgroups": event.Str(cgroups), "flags": event.Int(flags),
		"cap_permitted": event.Int(0x1ffffffffff), "cap_effective": event.Int(0x1ffffffffff),
	})
}

func fork(ts uint64, pid uint32, child uint32) event.Event {
	return ev(ts, event.KindClone, pid, pid, int64(child), A{
		"flags": event.Int(0x1200011), "child_tid": event.Int(int64(child)), "child_pid": event.Int(int64(child)),
	})
}

func lastSlash(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			return i
		}
	}
	return -1
}

// xmrigLogin is the first line XMRig sends on a pool connection (see corpus/ioc/README.md).
const xmrigLogin = `{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A","pass":"x","agent":"XMRig/6.26.0 (Linux x86_64) libuv/1.48.0 gcc/12.2.0","rigid":""}}` + "\n"

// stratumSubscribe is a Stratum v1 subscribe line as cgminer-style miners send it.
const stratumSubscribe = `{"id":1,"method":"mining.subscribe","params":["cgminer/4.10.0"]}` + "\n"

// withArg returns e with its parameter name set to a.
func withArg(e event.Event, name string, a event.Arg) event.Event {
	if i := e.Kind.ParamIndex(name); i >= 0 {
		e.Args[i] = a
	}
	return e
}
