package dns

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"
)

func drain(t *testing.T, s Stream) []Message {
	t.Helper()
	var out []Message
	for {
		var m Message
		err := s.Next(&m)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		out = append(out, m)
	}
}

func tsOf(msgs []Message) []int64 {
	var ts []int64
	for _, m := range msgs {
		ts = append(ts, m.TS)
	}
	return ts
}

func TestSortedWithinWindow(t *testing.T) {
	sec := int64(time.Second)
	in := []Message{dnsMergeMsg(3*sec, "c", "192.0.2.3"), dnsMergeMsg(1*sec, "a", "192.0.2.1"),
		dnsMergeMsg(2*sec, "b", "192.0.2.2"), dnsMergeMsg(10*sec, "d", "192.0.2.4"),
		dnsMergeMsg(20*sec, "e", "192.0.2.5"), dnsMergeMsg(4*sec, "late", "192.0.2.6")}
	s := Sorted(SliceStream(in), 5*time.Second)
	got := tsOf(drain(t, s))
	// 4s comes after 20s was read: more than the window late, it is yielded as it comes.
	want := []int64{1 * sec, 2 * sec, 3 * sec, 10 * sec, 4 * sec, 20 * sec}
	if !slices.Equal(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	if s.Late != 1 {
		t.Errorf("Late %d, want 1", s.Late)
	}
}

// Sorted holds no more than one window of messages: a long file in order passes through
// with a bounded heap.
func TestSortedMemoryBounded(t *testing.T) {
	n := 0
	src := streamFunc(func(m *Message) error {
		if n == 100000 {
			return io.EOF
		}
		*m = dnsMergeMsg(int64(n)*int64(time.Millisecond), "x", "192.0.2.1")
		n++
		return nil
	})
	s := Sorted(src, time.Second)
	most := 0
	var m Message
	for s.Next(&m) == nil {
		most = max(most, len(s.h))
	}
	if most > 1002 {
		t.Fatalf("held up to %d messages for a window of 1000", most)
	}
}

type streamFunc func(m *Message) error

func (f streamFunc) Next(m *Message) error { return f(m) }

func TestMergeStreams(t *testing.T) {
	a := SliceStream([]Message{dnsMergeMsg(1, "a", "192.0.2.1"), dnsMergeMsg(5, "a", "192.0.2.1"), dnsMergeMsg(9, "a", "192.0.2.1")})
	b := SliceStream([]Message{dnsMergeMsg(2, "b", "192.0.2.2"), dnsMergeMsg(5, "b", "192.0.2.2")})
	got := drain(t, MergeStreams(a, b))
	var names []string
	for _, m := range got {
		names = append(names, fmt.Sprintf("%d%s", m.TS, m.QName))
	}
	if want := []string{"1a", "2b", "5a", "5b", "9a"}; !slices.Equal(names, want) {
		t.Fatalf("merged %v, want %v", names, want)
	}
}

// An error of one stream comes once; the other streams go on.
func TestMergeStreamsError(t *testing.T) {
	bad := streamFunc(func(*Message) error { return errors.New("cut") })
	good := SliceStream([]Message{dnsMergeMsg(1, "a", "192.0.2.1")})
	s := MergeStreams(bad, good)
	var m Message
	if err := s.Next(&m); err == nil || err.Error() != "cut" {
		t.Fatalf("first Next: %v, want the error", err)
	}
	if err := s.Next(&m); err != nil || m.QName != "a" {
		t.Fatalf("second Next: %v %q", err, m.QName)
	}
	if err := s.Next(&m); !errors.Is(err, io.EOF) {
		t.Fatalf("third Next: %v", err)
	}
}

// Combined over a stream gives what Combine gives over the whole slice: the streaming
// replay names the same addresses as the in-memory one did.
func TestCombinedMatchesCombine(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 50 {
		var msgs []Message
		ts := int64(0)
		for range 300 {
			ts += r.Int64N(int64(300 * time.Millisecond))
			m := dnsMergeMsg(ts, fmt.Sprintf("h%d.example", r.IntN(8)), fmt.Sprintf("192.0.2.%d", 1+r.IntN(3)))
			m.ID = uint16(r.IntN(4))
			m.FromPacket, m.FromSensor = r.IntN(2) == 0, r.IntN(2) == 0
			if m.FromSensor {
				m.PID = uint32(1 + r.IntN(5))
			}
			msgs = append(msgs, m)
		}
		want := Combine(0, slices.Clone(msgs))
		got := drain(t, Combined(SliceStream(msgs), 0))
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: Combined yields %d messages, Combine %d", round, len(got), len(want))
		}
	}
}

// A real capture streams the same messages ReadFile reads, in the same order.
func TestFileStreamMatchesReadFile(t *testing.T) {
	paths, _ := filepath.Glob(dnsCorpus + "/zeek-cryptomining/*.pcap")
	if len(paths) == 0 {
		t.Skip("no corpus pcaps")
	}
	for _, path := range paths {
		all, _, rerr := ReadFile(path)
		f, err := OpenFile(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		var got []Message
		for {
			var m Message
			if err := f.Next(&m); err != nil {
				break
			}
			got = append(got, m)
		}
		f.Close()
		if len(got) != len(all) || f.Messages != len(all) || (f.Err == nil) != (rerr == nil) {
			t.Fatalf("%s: stream %d messages (counted %d, err %v), ReadFile %d (err %v)", path, len(got), f.Messages, f.Err, len(all), rerr)
		}
		for i := range got {
			if !reflect.DeepEqual(got[i], all[i]) {
				t.Fatalf("%s: message %d differs", path, i)
			}
		}
	}
}
