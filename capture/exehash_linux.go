//go:build linux && amd64

package capture

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"saker/capfile"
)

// Executables are read in user space, off the ring buffer's reader: it hands each exec to
// a bounded queue (dropping, and counting, when the queue is full) and one worker opens
// /proc/PID/exe, the very file the process runs (in its own mount namespace, deleted or a
// memfd alike), hashes it with SHA-256 and writes a capfile.Executable to the "exes" data
// file; copies of the files worth keeping go to the bundle's files/ directory.
const (
	exeQueue     = 4096    // execs waiting for the worker
	exeMaxHash   = 1 << 30 // larger executables are not hashed ("too large")
	exeCacheSize = 1 << 16 // file identities remembered (dev, ino, size, times -> hash)
)

// Keeping samples: defaults of Options.KeepFileBytes and KeepTotalBytes.
const (
	DefaultKeepFileBytes  = 64 << 20
	DefaultKeepTotalBytes = 256 << 20
)

// minerNames are executable names of cryptominers whose files are kept whatever their age.
var minerNames = []string{"xmrig", "xmr-stak", "xmr-stak-rx", "minerd", "cpuminer", "cpuminer-multi",
	"cgminer", "bfgminer", "ethminer", "t-rex", "nbminer", "lolminer", "phoenixminer", "srbminer-multi",
	"teamredminer", "nanominer", "gminer", "xmrig-notls", "xmrigdaemon", "xmrigminer"}

type exeJob struct {
	pid   uint32
	ppid  uint32 // the parent at exec: its /proc/PPID/root reaches the exec's mount namespace
	ts    uint64
	ino   uint64 // the inode the sensor saw at exec; 0 for snapshot jobs
	ctime int64  // and its change time, Unix ns
	path  string // the executable's path as the sensor saw it at exec
	comm  string
	fixed bool // a snapshot job: no exec to compare with
	// early is /proc/PID/exe opened when the exec record was read, if it still was the inode
	// the sensor saw, and link its path then: a process that lives for milliseconds is often
	// gone by the time the worker, busy hashing, reaches its job. The worker closes it.
	early *os.File
	link  string
}

type fileKey struct {
	dev, ino     uint64
	size         int64
	mtime, ctime int64
}

type fileResult struct {
	sha  string
	kept bool
	err  string
}

// exeHasher is the worker and its state.
type exeHasher struct {
	w         *capfile.Writer
	df        *capfile.DataFile
	jobs      chan exeJob // execs: served first, their processes may live for a moment only
	snaps     chan exeJob // processes of the start snapshot
	done      chan struct{}
	since     int64 // wall-clock ns of the capture's start: files changed later are drift
	keepFile  int64
	keepTotal int64
	kept      int64
	cache     map[fileKey]fileResult
	peerTried map[[2]int64]bool // inodes byPeer scanned /proc for
	buf       []byte
	copyBuf   []byte

	mu      sync.Mutex // guards the data file between the worker and drop records
	records atomic.Uint64
	hashed  atomic.Uint64
	failed  atomic.Uint64
	dropped atomic.Uint64
	samples atomic.Uint64
}

// startExeHasher creates the "exes" data file and starts the worker.
func startExeHasher(w *capfile.Writer, since time.Time, keepFile, keepTotal int64) (*exeHasher, error) {
	df, err := w.CreateDataFile(capfile.ExeKind, ".rec")
	if err != nil {
		return nil, fmt.Errorf("executables data file: %w", err)
	}
	h := &exeHasher{w: w, df: df, jobs: make(chan exeJob, exeQueue), snaps: make(chan exeJob, 64), done: make(chan struct{}),
		since: since.UnixNano(), keepFile: keepFile, keepTotal: keepTotal,
		cache: map[fileKey]fileResult{}, peerTried: map[[2]int64]bool{}, copyBuf: make([]byte, 256<<10)}
	go h.loop()
	return h, nil
}

