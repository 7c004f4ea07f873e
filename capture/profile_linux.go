//go:build linux && amd64

package capture

import (
	"fmt"
	"strings"

	"saker/capfile"
)

// syscallClass groups the recorded syscalls for the capture profiles.
type syscallClass uint8

const (
	classProcess  syscallClass = iota // failed execs, signals, ptrace
	classSystem                       // credentials, mounts, modules, bpf, namespaces, memfd
	classNetSetup                     // sockets, connect, accept, bind, listen, shutdown
	classSockIO                       // send*/recv*: socket calls with payload
	classFdIO                         // read/write/readv/writev, recorded on sockets and control files
	classFile                         // opens and changes of files and directories
	classFd                           // close, dup, fcntl, pipe
)

// profileClasses says which classes each profile records. Forks, successful execs and exits
// come from the sched_process_* programs in every profile. standard leaves out the calls that
// carry payloads (on a server, nearly every syscall: each costs a BPF run, a record and
// its bytes), as Falco leaves out I/O syscalls unless asked for all; minimal also leaves out
// files and descriptors.
var profileClasses = map[string][]syscallClass{
	EventsFull:     {classProcess, classSystem, classNetSetup, classSockIO, classFdIO, classFile, classFd},
	EventsStandard: {classProcess, classSystem, classNetSetup, classFile, classFd},
	EventsMinimal:  {classProcess, classSystem, classNetSetup},
}

// profileSyscalls returns the syscalls profile records and the names of those it leaves out.
func profileSyscalls(profile string) (set []syscallConf, left []string, err error) {
	classes, ok := profileClasses[profile]
	if !ok {
		return nil, nil, fmt.Errorf("capture profile %q: want %s, %s or %s", profile, EventsMinimal, EventsStandard, EventsFull)
	}
	for _, c := range syscalls {
		in := false
		for _, k := range classes {
			in = in || c.class == k
		}
		if in {
			set = append(set, c)
		} else {
			left = append(left, c.name)
		}
	}
	return set, left, nil
}

// syscallCapabilities describes for the manifest what the profile and hook recorded: the
// syscalls, and the ia32 compat syscalls the per-syscall tracepoints do not see.
func syscallCapabilities(profile, hook string, left, noTracepoint []string) []capfile.Capability {
	c := capfile.Capability{Name: "syscalls", Recorded: true}
	var why []string
	if len(left) > 0 {
		why = append(why, fmt.Sprintf("profile %s leaves out %s", profile, strings.Join(left, ", ")))
	}
	if len(noTracepoint) > 0 {
		why = append(why, fmt.Sprintf("no syscall tracepoint on this kernel (it lacks the syscall or its tracepoint) for %s", strings.Join(noTracepoint, ", ")))
	}
	c.Reason = strings.Join(why, "; ")
	caps := []capfile.Capability{c}
	if hook == HookSyscalls {
		caps = append(caps, capfile.Capability{Name: "compat_syscalls",
			Reason: "the per-syscall tracepoints (--hook syscalls) do not fire for ia32 compat syscalls " +
				"(32-bit processes, int 0x80); --hook raw records them at the cost of a BPF run on every syscall"})
	} else {
		caps = append(caps, capfile.Capability{Name: "ia32_syscalls", Recorded: true,
			Reason: "32-bit syscalls (int 0x80, the ia32 compat entry) decoded with the ia32 numbering"})
	}
	return caps
}
