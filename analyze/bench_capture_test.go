package analyze

import (
	"fmt"
	"math/rand/v2"
	"net/netip"

	"saker/capfile"
	"saker/event"
)

// captureMix writes a synthetic capture bundle of a busy host, for the end-to-end benchmark
// and the peak-memory test: a /proc snapshot of ~300 processes (a few of them in two
// containers), then episodes picked at random among them: files opened, read and closed;
// TCP connections made, used and closed; UDP queries; shells forking short-lived children
// that exec, work and exit; chmods and renames; and rarely a miner or a read of
// /etc/shadow, so that the default and upstream rules fire a little. Live state stays the
// same size however many events are written: every child exits and every fd is closed.
// The stream is a pure function of the seed; neighbouring records of different threads are
// sometimes swapped in the file, as CPUs feeding one ring buffer do, so that the reader's
// reordering has work.
type captureMix struct {
	r       *rand.Rand
	w       *capfile.Writer
	n, max  int
	ts      uint64
	e       event.Event
	buf     []byte
	held    capfile.Record // one record held back to swap with the next
	heldBuf []byte
	heldTID uint32
	hasOne  bool
	err     error

	procs     []mixProc
	nextChild uint32
	tuple     []byte
	payload   []byte
}

// mixProc is a snapshot process episodes run in.
type mixProc struct {
	pid uint32
	mixProgram
	cg string
}

// mixProgram is what a snapshot process runs and what it may do: only some programs talk
// to the network or spawn children, as on a real host (and as Falco's rules expect).
type mixProgram struct {
	comm, exe, cwd string
	uid            int64
	net, spawn     bool
}

var (
	mixContainerIDs = []string{
		"3f2a9c1b7d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4",
		"9d8c7b6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa998877665544",
	}
	mixPrograms = []mixProgram{
		{"bash", "/usr/bin/bash", "/home/dev", 1000, false, true},
		{"node", "/usr/local/bin/node", "/srv/app", 1000, true, true},
		{"python3", "/usr/bin/python3", "/opt/jobs", 1000, true, true},
		{"java", "/usr/lib/jvm/bin/java", "/opt/svc", 1000, true, false},
		{"nginx", "/usr/sbin/nginx", "/var/www", 33, true, false},
		{"postgres", "/usr/lib/postgresql/16/bin/postgres", "/var/lib/postgresql", 999, true, false},
		{"sshd", "/usr/sbin/sshd", "/", 0, false, false},
		{"containerd", "/usr/bin/containerd", "/", 0, false, false},
		{"cron", "/usr/sbin/cron", "/", 0, false, false},
		{"rsyslogd", "/usr/sbin/rsyslogd", "/", 0, false, false},
	}
	mixFiles = []string{"/etc/ld.so.cache", "/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/locale/locale-archive",
		"/proc/self/status", "/var/log/app/access.log", "/usr/share/zoneinfo/UTC", "/etc/passwd",
		"/etc/hosts", "/etc/resolv.conf", "/sys/fs/cgroup/cpu.max", "/srv/app/node_modules/express/index.js",
		"/opt/jobs/job.py", "/var/lib/postgresql/16/main/base/16384/2619"}
	mixRelFiles   = []string{"config.json", "./lib/util.py", "../shared/data.csv", "logs/app.log"}
	mixWriteFiles = []string{"/var/log/app/access.log", "/tmp/build/obj.o", "/srv/app/cache/sessions.db", "/var/lib/app/state.json"}
	mixChildren   = []struct{ exe, comm string }{
		{"/usr/bin/ls", "ls"}, {"/usr/bin/grep", "grep"}, {"/usr/bin/git", "git"},
		{"/usr/bin/curl", "curl"}, {"/usr/bin/sed", "sed"}, {"/usr/bin/cat", "cat"},
	}
	mixServers = []netip.AddrPort{
		netip.MustParseAddrPort("10.0.0.7:5432"), netip.MustParseAddrPort("198.51.100.20:443"),
		netip.MustParseAddrPort("203.0.113.9:443"), netip.MustParseAddrPort("10.0.0.9:6379"),
		netip.MustParseAddrPort("192.0.2.44:80"),
	}
	mixPool = netip.MustParseAddrPort("198.51.100.7:3333")
)

