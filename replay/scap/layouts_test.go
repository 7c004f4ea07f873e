package scap

import (
	"encoding/binary"
	"testing"

	"saker/event"
)

// Synthetic records for the layouts of recent libs, which the corpus (libs 0.9-0.13 era) lacks:
// the events numbered above 391 and the exit events that carry their enter parameters. Layouts
// follow falcosecurity/libs driver/event_table.c and the savefile converter's table.cpp.

const scapTestTS = 1_700_000_000_000_000_000

func scapU64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }
func scapU16(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }

// scapReadRecords reads a capture of the given records (each in an EV V2 block) and returns its events.
func scapReadRecords(t *testing.T, recs ...[]byte) []*event.Event {
	t.Helper()
	b := newScapBuilder()
	for _, r := range recs {
		b.block(scapBlockEVV2, scapEventBody(0, nil, r))
	}
	evs, src := scapReadAll(t, b.b)
	if st := src.Stats(); st.Corrupt != 0 {
		t.Fatalf("corrupt records: %v", st.Problems)
	}
	return evs
}

func scapArgInt(e *event.Event, name string) int64 { a, _ := e.Arg(name); return a.Int }
func scapArgStr(e *event.Event, name string) string {
	a, _ := e.Arg(name)
	return string(a.Bytes)
}

func TestScapEventsAbove391(t *testing.T) {
	const tid = 300
	rec := func(typ uint16, params ...[]byte) []byte {
		return scapRecord(typ, scapTestTS, tid, false, false, params...)
	}
	tests := []struct {
		name string
		rec  []byte
		kind event.Kind
		res  int64
		want map[string]any // int64 or string per parameter
	}{
		{"pipe2", rec(393, scapI64(0), scapI64(3), scapI64(4), scapU64(77), scapU32(1<<12|1<<6)),
			event.KindPipe2, 0, map[string]any{"fd1": int64(3), "fd2": int64(4), "flags": int64(0o2000000 | 0o4000)}},
		{"memfd_create", rec(405, scapI64(5), scapCStr("jit"), scapU32(3)),
			event.KindMemfdCreate, 5, map[string]any{"name": "jit", "flags": int64(3)}},
		{"init_module", rec(411, scapI64(0), []byte{0x7f, 'E', 'L', 'F'}, scapU64(4), scapCStr("debug=1")),
			event.KindInitModule, 0, map[string]any{"len": int64(4), "uargs": "debug=1"}},
		{"finit_module", rec(413, scapI64(-1), scapI64(6), scapCStr(""), scapU32(2)),
			event.KindFinitModule, -1, map[string]any{"fd": int64(6), "uargs": "", "flags": int64(2)}},
		{"setreuid", rec(427, scapI64(0), scapU32(1000), scapU32(0)),
			event.KindSetreuid, 0, map[string]any{"ruid": int64(1000), "euid": int64(0)}},
		{"setregid", rec(429, scapI64(0), scapU32(50), scapU32(51)),
			event.KindSetregid, 0, map[string]any{"rgid": int64(50), "egid": int64(51)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The enter record (number - 1) has no parameters; it is merged as usual.
			enter := scapRecord(binary.LittleEndian.Uint16(tt.rec[20:])-1, scapTestTS-1, tid, false, false)
			evs := scapReadRecords(t, enter, tt.rec)
			if len(evs) != 1 {
				t.Fatalf("got %d events", len(evs))
			}
			e := evs[0]
			if e.Kind != tt.kind || e.Res != tt.res {
				t.Fatalf("kind %v res %d, want %v %d", e.Kind, e.Res, tt.kind, tt.res)
			}
			for name, w := range tt.want {
				switch w := w.(type) {
				case int64:
					if got := scapArgInt(e, name); got != w {
						t.Errorf("%s = %#o, want %#o", name, got, w)
					}
				case string:
					if got := scapArgStr(e, name); got != w {
						t.Errorf("%s = %q, want %q", name, got, w)
					}
				}
			}
		})
	}
}

