package rules_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"saker/rules"
)

func mustLoad(t *testing.T, files ...rules.File) (*rules.RuleSet, []rules.Warning) {
	t.Helper()
	rs, warns, err := rules.LoadFiles(files...)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return rs, warns
}

func yamlFile(name, text string) rules.File { return rules.File{Name: name, Data: []byte(text)} }

const baseRule = `
- rule: r
  desc: first
  output: out
  priority: warning
  tags: [a]
  condition: evt.type = open
`

func TestExceptions(t *testing.T) {
	tests := []struct {
		name, yaml, condition string
	}{
		{"list of fields", `
- rule: r
  desc: d
  output: o
  priority: info
  condition: evt.type = open
  exceptions:
    - name: known
      fields: [proc.name, fd.name]
      comps: [=, in]
      values:
        - [bash, /etc]
        - [my app, [a, b]]
`, "(evt.type = open) and not (( proc.name = bash and  fd.name in (/etc)) or ( proc.name = \"my app\" and  fd.name in (a, b)))"},
		{"default comps and in", `
- rule: r
  desc: d
  output: o
  priority: info
  condition: evt.type = open
  exceptions:
    - name: e1
      fields: [proc.name, proc.pname]
      values: [[a, b]]
    - name: e2
      fields: [proc.name, fd.directory]
      comps: [=, in]
      values: [[x, /tmp]]
`, "(evt.type = open) and not (( proc.name = a and  proc.pname = b)) and not (( proc.name = x and  fd.directory in (/tmp)))"},
		{"single field", `
- rule: r
  desc: d
  output: o
  priority: info
  condition: evt.type = open
  exceptions:
    - name: procs
      fields: proc.name
      values: [bash, zsh, "my shell"]
    - name: empty
      fields: proc.name
`, "(evt.type = open) and not (proc.name in (bash, zsh, \"my shell\"))"},
		{"no values", `
- rule: r
  desc: d
  output: o
  priority: info
  condition: evt.type = open
  exceptions:
    - name: empty
      fields: [proc.name]
`, "(evt.type = open)"},
		{"appended exception values", baseRule + `
  exceptions:
    - name: procs
      fields: proc.name
      comps: in
      values: [a]
- rule: r
  exceptions:
    - name: procs
      values: [b]
    - name: other
      fields: [fd.name]
      values: [[/x]]
  override:
    exceptions: append
`, "(evt.type = open) and not (proc.name in (a, b)) and not (( fd.name = /x))"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs, _ := mustLoad(t, yamlFile("x.yaml", tc.yaml))
			if got := rs.Rule("r").Condition; got != tc.condition {
				t.Errorf("condition:\n got %s\nwant %s", got, tc.condition)
			}
		})
	}
}

func TestExceptionListsExpand(t *testing.T) {
	rs, _ := mustLoad(t, yamlFile("x.yaml", `
- list: trusted
  items: [a, "b c"]
- rule: r
  desc: d
  output: o
  priority: info
  condition: evt.type = open
  exceptions:
    - name: procs
      fields: proc.name
      values: [trusted, z]
`))
	r := rs.Rule("r")
	if want := `(evt.type = open) and not (proc.name in ( a, "b c" , z))`; r.Expanded != want {
		t.Errorf("expanded:\n got %s\nwant %s", r.Expanded, want)
	}
	if want := `(evt.type = open and not proc.name in (a, "b c", z))`; r.AST.String() != want {
		t.Errorf("tree:\n got %s\nwant %s", r.AST, want)
	}
}