const (
	mixSnapshotProcs = 300
	mixFirstChild    = 40000
	mixChildren2     = 20000 // child pids cycle through mixFirstChild + [0, mixChildren2)
)

// writeCaptureMix writes a bundle of exactly n events to the empty or absent dir.
func writeCaptureMix(dir string, n int, seed uint64) error {
	w, err := capfile.Create(dir, capfile.WriterOptions{SakerVersion: "bench"})
	if err != nil {
		return err
	}
	m := &captureMix{r: rand.New(rand.NewPCG(seed, 2)), w: w, max: n, ts: 5_000_000_000, nextChild: mixFirstChild}
	m.snapshot()
	for m.n < m.max && m.err == nil {
		m.episode()
	}
	m.flushHeld()
	if err := w.Close(); err != nil && m.err == nil {
		m.err = err
	}
	return m.err
}

// emit writes m.e as the next record.
func (m *captureMix) emit() {
	if m.n >= m.max || m.err != nil {
		return
	}
	m.n++
	m.ts += uint64(300 + m.r.IntN(2000))
	m.buf = capfile.AppendEvent(m.buf[:0], &m.e)
	rec := capfile.Record{Type: capfile.RecEvent, Version: capfile.EventVersion, TS: m.ts, Payload: m.buf}
	switch {
	case !m.hasOne:
		m.hold(rec)
		return
	case m.heldTID != m.e.TID && m.r.IntN(20) == 0:
		// The later record reached the ring buffer first.
		m.write(rec)
		return
	}
	m.write(m.held)
	m.hold(rec)
}

// hold keeps a copy of r back (WriteRecord copies what it is given, so one buffer will do).
func (m *captureMix) hold(r capfile.Record) {
	m.heldBuf = append(m.heldBuf[:0], r.Payload...)
	r.Payload = m.heldBuf
	m.held, m.heldTID, m.hasOne = r, m.e.TID, true
}

func (m *captureMix) flushHeld() {
	if m.hasOne {
		m.write(m.held)
		m.hasOne = false
	}
}

func (m *captureMix) write(r capfile.Record) {
	if err := m.w.WriteRecord(r); err != nil && m.err == nil {
		m.err = err
	}
}

// set starts m.e as an event of kind k with every parameter empty.
func (m *captureMix) set(k event.Kind, pid, tid uint32, res int64) {
	m.e.Reset()
	m.e.Kind, m.e.PID, m.e.TID, m.e.Res = k, pid, tid, res
	m.e.CPU = uint16(tid % 2)
	m.e.NArgs = uint8(len(k.Params()))
}

// arg sets the parameter name of m.e.
func (m *captureMix) arg(name string, a event.Arg) {
	i := m.e.Kind.ParamIndex(name)
	if i < 0 {
		panic(fmt.Sprintf("%s has no parameter %s", m.e.Kind, name))
	}
	m.e.Args[i] = a
}

func listArg(items ...string) event.Arg {
	var b []byte
	for _, s := range items {
		b = event.AppendListItem(b, s)
	}
	return event.Bytes(b)
}

