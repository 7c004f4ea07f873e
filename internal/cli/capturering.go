package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"saker/analyze"
	"saker/capfile"
	"saker/capture"
	"saker/replay"
	"saker/rules"
)

// flightRecorder is a capture with --ring: it freezes on SIGUSR1 and on the first trigger
// finding at or above prio.
type flightRecorder struct {
	rules *rules.RuleSet // nil: no trigger
	prio  rules.Priority
}

// ringOptions reads the flight-recorder flags into opts; it returns nil without --ring.
func ringOptions(o *captureOptions, opts *capture.Options) (*flightRecorder, error) {
	if o.ring == "" {
		if o.ringAge != "" || o.triggerDir != "" || o.noTrigger {
			return nil, usageErrorf("--ring-age, --trigger-rules and --no-trigger need --ring SIZE")
		}
		return nil, nil
	}
	n, err := parseSize(o.ring)
	if err != nil || n < 1<<20 {
		return nil, usageErrorf("--ring %q: want a size of at least 1MiB such as 2GiB", o.ring)
	}
	opts.Ring.Bytes = n
	if o.ringAge != "" {
		d, err := time.ParseDuration(o.ringAge)
		if err != nil || d <= 0 {
			return nil, usageErrorf("--ring-age %q: want a positive duration such as 6h", o.ringAge)
		}
		opts.Ring.Age = d
	}
	d, err := time.ParseDuration(o.after)
	if err != nil || d <= 0 {
		return nil, usageErrorf("--after %q: want a positive duration such as 10m", o.after)
	}
	opts.Ring.After = d
	switch {
	case !o.maxSizeSet:
		// A frozen ring goes on recording for --after: room for as much again.
		opts.MaxBytes = 2 * n
	case opts.MaxBytes != 0 && opts.MaxBytes <= n:
		return nil, usageErrorf("--max-size %s must be larger than --ring %s: it bounds the frozen ring's growth during --after", o.maxSize, o.ring)
	}
	fr := &flightRecorder{}
	if o.noTrigger {
		if o.triggerDir != "" {
			return nil, usageErrorf("--no-trigger and --trigger-rules exclude each other")
		}
		return fr, nil
	}
	if fr.prio, err = rules.ParsePriority(o.triggerPrio); err != nil {
		return nil, usageErrorf("--trigger-priority: %v", err)
	}
	var files []string
	if o.triggerDir != "" {
		files = append(files, o.triggerDir)
	}
	if fr.rules, _, err = analyze.LoadRules(o.triggerDir != "", files...); err != nil {
		return nil, fmt.Errorf("--trigger-rules: %w", err)
	}
	return fr, nil
}

// run records with opts until the capture stops, freezing on SIGUSR1 and on a trigger
// finding.
func (fr *flightRecorder) run(ctx context.Context, s *streams, opts capture.Options) error {
	freezes := make(chan capfile.Freeze, 4)
	opts.Freeze = freezes
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	defer signal.Stop(usr1)
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case <-done:
				return
			case <-usr1:
				select {
				case freezes <- capfile.Freeze{By: "signal", Reason: "SIGUSR1"}:
				default:
				}
			}
		}
	}()
	if fr.rules == nil {
		return capture.Run(ctx, opts)
	}
	t, err := newTrigger(fr.rules, fr.prio, freezes)
	if err != nil {
		return err
	}
	opts.Tap = t.live.tap
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t.run(ctx, s.err)
	}()
	err = capture.Run(ctx, opts)
	t.live.close()
	wg.Wait()
	if n := t.live.dropped.Load(); n > 0 && !t.fired.Load() {
		warn(s.err, "trigger rules: %d records were not evaluated: the evaluation fell behind the capture", n)
	}
	return err
}

// trigger evaluates rules on a capture's live records and sends a freeze on the first
// finding at or above prio.
type trigger struct {
	an      *analyze.Analyzer
	prio    rules.Priority
	live    *liveRecords
	freezes chan<- capfile.Freeze
	fired   atomic.Bool
}

var errTriggered = errors.New("triggered")

func newTrigger(rs *rules.RuleSet, prio rules.Priority, freezes chan<- capfile.Freeze) (*trigger, error) {
	host, _ := os.Hostname()
	t := &trigger{prio: prio, live: newLiveRecords(1 << 16), freezes: freezes}
	an, err := analyze.NewAnalyzer(analyze.Options{Rules: rs, Hostname: host, Finding: t.finding})
	if err != nil {
		return nil, fmt.Errorf("--trigger-rules: %w", err)
	}
	t.an = an
	return t, nil
}

