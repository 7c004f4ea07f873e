//go:build linux && amd64

package capture_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"saker/capfile"
	"saker/capture"
	"saker/event"
	"saker/replay"
)

// requireSensor skips unless the test can load BPF programs: root and kernel BTF.
func requireSensor(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to load BPF programs (run: sudo go test ./capture/)")
	}
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		t.Skip("needs kernel BTF at /sys/kernel/btf/vmlinux")
	}
}

// startCapture runs capture.Run in the background until the returned stop is called.
func startCapture(t testing.TB, o capture.Options) (stop func() error) {
	t.Helper()
	ready := make(chan struct{})
	o.Ready = ready
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- capture.Run(ctx, o) }()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("capture: %v", err)
	}
	return func() error {
		time.Sleep(100 * time.Millisecond) // let the last records reach the ring buffer
		cancel()
		return <-done
	}
}

// readBundle decodes every record of the bundle: sensor records with replay's decoder and
// snapshot records with capfile's.
func readBundle(t testing.TB, dir string) []*event.Event {
	t.Helper()
	b, err := capfile.Open(dir, capfile.ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rr := b.Records()
	var evs []*event.Event
	var r capfile.Record
	var e event.Event
	for {
		err := rr.Next(&r)
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		switch r.Type {
		case capfile.RecSensor:
			err = replay.DecodeSensorRecord(r.Version, r.Payload, &e)
			if errors.Is(err, replay.ErrSensorSkip) {
				continue
			}
		case capfile.RecEvent:
			err = capfile.DecodeEvent(r.Payload, &e)
		default:
			continue
		}
		if err != nil {
			t.Fatalf("record at %d: %v", r.TS, err)
		}
		evs = append(evs, e.Clone())
	}
	return evs
}

func str(e *event.Event, name string) string {
	a, _ := e.Arg(name)
	return string(a.Bytes)
}

func num(e *event.Event, name string) int64 {
	a, _ := e.Arg(name)
	return a.Int
}

// find returns the events of kind kinds that match.
func find(evs []*event.Event, match func(e *event.Event) bool, kinds ...string) []*event.Event {
	var out []*event.Event
	for _, e := range evs {
		for _, k := range kinds {
			if e.Kind.String() == k && match(e) {
				out = append(out, e)
			}
		}
	}
	return out
}

func one(t *testing.T, what string, evs []*event.Event) *event.Event {
	t.Helper()
	if len(evs) != 1 {
		t.Fatalf("%s: got %d events, want 1", what, len(evs))
	}
	return evs[0]
}

func tupleArg(t *testing.T, e *event.Event) event.Tuple {
	t.Helper()
	a, _ := e.Arg("tuple")
	tp, err := event.ParseTuple(a.Bytes)
	if err != nil {
		t.Fatalf("%s tuple % x: %v", e.Kind, a.Bytes, err)
	}
	return tp
}

// TestSensorCapture checks the exact events of a series of actions, with the sensor attached
// through each syscall hook.
func TestSensorCapture(t *testing.T) {
	requireSensor(t)
	if testing.Short() {
		t.Skip("privileged capture test")
	}
	for _, hook := range []string{capture.HookRaw, capture.HookSyscalls} {
		t.Run(hook, func(t *testing.T) { testSensorCapture(t, hook) })
	}
}

func testSensorCapture(t *testing.T, hook string) {
	tmp := t.TempDir()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	helper := func(mode string, args ...string) *exec.Cmd {
		c := exec.Command(self, args...)
		c.Env = append(os.Environ(), "SAKER_SENSOR_HELPER="+mode)
		c.Stderr = os.Stderr
		return c
	}

	// A process started before the capture must be in the snapshot.
	before := exec.Command("sleep", "41.5")
	if err := before.Start(); err != nil {
		t.Fatal(err)
	}
	defer before.Process.Kill()
	idle := helper("idle")
	if err := idle.Start(); err != nil {
		t.Fatal(err)
	}
	defer idle.Process.Kill()
	time.Sleep(50 * time.Millisecond) // let the Go runtime start its threads

	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	got := make(chan []byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- nil
			return
		}
		b, _ := io.ReadAll(c)
		c.Close()
		got <- b
	}()

	dir := filepath.Join(tmp, "bundle")
	stop := startCapture(t, capture.Options{Dir: dir, NoDNS: true, Snaplen: 64, Hook: hook})

	// 1. A shell runs a renamed binary with arguments.
	renamed := filepath.Join(tmp, "kworker-fake")
	copyFile(t, "/bin/echo", renamed, 0o755)
	sh := exec.Command("/bin/sh", "-c", renamed+" alpha 'beta gamma'; true")
	sh.Dir = tmp
	run(t, sh)
	// 2. chmod u+s on a temp file.
	suid := filepath.Join(tmp, "suid-me")
	copyFile(t, "/bin/true", suid, 0o755)
	chmod := exec.Command("chmod", "u+s", suid)
	run(t, chmod)
	// 3. Connect to a listener on loopback and write to the socket.
	payload := "GET /sensor HTTP/1.0\r\nHost: loopback\r\n\r\n" + strings.Repeat("x", 100)
	conn := helper("connect", strconv.Itoa(port), payload)
	run(t, conn)
	if b := <-got; string(b) != payload {
		t.Fatalf("listener got %q", b)
	}
	// 3b. The same over IPv6 loopback, when the host has it: the tuple's 16-byte addresses.
	var conn6 *exec.Cmd
	port6 := 0
	if ln6, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		defer ln6.Close()
		port6 = ln6.Addr().(*net.TCPAddr).Port
		got6 := make(chan []byte, 1)
		go func() {
			c, err := ln6.Accept()
			if err != nil {
				got6 <- nil
				return
			}
			b, _ := io.ReadAll(c)
			c.Close()
			got6 <- b
		}()
		conn6 = helper("connect6", strconv.Itoa(port6), payload)
		run(t, conn6)
		if b := <-got6; string(b) != payload {
			t.Fatalf("IPv6 listener got %q", b)
		}
	}
	// 4. Write a 0755 file and execute it.
	dropped := filepath.Join(tmp, "dropped")
	drop := helper("dropexec", dropped)
	run(t, drop)
	// 5. Execute from a memfd.
	memfd := helper("memfd")
	run(t, memfd)

	// 6. A server accepts a connection from this (unrecorded) process and receives.
	srv := helper("accept")
	srvOut, err := srv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(srvOut).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	srvPort, _ := strconv.Atoi(strings.TrimSpace(line))
	client, err := net.Dial("tcp4", "127.0.0.1:"+strconv.Itoa(srvPort))
	if err != nil {
		t.Fatal(err)
	}
	client.Write([]byte("pong"))
	clientAddr := client.LocalAddr().(*net.TCPAddr)
	if err := srv.Wait(); err != nil {
		t.Fatal(err)
	}
	client.Close()
	// 7. A failed exec.
	failed := exec.Command("/bin/sh", "-c", "exec /nonexistent-saker arg")
	failed.Run()
	// 8. A write to a file named like a huge page pool's size, and to another file.
	hugeFile, otherFile := filepath.Join(tmp, "nr_hugepages"), filepath.Join(tmp, "nr_hugepagez")
	huge := exec.Command("/bin/sh", "-c", `printf 1168 > "$1"; printf 1168 > "$2"`, "sh", hugeFile, otherFile)
	run(t, huge)

	if err := stop(); err != nil {
		t.Fatalf("capture: %v", err)
	}
	evs := readBundle(t, dir)
	t.Logf("%d events", len(evs))

	t.Run("snapshot", func(t *testing.T) {
		p := one(t, "procinfo of the earlier process", find(evs, func(e *event.Event) bool {
			return num(e, "pid") == int64(before.Process.Pid)
		}, "procinfo"))
		if str(p, "comm") != "sleep" || str(p, "args") != "41.5\x00" || num(p, "ptid") != int64(os.Getpid()) {
			t.Errorf("procinfo: comm %q args %q ptid %d", str(p, "comm"), str(p, "args"), num(p, "ptid"))
		}
		threads := find(evs, func(e *event.Event) bool { return num(e, "pid") == int64(idle.Process.Pid) }, "procinfo")
		if len(threads) < 2 || num(threads[0], "tid") != int64(idle.Process.Pid) || num(threads[1], "tid") == num(threads[0], "tid") {
			t.Errorf("%d procinfo records for a multi-threaded process", len(threads))
		}
		if len(find(evs, func(e *event.Event) bool { return num(e, "uid") == 0 && str(e, "name") == "root" }, "userinfo")) != 1 {
			t.Error("no userinfo for root")
		}
	})

	t.Run("renamed binary", func(t *testing.T) {
		shPid := int64(sh.Process.Pid)
		fork := one(t, "fork by the shell", find(evs, func(e *event.Event) bool { return int64(e.PID) == shPid },
			"clone", "fork", "vfork", "clone3"))
		child := num(fork, "child_pid")
		if fork.Res != num(fork, "child_tid") || child == 0 {
			t.Errorf("fork: res %d child_tid %d child_pid %d", fork.Res, num(fork, "child_tid"), child)
		}
		ex := one(t, "exec of the renamed binary", find(evs, func(e *event.Event) bool { return int64(e.PID) == child }, "execve"))
		want := map[string]string{"filename": renamed, "exe": renamed, "args": "alpha\x00beta gamma\x00",
			"exepath": renamed, "comm": "kworker-fake", "cwd": tmp}
		for k, v := range want {
			if str(ex, k) != v {
				t.Errorf("execve %s = %q, want %q", k, str(ex, k), v)
			}
		}
		if num(ex, "ptid") != shPid || ex.Res != 0 || num(ex, "uid") != 0 || num(ex, "vpid") != child {
			t.Errorf("execve ptid %d res %d uid %d vpid %d", num(ex, "ptid"), ex.Res, num(ex, "uid"), num(ex, "vpid"))
		}
		exit := find(evs, func(e *event.Event) bool { return int64(e.PID) == child }, "procexit")
		if len(exit) != 1 || num(exit[0], "status") != 0 {
			t.Errorf("procexit of the child: %d events", len(exit))
		}
	})

	t.Run("chmod u+s", func(t *testing.T) {
		ev := one(t, "chmod", find(evs, func(e *event.Event) bool {
			return int64(e.PID) == int64(chmod.Process.Pid) && str(e, "filename") == suid
		}, "chmod", "fchmodat", "fchmodat2"))
		if ev.Res != 0 || num(ev, "mode")&0o7777 != 0o4755 {
			t.Errorf("%s res %d mode %o", ev.Kind, ev.Res, num(ev, "mode"))
		}
	})

	t.Run("connect and write", func(t *testing.T) {
		pid := int64(conn.Process.Pid)
		c := one(t, "connect", find(evs, func(e *event.Event) bool { return int64(e.PID) == pid }, "connect"))
		tp := tupleArg(t, c)
		server := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))
		if c.Res != 0 || tp.Family != event.AFInet || tp.Proto != event.ProtoTCP || tp.Remote != server ||
			tp.Local.Addr() != server.Addr() || tp.Local.Port() == 0 {
			t.Errorf("connect res %d tuple %+v", c.Res, tp)
		}
		sa, _ := c.Arg("addr")
		if addr, err := event.ParseSockaddr(sa.Bytes); err != nil || addr.Addr != server {
			t.Errorf("connect addr %+v %v", addr, err)
		}
		w := one(t, "write", find(evs, func(e *event.Event) bool { return int64(e.PID) == pid }, "write"))
		if w.Res != int64(len(payload)) || num(w, "size") != int64(len(payload)) || str(w, "data") != payload[:64] ||
			num(w, "fd") != num(c, "fd") {
			t.Errorf("write res %d size %d fd %d data %q", w.Res, num(w, "size"), num(w, "fd"), str(w, "data"))
		}
		cl := find(evs, func(e *event.Event) bool {
			return int64(e.PID) == pid && num(e, "fd") == num(c, "fd") && e.TS > w.TS
		}, "close")
		if len(cl) == 0 || cl[0].Res != 0 {
			t.Errorf("no close of the socket after the write")
		}
	})

	t.Run("connect over IPv6", func(t *testing.T) {
		if conn6 == nil {
			t.Skip("no IPv6 loopback on this host")
		}
		pid := int64(conn6.Process.Pid)
		c := one(t, "connect", find(evs, func(e *event.Event) bool { return int64(e.PID) == pid }, "connect"))
		tp := tupleArg(t, c)
		server := netip.AddrPortFrom(netip.IPv6Loopback(), uint16(port6))
		if c.Res != 0 || tp.Family != event.AFInet6 || tp.Proto != event.ProtoTCP || tp.Remote != server ||
			tp.Local.Addr() != server.Addr() || tp.Local.Port() == 0 {
			t.Errorf("connect res %d tuple %+v", c.Res, tp)
		}
		w := one(t, "write", find(evs, func(e *event.Event) bool { return int64(e.PID) == pid }, "write"))
		if w.Res != int64(len(payload)) || num(w, "fd") != num(c, "fd") {
			t.Errorf("write res %d fd %d", w.Res, num(w, "fd"))
		}
	})

	t.Run("bind listen accept recv", func(t *testing.T) {
		pid := int64(srv.Process.Pid)
		server := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(srvPort))
		b := one(t, "bind", find(evs, func(e *event.Event) bool { return int64(e.PID) == pid }, "bind"))
		sa, _ := b.Arg("addr")
		if addr, err := event.ParseSockaddr(sa.Bytes); err != nil || b.Res != 0 || addr.Addr.Addr() != server.Addr() {
			t.Errorf("bind res %d addr %+v", b.Res, addr)
		}
		l := one(t, "listen", find(evs, func(e *event.Event) bool { return int64(e.PID) == pid }, "listen"))
		if l.Res != 0 || num(l, "backlog") != 1 || num(l, "fd") != num(b, "fd") {
			t.Errorf("listen res %d backlog %d", l.Res, num(l, "backlog"))
		}
		a := one(t, "accept4", find(evs, func(e *event.Event) bool { return int64(e.PID) == pid }, "accept4"))
		tp := tupleArg(t, a)
		client := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(clientAddr.Port))
		if a.Res < 0 || num(a, "fd") != num(b, "fd") || tp.Local != server || tp.Remote != client {
			t.Errorf("accept4 res %d tuple %+v", a.Res, tp)
		}
		r := one(t, "recvfrom", find(evs, func(e *event.Event) bool { return int64(e.PID) == pid }, "recvfrom"))
		if r.Res != 4 || str(r, "data") != "pong" || num(r, "fd") != a.Res || tupleArg(t, r).Remote != client {
			t.Errorf("recvfrom res %d data %q fd %d", r.Res, str(r, "data"), num(r, "fd"))
		}
	})

	t.Run("failed exec", func(t *testing.T) {
		e := one(t, "failed execve", find(evs, func(e *event.Event) bool {
			return int64(e.PID) == int64(failed.Process.Pid) && e.Res < 0
		}, "execve"))
		if e.Res != -2 || str(e, "filename") != "/nonexistent-saker" {
			t.Errorf("execve res %d filename %q", e.Res, str(e, "filename"))
		}
	})

	t.Run("write 0755 and exec", func(t *testing.T) {
		pid := int64(drop.Process.Pid)
		o := one(t, "open of the dropped file", find(evs, func(e *event.Event) bool {
			return int64(e.PID) == pid && str(e, "name") == dropped
		}, "open", "openat"))
		if o.Res < 0 || num(o, "mode") != 0o755 || num(o, "flags")&0o100 == 0 {
			t.Errorf("%s res %d mode %o flags %o", o.Kind, o.Res, num(o, "mode"), num(o, "flags"))
		}
		if w := find(evs, func(e *event.Event) bool { return int64(e.PID) == pid }, "write"); len(w) != 0 {
			t.Errorf("%d write events for a regular file: only sockets and control files are recorded", len(w))
		}
		ex := find(evs, func(e *event.Event) bool { return int64(e.PID) == pid }, "execve")
		if len(ex) != 2 { // the helper itself, then the dropped file
			t.Fatalf("%d execve events of the helper", len(ex))
		}
		if e := ex[1]; str(e, "filename") != dropped || str(e, "exepath") != dropped || str(e, "args") != "dropped-arg\x00" ||
			num(e, "ptid") != int64(os.Getpid()) {
			t.Errorf("execve filename %q exepath %q args %q ptid %d", str(e, "filename"), str(e, "exepath"), str(e, "args"), num(e, "ptid"))
		}
	})

	t.Run("control file write", func(t *testing.T) {
		pid := int64(huge.Process.Pid)
		ws := find(evs, func(e *event.Event) bool { return int64(e.PID) == pid }, "write")
		if len(ws) != 1 {
			t.Fatalf("%d write events, want the one to nr_hugepages (not the one to nr_hugepagez)", len(ws))
		}
		o := one(t, "open of nr_hugepages", find(evs, func(e *event.Event) bool {
			return int64(e.PID) == pid && str(e, "name") == hugeFile
		}, "open", "openat"))
		// The shell moves the file to fd 1 before printf writes.
		if w := ws[0]; w.Res != 4 || str(w, "data") != "1168" || (num(w, "fd") != o.Res && num(w, "fd") != 1) {
			t.Errorf("write res %d data %q fd %d (open returned %d)", w.Res, str(w, "data"), num(w, "fd"), o.Res)
		}
	})

	t.Run("memfd exec", func(t *testing.T) {
		pid := int64(memfd.Process.Pid)
		m := one(t, "memfd_create", find(evs, func(e *event.Event) bool { return int64(e.PID) == pid }, "memfd_create"))
		if str(m, "name") != "payload" || m.Res < 3 {
			t.Errorf("memfd_create name %q res %d", str(m, "name"), m.Res)
		}
		ex := find(evs, func(e *event.Event) bool { return int64(e.PID) == pid }, "execve")
		if len(ex) != 2 {
			t.Fatalf("%d execve events of the helper", len(ex))
		}
		e := ex[1]
		if str(e, "exepath") != "/memfd:payload (deleted)" || num(e, "flags")&event.ExeFromMemfd == 0 ||
			str(e, "exe") != "fileless" || str(e, "filename") != "/proc/self/fd/"+strconv.FormatInt(m.Res, 10) {
			t.Errorf("execve exepath %q flags %d exe %q filename %q", str(e, "exepath"), num(e, "flags"), str(e, "exe"), str(e, "filename"))
		}
	})
}

func run(t *testing.T, c *exec.Cmd) {
	t.Helper()
	if err := c.Run(); err != nil {
		t.Fatalf("%s: %v", c, err)
	}
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, mode); err != nil {
		t.Fatal(err)
	}
}