func (m *captureMix) snapshot() {
	users := []struct {
		uid        int64
		name, home string
	}{{0, "root", "/root"}, {33, "www-data", "/var/www"}, {1000, "dev", "/home/dev"}, {999, "postgres", "/var/lib/postgresql"}}
	for _, u := range users {
		m.set(event.KindUserinfo, 0, 0, 0)
		m.arg("uid", event.Int(u.uid))
		m.arg("gid", event.Int(u.uid))
		m.arg("name", event.Str(u.name))
		m.arg("home", event.Str(u.home))
		m.arg("shell", event.Str("/bin/bash"))
		m.emit()
	}
	for i, id := range mixContainerIDs {
		m.set(event.KindContainerinfo, 0, 0, 0)
		m.arg("id", event.Str(id))
		m.arg("name", event.Str(fmt.Sprintf("web-%d", i)))
		m.arg("image", event.Str("docker.io/library/node:22"))
		m.arg("labels", listArg("io.kubernetes.pod.name=web-"+fmt.Sprint(i), "io.kubernetes.pod.namespace=shop"))
		m.arg("runtime", event.Str("containerd"))
		m.emit()
	}
	for i := range mixSnapshotProcs {
		pid := uint32(1000 + i)
		ppid := uint32(1)
		if i > 0 {
			ppid = 1000 + uint32(m.r.IntN(i))
		}
		c := mixPrograms[m.r.IntN(len(mixPrograms))]
		p := mixProc{pid: pid, mixProgram: c, cg: "0::/system.slice/" + c.comm + ".service"}
		if i%10 == 9 {
			p.cg = "0::/system.slice/docker-" + mixContainerIDs[i%20/10] + ".scope"
		}
		m.procs = append(m.procs, p)
		m.set(event.KindProcinfo, 0, 0, 0)
		m.arg("pid", event.Int(int64(pid)))
		m.arg("tid", event.Int(int64(pid)))
		m.arg("ptid", event.Int(int64(ppid)))
		m.arg("comm", event.Str(c.comm))
		m.arg("exe", event.Str(c.exe))
		m.arg("exepath", event.Str(c.exe))
		m.arg("args", listArg("--port", fmt.Sprint(8000+i)))
		m.arg("cwd", event.Str(c.cwd))
		m.arg("env", listArg("PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/root", "LANG=C.UTF-8"))
		for _, k := range []string{"uid", "gid", "euid", "egid"} {
			m.arg(k, event.Int(c.uid))
		}
		m.arg("loginuid", event.Int(0xffffffff))
		m.arg("vpid", event.Int(int64(pid)))
		m.arg("vtid", event.Int(int64(pid)))
		m.arg("pgid", event.Int(int64(pid)))
		m.arg("vpgid", event.Int(int64(pid)))
		m.arg("sid", event.Int(int64(pid)))
		m.arg("cgroups", event.Str(p.cg))
		m.arg("start_ts", event.Int(1_000_000_000))
		m.emit()
		// Every process has its log open.
		m.set(event.KindFdinfo, 0, 0, 0)
		m.arg("pid", event.Int(int64(pid)))
		m.arg("fd", event.Int(2))
		m.arg("type", event.Int(event.FDFile))
		m.arg("name", event.Str("/var/log/"+c.comm+".log"))
		m.arg("flags", event.Int(1))
		m.emit()
	}
}

// episode emits one activity of a random snapshot process.
func (m *captureMix) episode() {
	p := &m.procs[m.r.IntN(len(m.procs))]
	switch w := m.r.IntN(10000); {
	case w < 5200:
		m.fileEpisode(p.pid, p.cwd)
	case w < 8000 && p.net:
		m.tcpEpisode(p.pid, mixServers[m.r.IntN(len(mixServers))], []byte("GET / HTTP/1.1\r\nHost: api\r\n\r\n"))
	case w < 9000 && p.net:
		m.udpEpisode(p.pid)
	case w < 9600 && p.spawn:
		m.spawnEpisode(p)
	case w < 9750:
		m.chmod(p.pid, p.cwd)
	case w < 9900:
		m.rename(p.pid)
	case w < 9915:
		m.rare(p)
	default:
		m.fileEpisode(p.pid, p.cwd)
	}
}

func (m *captureMix) fileEpisode(pid uint32, cwd string) {
	path := mixFiles[m.r.IntN(len(mixFiles))]
	if m.r.IntN(5) == 0 {
		path = mixRelFiles[m.r.IntN(len(mixRelFiles))]
	}
	fd := int64(3 + m.r.IntN(8))
	flags := int64(0o2000000) // O_RDONLY|O_CLOEXEC
	if m.r.IntN(6) == 0 {
		flags = 0o2001101 // O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC
		path = mixWriteFiles[m.r.IntN(len(mixWriteFiles))]
	}
	m.set(event.KindOpenat, pid, pid, fd)
	m.arg("dirfd", event.Int(atFDCWD))
	m.arg("name", event.Str(path))
	m.arg("flags", event.Int(flags))
	m.arg("mode", event.Int(0o644))
	m.arg("dev", event.Int(2049))
	m.arg("ino", event.Int(int64(m.r.IntN(1<<22))))
	m.emit()
	for range 1 + m.r.IntN(3) {
		k := event.KindRead
		if flags&oAccMode != 0 {
			k = event.KindWrite
		}
		m.set(k, pid, pid, 512)
		m.arg("fd", event.Int(fd))
		m.arg("size", event.Int(512))
		m.arg("data", event.Str("line of text read or written by a process\n"))
		m.emit()
	}
	m.set(event.KindClose, pid, pid, 0)
	m.arg("fd", event.Int(fd))
	m.emit()
}

