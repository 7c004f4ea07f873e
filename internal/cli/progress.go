package cli

import (
	"io"
	"time"

	"github.com/schollz/progressbar/v3"

	"saker/event"
)

// progress shows replay progress on a terminal: events, percent of the records the manifest
// announced, rate and time left. It stays silent when stderr is not a terminal.
type progress struct {
	bar *progressbar.ProgressBar
	n   int64
}

func newProgress(w io.Writer, enabled bool, total uint64) *progress {
	if !enabled || !isTerminal(w) {
		return nil
	}
	max := int64(total)
	if max == 0 {
		max = -1
	}
	bar := progressbar.NewOptions64(max,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("replaying"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("events"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	return &progress{bar: bar}
}

func (p *progress) wrap(src event.Source) event.Source { return &progressSource{src: src, p: p} }

func (p *progress) finish() { p.bar.Finish() }

type progressSource struct {
	src event.Source
	p   *progress
}

func (s *progressSource) Next(e *event.Event) error {
	err := s.src.Next(e)
	if err == nil {
		s.p.n++
		if s.p.n%8192 == 0 {
			s.p.bar.Add(8192)
		}
	}
	return err
}

// Wall passes the wrapped source's clock through.
func (s *progressSource) Wall(ts uint64) time.Time {
	if c, ok := s.src.(event.Clock); ok {
		return c.Wall(ts)
	}
	return event.UnixClock{}.Wall(ts)
}

// spanSource passes events through and keeps the time span of the capture's own events,
// before analyze merges --dns answers into them.
type spanSource struct {
	src         event.Source
	first, last uint64
	n           uint64
}

func (s *spanSource) Next(e *event.Event) error {
	err := s.src.Next(e)
	if err == nil && e.TS != 0 {
		if s.n == 0 || e.TS < s.first {
			s.first = e.TS
		}
		s.last = max(s.last, e.TS)
		s.n++
	}
	return err
}

// Wall passes the wrapped source's clock through.
func (s *spanSource) Wall(ts uint64) time.Time {
	if c, ok := s.src.(event.Clock); ok {
		return c.Wall(ts)
	}
	return event.UnixClock{}.Wall(ts)
}

// span returns the wall-clock span of the events seen, zero times when none.
func (s *spanSource) span() (first, last time.Time) {
	if s.n == 0 {
		return time.Time{}, time.Time{}
	}
	return s.Wall(s.first), s.Wall(s.last)
}
