package capture

import (
	"crypto/ed25519"
	"errors"
	"io"
	"time"

	"saker/capfile"
)

// Options configure one capture.
type Options struct {
	// Dir is the bundle directory to create; it must be absent or empty.
	Dir string
	// Duration stops the capture after this long; 0 runs until the context ends.
	Duration time.Duration
	// MaxBytes stops the capture when the bundle reaches this size; 0 means no limit.
	MaxBytes int64
	// Snaplen is the number of payload bytes kept per socket send or receive (default 256,
	// at most MaxSnaplen).
	Snaplen int
	// RingBytes is the size of the kernel ring buffer the sensor queues records in: a power
	// of two of at least 4096 (default DefaultRingBytes). Records that find it full are lost
	// and counted in the manifest's lost_per_cpu; tests shrink it to provoke losses.
	RingBytes int
	// Hook says how the sensor attaches to syscalls: HookSyscalls, HookRaw or HookAuto (see
	// there). Empty: HookAuto.
	Hook string
	// Events is the capture profile: which syscalls are recorded (EventsFull, EventsStandard
	// or EventsMinimal; see Profiles). Empty: EventsFull. The manifest records the profile
	// and the syscalls it leaves out, so that analyze can say which rules could not see
	// their events.
	Events string
	// NoDNS disables DNS packet capture.
	NoDNS bool
	// DockerSocket is the unix socket of the Docker Engine API to ask for the name, image,
	// labels, privilege, mounts and start time of the containers seen in the /proc snapshot
	// and of those whose first process starts during the capture.
	// Empty: the path of $DOCKER_HOST when it is a unix:// address, else DefaultDockerSocket
	// when it exists. Without an engine, containers have only their id and runtime.
	DockerSocket string
	// ContainerdSocket is the unix socket of containerd's API, asked (in the container's
	// namespace from its cgroup path, then k8s.io, moby and default) for the image, digest,
	// labels, pod, runtime, creation time, privilege and mounts of containers. Empty:
	// DefaultContainerdSocket when it exists.
	ContainerdSocket string
	// Status receives a status line while capturing (redrawn in place when it is a terminal)
	// and the final summary. Nil discards both.
	Status io.Writer
	// KeepFileBytes and KeepTotalBytes cap the copies of executables kept in the bundle
	// (those changed during the capture, and those named like cryptominers): per file and in
	// all. 0 means DefaultKeepFileBytes and DefaultKeepTotalBytes; a negative value keeps none.
	KeepFileBytes, KeepTotalBytes int64
	// SakerVersion names the build that captures, for the manifest's saker_version.
	SakerVersion string
	// SignKey, when set, signs the bundle's manifest at every rewrite (manifest.sig).
	SignKey ed25519.PrivateKey
	// Ring makes the capture a flight recorder (see RingOptions); zero: an ordinary capture.
	Ring RingOptions
	// Freeze delivers requests to freeze a flight recorder's ring (SIGUSR1, a trigger rule's
	// finding); requests also come from the bundle's FreezeRequestName file. Nil: none.
	Freeze <-chan capfile.Freeze
	// Tap, when set, receives every record the bundle takes (sensor, snapshot, state and
	// container records) as it is written; it must not block and must copy what it keeps.
	Tap func(*capfile.Record)
	// Ready, when not nil, is closed once the sensor is attached and the /proc snapshot
	// written: everything that happens afterwards is recorded.
	Ready chan<- struct{}
}

// RingOptions configure a flight recorder: the bundle keeps the latest Bytes (and at most Age)
// of events, deleting its oldest segments, until it is frozen; then recording goes on for
// After and stops.
type RingOptions struct {
	Bytes int64
	Age   time.Duration
	// After is how long recording goes on once the ring is frozen (DefaultAfter when 0).
	After time.Duration
}

// DefaultAfter is how long a frozen ring records before it stops, when RingOptions.After is 0.
const DefaultAfter = 10 * time.Minute