func (m *captureMix) tcpEpisode(pid uint32, server netip.AddrPort, payload []byte) {
	fd := int64(20 + m.r.IntN(8))
	m.set(event.KindSocket, pid, pid, fd)
	m.arg("domain", event.Int(event.AFInet))
	m.arg("type", event.Int(sockStream|sockCloexec))
	m.emit()
	local := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, 5}), uint16(32768+m.r.IntN(28000)))
	t := event.Tuple{Family: event.AFInet, Proto: event.ProtoTCP, Local: local, Remote: server}
	m.tuple = t.AppendBinary(m.tuple[:0])
	m.set(event.KindConnect, pid, pid, 0)
	m.arg("fd", event.Int(fd))
	m.arg("addr", event.Bytes(event.Sockaddr{Family: event.AFInet, Addr: server}.AppendBinary(nil)))
	m.arg("tuple", event.Bytes(m.tuple))
	m.emit()
	for range 1 + m.r.IntN(3) {
		m.set(event.KindSendto, pid, pid, int64(len(payload)))
		m.arg("fd", event.Int(fd))
		m.arg("size", event.Int(int64(len(payload))))
		m.arg("data", event.Bytes(payload))
		m.arg("tuple", event.Bytes(m.tuple))
		m.emit()
		m.set(event.KindRecvfrom, pid, pid, 96)
		m.arg("fd", event.Int(fd))
		m.arg("size", event.Int(4096))
		m.arg("data", event.Str(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"ok":true}`))
		m.arg("tuple", event.Bytes(m.tuple))
		m.emit()
	}
	m.set(event.KindClose, pid, pid, 0)
	m.arg("fd", event.Int(fd))
	m.emit()
}

func (m *captureMix) udpEpisode(pid uint32) {
	fd := int64(30 + m.r.IntN(4))
	m.set(event.KindSocket, pid, pid, fd)
	m.arg("domain", event.Int(event.AFInet))
	m.arg("type", event.Int(sockDgram))
	m.emit()
	t := event.Tuple{Family: event.AFInet, Proto: event.ProtoUDP,
		Local:  netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, 5}), uint16(32768+m.r.IntN(28000))),
		Remote: netip.MustParseAddrPort("10.0.0.2:53")}
	m.tuple = t.AppendBinary(m.tuple[:0])
	m.set(event.KindSendto, pid, pid, 40)
	m.arg("fd", event.Int(fd))
	m.arg("size", event.Int(40))
	m.arg("data", event.Str("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03api\x07example\x03com\x00\x00\x01\x00\x01"))
	m.arg("tuple", event.Bytes(m.tuple))
	m.emit()
	m.set(event.KindRecvfrom, pid, pid, 56)
	m.arg("fd", event.Int(fd))
	m.arg("size", event.Int(512))
	m.arg("tuple", event.Bytes(m.tuple))
	m.emit()
	m.set(event.KindClose, pid, pid, 0)
	m.arg("fd", event.Int(fd))
	m.emit()
}

// spawnEpisode forks a child of p that execs a tool, opens a file or two and exits.
func (m *captureMix) spawnEpisode(p *mixProc) {
	c := mixChildren[m.r.IntN(len(mixChildren))]
	child := m.fork(p)
	m.execve(p, child, c.exe, c.comm, []string{c.comm, "-q", "--color=never", fmt.Sprint(m.r.IntN(1000))}, 0)
	for range m.r.IntN(3) {
		m.fileEpisode(child, p.cwd)
	}
	m.exit(child)
}

func (m *captureMix) fork(p *mixProc) uint32 {
	child := m.nextChild
	m.nextChild++
	if m.nextChild >= mixFirstChild+mixChildren2 {
		m.nextChild = mixFirstChild
	}
	m.set(event.KindClone, p.pid, p.pid, int64(child))
	m.arg("flags", event.Int(0x1200011)) // CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID|SIGCHLD
	m.arg("child_tid", event.Int(int64(child)))
	m.arg("child_pid", event.Int(int64(child)))
	m.arg("comm", event.Str(p.comm))
	m.emit()
	return child
}

func (m *captureMix) execve(p *mixProc, pid uint32, exe, comm string, argv []string, flags int64) {
	m.set(event.KindExecve, pid, pid, 0)
	m.arg("filename", event.Str(exe))
	m.arg("exe", event.Str(argv[0]))
	m.arg("args", listArg(argv[1:]...))
	m.arg("cwd", event.Str(p.cwd))
	m.arg("comm", event.Str(comm))
	m.arg("exepath", event.Str(exe))
	m.arg("env", listArg("PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/root", "LANG=C.UTF-8", "TERM=xterm"))
	for _, k := range []string{"tid", "pid", "vtid", "vpid", "pgid", "vpgid"} {
		m.arg(k, event.Int(int64(pid)))
	}
	m.arg("ptid", event.Int(int64(p.pid)))
	m.arg("sid", event.Int(int64(p.pid)))
	for _, k := range []string{"uid", "gid", "euid", "egid"} {
		m.arg(k, event.Int(p.uid))
	}
	m.arg("loginuid", event.Int(1000))
	m.arg("cgroups", event.Str(p.cg))
	m.arg("flags", event.Int(flags))
	m.arg("cap_permitted", event.Int(0x1ffffffffff))
	m.arg("cap_effective", event.Int(0))
	m.emit()
}

func (m *captureMix) exit(pid uint32) {
	m.set(event.KindProcexit, pid, pid, 0)
	m.emit()
}

func (m *captureMix) chmod(pid uint32, cwd string) {
	m.set(event.KindChmod, pid, pid, 0)
	m.arg("filename", event.Str(cwd+"/out/report.txt"))
	m.arg("mode", event.Int(0o644))
	m.emit()
}

func (m *captureMix) rename(pid uint32) {
	m.set(event.KindRenameat2, pid, pid, 0)
	m.arg("olddirfd", event.Int(atFDCWD))
	m.arg("oldpath", event.Str("/var/log/app/access.log"))
	m.arg("newdirfd", event.Int(atFDCWD))
	m.arg("newpath", event.Str("/var/log/app/access.log.1"))
	m.emit()
}

// rare emits what rules are for: a miner started from /tmp that logs in to a pool, a setuid
// chmod, a shell reading /etc/shadow, a binary written and made executable in a container.
func (m *captureMix) rare(p *mixProc) {
	switch m.r.IntN(4) {
	case 0:
		child := m.fork(p)
		m.execve(p, child, "/tmp/.x1mr/xmrig", "xmrig",
			[]string{"./xmrig", "-o", "stratum+tcp://pool.example.net:3333", "--donate-level=1"}, event.ExeWritable)
		m.tcpEpisode(child, mixPool, []byte(xmrigLogin))
		m.exit(child)
	case 1:
		m.set(event.KindChmod, p.pid, p.pid, 0)
		m.arg("filename", event.Str("/tmp/.cache/helper"))
		m.arg("mode", event.Int(0o4755))
		m.emit()
	case 2:
		child := m.fork(p)
		m.execve(p, child, "/usr/bin/cat", "cat", []string{"cat", "/etc/shadow"}, 0)
		m.set(event.KindOpenat, child, child, 3)
		m.arg("dirfd", event.Int(atFDCWD))
		m.arg("name", event.Str("/etc/shadow"))
		m.arg("flags", event.Int(0))
		m.emit()
		m.set(event.KindClose, child, child, 0)
		m.arg("fd", event.Int(3))
		m.emit()
		m.exit(child)
	default:
		m.set(event.KindOpenat, p.pid, p.pid, 9)
		m.arg("dirfd", event.Int(atFDCWD))
		m.arg("name", event.Str("/tmp/kinsing"))
		m.arg("flags", event.Int(0o1101))
		m.arg("mode", event.Int(0o755))
		m.emit()
		m.set(event.KindClose, p.pid, p.pid, 0)
		m.arg("fd", event.Int(9))
		m.emit()
	}
}
