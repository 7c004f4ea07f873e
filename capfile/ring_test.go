package capfile

import (
	"crypto/rand"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// ringWriter starts a ring writer whose owner answers every new segment with one state
// record, as capture does; the returned stop waits for the owner.
func ringWriter(t *testing.T, ringBytes int64) (*Writer, string, func()) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "ring")
	w, err := Create(dir, WriterOptions{RingBytes: ringBytes, FlushBytes: 8 << 10})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	state := func(seq int) {
		ts := Boottime()
		if err := w.WriteRecord(Record{Type: RecState, TS: ts, Payload: []byte("state")}); err == nil {
			w.StateWritten(seq, ts, 1)
		}
	}
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				select {
				case seq := <-w.SegmentStarts(): // the last segment's
					state(seq)
				default:
				}
				return
			case seq := <-w.SegmentStarts():
				state(seq)
			}
		}
	}()
	return w, dir, func() { close(done); wg.Wait() }
}

// writeNoise writes n records of incompressible payload, so that the bundle grows by about
// their size, each starting with its index.
func writeNoise(t *testing.T, w *Writer, from, n int) {
	t.Helper()
	p := make([]byte, 1000)
	for i := from; i < from+n; i++ {
		rand.Read(p)
		binary.LittleEndian.PutUint64(p, uint64(i))
		if err := w.WriteRecord(Record{Type: RecSensor, TS: Boottime(), Payload: p}); err != nil {
			t.Fatal(err)
		}
	}
}

// segmentBytes sums the sizes of the bundle's segment files on disk.
func segmentBytes(t *testing.T, dir string) int64 {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".zst") {
			fi, err := e.Info()
			if err != nil {
				t.Fatal(err)
			}
			n += fi.Size()
		}
	}
	return n
}

func TestRingBounded(t *testing.T) {
	const ring = 256 << 10
	w, dir, stop := ringWriter(t, ring)
	seg := RingSegmentBytes(ring)
	const total = 2000 // about 2 MB: eight rings' worth
	for i := 0; i < total; i += 100 {
		writeNoise(t, w, i, 100)
		if got := segmentBytes(t, dir); got > ring+2*seg {
			t.Fatalf("after %d records: %d bytes of segments on disk, bound %d + %d", i+100, got, ring, 2*seg)
		}
	}
	stop()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := Open(dir, ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m := b.Manifest
	if m.Ring == nil || m.Ring.Dropped == nil {
		t.Fatalf("manifest ring %+v: want a dropped range", m.Ring)
	}
	d := m.Ring.Dropped
	if d.FirstFile != "events-000001.zst" || d.FirstTS == 0 || d.LastTS < d.FirstTS {
		t.Errorf("dropped from %s, ts %d to %d: want events-000001.zst and a time range", d.FirstFile, d.FirstTS, d.LastTS)
	}
	// Every dropped segment but the first began with a state record.
	droppedNoise := d.Records - uint64(d.Files-1)
	// What was kept and what was dropped add up to what was written, and the kept records
	// are the latest, in order, right after the dropped ones.
	rr := b.Records()
	defer rr.Close()
	var r Record
	var kept, states uint64
	next := droppedNoise
	for {
		if err := rr.Next(&r); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if r.Type == RecState {
			states++
			continue
		}
		if got := binary.LittleEndian.Uint64(r.Payload); got != next {
			t.Fatalf("kept record %d, want %d", got, next)
		}
		next++
		kept++
	}
	if kept+droppedNoise != total {
		t.Errorf("kept %d + dropped %d records != %d written", kept, droppedNoise, total)
	}
	if next != total {
		t.Errorf("last kept record %d, want %d", next-1, total-1)
	}
	for _, fe := range b.Files() {
		if fe.Kind == "events" && (fe.StateRecords != 1 || fe.StateTS == 0) {
			t.Errorf("%s: %d state records at %d, want 1: a kept segment must replay alone", fe.Name, fe.StateRecords, fe.StateTS)
		}
	}
	if states != uint64(len(b.Files())) {
		t.Errorf("%d state records in %d kept segments", states, len(b.Files()))
	}
}

func TestRingFreeze(t *testing.T) {
	const ring = 256 << 10
	w, dir, stop := ringWriter(t, ring)
	writeNoise(t, w, 0, 600)
	if !w.Freeze(Freeze{By: "signal", Reason: "test"}) {
		t.Fatal("first Freeze returned false")
	}
	if w.Freeze(Freeze{By: "control"}) {
		t.Fatal("second Freeze returned true")
	}
	m0 := w.manifestCopy()
	// What is on disk at the freeze depends on how far the owner's state records lag behind
	// the rotations (a held rotation lets the ring shrink its window), so the growth is
	// measured from here.
	atFreeze := segmentBytes(t, dir)
	writeNoise(t, w, 600, 600)
	stop()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	m, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Ring.Frozen == nil || m.Ring.Frozen.By != "signal" {
		t.Fatalf("frozen %+v, want by signal", m.Ring.Frozen)
	}
	if *m.Ring.Dropped != *m0.Ring.Dropped {
		t.Errorf("dropped %+v after the freeze, %+v at it: a frozen ring deletes nothing", *m.Ring.Dropped, *m0.Ring.Dropped)
	}
	if got := segmentBytes(t, dir); got < atFreeze+550_000 || got < ring+300_000 {
		t.Errorf("%d bytes of segments, %d at the freeze: the frozen ring must keep all 600 KB written after it, past its %d bytes", got, atFreeze, ring)
	}
	for _, fe := range m0.Files {
		if _, err := os.Stat(filepath.Join(dir, fe.Name)); err != nil {
			t.Errorf("%s, kept at the freeze: %v", fe.Name, err)
		}
	}
}

func (w *Writer) manifestCopy() Manifest {
	w.mu.Lock()
	defer w.mu.Unlock()
	m := w.man
	m.Files = w.filesLocked()
	r := *m.Ring
	d := *r.Dropped
	r.Dropped = &d
	m.Ring = &r
	return m
}
