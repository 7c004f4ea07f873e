package rules_test

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"saker/event"
	"saker/rules"
)

// evalOn compiles cond into a rule, sets the field values of vals on a fresh event and
// returns what the compiled and the naive evaluator say.
func evalOn(t *testing.T, vals map[string]any, cond string) (compiled, naive bool) {
	t.Helper()
	p := newTestProvider()
	for k, v := range vals {
		p.set(1, k, v)
	}
	yaml := fmt.Sprintf("- rule: r\n  desc: d\n  output: o\n  priority: info\n  condition: %q\n", "evt.type = execve and ("+cond+")")
	en := compileOne(t, p, yaml)
	ex, _ := event.KindByName("execve")
	e := &event.Event{Num: 1, Kind: ex}
	en.Match(e, func(*rules.CompiledRule) { compiled = true })
	return compiled, naiveEval(p, en.Rules()[0].AST, e)
}

// TestModifiers follows libsinsp's cmp_operator_modifiers tests: for a value v and a list R,
// oneof holds when exactly one r of R satisfies `v op r`, anyof when one does at least,
// allof when all do; an empty list satisfies none. On a list field each r is checked as an
// unmodified check would, against any element.
func TestModifiers(t *testing.T) {
	vals := map[string]any{"proc.name": "myexe", "proc.aname": []string{"bash", "sshd"}, "fd.lport": 80,
		"fd.sip": netip.MustParseAddr("10.1.2.3")}
	tests := []struct {
		cond string
		want bool
	}{
		{"proc.name == oneof (myexe, bash)", true},
		{"proc.name == oneof (myexe)", true},
		{"proc.name == oneof (bash, sh)", false},
		{"proc.name == oneof (myexe, myexe)", false},
		{"proc.name == anyof (myexe, myexe)", true},
		{"proc.name = allof (myexe, myexe)", true},
		{"proc.name == allof (myexe, bash)", false},
		{"proc.name != oneof (myexe, myexe, bash)", true},
		{"proc.name != oneof (myexe, myexe)", false},
		{"proc.name != oneof (bash, sh)", false},
		{"proc.name != anyof (myexe, bash)", true},
		{"proc.name != allof (bash, sh)", true},
		{"proc.name != allof (myexe, bash)", false},
		{"proc.name contains oneof (my, exe)", false},
		{"proc.name contains allof (my, exe)", true},
		{"proc.name startswith oneof (my, bash)", true},
		{"proc.name startswith oneof (my, mye)", false},
		{"proc.name endswith allof (exe, yexe)", true},
		{"proc.name glob oneof (my*, *exe)", false},
		{"proc.name iglob anyof (MY*, BASH)", true},
		{"proc.name regex allof (my.*, .*exe)", true},
		{"proc.name icontains oneof (MYEX, BASH)", true},
		{"toupper(proc.name) != oneof (MYEXE, BASH)", true},
		{"toupper(proc.name) != allof (MYEXE, BASH)", false},
		{"proc.name == oneof ()", false},
		{"proc.name != anyof ()", false},
		{"proc.name != allof ()", false},
		{"fd.name == anyof (x, y)", false}, // missing field
		{"fd.name != allof (x, y)", false},
		{"fd.lport = oneof (80, 0x50)", false},
		{"fd.lport = anyof (0x50, 443)", true},
		{"fd.lport != allof (443, 8080)", true},
		{"fd.lport contains oneof (8, 0)", false},
		{"fd.sip == oneof (10.0.0.0/8, 10.1.2.3)", false},
		{"fd.sip == oneof (10.0.0.0/8, 192.168.0.1)", true},
		{"fd.sip != allof (192.168.0.0/16, 172.16.0.0/12)", true},
		{"proc.aname = allof (bash, sshd)", true},
		{"proc.aname = oneof (bash, sshd)", false},
		{"proc.aname endswith oneof (sh, bash)", false},
		{"proc.aname endswith oneof (sh, init)", true},
		{"proc.aname != allof (bash, sshd)", true}, // each item differs from some element
		{"evt.dir = oneof (<, >)", true},
		{"evt.type = oneof (execve, open)", true},
		{"evt.type startswith allof (exec, ex)", true},
		{"proc.name = anyof", false}, // the text "anyof", not a modifier
	}
	for _, tc := range tests {
		t.Run(tc.cond, func(t *testing.T) {
			got, naive := evalOn(t, vals, tc.cond)
			if got != tc.want || naive != tc.want {
				t.Errorf("%s: compiled %v, naive %v, want %v", tc.cond, got, naive, tc.want)
			}
		})
	}
}

