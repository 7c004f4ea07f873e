package analyze

import (
	"fmt"
	"strings"

	"saker/event"
	"saker/rules"
)

// BlindRules names the enabled syscall rules of rs that could not see all of their events in a
// capture that did not record the syscalls notRecorded (event kind names, from the manifest's
// events.not_recorded; profile names the capture profile): one line per rule, saying which of
// its event types were not recorded and whether it saw none of them. Rules that match any
// event type are not named: they saw whatever was recorded.
func BlindRules(rs *rules.RuleSet, profile string, notRecorded []string) []string {
	if rs == nil || len(notRecorded) == 0 {
		return nil
	}
	var missing rules.KindSet
	for _, n := range notRecorded {
		if k, ok := event.KindByName(n); ok {
			missing.Add(k)
		}
	}
	if missing.Len() == 0 {
		return nil
	}
	var out []string
	for _, r := range rs.Rules {
		if !r.Enabled || (r.Source != "" && r.Source != "syscall") || r.Kinds.IsAll() || r.Kinds.Len() == 0 {
			continue
		}
		var lost []string
		seen := 0
		for _, k := range r.Kinds.Kinds() {
			if missing.Has(k) {
				lost = append(lost, k.String())
			} else if k.IsSyscall() {
				seen++
			}
		}
		if len(lost) == 0 {
			continue
		}
		what := "saw only part of its events"
		if seen == 0 {
			what = "could not see its events"
		}
		out = append(out, fmt.Sprintf("rule %q %s: %s not recorded (capture profile %s)",
			r.Name, what, strings.Join(lost, ", "), profile))
	}
	return out
}
