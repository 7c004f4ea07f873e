package replay

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"time"

	"saker/capfile"
	"saker/event"
)

// BundleOptions tune a BundleSource.
type BundleOptions struct {
	// NoVerify reads files that fail their integrity check (see capfile.ReaderOptions).
	NoVerify bool
	// Window is how far back in time records may arrive out of order (CPUs feed one ring
	// buffer, so neighbouring records can be a little out of order). Default 100 ms.
	Window time.Duration
	// MaxPending bounds the records held for reordering. Default 65536.
	MaxPending int
}

// BundleStats counts what a BundleSource read.
type BundleStats struct {
	Records       uint64            // records read from segments
	Events        uint64            // events yielded
	ByType        map[string]uint64 // records by capfile record type
	DecodeErrors  uint64            // records whose payload did not decode (skipped)
	Unknown       uint64            // records of unknown types or versions (skipped)
	LateReordered uint64            // records that arrived after a later one was already yielded
	FirstError    error             // the first decode error, for the report
}

// BundleSource replays a saker capture bundle as an ordered event.Source: it decodes raw sensor
// records and generic event records and yields them in timestamp order (stable for equal
// timestamps). It implements event.Clock with the manifest's clock anchors.
type BundleSource struct {
	Bundle *capfile.Bundle
	rr     *capfile.RecordReader
	opts   BundleOptions
	pend   reorderQueue
	slabs  slabPool
	held   *slab // the slab of the record last yielded: its event aliases the payload
	seq    uint64
	maxTS  uint64
	lastTS uint64
	num    uint64
	eof    bool
	byType [capfile.RecStats + 1]uint64 // records by known type; the rest in stats.ByType
	stats  BundleStats
}

// OpenBundle opens the bundle in dir. Integrity failures are errors wrapping
// capfile.ErrIntegrity unless opts.NoVerify.
func OpenBundle(dir string, opts BundleOptions) (*BundleSource, error) {
	b, err := capfile.Open(dir, capfile.ReaderOptions{NoVerify: opts.NoVerify})
	if err != nil {
		return nil, err
	}
	if opts.Window <= 0 {
		opts.Window = 100 * time.Millisecond
	}
	if opts.MaxPending <= 0 {
		opts.MaxPending = 1 << 16
	}
	return &BundleSource{Bundle: b, rr: b.Records(), opts: opts, stats: BundleStats{ByType: map[string]uint64{}}}, nil
}

// Wall converts an event timestamp (CLOCK_BOOTTIME) to wall-clock time.
func (s *BundleSource) Wall(ts uint64) time.Time { return s.Bundle.Manifest.Wall(ts) }

// Stats returns what was read so far.
func (s *BundleSource) Stats() BundleStats {
	st := s.stats
	st.ByType = maps.Clone(s.stats.ByType)
	for t, n := range s.byType {
		if n > 0 {
			st.ByType[capfile.RecordType(t).String()] += n
		}
	}
	return st
}

// Close releases open files.
func (s *BundleSource) Close() error { return s.rr.Close() }

// Next yields the next event in time order. Records that do not decode are skipped and
// counted (see Stats); a corrupt segment is returned as an error, after which Next continues
// with the following segment. The event's byte arguments alias the source's buffers and stay
// valid until the following call of Next: copy what must outlive it.
func (s *BundleSource) Next(e *event.Event) error {
	// The previous event is done with: its payload's slab may be reused.
	if s.held != nil {
		s.slabs.release(s.held)
		s.held = nil
	}
	for {
		if n := s.pend.len(); n > 0 && (s.eof || n >= s.opts.MaxPending ||
			s.pend.peek().ts+uint64(s.opts.Window) < s.maxTS) {
			p := s.pend.pop()
			ok, err := s.decode(p, e)
			if ok {
				s.held = p.slab
				return nil
			}
			s.slabs.release(p.slab)
			if err != nil {
				return err
			}
			continue
		}
		if s.eof {
			return io.EOF
		}
		var r capfile.Record
		if err := s.rr.Next(&r); err == io.EOF {
			s.eof = true
			continue
		} else if err != nil {
			return err
		}
		s.stats.Records++
		if int(r.Type) < len(s.byType) {
			s.byType[r.Type]++
		} else {
			s.stats.ByType[r.Type.String()]++
		}
		if r.Type != capfile.RecSensor && r.Type != capfile.RecEvent {
			s.stats.Unknown++
			continue
		}
		s.push(r)
	}
}

// push queues a copy of r; payloads are copied into shared slabs to avoid one allocation
// each.
func (s *BundleSource) push(r capfile.Record) {
	payload, sl := s.slabs.copy(r.Payload)
	s.seq++
	s.pend.push(pendingRecord{ts: r.TS, seq: s.seq, typ: r.Type, version: r.Version, payload: payload, slab: sl})
	s.maxTS = max(s.maxTS, r.TS)
}

func (s *BundleSource) decode(p pendingRecord, e *event.Event) (bool, error) {
	var err error
	switch p.typ {
	case capfile.RecEvent:
		err = capfile.DecodeEvent(p.payload, e)
	case capfile.RecSensor:
		err = DecodeSensorRecord(p.version, p.payload, e)
	}
	if errors.Is(err, ErrSensorSkip) {
		return false, nil
	}
	if err != nil {
		if errors.Is(err, ErrSensorLayout) {
			s.stats.Unknown++
		} else {
			s.stats.DecodeErrors++
		}
		if s.stats.FirstError == nil {
			s.stats.FirstError = fmt.Errorf("%s record at ts %d: %w", p.typ, p.ts, err)
		}
		return false, nil
	}
	e.TS = p.ts
	if p.ts < s.lastTS {
		s.stats.LateReordered++
	}
	s.lastTS = max(s.lastTS, p.ts)
	s.num++
	e.Num = s.num
	s.stats.Events++
	return true, nil
}
