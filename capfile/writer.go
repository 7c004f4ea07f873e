package capfile

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
)

// WriterOptions tune a Writer; zero values take the defaults.
type WriterOptions struct {
	SegmentBytes  int64         // rotate an event segment past this many bytes (64 MiB)
	SegmentAge    time.Duration // rotate an event segment older than this (10 minutes)
	FlushInterval time.Duration // compress buffered records at least this often (1 second)
	FlushBytes    int           // and whenever this many bytes are buffered (4 MiB)
	MaxBytes      int64         // hard cap on the bundle's size: beyond it ErrFull (0: none)
	SakerVersion  string        // recorded in the manifest
	// SignKey, when set, signs every rewrite of the manifest (manifest.sig, docs/FORMAT.md).
	SignKey ed25519.PrivateKey
	// RingBytes makes the bundle a flight recorder's ring: the oldest complete event
	// segments are deleted to keep it within this many bytes, plus the segment being written
	// (0: no ring). SegmentBytes then defaults to RingSegmentBytes(RingBytes).
	RingBytes int64
	// RingAge also deletes event segments whose last record is older than this (0: no limit).
	RingAge time.Duration
	// Tap, when set, is called with every record WriteRecord takes, under the writer's lock:
	// it must not block, and the payload is only valid during the call.
	Tap func(*Record)
}

func (o *WriterOptions) defaults() {
	if o.SegmentBytes <= 0 && o.RingBytes > 0 {
		o.SegmentBytes = RingSegmentBytes(o.RingBytes)
	}
	if o.SegmentBytes <= 0 {
		o.SegmentBytes = 64 << 20
	}
	if o.SegmentAge <= 0 {
		o.SegmentAge = 10 * time.Minute
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = time.Second
	}
	if o.FlushBytes <= 0 {
		o.FlushBytes = 4 << 20
	}
	o.FlushBytes = min(o.FlushBytes, maxFrame-MaxRecordSize-recordHeader)
	if o.RingBytes > 0 {
		// Segments are cut at frames: small frames keep them near SegmentBytes.
		o.FlushBytes = min(o.FlushBytes, max(int(o.SegmentBytes/2), 16<<10))
	}
	if o.MaxBytes > 0 {
		// The cap is checked after each frame: small frames keep the overshoot small.
		o.FlushBytes = min(o.FlushBytes, max(int(o.MaxBytes/4), 16<<10))
	}
}

// Writer writes a bundle. Its methods are safe for concurrent use. A background goroutine
// flushes buffered records every FlushInterval and rewrites the manifest, so a capture killed
// with SIGKILL loses at most the records of its last interval.
type Writer struct {
	dir  string
	opts WriterOptions

	mu       sync.Mutex
	man      Manifest
	enc      *zstd.Encoder
	seg      *segmentFile // current event segment
	segStart time.Time
	seq      int
	buf      []byte // framed records not yet compressed
	bufRecs  uint32
	bufFirst uint64
	bufLast  uint64
	closed   []FileEntry // entries of completed files
	data     []*DataFile
	dataSeq  map[string]int
	total    int64 // bytes in completed files
	err      error // sticky write error
	full     bool
	manSHA   string // hex SHA-256 of the manifest last written

	// Ring state (WriterOptions.RingBytes): starts tells the owner of new segments, and a
	// segment whose state records are pending is not rotated (see SegmentStarts).
	starts       chan int
	statePending bool
	stateTS      uint64 // state of the current segment (StateWritten)
	stateRecs    uint64

	stop chan struct{}
	done chan struct{}
}

