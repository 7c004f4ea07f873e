package replay

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"saker/event"
)

// mirrorLayout renders the Go mirrors in the format of capture/bpf/layout.golden.
func mirrorLayout() string {
	var b strings.Builder
	for _, m := range []struct {
		name string
		v    any
	}{
		{"sensor_hdr", sensorHdr{}}, {"sensor_syscall", sensorSyscall{}}, {"sensor_blob", sensorBlob{}},
		{"sensor_tuple", sensorTuple{}}, {"sensor_exec", sensorExec{}}, {"sensor_fork", sensorFork{}},
		{"sensor_exit", sensorExit{}},
	} {
		t := reflect.TypeOf(m.v)
		fmt.Fprintf(&b, "%s %d\n", m.name, t.Size())
		for i := range t.NumField() {
			f := t.Field(i)
			if f.Name == "_" {
				continue
			}
			fmt.Fprintf(&b, "\t%s %d %d\n", snake(f.Name), f.Offset, f.Type.Size())
		}
	}
	return b.String()
}

func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) && i > 0 {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// TestSensorLayoutMirror compares the Go mirrors with capture/bpf/layout.golden, which the
// capture package's TestLayoutBTF checks against the BTF of the compiled BPF object.
func TestSensorLayoutMirror(t *testing.T) {
	want, err := os.ReadFile("../capture/bpf/layout.golden")
	if err != nil {
		t.Skipf("no layout golden file: %v", err)
	}
	if got := mirrorLayout(); got != string(want) {
		t.Errorf("mirror structs differ from capture/bpf/layout.golden:\n%s", got)
	}
	for _, c := range []struct {
		v    any
		size int
	}{
		{sensorHdr{}, sizeHdr}, {sensorSyscall{}, sizeSyscall}, {sensorBlob{}, sizeBlob},
		{sensorTuple{}, sizeTuple}, {sensorExec{}, sizeExec}, {sensorFork{}, sizeFork}, {sensorExit{}, sizeExit},
	} {
		if s := int(reflect.TypeOf(c.v).Size()); s != c.size {
			t.Errorf("%T: size %d, decoder assumes %d", c.v, s, c.size)
		}
	}
}

// rec builds a raw record the way the sensor lays it out: a fixed struct, then blobs.
func rec(fixed any, blobs ...any) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, fixed)
	for i := 0; i+1 < len(blobs); i += 2 {
		var data []byte
		switch v := blobs[i+1].(type) {
		case string:
			data = []byte(v)
		case []byte:
			data = v
		default:
			var d bytes.Buffer
			binary.Write(&d, binary.LittleEndian, v)
			data = d.Bytes()
		}
		binary.Write(&b, binary.LittleEndian, sensorBlob{Tag: uint8(blobs[i].(int)), Len: uint16(len(data))})
		b.Write(data)
	}
	out := b.Bytes()
	binary.LittleEndian.PutUint32(out[24:], uint32(len(out)))
	return out
}

func hdr(typ uint16, nr uint32) sensorHdr {
	return sensorHdr{Ts: 1000, Pid: 42, Tid: 43, Type: typ, Cpu: 1, Nr: nr}
}

func sockaddrIn(ip [4]byte, port uint16) []byte {
	b := make([]byte, 16)
	binary.LittleEndian.PutUint16(b, event.AFInet)
	binary.BigEndian.PutUint16(b[2:], port)
	copy(b[4:], ip[:])
	return b
}

