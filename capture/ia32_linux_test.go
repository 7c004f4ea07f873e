//go:build linux && amd64

package capture_test

import (
	"bufio"
	"errors"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	"saker/capture"
	"saker/event"
)

// TestSensorIA32 runs a static 32-bit program (testdata/ia32/miner.c, renamed sysupdate, with
// a stratum+tcp argument) that connects to a loopback listener and sends a Stratum login
// through int 0x80 (its socket through socketcall), and checks that the capture replays its
// socket, connect and write as those kinds, marked 32-bit, with their arguments and tuple. It skips where 32-bit code cannot be
// built (no gcc -m32 and 32-bit C library: Debian's gcc-multilib) or run (a kernel without ia32
// emulation, or with it disabled: the exec fails with "exec format error" and int 0x80
// faults). The decoding of such records is tested without running them in replay's
// TestDecodeIA32.
func TestSensorIA32(t *testing.T) {
	requireSensor(t)
	if testing.Short() {
		t.Skip("privileged capture test")
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "sysupdate")
	if out, err := exec.Command("gcc", "-m32", "-static", "-O2", "-o", bin, "testdata/ia32/miner.c").CombinedOutput(); err != nil {
		t.Skipf("cannot build 32-bit code here (gcc -m32 -static needs gcc-multilib): %v\n%s", err, out)
	}
	if err := exec.Command(bin).Run(); err != nil {
		var ee *exec.ExitError
		if errors.Is(err, syscall.ENOEXEC) || (errors.As(err, &ee) && !ee.Exited()) {
			t.Skipf("this host does not run 32-bit code: %v", err)
		}
		// Exit status 2 (no URL) means it ran.
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	served := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			served <- ""
			return
		}
		defer c.Close()
		line, _ := bufio.NewReader(c).ReadString('\n')
		served <- line
	}()
	dir := filepath.Join(tmp, "bundle")
	stop := startCapture(t, capture.Options{Dir: dir, NoDNS: true, Snaplen: 256})
	url := "stratum+tcp://127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(bin, "-o", url)
	if out, err := cmd.CombinedOutput(); err != nil {
		stop()
		t.Fatalf("%s: %v\n%s", bin, err, out)
	}
	if err := stop(); err != nil {
		t.Fatalf("capture: %v", err)
	}
	login := <-served
	pid := uint32(cmd.Process.Pid)
	evs := readBundle(t, dir)
	exe := one(t, "execve", find(evs, func(e *event.Event) bool { return e.PID == pid }, "execve"))
	if str(exe, "exepath") != bin || str(exe, "args") != "-o\x00"+url+"\x00" {
		t.Errorf("execve: exepath %q args %q", str(exe, "exepath"), str(exe, "args"))
	}
	ia32 := func(e *event.Event) bool { return e.PID == pid && e.Flags == event.FlagIA32 }
	sock := one(t, "32-bit socket", find(evs, ia32, "socket"))
	if num(sock, "domain") != 2 || num(sock, "type") != 1 || sock.Res < 0 {
		t.Errorf("socket: domain %d type %d res %d", num(sock, "domain"), num(sock, "type"), sock.Res)
	}
	remote := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))
	conn := one(t, "32-bit connect", find(evs, ia32, "connect"))
	if tp := tupleArg(t, conn); conn.Res != 0 || num(conn, "fd") != sock.Res || tp.Remote != remote {
		t.Errorf("connect: res %d fd %d tuple %v", conn.Res, num(conn, "fd"), tp)
	}
	w := one(t, "32-bit write", find(evs, ia32, "write"))
	if str(w, "data") != login || w.Res != int64(len(login)) {
		t.Errorf("write: res %d data %q, the listener got %q", w.Res, str(w, "data"), login)
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatal(err)
	}
}
