//go:build linux && amd64

package capture

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

// tracepointName returns the name of the syscalls:sys_exit_* tracepoint of a syscall: the
// name its SYSCALL_DEFINE gives it, which differs from the x86_64 table's for a few.
func tracepointName(syscall string) string {
	switch syscall {
	case "umount2":
		return "umount"
	}
	return syscall
}

// syscallExitIDs returns the perf event ids of the syscalls:sys_exit_NAME tracepoints of the
// given syscalls, read from tracefs, and the syscalls that have none on this kernel. When no
// tracefs is mounted it mounts a private one in a temporary directory and unmounts it before
// returning: attached perf events do not need it.
func syscallExitIDs(set []syscallConf) (ids map[uint32]uint64, missing []string, err error) {
	dir, unmount, err := tracefsDir()
	if err != nil {
		return nil, nil, err
	}
	defer unmount()
	events := filepath.Join(dir, "events", "syscalls")
	if _, err := os.Stat(events); err != nil {
		return nil, nil, fmt.Errorf("%w: no syscall tracepoints in %s (CONFIG_FTRACE_SYSCALLS=n?): %v", ErrKernelTooOld, dir, err)
	}
	ids = map[uint32]uint64{}
	for _, c := range set {
		b, err := os.ReadFile(filepath.Join(events, "sys_exit_"+tracepointName(c.name), "id"))
		if errors.Is(err, os.ErrNotExist) {
			missing = append(missing, c.name)
			continue
		} else if err != nil {
			return nil, nil, fmt.Errorf("tracepoint of %s: %w", c.name, err)
		}
		id, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
		if err != nil {
			return nil, nil, fmt.Errorf("tracepoint id of %s: %w", c.name, err)
		}
		ids[c.nr] = id
	}
	return ids, missing, nil
}

// tracefsDir returns the directory of a tracefs: a mounted one when there is one, else a
// private mount that unmount removes.
func tracefsDir() (dir string, unmount func(), err error) {
	if d := mountedTracefs(); d != "" {
		return d, func() {}, nil
	}
	d, err := os.MkdirTemp("", "saker-tracefs-")
	if err != nil {
		return "", nil, fmt.Errorf("tracefs mount point: %w", err)
	}
	if err := unix.Mount("nodev", d, "tracefs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		os.Remove(d)
		return "", nil, fmt.Errorf("mount tracefs on %s: %w", d, err)
	}
	return d, func() {
		unix.Unmount(d, unix.MNT_DETACH)
		os.Remove(d)
	}, nil
}

// mountedTracefs returns the mount point of a whole tracefs listed in /proc/self/mountinfo,
// or "".
func mountedTracefs() string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// id parent major:minor root mountpoint options... - fstype source superopts
		fields := strings.Fields(sc.Text())
		sep := -1
		for i, x := range fields {
			if x == "-" {
				sep = i
				break
			}
		}
		if sep < 5 || sep+1 >= len(fields) || fields[sep+1] != "tracefs" || fields[3] != "/" {
			continue
		}
		return unescapeMount(fields[4])
	}
	return ""
}

// unescapeMount undoes the octal escapes (\040 for a space) of a mountinfo path.
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// attachTracepoint attaches prog to the tracepoint with perf event id id, for every CPU and
// task, through a BPF perf link (Linux 5.15). The link holds the perf event: closing it
// detaches the program and frees the event.
func attachTracepoint(prog *ebpf.Program, id uint64) (link.Link, error) {
	attr := unix.PerfEventAttr{Type: unix.PERF_TYPE_TRACEPOINT, Config: id,
		Sample_type: unix.PERF_SAMPLE_RAW, Sample: 1, Wakeup: 1}
	// A tracepoint's BPF programs run on every CPU, whichever CPU its perf event is bound to.
	fd, err := unix.PerfEventOpen(&attr, -1, 0, -1, unix.PERF_FLAG_FD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("perf event of tracepoint %d: %w", id, err)
	}
	defer unix.Close(fd)
	l, err := link.AttachRawLink(link.RawLinkOptions{Target: fd, Program: prog, Attach: ebpf.AttachPerfEvent})
	if err != nil {
		return nil, fmt.Errorf("link tracepoint %d: %w", id, err)
	}
	return l, nil
}
