package scap

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"saker/capfile"
	"saker/event"
)

// scapCorpusDir holds the shared corpus of real .scap files (see its PROVENANCE.md).
const scapCorpusDir = "../../../shared/corpus/scap"

// scapDemoCapture is the small real capture committed with the repository.
const scapDemoCapture = "../../testdata/captures/curl_google.scap"

func scapCorpus(t testing.TB) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(scapCorpusDir, "*.scap"))
	if len(files) == 0 {
		t.Skipf("no .scap corpus at %s", scapCorpusDir)
	}
	return files
}

// readScapAll reads a whole capture and returns its events (cloned) and stats.
func readScapAll(t testing.TB, path string) ([]*event.Event, Stats, *Source) {
	t.Helper()
	src, err := Open(path)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer src.Close()
	var evs []*event.Event
	var e event.Event
	for {
		err := src.Next(&e)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: event %d: %v", path, len(evs)+1, err)
		}
		evs = append(evs, e.Clone())
	}
	return evs, src.Stats(), src
}

func TestScapCorpusReadsToEnd(t *testing.T) {
	for _, path := range scapCorpus(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			evs, st, src := readScapAll(t, path)
			m := src.Machine()
			t.Logf("v%s host %q cpus %d: %d events (%d meta), %d records, %d merged, %d unpaired, %d corrupt, skipped types %v, skipped blocks %v",
				m.Version, m.Hostname, m.NumCPUs, st.Events, st.Meta, st.Records, st.Merged, st.Unpaired, st.Corrupt, st.SkippedByType, st.SkippedBlocks)
			if strings.HasSuffix(path, "_comments.scap") && len(m.Comments) == 0 {
				t.Error("section header comments not read")
			}
			if st.Corrupt != 0 {
				t.Errorf("corrupt records: %v", st.Problems)
			}
			if st.Meta == 0 {
				t.Errorf("no snapshot events")
			}
			var lastTS, snapTS uint64
			for i, e := range evs {
				// Snapshot records carry the first event record's time (see Source); user and
				// group records may also come from event records of their own.
				if k := e.Kind; (k == event.KindUserinfo || k == event.KindGroupinfo) && e.TS == 0 {
					t.Fatalf("event %d: %v at 0", e.Num, k)
				}
				if k := e.Kind; k == event.KindProcinfo || k == event.KindFdinfo {
					if snapTS == 0 {
						snapTS = e.TS
					}
					if e.TS == 0 || e.TS != snapTS || lastTS != 0 {
						t.Fatalf("event %d: %v at %d, snapshot at %d, after events up to %d", e.Num, k, e.TS, snapTS, lastTS)
					}
				}
				if e.Num != uint64(i+1) {
					t.Fatalf("event %d numbered %d", i+1, e.Num)
				}
				if !e.Kind.Valid() || int(e.NArgs) != len(e.Kind.Params()) {
					t.Fatalf("event %d: kind %v with %d args", e.Num, e.Kind, e.NArgs)
				}
				if e.Kind.IsSyscall() {
					if e.TS < lastTS {
						t.Logf("event %d: timestamp goes back (%d < %d)", e.Num, e.TS, lastTS)
					}
					lastTS = e.TS
				}
			}
			if w := src.Wall(lastTS); lastTS != 0 && (w.Year() < 2014 || w.Year() > 2030) {
				t.Errorf("last event at %v: timestamps are not Unix time", w)
			}
		})
	}
}

// TestScapDemoCapture checks the committed demo capture (curl fetching www.google.com over
// IPv6) in detail: the snapshot, curl's execve, its DNS query and answer, and the connection to
// the address the answer gave.
func TestScapDemoCapture(t *testing.T) {
	evs, st, src := readScapAll(t, scapDemoCapture)
	if m := src.Machine(); m.Hostname != "ip-10-0-0-79" || m.NumCPUs != 1 || m.Version != "1.0" || len(m.Interfaces) == 0 {
		t.Errorf("machine info: %+v", m)
	}
	if st.Meta == 0 {
		t.Fatal("no snapshot events")
	}
	const dnsServer = "[2001:4860:4860::8888]:53"
	var execve, query, answer, connect bool
	for _, e := range evs {
		tuple := func() event.Tuple {
			a, _ := e.Arg("tuple")
			tu, _ := event.ParseTuple(a.Bytes)
			return tu
		}
		data := func() string { a, _ := e.Arg("data"); return string(a.Bytes) }
		switch e.Kind {
		case event.KindExecve:
			args, _ := e.Arg("args")
			comm, _ := e.Arg("comm")
			if e.Res == 0 && string(comm.Bytes) == "curl" && strings.Contains(string(args.Bytes), "http://www.google.com") {
				execve = true
			}
		case event.KindSendto:
			// The query goes out on a connected socket: sendto carries no address.
			if strings.Contains(data(), "\x06google\x03com") && e.Res > 0 {
				query = true
			}
		case event.KindRecvfrom:
			// recvfrom's scap tuple is peer->local; saker's Local must be curl's end.
			if tu := tuple(); tu.Remote.String() == dnsServer && tu.Local.Port() != 53 && e.Res > 0 {
				answer = true
			}
		case event.KindConnect:
			if tu := tuple(); tu.Remote.Port() == 80 && tu.Family == event.AFInet6 && e.Res == -115 {
				connect = true
			}
		}
	}
	if !execve || !query || !answer || !connect {
		t.Errorf("execve %v, dns query %v, dns answer %v, connect %v", execve, query, answer, connect)
	}
}

