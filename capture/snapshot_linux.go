//go:build linux

package capture

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"

	"saker/capfile"
	"saker/cgroups"
	"saker/event"
)

// snapshotWriter writes snapshot events as capfile.RecEvent records stamped with one time.
type snapshotWriter struct {
	typ capfile.RecordType // RecEvent when zero
	w   *capfile.Writer
	ts  uint64
	buf []byte
	e   event.Event
	n   *atomic.Uint64
}

// noExe is the exe callback of writeSnapshot that hashes nothing.
func noExe(int, uint64, string) {}

func (s *snapshotWriter) emit(kind string, args map[string]event.Arg) error {
	k, ok := event.KindByName(kind)
	if !ok {
		return fmt.Errorf("schema has no kind %s", kind)
	}
	s.e = event.Event{TS: s.ts, Kind: k, NArgs: uint8(len(k.Params()))}
	for name, a := range args {
		if i := k.ParamIndex(name); i >= 0 {
			s.e.Args[i] = a
		}
	}
	s.buf = capfile.AppendEvent(s.buf[:0], &s.e)
	typ := s.typ
	if typ == 0 {
		typ = capfile.RecEvent
	}
	if err := s.w.WriteRecord(capfile.Record{Type: typ, Version: capfile.EventVersion, TS: s.ts, Payload: s.buf}); err != nil {
		return err
	}
	s.n.Add(1)
	return nil
}

// writeSnapshot records users, groups, every process with its open fds and environment, and
// the containers seen in cgroup paths, with what the runtimes say of them (see
// containerMeta.args). Processes that exit while it runs are skipped. Every record is
// stamped ts. exe is called with every process that has an executable, for its hash.
func writeSnapshot(ctx context.Context, w *capfile.Writer, ts uint64, n *atomic.Uint64, meta *containerMeta,
	exe func(pid int, ts uint64, comm string)) error {
	return (&snapshotWriter{w: w, ts: ts, n: n}).write(ctx, meta, exe)
}

// writeState records what writeSnapshot does as RecState records: the state a flight
// recorder's new segment replays from.
func writeState(ctx context.Context, w *capfile.Writer, ts uint64, n *atomic.Uint64, meta *containerMeta) error {
	return (&snapshotWriter{typ: capfile.RecState, w: w, ts: ts, n: n}).write(ctx, meta, noExe)
}

func (s *snapshotWriter) write(ctx context.Context, meta *containerMeta, exe func(pid int, ts uint64, comm string)) error {
	ts := s.ts
	if err := s.users("/etc/passwd"); err != nil {
		return err
	}
	if err := s.groups("/etc/group"); err != nil {
		return err
	}
	// Socket tables are per network namespace: read them once per namespace, through the
	// first process seen in it, so that containers' and pods' sockets get their tuples.
	hostNS := netnsOf("self")
	nsSocks := map[string]map[uint64]sockInfo{hostNS: readSockets("/proc/net")}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return err
	}
	containers := map[string]cgroups.Ref{}
	self := os.Getpid()
	for _, d := range ents {
		pid, err := strconv.Atoi(d.Name())
		if err != nil || pid == self {
			continue
		}
		p, ok := readProc(pid)
		if !ok {
			continue
		}
		if ref := cgroups.Parse(p.cgroup); ref.ID != "" {
			containers[ref.ID] = ref
		}
		args := p.args()
		if err := s.emit("procinfo", args); err != nil {
			return err
		}
		if p.exe != "" {
			exe(pid, ts, p.comm)
		}
		if err := s.threads(pid, p, args); err != nil {
			return err
		}
		ns := netnsOf(d.Name())
		socks, ok := nsSocks[ns]
		if !ok {
			socks = readSockets(filepath.Join("/proc", d.Name(), "net"))
			nsSocks[ns] = socks
		}
		if err := s.fds(pid, socks); err != nil {
			return err
		}
	}
	return s.containers(ctx, containers, meta)
}

// netnsOf names the network namespace of a /proc entry ("self" or a pid) by its link target,
// e.g. "net:[4026531840]"; "" when it cannot be read (the process exited, or no permission),
// which groups such processes with each other rather than with the host.
func netnsOf(pid string) string {
	t, err := os.Readlink(filepath.Join("/proc", pid, "ns", "net"))
	if err != nil {
		return ""
	}
	return t
}

// threads records the other threads of pid as procinfo records of their own tid, so that
// events of threads that started before the capture find their process.
func (s *snapshotWriter) threads(pid int, p proc, args map[string]event.Arg) error {
	ents, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	if err != nil {
		return nil
	}
	for _, d := range ents {
		tid, err := strconv.Atoi(d.Name())
		if err != nil || tid == pid {
			continue
		}
		args["tid"] = event.Int(int64(tid))
		if p.vpid == p.pid {
			args["vtid"] = event.Int(int64(tid))
		} else {
			delete(args, "vtid") // unknown without reading the thread's status
		}
		if err := s.emit("procinfo", args); err != nil {
			return err
		}
	}
	return nil
}

