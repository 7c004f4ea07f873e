package rules_test

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"saker/rules"
)

// upstreamDir holds Falco's rules files, copied byte for byte from falcosecurity/rules (see
// PROVENANCE.md there).
const upstreamDir = "../../shared/corpus/falco-rules" // shared/ lies beside the checkout

var upstreamFiles = []struct {
	file                           string
	rules, macros, lists, disabled int
}{
	{"falco_rules.yaml", 25, 87, 49, 0},
	{"falco-incubating_rules.yaml", 31, 82, 54, 0},
	{"falco-sandbox_rules.yaml", 37, 183, 60, 12},
}

// upstreamPath returns the path of an upstream file, skipping the test when the corpus is
// not on this machine.
func upstreamPath(t testing.TB, name string) string {
	p := filepath.Join(upstreamDir, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("upstream rules corpus: %v", err)
	}
	return p
}

func TestUpstreamFiles(t *testing.T) {
	for _, tc := range upstreamFiles {
		t.Run(tc.file, func(t *testing.T) {
			rs, warns, err := rules.Load(upstreamPath(t, tc.file))
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			for _, w := range warns {
				t.Logf("warning: %s", w)
			}
			disabled := 0
			for _, r := range rs.Rules {
				if !r.Enabled {
					disabled++
				}
			}
			if len(rs.Rules) != tc.rules || len(rs.Macros) != tc.macros || len(rs.Lists) != tc.lists || disabled != tc.disabled {
				t.Errorf("got rules %d macros %d lists %d disabled %d, want %d %d %d %d",
					len(rs.Rules), len(rs.Macros), len(rs.Lists), disabled, tc.rules, tc.macros, tc.lists, tc.disabled)
			}
			en, cwarns, err := rs.Compile(newTestProvider())
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			for _, w := range cwarns {
				t.Errorf("compile warning: %s", w)
			}
			if got := len(en.Rules()); got != tc.rules-tc.disabled {
				t.Errorf("engine has %d rules, want %d", got, tc.rules-tc.disabled)
			}
			for _, r := range rs.Rules {
				if r.Kinds.IsAll() || r.Kinds.Len() == 0 {
					t.Errorf("rule %q matches kinds %v", r.Name, r.Kinds.Names())
				}
			}
		})
	}
}

func TestUpstreamTogether(t *testing.T) {
	var paths []string
	for _, tc := range upstreamFiles {
		paths = append(paths, upstreamPath(t, tc.file))
	}
	rs, _, err := rules.Load(paths...)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if _, _, err := rs.Compile(newTestProvider()); err != nil {
		t.Fatalf("compile: %v", err)
	}
	// Files redefine items of earlier files (the incubating and sandbox files repeat lists
	// and macros of the stable one); names are unique in the result.
	seen := map[string]bool{}
	for _, r := range rs.Rules {
		if seen[r.Name] {
			t.Errorf("rule %q twice", r.Name)
		}
		seen[r.Name] = true
	}
}

// TestProviderKnowsFields checks that the test FieldProvider serves every field FIELDS.md
// lists, and rejects unknown ones with ErrUnknownField.
func TestProviderKnowsFields(t *testing.T) {
	data, err := os.ReadFile(upstreamPath(t, "FIELDS.md"))
	if err != nil {
		t.Skip(err)
	}
	p := newTestProvider()
	n := 0
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z0-9_.]+)` \\|").FindAllStringSubmatch(string(data), -1) {
		name, arg := m[1], ""
		if name == "container.mount.dest" {
			arg = "/var/run/docker.sock"
		}
		if name == "evt.type" || name == "evt.args" {
			continue // served by the engine
		}
		if _, err := p.Field("syscall", name, arg); err != nil {
			t.Errorf("field %s: %v", name, err)
		}
		n++
	}
	if n < 85 {
		t.Errorf("only %d fields found in FIELDS.md", n)
	}
	if _, err := p.Field("syscall", "proc.nosuch", ""); !errors.Is(err, rules.ErrUnknownField) {
		t.Errorf("unknown field: %v", err)
	}
}
