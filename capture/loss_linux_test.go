//go:build linux && amd64

package capture_test

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"saker/capfile"
	"saker/capture"
	"saker/event"
	"saker/replay"
)

// TestSensorLoss checks the sensor's loss accounting: a helper closes fd -1 at a given rate
// (one record per call) and every call must be either in the bundle or counted lost in the
// manifest. At 200,000 events/s with the default ring buffer nothing may be lost, through
// either syscall hook; as fast as the helper can with a one-page ring buffer losses must
// happen, and be counted.
func TestSensorLoss(t *testing.T) {
	requireSensor(t)
	if testing.Short() {
		t.Skip("privileged capture test")
	}
	tests := []struct {
		name     string
		n, rate  int
		ring     int
		wantLoss bool
		hook     string
	}{
		{name: "200k-per-second", n: 600_000, rate: 200_000},
		{name: "200k-per-second-syscalls-hook", n: 600_000, rate: 200_000, hook: capture.HookSyscalls},
		{name: "flood-tiny-ring", n: 500_000, rate: 0, ring: 4096, wantLoss: true},
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "bundle")
			stop := startCapture(t, capture.Options{Dir: dir, NoDNS: true, RingBytes: tc.ring, Hook: tc.hook})
			c := exec.Command(self, strconv.Itoa(tc.n), strconv.Itoa(tc.rate))
			c.Env = append(os.Environ(), "SAKER_SENSOR_HELPER=closes")
			c.Stderr = os.Stderr
			start := time.Now()
			if err := c.Run(); err != nil {
				t.Fatal(err)
			}
			el := time.Since(start)
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			m, err := capfile.ReadManifest(dir)
			if err != nil {
				t.Fatal(err)
			}
			got := countCloses(t, dir, uint32(c.Process.Pid))
			lost, _ := m.TotalLost()
			t.Logf("%d closes in %s (%.0f/s): %d recorded, %d lost in the whole capture (per CPU %v)",
				tc.n, el.Round(time.Millisecond), float64(tc.n)/el.Seconds(), got, lost, m.Lost)
			if got > uint64(tc.n) {
				t.Fatalf("recorded %d closes, the helper made %d", got, tc.n)
			}
			if got+lost < uint64(tc.n) {
				t.Fatalf("%d closes recorded and %d lost: %d vanished without being counted",
					got, lost, uint64(tc.n)-got-lost)
			}
			if tc.wantLoss {
				if lost == 0 {
					t.Fatal("no loss counted with a one-page ring buffer")
				}
				if len(m.Lost) == 0 || m.Counters["lost"] != lost {
					t.Fatalf("manifest lost_per_cpu %v, counters[lost] %d", m.Lost, m.Counters["lost"])
				}
			} else if lost != 0 || got != uint64(tc.n) {
				t.Fatalf("recorded %d of %d closes, %d lost", got, tc.n, lost)
			}
		})
	}
}

// countCloses counts the close(-1) events of process pid in the bundle, streaming.
func countCloses(t *testing.T, dir string, pid uint32) uint64 {
	t.Helper()
	b, err := capfile.Open(dir, capfile.ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rr := b.Records()
	closeKind, _ := event.KindByName("close")
	var n uint64
	var r capfile.Record
	var e event.Event
	for {
		err := rr.Next(&r)
		if errors.Is(err, io.EOF) {
			return n
		} else if err != nil {
			t.Fatal(err)
		}
		if r.Type != capfile.RecSensor {
			continue
		}
		if err := replay.DecodeSensorRecord(r.Version, r.Payload, &e); err != nil {
			continue
		}
		if e.Kind == closeKind && e.PID == pid && num(&e, "fd") == -1 {
			n++
		}
	}
}
