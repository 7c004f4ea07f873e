package capfile

import (
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"saker/event"
)

// BenchmarkWrite measures encoding, framing and compressing events of each profile, and the
// bytes each event costs on disk.
func BenchmarkWrite(b *testing.B) {
	for _, profile := range []string{"exec", "file", "socket", "mixed"} {
		b.Run(profile, func(b *testing.B) {
			dir := filepath.Join(b.TempDir(), "b")
			w, err := Create(dir, WriterOptions{FlushInterval: time.Hour})
			if err != nil {
				b.Fatal(err)
			}
			m := newMix(profile, 7)
			pre := make([]event.Event, 1<<14)
			for i := range pre {
				m.next(&pre[i])
				pre[i] = *pre[i].Clone()
			}
			var buf []byte
			var raw int64
			b.ResetTimer()
			for i := range b.N {
				e := &pre[i%len(pre)]
				e.TS += uint64(i) // keep time moving as the ring repeats
				buf = AppendEvent(buf[:0], e)
				raw += int64(len(buf) + recordHeader)
				if err := w.WriteRecord(Record{Type: RecEvent, Version: EventVersion, TS: e.TS, Payload: buf}); err != nil {
					b.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			disk := bundleSize(b, dir)
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(raw)/1e6/b.Elapsed().Seconds(), "MB/s")
			b.ReportMetric(float64(disk)/float64(b.N), "disk-bytes/event")
			b.ReportMetric(float64(raw)/float64(b.N), "raw-bytes/event")
		})
	}
}

// BenchmarkReadDecode measures reading a bundle back: hashing, decompressing, framing and
// decoding every record into an event.Event.
func BenchmarkReadDecode(b *testing.B) {
	for _, profile := range []string{"exec", "file", "socket", "mixed"} {
		b.Run(profile, func(b *testing.B) {
			const n = 500_000
			dir := filepath.Join(b.TempDir(), "b")
			w, err := Create(dir, WriterOptions{FlushInterval: time.Hour})
			if err != nil {
				b.Fatal(err)
			}
			m := newMix(profile, 7)
			var e event.Event
			var buf []byte
			var raw int64
			for range n {
				m.next(&e)
				buf = AppendEvent(buf[:0], &e)
				raw += int64(len(buf) + recordHeader)
				w.WriteRecord(Record{Type: RecEvent, Version: EventVersion, TS: e.TS, Payload: buf})
			}
			w.Close()
			b.ResetTimer()
			events := 0
			for range b.N {
				bundle, err := Open(dir, ReaderOptions{})
				if err != nil {
					b.Fatal(err)
				}
				rr := bundle.Records()
				var r Record
				for {
					err := rr.Next(&r)
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					if err := DecodeEvent(r.Payload, &e); err != nil {
						b.Fatal(err)
					}
					events++
				}
				rr.Close()
			}
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(raw)*float64(b.N)/1e6/b.Elapsed().Seconds(), "MB/s")
			b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(events), "ns/event")
		})
	}
}

func bundleSize(b *testing.B, dir string) int64 {
	ents, _ := os.ReadDir(dir)
	var n int64
	for _, e := range ents {
		if st, err := os.Stat(filepath.Join(dir, e.Name())); err == nil && e.Name() != ManifestName {
			n += st.Size()
		}
	}
	return n
}