// Create makes the bundle directory dir (which must be absent or empty) and starts a Writer.
// It returns an error wrapping ErrNotEmpty when dir holds files.
func Create(dir string, opts WriterOptions) (*Writer, error) {
	opts.defaults()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	if len(ents) > 0 {
		return nil, fmt.Errorf("%s: %w: choose a new directory", dir, ErrNotEmpty)
	}
	// Keep room for the final manifest: a capture that fills the disk must still be able to
	// say so. The reserve is given back just before the manifest is written at Close.
	if err := os.WriteFile(filepath.Join(dir, reserveName), make([]byte, reserveSize), 0o600); err != nil {
		os.Remove(filepath.Join(dir, reserveName))
		return nil, fmt.Errorf("%s: reserving room for the manifest: %w", dir, err)
	}
	w := &Writer{dir: dir, opts: opts, enc: newEncoder(), dataSeq: map[string]int{},
		stop: make(chan struct{}), done: make(chan struct{})}
	w.man = Manifest{FormatVersion: FormatVersion, SakerVersion: opts.SakerVersion,
		Status: StatusRunning, Start: time.Now().UTC(), Counters: map[string]uint64{}}
	if opts.RingBytes > 0 {
		w.man.Ring = &Ring{MaxBytes: opts.RingBytes, MaxAgeNS: int64(opts.RingAge)}
		w.starts = make(chan int, 1)
	}
	w.addAnchorLocked()
	if err := w.rotateLocked(); err != nil {
		return nil, err
	}
	if err := w.writeManifestLocked(); err != nil {
		return nil, err
	}
	go w.loop()
	return w, nil
}

// Dir returns the bundle directory.
func (w *Writer) Dir() string { return w.dir }

// UpdateManifest calls fn with the manifest under the writer's lock; fn may set host facts,
// capabilities, counters and lost-event counts. Files and Status belong to the writer.
func (w *Writer) UpdateManifest(fn func(m *Manifest)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	fn(&w.man)
}

// AddAnchor records a CLOCK_BOOTTIME <-> wall-clock pair now.
func (w *Writer) AddAnchor() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.addAnchorLocked()
}

func (w *Writer) addAnchorLocked() {
	w.man.Anchors = append(w.man.Anchors, ClockAnchor{Boottime: Boottime(), Wall: time.Now().UTC()})
}

// WriteRecord appends one record. It returns ErrFull once the bundle reached MaxBytes,
// ErrRecordTooLarge for an oversized payload, and the first write error (disk full) again on
// every later call.
func (w *Writer) WriteRecord(r Record) error {
	if len(r.Payload) > MaxRecordSize {
		return fmt.Errorf("%s record of %d bytes: %w", r.Type, len(r.Payload), ErrRecordTooLarge)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	if w.full {
		return ErrFull
	}
	if w.seg == nil {
		return ErrClosed
	}
	if w.bufRecs == 0 || r.TS < w.bufFirst {
		w.bufFirst = r.TS
	}
	w.bufLast = max(w.bufLast, r.TS)
	w.buf = appendRecord(w.buf, &r)
	if w.opts.Tap != nil {
		w.opts.Tap(&r)
	}
	w.bufRecs++
	if len(w.buf) >= w.opts.FlushBytes {
		return w.flushLocked()
	}
	return nil
}

// Flush compresses buffered records into a frame now.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.flushLocked()
}

func (w *Writer) flushLocked() error {
	if w.err != nil {
		return w.err
	}
	if w.bufRecs == 0 {
		return nil
	}
	if err := w.seg.writeFrame(w.buf, w.bufRecs, w.bufFirst, w.bufLast); err != nil {
		return w.failLocked(fmt.Errorf("%s: %w", w.seg.name, err))
	}
	w.man.Counters["records"] += uint64(w.bufRecs)
	w.buf, w.bufRecs, w.bufFirst, w.bufLast = w.buf[:0], 0, 0, 0
	if w.opts.MaxBytes > 0 && w.sizeLocked() >= w.opts.MaxBytes {
		w.full = true
	}
	if (w.seg.size >= w.opts.SegmentBytes || time.Since(w.segStart) >= w.opts.SegmentAge) && !w.rotationHeldLocked() && !w.closing() {
		return w.rotateLocked()
	}
	return w.trimLocked()
}

// closing says whether Close has begun: its last flush starts no new segment.
func (w *Writer) closing() bool {
	select {
	case <-w.stop:
		return true
	default:
		return false
	}
}

func (w *Writer) failLocked(err error) error {
	if w.err == nil {
		w.err = err
		w.man.Status = StatusFailed
		w.man.StopReason = err.Error()
	}
	return w.err
}

// sizeLocked returns the bundle's bytes on disk, the manifest excluded.
func (w *Writer) sizeLocked() int64 {
	n := w.total
	if w.seg != nil {
		n += w.seg.size
	}
	for _, d := range w.data {
		n += d.seg.size
	}
	return n
}

