package analyze

import (
	"os"
	"runtime"
	"testing"
)

func TestZZTmpHeap(t *testing.T) {
	dir := os.Getenv("ZZDIR2")
	if dir == "" {
		t.Skip()
	}
	n := 10_000_000
	if _, err := os.Stat(dir); err != nil {
		if err := writeCaptureMix(dir, n, 1); err != nil {
			t.Fatal(err)
		}
	}
	a, err := NewAnalyzer(Options{Rules: loadBenchRules(t)})
	if err != nil {
		t.Fatal(err)
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	t.Logf("after compile: heap inuse %.1f MiB sys %.1f MiB", float64(ms.HeapInuse)/(1<<20), float64(ms.Sys)/(1<<20))
	res, _, err := analyzeBundleWith(a, dir, func(f *Finding) error {
		if f.EventNum%1000000 < 3 {
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&ms)
	t.Logf("end: heap inuse %.1f MiB, sys %.1f, numGC %d, events %d", float64(ms.HeapInuse)/(1<<20), float64(ms.Sys)/(1<<20), ms.NumGC, res.Events)
	runtime.GC()
	runtime.ReadMemStats(&ms)
	t.Logf("end after GC: heap inuse %.1f MiB stack %.1f", float64(ms.HeapInuse)/(1<<20), float64(ms.StackInuse)/(1<<20))
	_ = a
}
