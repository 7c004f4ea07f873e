package analyze

import (
	"bytes"
	"fmt"

	"saker/event"
	"saker/rules"
)

// maxAncestry bounds ancestor walks (a corrupt capture could make a parent loop).
const maxAncestry = 64

// procStr registers a string field of the event's process (n = 0) or its nth ancestor.
func procStr(name string, n int, get func(p *Process) []byte) {
	fields[name] = noArg(func(s *State) rules.Extractor {
		return strField(func(*event.Event) ([]byte, bool) {
			p := s.ancestor(n)
			if p == nil {
				return nil, false
			}
			return get(p), true
		})
	})
}

// procIdent registers a string field of the event's process or its nth ancestor whose empty
// value means unknown: a process the capture never described has no name and no command line
// (Falco's <NA>), which rules must not take for an empty one.
func procIdent(name string, n int, get func(p *Process) []byte) {
	fields[name] = noArg(func(s *State) rules.Extractor {
		return strField(func(*event.Event) ([]byte, bool) {
			p := s.ancestor(n)
			if p == nil {
				return nil, false
			}
			v := get(p)
			return v, len(v) > 0
		})
	})
}

// exeStr registers a string field of the executable of the event's process (n = 0) or its
// nth ancestor, missing when empty (the capture has no hash, or no reason).
func exeStr(name string, n int, get func(x *Executable) []byte) {
	procIdent(name, n, func(p *Process) []byte { return get(&p.Executable) })
}

// procInt registers an integer field of the event's process.
func procInt(name string, t rules.FieldType, get func(s *State, p *Process) (int64, bool)) {
	fields[name] = noArg(func(s *State) rules.Extractor {
		return intField(t, func(*event.Event) (int64, bool) {
			if s.proc == nil {
				return 0, false
			}
			return get(s, s.proc)
		})
	})
}

func procBool(name string, get func(p *Process) bool) {
	fields[name] = noArg(func(s *State) rules.Extractor {
		return boolField(func(*event.Event) (bool, bool) {
			if s.proc == nil {
				return false, false
			}
			return get(s.proc), true
		})
	})
}

// ancestor returns the event's process (n = 0) or its nth ancestor.
func (s *State) ancestor(n int) *Process {
	p := s.proc
	for i := 0; i < n && p != nil; i++ {
		p = s.parent(p)
	}
	return p
}

func comm(p *Process) []byte    { return p.Comm }
func exe(p *Process) []byte     { return p.Exe }
func exePath(p *Process) []byte { return p.ExePath }
func cmdline(p *Process) []byte { return p.cmdline }

