package analyze

import (
	"testing"

	"saker/event"
)

// TestFDRecyclingKeepsCopies checks that recycling the FDs of closed descriptors never
// changes a descriptor that fork or dup copied from them, and that a recycled FD carries
// nothing of its previous life.
func TestFDRecyclingKeepsCopies(t *testing.T) {
	open := func(ts uint64, pid uint32, fd int64, path string) event.Event {
		return ev(ts, event.KindOpenat, pid, pid, fd, A{"dirfd": event.Int(atFDCWD), "name": event.Str(path), "flags": event.Int(0)})
	}
	closeFD := func(ts uint64, pid uint32, fd int64) event.Event {
		return ev(ts, event.KindClose, pid, pid, 0, A{"fd": event.Int(fd)})
	}
	evs := cat(
		one(procinfo(900, 1, "bash", "/usr/bin/bash", nil, "/root", 0, "0::/user.slice"),
			open(1, 900, 3, "/etc/passwd")),
		connectTo(2, 900, 4, "10.0.0.5:40000", "198.51.100.7:443"),
		one(fork(4, 900, 901),
			// The child closes its copy of fd 3 and reuses the number with a longer path.
			closeFD(5, 901, 3),
			open(6, 901, 3, "/var/lib/some/much/longer/path/than/etc/passwd"),
			// It sends on its copy of the socket to another peer, renaming its fd 4.
			ev(7, event.KindSendto, 901, 901, 4, A{"fd": event.Int(4), "size": event.Int(4), "data": event.Str("ping"),
				"tuple": tuple(event.ProtoUDP, "10.0.0.5:40001", "203.0.113.1:53")}),
			// The parent dups fd 3, closes the original and opens two files.
			ev(8, event.KindDup2, 900, 900, 6, A{"oldfd": event.Int(3), "newfd": event.Int(6)}),
			closeFD(9, 900, 3),
			open(10, 900, 7, "/tmp/xxxxxxxxxxx"),
			closeFD(11, 900, 7),
			ev(12, event.KindOpenat, 900, 900, 8, A{"dirfd": event.Int(atFDCWD), "name": event.Str(""), "flags": event.Int(0)}),
		),
	)
	s, _, _ := replayState(t, Hooks{}, evs...)
	name := func(pid uint32, fd int64) (string, string) {
		t.Helper()
		f := s.Process(pid).FDs.get(fd)
		if f == nil {
			t.Fatalf("pid %d has no fd %d", pid, fd)
		}
		return string(f.Name), string(f.Raw)
	}
	for _, c := range []struct {
		pid       uint32
		fd        int64
		name, raw string
	}{
		{900, 4, "10.0.0.5:40000->198.51.100.7:443", ""},
		{901, 3, "/var/lib/some/much/longer/path/than/etc/passwd", "/var/lib/some/much/longer/path/than/etc/passwd"},
		{901, 4, "10.0.0.5:40001->203.0.113.1:53", ""},
		{900, 6, "/etc/passwd", "/etc/passwd"},
		{900, 8, "/root", ""}, // an empty path names the working directory
	} {
		if n, r := name(c.pid, c.fd); n != c.name || r != c.raw {
			t.Errorf("pid %d fd %d: name %q raw %q, want %q %q", c.pid, c.fd, n, r, c.name, c.raw)
		}
	}
	if f := s.Process(900).FDs.get(8); f.Raw != nil || f.Conn != nil || f.Flags != 0 {
		t.Errorf("recycled fd 8 kept state: %+v", f)
	}
}
