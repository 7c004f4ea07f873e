package lab

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// expandAll substitutes the run's directories in a scenario's program and arguments.
func expandAll(r *strings.Replacer, s Scenario) (string, []string) {
	args := make([]string, len(s.Args))
	for i, a := range s.Args {
		args[i] = r.Replace(a)
	}
	return r.Replace(s.Program), args
}

// labRun is what running a scenario needs of the lab: its network, the substitutions of
// its directories, its directory under /tmp and the container's cgroup.
type labRun struct {
	net    *Net
	vars   *strings.Replacer
	tmp    string
	cgroup *Cgroup
}

func (l *labRun) command(s Scenario) *exec.Cmd {
	prog, args := expandAll(l.vars, s)
	cmd := l.net.Command(l.net.Victim, prog, args...)
	dir := strings.TrimSuffix(l.vars.Replace("{dir}"), "/")
	cmd.Env = append(os.Environ(), "LAB_DIR="+dir, "LAB_TMP="+l.tmp)
	cmd.Env = append(cmd.Env, s.Env...)
	cmd.Dir = dir
	if s.Container {
		l.cgroup.Start(cmd)
	}
	return cmd
}

// run runs s in the victim namespace to its end and returns its pid.
func (l *labRun) run(t *testing.T, s Scenario) uint32 {
	t.Helper()
	cmd := l.command(s)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", s.Name, err)
	}
	timeout := s.Timeout
	if timeout == 0 {
		timeout = time.Minute
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("%s: %v\n%s", s.Name, err, out.Bytes())
		}
	case <-time.After(timeout):
		cmd.Process.Kill()
		<-done
		t.Errorf("%s: still running after %s; killed\n%s", s.Name, timeout, out.Bytes())
	}
	t.Logf("%s (pid %d): %s", s.Name, cmd.Process.Pid, strings.TrimSpace(out.String()))
	return uint32(cmd.Process.Pid)
}

// start starts a Before scenario and waits for it to print "connected".
func (l *labRun) start(t *testing.T, s Scenario) *exec.Cmd {
	t.Helper()
	cmd := l.command(s)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", s.Name, err)
	}
	if err := waitLine(stdout, "connected", 10*time.Second); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("%s: %v\n%s", s.Name, err, stderr.Bytes())
	}
	go io.Copy(io.Discard, stdout)
	return cmd
}

// startHelper runs the pool namespace's servers and returns their pid.
func startHelper(t *testing.T, n *Net) uint32 {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := n.Command(n.Pool, exe, "-test.run=^TestLabHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"=pool")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	if err := waitLine(stdout, "ready", 20*time.Second); err != nil {
		t.Fatalf("pool helper: %v\n%s", err, stderr.Bytes())
	}
	go io.Copy(io.Discard, stdout)
	return uint32(cmd.Process.Pid)
}

// waitLine reads r until a line equal to want, an error or the timeout.
func waitLine(r io.Reader, want string, timeout time.Duration) error {
	found := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if strings.TrimSpace(sc.Text()) == want {
				found <- nil
				return
			}
		}
		found <- fmt.Errorf("ended before printing %q (%v)", want, sc.Err())
	}()
	select {
	case err := <-found:
		return err
	case <-time.After(timeout):
		return fmt.Errorf("no %q within %s", want, timeout)
	}
}

// startCapture starts `saker capture -o dir`, waits until the sensor is attached and the
// /proc snapshot taken, and returns the function that stops it with SIGINT.
func startCapture(t *testing.T, saker, dir string) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	cmd := exec.CommandContext(ctx, saker, "capture", "-o", dir, "--duration", "2m")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		defer cancel()
		cmd.Process.Signal(syscall.SIGINT)
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("saker capture: %v\n%s", err, out.Bytes())
			}
			t.Logf("saker capture: %s", strings.TrimSpace(out.String()))
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Fatalf("saker capture did not stop within 30s of SIGINT\n%s", out.Bytes())
		}
	}
	t.Cleanup(stop)
	// The sensor is attached before the bundle's manifest is first written; the snapshot
	// follows within a fraction of a second.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err == nil {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("saker capture exited: %v\n%s", err, out.Bytes())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("saker capture: no manifest after 30s\n%s", out.Bytes())
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second)
	return stop
}

func dirSize(t *testing.T, dir string) int64 {
	var n int64
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if fi, err := e.Info(); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// commit copies a capture into testdata/captures/NAME when it is small enough.
func commit(t *testing.T, from, name string, size int64) {
	t.Helper()
	if size > maxCommitted {
		t.Logf("%s: %d bytes, over %d: not copied into testdata", name, size, maxCommitted)
		return
	}
	to := filepath.Join(repoRoot, "testdata", "captures", name)
	if err := os.RemoveAll(to); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("copied %s to %s", name, to)
}
