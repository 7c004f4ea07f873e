package replay

import (
	"errors"
	"io"
	"path/filepath"
	"testing"

	"saker/capfile"
	"saker/event"
)

// TestRingWindowReplaysAlone: a ring that deleted its first segments, start snapshot
// included, replays from the state records of its first kept segment: they come out first
// and once, the state records of the later segments not at all, then the kept events in
// order.
func TestRingWindowReplaysAlone(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ring")
	w, err := capfile.Create(dir, capfile.WriterOptions{RingBytes: 16 << 10, SegmentBytes: 4 << 10, FlushBytes: 1 << 10})
	if err != nil {
		t.Fatal(err)
	}
	ts := uint64(1_000_000)
	write := func(typ capfile.RecordType, e *event.Event) {
		t.Helper()
		if err := w.WriteRecord(capfile.Record{Type: typ, Version: capfile.EventVersion, TS: ts, Payload: capfile.AppendEvent(nil, e)}); err != nil {
			t.Fatal(err)
		}
	}
	miner := event.Event{Kind: event.KindProcinfo, PID: 42, TID: 42}
	miner.NArgs = uint8(len(event.KindProcinfo.Params()))
	miner.Args[event.KindProcinfo.ParamIndex("comm")] = event.Bytes([]byte("miner"))
	// The start snapshot, then closes; each new segment gets the miner as its state.
	write(capfile.RecEvent, &miner)
	w.UpdateManifest(func(m *capfile.Manifest) { m.Counters["snapshot_records"] = 1 })
	const n = 20000
	for i := range n {
		select {
		case seq := <-w.SegmentStarts():
			write(capfile.RecState, &miner)
			w.StateWritten(seq, ts, 1)
		default:
		}
		ts += 1000
		e := event.Event{Kind: event.KindClose, PID: 42, TID: 42}
		e.SetArgs(event.Int(int64(i)))
		write(capfile.RecEvent, &e)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	src, err := OpenBundle(dir, BundleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if d := src.Bundle.Manifest.Ring.Dropped; d == nil || d.Files < 2 {
		t.Fatalf("dropped %+v: the test needs a ring that deleted segments", d)
	}
	var e event.Event
	var procinfos, closes int
	last := int64(-1)
	for i := 0; ; i++ {
		if err := src.Next(&e); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		switch e.Kind {
		case event.KindProcinfo:
			procinfos++
			if i != 0 || string(e.Args[event.KindProcinfo.ParamIndex("comm")].Bytes) != "miner" {
				t.Fatalf("event %d: procinfo %s: the first kept segment's state must come first", i, e.Args[0].Bytes)
			}
		case event.KindClose:
			if i == 0 {
				t.Fatal("a close came before the state")
			}
			if e.Args[0].Int != last+1 && last >= 0 {
				t.Fatalf("close %d after %d", e.Args[0].Int, last)
			}
			last = e.Args[0].Int
			closes++
		}
	}
	if procinfos != 1 || last != n-1 || closes < 100 {
		t.Errorf("%d procinfos, %d closes up to %d; want 1 procinfo and the last closes up to %d", procinfos, closes, last, n-1)
	}
	if st := src.Stats(); st.Unknown != 0 || st.ByType["state"] == 0 {
		t.Errorf("stats %+v: state records are known and counted", st)
	}
}
