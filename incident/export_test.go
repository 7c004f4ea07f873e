package incident

// HasRulePhase reports whether rule has a phase of its own in rulePhases.
func HasRulePhase(rule string) bool { _, ok := rulePhases[rule]; return ok }

// ObservedIndicators returns the indicators noted for a roll-up as "type value".
func ObservedIndicators(c *Collector, id uint64) []string {
	var out []string
	for _, o := range c.obs[id] {
		out = append(out, o.typ+" "+o.value)
	}
	return out
}

// SessionKind is sessionKind, for tests.
var SessionKind = sessionKind
