package rules_test

import (
	"fmt"
	"net/netip"
	"strings"

	"saker/event"
	"saker/rules"
)

// testFields is every field of the upstream rules (corpus FIELDS.md) and their outputs, with
// Falco's type for it, plus a few more that tests use (proc.argv: the command line as a list,
// for getopt).
var testFields = func() map[string]rules.FieldType {
	m := map[string]rules.FieldType{}
	for t, names := range map[rules.FieldType][]string{
		rules.FieldString: {"proc.name", "proc.cmdline", "proc.pname", "proc.exepath", "proc.args",
			"proc.pcmdline", "proc.pexe", "proc.exe", "proc.cwd", "proc.env", "proc.pexepath", "proc.sname",
			"thread.cap_permitted", "thread.cap_effective", "user.name", "user.loginname", "group.name",
			"fd.name", "fd.directory", "fd.typechar", "fd.l4proto", "fd.type", "fd.filename", "fd.nameraw",
			"fd.sockfamily", "evt.res", "container.image.repository", "container.id", "container.name",
			"container.image.tag", "container.mounts", "container.mount.dest", "k8s.ns.name", "k8s.pod.name"},
		rules.FieldBytes: {"evt.buffer"},
		rules.FieldInt:   {"proc.tty", "proc.vpid", "proc.pid", "user.loginuid", "fd.num", "evt.rawres"},
		rules.FieldUint:  {"user.uid", "group.gid", "fd.lport", "fd.rport", "fd.sport", "fd.port", "evt.num", "evt.cpu"},
		rules.FieldBool: {"proc.is_exe_upper_layer", "proc.is_exe_from_memfd", "proc.is_vpgid_leader",
			"fd.connected", "fd.name_changed", "evt.is_open_read", "evt.is_open_write", "evt.is_open_exec",
			"container.privileged"},
		rules.FieldIP:       {"fd.net", "fd.snet", "fd.rnet", "fd.cnet", "fd.ip", "fd.sip", "fd.cip", "fd.rip", "fd.lip"},
		rules.FieldTime:     {"proc.exe_ino.ctime", "proc.exe_ino.mtime", "container.start_ts", "evt.time"},
		rules.FieldDuration: {"proc.duration", "proc.exe_ino.ctime_duration_proc_start"},
		rules.FieldStrings: {"proc.aname", "proc.aexe", "proc.aexepath", "fd.sip.name", "fd.cip.name",
			"fd.rip.name", "fd.lip.name", "proc.argv", "fd.types"},
	} {
		for _, n := range names {
			m[n] = t
		}
	}
	return m
}()

// fieldArgs says which fields take a bracketed argument: "opt" (proc.aname and proc.aname[2]),
// "req" (container.mount.dest[path]).
var fieldArgs = map[string]string{
	"proc.aname": "opt", "proc.aexe": "opt", "proc.aexepath": "opt", "container.mount.dest": "req",
}

// fakeValue is one field's value in a fake event: a number, or for texts, lists and
// addresses an index into the provider's pools (values repeat a lot across events).
type fakeValue struct {
	n   int64
	ref int32
}

// fakeEvent holds the values of one event: idx maps a field slot to 1 + the index of its
// value in vals, 0 when missing. The layout is dense so that benchmarks measure the engine,
// not cache misses of a sparse fake.
type fakeEvent struct {
	idx  []uint8
	vals []fakeValue
}

// testProvider is a FieldProvider for tests: fields extract from a map from event number to
// fake values, bound by name to a slot at compile time.
type testProvider struct {
	events map[uint64]*fakeEvent
	strs   [][]byte
	lists  [][][]byte
	ips    []netip.Addr
	intern map[string]int32
	slots  map[string]int
	types  []rules.FieldType
	// github makes the provider serve the github source too, with the same fields.
	github bool
	// last caches the last lookup; benchmarks evaluate many checks per event.
	lastNum uint64
	last    *fakeEvent
}

func newTestProvider() *testProvider {
	return &testProvider{events: map[uint64]*fakeEvent{}, slots: map[string]int{}, intern: map[string]int32{}}
}

func (p *testProvider) Sources() []string {
	if p.github {
		return []string{"syscall", "github"}
	}
	return []string{"syscall"}
}

// fieldType returns the type of name[arg] and whether it exists.
func fieldType(name, arg string, hasArg bool) (rules.FieldType, error) {
	if strings.HasPrefix(name, "evt.arg.") || (name == "evt.arg" && hasArg) {
		return rules.FieldString, nil
	}
	if strings.HasPrefix(name, "evt.rawarg.") {
		return rules.FieldInt, nil
	}
	t, ok := testFields[name]
	if !ok {
		return 0, fmt.Errorf("%w: %s", rules.ErrUnknownField, name)
	}
	switch fieldArgs[name] {
	case "opt":
		if hasArg {
			return rules.FieldString, nil
		}
	case "req":
		if !hasArg {
			return 0, fmt.Errorf("%w: %s needs an argument", rules.ErrBadFieldArg, name)
		}
	default:
		if hasArg {
			return 0, fmt.Errorf("%w: %s takes no argument", rules.ErrBadFieldArg, name)
		}
	}
	return t, nil
}

