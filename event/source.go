package event

import (
	"io"
	"time"
)

// Source yields events in order. Next fills *e (reusing its buffers) and returns nil, io.EOF
// after the last event, or another error when the input is bad; after an error other than
// io.EOF a Source may still be able to continue, as its documentation says.
type Source interface {
	Next(e *Event) error
}

// Clock is implemented by sources that know how their event timestamps map to wall-clock time.
type Clock interface {
	Wall(ts uint64) time.Time
}

// UnixClock is the Clock of sources whose timestamps are Unix nanoseconds already.
type UnixClock struct{}

// Wall returns ts as a time.Time in UTC.
func (UnixClock) Wall(ts uint64) time.Time { return time.Unix(0, int64(ts)).UTC() }

// SliceSource yields a fixed list of events, numbering them from 1; for tests and small tools.
type SliceSource struct {
	Events []Event
	i      int
}

// NewSliceSource returns a Source over evs. The events are not copied.
func NewSliceSource(evs ...Event) *SliceSource { return &SliceSource{Events: evs} }

// Next copies the next event into e and returns io.EOF after the last one.
func (s *SliceSource) Next(e *Event) error {
	if s.i >= len(s.Events) {
		return io.EOF
	}
	*e = s.Events[s.i]
	s.i++
	if e.Num == 0 {
		e.Num = uint64(s.i)
	}
	return nil
}

// Wall treats timestamps as Unix nanoseconds.
func (s *SliceSource) Wall(ts uint64) time.Time { return UnixClock{}.Wall(ts) }