func TestOverrideAndAppend(t *testing.T) {
	tests := []struct {
		name, yaml string
		check      func(t *testing.T, r *rules.Rule)
	}{
		{"legacy append", baseRule + `
- rule: r
  condition: and proc.name = x
  append: true
`, func(t *testing.T, r *rules.Rule) {
			if r.Condition != "evt.type = open and proc.name = x" {
				t.Errorf("condition %q", r.Condition)
			}
		}},
		{"override append and replace", baseRule + `
- rule: r
  condition: or proc.name = y
  desc: more
  output: "%proc.name"
  tags: [b, a]
  priority: error
  enabled: false
  override:
    condition: append
    desc: append
    output: replace
    tags: append
    priority: replace
    enabled: replace
`, func(t *testing.T, r *rules.Rule) {
			if r.Condition != "evt.type = open or proc.name = y" || r.Desc != "first more" || r.Output != "%proc.name" ||
				strings.Join(r.Tags, ",") != "a,b" || r.Priority != rules.PriorityError || r.Enabled {
				t.Errorf("got %+v", r)
			}
			if r.AST.String() != "(evt.type = open or proc.name = y)" {
				t.Errorf("tree %s", r.AST)
			}
		}},
		{"redefinition keeps position", baseRule + `
- rule: s
  desc: d
  output: o
  priority: info
  condition: evt.type = openat
- rule: r
  desc: second
  output: o
  priority: info
  condition: evt.type = connect
`, func(t *testing.T, r *rules.Rule) {
			if r.Desc != "second" || r.Condition != "evt.type = connect" {
				t.Errorf("got %+v", r)
			}
		}},
		{"enabled toggle", baseRule + `
- rule: r
  enabled: false
`, func(t *testing.T, r *rules.Rule) {
			if r.Enabled || r.Desc != "first" {
				t.Errorf("got %+v", r)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs, _ := mustLoad(t, yamlFile("x.yaml", tc.yaml))
			tc.check(t, rs.Rule("r"))
			if rs.Rules[0].Name != "r" {
				t.Errorf("first rule is %q", rs.Rules[0].Name)
			}
		})
	}
}

func TestListExpansion(t *testing.T) {
	rs, _ := mustLoad(t, yamlFile("x.yaml", `
- list: shells
  items: [bash, sh]
- list: empty
  items: []
- list: more
  items: [shells, csh, "/bin/my shell"]
- list: shells
  items: [zsh]
  append: true
- list: one
  items: [only]
- macro: m
  condition: proc.name in (shells) or proc.name in (x, more, y) or proc.name in (empty, a) or proc.name in (a, empty) or proc.name in (empty)
- rule: r
  desc: d
  output: o
  priority: info
  condition: evt.type = execve and m and proc.pname=one and proc.name != shellsx
`))
	want := "(proc.name in (bash, sh, zsh) or proc.name in (x, bash, sh, zsh, csh, \"/bin/my shell\", y) or proc.name in (a) or proc.name in (a) or proc.name in ())"
	if got := rs.Macro("m").AST.String(); got != want {
		t.Errorf("macro:\n got %s\nwant %s", got, want)
	}
	if got, want := rs.Rule("r").Expanded, "evt.type = execve and m and proc.pname= only and proc.name != shellsx"; got != want {
		t.Errorf("rule:\n got %s\nwant %s", got, want)
	}
}

func TestMacroVisibility(t *testing.T) {
	_, _, err := rules.LoadBytes("x.yaml", []byte(`
- macro: a
  condition: b
- macro: b
  condition: evt.type = open
`))
	if err == nil || !strings.Contains(err.Error(), `x.yaml:3:14: macro "a": undefined macro "b"`) {
		t.Errorf("got %v", err)
	}
	// A redefined macro keeps its position but sees macros defined before the redefinition.
	rs, _ := mustLoad(t, yamlFile("x.yaml", `
- macro: a
  condition: evt.type = open
- macro: b
  condition: evt.type = openat
- macro: a
  condition: b or evt.type = connect
- rule: r
  desc: d
  output: o
  priority: info
  condition: a
`))
	if got := rs.Rule("r").AST.String(); got != "(evt.type = openat or evt.type = connect)" {
		t.Errorf("got %s", got)
	}
}

// TestMacroRedefinitionVisibility follows Falco's compile_macros_infos: macros resolve in
// definition order, each with its own visibility, and a macro that comes later in that order
// is pasted as written, its references resolving with the visibility of the macro that uses
// it, not its own.
func TestMacroRedefinitionVisibility(t *testing.T) {
	// m2 is visible to m1 (appended after m2), m3 is not (defined after m1's append); m2 sees
	// m3 through its own append, but m2 comes after m1, so m3 resolves with m1's visibility.
	src := `
- macro: m1
  condition: proc.name = a
- macro: m2
  condition: proc.name = b
- macro: m1
  condition: or m2
  append: true
- macro: m3
  condition: proc.name = c
- macro: m2
  condition: or m3
  append: true
- rule: r
  desc: d
  output: o
  priority: info
  condition: evt.type = open and m1
`
	_, _, err := rules.LoadBytes("x.yaml", []byte(src))
	var list rules.ErrorList
	if !errors.As(err, &list) || len(list) != 1 || list[0].Error() != `x.yaml:12:17: macro "m1": undefined macro "m3"` {
		t.Fatalf("got %v, want m3 undefined for m1 at x.yaml:12:17", err)
	}
	// Defined the other way round, m2 comes before m1 and is resolved, with its own
	// visibility, by the time m1 uses it.
	src = `
- macro: m2
  condition: proc.name = b
- macro: m1
  condition: proc.name = a
- macro: m3
  condition: proc.name = c
- macro: m2
  condition: or m3
  append: true
- macro: m1
  condition: or m2
  append: true
- rule: r
  desc: d
  output: o
  priority: info
  condition: evt.type = open and m1
`
	rs, _ := mustLoad(t, yamlFile("x.yaml", src))
	if got := rs.Rule("r").AST.String(); got != "(evt.type = open and (proc.name = a or (proc.name = b or proc.name = c)))" {
		t.Errorf("got %s", got)
	}
	// A macro redefined to use itself loops, as in Falco, rather than seeing its old body.
	_, _, err = rules.LoadBytes("x.yaml", []byte("- macro: a\n  condition: proc.name = a\n- macro: a\n  condition: a\n"))
	if err == nil || !strings.Contains(err.Error(), `x.yaml:4:14: macro "a": macro loop: a -> a`) {
		t.Errorf("got %v", err)
	}
}

// TestUnusedMacros follows Falco, which compiles rule conditions only: a macro no rule uses
// is parsed and resolved (syntax errors and undefined macros are errors) but its fields are
// never bound, so an unknown field in it is no error, only the unused warning. A disabled
// rule is compiled, so its macros' fields are checked.
func TestUnusedMacros(t *testing.T) {
	rs, warns := mustLoad(t, yamlFile("x.yaml", `
- macro: helper
  condition: proc.name = y
- macro: unused
  condition: nosuch.field = x and helper
- macro: helper2
  condition: other.field = x
- rule: r
  desc: d
  output: o
  priority: info
  condition: evt.type = open
- macro: helper
  condition: also.unknown = x
  override:
    condition: replace
`))
	var got []string
	for _, w := range warns {
		got = append(got, w.String())
	}
	want := []string{`x.yaml:4:3: macro "unused": macro is not used`, `x.yaml:6:3: macro "helper2": macro is not used`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, _, err := rs.Compile(newTestProvider()); err != nil {
		t.Errorf("compile: %v", err)
	}

	// Undefined macros and syntax errors in an unused macro are load errors.
	_, _, err := rules.LoadBytes("x.yaml", []byte("- macro: unused\n  condition: nowhere\n- macro: bad\n  condition: proc.name bash\n"))
	if err == nil || !strings.Contains(err.Error(), `x.yaml:2:14: macro "unused": undefined macro "nowhere"`) ||
		!strings.Contains(err.Error(), `x.yaml:4:24: macro "bad": condition: expected an operator`) {
		t.Errorf("got %v", err)
	}

	// A macro used only by a disabled rule is compiled with it.
	rs, _ = mustLoad(t, yamlFile("x.yaml", `
- macro: m
  condition: nosuch.field = x
- rule: r
  desc: d
  output: o
  priority: info
  enabled: false
  condition: evt.type = open and m
`))
	_, _, err = rs.Compile(newTestProvider())
	if err == nil || !strings.Contains(err.Error(), `x.yaml:3:14: rule "r": unknown field`) {
		t.Errorf("got %v", err)
	}
}

func TestMultipleFiles(t *testing.T) {
	fsys := fstest.MapFS{
		"rules/b.yaml":   {Data: []byte("- rule: r\n  condition: and proc.name = b\n  override:\n    condition: append\n")},
		"rules/a.yaml":   {Data: []byte(baseRule)},
		"rules/skip.txt": {Data: []byte("not rules")},
		"extra.yaml":     {Data: []byte("- rule: r\n  priority: critical\n  override:\n    priority: replace\n")},
	}
	rs, _, err := rules.LoadFS(fsys, "rules", "extra.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r := rs.Rule("r")
	if r.Condition != "evt.type = open and proc.name = b" || r.Priority != rules.PriorityCritical {
		t.Errorf("got %q %v", r.Condition, r.Priority)
	}
	if r.Pos.File != "rules/a.yaml" {
		t.Errorf("position %v", r.Pos)
	}
}

func TestWarningsAndVersions(t *testing.T) {
	_, warns := mustLoad(t, yamlFile("x.yaml", `
- required_engine_version: 0.50.0
- required_engine_version: 12
- required_plugin_versions:
    - name: container
      version: 0.4.0
    - name: k8saudit
      version: 0.1.0
    - name: container
      version: 9.0.0
- something: else
- rule: r
  desc: d
  output: o
  priority: info
  condition: proc.name = x
  colour: blue
`))
	var got []string
	for _, w := range warns {
		got = append(got, w.String())
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{
		"x.yaml:7:7: plugin k8saudit is required",
		"x.yaml:11:3: unknown item ignored",
		`x.yaml:17:3: rule "r": unknown key "colour" ignored`,
		`x.yaml:12:3: rule "r": rule matches every event kind`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("missing warning %q in\n%s", want, all)
		}
	}
	if strings.Count(all, "plugin container") != 1 || !strings.Contains(all, "x.yaml:9:7: plugin container 9.0.0 is required, saker provides the fields of 0.4.0") {
		t.Errorf("want one warning about container 9.0.0:\n%s", all)
	}
	for _, v := range []string{"0.58.0", "1.0.0", "58"} {
		_, _, err := rules.LoadBytes("v.yaml", []byte("- required_engine_version: "+v+"\n"))
		var list rules.ErrorList
		if !errors.As(err, &list) || !strings.Contains(err.Error(), "v.yaml:1:3: rules require engine version") {
			t.Errorf("version %s: got %v", v, err)
		}
	}
}

func TestPriority(t *testing.T) {
	for in, want := range map[string]rules.Priority{
		"EMERGENCY": rules.PriorityEmergency, "alert": rules.PriorityAlert, "Critical": rules.PriorityCritical,
		"error": rules.PriorityError, "WARNING": rules.PriorityWarning, "notice": rules.PriorityNotice,
		"info": rules.PriorityInformational, "Informational": rules.PriorityInformational, "debug": rules.PriorityDebug,
	} {
		got, err := rules.ParsePriority(in)
		if err != nil || got != want {
			t.Errorf("ParsePriority(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := rules.ParsePriority("loud"); err == nil {
		t.Error("ParsePriority(loud) succeeded")
	}
	if rules.PriorityInformational.String() != "Informational" {
		t.Error(rules.PriorityInformational.String())
	}
}

func TestCompileSkips(t *testing.T) {
	rs, warns, err := rules.LoadBytes("s.yaml", []byte(`
- rule: gh
  desc: d
  output: o
  priority: info
  source: github
  condition: github.repo = x
- rule: unknown ok
  desc: d
  output: o
  priority: info
  condition: evt.type = open and k8s.nosuch = x
  skip-if-unknown-filter: true
- rule: typo
  desc: d
  output: o
  priority: info
  condition: evt.type in (open, opn)
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 1 || !strings.Contains(warns[0].String(), `s.yaml:18:14: rule "typo": evt.type "opn" is not an event kind`) {
		t.Errorf("load warnings %v", warns)
	}
	en, cw, err := rs.Compile(newTestProvider())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range cw {
		got = append(got, w.String())
	}
	want := []string{
		`s.yaml:2:3: rule "gh": source "github" is not served; rule skipped`,
		`s.yaml:8:3: rule "unknown ok": rule skipped: unknown field: k8s.nosuch`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("compile warnings:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(en.Rules()) != 1 || en.Rules()[0].Name != "typo" {
		t.Errorf("engine rules %v", en.Rules())
	}
}

func TestLoadDirectory(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"10-base.yaml":  baseRule,
		"20-more.yml":   "- rule: r\n  condition: and proc.name = z\n  append: true\n",
		"notes.txt":     "ignored",
		"30-other.yaml": "- list: l\n  items: [a]\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	rs, _, err := rules.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r := rs.Rule("r"); r.Condition != "evt.type = open and proc.name = z" || r.Pos.File != filepath.Join(dir, "10-base.yaml") {
		t.Errorf("got %q at %v", r.Condition, r.Pos)
	}
	if _, _, err := rules.Load(filepath.Join(dir, "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
