package analyze

import (
	"strconv"

	"saker/event"
	"saker/rules"
)

// Go-betweens are programs that run something on another program's behalf: shells, exec
// wrappers, and the system tools miners call to tune the host (modprobe, sysctl). The actor
// of an event is the nearest process, from the event's own up its ancestry, that is not one
// of them: for XMRig's `sh -c "/sbin/modprobe msr allow_writes=on"` it is XMRig.
var goBetweens = map[string]bool{
	"sh": true, "bash": true, "dash": true, "ash": true, "zsh": true, "ksh": true, "busybox": true,
	"env": true, "timeout": true, "nohup": true, "setsid": true, "nice": true, "ionice": true,
	"taskset": true, "chrt": true, "stdbuf": true, "flock": true, "sudo": true, "su": true,
	"doas": true, "runuser": true, "setpriv": true, "unshare": true, "nsenter": true, "ip": true,
	"chroot": true, "xargs": true, "time": true,
	"modprobe": true, "insmod": true, "kmod": true, "sysctl": true,
}

// actor returns the event's actor (see goBetweens), or the topmost known ancestor when the
// whole known ancestry is go-betweens; nil when the event has no process.
func (s *State) actor() *Process {
	p := s.proc
	for i := 0; p != nil && i < maxAncestry; i++ {
		if !goBetweens[string(p.Comm)] {
			return p
		}
		q := s.parent(p)
		if q == nil {
			return p
		}
		p = q
	}
	return p
}

func init() {
	actorStr := func(name string, get func(p *Process) []byte) {
		fields[name] = noArg(func(s *State) rules.Extractor {
			return strField(func(*event.Event) ([]byte, bool) {
				p := s.actor()
				if p == nil {
					return nil, false
				}
				return get(p), true
			})
		})
	}
	actorStr("saker.actor.name", comm)
	actorStr("saker.actor.exepath", exePath)
	actorStr("saker.actor.cmdline", cmdline)
	fields["saker.actor.pid"] = noArg(func(s *State) rules.Extractor {
		return intField(rules.FieldInt, func(*event.Event) (int64, bool) {
			p := s.actor()
			if p == nil {
				return 0, false
			}
			return int64(p.PID), true
		})
	})
	// saker.written.int is the decimal integer a write to a file starts with ("1168\n"
	// written to nr_hugepages), missing when the data is not one: the value a control file
	// under /proc/sys or /sys was set to.
	bufIdx := paramIndexes("data")
	fields["saker.written.int"] = noArg(func(*State) rules.Extractor {
		return intField(rules.FieldInt, func(e *event.Event) (int64, bool) {
			switch e.Kind {
			case event.KindWrite, event.KindWritev:
			default:
				return 0, false
			}
			i := bufIdx[e.Kind]
			if i < 0 || int(i) >= int(e.NArgs) || e.Res <= 0 {
				return 0, false
			}
			return leadingInt(e.Args[i].Bytes)
		})
	})
}

// leadingInt parses the decimal integer b holds, allowing surrounding blanks and a final
// newline, as the kernel's control files accept it.
func leadingInt(b []byte) (int64, bool) {
	i, j := 0, len(b)
	for i < j && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	for j > i && (b[j-1] == '\n' || b[j-1] == ' ' || b[j-1] == '\t' || b[j-1] == 0) {
		j--
	}
	if i == j || j-i > 19 {
		return 0, false
	}
	n, err := strconv.ParseInt(string(b[i:j]), 10, 64)
	return n, err == nil
}
