package replay

import (
	"errors"
	"io"
	"path/filepath"
	"testing"

	"saker/capfile"
	"saker/event"
)

// TestBundleSourceOrders writes generic event records slightly out of order, as CPUs sharing
// a ring buffer produce them, and checks they come back in timestamp order, numbered, with a
// bad record skipped and counted.
func TestBundleSourceOrders(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "b")
	w, err := capfile.Create(dir, capfile.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tss := []uint64{1000, 3000, 2000, 2000, 5000, 4000}
	for i, ts := range tss {
		e := event.Event{Kind: event.KindClose, PID: uint32(100 + i), TID: uint32(100 + i)}
		e.SetArgs(event.Int(int64(i)))
		w.WriteRecord(capfile.Record{Type: capfile.RecEvent, Version: capfile.EventVersion, TS: ts, Payload: capfile.AppendEvent(nil, &e)})
	}
	w.WriteRecord(capfile.Record{Type: capfile.RecEvent, Version: capfile.EventVersion, TS: 6000, Payload: []byte{0xff}})
	w.WriteRecord(capfile.Record{Type: 99, TS: 6000, Payload: []byte("future")})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	src, err := OpenBundle(dir, BundleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var got []uint32
	var last uint64
	var e event.Event
	for {
		err := src.Next(&e)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if e.TS < last {
			t.Fatalf("event %d at %d after %d", e.Num, e.TS, last)
		}
		if e.Num != uint64(len(got)+1) {
			t.Fatalf("Num = %d, want %d", e.Num, len(got)+1)
		}
		last = e.TS
		got = append(got, e.PID)
	}
	want := []uint32{100, 102, 103, 101, 105, 104} // equal timestamps keep file order
	if len(got) != len(want) {
		t.Fatalf("got pids %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got pids %v, want %v", got, want)
		}
	}
	st := src.Stats()
	if st.DecodeErrors != 1 || st.Unknown != 1 || st.FirstError == nil {
		t.Fatalf("stats %+v: want one decode error and one unknown record", st)
	}
	if w := src.Wall(1000); !w.Equal(src.Bundle.Manifest.Wall(1000)) {
		t.Fatal("Wall does not follow the manifest's anchors")
	}
}
