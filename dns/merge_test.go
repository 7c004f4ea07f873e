package dns

import (
	"errors"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"

	"saker/event"
)

func dnsMergeMsg(ts int64, qname, ip string) Message {
	return Message{TS: ts, ID: 9, Response: true, QName: qname, QType: TypeA, FromPacket: true,
		Answers: []Record{{Name: qname, Type: TypeA, TTL: 60, IP: netip.MustParseAddr(ip)}}}
}

// TestDNSMerge interleaves events and messages by time, a message first on a tie, with the
// clock conversion applied, and leaves the primary's events untouched.
func TestDNSMerge(t *testing.T) {
	var evs []event.Event
	for _, ts := range []uint64{100, 200, 300} {
		e := event.Event{TS: ts, Kind: event.KindRead, PID: 1, TID: 1, Res: 3}
		e.SetArgs(event.Int(3), event.Int(3), event.Str("abc"))
		evs = append(evs, e)
	}
	msgs := []Message{dnsMergeMsg(1050, "a.example", "192.0.2.1"), dnsMergeMsg(1200, "b.example", "192.0.2.2"),
		dnsMergeMsg(1999, "c.example", "192.0.2.3")}
	// Wall times are 1000 ahead of the events' clock.
	s := NewMerge(event.NewSliceSource(evs...), SliceStream(msgs), func(wall int64) uint64 { return uint64(wall - 1000) })
	var got []string
	var e event.Event
	for {
		e.Reset()
		err := s.Next(&e)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		line := e.Kind.String() + "@" + strconv.FormatUint(e.TS, 10)
		if m := s.Message(); m != nil {
			q, _ := e.Arg("qname")
			if e.Kind != event.KindDns || string(q.Bytes) != m.QName || e.Num != 0 {
				t.Errorf("event %+v for message %s", e, m.QName)
			}
			line += ":" + m.QName
		} else if e.Kind == event.KindDns {
			t.Errorf("dns event without its message")
		}
		got = append(got, line)
	}
	want := []string{"dns@50:a.example", "read@100", "dns@200:b.example", "read@200", "read@300", "dns@999:c.example"}
	if !slices.Equal(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	for i := range evs {
		if d, _ := evs[i].Arg("data"); string(d.Bytes) != "abc" {
			t.Errorf("primary event %d changed: %q", i, d.Bytes)
		}
	}
	if w := s.Wall(5); w.UnixNano() != 5 {
		t.Errorf("Wall(5) = %v", w)
	}
}

type failingSource struct{ n int }

func (f *failingSource) Next(e *event.Event) error {
	f.n++
	if f.n == 2 {
		return errors.New("segment 2: corrupt")
	}
	if f.n > 3 {
		return io.EOF
	}
	e.TS, e.Kind = uint64(f.n), event.KindClose
	return nil
}

// TestDNSMergeSourceError passes the primary's error through and goes on after it.
func TestDNSMergeSourceError(t *testing.T) {
	s := NewMerge(&failingSource{}, SliceStream([]Message{dnsMergeMsg(10, "a.example", "192.0.2.1")}), nil)
	var got []string
	var e event.Event
	for range 6 {
		err := s.Next(&e)
		switch {
		case errors.Is(err, io.EOF):
			got = append(got, "EOF")
		case err != nil:
			got = append(got, "err")
		default:
			got = append(got, e.Kind.String())
		}
	}
	if want := "close err close dns EOF EOF"; strings.Join(got, " ") != want {
		t.Errorf("got %q, want %q", strings.Join(got, " "), want)
	}
}

func TestDNSSameTransaction(t *testing.T) {
	a := dnsMergeMsg(1, "Pool.Example", "192.0.2.1")
	cases := []struct {
		name string
		edit func(m *Message)
		same bool
	}{
		{"other sighting", func(m *Message) { m.TS, m.PID, m.FromSensor, m.QName = 99, 7, true, "pool.example" }, true},
		{"other id", func(m *Message) { m.ID++ }, false},
		{"query", func(m *Message) { m.Response = false }, false},
		{"other type", func(m *Message) { m.QType = TypeAAAA }, false},
		{"other answer", func(m *Message) { m.Answers[0].IP = netip.MustParseAddr("192.0.2.9") }, false},
		{"more answers", func(m *Message) { m.Answers = append(m.Answers, m.Answers[0]) }, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := a.Clone()
			c.edit(&b)
			if got := a.SameTransaction(&b); got != c.same {
				t.Errorf("SameTransaction = %v", got)
			}
		})
	}
}
