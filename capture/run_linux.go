//go:build linux && amd64

package capture

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cilium/ebpf/ringbuf"

	"saker/capfile"
)

// Run records until ctx ends, Options.Duration passes or the bundle reaches Options.MaxBytes,
// then stops cleanly: it detaches the sensor, drains the ring buffer, records the lost-event
// counters and final clock anchor in the manifest and closes the bundle. It returns errors
// wrapping ErrNotRoot, ErrNoBTF, ErrKernelTooOld, ErrVerifier or capfile.ErrNotEmpty when
// it cannot start, and ErrNoEvents when the sensor recorded nothing. A data stream that
// stops early (DNS on an interface that went down) is no error: its fault goes to the
// manifest's faults and a warning to Options.Status.
func Run(ctx context.Context, o Options) error {
	if o.Snaplen == 0 {
		o.Snaplen = DefaultSnaplen
	}
	if o.Snaplen < 0 || o.Snaplen > MaxSnaplen {
		return fmt.Errorf("snaplen %d: must be between 0 and %d", o.Snaplen, MaxSnaplen)
	}
	if o.RingBytes == 0 {
		o.RingBytes = DefaultRingBytes
	}
	if o.RingBytes < 4096 || o.RingBytes&(o.RingBytes-1) != 0 {
		return fmt.Errorf("ring buffer of %d bytes: must be a power of two of at least 4096", o.RingBytes)
	}
	if o.Status == nil {
		o.Status = io.Discard
	}
	if o.Events == "" {
		o.Events = EventsFull
	}
	o.Hook = hookFor(o.Hook, o.Events)
	if o.Hook != HookRaw && o.Hook != HookSyscalls {
		return fmt.Errorf("syscall hook %q: want %s, %s or %s", o.Hook, HookAuto, HookSyscalls, HookRaw)
	}
	set, left, err := profileSyscalls(o.Events)
	if err != nil {
		return err
	}
	if err := checkDir(o.Dir); err != nil {
		return err
	}
	// The snapshot is the state as the sensor starts: stamped before it attaches, it sorts
	// before every event the sensor records.
	snapTS := capfile.Boottime()
	s, err := openSensor(o.Snaplen, o.RingBytes, o.Hook, set)
	if err != nil {
		return err
	}
	defer s.Close()
	if o.Ring.Bytes < 0 || (o.Ring.Bytes == 0 && (o.Ring.Age != 0 || o.Ring.After != 0)) {
		return errors.New("ring: a flight recorder needs a positive size")
	}
	if o.Ring.After == 0 {
		o.Ring.After = DefaultAfter
	}
	w, err := capfile.Create(o.Dir, capfile.WriterOptions{MaxBytes: o.MaxBytes, SakerVersion: o.SakerVersion,
		SignKey: o.SignKey, RingBytes: o.Ring.Bytes, RingAge: o.Ring.Age, Tap: o.Tap})
	if err != nil {
		return err
	}
	meta := newContainerMeta(o.DockerSocket, o.ContainerdSocket)
	defer meta.close()
	c := &capturer{sensor: s, w: w, start: time.Now(), watch: startContainerWatch(w, meta)}
	keepFile, keepTotal := o.KeepFileBytes, o.KeepTotalBytes
	if keepFile == 0 {
		keepFile = DefaultKeepFileBytes
	}
	if keepTotal == 0 {
		keepTotal = DefaultKeepTotalBytes
	}
	if c.exes, err = startExeHasher(w, c.start, keepFile, keepTotal); err != nil {
		c.watch.stop()
		w.Close()
		return err
	}
	w.UpdateManifest(func(m *capfile.Manifest) {
		m.Host, _ = os.Hostname()
		m.Kernel = readTrim("/proc/sys/kernel/osrelease")
		m.BootID = readTrim("/proc/sys/kernel/random/boot_id")
		m.Snaplen = o.Snaplen
		m.Events = &capfile.EventSelection{Profile: o.Events, Hook: o.Hook, NotRecorded: append(left, s.noTracepoint...)}
		m.Captured = append(m.Captured, syscallCapabilities(o.Events, o.Hook, left, s.noTracepoint)...)
		m.Captured = append(m.Captured,
			capfile.Capability{Name: "io_uring", Recorded: s.uring == "", Reason: cmp.Or(s.uring,
				"io_uring requests (open, socket, connect, accept, send, receive, read and write on sockets, close, rename, unlink) as the syscalls they stand for")},
			capfile.Capability{Name: "proc_snapshot", Recorded: true},
			capfile.Capability{Name: "environment", Recorded: true,
				Reason: "the first 4 KiB of each process's environment: at exec, and from /proc/PID/environ in the snapshot"},
			capfile.Capability{Name: "executables", Recorded: true,
				Reason: fmt.Sprintf("SHA-256 of the executable of every exec and snapshot process, read from /proc/PID/exe; "+
					"copies of executables changed during the capture or named like miners, up to %s each and %s in all",
					humanBytes(max(keepFile, 0)), humanBytes(max(keepTotal, 0)))})
	})

	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if o.Duration > 0 {
		var stopTimer context.CancelFunc
		runCtx, stopTimer = context.WithTimeoutCause(runCtx, o.Duration, errDuration)
		defer stopTimer()
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := c.readLoop(); err != nil {
			cancel(err)
		}
	}()
	if err := writeSnapshot(runCtx, w, snapTS, &c.snapshot, meta, c.exes.fromSnapshot); err != nil {
		fmt.Fprintf(o.Status, "saker: /proc snapshot: %v\n", err)
	}
	setCapabilities(w, meta.capabilities())
	w.UpdateManifest(func(m *capfile.Manifest) {
		// Readers gather the snapshot ahead of the events it precedes; the count tells them
		// when they have all of it (see replay.BundleSource).
		if m.Counters == nil {
			m.Counters = map[string]uint64{}
		}
		m.Counters["snapshot_records"] = c.snapshot.Load()
	})

	stopRing := func() {}
	if o.Ring.Bytes > 0 {
		stopState, stateDone := make(chan struct{}), make(chan struct{})
		go stateLoop(w, meta, o.Status, stopState, stateDone)
		stopRing = func() { close(stopState); <-stateDone }
		fz := &freezer{w: w, dir: o.Dir, after: o.Ring.After, status: o.Status, stop: cancel}
		go fz.loop(runCtx, o.Freeze)
	}

	var stopDNS func() []capfile.Fault
	if o.NoDNS {
		w.UpdateManifest(func(m *capfile.Manifest) {
			m.Captured = append(m.Captured, capfile.Capability{Name: "dns", Reason: "disabled with --no-dns"})
		})
	} else if stopDNS, err = startDNS(runCtx, w); err != nil {
		fmt.Fprintf(o.Status, "saker: warning: dns capture off: %v\n", err)
		w.UpdateManifest(func(m *capfile.Manifest) {
			m.Captured = append(m.Captured, capfile.Capability{Name: "dns", Reason: err.Error()})
		})
	} else {
		w.UpdateManifest(func(m *capfile.Manifest) {
			m.Captured = append(m.Captured, capfile.Capability{Name: "dns", Recorded: true})
		})
	}

	if o.Ready != nil {
		close(o.Ready)
	}
	c.statusLoop(runCtx, o.Status)

	// Stop: detach so nothing new arrives, then let the reader drain what is queued.
	for i := len(s.links) - 1; i >= 0; i-- {
		s.links[i].Close()
	}
	s.links = nil
	s.rd.Flush()
	wg.Wait()
	c.watch.stop()
	setCapabilities(w, meta.capabilities())
	var errs []error
	if err := c.exes.stop(); err != nil {
		fmt.Fprintf(o.Status, "saker: warning: executables: %v\n", err)
		w.UpdateManifest(func(m *capfile.Manifest) {
			m.Faults = append(m.Faults, capfile.Fault{Stream: "executables", Time: time.Now().UTC(), Reason: err.Error()})
		})
	}
	if stopDNS != nil {
		// A stream that stopped early loses its own data only: the capture is still good.
		faults := stopDNS()
		for _, f := range faults {
			fmt.Fprintf(o.Status, "saker: warning: %s (at %s); the capture went on without it\n", faultText(f), f.Time.Format(time.RFC3339))
		}
		w.UpdateManifest(func(m *capfile.Manifest) { m.Faults = append(m.Faults, faults...) })
	}
	reason := stopReason(context.Cause(runCtx))
	st := c.stats()
	progCounters := map[string]uint64{}
	st.Missed = s.programStats(progCounters)
	w.UpdateManifest(func(m *capfile.Manifest) {
		m.StopReason = reason
		m.Lost = st.Lost
		if m.Counters == nil {
			m.Counters = map[string]uint64{}
		}
		maps.Copy(m.Counters, progCounters)
		m.Counters["sensor_records"] = st.Records
		m.Counters["snapshot_records"] = st.Snapshot
		m.Counters["container_records_live"] = c.watch.records.Load()
		m.Counters["container_lookups_dropped"] = c.watch.dropped.Load()
		m.Counters["sensor_bytes"] = uint64(st.Bytes)
		m.Counters["lost"] = st.LostTotal()
		c.exes.counters(m.Counters)
	})
	stopRing()
	w.AddAnchor()
	if err := w.Close(); err != nil && !errors.Is(err, capfile.ErrFull) {
		errs = append(errs, fmt.Errorf("close bundle: %w", err))
	}
	c.summary(o.Status, reason, st)
	if sum := w.ManifestSHA256(); sum != "" {
		// For the case log: the digest of the final manifest, which lists every file's SHA-256.
		signed := ""
		if o.SignKey != nil {
			signed = fmt.Sprintf(", signed by %s", capfile.KeyFingerprint(o.SignKey.Public().(ed25519.PublicKey)))
		}
		fmt.Fprintf(o.Status, "bundle %s: manifest.json sha256 %s%s\n", o.Dir, sum, signed)
	}
	if cause := context.Cause(runCtx); cause != nil && !isStop(cause) {
		errs = append(errs, cause)
	}
	if len(errs) == 0 && st.Records == 0 {
		errs = append(errs, ErrNoEvents)
	}
	return errors.Join(errs...)
}

