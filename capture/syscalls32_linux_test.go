//go:build linux && amd64

package capture

import "testing"

// TestSyscalls32 checks the ia32 configuration against facts of syscall_32.tbl: the socket
// calls (the direct ones a socketcall is turned into included) and the ia32-only names that
// stand for x86_64 calls are configured as their x86_64 namesakes.
func TestSyscalls32(t *testing.T) {
	got := map[uint32]syscallConf{}
	for _, c := range syscalls32() {
		if _, dup := got[c.nr]; dup {
			t.Errorf("ia32 %d configured twice", c.nr)
		}
		got[c.nr] = c
	}
	byName := map[string]sensorSensorConf{}
	for _, c := range syscalls {
		byName[c.name] = c.conf
	}
	for nr, name := range map[uint32]string{11: "execve", 5: "open", 4: "write", 6: "close", 295: "openat",
		359: "socket", 360: "socketpair", 361: "bind", 362: "connect", 363: "listen", 364: "accept4",
		369: "sendto", 370: "sendmsg", 371: "recvfrom", 372: "recvmsg", 373: "shutdown", 345: "sendmmsg",
		337: "recvmmsg", 417: "recvmmsg", 221: "fcntl", 213: "setuid", 23: "setuid", 425: "io_uring_setup"} {
		c, ok := got[nr]
		if !ok || c.name != name || c.conf != byName[name] {
			t.Errorf("ia32 %d: %+v, want %s configured as on x86_64", nr, c, name)
		}
	}
	// socketcall itself, and calls saker does not record, have no configuration.
	for _, nr := range []uint32{102, 20, 1} {
		if c, ok := got[nr]; ok {
			t.Errorf("ia32 %d (%s) configured", nr, c.name)
		}
	}
}