// TestScapExitCarriesEnterParams reads exit records of recent libs without their enter records:
// the fd, size and tuple come from the parameters libs appends to the exit event.
func TestScapExitCarriesEnterParams(t *testing.T) {
	out := []byte{event.AFInet, 10, 0, 0, 1, 0x40, 0x9c, 8, 8, 8, 8, 53, 0} // 10.0.0.1:40000 -> 8.8.8.8:53
	in := []byte{event.AFInet, 8, 8, 8, 8, 53, 0, 10, 0, 0, 1, 0x40, 0x9c}  // 8.8.8.8:53 -> 10.0.0.1:40000
	const local, remote = "10.0.0.1:40000", "8.8.8.8:53"
	tests := []struct {
		name     string
		rec      []byte
		kind     event.Kind
		fd, size int64
		tuple    bool
	}{
		{"read", scapRecord(7, scapTestTS, 1, false, false, scapI64(2), []byte("hi"), scapI64(4), scapU32(512)), event.KindRead, 4, 512, false},
		{"write", scapRecord(9, scapTestTS, 1, false, false, scapI64(2), []byte("hi"), scapI64(1), scapU32(2)), event.KindWrite, 1, 2, false},
		{"readv", scapRecord(117, scapTestTS, 1, false, false, scapI64(2), scapU32(2), []byte("hi"), scapI64(4)), event.KindReadv, 4, 2, false},
		{"writev", scapRecord(119, scapTestTS, 1, false, false, scapI64(2), []byte("hi"), scapI64(4), scapU32(2)), event.KindWritev, 4, 2, false},
		{"send", scapRecord(29, scapTestTS, 1, false, false, scapI64(3), []byte("abc"), scapI64(7), scapU32(3), out), event.KindSend, 7, 3, true},
		{"sendto", scapRecord(31, scapTestTS, 1, false, false, scapI64(3), []byte("abc"), scapI64(7), scapU32(3), out), event.KindSendto, 7, 3, true},
		{"sendmsg", scapRecord(49, scapTestTS, 1, false, false, scapI64(3), []byte("abc"), scapI64(7), scapU32(3), out), event.KindSendmsg, 7, 3, true},
		{"recv", scapRecord(33, scapTestTS, 1, false, false, scapI64(3), []byte("abc"), scapI64(7), scapU32(9), in), event.KindRecv, 7, 9, true},
		{"recvfrom", scapRecord(35, scapTestTS, 1, false, false, scapI64(3), []byte("abc"), in, scapI64(7), scapU32(9)), event.KindRecvfrom, 7, 9, true},
		{"recvmsg", scapRecord(53, scapTestTS, 1, false, false, scapI64(3), scapU32(3), []byte("abc"), in, nil, scapI64(7)), event.KindRecvmsg, 7, 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs := scapReadRecords(t, tt.rec)
			if len(evs) != 1 || evs[0].Kind != tt.kind {
				t.Fatalf("got %v", evs)
			}
			e := evs[0]
			if fd, size := scapArgInt(e, "fd"), scapArgInt(e, "size"); fd != tt.fd || size != tt.size {
				t.Errorf("fd %d size %d, want %d %d", fd, size, tt.fd, tt.size)
			}
			if !tt.tuple {
				return
			}
			a, _ := e.Arg("tuple")
			tu, err := event.ParseTuple(a.Bytes)
			if err != nil || tu.Local.String() != local || tu.Remote.String() != remote {
				t.Errorf("tuple %v -> %v (%v), want %s -> %s", tu.Local, tu.Remote, err, local, remote)
			}
		})
	}

	t.Run("empty exit parameter keeps the enter's", func(t *testing.T) {
		enter := scapRecord(30, scapTestTS-1, 1, false, false, scapI64(7), scapU32(3), out)
		exit := scapRecord(31, scapTestTS, 1, false, false, scapI64(3), []byte("abc"), nil, nil, nil)
		evs := scapReadRecords(t, enter, exit)
		if len(evs) != 1 {
			t.Fatalf("got %d events", len(evs))
		}
		a, _ := evs[0].Arg("tuple")
		tu, err := event.ParseTuple(a.Bytes)
		if fd := scapArgInt(evs[0], "fd"); fd != 7 || err != nil || tu.Remote.String() != remote {
			t.Errorf("fd %d tuple %v %v", fd, tu, err)
		}
	})
}

