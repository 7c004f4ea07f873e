package rules_test

import (
	"strings"
	"testing"

	"saker/rules"
)

func TestSelect(t *testing.T) {
	yaml := `
- rule: Container Drift Detected (open+create)
  desc: d
  output: o
  priority: error
  enabled: false
  tags: [container, mitre_execution]
  condition: evt.type = open
- rule: Read sensitive file
  desc: d
  output: o
  priority: warning
  tags: [filesystem]
  condition: evt.type = open
- rule: Read shell config
  desc: d
  output: o
  priority: warning
  tags: [filesystem, mitre_execution]
  condition: evt.type = open
`
	enabled := func(rs *rules.RuleSet) string {
		var on []string
		for _, r := range rs.Rules {
			if r.Enabled {
				on = append(on, r.Name)
			}
		}
		return strings.Join(on, "|")
	}
	tests := []struct {
		name string
		sels []rules.Selection
		want string
		err  string
	}{
		{"none", nil, "Read sensitive file|Read shell config", ""},
		{"by name", []rules.Selection{{Enable: true, Pattern: "Container Drift Detected (open+create)"}},
			"Container Drift Detected (open+create)|Read sensitive file|Read shell config", ""},
		{"by tag", []rules.Selection{{Pattern: "tag:filesystem"}}, "", ""},
		{"glob then tag, in order", []rules.Selection{{Pattern: "*"}, {Enable: true, Pattern: "tag:mitre_execution"}},
			"Container Drift Detected (open+create)|Read shell config", ""},
		{"order matters", []rules.Selection{{Enable: true, Pattern: "tag:mitre_execution"}, {Pattern: "Read s*"}},
			"Container Drift Detected (open+create)", ""},
		{"typo", []rules.Selection{{Pattern: "Read sensitive files"}, {Pattern: "tag:nosuch"}},
			"Read sensitive file|Read shell config", "no rule matches --disable Read sensitive files, --disable tag:nosuch"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs, _, err := rules.LoadBytes("s.yaml", []byte(yaml))
			if err != nil {
				t.Fatal(err)
			}
			err = rs.Select(tc.sels)
			if got := enabled(rs); got != tc.want {
				t.Errorf("enabled %q, want %q", got, tc.want)
			}
			if (err == nil) != (tc.err == "") || err != nil && err.Error() != tc.err {
				t.Errorf("error %v, want %q", err, tc.err)
			}
			en, _, err := rs.Compile(newTestProvider())
			if err != nil {
				t.Fatal(err)
			}
			if n := len(strings.Split(tc.want, "|")); tc.want != "" && len(en.Rules()) != n || tc.want == "" && len(en.Rules()) != 0 {
				t.Errorf("engine runs %d rules, want %q", len(en.Rules()), tc.want)
			}
		})
	}
}
