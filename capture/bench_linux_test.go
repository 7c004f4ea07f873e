//go:build linux && amd64

package capture_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"saker/capfile"
	"saker/capture"
)

// overheadRounds is how many times a sub-benchmark alternates capture off and on. The two
// cores are shared with other jobs whose load drifts over seconds: alternating short runs
// and taking the median of the per-round ratios keeps that drift out of the overhead.
const overheadRounds = 4

// BenchmarkSensorOverhead measures syscall-heavy workloads with capture off and on: open+close
// of a file, socket+connect+send+close on loopback, fork+exec of /bin/true, and through
// io_uring requests socket+connect+send+close on loopback and a 4 KiB read of a file (what a
// database's disk I/O costs the io_uring programs, which skip it). One op is one
// such operation, done by a helper process (the capturing process itself is never recorded).
// Each sub-benchmark splits b.N into overheadRounds rounds, each running its share of ops
// once with capture off and once on, so both modes see the same warm-up and load. ns/op is
// the time with capture on; off-ns/op the time with capture off; overhead-% the median of the
// rounds' on/off ratios. It also reports the events per second and per op the sensor
// recorded, the bytes per event raw and in the compressed bundle, the CPU time the capturing
// process spent per event, and the lost events (which must stay 0). With
// `sysctl kernel.bpf_stats_enabled=1` it also reports bpf-ns/op, the time the BPF programs
// ran per op (whatever process they ran for): the sensor's own cost, free of scheduling
// noise, though the statistics add about 20-40 ns to every run.
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
	run := func(b *testing.B, kind string, n int, dir string) time.Duration {
		c := exec.Command(self, kind, strconv.Itoa(n), dir, port)
		c.Env = append(os.Environ(), "SAKER_SENSOR_HELPER=workload")
		start := time.Now()
		if out, err := c.CombinedOutput(); err != nil {
			b.Fatalf("workload: %v\n%s", err, out)
		}
		return time.Since(start)
	}
	for _, kind := range []string{"open", "connect", "exec", "uring-connect", "uring-read"} {
		b.Run(kind, func(b *testing.B) {
			b.StopTimer()
			var s overheadSample
			for r := range overheadRounds {
				n := b.N / overheadRounds
				if r < b.N%overheadRounds {
					n++
				}
				if n == 0 {
					continue
				}
				dir := b.TempDir()
				bundle := filepath.Join(dir, "bundle")
				runOn := func() time.Duration {
					stop := startCapture(b, capture.Options{Dir: bundle, NoDNS: true})
					cpu := selfCPU()
					b.StartTimer()
					on := run(b, kind, n, dir)
					b.StopTimer()
					// Steady state only: stopping (unloading, hashing the bundle) costs a
					// fixed few milliseconds that would swamp the short exec rounds.
					s.cpu += selfCPU() - cpu
					if err := stop(); err != nil {
						b.Fatal(err)
					}
					return on
				}
				// Alternate which mode goes first, so that neither always runs on the
				// caches and page cache the other warmed.
				var off, on time.Duration
				if r%2 == 0 {
					off = run(b, kind, n, dir)
					on = runOn()
				} else {
					on = runOn()
					off = run(b, kind, n, dir)
				}
				s.off += off
				s.on += on
				s.ratios = append(s.ratios, float64(on)/float64(off))
				if err := s.addBundle(bundle); err != nil {
					b.Fatal(err)
				}
			}
			s.report(b)
		})
	}
}

// overheadSample sums one sub-benchmark's rounds.
type overheadSample struct {
	off, on   time.Duration // workload wall time with capture off and on
	cpu       time.Duration // the capture's CPU time while on
	bpf       time.Duration // the BPF programs' run time, when kernel.bpf_stats_enabled is 1
	ratios    []float64     // per round on/off
	events    uint64
	lost      uint64
	raw, disk int64
}

func (s *overheadSample) addBundle(dir string) error {
	m, err := capfile.ReadManifest(dir)
	if err != nil {
		return err
	}
	for _, f := range m.Files {
		s.disk += f.Size
	}
	s.events += m.Counters["sensor_records"]
	for k, v := range m.Counters {
		if strings.HasSuffix(k, "_run_ns") {
			s.bpf += time.Duration(v)
		}
	}
	s.raw += int64(m.Counters["sensor_bytes"])
	lost, _ := m.TotalLost()
	s.lost += lost
	return nil
}

func (s *overheadSample) report(b *testing.B) {
	slices.Sort(s.ratios)
	med := s.ratios[len(s.ratios)/2]
	if len(s.ratios)%2 == 0 {
		med = (med + s.ratios[len(s.ratios)/2-1]) / 2
	}
	b.ReportMetric(float64(s.off.Nanoseconds())/float64(b.N), "off-ns/op")
	b.ReportMetric(100*(med-1), "overhead-%")
	b.ReportMetric(float64(s.events)/s.on.Seconds(), "events/s")
	b.ReportMetric(float64(s.events)/float64(b.N), "events/op")
	if s.events > 0 {
		b.ReportMetric(float64(s.disk)/float64(s.events), "disk-B/event")
		b.ReportMetric(float64(s.raw)/float64(s.events), "raw-B/event")
		b.ReportMetric(float64(s.cpu.Nanoseconds())/float64(s.events), "capture-cpu-ns/event")
	}
	if s.bpf > 0 {
		b.ReportMetric(float64(s.bpf.Nanoseconds())/float64(b.N), "bpf-ns/op")
	}
	b.ReportMetric(float64(s.lost), "lost")
}

// selfCPU returns the user and system CPU time this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