func TestScapBadInput(t *testing.T) {
	data, err := os.ReadFile(scapDemoCapture)
	if err != nil {
		t.Skipf("demo capture: %v", err)
	}
	plain := scapPlain(t, data)
	tests := []struct {
		name string
		in   []byte
		want error // nil: reads to io.EOF
	}{
		{"empty", nil, ErrNotScap},
		{"not scap", []byte("hello, world, this is not a capture"), ErrNotScap},
		{"truncated header", plain[:6], ErrTruncated},
		{"truncated middle", plain[:len(plain)/2], ErrTruncated},
		{"truncated by one", plain[:len(plain)-1], ErrTruncated},
		{"bad trailer", scapFlipTrailer(plain), ErrCorrupt},
		{"huge length", scapHugeLength(plain), ErrCorrupt},
		{"gzip", data, nil},
		{"plain", plain, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := scapDrain(tc.in)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("got %v, want success", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), "offset") {
				t.Errorf("error %q does not name the offset", err)
			}
		})
	}
	if !errors.Is(ErrTruncated, capfile.ErrTruncated) {
		t.Error("ErrTruncated does not match capfile.ErrTruncated")
	}
}

// TestScapUnknownBlocksAndEvents inserts a block of an unknown type and an event of an unknown
// type; both are skipped and counted.
func TestScapUnknownBlocksAndEvents(t *testing.T) {
	data, err := os.ReadFile(scapDemoCapture)
	if err != nil {
		t.Skipf("demo capture: %v", err)
	}
	plain := scapPlain(t, data)
	shbLen := int(scapLE32(plain[4:]))
	unknownBlock := scapTestBlock(0x7777, []byte{1, 2, 3, 4})
	ev := make([]byte, 2+26+2+3)
	scapPut16(ev[0:], 0)
	scapPut64(ev[2:], 1_600_000_000_000_000_000)
	scapPut64(ev[10:], 42)
	scapPut32(ev[18:], 26+2+3)
	scapPut16(ev[22:], 9999) // no such scap event
	scapPut32(ev[24:], 1)
	scapPut16(ev[28:], 3)
	unknownEvent := scapTestBlock(scapBlockEVV2, ev)
	in := append(append(append(append([]byte{}, plain[:shbLen]...), unknownBlock...), unknownEvent...), plain[shbLen:]...)
	src, err := NewSource(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var e event.Event
	for err == nil {
		err = src.Next(&e)
	}
	if err != io.EOF {
		t.Fatalf("got %v, want io.EOF", err)
	}
	st := src.Stats()
	if st.SkippedBlocks[0x7777] != 1 || st.SkippedByType[9999] != 1 {
		t.Errorf("skipped blocks %v, types %v", st.SkippedBlocks, st.SkippedByType)
	}
}

func scapDrain(in []byte) error {
	src, err := NewSource(bytes.NewReader(in))
	if err != nil {
		return err
	}
	defer src.Close()
	var e event.Event
	for {
		if err := src.Next(&e); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

// scapPlain returns the decompressed bytes of a capture.
func scapPlain(t testing.TB, data []byte) []byte {
	t.Helper()
	blocks, closer, err := newScapBlocks(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if closer != nil {
		defer closer.Close()
	}
	plain, err := io.ReadAll(blocks.r)
	if err != nil {
		t.Fatal(err)
	}
	return plain
}

// scapFlipTrailer corrupts the trailing length of the second block.
func scapFlipTrailer(plain []byte) []byte {
	out := append([]byte{}, plain...)
	first := int(scapLE32(out[4:]))
	second := int(scapLE32(out[first+4:]))
	out[first+second-4] ^= 0xff
	return out
}

// scapHugeLength gives the second block an impossible length.
func scapHugeLength(plain []byte) []byte {
	out := append([]byte{}, plain...)
	first := int(scapLE32(out[4:]))
	scapPut32(out[first+4:], 0xfffffff0)
	return out
}

func scapTestBlock(typ uint32, body []byte) []byte {
	pad := (4 - len(body)%4) % 4
	total := 12 + len(body) + pad
	b := make([]byte, total)
	scapPut32(b, typ)
	scapPut32(b[4:], uint32(total))
	copy(b[8:], body)
	scapPut32(b[total-4:], uint32(total))
	return b
}

func scapLE32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}
func scapPut16(b []byte, v uint16) {
	b[0], b[1] = byte(v), byte(v>>8)
}
func scapPut32(b []byte, v uint32) {
	for i := range 4 {
		b[i] = byte(v >> (8 * i))
	}
}
func scapPut64(b []byte, v uint64) {
	for i := range 8 {
		b[i] = byte(v >> (8 * i))
	}
}

func TestEventTypeName(t *testing.T) {
	for typ, want := range map[uint16]string{2: "open", 3: "open", 160: "mmap", 0xfffe: "type 65534"} {
		if got := EventTypeName(typ); got != want {
			t.Errorf("EventTypeName(%d) = %q, want %q", typ, got, want)
		}
	}
}
