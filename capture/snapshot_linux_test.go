//go:build linux && amd64

package capture

import (
	"net/netip"
	"testing"

	"saker/event"
)

func TestSyscallKinds(t *testing.T) {
	seen := map[uint32]string{}
	for _, c := range syscalls {
		if _, ok := event.KindByName(c.name); !ok {
			t.Errorf("syscall %s (%d) is not a kind of event/schema.txt", c.name, c.nr)
		}
		if prev, dup := seen[c.nr]; dup {
			t.Errorf("syscall %d listed as %s and %s", c.nr, prev, c.name)
		}
		seen[c.nr] = c.name
	}
}

func TestContainerID(t *testing.T) {
	const id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	for _, c := range []struct{ cgroup, id, runtime string }{
		{"/system.slice/docker-" + id + ".scope", "0123456789ab", "docker"},
		{"/docker/" + id, "0123456789ab", "docker"},
		{"/kubepods.slice/kubepods-burstable.slice/kubepods-pod1.slice/cri-containerd-" + id + ".scope", "0123456789ab", "containerd"},
		{"/machine.slice/libpod-" + id + ".scope/container", "0123456789ab", "podman"},
		{"/kubepods.slice/kubepods-besteffort.slice/crio-" + id + ".scope", "0123456789ab", "cri-o"},
		{"/kubepods/burstable/pod5f2d/" + id, "0123456789ab", "containerd"},
		{"/user.slice/user-1000.slice/session-2.scope", "", ""},
	} {
		id, rt := containerID(c.cgroup)
		if id != c.id || rt != c.runtime {
			t.Errorf("%s: got %q %q, want %q %q", c.cgroup, id, rt, c.id, c.runtime)
		}
	}
}

func TestParseHexAddr(t *testing.T) {
	for in, want := range map[string]string{
		"0100007F:1F90":                         "127.0.0.1:8080",
		"00000000000000000000000001000000:0035": "[::1]:53",
		"0000000000000000FFFF00000100007F:01BB": "[::ffff:127.0.0.1]:443",
	} {
		got, ok := parseHexAddr(in)
		if !ok || got != netip.MustParseAddrPort(want) {
			t.Errorf("%s: got %v %v, want %s", in, got, ok, want)
		}
	}
	if _, ok := parseHexAddr("zz:1"); ok {
		t.Error("bad hex accepted")
	}
}
