package rules_test

import (
	"strings"
	"testing"
)

// TestKnownDisagreements holds the cases of issue 25's list that no upstream test covers as
// such: each loaded and evaluated as Falco does.
func TestKnownDisagreements(t *testing.T) {
	yaml := `
- list: one_proc
  items: [myexe]
- list: allowed_processes
  items: [bash, myexe]
- rule: modifier after a one-item list
  desc: d
  output: o
  priority: info
  condition: evt.type = execve and proc.name startswith oneof one_proc
- rule: modifier and a list in parentheses
  desc: d
  output: o
  priority: info
  condition: evt.type = execve and proc.name startswith oneof (allowed_processes)
- rule: legacy append
  desc: d
  output: o
  priority: info
  condition: evt.type = execve
- rule: legacy append
  desc: appended desc
  output: appended output
  priority: critical
  source: syscall
  enabled: false
  condition: and proc.name = myexe
  append: true
`
	rs, en, errs, warns, ok := loadLikeFalco(yaml)
	if !ok {
		t.Fatalf("load: %q", errs)
	}
	r := rs.Rule("legacy append")
	if r.Desc != "d" || r.Output != "o" || r.Priority.String() != "Informational" || !r.Enabled || r.AST.String() != "(evt.type = execve and proc.name = myexe)" {
		t.Errorf("legacy append: desc %q output %q priority %s enabled %v condition %s", r.Desc, r.Output, r.Priority, r.Enabled, r.AST)
	}
	for _, w := range []string{"the append key is deprecated", `key "desc" is ignored with append: true`, `key "enabled" is ignored with append: true`} {
		if !hasMessage(warns, w) {
			t.Errorf("no warning %q in %q", w, warns)
		}
	}
	if len(en.Rules()) != 3 {
		t.Errorf("%d rules enabled", len(en.Rules()))
	}
	for name, want := range map[string]string{
		"modifier after a one-item list":     "(evt.type = execve and proc.name startswith oneof (myexe))",
		"modifier and a list in parentheses": "(evt.type = execve and proc.name startswith oneof (bash, myexe))",
	} {
		if got := rs.Rule(name).AST.String(); got != want {
			t.Errorf("%s: %s, want %s", name, got, want)
		}
	}
	// A list of several items pasted bare after a modifier fails in Falco too.
	bad := strings.Replace(yaml, "oneof one_proc", "oneof allowed_processes", 1)
	if _, _, errs, _, ok := loadLikeFalco(bad); ok || !hasMessage(errs, "unexpected") {
		t.Errorf("bare list of two items after a modifier: %q", errs)
	}
	for _, c := range []struct {
		cond string
		want bool
	}{
		{"proc.name startswith oneof (bash, my)", true},
		{"proc.exepath pmatch (/*)", true},
		{"proc.exepath pmatch (/m?exe)", true},
		{"proc.exepath pmatch (/[!m]yexe)", false},
	} {
		if got, naive := evalOn(t, map[string]any{"proc.name": "myexe", "proc.exepath": "/myexe"}, c.cond); got != c.want || naive != c.want {
			t.Errorf("%s: compiled %v naive %v, want %v", c.cond, got, naive, c.want)
		}
	}
}
