package analyze

import (
	"net/netip"
	"strings"
	"testing"

	"saker/event"
	"saker/rules"
)

// replayState feeds evs to a fresh State and returns it with a provider, leaving the last
// event current.
func replayState(t *testing.T, hooks Hooks, evs ...event.Event) (*State, *Provider, *event.Event) {
	t.Helper()
	s := NewState(event.UnixClock{}, nil, hooks)
	var last *event.Event
	for i := range evs {
		e := &evs[i]
		if e.Num == 0 {
			e.Num = uint64(i + 1)
		}
		s.Update(e)
		last = e
	}
	return s, NewProvider(s), last
}

// fieldText renders a field's value for assertions: "<NA>" when missing, lists joined by ",".
func fieldText(t *testing.T, p *Provider, e *event.Event, name, arg string) string {
	t.Helper()
	x, err := p.Field(SourceSyscall, name, arg)
	if err != nil {
		t.Fatalf("field %s[%s]: %v", name, arg, err)
	}
	switch x.Type {
	case rules.FieldString, rules.FieldBytes:
		v, ok := x.Str(e)
		if !ok {
			return "<NA>"
		}
		return string(v)
	case rules.FieldIP:
		v, ok := x.IP(e)
		if !ok {
			return "<NA>"
		}
		return v.String()
	case rules.FieldStrings:
		v, ok := x.List(e, nil)
		if !ok {
			return "<NA>"
		}
		var parts []string
		for _, b := range v {
			parts = append(parts, string(b))
		}
		return strings.Join(parts, ",")
	case rules.FieldBool:
		v, ok := x.Int(e)
		if !ok {
			return "<NA>"
		}
		if v != 0 {
			return "true"
		}
		return "false"
	default:
		v, ok := x.Int(e)
		if !ok {
			return "<NA>"
		}
		return itoa(v)
	}
}

