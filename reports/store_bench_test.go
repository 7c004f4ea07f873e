package reports

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// BenchmarkLoadEvents loads b.N events (varied kinds, pids, paths and arguments, no payloads)
// through AddEvent (the store's loader goroutines and their appenders) into a fresh database and
// reports rows/s (Commit included), rows per CPU second (all threads) and bytes per event in the
// finished file.
func BenchmarkLoadEvents(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.duckdb")
	s, err := Create(path, CreateOptions{})
	if err != nil {
		b.Fatal(err)
	}
	// 4096 distinct paths and argument strings, made beforehand so the benchmark times the load.
	paths := make([]string, 4096)
	args := make([]string, len(paths))
	for i := range paths {
		paths[i] = "/usr/lib/x86_64-linux-gnu/lib" + strconv.Itoa(i*7919%100000) + ".so.6"
		args[i] = "flags=O_RDONLY|O_CLOEXEC mode=0 dev=" + strconv.Itoa(i%13) + " ino=" + strconv.Itoa(i*104729)
	}
	kinds := []string{"openat", "read", "close", "mmap", "connect", "execve", "write", "fstat"}
	e := Event{CaptureID: "c1", FD: 3}
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	for i := 0; i < b.N; i++ {
		e.Num = uint64(i + 1)
		e.Time = t0.Add(time.Duration(i)*1500*time.Nanosecond + time.Duration(i*7%997))
		e.Kind = kinds[i%len(kinds)]
		e.PID = int64(1000 + i%50)
		e.TID = e.PID + int64(i%3)
		e.ProcessKey = uint64(1 + i%50)
		e.Res = int64(i % 7)
		e.Path = paths[(i*31)%len(paths)]
		e.Args = args[(i*17)%len(args)]
		if err := s.AddEvent(&e); err != nil {
			b.Fatal(err)
		}
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
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "rows/s")
	b.ReportMetric(float64(fi.Size())/float64(b.N), "bytes/event")
	if cpu > 0 {
		// On a shared machine wall time says more about the neighbours than about the loader.
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "rows/cpu-s")
	}
}