var (
	errDuration = errors.New("duration reached")
	errFull     = errors.New("maximum size reached")
)

func isStop(err error) bool {
	return errors.Is(err, errDuration) || errors.Is(err, errFull) || errors.Is(err, errAfter) || errors.Is(err, context.Canceled)
}

func stopReason(cause error) string {
	switch {
	case cause == nil, errors.Is(cause, context.Canceled):
		return "interrupted"
	default:
		return cause.Error()
	}
}

// checkDir fails early, before loading the sensor, when dir exists and is not empty.
func checkDir(dir string) error {
	if dir == "" {
		return errors.New("no output directory: pass -o DIR")
	}
	ents, err := os.ReadDir(dir)
	if err == nil && len(ents) > 0 {
		return fmt.Errorf("%s: %w: choose a new directory", dir, capfile.ErrNotEmpty)
	}
	return nil
}

func readTrim(path string) string {
	b, _ := os.ReadFile(path)
	return strings.TrimSpace(string(b))
}

// capturer moves records from the ring buffer to the bundle and keeps the counters.
type capturer struct {
	*sensor
	w        *capfile.Writer
	exes     *exeHasher
	start    time.Time
	records  atomic.Uint64
	bytes    atomic.Int64
	snapshot atomic.Uint64
	watch    *containerWatch
}