// fromSensor queues the exec of a raw sensor record, never blocking: when the queue is full
// the exec gets a record saying so. Other records are ignored after a two-byte check.
func (h *exeHasher) fromSensor(p []byte) {
	const sizeExec, recExec = 152, 2 // struct sensor_exec, SENSOR_REC_EXEC in bpf/sensor.h
	if len(p) < sizeExec || uint16(p[16])|uint16(p[17])<<8 != recExec {
		return
	}
	j := exeJob{pid: le32(p[8:]), ppid: le32(p[32:]), ts: le64(p), ino: le64(p[104:]), ctime: int64(le64(p[112:])),
		path: exePath(p[sizeExec:]), comm: cstr(p[136:152])}
	j.early, j.link = openEarly(j)
	select {
	case h.jobs <- j:
	default:
		if j.early != nil {
			j.early.Close()
		}
		h.dropped.Add(1)
		h.write(&capfile.Executable{PID: j.pid, TS: j.ts, Error: "not read: the hashing queue was full"})
	}
}

// openEarly opens the executable of an exec job's process while the record is fresh: the
// open file when it is the inode the sensor saw, unchanged since, and the link's path read
// around the open (empty when the two readings differ: another exec came between).
func openEarly(j exeJob) (*os.File, string) {
	if j.ino == 0 {
		return nil, ""
	}
	f, link, err := openExe("/proc/" + strconv.FormatUint(uint64(j.pid), 10))
	if err != nil {
		return nil, ""
	}
	var st syscall.Stat_t
	if syscall.Fstat(int(f.Fd()), &st) != nil || st.Ino != j.ino || st.Ctim.Nano() != j.ctime {
		f.Close()
		return nil, ""
	}
	return f, link
}

// openExe opens the executable of the process at proc (its /proc directory) and reads its
// link around the open: a process that execs in between (ip netns exec, a shell's exec) would
// otherwise pair the file of one exec with the path of the next. The path is "" when the two
// readings differ; the inode checks tell whether the file is the exec's.
func openExe(proc string) (*os.File, string, error) {
	before, _ := os.Readlink(proc + "/exe")
	f, err := os.Open(proc + "/exe")
	if err != nil {
		return nil, "", err
	}
	after, _ := os.Readlink(proc + "/exe")
	if after != before {
		after = ""
	}
	return f, after, nil
}

// fromSnapshot queues a process of the start snapshot, waiting for room. The worker serves
// execs first: a snapshot's processes have run a while and mostly go on running.
func (h *exeHasher) fromSnapshot(pid int, ts uint64, comm string) {
	h.snaps <- exeJob{pid: uint32(pid), ts: ts, comm: comm, fixed: true}
}

// stop lets the worker finish the queue and closes the data file.
func (h *exeHasher) stop() error {
	close(h.snaps)
	close(h.jobs)
	<-h.done
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.df.Close()
}

func (h *exeHasher) counters(m map[string]uint64) {
	m["exe_records"] = h.records.Load()
	m["exe_hashed"] = h.hashed.Load()
	m["exe_unhashed"] = h.failed.Load()
	m["exe_queue_full"] = h.dropped.Load()
	m["samples_kept"] = h.samples.Load()
}

func (h *exeHasher) loop() {
	defer close(h.done)
	jobs, snaps := h.jobs, h.snaps
	for jobs != nil || snaps != nil {
		var j exeJob
		var ok bool
		select {
		case j, ok = <-jobs: // an exec waiting goes before any snapshot process
		default:
			select {
			case j, ok = <-jobs:
			case j, ok = <-snaps:
				if !ok {
					snaps = nil
					continue
				}
			}
		}
		if !ok {
			jobs = nil
			continue
		}
		x := h.read(j)
		if x.SHA256 != "" {
			h.hashed.Add(1)
		} else {
			h.failed.Add(1)
		}
		h.write(&x)
	}
}

func (h *exeHasher) write(x *capfile.Executable) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.buf = capfile.AppendExe(h.buf[:0], x)
	if err := h.df.WriteRecord(capfile.Record{Type: capfile.RecExe, Version: capfile.ExeVersion, TS: x.TS, Payload: h.buf}); err == nil {
		h.records.Add(1)
	}
}