func TestDecodeSensorRecord(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	tcp := sensorTuple{Family: event.AFInet, Proto: event.ProtoTCP, Lport: 40000, Rport: 8080}
	copy(tcp.Laddr[:], lo.AsSlice())
	copy(tcp.Raddr[:], lo.AsSlice())
	wantTuple := string(event.Tuple{Family: event.AFInet, Proto: event.ProtoTCP,
		Local: netip.AddrPortFrom(lo, 40000), Remote: netip.AddrPortFrom(lo, 8080)}.AppendBinary(nil))
	udp := sensorTuple{Family: event.AFInet, Proto: event.ProtoUDP, Lport: 5353}
	copy(udp.Laddr[:], lo.AsSlice())
	wantUDP := string(event.Tuple{Family: event.AFInet, Proto: event.ProtoUDP,
		Local: netip.AddrPortFrom(lo, 5353), Remote: netip.AddrPortFrom(netip.MustParseAddr("10.0.0.53"), 53)}.AppendBinary(nil))

	exec := sensorExec{H: hdr(sensorRecExec, 59), Ppid: 7, Uid: 1000, Euid: 0, Loginuid: 1000, Vpid: 42,
		Vtid: 43, Flags: execUpperLayer, ExeIno: 99}
	copy(exec.Comm[:], "miner")
	fork := sensorFork{H: hdr(sensorRecFork, 56), ChildPid: 50, ChildTid: 50, CloneFlags: 0x11}
	copy(fork.Comm[:], "bash")

	tests := []struct {
		name string
		raw  []byte
		kind string
		res  int64
		args map[string]any // string for Bytes, int for Int
	}{
		{"openat", rec(sensorSyscall{H: hdr(1, 257), Ret: 3, Args: [6]uint64{uint64(0xffffff9c), 0, 0o101, 0o755}},
			blobArg0+1, "/tmp/x"), "openat", 3,
			map[string]any{"dirfd": -100, "name": "/tmp/x", "flags": 0o101, "mode": 0o755}},
		{"chmod", rec(sensorSyscall{H: hdr(1, 90), Args: [6]uint64{0, 0o4755}}, blobArg0, "/tmp/s"), "chmod", 0,
			map[string]any{"filename": "/tmp/s", "mode": 0o4755}},
		{"connect", rec(sensorSyscall{H: hdr(1, 42), Ret: -115, Args: [6]uint64{3, 0, 16}},
			blobTuple, tcp, blobSockaddr, sockaddrIn([4]byte{127, 0, 0, 1}, 8080)), "connect", -115,
			map[string]any{"fd": 3, "tuple": wantTuple,
				"addr": string(event.Sockaddr{Family: event.AFInet, Addr: netip.AddrPortFrom(lo, 8080)}.AppendBinary(nil))}},
		{"sendto udp", rec(sensorSyscall{H: hdr(1, 44), Ret: 5, Args: [6]uint64{4, 0, 5, 0, 0, 16}},
			blobTuple, udp, blobSockaddr, sockaddrIn([4]byte{10, 0, 0, 53}, 53), blobData, "hello"), "sendto", 5,
			map[string]any{"fd": 4, "size": 5, "data": "hello", "tuple": wantUDP}},
		{"write", rec(sensorSyscall{H: hdr(1, 1), Ret: 2, Args: [6]uint64{5, 0, 2}}, blobTuple, tcp, blobData, "hi"),
			"write", 2, map[string]any{"fd": 5, "size": 2, "data": "hi"}},
		{"pipe2", rec(sensorSyscall{H: hdr(1, 293), Args: [6]uint64{0, 0o2000000}}, blobFDs, [2]int32{3, 4}),
			"pipe2", 0, map[string]any{"fd1": 3, "fd2": 4, "flags": 0o2000000}},
		{"execve", rec(exec, blobFilename, "/tmp/xmrig", blobArgs, "xmrig\x00-o\x00pool:3333\x00",
			blobExepath, "xmrig\x00tmp\x00", blobCwd, "", blobCgroup, "docker-abc.scope\x00system.slice\x00"),
			"execve", 0, map[string]any{"filename": "/tmp/xmrig", "exe": "xmrig", "args": "-o\x00pool:3333\x00",
				"exepath": "/tmp/xmrig", "cwd": "/", "comm": "miner", "ptid": 7, "uid": 1000, "euid": 0,
				"pid": 42, "tid": 43, "cgroups": "/system.slice/docker-abc.scope",
				"flags": event.ExeUpperLayer, "exe_ino": 99}},
		{"execve env", rec(sensorExec{H: hdr(sensorRecExec, 59)}, blobArgs, "true\x00",
			blobEnv, "FOO=bar\x00LD_PRELOAD=/tmp/x.so\x00"), "execve", 0,
			map[string]any{"exe": "true", "env": "FOO=bar\x00LD_PRELOAD=/tmp/x.so\x00"}},
		// A truncated environment ends inside an item: the item is kept, terminated.
		{"execve env truncated", rec(sensorExec{H: hdr(sensorRecExec, 59), Flags: execEnvTruncated},
			blobEnv, "FOO=bar\x00PATH=/us"), "execve", 0, map[string]any{"env": "FOO=bar\x00PATH=/us\x00"}},
		// Records of sensors older than the env blob have none.
		{"execve no env", rec(sensorExec{H: hdr(sensorRecExec, 59)}, blobArgs, "true\x00"), "execve", 0,
			map[string]any{"env": ""}},
		{"memfd execve", rec(sensorExec{H: hdr(sensorRecExec, 322), Flags: execNoLinks}, blobExepath, "memfd:x\x00"),
			"execveat", 0, map[string]any{"exepath": "/memfd:x (deleted)", "flags": event.ExeFromMemfd}},
		{"clone", rec(fork), "clone", 50, map[string]any{"child_pid": 50, "child_tid": 50, "flags": 0x11, "comm": "bash"}},
		{"exit", rec(sensorExit{H: hdr(sensorRecExit, ^uint32(0)), Code: 256}), "procexit", 0,
			map[string]any{"status": 256}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var e event.Event
			if err := DecodeSensorRecord(SensorLayoutV1, tc.raw, &e); err != nil {
				t.Fatal(err)
			}
			if e.Kind.String() != tc.kind || e.Res != tc.res || e.PID != 42 || e.TID != 43 || e.TS != 1000 || e.CPU != 1 {
				t.Fatalf("got %s res %d pid %d tid %d ts %d cpu %d", e.Kind, e.Res, e.PID, e.TID, e.TS, e.CPU)
			}
			if int(e.NArgs) != len(e.Kind.Params()) {
				t.Errorf("NArgs %d, kind has %d params", e.NArgs, len(e.Kind.Params()))
			}
			for name, want := range tc.args {
				a, ok := e.Arg(name)
				if !ok {
					t.Errorf("no param %s", name)
					continue
				}
				switch w := want.(type) {
				case string:
					if string(a.Bytes) != w {
						t.Errorf("%s = %q, want %q", name, a.Bytes, w)
					}
				case int:
					if a.Int != int64(w) {
						t.Errorf("%s = %d, want %d", name, a.Int, w)
					}
				}
			}
		})
	}
}

