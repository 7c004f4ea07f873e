package replay

import (
	"errors"
	"net/netip"
	"testing"

	"saker/event"
)

// ia32 returns a header of a record of a 32-bit syscall: the sensor writes the ia32 number
// and sets hdrIA32 (capture/bpf/sensor.bpf.c, sys_exit, sched_exec and sched_fork).
func ia32(typ uint16, nr uint32) sensorHdr {
	h := hdr(typ, nr)
	h.Flags = hdrIA32
	return h
}

// TestDecodeIA32 decodes records of a static 32-bit miner built as the sensor writes them on
// a host that runs 32-bit code (this one does not: see capture's TestSensorIA32): its exec
// with a renamed binary and stratum+tcp arguments, a socket and a connect to loopback by their
// ia32 numbers (359, 362) and the 32-bit registers' values, a write of its login.
func TestDecodeIA32(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	tcp := sensorTuple{Family: event.AFInet, Proto: event.ProtoTCP, Lport: 40000, Rport: 3333}
	copy(tcp.Laddr[:], lo.AsSlice())
	copy(tcp.Raddr[:], lo.AsSlice())
	wantTuple := string(event.Tuple{Family: event.AFInet, Proto: event.ProtoTCP,
		Local: netip.AddrPortFrom(lo, 40000), Remote: netip.AddrPortFrom(lo, 3333)}.AppendBinary(nil))
	argv := "sysupdate\x00-o\x00stratum+tcp://pool.supportxmr.com:3333\x00-u\x00wallet\x00"
	const login = `{"id":1,"jsonrpc":"2.0","method":"login"}` + "\n"
	tests := []struct {
		name string
		raw  []byte
		kind string
		res  int64
		args map[string]any // string for Bytes, int for Int
	}{
		// A 32-bit process's execve is ia32 number 11; execveat is 358 (322 on x86_64).
		{"execve", rec(sensorExec{H: ia32(sensorRecExec, 11)}, blobFilename, "/tmp/.cache/sysupdate",
			blobArgs, argv, blobExepath, "sysupdate\x00.cache\x00tmp\x00"), "execve", 0,
			map[string]any{"filename": "/tmp/.cache/sysupdate", "exe": "sysupdate",
				"args": "-o\x00stratum+tcp://pool.supportxmr.com:3333\x00-u\x00wallet\x00", "exepath": "/tmp/.cache/sysupdate"}},
		{"execveat", rec(sensorExec{H: ia32(sensorRecExec, 358)}, blobFilename, "/dev/fd/3"), "execveat", 0,
			map[string]any{"filename": "/dev/fd/3"}},
		{"socket", rec(sensorSyscall{H: ia32(sensorRecSyscall, 359), Ret: 3, Args: [6]uint64{2, 1, 0}}), "socket", 3,
			map[string]any{"domain": 2, "type": 1, "proto": 0}},
		{"connect", rec(sensorSyscall{H: ia32(sensorRecSyscall, 362), Args: [6]uint64{3, 0xffd0c0a0, 16}},
			blobTuple, tcp, blobSockaddr, sockaddrIn([4]byte{127, 0, 0, 1}, 3333)), "connect", 0,
			map[string]any{"fd": 3, "tuple": wantTuple,
				"addr": string(event.Sockaddr{Family: event.AFInet, Addr: netip.AddrPortFrom(lo, 3333)}.AppendBinary(nil))}},
		// An fd of -1 from a 32-bit register is 0xffffffff zero-extended.
		{"close -1", rec(sensorSyscall{H: ia32(sensorRecSyscall, 6), Ret: -9, Args: [6]uint64{0xffffffff}}), "close", -9,
			map[string]any{"fd": -1}},
		{"write", rec(sensorSyscall{H: ia32(sensorRecSyscall, 4), Ret: int64(len(login)), Args: [6]uint64{3, 0x0804a000, uint64(len(login))}},
			blobTuple, tcp, blobData, login), "write", int64(len(login)),
			map[string]any{"fd": 3, "size": len(login), "data": login, "tuple": wantTuple}},
		{"open", rec(sensorSyscall{H: ia32(sensorRecSyscall, 5), Ret: 4, Args: [6]uint64{0x0804b000, 0o101, 0o755}},
			blobArg0, "/tmp/.cache/cfg"), "open", 4, map[string]any{"name": "/tmp/.cache/cfg", "flags": 0o101, "mode": 0o755}},
		{"fcntl64 is fcntl", rec(sensorSyscall{H: ia32(sensorRecSyscall, 221), Ret: 5, Args: [6]uint64{3, 1030, 5}}),
			"fcntl", 5, map[string]any{"fd": 3, "cmd": 1030}},
		{"setuid32 is setuid", rec(sensorSyscall{H: ia32(sensorRecSyscall, 213), Args: [6]uint64{0}}), "setuid", 0,
			map[string]any{"uid": 0}},
		{"fork", rec(sensorFork{H: ia32(sensorRecFork, 2), ChildPid: 50, ChildTid: 50}), "fork", 50,
			map[string]any{"child_pid": 50}},
		{"vfork", rec(sensorFork{H: ia32(sensorRecFork, 190), ChildPid: 51, ChildTid: 51}), "vfork", 51, nil},
		{"clone", rec(sensorFork{H: ia32(sensorRecFork, 120), ChildPid: 52, ChildTid: 53, CloneFlags: 0x10f00}), "clone", 53,
			map[string]any{"flags": 0x10f00}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var e event.Event
			if err := DecodeSensorRecord(SensorLayoutV1, tc.raw, &e); err != nil {
				t.Fatal(err)
			}
			if e.Kind.String() != tc.kind || e.Res != tc.res || e.Flags != event.FlagIA32 {
				t.Fatalf("got %s res %d flags %d, want %s res %d, ia32", e.Kind, e.Res, e.Flags, tc.kind, tc.res)
			}
			for name, want := range tc.args {
				a, ok := e.Arg(name)
				switch w := want.(type) {
				case string:
					if !ok || string(a.Bytes) != w {
						t.Errorf("%s = %q, want %q", name, a.Bytes, w)
					}
				case int:
					if !ok || a.Int != int64(w) {
						t.Errorf("%s = %d, want %d", name, a.Int, w)
					}
				}
			}
		})
	}
	// The same numbers without the flag are other x86_64 syscalls; and ia32 calls with no
	// x86_64 counterpart (socketcall, the old multiplexer) yield no event.
	var e event.Event
	if err := DecodeSensorRecord(SensorLayoutV1, rec(sensorSyscall{H: hdr(sensorRecSyscall, 4)}), &e); !errors.Is(err, ErrSensorSkip) {
		t.Errorf("x86_64 syscall 4 (stat): %v %s, want ErrSensorSkip", err, e.Kind)
	}
	if err := DecodeSensorRecord(SensorLayoutV1, rec(sensorSyscall{H: ia32(sensorRecSyscall, 102)}), &e); !errors.Is(err, ErrSensorSkip) {
		t.Errorf("ia32 socketcall: %v %s, want ErrSensorSkip", err, e.Kind)
	}
	if err := DecodeSensorRecord(SensorLayoutV1, rec(sensorSyscall{H: ia32(sensorRecSyscall, 1<<20)}), &e); !errors.Is(err, ErrSensorSkip) {
		t.Errorf("ia32 number out of range: %v %s, want ErrSensorSkip", err, e.Kind)
	}
}

