package github

import (
	"regexp"
	"testing"

	"saker/event"
)

func TestFields(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range Fields() {
		if seen[f.Name] {
			t.Errorf("field %s listed twice", f.Name)
		}
		seen[f.Name] = true
		i := event.KindGithub.ParamIndex(f.Param)
		if i < 0 {
			t.Errorf("%s: no parameter %s", f.Name, f.Param)
			continue
		}
		if pt := event.KindGithub.Params()[i].Type; pt.IsInt() != (f.Type == FieldUint) {
			t.Errorf("%s: field type %d does not suit parameter type %d", f.Name, f.Type, pt)
		}
	}
	// Falco's GitHub plugin names that rules written for it use.
	for _, n := range []string{"github.type", "github.action", "github.user", "github.repo", "github.org",
		"github.owner", "github.workflow.filename", "github.workflow.has_miners", "github.workflow.miners.type",
		"github.commit", "github.run.id"} {
		if !seen[n] {
			t.Errorf("no field %s", n)
		}
	}
	// A field of another kind's event is missing, not empty.
	f, _ := LookupField("github.type")
	e := event.Event{Kind: event.KindExecve}
	if _, ok := f.Str(&e); ok {
		t.Error("github.type present on an execve event")
	}
	if _, ok := LookupField("github.nope"); ok {
		t.Error("LookupField found github.nope")
	}
}

// TestDefaultRulesFields checks that rules.yaml names only fields this package provides.
func TestDefaultRulesFields(t *testing.T) {
	used := regexp.MustCompile(`github(?:\.[a-z_]+)+`).FindAllString(string(DefaultRules), -1)
	if len(used) == 0 {
		t.Fatal("rules.yaml uses no github fields")
	}
	for _, n := range used {
		if _, ok := LookupField(n); !ok {
			t.Errorf("rules.yaml uses unknown field %s", n)
		}
	}
	for _, want := range []string{"- rule: Github action with miners", "source: github", "priority: CRITICAL", "T1496"} {
		if !regexp.MustCompile(regexp.QuoteMeta(want)).Match(DefaultRules) {
			t.Errorf("rules.yaml lacks %q", want)
		}
	}
}
