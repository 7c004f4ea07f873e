//go:build linux && amd64

package capture_test

import (
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"saker/capfile"
	"saker/capture"
)

// BenchmarkSensorOverhead runs one syscall-heavy workload process per iteration (2000
// open/close, 100 loopback connect+send, 5 execs of /bin/true) with capture off and on, so
// `go test -bench SensorOverhead` shows the slowdown side by side. With capture on it also
// reports the events per second the sensor recorded and the bytes per event on disk.
func BenchmarkSensorOverhead(b *testing.B) {
	requireSensor(b)
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(io.Discard, c); c.Close() }()
		}
	}()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	work := func(b *testing.B, dir string) {
		for b.Loop() {
			c := exec.Command(self, dir, port)
			c.Env = append(os.Environ(), "SAKER_SENSOR_HELPER=workload")
			if out, err := c.CombinedOutput(); err != nil {
				b.Fatalf("workload: %v\n%s", err, out)
			}
		}
	}
	b.Run("capture=off", func(b *testing.B) { work(b, b.TempDir()) })
	b.Run("capture=on", func(b *testing.B) {
		dir := b.TempDir()
		bundle := filepath.Join(dir, "bundle")
		stop := startCapture(b, capture.Options{Dir: bundle, NoDNS: true})
		start := time.Now()
		work(b, dir)
		el := time.Since(start)
		b.StopTimer()
		if err := stop(); err != nil {
			b.Fatal(err)
		}
		m, err := capfile.ReadManifest(bundle)
		if err != nil {
			b.Fatal(err)
		}
		var size int64
		for _, f := range m.Files {
			size += f.Size
		}
		n := m.Counters["sensor_records"]
		b.ReportMetric(float64(n)/el.Seconds(), "events/s")
		b.ReportMetric(float64(n)/float64(b.N), "events/op")
		if n > 0 {
			b.ReportMetric(float64(size)/float64(n), "disk-bytes/event")
		}
		b.ReportMetric(float64(m.TotalLost()), "lost")
	})
}
