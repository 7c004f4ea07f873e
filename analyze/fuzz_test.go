package analyze

import (
	"context"
	"encoding/binary"
	"io"
	"net/netip"
	"testing"

	"saker/event"
	"saker/rules"
)

// fuzzSource decodes arbitrary bytes into a sequence of events of every kind, with small
// pids so that events hit the same processes and fds, and well-formed tuples half the time.
type fuzzSource struct {
	b   []byte
	n   uint64
	max int
}

func (s *fuzzSource) byte() byte {
	if len(s.b) == 0 {
		return 0
	}
	c := s.b[0]
	s.b = s.b[1:]
	return c
}

func (s *fuzzSource) Next(e *event.Event) error {
	if len(s.b) < 4 || s.n >= uint64(s.max) {
		return io.EOF
	}
	e.Reset()
	s.n++
	e.Num = s.n
	e.TS = s.n * 1000
	e.Kind = event.Kind(int(s.byte()) % event.NumKinds)
	e.PID = uint32(s.byte()%8) + 1
	e.TID = e.PID
	if c := s.byte(); c%4 == 0 {
		e.TID = e.PID + 100
	}
	e.Res = int64(int8(s.byte()))
	if e.Res == -128 {
		e.Res = -1 << 63
	}
	ps := e.Kind.Params()
	for i, p := range ps {
		a := &e.Args[i]
		switch {
		case p.Type.IsInt():
			a.Int = int64(int16(binary.LittleEndian.Uint16([]byte{s.byte(), s.byte()})))
			if p.Type == event.TypeMode || p.Type == event.TypeFlags {
				a.Int = int64(uint16(a.Int)) << (s.byte() % 12)
			}
		case (p.Type == event.TypeTuple || p.Type == event.TypeSockaddr) && s.byte()%2 == 0:
			l := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, s.byte()}), uint16(s.byte())<<8)
			r := netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 51, 100, s.byte()}), uint16(s.byte()))
			if p.Type == event.TypeTuple {
				a.Bytes = event.Tuple{Family: event.AFInet, Proto: event.ProtoTCP + 11*(s.byte()%2), Local: l, Remote: r}.AppendBinary(a.Bytes[:0])
			} else {
				a.Bytes = event.Sockaddr{Family: event.AFInet, Addr: r}.AppendBinary(a.Bytes[:0])
			}
		default:
			n := int(s.byte() % 40)
			n = min(n, len(s.b))
			a.Bytes = append(a.Bytes[:0], s.b[:n]...)
			s.b = s.b[n:]
		}
	}
	e.NArgs = uint8(len(ps))
	if c := s.byte(); c == 0xff && e.NArgs > 0 {
		e.NArgs-- // a source that lost a trailing parameter
	}
	return nil
}

// FuzzState replays random event sequences through the state, every field and the default
// rules: nothing may panic and the state must stay bounded by what the events created.
func FuzzState(f *testing.F) {
	f.Add([]byte("\x01\x01\x00\x00\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e"))
	f.Add([]byte{byte(event.KindClone), 1, 1, 5, 0, 0, 5, 0, 5, 0, 0, byte(event.KindExecve), 5, 5, 0, 4, '/', 't', 'm', 'p'})
	var recs int
	hooks := Hooks{
		Process: func(*ProcessRecord) { recs++ },
		Conn:    func(*ConnRecord) { recs++ },
		File:    func(*FileRecord) { recs++ },
	}
	a, err := NewAnalyzer(Options{Hooks: hooks, Names: fuzzNames{}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		src := &fuzzSource{b: data, max: 2000}
		res, err := a.Run(context.Background(), src)
		if err != nil {
			t.Fatal(err)
		}
		if st := res.State; st.Threads > 4*int(res.Events)+4 || st.Processes > st.Threads+exitedCacheSize+int(res.Events) {
			t.Fatalf("state %+v after %d events", st, res.Events)
		}
		// Every field on a fresh replay of the same events.
		s := NewState(nil, fuzzNames{}, Hooks{})
		p := NewProvider(s)
		var xs []rules.Extractor
		for _, n := range FieldNames() {
			if x, err := p.Field(SourceSyscall, n, ""); err == nil {
				xs = append(xs, x)
			}
		}
		for _, n := range []string{"proc.aname", "proc.aexepath"} {
			x, _ := p.Field(SourceSyscall, n, "3")
			xs = append(xs, x)
		}
		src = &fuzzSource{b: data, max: 2000}
		var e event.Event
		var buf [][]byte
		for src.Next(&e) == nil {
			s.Update(&e)
			for _, x := range xs {
				switch {
				case x.Str != nil:
					x.Str(&e)
				case x.Int != nil:
					x.Int(&e)
				case x.IP != nil:
					x.IP(&e)
				case x.List != nil:
					buf, _ = x.List(&e, buf[:0])
				}
			}
		}
		s.Flush()
	})
}

// fuzzNames names every address of 198.51.100.0/24 as a mining pool.
type fuzzNames struct{}

var fuzzPool = []byte("pool.supportxmr.com")

func (fuzzNames) Names(ip netip.Addr, _ int64, buf [][]byte) [][]byte {
	if ip.Is4() && ip.As4()[0] == 198 {
		buf = append(buf, fuzzPool)
	}
	return buf
}
