package cli

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"saker/capfile"
)

func requireSensor(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to load BPF programs")
	}
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		t.Skip("needs kernel BTF at /sys/kernel/btf/vmlinux")
	}
}

type cliResult struct {
	code        int
	out, stderr string
}

// startRecorder runs saker capture with args in the background and waits until its
// manifest says it records.
func startRecorder(t *testing.T, dir string, args ...string) <-chan cliResult {
	t.Helper()
	done := make(chan cliResult, 1)
	go func() {
		code, out, errb := runCLI(t, append([]string{"capture", "-o", dir, "--no-dns"}, args...)...)
		done <- cliResult{code, out, errb}
	}()
	deadline := time.Now().Add(time.Minute)
	for {
		m, err := capfile.ReadManifest(dir)
		if err == nil && m.Counters["snapshot_records"] > 0 {
			return done
		}
		select {
		case r := <-done:
			t.Fatalf("capture ended early: exit %d: %s", r.code, r.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("capture did not start within a minute")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitRecorder waits for the recorder to stop by itself, --after its freeze.
func waitRecorder(t *testing.T, done <-chan cliResult) cliResult {
	t.Helper()
	select {
	case r := <-done:
		if r.code != 0 {
			t.Fatalf("capture: exit %d: %s", r.code, r.stderr)
		}
		return r
	case <-time.After(2 * time.Minute):
		t.Fatal("the recorder did not stop --after its freeze")
	}
	return cliResult{}
}

// TestFlightRecorderSignal: SIGUSR1 freezes the ring; the recorder stops --after later with
// a complete bundle whose manifest names the signal, and analyze says so.
func TestFlightRecorderSignal(t *testing.T) {
	requireSensor(t)
	dir := filepath.Join(t.TempDir(), "ring")
	done := startRecorder(t, dir, "--ring", "4MiB", "--after", "1s", "--no-trigger")
	if out, err := exec.Command("/bin/sh", "-c", "cat /dev/null").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	r := waitRecorder(t, done)
	if !strings.Contains(r.stderr, "ring frozen by signal") {
		t.Errorf("capture's output lacks the freeze:\n%s", r.stderr)
	}
	m, err := capfile.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != capfile.StatusStopped || m.Ring.Frozen == nil || m.Ring.Frozen.By != "signal" {
		t.Fatalf("status %s, frozen %+v: want stopped, frozen by signal", m.Status, m.Ring.Frozen)
	}
	_, _, stderr := runCLI(t, "analyze", dir)
	if !strings.Contains(stderr, "ring frozen at") || !strings.Contains(stderr, "by signal: SIGUSR1") {
		t.Errorf("analyze does not say who froze the ring:\n%s", stderr)
	}
}

// TestFlightRecorderTrigger: the first finding of a trigger rule at the trigger priority
// freezes the ring; the segments before it are kept, recording stops --after later, the
// manifest names the finding, and analyze reports the finding and the freeze.
func TestFlightRecorderTrigger(t *testing.T) {
	requireSensor(t)
	rulesFile := filepath.Join(t.TempDir(), "trigger.yaml")
	const rule = `- rule: Connect to test pool
  desc: a process that names the test pool connects
  condition: evt.type = connect and evt.dir = < and fd.l4proto = tcp and proc.cmdline contains "pool.example"
  output: pool connection (proc.name=%proc.name proc.cmdline=%proc.cmdline fd.name=%fd.name)
  priority: CRITICAL
- rule: Noisy notice
  desc: below the trigger priority, fires on every close
  condition: evt.type = close
  output: close (proc.name=%proc.name)
  priority: NOTICE
`
	if err := os.WriteFile(rulesFile, []byte(rule), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	dir := filepath.Join(t.TempDir(), "ring")
	done := startRecorder(t, dir, "--ring", "4MiB", "--after", "1s", "--trigger-rules", rulesFile, "--trigger-priority", "critical")
	// Some activity below the trigger priority first: it freezes nothing.
	if out, err := exec.Command("/bin/sh", "-c", "for i in 1 2 3; do cat /dev/null; done").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	time.Sleep(500 * time.Millisecond)
	if m, _ := capfile.ReadManifest(dir); m == nil || m.Ring.Frozen != nil {
		t.Fatalf("frozen before the trigger: %+v", m)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	if out, err := exec.Command("/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/"+port, "pool.example").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	r := waitRecorder(t, done)
	m, err := capfile.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	fz := m.Ring.Frozen
	if fz == nil || fz.By != "trigger" || fz.Rule != "Connect to test pool" || fz.Priority != "Critical" || !strings.Contains(fz.Output, "127.0.0.1:"+port) {
		t.Fatalf("frozen %+v: want the trigger's finding\n%s", fz, r.stderr)
	}
	if !strings.Contains(m.StopReason, "frozen by trigger") {
		t.Errorf("stop reason %q", m.StopReason)
	}
	code, out, stderr := runCLI(t, "analyze", dir, "--no-default-rules", "-r", rulesFile, "--json")
	if code != 0 {
		t.Fatalf("analyze: exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, `"rule":"Connect to test pool"`) {
		t.Errorf("analyze did not find the trigger's connection:\n%s", out)
	}
	if !strings.Contains(stderr, `by trigger: rule "Connect to test pool" (Critical)`) {
		t.Errorf("analyze does not report the trigger:\n%s", stderr)
	}
}

// TestCaptureRingUsage: the flight recorder's flags are checked before anything starts.
func TestCaptureRingUsage(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-o", dir + "/a", "--ring-age", "1h"}, "need --ring"},
		{[]string{"-o", dir + "/a", "--ring", "100KB"}, "at least 1MiB"},
		{[]string{"-o", dir + "/a", "--ring", "1GiB", "--after", "soon"}, "--after"},
		{[]string{"-o", dir + "/a", "--ring", "1GiB", "--max-size", "512MiB"}, "must be larger than --ring"},
		{[]string{"-o", dir + "/a", "--ring", "1GiB", "--trigger-priority", "loud"}, "--trigger-priority"},
		{[]string{"-o", dir + "/a", "--ring", "1GiB", "--no-trigger", "--trigger-rules", dir}, "exclude each other"},
		{[]string{"--freeze", dir, "-o", dir + "/a"}, "stands alone"},
		{nil, "output"},
	} {
		code, _, stderr := runCLI(t, append([]string{"capture"}, c.args...)...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("capture %v: exit %d, %q; want usage error with %q", c.args, code, stderr, c.want)
		}
	}
	// --freeze of a directory that is no running recorder says so.
	code, _, stderr := runCLI(t, "capture", "--freeze", dir)
	if code != 1 || !strings.Contains(stderr, "manifest.json") {
		t.Errorf("--freeze of an empty directory: exit %d, %q", code, stderr)
	}
}
