//go:build linux && amd64

package capture_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"saker/analyze"
	"saker/capfile"
	"saker/capture"
	"saker/event"
	"saker/replay"
)

// helperProc is a running re-execution of the test binary in a helper mode.
type helperProc struct {
	cmd   *exec.Cmd
	pid   int
	stdin io.WriteCloser
}

// startHelper starts mode with args and waits for the pid it prints first.
func startHelper(t *testing.T, mode string, args ...string) *helperProc {
	t.Helper()
	c := exec.Command(os.Args[0], args...)
	c.Env = append(os.Environ(), "SAKER_SENSOR_HELPER="+mode)
	in, err := c.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	h := &helperProc{cmd: c, stdin: in}
	t.Cleanup(func() { in.Close(); c.Process.Kill(); c.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("%s: %v", mode, err)
	}
	if h.pid, err = strconv.Atoi(strings.TrimSpace(line)); err != nil {
		t.Fatalf("%s printed %q", mode, line)
	}
	go io.Copy(io.Discard, out)
	return h
}

// spin starts n busy loops, killed at the end of the test: the capture then competes for
// the CPUs as on a loaded host.
func spin(t *testing.T, n int) {
	t.Helper()
	for range n {
		c := exec.Command(os.Args[0])
		c.Env = append(os.Environ(), "SAKER_SENSOR_HELPER=spin")
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Process.Kill(); c.Wait() })
	}
}

// statStart returns the wall-clock start of pid from /proc/PID/stat: starttime in clock ticks
// (USER_HZ, 100 per second on amd64) after boot, with the boot time taken from
// CLOCK_BOOTTIME and the wall clock now.
func statStart(t *testing.T, pid int) time.Time {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	ticks, err := strconv.ParseInt(f[19], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	var ts unix.Timespec
	now := time.Now()
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		t.Fatal(err)
	}
	boot := now.Add(-time.Duration(ts.Nano()))
	return boot.Add(time.Duration(ticks) * 10 * time.Millisecond)
}