func slotKey(name, arg string) string {
	if arg == "" {
		return name
	}
	return name + "[" + arg + "]"
}

func (p *testProvider) slot(key string, t rules.FieldType) int {
	if s, ok := p.slots[key]; ok {
		return s
	}
	p.slots[key] = len(p.types)
	p.types = append(p.types, t)
	return len(p.types) - 1
}

// str interns a string in the pool.
func (p *testProvider) str(s string) int32 {
	if i, ok := p.intern[s]; ok {
		return i
	}
	p.strs = append(p.strs, []byte(s))
	p.intern[s] = int32(len(p.strs) - 1)
	return int32(len(p.strs) - 1)
}

func (p *testProvider) lookup(e *event.Event) *fakeEvent {
	if p.last != nil && p.lastNum == e.Num {
		return p.last
	}
	p.lastNum, p.last = e.Num, p.events[e.Num]
	return p.last
}

func (p *testProvider) value(e *event.Event, slot int) *fakeValue {
	fe := p.lookup(e)
	if fe == nil || slot >= len(fe.idx) || fe.idx[slot] == 0 {
		return nil
	}
	return &fe.vals[fe.idx[slot]-1]
}

func (p *testProvider) Field(source, name, arg string) (rules.Extractor, error) {
	if source != "syscall" && (source != "github" || !p.github) {
		return rules.Extractor{}, fmt.Errorf("%w: %s", rules.ErrUnknownSource, source)
	}
	// The parser hands over "evt.arg[0]" as name "evt.arg", arg "0"; an argument given
	// as "" is indistinguishable from none, which is fine for tests.
	t, err := fieldType(name, arg, arg != "")
	if err != nil {
		return rules.Extractor{}, err
	}
	s := p.slot(slotKey(name, arg), t)
	x := rules.Extractor{Type: t}
	switch t {
	case rules.FieldString, rules.FieldBytes:
		x.Str = func(e *event.Event) ([]byte, bool) {
			if v := p.value(e, s); v != nil {
				return p.strs[v.ref], true
			}
			return nil, false
		}
	case rules.FieldIP:
		x.IP = func(e *event.Event) (netip.Addr, bool) {
			if v := p.value(e, s); v != nil {
				return p.ips[v.ref], true
			}
			return netip.Addr{}, false
		}
	case rules.FieldStrings:
		x.List = func(e *event.Event, buf [][]byte) ([][]byte, bool) {
			if v := p.value(e, s); v != nil {
				return append(buf, p.lists[v.ref]...), true
			}
			return buf, false
		}
	default:
		x.Int = func(e *event.Event) (int64, bool) {
			if v := p.value(e, s); v != nil {
				return v.n, true
			}
			return 0, false
		}
	}
	return x, nil
}

// set stores a value for field key ("proc.name", "proc.aname[2]") of event num. v is a
// string, []string, int, int64, bool or netip.Addr.
func (p *testProvider) set(num uint64, key string, v any) {
	name, arg := key, ""
	if i := strings.IndexByte(key, '['); i >= 0 {
		name, arg = key[:i], strings.TrimSuffix(key[i+1:], "]")
	}
	t, err := fieldType(name, arg, arg != "")
	if err != nil {
		panic(err)
	}
	s := p.slot(slotKey(name, arg), t)
	fe := p.events[num]
	if fe == nil {
		fe = &fakeEvent{}
		p.events[num] = fe
	}
	for len(fe.idx) <= s {
		fe.idx = append(fe.idx, 0)
	}
	var fv fakeValue
	switch v := v.(type) {
	case string:
		fv.ref = p.str(v)
	case []string:
		var l [][]byte
		for _, x := range v {
			l = append(l, p.strs[p.str(x)])
		}
		p.lists = append(p.lists, l)
		fv.ref = int32(len(p.lists) - 1)
	case int:
		fv.n = int64(v)
	case int64:
		fv.n = v
	case bool:
		if v {
			fv.n = 1
		}
	case netip.Addr:
		p.ips = append(p.ips, v)
		fv.ref = int32(len(p.ips) - 1)
	default:
		panic(fmt.Sprintf("fake value %T", v))
	}
	if fe.idx[s] == 0 {
		fe.vals = append(fe.vals, fv)
		fe.idx[s] = uint8(len(fe.vals))
	} else {
		fe.vals[fe.idx[s]-1] = fv
	}
	p.last = nil
}