func (t *trigger) finding(f *analyze.Finding) error {
	if f.Priority > t.prio { // lower values are more severe
		return nil
	}
	t.fired.Store(true)
	t.live.off.Store(true)
	select {
	case t.freezes <- capfile.Freeze{By: "trigger", Rule: f.Rule, Priority: f.Priority.String(), Output: f.Output,
		Reason: "finding at " + f.Time.Format(time.RFC3339Nano)}:
	default: // frozen already: a signal's request waits in the queue
	}
	return errTriggered
}

// run replays the live records through the rules until a finding fires or the records end.
func (t *trigger) run(ctx context.Context, status io.Writer) {
	m := &capfile.Manifest{Anchors: []capfile.ClockAnchor{{Boottime: capfile.Boottime(), Wall: time.Now().UTC()}}}
	// The start snapshot is written while the sensor records already: a window of a few
	// seconds puts it ahead of the events it precedes.
	src := replay.NewStreamSource(t.live, m, replay.BundleOptions{Window: 3 * time.Second, MaxPending: 1 << 18})
	_, err := t.an.Run(ctx, src)
	t.live.off.Store(true)
	if err != nil && !errors.Is(err, errTriggered) && !errors.Is(err, context.Canceled) {
		warn(status, "trigger rules stopped: %v", err)
	}
	// Let the capture's taps go on without a reader.
	go func() {
		for range t.live.ch {
		}
	}()
}

// liveRecords hands a capture's records to the trigger's replay through a bounded queue:
// the capture never waits for the rules; records that find the queue full are dropped and
// counted.
type liveRecords struct {
	ch      chan capfile.Record
	dropped atomic.Uint64
	off     atomic.Bool
	once    sync.Once
}

func newLiveRecords(n int) *liveRecords { return &liveRecords{ch: make(chan capfile.Record, n)} }

// tap is capture.Options.Tap.
func (l *liveRecords) tap(r *capfile.Record) {
	if l.off.Load() {
		return
	}
	c := *r
	c.Payload = bytes.Clone(r.Payload)
	select {
	case l.ch <- c:
	default:
		l.dropped.Add(1)
	}
}

// close ends the records: the capture stopped and taps no more.
func (l *liveRecords) close() { l.once.Do(func() { close(l.ch) }) }

// Next implements replay.RecordSource: it returns replay.ErrIdle when no record came for
// idleAfter, so that the replay yields what it holds on a quiet host.
func (l *liveRecords) Next(r *capfile.Record) error {
	var x capfile.Record
	var ok bool
	select {
	case x, ok = <-l.ch:
	default: // none queued: wait, with a timer only then
		t := time.NewTimer(idleAfter)
		defer t.Stop()
		select {
		case x, ok = <-l.ch:
		case <-t.C:
			return replay.ErrIdle
		}
	}
	if !ok {
		return io.EOF
	}
	*r = x
	return nil
}

const idleAfter = 250 * time.Millisecond

// Close implements replay.RecordSource.
func (l *liveRecords) Close() error { return nil }

// freezeRing asks the flight recorder writing dir to freeze, through its request file, and
// waits until its manifest says it is frozen.
func freezeRing(s *streams, dir string) error {
	m, err := capfile.ReadManifest(dir)
	if err != nil {
		return fmt.Errorf("--freeze %s: %w", dir, err)
	}
	if m.Ring == nil {
		return fmt.Errorf("--freeze %s: not a flight recorder's bundle (no --ring)", dir)
	}
	if m.Status != capfile.StatusRunning {
		return fmt.Errorf("--freeze %s: the recorder stopped already (%s)", dir, m.Status)
	}
	if m.Ring.Frozen == nil {
		reason := fmt.Sprintf("saker capture --freeze (uid %d)", os.Getuid())
		path := filepath.Join(dir, capture.FreezeRequestName)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
		if err != nil && !errors.Is(err, os.ErrExist) {
			return fmt.Errorf("--freeze: %w", err)
		}
		if err == nil {
			_, err = f.WriteString(reason + "\n")
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("--freeze: %w", err)
			}
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		m, err := capfile.ReadManifest(dir)
		if err == nil && m.Ring != nil && m.Ring.Frozen != nil {
			fz := m.Ring.Frozen
			fmt.Fprintf(s.out, "%s: frozen at %s by %s (%s)\n", dir, fz.Time.Format(time.RFC3339), fz.By, orText(fz.Rule, fz.Reason))
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("--freeze %s: the recorder did not take the request within 10s (is it running, and are you root?)", dir)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func orText(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
