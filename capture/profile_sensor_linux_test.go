//go:build linux && amd64

package capture_test

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"saker/capfile"
	"saker/capture"
	"saker/event"
)

// TestSensorProfile captures a connect, a write to the socket and an open with the minimal
// profile through the per-syscall tracepoints: the connect is recorded, the write and the
// open are not, and the manifest says what was left out, and that compat syscalls were not
// seen.
func TestSensorProfile(t *testing.T) {
	requireSensor(t)
	if testing.Short() {
		t.Skip("privileged capture test")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	dir := filepath.Join(t.TempDir(), "bundle")
	stop := startCapture(t, capture.Options{Dir: dir, NoDNS: true, Hook: capture.HookSyscalls, Events: capture.EventsMinimal})
	conn := exec.Command(self, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port), "profile payload")
	conn.Env = append(os.Environ(), "SAKER_SENSOR_HELPER=connect")
	run(t, conn)
	// cat opens the file: an exec is recorded, its open is not.
	cat := exec.Command("cat", "/etc/hostname")
	cat.Stdout = nil
	run(t, cat)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	evs := readBundle(t, dir)
	pid := int64(conn.Process.Pid)
	byPid := func(e *event.Event) bool { return int64(e.PID) == pid }
	if c := find(evs, byPid, "connect"); len(c) != 1 || c[0].Res != 0 {
		t.Errorf("%d connect events of the helper, want 1", len(c))
	}
	if n := len(find(evs, byPid, "write", "close")); n != 0 {
		t.Errorf("%d write or close events under the minimal profile", n)
	}
	catPid := int64(cat.Process.Pid)
	if n := len(find(evs, func(e *event.Event) bool { return int64(e.PID) == catPid }, "execve")); n != 1 {
		t.Errorf("%d execve events of cat, want 1", n)
	}
	if n := len(find(evs, func(e *event.Event) bool { return true }, "open", "openat", "close", "read", "write")); n != 0 {
		t.Errorf("%d file events under the minimal profile", n)
	}
	m, err := capfile.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Events == nil || m.Events.Profile != "minimal" || m.Events.Hook != "syscalls" ||
		!slices.Contains(m.Events.NotRecorded, "openat") || slices.Contains(m.Events.NotRecorded, "connect") {
		t.Errorf("manifest events %+v", m.Events)
	}
	i := slices.IndexFunc(m.Captured, func(c capfile.Capability) bool { return c.Name == "compat_syscalls" })
	if i < 0 || m.Captured[i].Recorded || m.Captured[i].Reason == "" {
		t.Errorf("manifest captured %+v: want compat_syscalls not recorded, with a reason", m.Captured)
	}
}