// FreezeRequestName is the file in a flight recorder's bundle directory that asks it to
// freeze (saker capture --freeze DIR writes it). The recorder takes it only from root or its
// own user, reads a reason of up to 256 bytes from it, and removes it.
const FreezeRequestName = "freeze.request"

// Syscall hooks (Options.Hook).
const (
	// HookSyscalls attaches the sensor to the syscalls:sys_exit_NAME tracepoint of each
	// recorded syscall: syscalls it does not record cost no BPF run. These tracepoints do
	// not fire for ia32 compat syscalls (int 0x80, 32-bit processes): the manifest says so.
	HookSyscalls = "syscalls"
	// HookRaw attaches the sensor to the raw sys_exit tracepoint, which runs it at the exit
	// of every syscall of the machine, compat syscalls included.
	HookRaw = "raw"
	// HookAuto is HookRaw for the full profile, which keeps ia32 compat syscalls in sight,
	// and HookSyscalls for the standard and minimal profiles, which are chosen for their
	// cost: there the raw tracepoint's BPF run on every syscall of the machine is most of it
	// (docs/PERFORMANCE.md).
	HookAuto = "auto"
)

// hookFor resolves HookAuto and "" for a profile.
func hookFor(hook, events string) string {
	if hook != "" && hook != HookAuto {
		return hook
	}
	if events == EventsFull || events == "" {
		return HookRaw
	}
	return HookSyscalls
}

// Capture profiles (Options.Events).
const (
	EventsFull     = "full"
	EventsStandard = "standard"
	EventsMinimal  = "minimal"
)

// DefaultContainerdSocket is where containerd's API listens on Kubernetes nodes and Docker
// hosts alike.
const DefaultContainerdSocket = "/run/containerd/containerd.sock"

// DefaultSnaplen is the payload snippet size used when Options.Snaplen is 0.
const DefaultSnaplen = 256

// MaxSnaplen is the largest payload snippet the sensor can keep.
const MaxSnaplen = 4096

// DefaultRingBytes is the ring buffer size used when Options.RingBytes is 0: at 200,000
// records/s of ~120 bytes it holds more than half a second of records.
const DefaultRingBytes = 16 << 20

// Errors of Run, checked with errors.Is. Each wraps detail that names the fix.
var (
	// ErrNotSupported is returned on systems other than Linux on amd64.
	ErrNotSupported = errors.New("capture is supported on linux/amd64 only")
	// ErrNotRoot is returned when the process lacks the privileges to load BPF programs.
	ErrNotRoot = errors.New("capture needs root (or CAP_BPF and CAP_PERFMON)")
	// ErrNoBTF is returned when the kernel exposes no BTF at /sys/kernel/btf/vmlinux.
	ErrNoBTF = errors.New("kernel has no BTF")
	// ErrKernelTooOld is returned when the kernel lacks a feature the sensor needs.
	ErrKernelTooOld = errors.New("kernel too old")
	// ErrVerifier is returned when the kernel's verifier rejects a sensor program.
	ErrVerifier = errors.New("verifier rejected the sensor")
	// ErrNoEvents is returned when a capture ran to its end without recording one sensor
	// event: the bundle is closed but holds no usable evidence.
	ErrNoEvents = errors.New("the sensor recorded no events")
)

// Stats are a capture's counters.
type Stats struct {
	Records  uint64   // sensor records written
	Snapshot uint64   // snapshot records written
	Bytes    int64    // record payload bytes handed to the bundle writer
	Lost     []uint64 // records the kernel could not queue, per CPU
	Missed   uint64   // program runs the kernel skipped: another BPF program was running
}

// LostTotal returns the sum of Lost; Missed runs are not in it, having no CPU.
func (s Stats) LostTotal() uint64 {
	var n uint64
	for _, l := range s.Lost {
		n += l
	}
	return n
}
