package lab

import (
	"errors"
	"fmt"
	"io"

	"saker/event"
	"saker/replay"
)

// Descendants returns, for every process of the bundle at dir that is one of roots or
// descends from one, the root it descends from. Parents are learnt from the /proc snapshot
// and from the fork, vfork, clone and clone3 events of the capture.
func Descendants(dir string, roots []uint32) (map[uint32]uint32, error) {
	src, err := replay.OpenBundle(dir, replay.BundleOptions{})
	if err != nil {
		return nil, err
	}
	defer src.Close()
	parent := map[uint32]uint32{}
	var e event.Event
	for {
		err := src.Next(&e)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", dir, err)
		}
		switch e.Kind {
		case event.KindProcinfo:
			pid, _ := e.Arg("pid")
			ppid, _ := e.Arg("ptid")
			if pid.Int > 0 && ppid.Int > 0 {
				parent[uint32(pid.Int)] = uint32(ppid.Int)
			}
		case event.KindClone, event.KindClone3, event.KindFork, event.KindVfork:
			if e.Res <= 0 {
				continue
			}
			if fl, ok := e.Arg("flags"); ok && fl.Int&cloneThread != 0 {
				continue
			}
			child := uint32(e.Res)
			if a, ok := e.Arg("child_pid"); ok && a.Int > 0 {
				child = uint32(a.Int)
			}
			if child != e.PID {
				parent[child] = e.PID
			}
		}
	}
	isRoot := map[uint32]bool{}
	for _, r := range roots {
		isRoot[r] = true
	}
	out := map[uint32]uint32{}
	for _, r := range roots {
		out[r] = r
	}
	for pid := range parent {
		// Walk up to a root; the depth cap guards against cycles made by reused pids.
		for p, depth := pid, 0; depth < 64; depth++ {
			if isRoot[p] {
				out[pid] = p
				break
			}
			pp, ok := parent[p]
			if !ok {
				break
			}
			p = pp
		}
	}
	return out, nil
}

// cloneThread is CLONE_THREAD: the clone made a thread, not a process.
const cloneThread = 0x10000
