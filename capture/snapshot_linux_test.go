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
