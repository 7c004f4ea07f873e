package replay

import (
	"bytes"
	"cmp"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"saker/capfile"
	"saker/event"
)

// BundleOptions tune a BundleSource.
type BundleOptions struct {
	// NoVerify reads files that fail their integrity check (see capfile.ReaderOptions).
	NoVerify bool
	// VerifyKey requires a good manifest signature by this key (see capfile.ReaderOptions).
	VerifyKey ed25519.PublicKey
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
	rr     RecordSource
	opts   BundleOptions
	pend   reorderQueue
	slabs  slabPool
	held   *slab // the slab of the record last yielded: its event aliases the payload
	seq    uint64
	maxTS  uint64
	lastTS uint64
	num    uint64
	eof    bool
	byType [capfile.RecState + 1]uint64 // records by known type; the rest in stats.ByType
	stats  BundleStats
	// The start snapshot, queued before the first record is read (see queueSnapshot): the
	// main pass skips the first snapLeft event records stamped snapTS.
	snapTS   uint64
	snapLeft uint64
	exes     map[exeKey]*capfile.Executable
	now      func() uint64 // the live clock of a stream source (NewStreamSource), for ErrIdle
	// rec is the record Next reads into: rr is an interface, so a local one would escape
	// to the heap, one allocation per record; push copies what it keeps.
	rec capfile.Record
}

type exeKey struct {
	pid uint32
	ts  uint64
}

// OpenBundle opens the bundle in dir. Integrity failures are errors wrapping
// capfile.ErrIntegrity unless opts.NoVerify.
func OpenBundle(dir string, opts BundleOptions) (*BundleSource, error) {
	b, err := capfile.Open(dir, capfile.ReaderOptions{NoVerify: opts.NoVerify, VerifyKey: opts.VerifyKey})
	if err != nil {
		return nil, err
	}
	if opts.Window <= 0 {
		opts.Window = 100 * time.Millisecond
	}
	if opts.MaxPending <= 0 {
		opts.MaxPending = 1 << 16
	}
	s := &BundleSource{Bundle: b, rr: b.Records(), opts: opts, stats: BundleStats{ByType: map[string]uint64{}}}
	s.queueSnapshot()
	b.Executables(func(x *capfile.Executable) {
		if s.exes == nil {
			s.exes = map[exeKey]*capfile.Executable{}
		}
		c := *x
		s.exes[exeKey{x.PID, x.TS}] = &c
	})
	return s, nil
}

// Executables returns every executable record of the bundle, by time, then pid.
func (s *BundleSource) Executables() []*capfile.Executable {
	xs := make([]*capfile.Executable, 0, len(s.exes))
	for _, x := range s.exes {
		xs = append(xs, x)
	}
	slices.SortFunc(xs, func(a, b *capfile.Executable) int {
		return cmp.Or(cmp.Compare(a.TS, b.TS), cmp.Compare(a.PID, b.PID))
	})
	return xs
}

// Executable returns what the capture read of the executable pid ran at the exec (or
// snapshot) of timestamp ts; it implements analyze.ExeResolver. The value must not be
// modified.
func (s *BundleSource) Executable(pid uint32, ts uint64) (*capfile.Executable, bool) {
	x, ok := s.exes[exeKey{pid, ts}]
	return x, ok
}

// snapshotScan bounds the look-ahead for the start snapshot when the manifest does not say
// how many records it has (a capture killed before its first manifest update after the
// snapshot, or one without a snapshot): it stops at records this much later than the first.
const snapshotScan = 30 * time.Second

