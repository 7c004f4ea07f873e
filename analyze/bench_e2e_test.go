package analyze

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"saker/replay"
	"saker/rules"
)

// upstreamRuleFiles are Falco's three rules files, loaded after saker's own as
// `saker analyze -r` would.
var upstreamRuleFiles = []string{"falco_rules.yaml", "falco-incubating_rules.yaml", "falco-sandbox_rules.yaml"}

// loadBenchRules loads the default rules and Falco's upstream files, skipping when the
// corpus is absent.
func loadBenchRules(tb testing.TB) *rules.RuleSet {
	tb.Helper()
	var paths []string
	for _, f := range upstreamRuleFiles {
		p := filepath.Join(upstreamDir, f)
		if _, err := os.Stat(p); err != nil {
			tb.Skipf("upstream corpus: %v", err)
		}
		paths = append(paths, p)
	}
	rs, _, err := LoadRules(false, paths...)
	if err != nil {
		tb.Fatal(err)
	}
	return rs
}

// benchEvents is the size of the end-to-end benchmark's capture: 1 M events, or
// SAKER_BENCH_EVENTS (e.g. 10000000 for the 10 M-event run).
func benchEvents(tb testing.TB) int {
	n := 1_000_000
	if v := os.Getenv("SAKER_BENCH_EVENTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			tb.Fatalf("SAKER_BENCH_EVENTS=%q: want a positive number of events", v)
		}
	}
	return n
}

// analyzeBundle replays the bundle in dir through a, as `saker analyze DIR` does: the
// findings go to a callback, here only counted.
func analyzeBundle(a *Analyzer, dir string) (*Result, int, error) {
	var findings int
	return analyzeBundleWith(a, dir, func(*Finding) error { findings++; return nil })
}

// analyzeBundleWith replays the bundle in dir through a, handing findings to fn; it
// returns the result and the number of findings.
func analyzeBundleWith(a *Analyzer, dir string, fn func(*Finding) error) (*Result, int, error) {
	src, err := replay.OpenBundle(dir, replay.BundleOptions{})
	if err != nil {
		return nil, 0, err
	}
	defer src.Close()
	var findings int
	a.opts.Finding = func(f *Finding) error { findings++; return fn(f) }
	res, err := a.Run(context.Background(), src)
	return res, findings, err
}

// BenchmarkAnalyzeBundle measures `saker analyze` end to end on a synthetic capture bundle
// (see captureMix; or the one TestWriteCaptureMix wrote into SAKER_WRITE_MIX, of
// SAKER_BENCH_EVENTS events) with the default rules and Falco's three upstream files: opening and
// verifying the bundle, decompressing, decoding, reordering, state, fields, rules and
// findings, on one goroutine. Besides wall time per event it reports CPU time per event
// (user+sys of the whole process, so GC is counted), which is steadier on a shared machine.
func BenchmarkAnalyzeBundle(b *testing.B) {
	n := benchEvents(b)
	dir := os.Getenv("SAKER_WRITE_MIX")
	if dir == "" {
		dir = filepath.Join(b.TempDir(), "bundle")
		if err := writeCaptureMix(dir, n, 1); err != nil {
			b.Fatal(err)
		}
	} else if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err != nil {
		b.Fatalf("SAKER_WRITE_MIX=%s: write the bundle with TestWriteCaptureMix first: %v", dir, err)
	}
	benchAnalyze(b, dir, uint64(n))
}

// BenchmarkAnalyzeMinerDemo is BenchmarkAnalyzeBundle on the real capture of the miner story
// (testdata/captures/miner-demo, 47k events): raw sensor records rather than generic event
// records, so it measures the sensor decoder. Its per-run costs (opening, verifying, buffers)
// weigh more than on a million events.
func BenchmarkAnalyzeMinerDemo(b *testing.B) {
	benchAnalyze(b, "../testdata/captures/miner-demo", 0)
}

