//go:build linux && amd64

package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"saker/capfile"
	"saker/event"
)

// dockerScope creates SLICE/docker-ID.scope under the cgroup v2 root, named as systemd's
// cgroup driver names a Docker container's, and returns it open; cleanup kills what runs in
// it and removes both. It skips without root or cgroup v2.
func dockerScope(t *testing.T, id string) *os.File {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a cgroup (run: sudo go test ./capture/)")
	}
	root := ""
	for _, p := range []string{"/sys/fs/cgroup", "/sys/fs/cgroup/unified"} { // unified: systemd's hybrid mode
		var st syscall.Statfs_t
		if syscall.Statfs(p, &st) == nil && st.Type == 0x63677270 { // CGROUP2_SUPER_MAGIC
			root = p
			break
		}
	}
	if root == "" {
		t.Skip("needs cgroup v2 at /sys/fs/cgroup or /sys/fs/cgroup/unified")
	}
	slice := fmt.Sprintf("%s/saker-test-%d.slice", root, os.Getpid())
	scope := filepath.Join(slice, "docker-"+id+".scope")
	if err := os.MkdirAll(scope, 0o755); err != nil {
		t.Skipf("cgroup: %v", err)
	}
	dir, err := os.Open(scope)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		dir.Close()
		os.WriteFile(filepath.Join(scope, "cgroup.kill"), []byte("1"), 0)
		for _, d := range []string{scope, slice} {
			for try := 0; try < 50; try++ {
				if err := os.Remove(d); err == nil || errors.Is(err, os.ErrNotExist) {
					break
				}
				time.Sleep(20 * time.Millisecond) // killed processes leave once reaped
			}
		}
	})
	return dir
}

// TestSnapshotDockerMetadata runs the snapshot with a fake Docker Engine while a process runs
// in a docker-ID.scope cgroup: the container's record carries what the engine said, the
// process its environment, and the manifest capability says the engine was asked.
func TestSnapshotDockerMetadata(t *testing.T) {
	scope := dockerScope(t, fixtureID)
	sock, asked := fakeDocker(t, map[string][]byte{fixtureID: readFixture(t)})
	sleep := exec.Command("sleep", "30")
	sleep.Env = []string{"FOO=snap", "LD_PRELOAD=/tmp/x.so"}
	sleep.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(scope.Fd())}
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { sleep.Process.Kill(); sleep.Wait() }()

	dir := filepath.Join(t.TempDir(), "snap")
	w, err := capfile.Create(dir, capfile.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Uint64
	caps, err := writeSnapshot(context.Background(), w, &n, sock)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if len(caps) == 0 || caps[0].Name != "container_metadata" || !caps[0].Recorded ||
		caps[0].Reason != "Docker Engine at "+sock+": 1 of 1 containers inspected" {
		t.Errorf("capabilities %+v", caps)
	}
	if got := asked(); len(got) != 1 || got[0] != fixtureID {
		t.Errorf("engine asked for %q, want the full id once", got)
	}

	var ctr, proc *event.Event
	b, err := capfile.Open(dir, capfile.ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rr := b.Records()
	defer rr.Close()
	var r capfile.Record
	for {
		if err := rr.Next(&r); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		var e event.Event
		if r.Type != capfile.RecEvent || capfile.DecodeEvent(r.Payload, &e) != nil {
			continue
		}
		switch a, _ := e.Arg("pid"); {
		case e.Kind == event.KindContainerinfo:
			ctr = e.Clone()
		case e.Kind == event.KindProcinfo && a.Int == int64(sleep.Process.Pid):
			proc = e.Clone()
		}
	}
	if ctr == nil || proc == nil {
		t.Fatalf("containerinfo %v, procinfo of the container's process %v", ctr != nil, proc != nil)
	}
	text := func(e *event.Event, name string) string { a, _ := e.Arg(name); return string(a.Bytes) }
	num := func(e *event.Event, name string) int64 { a, _ := e.Arg(name); return a.Int }
	want := map[string]string{"id": fixtureID, "runtime": "docker"}
	for k, v := range wantFixtureArgs {
		want[k] = v
	}
	for k, v := range want {
		if got := text(ctr, k); got != v {
			t.Errorf("containerinfo %s = %q, want %q", k, got, v)
		}
	}
	if num(ctr, "privileged") != 1 || num(ctr, "start_ts") != fixtureStart {
		t.Errorf("containerinfo privileged %d start_ts %d", num(ctr, "privileged"), num(ctr, "start_ts"))
	}
	if got := text(proc, "env"); got != "FOO=snap\x00LD_PRELOAD=/tmp/x.so\x00" {
		t.Errorf("procinfo env %q", got)
	}
}
