//go:build linux && amd64

package capture

import (
	"context"
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"saker/capfile"
	"saker/cgroups"
)

// Where the container watch reads an exec record (see struct sensor_exec in bpf/sensor.h).
const (
	offHdrType    = unsafe.Offsetof(sensorSensorHdr{}.Type)
	offExecCgroup = unsafe.Offsetof(sensorSensorExec{}.CgroupId)
	sizeExecRec   = unsafe.Sizeof(sensorSensorExec{})
	recExec       = 2 // REC_EXEC
	blobCgroup    = 17
)

// maxWatchedCgroups bounds the cgroup ids the watch remembers; past it, execs in cgroups not
// remembered cost a path parse each, and a container is still looked up only once.
const maxWatchedCgroups = 1 << 16

// watchDrain bounds how long the end of a capture waits for lookups still queued.
const watchDrain = 5 * time.Second

// containerWatch looks up containers whose first process is seen during the capture: the
// ring-buffer reader hands it every exec record; an exec in a cgroup not seen before whose
// path names a container not recorded yet queues a lookup, which a goroutine of its own
// answers with a containerinfo record stamped just before that exec, so that replay puts the
// container's metadata ahead of the events of its first process.
type containerWatch struct {
	meta    *containerMeta
	w       *capfile.Writer
	seen    map[uint64]bool // cgroup ids; used by the reader goroutine only
	queue   chan watchItem
	records atomic.Uint64 // containerinfo records written
	dropped atomic.Uint64 // lookups not queued: the queue was full
	ctx     context.Context
	cancel  context.CancelFunc
	done    sync.WaitGroup
}

type watchItem struct {
	ref cgroups.Ref
	ts  uint64
}

func startContainerWatch(w *capfile.Writer, meta *containerMeta) *containerWatch {
	cw := &containerWatch{meta: meta, w: w, seen: map[uint64]bool{}, queue: make(chan watchItem, 256)}
	cw.ctx, cw.cancel = context.WithCancel(context.Background())
	cw.done.Add(1)
	go cw.run()
	return cw
}

// record looks at one sensor record; it must be called from one goroutine.
func (cw *containerWatch) record(p []byte) {
	if uintptr(len(p)) < sizeExecRec || binary.LittleEndian.Uint16(p[offHdrType:]) != recExec {
		return
	}
	cg := binary.LittleEndian.Uint64(p[offExecCgroup:])
	if cw.seen[cg] {
		return
	}
	if len(cw.seen) < maxWatchedCgroups {
		cw.seen[cg] = true
	}
	ref := cgroups.Parse(cgroupBlob(p[sizeExecRec:]))
	if ref.ID == "" {
		return
	}
	select {
	case cw.queue <- watchItem{ref: ref, ts: binary.LittleEndian.Uint64(p)}:
	default:
		cw.dropped.Add(1)
	}
}

func (cw *containerWatch) run() {
	defer cw.done.Done()
	var n atomic.Uint64
	s := &snapshotWriter{w: cw.w, n: &n}
	for it := range cw.queue {
		if !cw.meta.claim(it.ref.ID) {
			continue
		}
		s.ts = it.ts - 1
		if s.emit("containerinfo", cw.meta.args(cw.ctx, it.ref)) == nil {
			cw.records.Add(1)
		}
	}
}

// stop answers the lookups still queued, waiting at most watchDrain, then stops the watch.
// The reader must have stopped handing it records.
func (cw *containerWatch) stop() {
	close(cw.queue)
	t := time.AfterFunc(watchDrain, cw.cancel)
	cw.done.Wait()
	t.Stop()
	cw.cancel()
}

// cgroupBlob returns the cgroup v2 path an exec record's blobs carry ("" when none): the
// blob holds its components leaf first, each NUL-terminated.
func cgroupBlob(b []byte) string {
	for len(b) >= 4 {
		tag, n := b[0], int(binary.LittleEndian.Uint16(b[2:]))
		b = b[4:]
		if n > len(b) {
			return ""
		}
		if tag == blobCgroup {
			return joinComponents(b[:n])
		}
		b = b[n:]
	}
	return ""
}

func joinComponents(comps []byte) string {
	var out []byte
	for end := len(comps); end > 0; {
		if comps[end-1] == 0 {
			end--
		}
		start := end
		for start > 0 && comps[start-1] != 0 {
			start--
		}
		out = append(out, '/')
		out = append(out, comps[start:end]...)
		end = start
	}
	if len(out) == 0 {
		return "/"
	}
	return string(out)
}