// benchAnalyze runs analyzeBundle on dir per iteration and reports per-event costs; n is
// the number of events expected per run, 0 for any.
func benchAnalyze(b *testing.B, dir string, n uint64) {
	a, err := NewAnalyzer(Options{Rules: loadBenchRules(b)})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var events uint64
	var findings int
	cpu0, cpuOK := cpuTime()
	start := time.Now()
	for b.Loop() {
		res, f, err := analyzeBundle(a, dir)
		if err != nil {
			b.Fatal(err)
		}
		if n != 0 && res.Events != n {
			b.Fatalf("replayed %d events, want %d", res.Events, n)
		}
		events += res.Events
		findings = f
	}
	el := time.Since(start)
	b.ReportMetric(float64(events)/el.Seconds(), "events/s")
	b.ReportMetric(float64(el.Nanoseconds())/float64(events), "ns/event")
	if cpu1, ok := cpuTime(); ok && cpuOK {
		b.ReportMetric(float64((cpu1-cpu0).Nanoseconds())/float64(events), "cpu-ns/event")
	}
	b.ReportMetric(float64(events)/float64(b.N), "events/run")
	b.ReportMetric(float64(findings), "findings/run")
}

// childEnv names the bundle a re-executed test binary analyzes for TestAnalyzePeakRSS.
const childEnv = "SAKER_ANALYZE_CHILD_BUNDLE"

// TestAnalyzeChild is the child process of TestAnalyzePeakRSS: it analyzes one bundle and
// prints its counts, so that its ru_maxrss is the peak memory of that analysis alone.
func TestAnalyzeChild(t *testing.T) {
	dir := os.Getenv(childEnv)
	if dir == "" {
		t.Skip("runs only as TestAnalyzePeakRSS's child")
	}
	a, err := NewAnalyzer(Options{Rules: loadBenchRules(t)})
	if err != nil {
		t.Fatal(err)
	}
	res, findings, err := analyzeBundle(a, dir)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("events=%d findings=%d threads=%d processes=%d fds=%d\n",
		res.Events, findings, res.State.Threads, res.State.Processes, res.State.FDs)
}

// TestAnalyzePeakRSS checks that analysis memory is bounded by the live state, not by the
// capture's length: the peak RSS of analyzing 10 M events stays below 1.5 times that of
// 1 M events of the same mix (same live processes and fds). Each analysis runs in a child
// process so that the peaks do not mix. Writing the 10 M-event bundle takes a while, so
// -short skips it.
func TestAnalyzePeakRSS(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and analyzes 11 M events")
	}
	loadBenchRules(t) // skips without the upstream corpus
	if !haveRusage {
		t.Skip("peak RSS is read from Linux rusage")
	}
	tmp := t.TempDir()
	peak := map[int]int64{}
	for _, n := range []int{1_000_000, 10_000_000} {
		dir := filepath.Join(tmp, strconv.Itoa(n))
		if err := writeCaptureMix(dir, n, 1); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(os.Args[0], "-test.run", "^TestAnalyzeChild$", "-test.count", "1")
		cmd.Env = append(os.Environ(), childEnv+"="+dir)
		start := time.Now()
		out, err := cmd.CombinedOutput()
		el := time.Since(start)
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		rss, cpu, ok := childUsage(cmd.ProcessState)
		if !ok {
			t.Skip("no rusage for the child")
		}
		peak[n] = rss
		t.Logf("%d events: peak RSS %.1f MiB, wall %v, user+sys %v (%.0f ns/event); %s", n,
			float64(rss)/(1<<20), el.Round(time.Millisecond), cpu.Round(time.Millisecond),
			float64(cpu.Nanoseconds())/float64(n), firstLine(out))
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
	}
	if small, big := peak[1_000_000], peak[10_000_000]; float64(big) >= 1.5*float64(small) {
		t.Errorf("peak RSS grows with the capture: %d bytes for 1 M events, %d for 10 M", small, big)
	}
}

func firstLine(b []byte) string {
	for i, c := range b {
		if c == '\n' {
			return string(b[:i])
		}
	}
	return string(b)
}

// TestWriteCaptureMix writes the benchmarks' synthetic bundle into SAKER_WRITE_MIX with
// SAKER_BENCH_EVENTS events (1 M by default), for measuring the saker binary on it:
//
//	SAKER_WRITE_MIX=/tmp/mix10m SAKER_BENCH_EVENTS=10000000 go test ./analyze -run '^TestWriteCaptureMix$' -timeout 30m
//	/usr/bin/time -v saker analyze /tmp/mix10m --db m.duckdb --progress=false
func TestWriteCaptureMix(t *testing.T) {
	dir := os.Getenv("SAKER_WRITE_MIX")
	if dir == "" {
		t.Skip("set SAKER_WRITE_MIX to the directory to write")
	}
	if err := writeCaptureMix(dir, benchEvents(t), 1); err != nil {
		t.Fatal(err)
	}
}
