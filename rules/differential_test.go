package rules_test

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"saker/event"
	"saker/rules"
)

// operatorRules exercise every operator, modifier and transformer, which the upstream files
// use only in part.
const operatorRules = `
- list: shells
  items: [bash, sh, zsh]
- macro: spawned
  condition: evt.type in (execve, execveat)
- rule: ops
  desc: d
  output: o
  priority: debug
  condition: >
    spawned and (proc.name regex "ba.*" or proc.name glob "s?" or proc.name iglob "Z*"
    or fd.name pmatch (/etc, /usr/bin/) or proc.cmdline icontains ETC
    or evt.buffer bcontains 6261 or evt.buffer bstartswith 7a
    or proc.name startswith anyof (ba, z) or proc.name endswith allof (h, sh)
    or tolower(proc.name) = val(proc.pname) or len(proc.args) > 3 or basename(proc.exepath) in (shells)
    or proc.aname intersects (shells) or proc.aname[2] = sshd or fd.sip.name endswith .com
    or fd.sip in (10.0.0.0/8, "192.168.0.1") or fd.net != 172.16.0.0/12 or user.uid < 1000
    or fd.num >= 0x10 or proc.tty != 0 or fd.connected = true or user.loginuid in (-1, 0)
    or proc.name > val(proc.pname) or fd.sport in (80, 443) or proc.pid = val(proc.vpid) or fd.lport exists
    or proc.duration <= 5000000000 or evt.dir = < or proc.aname != bash or toupper(proc.pname) contains A
    or evt.rawres startswith "-" or fd.rip = val(fd.sip) or proc.name contains val(proc.pname))
- rule: types
  desc: d
  output: o
  priority: debug
  condition: (evt.type = open or evt.type startswith "connect" or not evt.type in (openat, execve, connect, open)) and proc.name != x
- rule: negtypes
  desc: d
  output: o
  priority: debug
  condition: not (evt.type in (open, connect) or proc.name = bash) and not not evt.type = openat
`

// modChecks exercise list modifiers and multi-argument transformers, each in a rule of its
// own (spawned and <check>) so that no other check shadows a disagreement.
var modChecks = []string{
	"proc.name startswith oneof (ba, b, z)", "proc.pname != oneof (bash, sh)", "proc.name == allof (bash)",
	"proc.name contains allof (a, s)", "proc.name != allof (bash, sh)", "proc.name glob oneof (*sh, b*)",
	"proc.aname endswith oneof (sh, bash)", "proc.aname != allof (sshd, bash)", "proc.aname = oneof (sshd, bash)",
	"fd.lport != anyof (80, 0x50)", "fd.lport = oneof (80, 443)", "fd.sip == oneof (10.0.0.0/8, 10.1.2.3)",
	"fd.sip != allof (10.0.0.0/8, 192.168.0.1)", "user.uid = oneof (0, 1000)", "evt.dir != oneof (<, >)",
	"proc.name = oneof ()", "proc.name != anyof ()",
	`concat(proc.name, "/", proc.pname) endswith "/sh"`, `concat(proc.name, "/", proc.pname) contains "/"`, `join(",", proc.aname) contains ","`, `len(join("", proc.aname)) = 0`,
	`len(concat(proc.name, proc.pname)) > 6`, `getopt(proc.argv, "ab:c")[b] != x`, `getopt(proc.argv, "ab:c")[a] = a`,
	`getopt(proc.argv, ":b:")[b] exists`, `getopt(proc.argv, "ab:c") intersects (a, "?", bash)`,
	`toupper(join("-", getopt(proc.argv, "abc:"))) contains "-"`, `concat(proc.name, "x") != val(proc.pname)`,
	`getopt(proc.argv, "a")[a] = a`, `len(getopt(proc.argv, "ab:")) >= 2`, `join("", proc.aname) != val(proc.name)`,
}

// modRules renders modChecks as rules mods0, mods1, ...
func modRules() string {
	var b strings.Builder
	b.WriteString("- macro: spawned\n  condition: evt.type in (execve, execveat)\n")
	for i, c := range modChecks {
		fmt.Fprintf(&b, "- rule: mods%d\n  desc: d\n  output: o\n  priority: debug\n  condition: %q\n", i, "spawned and "+c)
	}
	return b.String()
}

type diffEnv struct {
	p     *testProvider
	en    *rules.Engine
	rules []*rules.Rule
	strs  []string
	nums  []int64
	keys  map[string]rules.FieldType
}

