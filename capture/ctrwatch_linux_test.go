//go:build linux && amd64

package capture

import (
	"encoding/binary"
	"testing"

	"saker/cgroups"
)

// execRecord returns a sensor exec record as the BPF program writes it: the fixed part with
// ts, type and cgroup id, then the blobs (tag, pad, u16 length, bytes).
func execRecord(ts, cgroupID uint64, blobs ...any) []byte {
	p := make([]byte, sizeExecRec)
	binary.LittleEndian.PutUint64(p, ts)
	binary.LittleEndian.PutUint16(p[offHdrType:], recExec)
	binary.LittleEndian.PutUint64(p[offExecCgroup:], cgroupID)
	for i := 0; i+1 < len(blobs); i += 2 {
		b := []byte(blobs[i+1].(string))
		p = append(p, byte(blobs[i].(int)), 0, 0, 0)
		binary.LittleEndian.PutUint16(p[len(p)-2:], uint16(len(b)))
		p = append(p, b...)
	}
	return p
}

// leafFirst writes a cgroup path's components as the sensor does: leaf first, each
// NUL-terminated.
func leafFirst(comps ...string) string {
	var s string
	for i := len(comps) - 1; i >= 0; i-- {
		s += comps[i] + "\x00"
	}
	return s
}

func TestContainerWatchRecord(t *testing.T) {
	const (
		id  = "4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c"
		uid = "0b7c5a2e-1f3d-4c6b-9a8e-7d6c5b4a3f21"
	)
	cw := &containerWatch{seen: map[uint64]bool{}, queue: make(chan watchItem, 2)}
	pod := leafFirst("kubepods", "besteffort", "pod"+uid, id)
	// An argv blob before the cgroup blob: the watch must skip it.
	cw.record(execRecord(1000, 7, 14, "sh\x00-c\x00", blobCgroup, pod))
	cw.record(execRecord(2000, 7, blobCgroup, pod))                                        // same cgroup: not again
	cw.record(execRecord(3000, 8, blobCgroup, leafFirst("user.slice", "session-1.scope"))) // the host
	cw.record(execRecord(4000, 9))                                                         // no cgroup blob
	cw.record(execRecord(5000, 10, blobCgroup, leafFirst("docker", id)))
	cw.record(execRecord(6000, 11, blobCgroup, leafFirst("docker", id))) // queue full: dropped
	cw.record([]byte{1, 2, 3})                                           // short: ignored
	sys := execRecord(7000, 12, blobCgroup, leafFirst("docker", id))
	binary.LittleEndian.PutUint16(sys[offHdrType:], 1) // a syscall record, not an exec
	cw.record(sys)
	close(cw.queue)
	var got []watchItem
	for it := range cw.queue {
		got = append(got, it)
	}
	want := []watchItem{
		{ref: cgroups.Ref{ID: id, Runtime: cgroups.Containerd, PodUID: uid}, ts: 1000},
		{ref: cgroups.Ref{ID: id, Runtime: cgroups.Docker}, ts: 5000},
	}
	if len(got) != len(want) {
		t.Fatalf("queued %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("item %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if cw.dropped.Load() != 1 {
		t.Errorf("dropped %d, want 1", cw.dropped.Load())
	}
}

func TestCgroupBlob(t *testing.T) {
	for _, c := range []struct{ name, blob, want string }{
		{"root", "\x00", "/"},
		{"empty", "", "/"},
		{"two", "b\x00a\x00", "/a/b"},
		{"no final NUL", "b\x00a", "/a/b"},
	} {
		rec := execRecord(1, 1, blobCgroup, c.blob)
		if got := cgroupBlob(rec[sizeExecRec:]); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	// A blob longer than what is left: no path.
	rec := execRecord(1, 1, blobCgroup, "a\x00")
	if got := cgroupBlob(rec[sizeExecRec : len(rec)-1]); got != "" {
		t.Errorf("cut blob: %q", got)
	}
}

// FuzzContainerWatchRecord feeds arbitrary bytes as sensor records: the watch must neither
// panic nor queue a reference that is not a container's.
func FuzzContainerWatchRecord(f *testing.F) {
	f.Add(execRecord(1, 1, blobCgroup, leafFirst("docker", "4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c")))
	f.Add(execRecord(1, 1, 14, "x\x00", blobCgroup, "\x00\x00"))
	f.Add(execRecord(1, 1))
	f.Fuzz(func(t *testing.T, p []byte) {
		cw := &containerWatch{seen: map[uint64]bool{}, queue: make(chan watchItem, 1)}
		cw.record(p)
		close(cw.queue)
		for it := range cw.queue {
			if len(it.ref.ID) != 64 {
				t.Fatalf("queued %+v", it.ref)
			}
		}
	})
}