func TestScapFcntlCmd(t *testing.T) {
	tests := []struct {
		name string
		recs [][]byte
		want int64
	}{
		{"enter F_DUPFD_CLOEXEC", [][]byte{
			scapRecord(150, scapTestTS-1, 1, false, false, scapI64(3), []byte{26}),
			scapRecord(151, scapTestTS, 1, false, false, scapI64(10)),
		}, 1030},
		{"exit-only F_GETFL", [][]byte{scapRecord(151, scapTestTS, 1, false, false, scapI64(2), scapI64(3), []byte{4})}, 3},
		{"F_DUPFD", [][]byte{scapRecord(151, scapTestTS, 1, false, false, scapI64(4), scapI64(3), []byte{1})}, 0},
		{"F_OFD_SETLKW", [][]byte{scapRecord(151, scapTestTS, 1, false, false, scapI64(0), scapI64(3), []byte{32})}, 38},
		{"PPM_FCNTL_UNKNOWN", [][]byte{scapRecord(151, scapTestTS, 1, false, false, scapI64(0), scapI64(3), []byte{0})}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs := scapReadRecords(t, tt.recs...)
			if len(evs) != 1 || evs[0].Kind != event.KindFcntl {
				t.Fatalf("got %v", evs)
			}
			if cmd, fd := scapArgInt(evs[0], "cmd"), scapArgInt(evs[0], "fd"); cmd != tt.want || fd != 3 {
				t.Errorf("cmd %d fd %d, want %d 3", cmd, fd, tt.want)
			}
		})
	}
}

// TestScapSnapshotTS checks that snapshot records take the first timestamp of an event record of
// their section, even one of a type saker skips, and that the records read ahead to find it
// still come out in order.
func TestScapSnapshotTS(t *testing.T) {
	user := []byte{scapUserEntry}
	user = append(user, scapU32(0)...)
	user = append(user, scapU32(0)...)
	for _, s := range []string{"root", "/root", "/bin/sh"} {
		user = append(append(user, scapU16(uint16(len(s)))...), s...)
	}
	group := []byte{scapGroupEntry}
	group = append(group, scapU32(0)...)
	group = append(append(group, scapU16(4)...), "root"...)
	ul := append(user, group...)
	// procinfo records (not mapped); old libs write the first ones with TS 0.
	untimed := scapRecord(234, 0, 1, false, false)
	skipped := scapRecord(234, scapTestTS+5, 1, false, false)
	closeX := scapRecord(5, scapTestTS+9, 1, false, false, scapI64(0), scapI64(3))
	in := newScapBuilder().
		block(scapBlockUL, ul).
		block(scapBlockEVV2, scapEventBody(0, nil, untimed)).
		block(scapBlockEVV2, scapEventBody(0, nil, skipped)).
		block(scapBlockEVV2, scapEventBody(0, nil, closeX)).b
	evs, _ := scapReadAll(t, in)
	if len(evs) != 3 {
		t.Fatalf("got %d events", len(evs))
	}
	for i, want := range []struct {
		kind event.Kind
		ts   uint64
	}{{event.KindUserinfo, scapTestTS + 5}, {event.KindGroupinfo, scapTestTS + 5}, {event.KindClose, scapTestTS + 9}} {
		if evs[i].Kind != want.kind || evs[i].TS != want.ts || evs[i].Num != uint64(i+1) {
			t.Errorf("event %d: %v at %d (num %d), want %v at %d", i, evs[i].Kind, evs[i].TS, evs[i].Num, want.kind, want.ts)
		}
	}
}