func TestDecodeSensorRecordErrors(t *testing.T) {
	good := rec(sensorSyscall{H: hdr(1, 90)}, blobArg0, "/x")
	var e event.Event
	for _, c := range []struct {
		name    string
		version uint16
		raw     []byte
		want    error
	}{
		{"version", 9, good, ErrSensorLayout},
		{"short", 1, good[:10], ErrSensorRecord},
		{"length field", 1, good[:len(good)-1], ErrSensorRecord},
		{"unknown syscall", 1, rec(sensorSyscall{H: hdr(1, 400)}), ErrSensorSkip},
		{"bad type", 1, rec(sensorSyscall{H: hdr(9, 90)}), ErrSensorRecord},
		{"blob overrun", 1, func() []byte {
			b := append([]byte{}, good...)
			binary.LittleEndian.PutUint16(b[sizeSyscall+2:], 500)
			return b
		}(), ErrSensorRecord},
	} {
		if err := DecodeSensorRecord(c.version, c.raw, &e); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
}

func FuzzDecodeSensorRecord(f *testing.F) {
	f.Add(uint16(1), rec(sensorSyscall{H: hdr(1, 90)}, blobArg0, "/x"))
	f.Add(uint16(1), rec(sensorExec{H: hdr(2, 59)}, blobArgs, "a\x00b", blobExepath, "x\x00y\x00"))
	f.Add(uint16(1), rec(sensorFork{H: hdr(3, 435)}))
	f.Add(uint16(1), rec(sensorExec{H: hdr(2, 59), Flags: execEnvTruncated}, blobEnv, "A=1\x00B"))
	f.Add(uint16(1), rec(sensorSyscall{H: ia32(1, 362), Args: [6]uint64{3}}, blobSockaddr, sockaddrIn([4]byte{127, 0, 0, 1}, 3333)))
	f.Add(uint16(1), rec(sensorExec{H: ia32(2, 11)}, blobArgs, "a\x00b"))
	f.Add(uint16(1), rec(sensorSyscall{H: sensorHdr{Type: 1, Nr: 44, Flags: hdrIOUring | hdrFixedFile}}, blobData, "x"))
	f.Add(uint16(1), rec(sensorSyscall{H: hdr(1, 425), Ret: 3}, blobSockaddr, make([]byte, 24)))
	f.Fuzz(func(t *testing.T, version uint16, raw []byte) {
		var e event.Event
		if err := DecodeSensorRecord(version, raw, &e); err != nil {
			return
		}
		if !e.Kind.Valid() || int(e.NArgs) != len(e.Kind.Params()) {
			t.Fatalf("decoded %v with %d args", e.Kind, e.NArgs)
		}
		for _, p := range e.Kind.Params() {
			a, _ := e.Arg(p.Name)
			if len(a.Bytes) > 2*len(raw)+16 {
				t.Fatalf("%s: %d bytes from a %d byte record", p.Name, len(a.Bytes), len(raw))
			}
		}
	})
}

// BenchmarkDecodeSensorRecord decodes the committed real records of the fuzz corpus.
func BenchmarkDecodeSensorRecord(b *testing.B) {
	recs := seedRecords(b)
	var e event.Event
	n := 0
	for b.Loop() {
		for _, r := range recs {
			if DecodeSensorRecord(SensorLayoutV1, r, &e) == nil {
				n++
			}
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}

// seedRecords loads the real sensor records of the seed corpus (captured with saker capture
// on a 6.18 kernel: one record per record type and syscall number seen).
func seedRecords(tb testing.TB) [][]byte {
	dir := "testdata/fuzz/FuzzDecodeSensorRecord"
	ents, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var recs [][]byte
	for _, d := range ents {
		if !strings.HasPrefix(d.Name(), "real-") {
			continue
		}
		b, err := os.ReadFile(dir + "/" + d.Name())
		if err != nil {
			tb.Fatal(err)
		}
		lines := strings.Split(string(b), "\n")
		if len(lines) < 3 {
			continue
		}
		s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[2], "[]byte("), ")"))
		if err != nil {
			tb.Fatalf("%s: %v", d.Name(), err)
		}
		recs = append(recs, []byte(s))
	}
	return recs
}