func TestCallTransformers(t *testing.T) {
	argv := []string{"-n", "-t", "val", "-xo", "file", "arg", "-q"}
	tests := []struct {
		name string
		vals map[string]any
		cond string
		want bool
	}{
		{"concat", nil, `concat(proc.name, ":", proc.pname) = "bash:sh"`, true},
		{"concat literal first", nil, `concat("/usr/bin/", proc.name) = val(proc.exepath)`, true},
		{"concat missing", nil, `concat(proc.name, fd.name) exists`, false},
		{"concat transformed", nil, `concat(toupper(proc.name), basename(proc.exepath)) = BASHbash`, true},
		{"len concat", nil, `len(concat(proc.name, proc.pname)) = 6`, true},
		{"join", nil, `join(",", proc.aname) = "sshd,systemd"`, true},
		{"join field sep", nil, `join(proc.pname, proc.aname) = sshdshsystemd`, true},
		{"join empty list", map[string]any{"proc.aname": []string{}}, `join(",", proc.aname) = ""`, true},
		{"join missing", map[string]any{"proc.aname": nil}, `join(",", proc.aname) exists`, false},
		{"tolower join", nil, `tolower(join("-", proc.aname)) icontains D-S`, true},
		{"getopt list", nil, `join(",", getopt(proc.argv, "nt:o:")) = "n,t,val,?,o,file"`, true},
		{"getopt selector", nil, `getopt(proc.argv, "nt:o:")[t] = val`, true},
		{"getopt selector cluster", nil, `getopt(proc.argv, "nt:o:")[o] = file`, true},
		{"getopt flag selector", nil, `getopt(proc.argv, "nt")[t] = t`, true},
		{"getopt absent", nil, `getopt(proc.argv, "nt:o:")[q] exists`, false},
		{"getopt unknown never selected", nil, `getopt(proc.argv, "nt:o:")[x] exists`, false},
		{"getopt leading colon", nil, `getopt(proc.argv, ":n")[n] = n`, true},
		{"getopt attached value", map[string]any{"proc.argv": []string{"-tvalue"}}, `getopt(proc.argv, "t:")[t] = value`, true},
		{"getopt missing value", map[string]any{"proc.argv": []string{"-n", "-t"}}, `join("|", getopt(proc.argv, "nt:")) = "n|"`, true},
		{"getopt missing value selected", map[string]any{"proc.argv": []string{"-t"}}, `getopt(proc.argv, "t:")[t] = ""`, true},
		{"getopt last wins", map[string]any{"proc.argv": []string{"-ta", "-tb"}}, `getopt(proc.argv, "t:")[t] = b`, true},
		{"getopt stops at --", map[string]any{"proc.argv": []string{"--", "-t", "x"}}, `len(getopt(proc.argv, "t:")) = 0`, true},
		{"getopt skips long", map[string]any{"proc.argv": []string{"--exec", "-t", "x"}}, `getopt(proc.argv, "t:")[t] = x`, true},
		{"getopt stops at operand", map[string]any{"proc.argv": []string{"ls", "-t", "x"}}, `getopt(proc.argv, "t:")[t] exists`, false},
		{"getopt lone dash", map[string]any{"proc.argv": []string{"-", "-t", "x"}}, `getopt(proc.argv, "t:")[t] exists`, false},
		{"getopt field optstring", map[string]any{"proc.cmdline": "t:"}, `getopt(proc.argv, proc.cmdline)[t] = val`, true},
		{"getopt intersects", nil, `getopt(proc.argv, "nt:o:") intersects ("?")`, true},
		{"getopt modifier", nil, `getopt(proc.argv, "nt:o:") = allof (n, file)`, true},
		{"rhs call", nil, `proc.exepath = concat("/usr/bin/", proc.name)`, true},
	}
	base := map[string]any{"proc.name": "bash", "proc.pname": "sh", "proc.exepath": "/usr/bin/bash",
		"proc.aname": []string{"sshd", "systemd"}, "proc.argv": argv}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vals := map[string]any{}
			for k, v := range base {
				vals[k] = v
			}
			for k, v := range tc.vals {
				if v == nil {
					delete(vals, k)
				} else {
					vals[k] = v
				}
			}
			got, naive := evalOn(t, vals, tc.cond)
			if got != tc.want || naive != tc.want {
				t.Errorf("%s: compiled %v, naive %v, want %v", tc.cond, got, naive, tc.want)
			}
		})
	}
}