func TestScapExecveFilename(t *testing.T) {
	// execve_16 exit (231): res exe args tid pid ptid cwd fdlimit pgft_maj pgft_min vm_size
	// vm_rss vm_swap comm cgroups env; its enter (230) has no filename.
	exit := func(res int64, exe, cwd string) []byte {
		return scapRecord(231, scapTestTS, 9, false, false, scapI64(res), scapCStr(exe), []byte(exe+"\x00"),
			scapI64(9), scapI64(9), scapI64(1), scapCStr(cwd), scapU64(1024), scapU64(0), scapU64(0),
			scapU32(0), scapU32(0), scapU32(0), scapCStr("x"), []byte{0}, []byte{0})
	}
	tests := []struct {
		name, exe, cwd string
		res            int64
		want           string
	}{
		{"relative path", "./bin/../tool", "/home/u", 0, "/home/u/tool"},
		{"absolute path", "/usr/bin/id", "/", 0, "/usr/bin/id"},
		{"bare name found in PATH", "curl", "/home/u", 0, ""},
		{"failed", "./tool", "/home/u", -2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs := scapReadRecords(t, scapRecord(230, scapTestTS-1, 9, false, false), exit(tt.res, tt.exe, tt.cwd))
			if len(evs) != 1 || evs[0].Kind != event.KindExecve {
				t.Fatalf("got %v", evs)
			}
			if got := scapArgStr(evs[0], "filename"); got != tt.want {
				t.Errorf("filename %q, want %q", got, tt.want)
			}
		})
	}
}

// TestScapL4Proto follows sockets from the fd list and from socket(2) through dup2 and close,
// and checks the protocol filled into the tuples of later events.
func TestScapL4Proto(t *testing.T) {
	const pid = 50
	tuple := []byte{event.AFInet, 10, 0, 0, 1, 0x40, 0x9c, 1, 2, 3, 4, 0xbb, 0x01}
	// fd list V1 of thread 50: fd 7, an IPv4 TCP socket (scap l4 proto 2).
	fdl := binary.LittleEndian.AppendUint64(nil, pid)
	fdl = append(fdl, scapU64(7)...)
	fdl = append(fdl, scapU64(1)...)
	fdl = append(fdl, scapFDIPv4Sock, 10, 0, 0, 1, 1, 2, 3, 4, 0x9c, 0x40, 0xbb, 0x01, 2)
	rec := func(typ uint16, params ...[]byte) []byte {
		return scapRecord(typ, scapTestTS, pid, false, false, params...)
	}
	in := newScapBuilder().block(scapBlockFDL, fdl)
	for _, r := range [][]byte{
		rec(31, scapI64(1), []byte("x"), scapI64(7), scapU32(1), tuple),  // sendto on the listed socket
		rec(18, scapU32(event.AFInet), scapU32(2|0o2000000), scapU32(0)), // socket(AF_INET, SOCK_DGRAM|SOCK_CLOEXEC, 0)
		rec(19, scapI64(3)),
		rec(23, scapI64(0), tuple, scapI64(3)),                          // connect fd 3
		rec(363, scapI64(5), scapI64(3), scapI64(5)),                    // dup2(3, 5)
		rec(31, scapI64(1), []byte("x"), scapI64(5), scapU32(1), tuple), // sendto fd 5
		rec(5, scapI64(0), scapI64(3)),                                  // close(3)
		rec(23, scapI64(-9), tuple, scapI64(3)),                         // connect on a closed fd
	} {
		in.block(scapBlockEVV2, scapEventBody(0, nil, r))
	}
	evs, _ := scapReadAll(t, in.b)
	var got []uint8
	for _, e := range evs {
		if a, ok := e.Arg("tuple"); ok && e.Kind.IsSyscall() && len(a.Bytes) > 1 {
			got = append(got, a.Bytes[1])
		}
	}
	want := []uint8{event.ProtoTCP, event.ProtoUDP, event.ProtoUDP, 0}
	if string(got) != string(want) {
		t.Errorf("protocols %v, want %v", got, want)
	}
}
