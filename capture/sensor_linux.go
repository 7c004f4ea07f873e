//go:build linux && amd64

package capture

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/ringbuf"
	"github.com/cilium/ebpf/rlimit"
)

// LayoutVersion is the layout version of the sensor's raw records (SENSOR_LAYOUT_VERSION in
// bpf/sensor.h); it tags every capfile.RecSensor record.
const LayoutVersion = 1

// sensor is the loaded and attached BPF side.
type sensor struct {
	objs  sensorObjects
	links []link.Link
	rd    *ringbuf.Reader
	// uring says why io_uring requests are not recorded; empty when they are.
	uring string
	// noTracepoint lists the recorded syscalls that have no syscall tracepoint on this
	// kernel (HookSyscalls only): they are not seen.
	noTracepoint []string
}

// verifierTail is how many lines of a verifier log an error keeps.
const verifierTail = 12

// pollInterval is how often the reader drains the ring buffer. The programs queue records
// without waking it until the ring is a quarter full (wakeup_bytes), so this bounds how long
// a record waits in the kernel while keeping the reader's wake-ups at about 50 per second
// whatever the event rate.
const pollInterval = 20 * time.Millisecond

// openSensor loads the programs with a ring buffer of ringBytes, fills the syscall table
// with set and attaches the programs, to syscalls through hook (HookSyscalls or HookRaw).
// The returned errors wrap ErrNotRoot, ErrNoBTF, ErrKernelTooOld or ErrVerifier where they
// apply.
func openSensor(snaplen, ringBytes int, hook string, set []syscallConf) (*sensor, error) {
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("%w: run saker capture as root (sudo)", ErrNotRoot)
	}
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		return nil, fmt.Errorf("%w: %v; use a kernel built with CONFIG_DEBUG_INFO_BTF=y (Linux 5.17 or newer)", ErrNoBTF, err)
	}
	_ = rlimit.RemoveMemlock() // kernels before 5.11 account BPF memory to RLIMIT_MEMLOCK
	spec, err := loadSensor()
	if err != nil {
		return nil, err
	}
	if err := spec.Variables["self_tgid"].Set(uint32(os.Getpid())); err != nil {
		return nil, fmt.Errorf("set self_tgid: %w", err)
	}
	if err := spec.Variables["snaplen"].Set(uint32(snaplen)); err != nil {
		return nil, fmt.Errorf("set snaplen: %w", err)
	}
	spec.Maps["events"].MaxEntries = uint32(ringBytes)
	if err := spec.Variables["wakeup_bytes"].Set(uint64(ringBytes / 4)); err != nil {
		return nil, fmt.Errorf("set wakeup_bytes: %w", err)
	}
	var tpIDs map[uint32]uint64
	s := &sensor{}
	s.uring = stubUring(spec)
	if hook == HookSyscalls {
		// Read the tracepoints first: without them nothing needs loading.
		if tpIDs, s.noTracepoint, err = syscallExitIDs(set); err != nil {
			return nil, err
		}
	}
	if err := spec.LoadAndAssign(&s.objs, nil); err != nil {
		return nil, loadError(err)
	}
	for _, c := range set {
		if err := s.objs.Wanted.Put(c.nr, c.conf); err != nil {
			s.Close()
			return nil, fmt.Errorf("syscall table: %s: %w", c.name, err)
		}
	}
	for _, c := range syscalls32() {
		if err := s.objs.Wanted32.Put(c.nr, c.conf); err != nil {
			s.Close()
			return nil, fmt.Errorf("ia32 syscall table: %s: %w", c.name, err)
		}
	}
	// Attach the process programs first, so that the syscalls of a process are never seen
	// before its exec or fork.
	progs := []*ebpf.Program{s.objs.SchedFork, s.objs.SchedExec, s.objs.SchedExit}
	if hook == HookRaw {
		progs = append(progs, s.objs.SysExit)
	}
	for _, p := range progs {
		l, err := link.AttachTracing(link.TracingOptions{Program: p})
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("attach %s: %w (saker needs Linux 5.17 or newer)", p, errors.Join(ErrKernelTooOld, err))
		}
		s.links = append(s.links, l)
	}
	if s.uring == "" {
		s.uring = s.attachUring()
	}
	for _, c := range set {
		id, ok := tpIDs[c.nr]
		if !ok {
			continue
		}
		l, err := attachTracepoint(s.objs.SysExitTp, id)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("attach to sys_exit_%s: %w", tracepointName(c.name), err)
		}
		s.links = append(s.links, l)
	}
	if s.rd, err = ringbuf.NewReader(s.objs.Events); err != nil {
		s.Close()
		return nil, fmt.Errorf("ring buffer: %w", err)
	}
	return s, nil
}

func loadError(err error) error {
	var ve *ebpf.VerifierError
	if errors.As(err, &ve) {
		log := ve.Log
		if len(log) > verifierTail {
			log = log[len(log)-verifierTail:]
		}
		return fmt.Errorf("%w: %v\n%s\nthis kernel cannot run saker's sensor; report the log above", ErrVerifier, ve.Cause, strings.Join(log, "\n"))
	}
	if errors.Is(err, ebpf.ErrNotSupported) {
		return fmt.Errorf("%w: %v; saker needs Linux 5.17 or newer (ring buffer, BTF tracepoints, bpf_loop)", ErrKernelTooOld, err)
	}
	if errors.Is(err, os.ErrPermission) {
		return fmt.Errorf("%w: %v", ErrNotRoot, err)
	}
	return fmt.Errorf("load sensor: %w", err)
}

// lost returns the per-CPU counts of records the kernel could not queue.
func (s *sensor) lost() ([]uint64, error) {
	var per []uint64
	if err := s.objs.Lost.Lookup(uint32(0), &per); err != nil {
		return nil, fmt.Errorf("lost counters: %w", err)
	}
	return per, nil
}

// programStats adds to counters, per program, the runs that the kernel skipped because
// another BPF program was running on the CPU (bpf_<name>_missed: records lost without
// reaching the ring buffer) and, while kernel.bpf_stats_enabled is 1, the runs and their
// total time (bpf_<name>_runs, bpf_<name>_run_ns), which tell the sensor's own cost from
// the noise of other work. It returns the total of missed runs.
func (s *sensor) programStats(counters map[string]uint64) uint64 {
	var missed uint64
	for name, p := range map[string]*ebpf.Program{
		"sys_exit": s.objs.SysExit, "sys_exit_tp": s.objs.SysExitTp, "sched_exec": s.objs.SchedExec,
		"sched_fork": s.objs.SchedFork, "sched_exit": s.objs.SchedExit,
		"uring_submit": s.objs.UringSubmit, "uring_complete": s.objs.UringComplete,
	} {
		st, err := p.Stats()
		if err != nil {
			continue
		}
		missed += st.RecursionMisses
		counters["bpf_"+name+"_missed"] = st.RecursionMisses
		if st.RunCount > 0 {
			counters["bpf_"+name+"_runs"] = st.RunCount
			counters["bpf_"+name+"_run_ns"] = uint64(st.Runtime.Nanoseconds())
		}
	}
	return missed
}

// Close detaches the programs and frees the maps.
func (s *sensor) Close() error {
	for i := len(s.links) - 1; i >= 0; i-- {
		s.links[i].Close()
	}
	s.links = nil
	if s.rd != nil {
		s.rd.Close()
	}
	return s.objs.Close()
}
