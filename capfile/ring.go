package capfile

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Ring is the manifest's account of a flight-recorder bundle (WriterOptions.RingBytes): the
// bound it kept, what it deleted to keep it, and whether and why it was frozen.
type Ring struct {
	MaxBytes int64 `json:"max_bytes"`
	MaxAgeNS int64 `json:"max_age_ns,omitempty"`
	// Dropped sums up the event segments deleted to stay within the bound, nil when none was.
	Dropped *Dropped `json:"dropped,omitempty"`
	// Frozen is set once the ring is frozen: nothing is deleted from then on.
	Frozen *Freeze `json:"frozen,omitempty"`
}

// Dropped describes the event segments a ring deleted, oldest first: they were files
// FirstFile to LastFile (Files of them), held Records records (Frames frames, Bytes bytes)
// stamped FirstTS to LastTS (CLOCK_BOOTTIME ns; Manifest.Wall converts them).
type Dropped struct {
	Files     int    `json:"files"`
	FirstFile string `json:"first_file"`
	LastFile  string `json:"last_file"`
	Records   uint64 `json:"records"`
	Frames    int    `json:"frames"`
	Bytes     int64  `json:"bytes"`
	FirstTS   uint64 `json:"first_ts"`
	LastTS    uint64 `json:"last_ts"`
}

// Freeze says who froze a ring, when, and why. A trigger rule's finding names its rule,
// priority and output, and Reason says when the event was.
type Freeze struct {
	Time     time.Time `json:"time"`
	By       string    `json:"by"` // "signal", "control" (saker capture --freeze) or "trigger"
	Reason   string    `json:"reason,omitempty"`
	Rule     string    `json:"rule,omitempty"`
	Priority string    `json:"priority,omitempty"`
	Output   string    `json:"output,omitempty"`
}

// RingSegmentBytes is the event-segment size a ring of ringBytes uses: an eighth of it, so
// that deleting the oldest segment frees little of the window, between 64 KiB and 64 MiB.
func RingSegmentBytes(ringBytes int64) int64 {
	return min(max(ringBytes/8, 64<<10), 64<<20)
}

// Freeze freezes the ring: from now on no segment is deleted. Only the first call counts; it
// returns false when the ring was frozen already or the writer keeps no ring.
func (w *Writer) Freeze(f Freeze) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.man.Ring == nil || w.man.Ring.Frozen != nil {
		return false
	}
	if f.Time.IsZero() {
		f.Time = time.Now().UTC()
	}
	w.man.Ring.Frozen = &f
	_ = w.writeManifestLocked()
	return true
}

// SegmentStarts delivers the sequence number of every event segment after the first when it
// starts, for the owner to write the state records that make it replay on its own (see
// StateWritten). The writer does not rotate again until StateWritten is called for it or the
// segment grows to RingBytes; the ring's bound holds all the same, older segments being
// deleted for it, and the window kept shrinks while the state is being written. Nil when the
// writer keeps no ring.
func (w *Writer) SegmentStarts() <-chan int { return w.starts }

// StateWritten records that the current segment, number seq, holds n RecState records
// stamped ts: the state its replay starts from. A seq that is no longer current is ignored.
func (w *Writer) StateWritten(seq int, ts uint64, n uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.seg != nil && w.seq == seq {
		w.stateTS, w.stateRecs = ts, n
		w.statePending = false
	}
}

// rotationHeldLocked says whether a pending state holds the current segment open.
func (w *Writer) rotationHeldLocked() bool {
	return w.statePending && w.seg.size < max(2*w.opts.SegmentBytes, w.opts.RingBytes)
}

// trimLocked deletes the oldest complete event segments while the bundle is larger than
// RingBytes or their records are older than RingAge, unless the ring is frozen. The manifest
// drops them first, so that it never lists a file that is gone.
func (w *Writer) trimLocked() error {
	if w.man.Ring == nil || w.man.Ring.Frozen != nil {
		return nil
	}
	var cutoff uint64
	if w.opts.RingAge > 0 {
		if now := Boottime(); now > uint64(w.opts.RingAge) {
			cutoff = now - uint64(w.opts.RingAge)
		}
	}
	var gone []FileEntry
	for {
		i := w.oldestEventsLocked()
		if i < 0 {
			break
		}
		fe := w.closed[i]
		if w.sizeLocked() <= w.opts.RingBytes && (cutoff == 0 || fe.LastTS >= cutoff) {
			break
		}
		w.closed = append(w.closed[:i], w.closed[i+1:]...)
		w.total -= fe.Size
		w.dropLocked(fe)
		gone = append(gone, fe)
	}
	if len(gone) == 0 {
		return nil
	}
	if err := w.writeManifestLocked(); err != nil {
		return err
	}
	for _, fe := range gone {
		if err := os.Remove(filepath.Join(w.dir, fe.Name)); err != nil && !os.IsNotExist(err) {
			return w.failLocked(fmt.Errorf("ring: delete %s: %w", fe.Name, err))
		}
	}
	return nil
}

// oldestEventsLocked returns the index in closed of the oldest complete event segment, -1
// when there is none.
func (w *Writer) oldestEventsLocked() int {
	for i, fe := range w.closed {
		if fe.Kind == "events" {
			return i
		}
	}
	return -1
}

func (w *Writer) dropLocked(fe FileEntry) {
	d := w.man.Ring.Dropped
	if d == nil {
		d = &Dropped{FirstFile: fe.Name, FirstTS: fe.FirstTS}
		w.man.Ring.Dropped = d
	}
	d.Files++
	d.LastFile = fe.Name
	d.Records += fe.Records
	d.Frames += fe.Frames
	d.Bytes += fe.Size
	if fe.FirstTS != 0 && (d.FirstTS == 0 || fe.FirstTS < d.FirstTS) {
		d.FirstTS = fe.FirstTS
	}
	d.LastTS = max(d.LastTS, fe.LastTS)
}
