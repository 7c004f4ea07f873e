//go:build linux && amd64

package capture_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"saker/capfile"
	"saker/capture"
)

// overheadRounds is how many times a sub-benchmark runs each capture mode. The two cores are
// shared with other jobs whose load drifts over seconds: alternating short runs of every mode
// and taking the median of the per-round ratios to the run without capture keeps that drift
// out of the overhead. SAKER_BENCH_ROUNDS overrides it.
var overheadRounds = envInt("SAKER_BENCH_ROUNDS", 4)

// captureMode is one way of running a workload: without capture (hook "") or under a capture
// with a syscall hook and a profile.
type captureMode struct {
	name   string
	hook   string
	events string
}

// benchModes are the modes every overhead benchmark compares, in the order of the first
// round; later rounds rotate it. SAKER_BENCH_MODES (comma-separated names) selects some.
var benchModes = selectModes([]captureMode{
	{name: "off"},
	{name: "raw", hook: capture.HookRaw, events: capture.EventsFull},
	{name: "syscalls", hook: capture.HookSyscalls, events: capture.EventsFull},
	{name: "standard", hook: capture.HookSyscalls, events: capture.EventsStandard},
	{name: "minimal", hook: capture.HookSyscalls, events: capture.EventsMinimal},
})

func selectModes(all []captureMode) []captureMode {
	want := os.Getenv("SAKER_BENCH_MODES")
	if want == "" {
		return all
	}
	var out []captureMode
	for _, m := range all {
		if m.hook == "" || slices.Contains(strings.Split(want, ","), m.name) {
			out = append(out, m)
		}
	}
	return out
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// workloadRun is what one run of a workload measured.
type workloadRun struct {
	wall time.Duration // wall time of the workload
	cpu  time.Duration // user+sys CPU time of the workload's processes (getrusage, /proc)
	rate float64       // throughput the workload reported (requests/s), 0 when it reports none
	ops  float64       // operations done, when a run's count varies (wrk runs for a fixed time)
}

// cpuPerOp returns the run's CPU time per operation when it counted them, else its CPU time.
func (w workloadRun) cpuPerOp() float64 {
	if w.ops > 0 {
		return float64(w.cpu) / w.ops
	}
	return float64(w.cpu)
}

// modeSample sums one mode's rounds.
type modeSample struct {
	wall, cpu  time.Duration // workload wall and CPU time
	capCPU     time.Duration // the capturing process's CPU time while on
	rate       float64       // sum of the rounds' reported throughputs
	wallRatios []float64     // per round: wall time / wall time without capture
	cpuRatios  []float64     // per round: workload CPU per op / the same without capture
	rateRatios []float64     // per round: throughput / throughput without capture
	events     uint64
	lost       uint64
	bpfNs      uint64 // BPF run time of the sensor's programs (bpf_stats)
	bpfRuns    uint64
	raw, disk  int64
}

// runModes runs the workload rounds times in every mode of benchModes, rotating the order of
// the modes each round so that none always runs first or last. The BPF run-time statistics
// are on for the whole benchmark, in every mode: they add 20-40 ns to each program run,
// included in the overheads. It returns the samples by mode name.
func runModes(b *testing.B, rounds int, run func(b *testing.B, n int) workloadRun, n int) map[string]*modeSample {
	if st, err := ebpf.EnableStats(unix.BPF_STATS_RUN_TIME); err == nil {
		defer st.Close()
	} else {
		b.Logf("bpf_stats: %v (bpf-ns metrics missing)", err)
	}
	samples := map[string]*modeSample{}
	for _, m := range benchModes {
		samples[m.name] = &modeSample{}
	}
	for r := range rounds {
		got := map[string]workloadRun{}
		for i := range benchModes {
			m := benchModes[(i+r)%len(benchModes)]
			s := samples[m.name]
			if m.hook == "" {
				got[m.name] = run(b, n)
				continue
			}
			bundle := filepath.Join(b.TempDir(), "bundle")
			stop := startCapture(b, capture.Options{Dir: bundle, NoDNS: true, Hook: m.hook, Events: m.events})
			cpu := selfCPU()
			got[m.name] = run(b, n)
			// Steady state only: stopping (unloading, hashing the bundle) costs a fixed few
			// milliseconds that would swamp short rounds.
			s.capCPU += selfCPU() - cpu
			if err := stop(); err != nil {
				b.Fatal(err)
			}
			if err := s.addBundle(bundle); err != nil {
				b.Fatal(err)
			}
		}
		off := got["off"]
		for name, w := range got {
			s := samples[name]
			s.wall += w.wall
			s.cpu += w.cpu
			s.rate += w.rate
			s.wallRatios = append(s.wallRatios, float64(w.wall)/float64(off.wall))
			if off.cpu > 0 {
				s.cpuRatios = append(s.cpuRatios, w.cpuPerOp()/off.cpuPerOp())
			}
			if off.rate > 0 {
				s.rateRatios = append(s.rateRatios, w.rate/off.rate)
			}
		}
	}
	return samples
}

func (s *modeSample) addBundle(dir string) error {
	m, err := capfile.ReadManifest(dir)
	if err != nil {
		return err
	}
	for _, f := range m.Files {
		s.disk += f.Size
	}
	s.events += m.Counters["sensor_records"]
	for k, v := range m.Counters {
		switch {
		case strings.HasSuffix(k, "_run_ns"):
			s.bpfNs += v
		case strings.HasSuffix(k, "_runs"):
			s.bpfRuns += v
		case strings.HasSuffix(k, "_missed"):
			s.lost += v
		}
	}
	s.raw += int64(m.Counters["sensor_bytes"])
	lost, _ := m.TotalLost()
	s.lost += lost
	return nil
}

func median(x []float64) float64 {
	if len(x) == 0 {
		return 0
	}
	x = slices.Clone(x)
	slices.Sort(x)
	m := x[len(x)/2]
	if len(x)%2 == 0 {
		m = (m + x[len(x)/2-1]) / 2
	}
	return m
}

// reportModes reports, per mode, the median overheads against the runs without capture
// (wall time, workload CPU time and, when the workload reports one, throughput loss), the
// events recorded per op and per second, the lost events, the BPF time per recorded event
// and per program run, and the capture's CPU per event; ops is the operations of one run.
// It also logs one table row per mode for docs/PERFORMANCE.md.
func reportModes(b *testing.B, samples map[string]*modeSample, rounds, ops int) {
	off := samples["off"]
	b.ReportMetric(float64(off.wall.Nanoseconds())/float64(rounds*ops), "off-ns/op")
	for _, m := range benchModes {
		s := samples[m.name]
		if m.hook == "" {
			b.Logf("| off | wall %.3f s | cpu %.3f s | rate %.0f/s |", off.wall.Seconds()/float64(rounds),
				off.cpu.Seconds()/float64(rounds), off.rate/float64(rounds))
			continue
		}
		p := m.name + "-"
		wall, cpu, rate := 100*(median(s.wallRatios)-1), 100*(median(s.cpuRatios)-1), 100*(1-median(s.rateRatios))
		b.ReportMetric(wall, p+"wall-%")
		b.ReportMetric(cpu, p+"cpu-%")
		if len(s.rateRatios) > 0 {
			b.ReportMetric(rate, p+"rate-loss-%")
		}
		b.ReportMetric(float64(s.events)/float64(rounds*ops), p+"events/op")
		b.ReportMetric(float64(s.lost), p+"lost")
		var bpfEv, bpfRun, capEv float64
		if s.events > 0 {
			bpfEv = float64(s.bpfNs) / float64(s.events)
			capEv = float64(s.capCPU.Nanoseconds()) / float64(s.events)
			b.ReportMetric(bpfEv, p+"bpf-ns/event")
			b.ReportMetric(capEv, p+"capture-cpu-ns/event")
			b.ReportMetric(float64(s.disk)/float64(s.events), p+"disk-B/event")
		}
		if s.bpfRuns > 0 {
			bpfRun = float64(s.bpfNs) / float64(s.bpfRuns)
			b.ReportMetric(bpfRun, p+"bpf-ns/run")
		}
		b.ReportMetric(float64(s.bpfNs)/float64(rounds*ops), p+"bpf-ns/op")
		rateText := "-"
		if len(s.rateRatios) > 0 {
			rateText = fmt.Sprintf("rate %.0f/s, loss %.1f%%", s.rate/float64(rounds), rate)
		}
		b.Logf("| %s | wall %.3f s %+.1f%% | cpu %.3f s %+.1f%% | %s | %d events, %d lost | bpf %.0f ns/event, %.0f ns/run | capture cpu %.0f ns/event |",
			m.name, s.wall.Seconds()/float64(rounds), wall, s.cpu.Seconds()/float64(rounds), cpu,
			rateText, s.events, s.lost, bpfEv, bpfRun, capEv)
	}
}

// BenchmarkSensorOverhead measures syscall-heavy micro-loops in every capture mode
// (benchModes): open+close of a file, socket+connect+send+close on loopback, fork+exec of
// /bin/true, and getppid (a syscall no profile records). One op is one such operation, done
// by a helper process (the capturing process itself is never recorded). Each sub-benchmark
// splits b.N into overheadRounds rounds, each running its share of ops once in every mode.
// ns/op is the time without capture; per mode it reports the median overhead in wall time
// and in the helper's CPU time (getrusage), the events per op, lost events (which must stay
// 0), and from bpf_stats the BPF programs' time per op, per recorded event and per run.
func BenchmarkSensorOverhead(b *testing.B) {
	requireSensor(b)
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	// The listener runs in a process of its own, so that this process's CPU time is the
	// capture's; with capture on its accepts and reads are recorded too.
	srv := exec.Command(self)
	srv.Env = append(os.Environ(), "SAKER_SENSOR_HELPER=serve")
	out, err := srv.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		b.Fatal(err)
	}
	defer srv.Wait()
	defer srv.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		b.Fatal(err)
	}
	port := strings.TrimSpace(line)
	for _, kind := range []string{"open", "connect", "exec", "getppid", "uring-connect", "uring-read"} {
		b.Run(kind, func(b *testing.B) {
			b.StopTimer()
			dir := b.TempDir()
			run := func(b *testing.B, n int) workloadRun {
				c := exec.Command(self, kind, strconv.Itoa(n), dir, port)
				c.Env = append(os.Environ(), "SAKER_SENSOR_HELPER=workload")
				start := time.Now()
				if out, err := c.CombinedOutput(); err != nil {
					b.Fatalf("workload: %v\n%s", err, out)
				}
				return workloadRun{wall: time.Since(start), cpu: childCPU(c.ProcessState)}
			}
			rounds := overheadRounds
			n := max(1, b.N/rounds)
			b.StartTimer()
			samples := runModes(b, rounds, run, n)
			b.StopTimer()
			reportModes(b, samples, rounds, n)
		})
	}
}

// childCPU returns the user and system CPU time of an exited process and its waited-for
// children.
func childCPU(ps *os.ProcessState) time.Duration {
	if ps == nil {
		return 0
	}
	return ps.UserTime() + ps.SystemTime()
}

// procCPU returns the user and system CPU time a running process (all its threads) has used,
// from /proc/PID/stat.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseUint(f[11], 10, 64)
	st, _ := strconv.ParseUint(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ is 100 on Linux
}

// selfCPU returns the user and system CPU time this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