func (w *Writer) rotateLocked() error {
	if w.seg != nil {
		if err := w.seg.close(); err != nil {
			return w.failLocked(fmt.Errorf("%s: %w", w.seg.name, err))
		}
		w.closed = append(w.closed, w.eventsEntryLocked(true))
		w.total += w.seg.size
		w.seg = nil
	}
	w.seq++
	name := fmt.Sprintf("events-%06d.zst", w.seq)
	seg, err := createSegment(filepath.Join(w.dir, name), name, "events", w.seq, w.enc)
	if err != nil {
		return w.failLocked(fmt.Errorf("%s: %w", name, err))
	}
	w.seg, w.segStart = seg, time.Now()
	w.stateTS, w.stateRecs, w.statePending = 0, 0, false
	if w.starts != nil && w.seq > 1 {
		w.statePending = true
		select {
		case <-w.starts: // the owner missed the previous one: only the current segment counts
		default:
		}
		w.starts <- w.seq
	}
	return w.trimLocked()
}

// eventsEntryLocked returns the manifest entry of the current event segment.
func (w *Writer) eventsEntryLocked(complete bool) FileEntry {
	fe := w.seg.entry("events", complete)
	fe.StateTS, fe.StateRecords = w.stateTS, w.stateRecs
	return fe
}

func (w *Writer) filesLocked() []FileEntry {
	files := append([]FileEntry{}, w.closed...)
	if w.seg != nil {
		files = append(files, w.eventsEntryLocked(false))
	}
	for _, d := range w.data {
		files = append(files, d.seg.entry(d.kind, false))
	}
	return files
}

func (w *Writer) writeManifestLocked() error {
	w.man.Files = w.filesLocked()
	sum, err := writeSignedManifest(w.dir, &w.man, w.opts.SignKey)
	if err != nil {
		return w.failLocked(err)
	}
	w.manSHA = sum
	return nil
}

// loop flushes and rewrites the manifest every FlushInterval until Close.
func (w *Writer) loop() {
	defer close(w.done)
	t := time.NewTicker(w.opts.FlushInterval)
	defer t.Stop()
	anchors := time.NewTicker(time.Minute)
	defer anchors.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-anchors.C:
			w.AddAnchor()
		case <-t.C:
			w.mu.Lock()
			_ = w.flushLocked()
			for _, d := range w.data {
				_ = d.flushDue()
			}
			if w.err == nil {
				_ = w.writeManifestLocked()
			}
			w.mu.Unlock()
		}
	}
}

// Close flushes everything, closes all files and writes the final manifest (status stopped,
// or failed after a write error). It returns the first error the writer met.
func (w *Writer) Close() error {
	select {
	case <-w.stop:
		return ErrClosed
	default:
	}
	close(w.stop)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	_ = w.flushLocked()
	for _, d := range w.data {
		_ = d.closeLocked()
	}
	w.data = nil
	if w.seg != nil {
		if err := w.seg.close(); err != nil {
			_ = w.failLocked(err)
		}
		w.closed = append(w.closed, w.eventsEntryLocked(true))
		w.total += w.seg.size
		w.seg = nil
	}
	w.addAnchorLocked()
	w.man.Stop = time.Now().UTC()
	if w.man.Status == StatusRunning {
		w.man.Status = StatusStopped
		if w.full && w.man.StopReason == "" {
			w.man.StopReason = "size limit reached"
		}
	}
	w.man.Files = append([]FileEntry{}, w.closed...)
	os.Remove(filepath.Join(w.dir, reserveName))
	sum, err := writeSignedManifest(w.dir, &w.man, w.opts.SignKey)
	if err != nil && w.err == nil {
		w.err = err
	}
	if err == nil {
		w.manSHA = sum
	}
	return w.err
}

// ManifestSHA256 returns the hex SHA-256 of the manifest as last written: after Close, the
// digest of the final manifest, for the case log.
func (w *Writer) ManifestSHA256() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.manSHA
}

// The reserve file holds disk space for the final manifest while a capture runs.
const (
	reserveName = ".manifest-reserve"
	reserveSize = 512 << 10
)

// Err returns the writer's sticky error, if any.
func (w *Writer) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil && w.full {
		return ErrFull
	}
	return w.err
}

var errDataKind = errors.New("data file kind must be a short lowercase word")
