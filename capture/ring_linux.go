//go:build linux && amd64

package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"saker/capfile"
)

// errAfter stops a frozen flight recorder once RingOptions.After has passed.
var errAfter = errors.New("frozen")

// stateLoop writes the state records of every new segment of a ring (see
// capfile.Writer.SegmentStarts) until stop is closed; done is closed when it returns.
func stateLoop(w *capfile.Writer, meta *containerMeta, status io.Writer, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	for {
		select {
		case <-stop:
			return
		case seq := <-w.SegmentStarts():
			ts := capfile.Boottime()
			var n atomic.Uint64
			if err := writeState(context.Background(), w, ts, &n, meta); err != nil {
				if errors.Is(err, capfile.ErrFull) || errors.Is(err, capfile.ErrClosed) {
					return
				}
				fmt.Fprintf(status, "saker: warning: state of segment %d: %v\n", seq, err)
			}
			w.StateWritten(seq, ts, n.Load())
			w.UpdateManifest(func(m *capfile.Manifest) {
				m.Counters["state_records"] += n.Load()
				m.Counters["state_ns"] += capfile.Boottime() - ts
			})
		}
	}
}

// freezer takes the freeze requests of a flight recorder and stops it RingOptions.After
// after the first.
type freezer struct {
	w      *capfile.Writer
	dir    string
	after  time.Duration
	status io.Writer
	stop   context.CancelCauseFunc
	once   sync.Once
}

// loop freezes the ring on the first request from reqs or from the bundle's request file,
// then stops the capture after f.after; it returns when ctx ends.
func (f *freezer) loop(ctx context.Context, reqs <-chan capfile.Freeze) {
	poll := time.NewTicker(500 * time.Millisecond)
	defer poll.Stop()
	var timer <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case r := <-reqs:
			if t := f.freeze(r); t != nil {
				timer = t
			}
		case <-poll.C:
			if r, ok := f.request(); ok {
				if t := f.freeze(r); t != nil {
					timer = t
				}
			}
		case <-timer:
			fz := f.frozen()
			f.stop(fmt.Errorf("%w by %s, stopped %s later (--after)", errAfter, fz.By, f.after))
			return
		}
	}
}

// freeze freezes the ring and returns the timer of the stop, nil when it was frozen already.
func (f *freezer) freeze(r capfile.Freeze) <-chan time.Time {
	if !f.w.Freeze(r) {
		return nil
	}
	what := r.Reason
	if r.Rule != "" {
		what = fmt.Sprintf("rule %q (%s)", r.Rule, r.Priority)
	}
	fmt.Fprintf(f.status, "saker: ring frozen by %s: %s; recording stops in %s\n", r.By, what, f.after)
	return time.After(f.after)
}

func (f *freezer) frozen() capfile.Freeze {
	var fz capfile.Freeze
	f.w.UpdateManifest(func(m *capfile.Manifest) {
		if m.Ring != nil && m.Ring.Frozen != nil {
			fz = *m.Ring.Frozen
		}
	})
	return fz
}

// request reads and removes the bundle's freeze request file. A file owned by another user
// than root or this process's is removed and ignored: only they may write in the bundle.
func (f *freezer) request() (capfile.Freeze, bool) {
	path := filepath.Join(f.dir, FreezeRequestName)
	fl, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return capfile.Freeze{}, false
	}
	defer fl.Close()
	defer os.Remove(path)
	st, err := fl.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return capfile.Freeze{}, false
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); !ok || (sys.Uid != 0 && int(sys.Uid) != os.Geteuid()) {
		fmt.Fprintf(f.status, "saker: warning: %s ignored: not written by root\n", path)
		return capfile.Freeze{}, false
	}
	b := make([]byte, 256)
	n, _ := fl.Read(b)
	reason := strings.TrimSpace(strings.ToValidUTF8(string(b[:n]), "?"))
	if reason == "" {
		reason = "saker capture --freeze"
	}
	return capfile.Freeze{By: "control", Reason: reason}, true
}