func newDiffEnv(t testing.TB) *diffEnv {
	var files []rules.File
	files = append(files, rules.File{Name: "ops.yaml", Data: []byte(operatorRules)},
		rules.File{Name: "mods.yaml", Data: []byte(modRules())})
	rs1, _, err := rules.LoadFiles(files...)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, tc := range upstreamFiles {
		paths = append(paths, upstreamPath(t, tc.file))
	}
	rs2, _, err := rules.Load(paths...)
	if err != nil {
		t.Fatal(err)
	}
	d := &diffEnv{p: newTestProvider(), keys: map[string]rules.FieldType{}}
	d.rules = append(rs1.Rules, rs2.Rules...)
	en1, _, err := rs1.Compile(d.p)
	if err != nil {
		t.Fatal(err)
	}
	en2, _, err := rs2.Compile(d.p)
	if err != nil {
		t.Fatal(err)
	}
	_ = en1
	d.en = en2
	seenS, seenN := map[string]bool{}, map[int64]bool{}
	var addField func(f rules.FieldRef)
	addField = func(f rules.FieldRef) {
		if f.IsCall() {
			for _, a := range f.Args {
				if a.Field != nil {
					addField(*a.Field)
				}
			}
			return
		}
		if f.Name == "evt.type" || f.Name == "evt.dir" {
			return
		}
		typ, err := fieldType(f.Name, f.Arg, f.HasArg)
		if err != nil {
			t.Fatal(err)
		}
		d.keys[slotKey(f.Name, f.Arg)] = typ
	}
	for _, r := range d.rules {
		walkNodes(r.AST, func(c *rules.Check) {
			addField(c.Field)
			if c.Value == nil {
				return
			}
			if c.Value.Field != nil {
				addField(*c.Value.Field)
				return
			}
			for _, it := range c.Value.Items {
				if !seenS[it] {
					seenS[it] = true
					d.strs = append(d.strs, it)
				}
				if n, err := strconv.ParseInt(it, 0, 64); err == nil && !seenN[n] {
					seenN[n] = true
					d.nums = append(d.nums, n)
				}
			}
		})
	}
	d.strs = append(d.strs, "", "bash", "/etc/shadow", "/usr/bin/x", "ZSH", "ETC", "abzb", "SSHD", "sh")
	d.nums = append(d.nums, 0, 1, -1, 16, 999, 1000, 5000000000, 6000000000)
	return d
}

func walkNodes(n rules.Node, fn func(*rules.Check)) {
	switch x := n.(type) {
	case *rules.AndExpr:
		for _, k := range x.Kids {
			walkNodes(k, fn)
		}
	case *rules.OrExpr:
		for _, k := range x.Kids {
			walkNodes(k, fn)
		}
	case *rules.NotExpr:
		walkNodes(x.X, fn)
	case *rules.Check:
		fn(x)
	}
}

var diffKinds = []string{"execve", "execveat", "open", "openat", "openat2", "connect", "accept", "sendto",
	"rename", "unlinkat", "ptrace", "setuid", "bpf", "mkdir", "chmod", "close", "read"}

var diffIPs = []netip.Addr{netip.MustParseAddr("10.1.2.3"), netip.MustParseAddr("192.168.0.1"),
	netip.MustParseAddr("8.8.8.8"), netip.MustParseAddr("172.16.5.4"), netip.MustParseAddr("::1"),
	netip.MustParseAddr("::ffff:10.0.0.1")}

// argvPool holds command-line words for proc.argv, which getopt scans.
var argvPool = []string{"-a", "-b", "-ab", "-bbash", "-cb", "-ba", "--", "--long", "-", "-x", "-:", "bash", "-c"}

// randomEvent fills the provider with a random event numbered num, with values drawn from the
// rules' own constants so that checks often match.
func (d *diffEnv) randomEvent(r *rand.Rand, num uint64) *event.Event {
	e := &event.Event{Num: num}
	if r.IntN(8) == 0 {
		e.Kind = event.Kind(1 + r.IntN(event.NumKinds-1))
	} else {
		e.Kind, _ = event.KindByName(diffKinds[r.IntN(len(diffKinds))])
	}
	str := func() string {
		s := d.strs[r.IntN(len(d.strs))]
		switch r.IntN(6) {
		case 0:
			return "/x/" + s
		case 1:
			return s + "/y"
		}
		return s
	}
	for key, typ := range d.keys {
		if r.IntN(5) == 0 {
			continue // missing
		}
		switch typ {
		case rules.FieldString, rules.FieldBytes:
			d.p.set(num, key, str())
		case rules.FieldStrings:
			var l []string
			for range r.IntN(4) {
				if key == "proc.argv" && r.IntN(4) > 0 {
					l = append(l, argvPool[r.IntN(len(argvPool))])
					continue
				}
				l = append(l, str())
			}
			d.p.set(num, key, l)
		case rules.FieldIP:
			d.p.set(num, key, diffIPs[r.IntN(len(diffIPs))])
		case rules.FieldBool:
			d.p.set(num, key, r.IntN(2) == 0)
		default:
			d.p.set(num, key, d.nums[r.IntN(len(d.nums))])
		}
	}
	if r.IntN(2) == 0 {
		d.aim(r, e)
	}
	return e
}