func (s *snapshotWriter) users(path string) error {
	return eachLine(path, func(f []string) error {
		if len(f) < 7 {
			return nil
		}
		uid, _ := strconv.ParseInt(f[2], 10, 64)
		gid, _ := strconv.ParseInt(f[3], 10, 64)
		return s.emit("userinfo", map[string]event.Arg{"uid": event.Int(uid), "gid": event.Int(gid),
			"name": event.Str(f[0]), "home": event.Str(f[5]), "shell": event.Str(f[6])})
	})
}

func (s *snapshotWriter) groups(path string) error {
	return eachLine(path, func(f []string) error {
		if len(f) < 3 {
			return nil
		}
		gid, _ := strconv.ParseInt(f[2], 10, 64)
		return s.emit("groupinfo", map[string]event.Arg{"gid": event.Int(gid), "name": event.Str(f[0])})
	})
}

// eachLine calls fn with the colon-separated fields of each line; a missing file is no error.
func eachLine(path string, fn func([]string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		if err := fn(strings.Split(line, ":")); err != nil {
			return err
		}
	}
	return sc.Err()
}

// proc is what /proc says about one process.
type proc struct {
	pid, ppid, pgid, sid, tty int64
	start                     uint64 // CLOCK_BOOTTIME ns, to the clock tick
	comm, exe, cwd, cgroup    string
	argv, env                 []byte
	uid, euid, gid, egid      int64
	loginuid                  int64
	vpid                      int64
	capPrm, capEff            int64
	exeCtime, exeMtime        int64
}

func readProc(pid int) (proc, bool) {
	dir := "/proc/" + strconv.Itoa(pid)
	stat, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return proc{}, false
	}
	p := proc{pid: int64(pid), vpid: int64(pid)}
	// comm is in parentheses and may hold spaces: fields start after the last ')'.
	lp, rp := bytes.IndexByte(stat, '('), bytes.LastIndexByte(stat, ')')
	if lp < 0 || rp < lp {
		return proc{}, false
	}
	p.comm = string(stat[lp+1 : rp])
	f := strings.Fields(string(stat[rp+1:]))
	if len(f) < 20 {
		return proc{}, false
	}
	p.ppid, _ = strconv.ParseInt(f[1], 10, 64)
	p.pgid, _ = strconv.ParseInt(f[2], 10, 64)
	p.sid, _ = strconv.ParseInt(f[3], 10, 64)
	p.tty, _ = strconv.ParseInt(f[4], 10, 64)
	ticks, _ := strconv.ParseUint(f[19], 10, 64) // clock ticks after boot
	p.start = ticksToNS(ticks)
	p.argv, _ = os.ReadFile(dir + "/cmdline")
	p.env = readEnv(dir + "/environ")
	p.exe, _ = os.Readlink(dir + "/exe")
	p.cwd, _ = os.Readlink(dir + "/cwd")
	if fi, err := os.Stat(dir + "/exe"); err == nil {
		p.exeMtime = fi.ModTime().UnixNano()
		if st, ok := statCtime(fi); ok {
			p.exeCtime = st
		}
	}
	if b, err := os.ReadFile(dir + "/loginuid"); err == nil {
		p.loginuid, _ = strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	}
	if b, err := os.ReadFile(dir + "/cgroup"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(l, "0::"); ok {
				p.cgroup = rest
			}
		}
		if p.cgroup == "" {
			// A cgroup v1 host has no unified line: take the hierarchy naming a container
			// (runtimes give a container one path in every hierarchy).
			for _, l := range strings.Split(string(b), "\n") {
				if _, path, ok := strings.Cut(l[strings.IndexByte(l, ':')+1:], ":"); ok && cgroups.Parse(path).ID != "" {
					p.cgroup = path
					break
				}
			}
		}
	}
	if b, err := os.ReadFile(dir + "/status"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			k, v, _ := strings.Cut(l, ":")
			fs := strings.Fields(v)
			switch {
			case k == "Uid" && len(fs) >= 2:
				p.uid, _ = strconv.ParseInt(fs[0], 10, 64)
				p.euid, _ = strconv.ParseInt(fs[1], 10, 64)
			case k == "Gid" && len(fs) >= 2:
				p.gid, _ = strconv.ParseInt(fs[0], 10, 64)
				p.egid, _ = strconv.ParseInt(fs[1], 10, 64)
			case k == "NSpid" && len(fs) > 0:
				p.vpid, _ = strconv.ParseInt(fs[len(fs)-1], 10, 64)
			case k == "CapPrm" && len(fs) == 1:
				p.capPrm, _ = strconv.ParseInt(fs[0], 16, 64)
			case k == "CapEff" && len(fs) == 1:
				p.capEff, _ = strconv.ParseInt(fs[0], 16, 64)
			}
		}
	}
	return p, true
}

// maxEnv is how much of a process's environment the snapshot keeps: as much as the sensor
// keeps at exec (MAX_ENV in bpf/sensor.bpf.c), so that a rule sees the same either way.
const maxEnv = 4096

