package rules_test

import (
	"fmt"
	"net/netip"
	"testing"

	"saker/event"
	"saker/rules"
)

func TestEvalSemantics(t *testing.T) {
	type vals map[string]any
	ev := vals{
		"proc.name": "Bash", "proc.aname": []string{"sshd", "systemd"}, "fd.sip.name": []string{"pool.minexmr.com", "x.org"},
		"fd.sip": netip.MustParseAddr("10.1.2.3"), "fd.lport": 8080, "user.loginuid": -1, "fd.connected": true,
		"proc.exepath": "/usr/bin/bash", "evt.buffer": "\x7fELF..", "proc.aname[2]": "systemd", "proc.args": "",
	}
	tests := []struct {
		cond string
		want bool
	}{
		{"proc.name = Bash", true},
		{"fd.name = x", false},
		{"fd.name != x", false}, // missing: false for every operator
		{"not fd.name = x", true},
		{"fd.name exists", false},
		{"proc.name exists", true},
		{"proc.name icontains ASH", true},
		{"proc.name contains ASH", false},
		{"proc.name in (bash, Bash)", true},
		{"proc.aname = systemd", true},
		{"proc.aname != sshd", true}, // any value differs
		{"proc.aname in (init, sshd)", true},
		{"proc.aname[2] = systemd", true},
		{"fd.sip.name endswith .minexmr.com", true},
		{"fd.sip.name glob *.org", true},
		{"fd.sip in (10.0.0.0/8)", true},
		{"fd.sip = 10.1.2.3", true},
		{"fd.sip != 10.1.2.3", false},
		{"fd.sip in (192.168.0.0/16, 172.16.0.0/12)", false},
		{"fd.lport = 8080", true},
		{"fd.lport in (80, 8080)", true},
		{"fd.lport > 0x1000", true},
		{"fd.lport startswith 80", true},
		{"user.loginuid = -1", true},
		{"user.loginuid < 0", true},
		{"fd.connected = true", true},
		{"fd.connected = false", false},
		{"basename(proc.exepath) = bash", true},
		{"tolower(proc.name) = bash", true},
		{"toupper(proc.name) = val(proc.name)", false},
		{"tolower(proc.name) = tolower(proc.name)", true},
		{"len(proc.aname) = 2", true},
		{"len(proc.args) = 0", true},
		{"evt.buffer bstartswith 7f454c46", true},
		{"proc.exepath pmatch (/usr/bin, /opt)", true},
		{"proc.exepath pmatch (/usr/bi)", false},
		{"proc.name regex B.*h", true},
		{"proc.name regex as", false},
		{"proc.name startswith oneof (x, B)", true},
		{"proc.name endswith allof (sh, ash)", true},
		{"proc.name endswith allof (sh, x)", false},
		{"evt.type = execve", true},
		{"evt.type != execve", false},
		{"evt.type startswith exec", true},
		{"evt.dir = <", true},
		{"evt.dir = >", false},
		{"evt.dir != >", true},
	}
	p := newTestProvider()
	for k, v := range ev {
		p.set(1, k, v)
	}
	ex, _ := event.KindByName("execve")
	e := &event.Event{Num: 1, Kind: ex}
	for i, tc := range tests {
		t.Run(tc.cond, func(t *testing.T) {
			yaml := fmt.Sprintf("- rule: r%d\n  desc: d\n  output: o\n  priority: info\n  condition: %q\n", i, "evt.type in (execve, open) and ("+tc.cond+")")
			en := compileOne(t, p, yaml)
			got := false
			en.Match(e, func(*rules.CompiledRule) { got = true })
			if got != tc.want {
				t.Errorf("%s: got %v, want %v", tc.cond, got, tc.want)
			}
			if naive := naiveEval(p, en.Rules()[0].AST, e); naive != tc.want {
				t.Errorf("%s: naive evaluator says %v", tc.cond, naive)
			}
		})
	}
}

func TestKindIndex(t *testing.T) {
	rs, _, err := rules.LoadBytes("k.yaml", []byte(`
- macro: spawned
  condition: evt.type in (execve, execveat) and evt.dir = <
- rule: a
  desc: d
  output: o
  priority: info
  condition: spawned and proc.name = x
- rule: b
  desc: d
  output: o
  priority: info
  condition: (evt.type = open or evt.type = openat) and not evt.type = open
- rule: c
  desc: d
  output: o
  priority: info
  condition: not evt.type in (open, connect) and not proc.name = x and evt.type != execve
- rule: d
  desc: d
  output: o
  priority: info
  condition: evt.type = nosuchsyscall
- rule: e
  desc: d
  output: o
  priority: info
  condition: not (evt.type = open and proc.name = x)
`))
	if err != nil {
		t.Fatal(err)
	}
	kinds := func(name string) string { return fmt.Sprint(rs.Rule(name).Kinds.Names()) }
	if got := kinds("a"); got != "[execve execveat]" {
		t.Errorf("a: %s", got)
	}
	if got := kinds("b"); got != "[openat]" {
		t.Errorf("b: %s", got)
	}
	c := rs.Rule("c").Kinds
	for _, n := range []string{"open", "connect", "execve"} {
		k, _ := event.KindByName(n)
		if c.Has(k) {
			t.Errorf("c has %s", n)
		}
	}
	if c.Len() != event.NumKinds-1-3 {
		t.Errorf("c: %d kinds", c.Len())
	}
	if rs.Rule("d").Kinds.Len() != 0 {
		t.Errorf("d: %s", kinds("d"))
	}
	if !rs.Rule("e").Kinds.IsAll() {
		t.Errorf("e: %s", kinds("e"))
	}
	en, _, err := rs.Compile(newTestProvider())
	if err != nil {
		t.Fatal(err)
	}
	openat, _ := event.KindByName("openat")
	var names []string
	for _, r := range en.RulesFor(openat) {
		names = append(names, r.Name)
	}
	if fmt.Sprint(names) != "[b c e]" {
		t.Errorf("rules for openat: %v", names)
	}
}

func TestMatchSource(t *testing.T) {
	p := newTestProvider()
	p.github = true
	rs, _, err := rules.LoadBytes("g.yaml", []byte(`
- rule: gh
  desc: d
  output: o
  priority: info
  source: github
  condition: proc.name = x
  warn_evttypes: false
- rule: sys
  desc: d
  output: o
  priority: info
  condition: evt.type = execve and proc.name = x
`))
	if err != nil {
		t.Fatal(err)
	}
	en, _, err := rs.Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	p.set(1, "proc.name", "x")
	ex, _ := event.KindByName("execve")
	e := &event.Event{Num: 1, Kind: ex}
	var sys, gh []string
	en.Match(e, func(r *rules.CompiledRule) { sys = append(sys, r.Name) })
	en.MatchSource("github", e, func(r *rules.CompiledRule) { gh = append(gh, r.Name) })
	if fmt.Sprint(sys) != "[sys]" || fmt.Sprint(gh) != "[gh]" {
		t.Errorf("syscall %v, github %v", sys, gh)
	}
}