func TestCallTransformerErrors(t *testing.T) {
	tests := []struct{ cond, msg string }{
		{`join(",", proc.name) = x`, "join() second argument must be a list"},
		{`join(proc.aname, proc.aname) = x`, "join() separator must be a string"},
		{`join(",") = x`, "join() needs 2 arguments"},
		{`concat(proc.name) = x`, "concat() needs at least 2 arguments"},
		{`concat(proc.name, fd.lport) = x`, "concat() arguments must be strings"},
		{`concat(proc.name, proc.aname) = x`, "concat() arguments must be strings"},
		{`getopt(proc.name, "a") = x`, "getopt() first argument must be a list"},
		{`getopt(proc.argv, "a")[ab] = x`, "getopt() selector must be one option character"},
		{`getopt(proc.argv) = x`, "getopt() needs 2 arguments"},
		{`concat(proc.name, "a")[x] = x`, "concat() takes no field argument"},
		{`concat(proc.name, nosuch.field) = x`, "unknown field"},
	}
	for _, tc := range tests {
		t.Run(tc.cond, func(t *testing.T) {
			yaml := fmt.Sprintf("- rule: r\n  desc: d\n  output: o\n  priority: info\n  condition: %q\n", "evt.type = execve and "+tc.cond)
			rs, _, err := rules.LoadBytes("t.yaml", []byte(yaml))
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			_, _, err = rs.Compile(newTestProvider())
			var list rules.ErrorList
			if !errors.As(err, &list) || len(list) != 1 || !strings.Contains(list[0].Msg, tc.msg) {
				t.Fatalf("got %v, want one error containing %q", err, tc.msg)
			}
			if list[0].Pos.Line != 5 || list[0].Pos.Col != 37 {
				t.Errorf("error at %v, want t.yaml:5:37", list[0].Pos)
			}
		})
	}
}

// TestCallOutput checks that outputs render calls like fields.
func TestCallOutput(t *testing.T) {
	p := newTestProvider()
	en := compileOne(t, p, `
- rule: r
  desc: d
  output: "%concat(proc.name, \"@\", proc.pname) %join(\",\", proc.aname) %getopt(proc.argv, \"t:\")[t]"
  priority: info
  condition: evt.type = execve
`)
	p.set(1, "proc.name", "bash")
	p.set(1, "proc.pname", "sh")
	p.set(1, "proc.aname", []string{"a", "b"})
	ex, _ := event.KindByName("execve")
	e := &event.Event{Num: 1, Kind: ex}
	if got := string(en.Rules()[0].AppendOutput(nil, e)); got != "bash@sh a,b <NA>" {
		t.Errorf("output %q", got)
	}
}
