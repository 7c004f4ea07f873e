package analyze

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// upstreamDir holds Falco's rules files and the list of the fields they use (FIELDS.md).
const upstreamDir = "../../shared/corpus/falco-rules" // shared/ lies beside the checkout

// TestUpstreamFields binds every field Falco's rules files use, as FIELDS.md lists them.
func TestUpstreamFields(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(upstreamDir, "FIELDS.md"))
	if err != nil {
		t.Skipf("upstream corpus: %v", err)
	}
	p := NewProvider(NewState(nil, nil, Hooks{}))
	rows := regexp.MustCompile("(?m)^\\| `([a-z0-9_.]+)` \\| [0-9]+ \\|$").FindAllSubmatch(doc, -1)
	if len(rows) < 80 {
		t.Fatalf("only %d fields in FIELDS.md", len(rows))
	}
	for _, r := range rows {
		name, arg := string(r[1]), ""
		if name == "container.mount.dest" {
			arg = "/var/run/docker.sock"
		}
		if _, err := p.Field(SourceSyscall, name, arg); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestUpstreamRulesCompile compiles Falco's own rules files against saker's fields.
func TestUpstreamRulesCompile(t *testing.T) {
	for _, f := range []string{"falco_rules.yaml", "falco-incubating_rules.yaml", "falco-sandbox_rules.yaml"} {
		path := filepath.Join(upstreamDir, f)
		if _, err := os.Stat(path); err != nil {
			t.Skipf("upstream corpus: %v", err)
		}
		rs, _, err := LoadRules(true, path)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		en, warns, err := rs.Compile(NewProvider(NewState(nil, nil, Hooks{})))
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		for _, w := range warns {
			t.Errorf("%s: %v", f, w)
		}
		if len(en.Rules()) == 0 {
			t.Errorf("%s: no enabled rules", f)
		}
	}
}
