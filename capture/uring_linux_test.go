//go:build linux && amd64

package capture_test

import (
	"bufio"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"saker/capture"
	"saker/event"
)

// TestSensorIOUring runs a program that opens a file and talks to a loopback listener
// through io_uring requests only (internal/uring.Workload), and checks that the capture
// replays each request as the syscall it stands for, marked io_uring, with its arguments,
// result, tuple and payload; and the ring's own syscalls, unmarked.
func TestSensorIOUring(t *testing.T) {
	requireSensor(t)
	if testing.Short() {
		t.Skip("privileged capture test")
	}
	tmp := t.TempDir()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(tmp, "wallet.txt")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	const login = `{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"wallet","pass":"x","agent":"XMRig/6.21.0"}}` + "\n"
	const reply = `{"id":1,"jsonrpc":"2.0","error":null,"result":{"status":"OK"}}` + "\n"
	served := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			served <- ""
			return
		}
		defer c.Close()
		line, _ := bufio.NewReader(c).ReadString('\n')
		c.Write([]byte(reply))
		served <- line
	}()

	dir := filepath.Join(tmp, "bundle")
	stop := startCapture(t, capture.Options{Dir: dir, NoDNS: true, Snaplen: 256})
	cmd := exec.Command(self, file, strconv.Itoa(port), login)
	cmd.Env = append(os.Environ(), "SAKER_SENSOR_HELPER=uring")
	out, err := cmd.Output()
	if err != nil {
		stop()
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("uring helper: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatalf("capture: %v", err)
	}
	if got := <-served; got != login {
		t.Fatalf("listener got %q", got)
	}
	if string(out) != reply {
		t.Fatalf("helper received %q", out)
	}

	pid := uint32(cmd.Process.Pid)
	evs := readBundle(t, dir)
	mine := func(uring bool) func(e *event.Event) bool {
		return func(e *event.Event) bool {
			return e.PID == pid && (e.Flags&event.FlagIOUring != 0) == uring && e.Flags&event.FlagIA32 == 0
		}
	}
	setup := one(t, "io_uring_setup", find(evs, mine(false), "io_uring_setup"))
	if setup.Res < 0 || num(setup, "entries") != 8 || num(setup, "sq_entries") != 8 || num(setup, "cq_entries") != 16 {
		t.Errorf("io_uring_setup: res %d, entries %d, sq %d, cq %d", setup.Res, num(setup, "entries"),
			num(setup, "sq_entries"), num(setup, "cq_entries"))
	}
	// One io_uring_enter submitting each request: open, close, socket, connect, send, recv,
	// close (a wait a signal cut short is repeated with nothing to submit).
	var enters []*event.Event
	for _, e := range find(evs, mine(false), "io_uring_enter") {
		if num(e, "to_submit") == 1 {
			enters = append(enters, e)
		}
	}
	if len(enters) != 7 {
		t.Errorf("got %d io_uring_enter events submitting a request, want 7", len(enters))
	} else if e := enters[0]; num(e, "fd") != setup.Res || num(e, "min_complete") != 1 || e.Res != 1 {
		t.Errorf("io_uring_enter: fd %d (ring %d), min_complete %d, res %d", num(e, "fd"), setup.Res,
			num(e, "min_complete"), e.Res)
	}
	// Every one of the requests' operations is a marked event, and none is an unmarked one.
	// (The Go runtime opens files of its own at start: only the workload's file counts.)
	if got := find(evs, func(e *event.Event) bool { return mine(false)(e) && str(e, "name") == file }, "openat"); len(got) != 0 {
		t.Errorf("%d unmarked openat events of %s: the workload made no such syscall", len(got), file)
	}
	for _, k := range []string{"socket", "connect", "sendto", "recvfrom"} {
		if got := find(evs, mine(false), k); len(got) != 0 {
			t.Errorf("%d unmarked %s events: the workload made no such syscall", len(got), k)
		}
	}
	open := one(t, "io_uring openat", find(evs, mine(true), "openat"))
	if str(open, "name") != file || open.Res < 0 || num(open, "dirfd") != -100 || num(open, "flags")&0o3 != 0 {
		t.Errorf("openat: name %q res %d dirfd %d flags %#o", str(open, "name"), open.Res, num(open, "dirfd"), num(open, "flags"))
	}
	closes := find(evs, mine(true), "close")
	if len(closes) != 2 || num(closes[0], "fd") != open.Res || closes[0].Res != 0 {
		t.Fatalf("io_uring close events: %d, want 2, the first of the file's fd %d", len(closes), open.Res)
	}
	sock := one(t, "io_uring socket", find(evs, mine(true), "socket"))
	if num(sock, "domain") != 2 || num(sock, "type")&0xf != 1 || sock.Res < 0 {
		t.Errorf("socket: domain %d type %#x res %d", num(sock, "domain"), num(sock, "type"), sock.Res)
	}
	if num(closes[1], "fd") != sock.Res {
		t.Errorf("second close of fd %d, want the socket %d", num(closes[1], "fd"), sock.Res)
	}
	remote := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))
	conn := one(t, "io_uring connect", find(evs, mine(true), "connect"))
	if conn.Res != 0 || num(conn, "fd") != sock.Res {
		t.Errorf("connect: res %d fd %d", conn.Res, num(conn, "fd"))
	}
	if tp := tupleArg(t, conn); tp.Remote != remote || tp.Proto != event.ProtoTCP {
		t.Errorf("connect tuple %v, want remote %v over TCP", tp, remote)
	}
	a, _ := conn.Arg("addr")
	if sa, err := event.ParseSockaddr(a.Bytes); err != nil || sa.Addr != remote {
		t.Errorf("connect addr %v (%v), want %v", sa, err, remote)
	}
	send := one(t, "io_uring sendto", find(evs, mine(true), "sendto"))
	if str(send, "data") != login || send.Res != int64(len(login)) || num(send, "fd") != sock.Res {
		t.Errorf("sendto: res %d fd %d data %q", send.Res, num(send, "fd"), str(send, "data"))
	}
	if tp := tupleArg(t, send); tp.Remote != remote {
		t.Errorf("sendto tuple %v", tp)
	}
	recv := one(t, "io_uring recvfrom", find(evs, mine(true), "recvfrom"))
	if str(recv, "data") != reply || recv.Res != int64(len(reply)) {
		t.Errorf("recvfrom: res %d data %q", recv.Res, str(recv, "data"))
	}
}