// aim biases the event towards a random rule: its evt.type, and fields set to values its
// checks name, so that whole rules match now and then.
func (d *diffEnv) aim(r *rand.Rand, e *event.Event) {
	rule := d.rules[r.IntN(len(d.rules))]
	if ks := rule.Kinds.Kinds(); len(ks) > 0 {
		e.Kind = ks[r.IntN(len(ks))]
	}
	walkNodes(rule.AST, func(c *rules.Check) {
		if c.Value == nil || c.Value.Field != nil || len(c.Value.Items) == 0 || r.IntN(4) == 0 {
			return
		}
		typ, ok := d.keys[slotKey(c.Field.Name, c.Field.Arg)]
		if !ok || len(c.Field.Transformers) > 0 || c.Field.IsCall() {
			return
		}
		it := c.Value.Items[r.IntN(len(c.Value.Items))]
		key := slotKey(c.Field.Name, c.Field.Arg)
		switch typ {
		case rules.FieldString, rules.FieldBytes:
			d.p.set(e.Num, key, it)
		case rules.FieldStrings:
			d.p.set(e.Num, key, []string{it})
		case rules.FieldIP:
			if a, err := netip.ParseAddr(it); err == nil {
				d.p.set(e.Num, key, a)
			}
		case rules.FieldBool:
			d.p.set(e.Num, key, it == "true")
		default:
			if n, err := strconv.ParseInt(it, 0, 64); err == nil {
				d.p.set(e.Num, key, n)
			}
		}
	})
}

func (d *diffEnv) compare(t testing.TB, e *event.Event) {
	en := d.en
	matched := map[string]bool{}
	en.Match(e, func(r *rules.CompiledRule) { matched[r.Name] = true })
	for _, cr := range en.Rules() {
		want := naiveEval(d.p, cr.AST, e)
		if got := cr.Eval(e); got != want {
			t.Fatalf("rule %q on %s event %d: compiled %v, naive %v", cr.Name, e.Kind, e.Num, got, want)
		}
		if matched[cr.Name] != want {
			t.Fatalf("rule %q on %s: Match %v, naive %v", cr.Name, e.Kind, matched[cr.Name], want)
		}
	}
}

func TestDifferential(t *testing.T) {
	d := newDiffEnv(t)
	ops, _, err := rules.LoadFiles(rules.File{Name: "ops.yaml", Data: []byte(operatorRules)},
		rules.File{Name: "mods.yaml", Data: []byte(modRules())})
	if err != nil {
		t.Fatal(err)
	}
	opsEn, _, err := ops.Compile(d.p)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	hits := map[string]int{}
	upstream := d.en
	for i := range 3000 {
		e := d.randomEvent(r, uint64(i+1))
		for _, en := range []*rules.Engine{upstream, opsEn} {
			d.en = en
			d.compare(t, e)
			en.Match(e, func(cr *rules.CompiledRule) { hits[cr.Name]++ })
		}
	}
	for i := range modChecks {
		if hits[fmt.Sprintf("mods%d", i)] == 0 && !strings.Contains(modChecks[i], "()") {
			t.Errorf("random events never match %s", modChecks[i])
		}
	}
	if hits["ops"] == 0 || hits["types"] == 0 || hits["negtypes"] == 0 {
		t.Errorf("random events match too little to compare: %v", hits)
	}
	t.Logf("matches: %v", hits)
}

func FuzzDifferential(f *testing.F) {
	d := newDiffEnv(f)
	ops, _, err := rules.LoadFiles(rules.File{Name: "ops.yaml", Data: []byte(operatorRules)},
		rules.File{Name: "mods.yaml", Data: []byte(modRules())})
	if err != nil {
		f.Fatal(err)
	}
	opsEn, _, err := ops.Compile(d.p)
	if err != nil {
		f.Fatal(err)
	}
	upstream := d.en
	f.Add(uint64(1), uint64(2))
	f.Add(uint64(42), uint64(7))
	var num uint64
	f.Fuzz(func(t *testing.T, a, b uint64) {
		num++
		e := d.randomEvent(rand.New(rand.NewPCG(a, b)), num)
		for _, en := range []*rules.Engine{upstream, opsEn} {
			d.en = en
			d.compare(t, e)
		}
		delete(d.p.events, num)
	})
}