// readEnv returns the first maxEnv bytes of an environ file as a NUL-terminated list; an
// environment cut inside an item keeps the item's start. Nil when it cannot be read: a
// kernel thread, an exited process, or no permission.
func readEnv(path string) []byte {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, maxEnv))
	if len(b) > 0 && b[len(b)-1] != 0 {
		b = append(b, 0)
	}
	return b
}

func (p proc) args() map[string]event.Arg {
	argv0, rest := p.argv, []byte(nil)
	if i := bytes.IndexByte(p.argv, 0); i >= 0 {
		argv0, rest = p.argv[:i], p.argv[i+1:]
	}
	var flags int64
	if strings.HasPrefix(p.exe, "/memfd:") {
		flags |= event.ExeFromMemfd
	}
	return map[string]event.Arg{
		"pid": event.Int(p.pid), "tid": event.Int(p.pid), "ptid": event.Int(p.ppid),
		"comm": event.Str(p.comm), "exe": event.Bytes(argv0), "exepath": event.Str(p.exe),
		"args": event.Bytes(rest), "cwd": event.Str(p.cwd), "env": event.Bytes(p.env),
		"uid": event.Int(p.uid), "gid": event.Int(p.gid), "euid": event.Int(p.euid), "egid": event.Int(p.egid),
		"loginuid": event.Int(p.loginuid), "tty": event.Int(p.tty),
		"vpid": event.Int(p.vpid), "vtid": event.Int(p.vpid), "pgid": event.Int(p.pgid), "vpgid": event.Int(p.pgid),
		"sid": event.Int(p.sid), "cgroups": event.Str(p.cgroup), "start_ts": event.Int(int64(p.start)),
		"flags": event.Int(flags), "cap_permitted": event.Int(p.capPrm), "cap_effective": event.Int(p.capEff),
		"exe_ino_ctime": event.Int(p.exeCtime), "exe_ino_mtime": event.Int(p.exeMtime),
	}
}

// fds records the open file descriptors of pid.
func (s *snapshotWriter) fds(pid int, socks map[uint64]sockInfo) error {
	dir := "/proc/" + strconv.Itoa(pid) + "/fd"
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil // exited, or a kernel thread
	}
	for _, d := range ents {
		fd, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		target, err := os.Readlink(filepath.Join(dir, d.Name()))
		if err != nil {
			continue
		}
		args := map[string]event.Arg{"pid": event.Int(int64(pid)), "fd": event.Int(int64(fd)),
			"name": event.Str(target)}
		typ, ino := fdType(target)
		if typ == event.FDFile {
			if fi, err := os.Stat(target); err == nil && fi.IsDir() {
				typ = event.FDDirectory
			}
		}
		if ino != 0 {
			args["ino"] = event.Int(int64(ino))
			if si, ok := socks[ino]; ok {
				typ = si.typ
				args["tuple"] = event.Bytes(si.tuple.AppendBinary(nil))
				if si.typ == event.FDUnix {
					args["name"] = event.Bytes(si.tuple.Path)
				}
			}
		}
		args["type"] = event.Int(int64(typ))
		if fl, ok := fdFlags(pid, fd); ok {
			args["flags"] = event.Int(fl)
		}
		if err := s.emit("fdinfo", args); err != nil {
			return err
		}
	}
	return nil
}

func fdFlags(pid, fd int) (int64, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/fdinfo/%d", pid, fd))
	if err != nil {
		return 0, false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "flags:"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 8, 64)
			return n, err == nil
		}
	}
	return 0, false
}

// fdType classifies a /proc/PID/fd link target and returns the inode of sockets and pipes.
func fdType(target string) (typ int, ino uint64) {
	inode := func(prefix string) uint64 {
		n, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(target, prefix), "]"), 10, 64)
		return n
	}
	switch {
	case strings.HasPrefix(target, "socket:["):
		return event.FDUnix, inode("socket:[")
	case strings.HasPrefix(target, "pipe:["):
		return event.FDPipe, inode("pipe:[")
	case strings.HasPrefix(target, "/memfd:"):
		return event.FDMemfd, 0
	case strings.HasPrefix(target, "anon_inode:"):
		switch strings.Trim(strings.TrimPrefix(target, "anon_inode:"), "[]") {
		case "eventpoll":
			return event.FDEventpoll, 0
		case "eventfd":
			return event.FDEvent, 0
		case "signalfd":
			return event.FDSignalfd, 0
		case "inotify":
			return event.FDInotify, 0
		case "timerfd":
			return event.FDTimerfd, 0
		case "bpf-map", "bpf-prog", "bpf_link":
			return event.FDBPF, 0
		case "userfaultfd":
			return event.FDUserfaultfd, 0
		case "io_uring":
			return event.FDIOUring, 0
		case "pidfd":
			return event.FDPidfd, 0
		}
		return event.FDFile, 0
	}
	return event.FDFile, 0
}
