package replay

import (
	"errors"
	"io"
	"path/filepath"
	"testing"

	"saker/capfile"
	"saker/event"
)

// TestSnapshotFirst: a start snapshot that reached the segment late, after a live container
// record and after sensor-time events well past the reorder window (a capture on a loaded
// host), still comes out first, and then every event in time order, each once; an old
// capture's start_ts (clock ticks) comes out in nanoseconds.
func TestSnapshotFirst(t *testing.T) {
	for _, c := range []struct {
		name    string
		counted bool
		version uint16
	}{{"counted", true, capfile.EventVersion}, {"old capture", false, 0}} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "b")
			w, err := capfile.Create(dir, capfile.WriterOptions{})
			if err != nil {
				t.Fatal(err)
			}
			rec := func(ts uint64, version uint16, e *event.Event) {
				w.WriteRecord(capfile.Record{Type: capfile.RecEvent, Version: version, TS: ts, Payload: capfile.AppendEvent(nil, e)})
			}
			const snapTS = 1_000_000
			if c.counted {
				live := event.Event{Kind: event.KindContainerinfo}
				rec(2_000_000_000, c.version, &live)
			}
			closes := func() {
				for i := range 50 { // 10 ms apart: half a second of events
					e := event.Event{Kind: event.KindClose, PID: 7, TID: 7}
					e.SetArgs(event.Int(int64(i)))
					rec(snapTS+1+uint64(i)*10_000_000, c.version, &e)
				}
			}
			if c.counted {
				closes() // before the snapshot in the file
			}
			for pid := range uint32(3) {
				p := event.Event{Kind: event.KindProcinfo}
				args := make([]event.Arg, len(event.KindProcinfo.Params()))
				args[event.KindProcinfo.ParamIndex("pid")] = event.Int(int64(10 + pid))
				args[event.KindProcinfo.ParamIndex("start_ts")] = event.Int(500)
				p.SetArgs(args...)
				rec(snapTS, c.version, &p)
			}
			if c.counted {
				w.UpdateManifest(func(m *capfile.Manifest) { m.Counters["snapshot_records"] = 3 })
			} else {
				closes() // older captures wrote no event records but the snapshot's
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			src, err := OpenBundle(dir, BundleOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			var kinds []event.Kind
			var last uint64
			var e event.Event
			for {
				if err := src.Next(&e); errors.Is(err, io.EOF) {
					break
				} else if err != nil {
					t.Fatal(err)
				}
				if e.TS < last {
					t.Errorf("event %d at %d after %d", e.Num, e.TS, last)
				}
				last = e.TS
				kinds = append(kinds, e.Kind)
				if e.Kind == event.KindProcinfo {
					if a, _ := e.Arg("start_ts"); (c.version == 0 && a.Int != 500*10_000_000) || (c.version != 0 && a.Int != 500) {
						t.Errorf("start_ts %d for a version %d record", a.Int, c.version)
					}
				}
			}
			n := 53
			if c.counted {
				n++
			}
			if len(kinds) != n {
				t.Fatalf("%d events, want %d", len(kinds), n)
			}
			for i, k := range kinds[:3] {
				if k != event.KindProcinfo {
					t.Errorf("event %d is %s, want the snapshot's procinfo first", i+1, k)
				}
			}
		})
	}
}