// setCapabilities puts caps in the manifest, replacing those of the same names.
func setCapabilities(w *capfile.Writer, caps []capfile.Capability) {
	w.UpdateManifest(func(m *capfile.Manifest) {
		m.Captured = slices.DeleteFunc(m.Captured, func(c capfile.Capability) bool {
			return slices.ContainsFunc(caps, func(n capfile.Capability) bool { return n.Name == c.Name })
		})
		m.Captured = append(m.Captured, caps...)
	})
}

// readLoop copies ring-buffer records into the bundle until Run flushes the reader
// after detaching the sensor. It returns errFull at the size limit. The programs rarely wake
// it (see pollInterval), so it drains the ring whenever a deadline passes.
func (c *capturer) readLoop() error {
	var rec ringbuf.Record
	c.rd.SetDeadline(time.Now().Add(pollInterval))
	for {
		if err := c.rd.ReadInto(&rec); err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				c.rd.SetDeadline(time.Now().Add(pollInterval))
				continue
			}
			if errors.Is(err, ringbuf.ErrFlushed) || errors.Is(err, os.ErrClosed) {
				return nil
			}
			return fmt.Errorf("ring buffer: %w", err)
		}
		p := rec.RawSample
		if len(p) < 8 {
			continue
		}
		err := c.w.WriteRecord(capfile.Record{Type: capfile.RecSensor, Version: LayoutVersion,
			TS: le64(p), Payload: p})
		if errors.Is(err, capfile.ErrFull) {
			return errFull
		} else if err != nil {
			return fmt.Errorf("write record: %w", err)
		}
		c.records.Add(1)
		c.bytes.Add(int64(len(p)))
		c.watch.record(p)
		c.exes.fromSensor(p)
	}
}

func le64(b []byte) uint64 {
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

func (c *capturer) stats() Stats {
	lost, _ := c.lost()
	return Stats{Records: c.records.Load(), Snapshot: c.snapshot.Load(), Bytes: c.bytes.Load(), Lost: lost}
}

// statusLoop redraws a status line every second on a terminal until ctx ends.
func (c *capturer) statusLoop(ctx context.Context, out io.Writer) {
	tty := isTerminal(out)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	var last uint64
	for {
		select {
		case <-ctx.Done():
			if tty {
				fmt.Fprint(out, "\r\033[K")
			}
			return
		case <-t.C:
			if !tty {
				continue
			}
			st := c.stats()
			fmt.Fprintf(out, "\r\033[Kcapturing %s  %d events/s  %d events  lost %d  %s",
				time.Since(c.start).Truncate(time.Second), st.Records-last, st.Records,
				st.LostTotal(), humanBytes(st.Bytes))
			last = st.Records
		}
	}
}

func (c *capturer) summary(out io.Writer, reason string, st Stats) {
	el := time.Since(c.start)
	fmt.Fprintf(out, "saker capture stopped (%s) after %s: %d sensor events (%.0f/s), %d snapshot records, %s raw, %d lost",
		reason, el.Truncate(time.Millisecond), st.Records, float64(st.Records)/el.Seconds(),
		st.Snapshot, humanBytes(st.Bytes), st.LostTotal())
	if st.Missed > 0 {
		fmt.Fprintf(out, ", %d missed by busy programs", st.Missed)
	}
	fmt.Fprintln(out)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
