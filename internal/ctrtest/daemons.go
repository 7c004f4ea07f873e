//go:build linux

package ctrtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Timeouts of the daemons' steps: each runtime starts in about a second on the project's
// machines; these bounds only keep a broken runtime from hanging a test.
const (
	startTimeout = 20 * time.Second
	stopTimeout  = 10 * time.Second
	cmdTimeout   = 60 * time.Second
)

// Need skips t unless it runs as root and the named programs are installed.
func Need(t testing.TB, progs ...string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to run container runtimes (run the tests as root; `make test` does)")
	}
	for _, p := range progs {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("%s is not installed (`make deps` installs containerd, runc, docker.io and busybox-static)", p)
		}
	}
}

// daemon is a runtime process started with its own session, stopped by its pid.
type daemon struct {
	name string
	cmd  *exec.Cmd
	log  *os.File
	done chan struct{}
}

func startDaemon(t testing.TB, name, logPath string, args ...string) *daemon {
	t.Helper()
	log, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		log.Close()
		t.Fatalf("start %s: %v", name, err)
	}
	d := &daemon{name: name, cmd: cmd, log: log, done: make(chan struct{})}
	go func() { cmd.Wait(); close(d.done) }()
	return d
}

// stop ends the daemon by its pid: SIGTERM, then SIGKILL after stopTimeout.
func (d *daemon) stop(t testing.TB) {
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(stopTimeout):
		t.Errorf("%s (pid %d) did not stop on SIGTERM in %v: killed", d.name, d.cmd.Process.Pid, stopTimeout)
		d.cmd.Process.Kill()
		<-d.done
	}
	d.log.Close()
}

// tail returns the end of the daemon's log, for failure messages.
func (d *daemon) tail() string {
	b, _ := os.ReadFile(d.log.Name())
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// waitFor polls ready until it succeeds, the daemon exits or startTimeout passes.
func (d *daemon) waitFor(t testing.TB, ready func() error) {
	t.Helper()
	deadline := time.Now().Add(startTimeout)
	for {
		err := ready()
		if err == nil {
			return
		}
		select {
		case <-d.done:
			t.Fatalf("%s exited while starting: %v\n%s", d.name, err, d.tail())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready after %v: %v\n%s", d.name, startTimeout, err, d.tail())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// run runs a command with cmdTimeout and returns its stdout; it fails t on error.
func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := runErr(name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return out
}

func runErr(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// tempDir makes a directory under /tmp with a short path (unix socket paths must stay under
// 108 bytes, which t.TempDir's long names break) and removes it at cleanup, after unmounting
// whatever a runtime left mounted below it.
func tempDir(t testing.TB, prefix string) string {
	t.Helper()
	dir, err := os.MkdirTemp("/tmp", prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, m := range MountsUnder(dir) {
			if err := syscall.Unmount(m, syscall.MNT_DETACH); err != nil {
				t.Errorf("unmount %s: %v", m, err)
			}
		}
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("remove %s: %v", dir, err)
		}
	})
	return dir
}

// MountsUnder returns the mount points at or below dir, deepest first.
func MountsUnder(dir string) []string {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) > 4 && (f[4] == dir || strings.HasPrefix(f[4], dir+"/")) {
			out = append(out, f[4])
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// CgroupRoots returns the mount points of the host's cgroup hierarchies (v1 controllers and
// v2, wherever mounted).
func CgroupRoots() []string {
	b, _ := os.ReadFile("/proc/self/mountinfo")
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		pre, post, ok := strings.Cut(l, " - ")
		f := strings.Fields(pre)
		if !ok || len(f) < 5 {
			continue
		}
		if fs := strings.Fields(post); len(fs) > 0 && (fs[0] == "cgroup" || fs[0] == "cgroup2") {
			out = append(out, f[4])
		}
	}
	return out
}

// removeCgroups removes the cgroup directory rel (e.g. "/kubepods/besteffort/podUID/ID") and
// what is below it in every hierarchy, deepest first: runc leaves them behind empty. A
// directory that still holds processes is reported. Then it removes rel's parents up to the
// top that are left empty, quietly keeping those in use by others.
func removeCgroups(t testing.TB, rel string) {
	removeTree(t, rel)
	for p := filepath.Dir(rel); p != "/" && p != "."; p = filepath.Dir(p) {
		for _, root := range CgroupRoots() {
			os.Remove(filepath.Join(root, p))
		}
	}
}

func removeTree(t testing.TB, rel string) {
	for _, root := range CgroupRoots() {
		top := filepath.Join(root, rel)
		var dirs []string
		filepath.WalkDir(top, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
		for i := len(dirs) - 1; i >= 0; i-- {
			var err error
			for try := 0; try < 50; try++ {
				if err = os.Remove(dirs[i]); err == nil || errors.Is(err, os.ErrNotExist) {
					break
				}
				time.Sleep(20 * time.Millisecond) // killed processes leave once reaped
			}
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				t.Errorf("cgroup %s left: %v", dirs[i], err)
			}
		}
	}
}
