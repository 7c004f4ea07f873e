package rules

import (
	"fmt"
	"slices"
	"strings"
)

// Selection enables or disables rules without editing files, as the entries of Falco's
// rules[].enable and rules[].disable configuration do. Pattern is "tag:T" for the rules
// tagged T, or a rule name in which '*', '?' and '[...]' match as in shell patterns.
type Selection struct {
	Enable  bool
	Pattern string
}

// String renders the selection as the command line flag that gives it.
func (s Selection) String() string {
	if s.Enable {
		return "--enable " + s.Pattern
	}
	return "--disable " + s.Pattern
}

// Matches reports whether the selection names r.
func (s Selection) Matches(r *Rule) bool {
	if tag, ok := strings.CutPrefix(s.Pattern, "tag:"); ok {
		return slices.Contains(r.Tags, tag)
	}
	return globMatch([]byte(s.Pattern), []byte(r.Name), false)
}

// Select applies the selections to the rule set in order, later ones winning, before
// Compile. A selection that matches no rule is an error (a typo would otherwise silently
// leave a rule running or off); the others are still applied.
func (rs *RuleSet) Select(sels []Selection) error {
	var bad []string
	for _, s := range sels {
		n := 0
		for _, r := range rs.Rules {
			if s.Matches(r) {
				r.Enabled = s.Enable
				n++
			}
		}
		if n == 0 {
			bad = append(bad, s.String())
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("no rule matches %s", strings.Join(bad, ", "))
	}
	return nil
}