// TestDecodeIOUring decodes records of io_uring requests as the sensor writes them
// (uring_complete): the syscall's number and arguments, hdrIOUring, and for a registered
// file hdrFixedFile, whose index must not be read as a descriptor.
func TestDecodeIOUring(t *testing.T) {
	h := hdr(sensorRecSyscall, 44)
	h.Flags = hdrIOUring
	var e event.Event
	if err := DecodeSensorRecord(SensorLayoutV1, rec(sensorSyscall{H: h, Ret: 5, Args: [6]uint64{7, 0, 5}}, blobData, "hello"), &e); err != nil {
		t.Fatal(err)
	}
	if a, _ := e.Arg("fd"); e.Kind != event.KindSendto || e.Flags != event.FlagIOUring || a.Int != 7 {
		t.Errorf("send: %s flags %d fd %d", e.Kind, e.Flags, a.Int)
	}
	h.Flags = hdrIOUring | hdrFixedFile
	if err := DecodeSensorRecord(SensorLayoutV1, rec(sensorSyscall{H: h, Ret: 5, Args: [6]uint64{0, 0, 5}}), &e); err != nil {
		t.Fatal(err)
	}
	if a, _ := e.Arg("fd"); e.Flags != event.FlagIOUring || a.Int != -1 {
		t.Errorf("send on registered file 0: flags %d fd %d, want io_uring and -1", e.Flags, a.Int)
	}
	h = hdr(sensorRecSyscall, 425)
	params := make([]byte, 24)
	for i, v := range []uint32{8, 16, 2, 0, 1000, 0x3fff} {
		le.PutUint32(params[4*i:], v)
	}
	if err := DecodeSensorRecord(SensorLayoutV1, rec(sensorSyscall{H: h, Ret: 3, Args: [6]uint64{8}}, blobSockaddr, params), &e); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]int64{"entries": 8, "sq_entries": 8, "cq_entries": 16, "flags": 2, "sq_thread_idle": 1000, "features": 0x3fff} {
		if a, _ := e.Arg(name); a.Int != want {
			t.Errorf("io_uring_setup %s = %d, want %d", name, a.Int, want)
		}
	}
}

// TestIA32Facts checks the facts of syscall_32.tbl the decoder relies on (event.IA32Syscalls,
// generated from event/internal/ia32gen/syscall_32.txt).
func TestIA32Facts(t *testing.T) {
	// Facts of syscall_32.tbl the decoder relies on.
	for nr, name := range map[uint32]string{2: "fork", 4: "write", 5: "open", 6: "close", 11: "execve", 102: "socketcall",
		120: "clone", 190: "vfork", 221: "fcntl", 295: "openat", 358: "execveat", 359: "socket", 362: "connect",
		425: "io_uring_setup"} {
		if event.IA32Syscalls[nr] != name {
			t.Errorf("ia32 %d = %q, want %q", nr, event.IA32Syscalls[nr], name)
		}
	}
}