func init() {
	procIdent("proc.name", 0, comm)
	procStr("proc.exe", 0, exe)
	procStr("proc.exepath", 0, exePath)
	procIdent("proc.cmdline", 0, cmdline)
	procStr("proc.args", 0, func(p *Process) []byte { return p.args })
	procStr("proc.cwd", 0, func(p *Process) []byte { return p.Cwd })
	fields["proc.env"] = procEnv
	procIdent("proc.pname", 1, comm)
	procStr("proc.pexe", 1, exe)
	procStr("proc.pexepath", 1, exePath)
	procIdent("proc.pcmdline", 1, cmdline)
	ancestorField("proc.aname", comm)
	ancestorField("proc.aexe", exe)
	ancestorField("proc.aexepath", exePath)
	ancestorField("proc.acmdline", cmdline)

	procInt("proc.pid", rules.FieldInt, func(_ *State, p *Process) (int64, bool) { return int64(p.PID), true })
	procInt("proc.ppid", rules.FieldInt, func(_ *State, p *Process) (int64, bool) { return int64(p.PPID), p.PPID != 0 })
	procInt("proc.vpid", rules.FieldInt, func(_ *State, p *Process) (int64, bool) { return int64(p.VPID), p.VPID != 0 })
	procInt("proc.vpgid", rules.FieldInt, func(_ *State, p *Process) (int64, bool) { return int64(p.VPGID), p.VPGID != 0 })
	procInt("proc.sid", rules.FieldInt, func(_ *State, p *Process) (int64, bool) { return int64(p.SID), true })
	procInt("proc.tty", rules.FieldInt, func(_ *State, p *Process) (int64, bool) { return p.TTY, true })
	procInt("proc.duration", rules.FieldDuration, func(s *State, p *Process) (int64, bool) {
		if p.StartTS == 0 || s.ev.TS < p.StartTS {
			return 0, false
		}
		return int64(s.ev.TS - p.StartTS), true
	})
	procInt("proc.exe_ino.ctime", rules.FieldTime, func(_ *State, p *Process) (int64, bool) {
		return int64(p.ExeInoCtime), p.ExeInoCtime != 0
	})
	procInt("proc.exe_ino.mtime", rules.FieldTime, func(_ *State, p *Process) (int64, bool) {
		return int64(p.ExeInoMtime), p.ExeInoMtime != 0
	})
	procInt("proc.exe_ino.ctime_duration_proc_start", rules.FieldDuration, func(s *State, p *Process) (int64, bool) {
		if p.ExeInoCtime == 0 || p.StartTS == 0 {
			return 0, false
		}
		d := s.clock.Wall(p.StartTS).UnixNano() - int64(p.ExeInoCtime)
		return d, d >= 0
	})
	exeStr("proc.exe.sha256", 0, func(x *Executable) []byte { return x.SHA256 })
	exeStr("proc.pexe.sha256", 1, func(x *Executable) []byte { return x.SHA256 })
	exeStr("proc.exe.hash_error", 0, func(x *Executable) []byte { return x.Error })
	procInt("proc.exe.size", rules.FieldInt, func(_ *State, p *Process) (int64, bool) {
		return p.Executable.Size, len(p.Executable.SHA256) > 0
	})
	procInt("thread.tid", rules.FieldInt, func(s *State, _ *Process) (int64, bool) { return int64(s.ev.TID), true })
	procInt("proc.is_vpgid_leader", rules.FieldBool, func(_ *State, p *Process) (int64, bool) {
		return b2i(p.VPID != 0 && p.VPID == p.VPGID), p.VPID != 0 && p.VPGID != 0
	})
	procInt("proc.is_sid_leader", rules.FieldBool, func(_ *State, p *Process) (int64, bool) {
		return b2i(p.SID == p.PID || (p.VPID != 0 && p.SID == p.VPID)), p.SID != 0
	})
	procBool("proc.is_exe_upper_layer", func(p *Process) bool { return p.ExeFlags&event.ExeUpperLayer != 0 })
	procBool("proc.is_exe_from_memfd", func(p *Process) bool { return p.ExeFlags&event.ExeFromMemfd != 0 })
	procBool("proc.is_exe_writable", func(p *Process) bool { return p.ExeFlags&event.ExeWritable != 0 })
	procBool("proc.is_exe_lower_layer", func(p *Process) bool { return p.ExeFlags&event.ExeLowerLayer != 0 })

	fields["proc.sname"] = noArg(func(s *State) rules.Extractor {
		return strField(func(*event.Event) ([]byte, bool) {
			p := s.proc
			if p == nil || p.SID == 0 {
				return nil, false
			}
			if q := s.procs.thread(p.SID); q != nil {
				return q.Comm, true
			}
			// The session leader may be an ancestor seen only in the exited cache.
			for a, i := p, 0; a != nil && i < maxAncestry; a, i = s.parent(a), i+1 {
				if a.PID == p.SID {
					return a.Comm, true
				}
			}
			return nil, false
		})
	})
	fields["thread.cap_permitted"] = noArg(func(s *State) rules.Extractor {
		return strField(func(*event.Event) ([]byte, bool) {
			if s.proc == nil {
				return nil, false
			}
			perm, _ := s.proc.caps()
			return perm, true
		})
	})
	fields["thread.cap_effective"] = noArg(func(s *State) rules.Extractor {
		return strField(func(*event.Event) ([]byte, bool) {
			if s.proc == nil {
				return nil, false
			}
			_, eff := s.proc.caps()
			return eff, true
		})
	})
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// ancestorField registers proc.aname-like fields: with an index N the Nth ancestor (0 is
// the process itself), without one every ancestor from the parent up, as a list.
func ancestorField(name string, get func(p *Process) []byte) {
	fields[name] = func(s *State, arg string) (rules.Extractor, error) {
		n, err := indexArg(arg)
		if err != nil {
			return rules.Extractor{}, fmt.Errorf("%s: %w", name, err)
		}
		if n >= 0 {
			return strField(func(*event.Event) ([]byte, bool) {
				p := s.ancestor(n)
				if p == nil {
					return nil, false
				}
				v := get(p)
				return v, len(v) > 0
			}), nil
		}
		return rules.Extractor{Type: rules.FieldStrings, List: func(_ *event.Event, buf [][]byte) ([][]byte, bool) {
			if s.proc == nil {
				return buf, false
			}
			p := s.parent(s.proc)
			if p == nil {
				return buf, false
			}
			for i := 0; p != nil && i < maxAncestry; i++ {
				buf = append(buf, get(p))
				p = s.parent(p)
			}
			return buf, true
		}}, nil
	}
}

// procEnv serves proc.env (the whole environment, space-separated) and proc.env[NAME] (the
// value of one variable, missing when the process does not have it), as Falco does.
func procEnv(s *State, arg string) (rules.Extractor, error) {
	if arg == "" {
		return strField(func(*event.Event) ([]byte, bool) {
			p := s.ancestor(0)
			if p == nil {
				return nil, false
			}
			return p.envString(), true
		}), nil
	}
	prefix := arg + "="
	return strField(func(*event.Event) ([]byte, bool) {
		p := s.ancestor(0)
		if p == nil {
			return nil, false
		}
		env := p.Env
		for len(env) > 0 {
			item := env
			if i := bytes.IndexByte(env, 0); i >= 0 {
				item, env = env[:i], env[i+1:]
			} else {
				env = nil
			}
			if len(item) >= len(prefix) && string(item[:len(prefix)]) == prefix {
				return item[len(prefix):], true
			}
		}
		return nil, false
	}), nil
}
