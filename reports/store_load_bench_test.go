package reports

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// The benchmarks below load the same events (mixEvents: shaped like the rows of the project's
// synthetic capture mix, 45% with a payload, 19% with a tuple) into a fresh database in the
// ways docs/PERFORMANCE.md compares, Commit (checkpoint) included:
//   - BenchmarkLoadMix: Store.AddEvent. Built as is, the loaders use duckdb-go's Appender (a
//     cgo call per string cell); built with -tags duckdb_arrow, Arrow record batches of one row
//     group each, inserted with INSERT ... SELECT over a registered Arrow view.
//   - BenchmarkLoadMixParquet: Arrow columns written as Parquet files by arrow-go (pqarrow,
//     uncompressed), each loaded with INSERT ... SELECT FROM read_parquet.
// Each reports rows/s (wall), rows per CPU-second (user+sys of the process, DuckDB's threads
// included), bytes per event in the finished file and the process's peak RSS so far (run one
// benchmark per process, -test.run '^$' -test.bench NAME, for a peak of its own).

func BenchmarkLoadMix(b *testing.B) {
	benchLoad(b, func(s *Store, gen func(int, *Event), n int) error {
		var e Event
		for i := range n {
			gen(i, &e)
			if err := s.AddEvent(&e); err != nil {
				return err
			}
		}
		return nil
	})
}

func BenchmarkLoadMixParquet(b *testing.B) {
	benchLoad(b, func(s *Store, gen func(int, *Event), n int) error {
		return loadParquet(s, gen, n, 4*arrowRowGroup)
	})
}

// arrowRowGroup is DuckDB's row group size.
const arrowRowGroup = 122880

// benchLoad runs load on b.N mix events into a fresh store and reports its metrics.
func benchLoad(b *testing.B, load func(s *Store, gen func(int, *Event), n int) error) {
	path := filepath.Join(b.TempDir(), "bench.duckdb")
	s, err := Create(path, CreateOptions{})
	if err != nil {
		b.Fatal(err)
	}
	m := newMixEvents()
	gen := func(i int, e *Event) { m.event(i, "1:/tmp/mix", e) }
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	if err := load(s, gen, b.N); err != nil {
		b.Fatal(err)
	}
	if err := s.Commit(); err != nil {
		b.Fatal(err)
	}
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	b.StopTimer()
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	if r := oneRow(b, path, "SELECT count(*), count(data), count(tuple) FROM events"); r[0] != int64(b.N) {
		b.Fatalf("%v rows, want %d", r[0], b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "rows/s")
	b.ReportMetric(float64(fi.Size())/float64(b.N), "bytes/event")
	if cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "rows/cpu-s")
	}
	if rss := peakRSS(); rss > 0 {
		b.ReportMetric(float64(rss)/(1<<20), "peak-MiB")
	}
}

// loadParquet writes n events in Parquet files of perFile rows next to the store's database and
// inserts each file with read_parquet.
func loadParquet(s *Store, gen func(int, *Event), n, perFile int) error {
	c := newEventColumns(memory.DefaultAllocator)
	defer c.release()
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Uncompressed),
		parquet.WithDictionaryDefault(false), parquet.WithStats(false), parquet.WithMaxRowGroupLength(arrowRowGroup))
	var e Event
	for first := 0; first < n; first += perFile {
		name := filepath.Join(filepath.Dir(s.tmp), fmt.Sprintf("events-%d.parquet", first))
		f, err := os.Create(name)
		if err != nil {
			return err
		}
		w, err := pqarrow.NewFileWriter(eventSchema, f, props, pqarrow.DefaultWriterProps())
		if err != nil {
			f.Close()
			return err
		}
		write := func() error {
			rec := c.record()
			defer rec.Release()
			return w.Write(rec)
		}
		for i := first; i < min(n, first+perFile); i++ {
			gen(i, &e)
			c.add(&e)
			if c.len() == arrowRowGroup {
				if err := write(); err != nil {
					return err
				}
			}
		}
		if c.len() > 0 {
			if err := write(); err != nil {
				return err
			}
		}
		if err := w.Close(); err != nil { // closes f too
			return err
		}
		if _, err := s.db.ExecContext(context.Background(), "INSERT INTO events SELECT * FROM read_parquet("+sqlString(name)+")"); err != nil {
			return err
		}
		if err := os.Remove(name); err != nil {
			return err
		}
	}
	return nil
}
