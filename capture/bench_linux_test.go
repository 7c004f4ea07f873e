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

// BenchmarkSensorOverhead measures syscall-heavy workloads with capture off and on, side by
// side: open+close of a file, socket+connect+send+close on loopback, and fork+exec of
// /bin/true. One op is one such operation, done b.N times by a helper process (the capturing
// process itself is never recorded). With capture on it also reports the events per second
// the sensor recorded, events per op and the bytes per event in the compressed bundle.
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
	run := func(b *testing.B, kind, dir string) {
		c := exec.Command(self, kind, strconv.Itoa(b.N), dir, port)
		c.Env = append(os.Environ(), "SAKER_SENSOR_HELPER=workload")
		if out, err := c.CombinedOutput(); err != nil {
			b.Fatalf("workload: %v\n%s", err, out)
		}
	}
	for _, kind := range []string{"open", "connect", "exec"} {
		b.Run(kind+"/capture=off", func(b *testing.B) { run(b, kind, b.TempDir()) })
		b.Run(kind+"/capture=on", func(b *testing.B) {
			dir := b.TempDir()
			bundle := filepath.Join(dir, "bundle")
			stop := startCapture(b, capture.Options{Dir: bundle, NoDNS: true})
			b.ResetTimer()
			start := time.Now()
			run(b, kind, dir)
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
				b.ReportMetric(float64(size)/float64(n), "disk-B/event")
				b.ReportMetric(float64(m.Counters["sensor_bytes"])/float64(n), "raw-B/event")
			}
			b.ReportMetric(float64(m.TotalLost()), "lost")
		})
	}
}
