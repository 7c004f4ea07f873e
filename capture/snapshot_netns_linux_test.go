//go:build linux && amd64

package capture

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"

	"saker/capfile"
	"saker/event"
)

// TestSnapshotForeignNetns: a socket connected inside another network namespace (a
// container's, a pod's) gets its tuple in the snapshot, from that namespace's /proc/net.
func TestSnapshotForeignNetns(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a network namespace (run: sudo go test ./capture/)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs the ip command (iproute2)")
	}
	cmd := exec.Command("unshare", "--net", os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SAKER_SENSOR_HELPER=netns-conn")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Skipf("unshare --net: %v", err)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	var pid, fd int64
	var local, remote string
	if _, err := fmt.Fscan(bufio.NewReader(stdout), &pid, &fd, &local, &remote); err != nil {
		t.Fatalf("helper: %v", err)
	}
	dir := filepath.Join(t.TempDir(), "snap")
	w, err := capfile.Create(dir, capfile.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Uint64
	if err := writeSnapshot(context.Background(), w, capfile.Boottime(), &n, newContainerMeta("", ""), noExe); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := capfile.Open(dir, capfile.ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rr := b.Records()
	defer rr.Close()
	var r capfile.Record
	var e event.Event
	for {
		if err := rr.Next(&r); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if r.Type != capfile.RecEvent || capfile.DecodeEvent(r.Payload, &e) != nil || e.Kind != event.KindFdinfo {
			continue
		}
		p, _ := e.Arg("pid")
		f, _ := e.Arg("fd")
		if p.Int != pid || f.Int != fd {
			continue
		}
		ta, _ := e.Arg("tuple")
		tp, err := event.ParseTuple(ta.Bytes)
		if err != nil {
			t.Fatalf("fd %d of pid %d has no tuple: %v", fd, pid, err)
		}
		if tp.Local.String() != local || tp.Remote.String() != remote || tp.Proto != event.ProtoTCP {
			t.Fatalf("tuple %v->%v, want %s->%s", tp.Local, tp.Remote, local, remote)
		}
		return
	}
	t.Fatalf("no fdinfo for fd %d of pid %d", fd, pid)
}
