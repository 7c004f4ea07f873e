//go:build linux && amd64

package capture_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"saker/analyze"
	"saker/capfile"
	"saker/capture"
	"saker/event"
	"saker/replay"
)

// startMiner starts the sleepminer helper under /bin/sh, so that it has a parent the
// capture sees (the test process itself is not recorded), and returns the helper's pid, the
// shell's pid, and the helper's stdin.
func startMiner(t *testing.T, port int, marker string) (pid, shell int, stdin io.WriteCloser) {
	t.Helper()
	c := exec.Command("/bin/sh", "-c", `"$0" "$@"; exit $?`, os.Args[0], strconv.Itoa(port), marker)
	c.Env = append(os.Environ(), "SAKER_SENSOR_HELPER=sleepminer")
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
	t.Cleanup(func() { in.Close(); c.Process.Kill(); c.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("sleepminer: %v", err)
	}
	if pid, err = strconv.Atoi(strings.TrimSpace(line)); err != nil {
		t.Fatalf("sleepminer printed %q", line)
	}
	go io.Copy(io.Discard, out)
	return pid, c.Process.Pid, in
}

// segmentBytes sums the sizes of the bundle's segment files on disk.
func segmentBytes(dir string) int64 {
	ents, _ := os.ReadDir(dir)
	var n int64
	for _, e := range ents {
		if fi, err := e.Info(); err == nil && strings.HasSuffix(e.Name(), ".zst") {
			n += fi.Size()
		}
	}
	return n
}

// waitManifest polls dir's manifest until ok says yes, or fails the test after limit.
func waitManifest(t *testing.T, dir string, limit time.Duration, ok func(*capfile.Manifest) bool) *capfile.Manifest {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		if m, err := capfile.ReadManifest(dir); err == nil && ok(m) {
			return m
		}
		if time.Now().After(deadline) {
			m, err := capfile.ReadManifest(dir)
			t.Fatalf("manifest not there after %s: %+v %v", limit, m, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestRingKeepsWindow: a flight recorder's ring smaller than what the capture writes stays
// within its bound, says what it deleted, and a process started before the kept window (a
// "miner" asleep since before the capture, which connects to its pool late) has its name,
// command line and parent in the replay of the window.
func TestRingKeepsWindow(t *testing.T) {
	requireSensor(t)
	const ring = 1 << 20
	pool := startHelper(t, "serve")
	const marker = "--url=stratum+tcp://pool.example:3333"
	minerPID, shellPID, minerIn := startMiner(t, pool.pid, marker) // serve prints its port
	dir := filepath.Join(t.TempDir(), "ring")
	stop := startCapture(t, capture.Options{Dir: dir, NoDNS: true, Ring: capture.RingOptions{Bytes: ring}})
	// Load: failed closes, the cheapest records, until the ring has deleted a few segments
	// (the start snapshot, which alone knew the miner, among them).
	load := exec.Command(os.Args[0], "3000000", "200000")
	load.Env = append(os.Environ(), "SAKER_SENSOR_HELPER=closes")
	if err := load.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { load.Process.Kill(); load.Wait() })
	var peak int64
	seg := capfile.RingSegmentBytes(ring)
	deadline := time.Now().Add(60 * time.Second)
	for {
		peak = max(peak, segmentBytes(dir))
		m, err := capfile.ReadManifest(dir)
		if err == nil && m.Ring != nil && m.Ring.Dropped != nil && m.Ring.Dropped.Files >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the ring deleted no 3 segments within a minute: %+v", m.Ring)
		}
		time.Sleep(20 * time.Millisecond)
	}
	load.Process.Kill()
	load.Wait()
	if _, err := io.WriteString(minerIn, "go\n"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	peak = max(peak, segmentBytes(dir))
	if peak > ring+seg {
		t.Errorf("segments peaked at %d bytes on disk; the bound is the ring's %d plus one segment (%d)", peak, ring, seg)
	}
	t.Logf("segments peaked at %d bytes for a ring of %d", peak, ring)

	b, err := capfile.Open(dir, capfile.ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d := b.Manifest.Ring.Dropped
	if d.FirstFile != "events-000001.zst" || d.Records == 0 || d.FirstTS == 0 || d.LastTS <= d.FirstTS {
		t.Errorf("dropped %+v: want events-000001.zst on, with records and a time range", d)
	}
	for _, fe := range b.Files() {
		t.Logf("kept %s: %d bytes, %d records, %d state records", fe.Name, fe.Size, fe.Records, fe.StateRecords)
	}
	first := b.Files()[0]
	if first.Name == "events-000001.zst" || first.StateRecords == 0 {
		t.Fatalf("first kept file %+v: want a later segment with its state", first)
	}

	var connects int
	replayState(t, dir, func(_ *replay.BundleSource, s *analyze.State, e *event.Event) {
		if e.Kind != event.KindConnect || e.PID != uint32(minerPID) {
			return
		}
		connects++
		p := s.Current()
		want := filepath.Base(os.Args[0])[:min(15, len(filepath.Base(os.Args[0])))]
		if p == nil || string(p.Comm) != want || !bytes.Contains(p.Cmdline(), []byte(marker)) {
			t.Errorf("connect of the miner: process %+v, want comm %q and %q in its command line", p, want, marker)
			return
		}
		parent := s.Process(p.PPID)
		if p.PPID != uint32(shellPID) || parent == nil || string(parent.Comm) != "sh" {
			t.Errorf("miner's parent: ppid %d (want %d), process %+v, want sh", p.PPID, shellPID, parent)
		}
	})
	if connects != 1 {
		t.Errorf("%d connects of the miner in the replay, want 1", connects)
	}
}

// TestRingFreezeControl: a freeze request, through the Freeze channel or the bundle's
// request file, freezes the ring (nothing more is deleted, the manifest says who froze it)
// and the capture stops --after later by itself.
func TestRingFreezeControl(t *testing.T) {
	requireSensor(t)
	for _, by := range []string{"signal", "control"} {
		t.Run(by, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "ring")
			freezes := make(chan capfile.Freeze, 1)
			ready := make(chan struct{})
			done := make(chan error, 1)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			const after = 1500 * time.Millisecond
			go func() {
				done <- capture.Run(ctx, capture.Options{Dir: dir, NoDNS: true, Ready: ready, Freeze: freezes,
					Ring: capture.RingOptions{Bytes: 1 << 20, After: after}})
			}()
			select {
			case <-ready:
			case err := <-done:
				t.Fatal(err)
			}
			load := exec.Command(os.Args[0], "100000000", "100000")
			load.Env = append(os.Environ(), "SAKER_SENSOR_HELPER=closes")
			if err := load.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { load.Process.Kill(); load.Wait() })
			waitManifest(t, dir, time.Minute, func(m *capfile.Manifest) bool { return m.Ring.Dropped != nil })
			if by == "signal" {
				freezes <- capfile.Freeze{By: "signal", Reason: "SIGUSR1"}
			} else if err := os.WriteFile(filepath.Join(dir, capture.FreezeRequestName), []byte("incident 42\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			m0 := waitManifest(t, dir, 10*time.Second, func(m *capfile.Manifest) bool { return m.Ring.Frozen != nil })
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(after + time.Minute):
				t.Fatal("the capture did not stop --after the freeze")
			}
			m, err := capfile.ReadManifest(dir)
			if err != nil {
				t.Fatal(err)
			}
			fz := m.Ring.Frozen
			if fz.By != by || (by == "control" && fz.Reason != "incident 42") {
				t.Errorf("frozen %+v, want by %s", fz, by)
			}
			if !strings.Contains(m.StopReason, "frozen by "+by) || m.Status != capfile.StatusStopped {
				t.Errorf("status %s, stop reason %q: want stopped, frozen by %s", m.Status, m.StopReason, by)
			}
			if *m.Ring.Dropped != *m0.Ring.Dropped {
				t.Errorf("dropped %+v at the end, %+v at the freeze: a frozen ring deletes nothing", *m.Ring.Dropped, *m0.Ring.Dropped)
			}
			for _, fe := range m0.Files {
				if fe.Kind == "events" {
					if _, err := os.Stat(filepath.Join(dir, fe.Name)); err != nil {
						t.Errorf("%s, kept at the freeze: %v", fe.Name, err)
					}
				}
			}
			if _, err := os.Stat(filepath.Join(dir, capture.FreezeRequestName)); !os.IsNotExist(err) {
				t.Errorf("request file left behind: %v", err)
			}
		})
	}
}
