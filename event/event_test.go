package event

import (
	"errors"
	"io"
	"net/netip"
	"testing"
)

func TestSliceSource(t *testing.T) {
	src := NewSliceSource(Event{Kind: KindOpen, TS: 5}, Event{Kind: KindClose, TS: 6, Num: 42})
	var e Event
	if err := src.Next(&e); err != nil || e.Kind != KindOpen || e.Num != 1 {
		t.Fatalf("first: %v %+v", err, e)
	}
	if err := src.Next(&e); err != nil || e.Kind != KindClose || e.Num != 42 {
		t.Fatalf("second: %v %+v", err, e)
	}
	if err := src.Next(&e); !errors.Is(err, io.EOF) {
		t.Fatalf("third: %v, want io.EOF", err)
	}
}

func TestArgAndClone(t *testing.T) {
	e := Event{Kind: KindChmod}
	e.SetArgs(Str("/tmp/x"), Int(0o4755))
	a, ok := e.Arg("mode")
	if !ok || a.Int != 0o4755 {
		t.Fatalf("Arg(mode) = %v, %v", a, ok)
	}
	if _, ok := e.Arg("flags"); ok {
		t.Fatal("chmod has no flags parameter")
	}
	c := e.Clone()
	e.Args[0].Bytes[0] = 'X'
	if string(c.Args[0].Bytes) != "/tmp/x" {
		t.Fatalf("Clone aliases: %q", c.Args[0].Bytes)
	}
	e.Reset()
	if e.NArgs != 0 || e.Kind != KindUnknown || len(e.Args[0].Bytes) != 0 || cap(e.Args[0].Bytes) == 0 {
		t.Fatalf("Reset left %+v", e)
	}
}

func TestTupleRoundTrip(t *testing.T) {
	cases := []Tuple{
		{Family: AFInet, Proto: ProtoTCP, Local: netip.MustParseAddrPort("192.0.2.1:40000"), Remote: netip.MustParseAddrPort("198.51.100.7:3333")},
		{Family: AFInet6, Proto: ProtoUDP, Local: netip.MustParseAddrPort("[2001:db8::1]:5353"), Remote: netip.MustParseAddrPort("[2001:db8::53]:53")},
		{Family: AFUnix, Path: []byte("/run/docker.sock")},
	}
	for _, want := range cases {
		got, err := ParseTuple(want.AppendBinary(nil))
		if err != nil {
			t.Fatalf("%v: %v", want, err)
		}
		if got.Family != want.Family || got.Proto != want.Proto || got.Local != want.Local ||
			got.Remote != want.Remote || string(got.Path) != string(want.Path) {
			t.Errorf("round trip: got %+v, want %+v", got, want)
		}
	}
	if _, err := ParseTuple([]byte{AFInet, 6, 0, 1}); !errors.Is(err, ErrBadAddress) {
		t.Errorf("short tuple: %v", err)
	}
}

func TestAppendArg(t *testing.T) {
	tup := Tuple{Family: AFInet, Proto: ProtoTCP, Local: netip.MustParseAddrPort("192.0.2.1:40000"),
		Remote: netip.MustParseAddrPort("198.51.100.7:3333")}
	cases := []struct {
		name string
		p    Param
		a    Arg
		want string
	}{
		{"mode", Param{Type: TypeMode}, Int(0o4755), "04755(S_IXOTH|S_IROTH|S_IXGRP|S_IRGRP|S_IXUSR|S_IWUSR|S_IRUSR|S_ISUID)"},
		{"open flags", Param{Type: TypeFlags, Table: "open"}, Int(0o1101), "O_WRONLY|O_CREAT|O_TRUNC"},
		{"unknown bit", Param{Type: TypeFlags, Table: "exe"}, Int(0x12), "EXE_UPPER_LAYER|0x10"},
		{"enum", Param{Type: TypeEnum, Table: "bpf"}, Int(5), "BPF_PROG_LOAD"},
		{"unnamed enum", Param{Type: TypeEnum, Table: "bpf"}, Int(99), "99"},
		{"list", Param{Type: TypeList}, Bytes([]byte("xmrig\x00-o\x00pool:3333\x00")), "xmrig -o pool:3333"},
		{"bytes", Param{Type: TypeBytes}, Bytes([]byte("{\"id\":1}\n\x00")), "{\"id\":1}.."},
		{"tuple", Param{Type: TypeTuple}, Bytes(tup.AppendBinary(nil)), "192.0.2.1:40000->198.51.100.7:3333"},
		{"negative", Param{Type: TypeFD}, Int(-1), "-1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := string(AppendArg(nil, c.p, c.a)); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func FuzzParseTuple(f *testing.F) {
	f.Add([]byte{AFInet, 6, 0, 1, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Add([]byte{AFUnix, 0, '/', 'x'})
	f.Fuzz(func(t *testing.T, b []byte) {
		tup, err := ParseTuple(b)
		if err != nil {
			return
		}
		if got := tup.AppendBinary(nil); string(got) != string(b) && (tup.Family == AFInet || tup.Family == AFInet6) {
			t.Fatalf("re-encoding differs: %x vs %x", got, b)
		}
	})
}
