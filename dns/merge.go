package dns

import (
	"errors"
	"io"
	"strings"
	"time"

	"saker/event"
)

// Merge is an event.Source that interleaves a primary source (a bundle, a .scap file) with
// the `dns` meta events of DNS messages seen elsewhere (packet captures), by timestamp. The
// primary source must yield events in time order and Msgs messages sorted by TS (Combine,
// Sorted and Combined give them so); a message and an event with the same time yield the
// message first, since an answer at t names addresses for the events at t. DNS events carry
// Num 0: they stand for no record of the primary source. Msgs is read one message ahead of
// the events: memory does not grow with it.
//
// Events handed out alias buffers of Merge or of the primary source, as event.SliceSource's
// do: they are valid until the next call to Next and must not be modified.
type Merge struct {
	// Src is the primary source.
	Src event.Source
	// Msgs yields the DNS messages to merge, sorted by TS.
	Msgs Stream
	// TS converts a message's wall time (Unix nanoseconds) to the primary source's clock,
	// such as a bundle's CLOCK_BOOTTIME through its manifest's anchors; nil keeps Unix
	// nanoseconds, as .scap files and event.SliceSource use.
	TS func(wall int64) uint64

	msg     Message // Msgs' next message, read ahead
	haveMsg bool
	msgDone bool
	msgErr  error       // Msgs' error, handed out once
	pend    event.Event // the primary's next event, read ahead
	havePnd bool
	srcDone bool
	dnsEv   event.Event // the buffers of the dns events handed out
	last    *Message
}

// NewMerge returns a source of src's events and msgs' dns events in time order; ts is as
// Merge.TS.
func NewMerge(src event.Source, msgs Stream, ts func(wall int64) uint64) *Merge {
	return &Merge{Src: src, Msgs: msgs, TS: ts}
}

// Next fills e with the earlier of the primary's next event and the next message's dns event,
// and returns io.EOF when both are exhausted. An error of the primary source is returned as
// is; Next may be called again after it, as the primary allows.
func (s *Merge) Next(e *event.Event) error {
	s.last = nil
	if !s.havePnd && !s.srcDone {
		s.pend.Reset()
		switch err := s.Src.Next(&s.pend); {
		case err == nil:
			s.havePnd = true
		case errors.Is(err, io.EOF):
			s.srcDone = true
		default:
			return err
		}
	}
	if !s.haveMsg && !s.msgDone {
		switch err := s.Msgs.Next(&s.msg); {
		case err == nil:
			s.haveMsg = true
		case errors.Is(err, io.EOF):
			s.msgDone = true
		default:
			// Damage in the DNS input ends it; the events go on. Err tells.
			s.msgDone, s.msgErr = true, err
		}
	}
	if s.haveMsg {
		m := &s.msg
		ts := s.msgTS(m)
		if !s.havePnd || ts <= s.pend.TS {
			s.haveMsg = false
			Event(m, ts, &s.dnsEv)
			*e = s.dnsEv
			s.last = m
			return nil
		}
	}
	if !s.havePnd {
		return io.EOF
	}
	*e = s.pend
	s.havePnd = false
	return nil
}

func (s *Merge) msgTS(m *Message) uint64 {
	if s.TS != nil {
		return s.TS(m.TS)
	}
	return uint64(max(m.TS, 0))
}

// Err returns the error that ended Msgs early, nil when it ended cleanly or has not ended.
func (s *Merge) Err() error { return s.msgErr }

// Message returns the message behind the event the last Next yielded, nil when that event
// came from the primary source. It is valid until the next call to Next; its Answers may be
// kept.
func (s *Merge) Message() *Message { return s.last }

// Wall converts a timestamp with the primary source's clock when it has one, else as Unix
// nanoseconds.
func (s *Merge) Wall(ts uint64) time.Time {
	if c, ok := s.Src.(event.Clock); ok {
		return c.Wall(ts)
	}
	return event.UnixClock{}.Wall(ts)
}

// SameTransaction reports whether m and o are sightings of one DNS message: the same id,
// direction, question (name in any case) and answer records in the same order, the identity
// Combine uses. Times, ends and sources are not compared.
func (m *Message) SameTransaction(o *Message) bool {
	if m.ID != o.ID || m.Response != o.Response || m.QType != o.QType ||
		len(m.Answers) != len(o.Answers) || !strings.EqualFold(m.QName, o.QName) {
		return false
	}
	for i := range m.Answers {
		a, b := &m.Answers[i], &o.Answers[i]
		if a.Type != b.Type || a.IP != b.IP || !strings.EqualFold(a.Name, b.Name) || !strings.EqualFold(a.Target, b.Target) {
			return false
		}
	}
	return true
}