// replayState replays the bundle in dir through an analyze.State and calls fn after each
// event's update.
func replayState(t *testing.T, dir string, fn func(src *replay.BundleSource, s *analyze.State, e *event.Event)) {
	t.Helper()
	src, err := replay.OpenBundle(dir, replay.BundleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	s := analyze.NewState(src, nil, analyze.Hooks{})
	s.SetExecutables(src)
	var e event.Event
	for {
		err := src.Next(&e)
		if errors.Is(err, io.EOF) {
			return
		} else if err != nil {
			t.Fatal(err)
		}
		s.Update(&e)
		fn(src, s, &e)
	}
}

// TestPreexistingStartTime: a process running before the capture has the start time
// /proc/PID/stat gives it, not one near boot; proc.duration at its event counts from there.
func TestPreexistingStartTime(t *testing.T) {
	requireSensor(t)
	h := startHelper(t, "waitclose")
	want := statStart(t, h.pid)
	time.Sleep(300 * time.Millisecond) // the capture starts well after the process
	dir := filepath.Join(t.TempDir(), "cap")
	stop := startCapture(t, capture.Options{Dir: dir, NoDNS: true})
	io.WriteString(h.stdin, "go\n")
	time.Sleep(100 * time.Millisecond)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	var closes int
	replayState(t, dir, func(src *replay.BundleSource, s *analyze.State, e *event.Event) {
		p := s.Current()
		if e.Kind != event.KindClose || p == nil || p.PID != uint32(h.pid) {
			return
		}
		closes++
		start := src.Wall(p.StartTS)
		if d := start.Sub(want).Abs(); d > 10*time.Millisecond {
			t.Errorf("start %s, /proc/%d/stat says %s (%s apart)", start.Format(time.RFC3339Nano), h.pid, want.Format(time.RFC3339Nano), d)
		}
		dur := time.Duration(e.TS - p.StartTS) // proc.duration
		wantDur := src.Wall(e.TS).Sub(want)
		if d := (dur - wantDur).Abs(); d > 10*time.Millisecond {
			t.Errorf("proc.duration %s at the close, want %s", dur, wantDur)
		}
	})
	if closes == 0 {
		t.Fatalf("no close of pid %d in the capture", h.pid)
	}
}

// TestPreexistingIdentityUnderLoad: processes that run before the capture and make
// syscalls all through its start have their name and command line from their first event
// on, while busy loops keep the CPUs loaded and many open files slow the /proc snapshot
// down. Repeated, since the interleaving of snapshot and sensor differs each time.
func TestPreexistingIdentityUnderLoad(t *testing.T) {
	requireSensor(t)
	spin(t, 2)
	for round := range 2 {
		var tickers []*helperProc
		pids := map[uint32]bool{}
		for range 16 {
			h := startHelper(t, "ticker", "300")
			tickers = append(tickers, h)
			pids[uint32(h.pid)] = true
		}
		t.Logf("round %d: started %s", round, time.Now().Format(time.StampMilli))
		dir := filepath.Join(t.TempDir(), "cap"+strconv.Itoa(round))
		stop := startCapture(t, capture.Options{Dir: dir, NoDNS: true})
		time.Sleep(300 * time.Millisecond)
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		t.Logf("round %d: captured %s", round, time.Now().Format(time.StampMilli))
		for _, h := range tickers {
			h.stdin.Close()
		}
		want := filepath.Base(os.Args[0])
		if len(want) > 15 {
			want = want[:15]
		}
		seen := map[uint32]int{}
		bad := 0
		replayState(t, dir, func(_ *replay.BundleSource, s *analyze.State, e *event.Event) {
			p := s.Current()
			if e.Kind != event.KindClose || !pids[e.PID] || p == nil {
				return
			}
			seen[e.PID]++
			if string(p.Comm) != want || len(p.Cmdline()) == 0 {
				if bad++; bad <= 5 {
					t.Errorf("round %d: event %d of pid %d: proc.name %q cmdline %q, want %q", round, e.Num, e.PID, p.Comm, p.Cmdline(), want)
				}
			}
		})
		t.Logf("round %d: replayed %s", round, time.Now().Format(time.StampMilli))
		if bad > 0 {
			t.Errorf("round %d: %d closes without their process's identity", round, bad)
		}
		if len(seen) != len(pids) {
			t.Errorf("round %d: closes of %d of the %d processes", round, len(seen), len(pids))
		}
	}
}

// dnsFault runs in a network namespace of its own: it captures into dir while the bridge
// interface d0, one of the interfaces DNS is recorded on, goes away, then prints Run's error
// (or "ok") and the status output.
func dnsFault(dir string) error {
	for _, args := range [][]string{{"link", "set", "lo", "up"}, {"link", "add", "d0", "type", "bridge"}, {"link", "set", "d0", "up"}} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("ip %v: %v: %s", args, err, out)
		}
	}
	ready := make(chan struct{})
	var status bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- capture.Run(ctx, capture.Options{Dir: dir, Ready: ready, Status: &status, SakerVersion: "v9.9.9 (commit test)"})
	}()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		return err
	}
	if out, err := exec.Command("ip", "link", "del", "d0").CombinedOutput(); err != nil {
		cancel()
		return fmt.Errorf("ip link del: %v: %s", err, out)
	}
	time.Sleep(500 * time.Millisecond)
	cancel()
	err := <-done
	fmt.Printf("run error: %v\n%s", err, status.Bytes())
	return nil
}

// TestCaptureDNSFault: an interface going away during a capture stops DNS recording on it,
// and only there: the capture ends without error, with a warning and the fault in the
// manifest, and its events are all there.
func TestCaptureDNSFault(t *testing.T) {
	requireSensor(t)
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("needs unshare (util-linux)")
	}
	dir := filepath.Join(t.TempDir(), "cap")
	// A mount namespace too, for a sysfs that lists the new namespace's interfaces.
	c := exec.Command("unshare", "--net", "--mount", "sh", "-c", `mount -t sysfs sysfs /sys && exec "$0" "$1"`, os.Args[0], dir)
	c.Env = append(os.Environ(), "SAKER_SENSOR_HELPER=dnsfault")
	out, err := c.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	text := string(out)
	if !strings.Contains(text, "run error: <nil>\n") {
		t.Errorf("capture failed:\n%s", text)
	}
	if !strings.Contains(text, "saker: warning: dns on d0: read: ") || strings.Contains(text, "dns: dns:") {
		t.Errorf("no warning naming the interface, or a doubled prefix:\n%s", text)
	}
	m, err := capfile.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Faults) != 1 || m.Faults[0].Stream != "dns" || m.Faults[0].Part != "d0" ||
		!strings.Contains(m.Faults[0].Reason, "network is down") || m.Faults[0].Time.Before(m.Start) {
		t.Errorf("manifest faults %+v", m.Faults)
	}
	if m.SakerVersion != "v9.9.9 (commit test)" {
		t.Errorf("manifest saker_version %q", m.SakerVersion)
	}
	if m.Status != capfile.StatusStopped || m.Counters["sensor_records"] == 0 {
		t.Errorf("manifest status %s with %d sensor records", m.Status, m.Counters["sensor_records"])
	}
	if _, ok := m.File("dns-000001.pcapng.zst"); !ok {
		t.Errorf("no DNS data file in %+v", m.Files)
	}
}
