package capfile

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"saker/event"
)

// FuzzReader feeds arbitrary bytes to the segment reader, the record framing and the event
// decoder: nothing may panic or allocate beyond the format's limits. Seeds: a real segment
// written by Writer (testdata/fuzz/FuzzReader holds more).
func FuzzReader(f *testing.F) {
	dir, _ := writeBundle(f, 40, WriterOptions{FlushBytes: 512})
	seg, err := os.ReadFile(filepath.Join(dir, "events-000001.zst"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seg)
	f.Add(seg[:len(seg)/2])
	dec := newDecoder()
	f.Fuzz(func(t *testing.T, data []byte) {
		sr, _, err := newSegmentReader("fuzz", bytes.NewReader(data), dec)
		if err != nil {
			return
		}
		var r Record
		var e event.Event
		for {
			frame, _, err := sr.next()
			if err != nil {
				return
			}
			for len(frame) > 0 {
				n, err := parseRecord(frame, &r)
				if err != nil {
					break
				}
				frame = frame[n:]
				if r.Type == RecEvent {
					_ = DecodeEvent(r.Payload, &e)
				}
			}
		}
	})
}

// FuzzDecodeEvent checks that DecodeEvent never panics and that whatever it accepts
// re-encodes to the same bytes.
func FuzzDecodeEvent(f *testing.F) {
	m := newMix("mixed", 4)
	var e event.Event
	for range 20 {
		m.next(&e)
		f.Add(AppendEvent(nil, &e))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var e event.Event
		if err := DecodeEvent(data, &e); err != nil {
			return
		}
		if got := AppendEvent(nil, &e); !bytes.Equal(got, data) {
			// Non-minimal varints decode but re-encode shorter; only equal lengths must match.
			if len(got) == len(data) {
				t.Fatalf("re-encoding differs:\n%x\n%x", got, data)
			}
		}
	})
}