func itoa(v int64) string {
	if v == 0 {
		return "0"
	}
	neg := v < 0
	if neg {
		v = -v
	}
	var b []byte
	for v > 0 {
		b = append([]byte{byte('0' + v%10)}, b...)
		v /= 10
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}

type want struct{ field, arg, val string }

func checkFields(t *testing.T, p *Provider, e *event.Event, ws []want) {
	t.Helper()
	for _, w := range ws {
		if got := fieldText(t, p, e, w.field, w.arg); got != w.val {
			t.Errorf("%s[%s] = %q, want %q", w.field, w.arg, got, w.val)
		}
	}
}

const dockerCgroup = "0::/system.slice/docker-" + minerCID + ".scope"

func TestForkExecAncestry(t *testing.T) {
	evs := []event.Event{
		procinfo(1, 0, "systemd", "/usr/lib/systemd/systemd", nil, "/", 0, "0::/init.scope"),
		procinfo(800, 1, "sshd", "/usr/sbin/sshd", []string{"-D"}, "/", 0, "0::/system.slice/ssh.service"),
		procinfo(900, 800, "bash", "/usr/bin/bash", nil, "/root", 0, "0::/user.slice"),
		fork(10, 900, 901),
		execve(20, 901, "/usr/bin/curl", []string{"curl", "-s", "http://x/a.sh"}, 0, "0::/user.slice"),
		fork(30, 900, 902),
		execve(40, 902, "/tmp/.x1mr/xmrig", []string{"./xmrig", "-o", "stratum+tcp://pool.supportxmr.com:3333"}, event.ExeWritable, "0::/user.slice"),
	}
	s, p, last := replayState(t, Hooks{}, evs...)
	checkFields(t, p, last, []want{
		{"proc.name", "", "xmrig"},
		{"proc.exe", "", "./xmrig"},
		{"proc.exepath", "", "/tmp/.x1mr/xmrig"},
		{"proc.cmdline", "", "xmrig -o stratum+tcp://pool.supportxmr.com:3333"},
		{"proc.args", "", "-o stratum+tcp://pool.supportxmr.com:3333"},
		{"proc.pname", "", "bash"},
		{"proc.pexepath", "", "/usr/bin/bash"},
		{"proc.aname", "2", "sshd"},
		{"proc.aname", "3", "systemd"},
		{"proc.aname", "4", "<NA>"},
		{"proc.aname", "", "bash,sshd,systemd"},
		{"proc.aexepath", "2", "/usr/sbin/sshd"},
		{"proc.ppid", "", "900"},
		{"proc.pid", "", "902"},
		{"proc.cwd", "", "/root/"},
		{"proc.sname", "", "systemd"},
		{"proc.duration", "", "10"},
		{"proc.is_exe_writable", "", "true"},
		{"proc.is_exe_upper_layer", "", "false"},
		{"user.uid", "", "0"},
		{"user.name", "", "root"},
		{"user.loginuid", "", "1000"},
		{"container.id", "", "host"},
		{"evt.type", "", "execve"},
		{"evt.res", "", "SUCCESS"},
		{"evt.arg.flags", "", "EXE_WRITABLE"},
		{"thread.cap_effective", "", strings.Join(capNames[:], " ")},
	})
	// Exit of the parent keeps it resolvable as an ancestor.
	exit := ev(50, event.KindProcexit, 900, 900, 0, nil)
	s.Update(&exit)
	s.Finish()
	if s.Process(900) != nil {
		t.Fatal("bash still live after exit")
	}
	nop := ev(60, event.KindClose, 902, 902, 0, A{"fd": event.Int(99)})
	s.Update(&nop)
	checkFields(t, p, &nop, []want{{"proc.pname", "", "bash"}, {"proc.aname", "2", "sshd"}})
}

func TestThreadsShareProcess(t *testing.T) {
	evs := []event.Event{
		procinfo(100, 1, "xmrig", "/opt/xmrig", nil, "/", 0, ""),
		ev(1, event.KindClone, 100, 100, 101, A{"flags": event.Int(cloneThread | cloneFiles | 0x100), "child_tid": event.Int(101), "child_pid": event.Int(100)}),
		ev(2, event.KindOpen, 100, 101, 5, A{"name": event.Str("/proc/sys/vm/nr_hugepages"), "flags": event.Int(1)}),
	}
	s, p, last := replayState(t, Hooks{}, evs...)
	checkFields(t, p, last, []want{{"proc.pid", "", "100"}, {"thread.tid", "", "101"}, {"fd.name", "", "/proc/sys/vm/nr_hugepages"}})
	if s.Process(101) != s.Process(100) {
		t.Fatal("thread has its own process")
	}
	if s.Process(100).FDs.get(5) == nil {
		t.Fatal("thread's fd not in the group's table")
	}
	// The thread exits: the process lives on.
	ex := ev(3, event.KindProcexit, 100, 101, 0, nil)
	s.Update(&ex)
	s.Finish()
	if s.Process(100) == nil || s.Process(101) != nil {
		t.Fatal("thread exit handled wrong")
	}
}

func TestFDTable(t *testing.T) {
	evs := []event.Event{
		procinfo(200, 1, "sh", "/bin/sh", nil, "/var/tmp", 0, ""),
		ev(1, event.KindOpenat, 200, 200, 3, A{"dirfd": event.Int(atFDCWD), "name": event.Str("../tmp/./x"), "flags": event.Int(0o2000101), "mode": event.Int(0o755)}),
		ev(2, event.KindDup2, 200, 200, 7, A{"oldfd": event.Int(3), "newfd": event.Int(7)}),
		ev(3, event.KindFcntl, 200, 200, 10, A{"fd": event.Int(7), "cmd": event.Int(fcntlDupFDCx), "arg": event.Int(10)}),
		ev(4, event.KindClose, 200, 200, 0, A{"fd": event.Int(7)}),
	}
	s, p, last := replayState(t, Hooks{}, evs...)
	// The close event still sees the fd it closes.
	checkFields(t, p, last, []want{{"fd.name", "", "/var/tmp/x"}, {"fd.num", "", "7"}, {"fd.directory", "", "/var/tmp"}, {"fd.filename", "", "x"}, {"fd.typechar", "", "f"}})
	s.Finish()
	tbl := s.Process(200).FDs
	if tbl.get(7) != nil || tbl.get(3) == nil || tbl.get(10) == nil {
		t.Fatalf("after close: fds %v", tbl.fds)
	}
	if tbl.get(3).Flags&oCloexec == 0 || tbl.get(10).Flags&oCloexec == 0 {
		t.Fatal("cloexec flags lost")
	}
	// openat with a directory fd.
	d := ev(5, event.KindOpenat, 200, 200, 4, A{"dirfd": event.Int(-100), "name": event.Str("/etc"), "flags": event.Int(oDirectory)})
	s.Update(&d)
	o := ev(6, event.KindOpenat, 200, 200, 5, A{"dirfd": event.Int(4), "name": event.Str("cron.d/miner"), "flags": event.Int(0o101)})
	s.Update(&o)
	checkFields(t, p, &o, []want{{"fd.name", "", "/etc/cron.d/miner"}, {"fd.nameraw", "", "cron.d/miner"}, {"evt.is_open_write", "", "true"}, {"evt.is_open_read", "", "false"}})
	// execve closes the close-on-exec fds only.
	x := execve(7, 200, "/bin/true", []string{"true"}, 0, "")
	s.Update(&x)
	if tbl.get(3) != nil || tbl.get(10) != nil || tbl.get(4) == nil {
		t.Fatalf("after execve: fds %v", tbl.fds)
	}
	// A forked child has its own copy.
	f := fork(8, 200, 201)
	s.Update(&f)
	c := ev(9, event.KindClose, 201, 201, 0, A{"fd": event.Int(4)})
	s.Update(&c)
	s.Finish()
	if s.Process(201).FDs.get(4) != nil || tbl.get(4) == nil {
		t.Fatal("fork shares the fd table")
	}
}

func TestSocketRoles(t *testing.T) {
	var conns []*ConnRecord
	evs := []event.Event{
		procinfo(300, 1, "xmrig", "/tmp/xmrig", nil, "/tmp", 0, ""),
		ev(1, event.KindSocket, 300, 300, 5, A{"domain": event.Int(event.AFInet), "type": event.Int(1)}),
		ev(2, event.KindConnect, 300, 300, 0, A{"fd": event.Int(5), "addr": sockaddr("198.51.100.7:3333"), "tuple": tuple(event.ProtoTCP, "10.0.0.5:40000", "198.51.100.7:3333")}),
		ev(3, event.KindSendto, 300, 300, int64(len(xmrigLogin)), A{"fd": event.Int(5), "size": event.Int(int64(len(xmrigLogin))), "data": event.Str(xmrigLogin)}),
	}
	s, p, last := replayState(t, Hooks{Conn: func(c *ConnRecord) { conns = append(conns, c) }}, evs...)
	checkFields(t, p, last, []want{
		{"fd.name", "", "10.0.0.5:40000->198.51.100.7:3333"},
		{"fd.sip", "", "198.51.100.7"}, {"fd.sport", "", "3333"},
		{"fd.cip", "", "10.0.0.5"}, {"fd.cport", "", "40000"},
		{"fd.lip", "", "10.0.0.5"}, {"fd.rip", "", "198.51.100.7"},
		{"fd.l4proto", "", "tcp"}, {"fd.sockfamily", "", "ip"}, {"fd.type", "", "ipv4"},
		{"fd.typechar", "", "4"}, {"fd.connected", "", "true"}, {"fd.sip.name", "", "<NA>"},
		{"evt.buffer", "", xmrigLogin}, {"evt.arg.size", "", itoa(int64(len(xmrigLogin)))},
	})
	// accept: the local end is the server.
	a := ev(4, event.KindSocket, 300, 300, 6, A{"domain": event.Int(event.AFInet), "type": event.Int(1)})
	s.Update(&a)
	l := ev(5, event.KindListen, 300, 300, 0, A{"fd": event.Int(6)})
	s.Update(&l)
	acc := ev(6, event.KindAccept4, 300, 300, 7, A{"fd": event.Int(6), "tuple": tuple(event.ProtoTCP, "10.0.0.5:22", "203.0.113.9:51000")})
	s.Update(&acc)
	checkFields(t, p, &acc, []want{{"fd.num", "", "7"}, {"fd.sip", "", "10.0.0.5"}, {"fd.sport", "", "22"}, {"fd.cip", "", "203.0.113.9"}, {"fd.rport", "", "51000"}})
	// UDP: unbound socket sending is a client; a bound one is a server.
	u := ev(7, event.KindSocket, 300, 300, 8, A{"domain": event.Int(event.AFInet), "type": event.Int(2)})
	s.Update(&u)
	su := ev(8, event.KindSendto, 300, 300, 10, A{"fd": event.Int(8), "size": event.Int(10), "tuple": tuple(event.ProtoUDP, "10.0.0.5:53000", "192.0.2.53:53")})
	su.Num = 108
	s.Update(&su)
	checkFields(t, p, &su, []want{{"fd.sip", "", "192.0.2.53"}, {"fd.l4proto", "", "udp"}, {"fd.connected", "", "false"}, {"fd.name_changed", "", "true"}})
	u2 := ev(9, event.KindSocket, 300, 300, 9, A{"domain": event.Int(event.AFInet), "type": event.Int(2)})
	s.Update(&u2)
	b := ev(10, event.KindBind, 300, 300, 0, A{"fd": event.Int(9), "addr": sockaddr("0.0.0.0:5353")})
	s.Update(&b)
	rf := ev(11, event.KindRecvfrom, 300, 300, 40, A{"fd": event.Int(9), "tuple": tuple(event.ProtoUDP, "10.0.0.5:5353", "10.0.0.9:5353")})
	s.Update(&rf)
	checkFields(t, p, &rf, []want{{"fd.sip", "", "10.0.0.5"}, {"fd.cip", "", "10.0.0.9"}})
	s.Flush()
	if len(conns) != 4 || conns[0].BytesSent != uint64(len(xmrigLogin)) || string(conns[0].Payload[:10]) != xmrigLogin[:10] || !conns[0].Outbound {
		t.Fatalf("conns: %+v", conns)
	}
	if conns[0].Remote != netip.MustParseAddrPort("198.51.100.7:3333") {
		t.Fatalf("conn remote %v", conns[0].Remote)
	}
}

func TestPathSyscallsAndContainers(t *testing.T) {
	ci := ev(0, event.KindContainerinfo, 0, 0, 0, A{
		"id": event.Str(minerCID), "name": event.Str("web-1"), "image": event.Str("registry.example.com/shop/web:1.4.2@sha256:abcd"),
		"labels":     list("io.kubernetes.pod.name=web-7d9f", "io.kubernetes.pod.namespace=shop"),
		"privileged": event.Int(1), "mounts": list("/var/run/docker.sock:/var/run/docker.sock:ro:false:rprivate"),
		"start_ts": event.Int(int64(tsBase - 5e9)),
	})
	evs := []event.Event{
		ev(0, event.KindUserinfo, 0, 0, 0, A{"uid": event.Int(33), "gid": event.Int(33), "name": event.Str("www-data"), "home": event.Str("/var/www")}),
		ev(0, event.KindGroupinfo, 0, 0, 0, A{"gid": event.Int(33), "name": event.Str("www-data")}),
		ci,
		procinfo(400, 1, "php-fpm", "/usr/sbin/php-fpm", nil, "/var/www/html", 33, dockerCgroup),
		ev(1, event.KindChmod, 400, 400, 0, A{"filename": event.Str("uploads/../k"), "mode": event.Int(0o4755)}),
	}
	_, p, last := replayState(t, Hooks{}, evs...)
	checkFields(t, p, last, []want{
		{"fd.name", "", "/var/www/html/k"}, {"fd.num", "", "<NA>"}, {"evt.arg.mode", "", "04755(S_IXOTH|S_IROTH|S_IXGRP|S_IRGRP|S_IXUSR|S_IWUSR|S_IRUSR|S_ISUID)"},
		{"evt.rawarg.mode", "", "2541"},
		{"user.name", "", "www-data"}, {"group.name", "", "www-data"}, {"user.loginname", "", "<NA>"},
		{"container.id", "", minerCID[:12]}, {"container.name", "", "web-1"},
		{"container.image.repository", "", "registry.example.com/shop/web"}, {"container.image.tag", "", "1.4.2"},
		{"container.privileged", "", "true"}, {"k8s.pod.name", "", "web-7d9f"}, {"k8s.ns.name", "", "shop"},
		{"container.mount.dest", "/var/run/docker.sock", "/var/run/docker.sock"},
		{"container.mount.dest", "/proc*", "<NA>"},
		{"evt.arg", "0", "uploads/../k"},
	})
}

// TestKubernetesContainerFields: a CRI container's record as capture writes it from
// containerd (namespace k8s.io), read through the k8s.* and container.* fields.
func TestKubernetesContainerFields(t *testing.T) {
	const uid = "0b7c5a2e-1f3d-4c6b-9a8e-7d6c5b4a3f21"
	ci := ev(0, event.KindContainerinfo, 0, 0, 0, A{
		"id": event.Str(minerCID), "name": event.Str("miner"), "image": event.Str("docker.io/library/shop-web:2.0"),
		"labels": list("io.kubernetes.container.name=miner", "io.kubernetes.pod.name=web-7d9f",
			"io.kubernetes.pod.namespace=shop", "io.kubernetes.pod.uid="+uid),
		"image_digest": event.Str("sha256:0123abcd"), "pod_labels": list("app=web", "tier=front"),
		"runtime": event.Str("containerd"), "oci_runtime": event.Str("io.containerd.runc.v2"), "source": event.Str("containerd:k8s.io"),
	})
	evs := []event.Event{ci,
		procinfo(400, 1, "sh", "/bin/sh", nil, "/", 0, "0::/kubepods/besteffort/pod"+uid+"/"+minerCID),
		ev(1, event.KindChmod, 400, 400, 0, A{"filename": event.Str("/tmp/x"), "mode": event.Int(0o755)}),
	}
	_, p, last := replayState(t, Hooks{}, evs...)
	checkFields(t, p, last, []want{
		{"container.id", "", minerCID[:12]}, {"container.name", "", "miner"},
		{"container.image.repository", "", "docker.io/library/shop-web"}, {"container.image.tag", "", "2.0"},
		{"container.image.digest", "", "sha256:0123abcd"}, {"container.type", "", "containerd"},
		{"k8s.pod.name", "", "web-7d9f"}, {"k8s.ns.name", "", "shop"}, {"k8s.pod.uid", "", uid},
		{"k8s.pod.labels", "", "app=web tier=front"}, {"k8s.pod.label", "tier", "front"}, {"k8s.pod.label", "nosuch", "<NA>"},
		{"container.label", "io.kubernetes.container.name", "miner"}, {"container.privileged", "", "false"},
	})
}

func TestMissingFields(t *testing.T) {
	evs := []event.Event{ev(0, event.KindUserinfo, 0, 0, 0, A{"uid": event.Int(0), "name": event.Str("root")})}
	_, p, last := replayState(t, Hooks{}, evs...)
	for _, f := range []string{"proc.name", "fd.name", "fd.sip", "user.uid", "container.id", "evt.res", "evt.buffer", "fd.sip.name"} {
		if got := fieldText(t, p, last, f, ""); got != "<NA>" {
			t.Errorf("%s on a meta event = %q, want missing", f, got)
		}
	}
	if _, err := p.Field(SourceSyscall, "proc.nosuch", ""); err == nil {
		t.Error("unknown field bound")
	}
	if _, err := p.Field("k8s_audit", "proc.name", ""); err == nil {
		t.Error("unknown source bound")
	}
	if _, err := p.Field(SourceSyscall, "proc.aname", "x"); err == nil {
		t.Error("bad index bound")
	}
}

func TestCleanPath(t *testing.T) {
	for in, want := range map[string]string{
		"/": "/", "//a//b/": "/a/b", "/a/./b/../c": "/a/c", "/../..": "/", "/a/b/..": "/a", "/tmp/.x1mr/./xmrig": "/tmp/.x1mr/xmrig",
	} {
		if got := string(cleanPath([]byte(in))); got != want {
			t.Errorf("cleanPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestContainerIDFromCgroups(t *testing.T) {
	for in, want := range map[string]string{
		dockerCgroup: minerCID[:12],
		"12:memory:/kubepods/burstable/pod1234/cri-containerd-" + minerCID + "\n": minerCID[:12],
		"0::/user.slice/user-1000.slice":                                          "host",
		"":                                                                        "host",
	} {
		if got := containerIDFromCgroups([]byte(in)); got != want {
			t.Errorf("containerIDFromCgroups(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSnapshotParentExitsFirst(t *testing.T) {
	evs := []event.Event{
		// The child is listed before its parent, and the parent exits before anything asks.
		procinfo(501, 500, "kdevtmpfsi", "/tmp/kdevtmpfsi", nil, "/tmp", 0, ""),
		procinfo(500, 1, "kinsing", "/tmp/kinsing", nil, "/tmp", 0, ""),
		procinfo(1, 0, "systemd", "/usr/lib/systemd/systemd", nil, "/", 0, ""),
		ev(1, event.KindProcexit, 500, 500, 0, nil),
		ev(2, event.KindClose, 501, 501, 0, A{"fd": event.Int(1)}),
	}
	_, p, last := replayState(t, Hooks{}, evs...)
	checkFields(t, p, last, []want{{"proc.pname", "", "kinsing"}, {"proc.aname", "2", "systemd"}, {"proc.pcmdline", "", "kinsing"}})
}

func TestExecDropsOtherThreads(t *testing.T) {
	evs := []event.Event{
		procinfo(600, 1, "loader", "/tmp/loader", nil, "/tmp", 0, ""),
		ev(1, event.KindClone, 600, 600, 601, A{"flags": event.Int(cloneThread), "child_tid": event.Int(601), "child_pid": event.Int(600)}),
		execve(2, 600, "/tmp/xmrig", []string{"xmrig"}, 0, ""),
	}
	s, _, _ := replayState(t, Hooks{}, evs...)
	if s.Process(601) != nil || s.Process(600) == nil || s.Process(600).threads != 1 {
		t.Fatalf("threads after execve: 601=%v 600=%v", s.Process(601), s.Process(600))
	}
}

func TestEvtResExtremes(t *testing.T) {
	for _, res := range []int64{-1 << 63, -4095, -115, -2, 0, 7} {
		e := ev(1, event.KindConnect, 1, 1, res, nil)
		_, p, last := replayState(t, Hooks{}, e)
		got := fieldText(t, p, last, "evt.res", "")
		if want := map[int64]string{-115: "EINPROGRESS", -2: "ENOENT", 0: "SUCCESS", 7: "SUCCESS", -4095: "-4095", -1 << 63: "-9223372036854775808"}[res]; got != want {
			t.Errorf("evt.res for %d = %q, want %q", res, got, want)
		}
	}
}

// TestWriteAdoptsUnknownSocket: a miner whose socket was opened before the capture in another
// network namespace is known to the snapshot only as "socket:[inode]"; the tuple the sensor
// reports with its writes makes it an IP connection again.
func TestWriteAdoptsUnknownSocket(t *testing.T) {
	var conns []*ConnRecord
	snapFD := ev(0, event.KindFdinfo, 0, 0, 0, A{"pid": event.Int(400), "fd": event.Int(7),
		"type": event.Int(event.FDUnix), "name": event.Str("socket:[1923609]")})
	evs := []event.Event{
		procinfo(400, 1, "kdevtmpfsi", "/tmp/kdevtmpfsi", nil, "/tmp", 0, ""),
		snapFD,
		ev(5, event.KindWrite, 400, 400, int64(len(xmrigLogin)), A{"fd": event.Int(7), "size": event.Int(int64(len(xmrigLogin))),
			"data": event.Str(xmrigLogin), "tuple": tuple(event.ProtoTCP, "198.51.100.2:45700", "198.51.100.7:3333")}),
	}
	s, p, last := replayState(t, Hooks{Conn: func(c *ConnRecord) { conns = append(conns, c) }}, evs...)
	checkFields(t, p, last, []want{
		{"fd.name", "", "198.51.100.2:45700->198.51.100.7:3333"},
		{"fd.sip", "", "198.51.100.7"}, {"fd.sport", "", "3333"}, {"fd.type", "", "ipv4"},
		{"evt.buffer", "", xmrigLogin},
	})
	// Without a tuple a write to the unknown socket changes nothing.
	w := ev(6, event.KindWrite, 400, 400, 3, A{"fd": event.Int(9), "size": event.Int(3), "data": event.Str("abc")})
	s.Update(&w)
	s.Flush()
	if len(conns) != 1 || conns[0].Remote.String() != "198.51.100.7:3333" || conns[0].BytesSent != uint64(len(xmrigLogin)) {
		t.Fatalf("connection records: %+v", conns)
	}
}

func TestProcEnvField(t *testing.T) {
	exe := withArg(execve(10, 500, "/usr/bin/curl", []string{"curl", "http://198.51.100.1/"}, 0, ""),
		"env", list("HOME=/root", "HTTP_PROXY=http://198.51.100.9:3128", "EMPTY="))
	_, p, last := replayState(t, Hooks{}, procinfo(500, 1, "bash", "/usr/bin/bash", nil, "/", 0, ""), exe)
	checkFields(t, p, last, []want{
		{"proc.env", "", "HOME=/root HTTP_PROXY=http://198.51.100.9:3128 EMPTY="},
		{"proc.env", "HTTP_PROXY", "http://198.51.100.9:3128"},
		{"proc.env", "EMPTY", ""},
		{"proc.env", "HOME", "/root"},
		{"proc.env", "LD_PRELOAD", "<NA>"},
		{"proc.env", "HOM", "<NA>"},
	})
}

// TestRolesFromListeningPorts: connections found without their connect or accept (sockets of
// the snapshot, a first read on a socket the snapshot missed) are named client->server by
// the ports sockets listen on, not by which port is lower: a pool on a high port is no client.
func TestRolesFromListeningPorts(t *testing.T) {
	listenFD := ev(0, event.KindFdinfo, 0, 0, 0, A{"pid": event.Int(500), "fd": event.Int(3), "type": event.Int(event.FDIPv4),
		"name": event.Str("0.0.0.0:45700"), "tuple": tuple(event.ProtoTCP, "0.0.0.0:45700", "0.0.0.0:0")})
	// The pool's accepted connection, in the snapshot: local 45700, remote 45646.
	poolFD := ev(0, event.KindFdinfo, 0, 0, 0, A{"pid": event.Int(500), "fd": event.Int(4), "type": event.Int(event.FDIPv4),
		"tuple": tuple(event.ProtoTCP, "198.51.100.10:45700", "198.51.100.2:45646")})
	// The miner's end: local 45646, remote 45700 (the lower-port guess would call it a server).
	minerFD := ev(0, event.KindFdinfo, 0, 0, 0, A{"pid": event.Int(600), "fd": event.Int(5), "type": event.Int(event.FDIPv4),
		"tuple": tuple(event.ProtoTCP, "198.51.100.2:45646", "198.51.100.10:45700")})
	evs := []event.Event{
		procinfo(500, 1, "pool", "/usr/bin/pool", nil, "/", 0, ""),
		procinfo(600, 1, "kdevtmpfsi", "/tmp/kdevtmpfsi", nil, "/tmp", 0, ""),
		listenFD, poolFD, minerFD,
		ev(5, event.KindRead, 500, 500, 3, A{"fd": event.Int(4), "size": event.Int(3), "data": event.Str("abc")}),
	}
	s, p, last := replayState(t, Hooks{}, evs...)
	checkFields(t, p, last, []want{
		{"fd.name", "", "198.51.100.2:45646->198.51.100.10:45700"}, {"fd.is_server", "", "true"},
		{"fd.sip", "", "198.51.100.10"}, {"fd.sport", "", "45700"},
	})
	w := ev(6, event.KindWrite, 600, 600, 3, A{"fd": event.Int(5), "size": event.Int(3), "data": event.Str("abc")})
	s.Update(&w)
	checkFields(t, p, &w, []want{
		{"fd.name", "", "198.51.100.2:45646->198.51.100.10:45700"}, {"fd.is_server", "", "false"}, {"fd.sport", "", "45700"},
	})
	// A socket the snapshot missed, first seen in a read whose tuple carries the ends.
	r := ev(7, event.KindRead, 500, 500, 3, A{"fd": event.Int(9), "size": event.Int(3), "data": event.Str("abc"),
		"tuple": tuple(event.ProtoTCP, "198.51.100.10:45700", "198.51.100.3:40001")})
	s.Update(&r)
	checkFields(t, p, &r, []want{{"fd.name", "", "198.51.100.3:40001->198.51.100.10:45700"}, {"fd.sip", "", "198.51.100.10"}})
}
