package capfile

import (
	"fmt"
	"path/filepath"
	"time"
)

// DataFile is a compressed data file of the bundle other than an event segment, such as the
// DNS pcapng stream: its decompressed content is exactly the bytes written to it. Write
// buffers; frames are cut only by Flush, by MaybeFlush when a frame is due, and by Close, so
// the owner decides where frames may end (after whole pcapng blocks, for instance) and a
// truncated file stays a valid prefix of the stream.
type DataFile struct {
	w         *Writer
	kind      string
	seg       *segmentFile
	buf       []byte
	lastFlush time.Time
	closed    bool
}

// CreateDataFile starts a data file named "<kind>-<seq><ext>.zst", listed in the manifest.
func (w *Writer) CreateDataFile(kind, ext string) (*DataFile, error) {
	if kind == "" || len(kind) > 16 || kind == "events" {
		return nil, fmt.Errorf("%q: %w", kind, errDataKind)
	}
	for _, r := range kind {
		if r < 'a' || r > 'z' {
			return nil, fmt.Errorf("%q: %w", kind, errDataKind)
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return nil, w.err
	}
	w.dataSeq[kind]++
	name := fmt.Sprintf("%s-%06d%s.zst", kind, w.dataSeq[kind], ext)
	seg, err := createSegment(filepath.Join(w.dir, name), name, kind, w.dataSeq[kind], newEncoder())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	d := &DataFile{w: w, kind: kind, seg: seg, lastFlush: time.Now()}
	w.data = append(w.data, d)
	return d, nil
}

// Name returns the file's name inside the bundle.
func (d *DataFile) Name() string { return d.seg.name }

// Write buffers p. It returns ErrFull when the bundle reached its size cap.
func (d *DataFile) Write(p []byte) (int, error) {
	d.w.mu.Lock()
	defer d.w.mu.Unlock()
	if d.closed {
		return 0, ErrClosed
	}
	if d.w.err != nil {
		return 0, d.w.err
	}
	if d.w.full {
		return 0, ErrFull
	}
	d.buf = append(d.buf, p...)
	return len(p), nil
}

// Flush writes the buffered bytes as one frame.
func (d *DataFile) Flush() error {
	d.w.mu.Lock()
	defer d.w.mu.Unlock()
	return d.flushLocked()
}

// MaybeFlush writes a frame when the buffer passed FlushBytes or the last frame is older than
// FlushInterval; call it at points where a frame may end.
func (d *DataFile) MaybeFlush() error {
	d.w.mu.Lock()
	defer d.w.mu.Unlock()
	return d.flushDue()
}

func (d *DataFile) flushDue() error {
	if len(d.buf) >= d.w.opts.FlushBytes || (len(d.buf) > 0 && time.Since(d.lastFlush) >= d.w.opts.FlushInterval) {
		return d.flushLocked()
	}
	return nil
}

func (d *DataFile) flushLocked() error {
	if d.closed {
		return ErrClosed
	}
	if d.w.err != nil {
		return d.w.err
	}
	d.lastFlush = time.Now()
	// Frames are cut from the buffer in place, so that it keeps its capacity for the next ones.
	for off := 0; off < len(d.buf); {
		n := min(len(d.buf)-off, d.w.opts.FlushBytes)
		if err := d.seg.writeFrame(d.buf[off:off+n], 0, 0, 0); err != nil {
			return d.w.failLocked(fmt.Errorf("%s: %w", d.seg.name, err))
		}
		off += n
	}
	d.buf = d.buf[:0]
	if d.w.opts.MaxBytes > 0 && d.w.sizeLocked() >= d.w.opts.MaxBytes {
		d.w.full = true
	}
	return nil
}

// Close flushes and closes the file; the manifest lists it as complete.
func (d *DataFile) Close() error {
	d.w.mu.Lock()
	defer d.w.mu.Unlock()
	return d.closeLocked()
}

func (d *DataFile) closeLocked() error {
	if d.closed {
		return nil
	}
	err := d.flushLocked()
	d.closed = true
	if cerr := d.seg.close(); err == nil {
		err = cerr
	}
	d.w.closed = append(d.w.closed, d.seg.entry(d.kind, true))
	d.w.total += d.seg.size
	for i, x := range d.w.data {
		if x == d {
			d.w.data = append(d.w.data[:i], d.w.data[i+1:]...)
			break
		}
	}
	return err
}
