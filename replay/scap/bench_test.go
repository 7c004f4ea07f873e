package scap

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"saker/event"
)

// BenchmarkScapReader reads whole .scap files from memory and reports events/s (saker events,
// snapshot included), records/s (scap event records, enter and exit) and ns/event.
// BenchmarkScapSysdig times `sysdig -r FILE -q` on the same files, when sysdig is installed,
// and reports the file's records per second of wall time; for files this small, sysdig's
// start-up dominates that time.
func BenchmarkScapReader(b *testing.B) {
	for _, path := range scapBenchFiles(b) {
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(filepath.Base(path), func(b *testing.B) {
			var e event.Event
			var events, records uint64
			b.SetBytes(int64(len(data)))
			b.ResetTimer()
			for range b.N {
				src, err := NewSource(bytes.NewReader(data))
				if err != nil {
					b.Fatal(err)
				}
				for {
					err := src.Next(&e)
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				st := src.Stats()
				events += st.Events
				records += st.Records
			}
			sec := b.Elapsed().Seconds()
			b.ReportMetric(float64(events)/sec, "events/s")
			b.ReportMetric(float64(records)/sec, "records/s")
			b.ReportMetric(sec*1e9/float64(events), "ns/event")
		})
	}
}

func BenchmarkScapSysdig(b *testing.B) {
	if _, err := exec.LookPath("sysdig"); err != nil {
		b.Skip("sysdig is not on PATH")
	}
	for _, path := range scapBenchFiles(b) {
		b.Run(filepath.Base(path), func(b *testing.B) {
			n := scapRecordCount(b, path)
			start := time.Now()
			for range b.N {
				if err := exec.Command("sysdig", "-r", path, "-q").Run(); err != nil {
					b.Fatal(err)
				}
			}
			sec := time.Since(start).Seconds()
			b.ReportMetric(float64(n)*float64(b.N)/sec, "records/s")
			b.ReportMetric(sec*1e9/(float64(n)*float64(b.N)), "ns/record")
		})
	}
}

// scapRecordCount returns how many event records path holds: sysdig reads and parses every
// one of them (it prints fewer: internal ones such as procinfo are not shown).
func scapRecordCount(b *testing.B, path string) int {
	src, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	var e event.Event
	for src.Next(&e) == nil {
	}
	return int(src.Stats().Records)
}

// scapBenchFiles are the largest corpus files, or the demo capture without the corpus.
func scapBenchFiles(b *testing.B) []string {
	var files []string
	for _, name := range []string{"libs_sample.scap", "single_ipv6_conn.scap"} {
		path := filepath.Join(scapCorpusDir, name)
		if _, err := os.Stat(path); err == nil {
			files = append(files, path)
		}
	}
	if len(files) == 0 {
		files = append(files, scapDemoCapture)
	}
	return files
}