// TestDecodeRealSensorRecords decodes every real record of the seed corpus without error.
func TestDecodeRealSensorRecords(t *testing.T) {
	recs := seedRecords(t)
	if len(recs) == 0 {
		t.Fatal("no real records in the seed corpus")
	}
	var e event.Event
	for i, r := range recs {
		if err := DecodeSensorRecord(SensorLayoutV1, r, &e); err != nil {
			t.Errorf("record %d: %v", i, err)
		}
	}
}

// TestDecodeRealExecEnv decodes a real exec record of a process started with a chosen
// environment (the seed real-type2-env, captured on a 6.18 kernel by running /bin/true with
// FOO, LD_PRELOAD and HTTP_PROXY only).
func TestDecodeRealExecEnv(t *testing.T) {
	b, err := os.ReadFile("testdata/fuzz/FuzzDecodeSensorRecord/real-type2-env")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	raw, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[2], "[]byte("), ")"))
	if err != nil {
		t.Fatal(err)
	}
	var e event.Event
	if err := DecodeSensorRecord(SensorLayoutV1, []byte(raw), &e); err != nil {
		t.Fatal(err)
	}
	env, _ := e.Arg("env")
	args, _ := e.Arg("args")
	if want := "FOO=bar\x00LD_PRELOAD=/tmp/x.so\x00HTTP_PROXY=http://10.0.0.9:3128\x00"; string(env.Bytes) != want ||
		string(args.Bytes) != "env-seed\x00" {
		t.Errorf("env %q args %q", env.Bytes, args.Bytes)
	}
}