// read hashes the executable of one job.
func (h *exeHasher) read(j exeJob) capfile.Executable {
	x := capfile.Executable{PID: j.pid, TS: j.ts, Path: j.path} // the sensor's path until /proc names it
	proc := "/proc/" + strconv.FormatUint(uint64(j.pid), 10)
	// The file opened when the exec record was read, or now.
	f, err := j.early, error(nil)
	if f != nil {
		x.Path = cmp.Or(j.link, j.path)
	} else {
		f, x.Path, err = h.open(j, proc)
		if f == nil {
			x.Error = openReason(err)
			return x
		}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		x.Error = "stat: " + err.Error()
		return x
	}
	st, _ := fi.Sys().(*syscall.Stat_t)
	if st == nil || !fi.Mode().IsRegular() {
		x.Error = "not a regular file"
		return x
	}
	if !j.fixed && j.ino != 0 && j.ino != st.Ino {
		// What /proc shows now is the next program: this exec's file is unknown, and the
		// record keeps the path the sensor saw rather than the other program's.
		x.Path = j.path
		x.Error = "the process ran another executable before it could be read"
		return x
	}
	k := fileKey{dev: st.Dev, ino: st.Ino, size: st.Size, mtime: st.Mtim.Nano(), ctime: st.Ctim.Nano()}
	x.Size, x.Dev, x.Ino, x.Mtime, x.Ctime = k.size, k.dev, k.ino, k.mtime, k.ctime
	if r, ok := h.cache[k]; ok {
		x.SHA256, x.Kept, x.Error = r.sha, r.kept, r.err
		return x
	}
	r := h.hash(f, &x, j.comm)
	if len(h.cache) >= exeCacheSize {
		clear(h.cache)
	}
	h.cache[k] = r
	x.SHA256, x.Kept, x.Error = r.sha, r.kept, r.err
	return x
}

// open opens the executable of job j's process (proc is its /proc directory) when the
// worker reaches the job, and returns it with the path to record; nil and the error of the
// open when neither the process nor a fallback has it.
func (h *exeHasher) open(j exeJob, proc string) (*os.File, string, error) {
	// When the link changed around the open, the sensor's path names the file opened; the
	// inode check in read tells whether that file is this exec's.
	f, path, err := openExe(proc)
	if err == nil {
		return f, cmp.Or(path, j.path), nil
	}
	if f = byPath(j); f != nil {
		// The process is gone (a dropper that ran for a millisecond), but the file at the
		// path it ran is the same inode, unchanged since: that file is the evidence.
		return f, j.path, nil
	}
	if f = h.byPeer(j); f != nil {
		// Gone too, in another mount namespace (a container's) or after forking into the
		// background: a live process runs the same inode, unchanged since.
		return f, j.path, nil
	}
	return nil, "", err
}

// byPath opens the file the sensor saw an exec run, when it is still the inode the sensor
// saw and has not changed since: at its path on the host, or through the parent's root
// (/proc/PPID/root), which reaches a container's mount namespace; nil otherwise (replaced,
// gone, the parent gone too).
func byPath(j exeJob) *os.File {
	if j.fixed || j.path == "" || j.ino == 0 || strings.HasPrefix(j.path, "/memfd:") {
		return nil
	}
	paths := []string{j.path}
	if j.ppid != 0 {
		paths = append(paths, "/proc/"+strconv.FormatUint(uint64(j.ppid), 10)+"/root"+j.path)
	}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		var st syscall.Stat_t
		if err := syscall.Fstat(int(f.Fd()), &st); err != nil || st.Ino != j.ino || st.Ctim.Nano() != j.ctime {
			f.Close()
			continue
		}
		return f
	}
	return nil
}