// queueSnapshot queues the records of the start snapshot (the run of event records at the
// start of the bundle sharing one timestamp) before anything else is read. The capture
// writes the snapshot while the sensor already records, so under load the snapshot lands in
// the segments after sensor records later than the reorder window; queued first, it still
// comes out at its own time, ahead of every later event, and the processes it describes
// have their identity from their first event on, however the capture was scheduled.
func (s *BundleSource) queueSnapshot() {
	if s.queueState() {
		return
	}
	want := s.Bundle.Manifest.Counters["snapshot_records"]
	limit := uint64(snapshotScan)
	if want > 0 {
		limit = uint64(snapshotScanCounted)
	}
	rr := s.Bundle.LookAhead()
	defer rr.Close()
	var r capfile.Record
	var firstTS uint64
	var snap []capfile.Record
	for want == 0 || uint64(len(snap)) < want {
		if err := rr.Next(&r); err != nil {
			break // the end, or damage the main pass reports
		}
		if firstTS == 0 {
			firstTS = r.TS
		}
		if r.TS > firstTS+limit {
			break
		}
		if r.Type != capfile.RecEvent {
			continue
		}
		switch {
		case len(snap) == 0 || r.TS < s.snapTS:
			// The snapshot is stamped before the sensor starts: an event record of an
			// earlier time than the run so far (a container record written while the
			// snapshot was starting) begins the real one.
			snap, s.snapTS = snap[:0], r.TS
		case r.TS > s.snapTS && want == 0:
			// An event record of a later time ends the snapshot of a capture that did not
			// count it; with a count, it is a live record (a container that started during
			// the snapshot) and the snapshot's records may follow it.
			want = uint64(len(snap))
			continue
		case r.TS > s.snapTS:
			continue
		}
		r.Payload = bytes.Clone(r.Payload)
		snap = append(snap, r)
	}
	for _, r := range snap {
		s.push(&r)
	}
	s.snapLeft = uint64(len(snap))
}

// queueState queues the state records of the bundle's first event segment when it has them
// as its snapshot, and says whether it did: a flight recorder's ring deleted the segments
// before it, and with them the start snapshot. The state records of later segments repeat
// what the replay knows by then; the main pass skips them all.
func (s *BundleSource) queueState() bool {
	var first capfile.FileEntry
	for _, f := range s.Bundle.Files() {
		if f.Kind == "events" {
			first = f
			break
		}
	}
	if first.StateRecords == 0 {
		return false
	}
	rr := s.Bundle.LookAhead()
	defer rr.Close()
	var r capfile.Record
	var n uint64
	var firstTS uint64
	for n < first.StateRecords {
		if err := rr.Next(&r); err != nil {
			break
		}
		if firstTS == 0 {
			firstTS = r.TS
		}
		if r.TS > max(firstTS, first.StateTS)+uint64(snapshotScanCounted) {
			break
		}
		if r.Type != capfile.RecState || r.TS != first.StateTS {
			continue
		}
		r.Type = capfile.RecEvent
		s.push(&r)
		n++
	}
	return true
}

// snapshotScanCounted bounds the look-ahead when the manifest counts the snapshot's records:
// a snapshot of a large host under load can take minutes.
const snapshotScanCounted = 5 * time.Minute

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
		r := &s.rec
		if err := s.rr.Next(r); err == io.EOF {
			s.eof = true
			continue
		} else if errors.Is(err, ErrIdle) && s.now != nil {
			s.maxTS = max(s.maxTS, s.now())
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
		if r.Type == capfile.RecState {
			continue // queued by queueState, or state the replay has from earlier segments
		}
		if r.Type != capfile.RecSensor && r.Type != capfile.RecEvent {
			s.stats.Unknown++
			continue
		}
		if r.Type == capfile.RecEvent && s.snapLeft > 0 && r.TS == s.snapTS {
			s.snapLeft-- // queued by queueSnapshot
			continue
		}
		s.push(r)
	}
}

// push queues a copy of r; payloads are copied into shared slabs to avoid one allocation
// each.
func (s *BundleSource) push(r *capfile.Record) {
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
		if err == nil && p.version <= capfile.StartTicksVersion && e.Kind == event.KindProcinfo {
			ticksToNS(e)
		}
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

// ticksToNS converts the start_ts of a procinfo event of an older capture from clock ticks
// to nanoseconds (see capfile.EventVersion).
func ticksToNS(e *event.Event) {
	if i := procinfoStartTS; i < int(e.NArgs) {
		e.Args[i].Int *= 1e9 / capfile.TicksPerSecond
	}
}

var procinfoStartTS = event.KindProcinfo.ParamIndex("start_ts")