// byPeer opens the executable of a live process that runs the inode the sensor saw, unchanged
// since (the same inode number and change time): a daemon whose first process forked and
// exited, or a container's program whose path the host does not see. It scans /proc once per
// inode and change time, so a busy host's short-lived commands cost one scan each, not one
// per exec.
func (h *exeHasher) byPeer(j exeJob) *os.File {
	if j.fixed || j.ino == 0 {
		return nil
	}
	key := [2]int64{int64(j.ino), j.ctime}
	if h.peerTried[key] {
		return nil
	}
	if len(h.peerTried) >= exeCacheSize {
		clear(h.peerTried)
	}
	h.peerTried[key] = true
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	for _, e := range ents {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		var st syscall.Stat_t
		exe := "/proc/" + e.Name() + "/exe"
		if syscall.Stat(exe, &st) != nil || st.Ino != j.ino || st.Ctim.Nano() != j.ctime {
			continue
		}
		f, err := os.Open(exe)
		if err != nil {
			continue
		}
		if syscall.Fstat(int(f.Fd()), &st) != nil || st.Ino != j.ino || st.Ctim.Nano() != j.ctime {
			f.Close()
			continue
		}
		return f
	}
	return nil
}

// exePath returns the executable path of an exec record's blobs (tag 15: the path's
// components, leaf first, each NUL-terminated), "" when absent or malformed.
func exePath(b []byte) string {
	const blobExepath, sizeBlob = 15, 4
	for len(b) >= sizeBlob {
		tag, n := b[0], int(b[2])|int(b[3])<<8
		b = b[sizeBlob:]
		if n > len(b) {
			return ""
		}
		if tag != blobExepath {
			b = b[n:]
			continue
		}
		comps := bytes.Split(bytes.TrimSuffix(b[:n], []byte{0}), []byte{0})
		var sb strings.Builder
		for i := len(comps) - 1; i >= 0; i-- {
			if len(comps[i]) > 0 {
				sb.WriteByte('/')
				sb.Write(comps[i])
			}
		}
		return sb.String()
	}
	return ""
}

// openReason says why /proc/PID/exe did not open.
func openReason(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ESRCH):
		return "process gone before its executable could be read"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	}
	return err.Error()
}

// hash reads f (of x.Size bytes) through SHA-256, copying it to a sample when it is worth
// keeping and fits the caps.
func (h *exeHasher) hash(f *os.File, x *capfile.Executable, comm string) fileResult {
	if x.Size > exeMaxHash {
		return fileResult{err: fmt.Sprintf("too large to hash: %d bytes (the limit is %d)", x.Size, exeMaxHash)}
	}
	reason := h.keepReason(x, comm)
	var tmp *os.File
	if reason != "" && x.Size <= h.keepFile && h.kept+x.Size <= h.keepTotal {
		tmp, _ = h.w.SampleTemp() // no room for a copy: still hashed
	}
	sum := sha256.New()
	var dst io.Writer = sum
	if tmp != nil {
		dst = io.MultiWriter(sum, tmp)
	}
	n, err := io.CopyBuffer(dst, io.LimitReader(f, x.Size+1), h.copyBuf)
	if err == nil && n != x.Size {
		err = fmt.Errorf("%d bytes read of %d: the file changed while read", n, x.Size)
	}
	if err != nil {
		if tmp != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
		return fileResult{err: "read: " + err.Error()}
	}
	r := fileResult{sha: hex.EncodeToString(sum.Sum(nil))}
	if tmp != nil {
		cerr := tmp.Close()
		if cerr == nil {
			var added bool
			added, cerr = h.w.KeepSample(tmp.Name(), capfile.Sample{SHA256: r.sha, Size: x.Size, Path: x.Path, Reason: reason})
			if added {
				h.kept += x.Size
				h.samples.Add(1)
			}
		} else {
			os.Remove(tmp.Name())
		}
		r.kept = cerr == nil
	}
	return r
}

// keepReason says why the file of x is worth keeping, "" when it is not: it changed during
// the capture (written, then run: drift), or it has the name of a cryptominer.
func (h *exeHasher) keepReason(x *capfile.Executable, comm string) string {
	if x.Mtime >= h.since || x.Ctime >= h.since {
		return "drift: written or changed during the capture"
	}
	base := strings.ToLower(strings.TrimSuffix(filepath.Base(x.Path), " (deleted)"))
	for _, n := range minerNames {
		if base == n || strings.ToLower(comm) == n {
			return "name: " + n
		}
	}
	return ""
}

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func cstr(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}
