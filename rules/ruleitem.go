package rules

import (
	"slices"
	"strconv"
	"strings"
)

// rule collects a rule item: a definition, a legacy append, an override or an enabled toggle.
func (l *loader) rule(it *item) {
	name, ok := l.name(it, "rule")
	if !ok {
		return
	}
	l.checkKeys(it, ruleKeys...)
	mode, app, repl, ok := l.overrides(it, ruleAppendable, ruleReplaceable)
	if !ok {
		return
	}
	r, ok := l.ruleFields(it)
	if !ok {
		return
	}
	prev := l.rs.rules[name]
	switch {
	case mode == "append":
		if prev == nil {
			l.errorf(it.f.pos(it.node), it.name, "rule has append: true but no rule by that name is defined before")
			return
		}
		appended := false
		for _, k := range ruleAppendable {
			if it.has(k) {
				l.applyRuleKey(it, prev, r, k, true)
				appended = true
			}
		}
		for _, k := range ruleReplaceable {
			if it.has(k) && !slices.Contains(ruleAppendable, k) {
				if k != "enabled" {
					l.errorf(it.pos(k), it.name, "key %q cannot be used with append: true", k)
					return
				}
				l.applyRuleKey(it, prev, r, k, false)
			}
		}
		if !appended {
			l.errorf(it.f.pos(it.node), it.name, "appended rule must have a condition, output, desc, tags or exceptions")
			return
		}
		prev.vis = l.nextSeq()
	case mode == "override":
		if prev == nil {
			l.errorf(it.f.pos(it.node), it.name, "rule has override but no rule by that name is defined before")
			return
		}
		// Falco applies appends before replaces.
		for _, k := range ruleReplaceable {
			if app[k] {
				l.applyRuleKey(it, prev, r, k, true)
			}
		}
		for _, k := range ruleReplaceable {
			if repl[k] {
				l.applyRuleKey(it, prev, r, k, false)
			}
		}
		prev.vis = l.nextSeq()
	case it.has("enabled") && len(it.keys) == 2:
		// The deprecated form that only toggles an existing rule.
		if prev == nil {
			l.errorf(it.f.pos(it.node), it.name, "rule has only an enabled key but no rule by that name is defined before")
			return
		}
		prev.Enabled = r.Enabled
	default:
		for _, k := range []string{"condition", "output", "desc", "priority"} {
			if !it.has(k) {
				l.errorf(it.f.pos(it.node), it.name, "missing key %q", k)
				return
			}
		}
		r.vis = l.nextSeq()
		if prev != nil {
			r.index = prev.index
			*prev = *r
			return
		}
		r.index = r.vis
		l.rs.Rules = append(l.rs.Rules, r)
		l.rs.rules[name] = r
	}
}

// ruleFields decodes every key the item has into a Rule with Falco's defaults.
func (l *loader) ruleFields(it *item) (*Rule, bool) {
	r := &Rule{Name: it.keys["rule"].Value, Source: SyscallSource, Enabled: true, WarnEvttypes: true,
		Pos: it.f.pos(it.node), Tags: []string{}}
	good := true
	if it.has("condition") {
		t, ok := l.text(it, "condition")
		r.cond, good = t, good && ok
		r.Condition = t.s
	}
	if it.has("output") {
		t, ok := l.text(it, "output")
		// Falco trims outputs; a folded scalar would otherwise end every alert in a newline.
		r.Output, r.outputAt, good = strings.TrimSpace(t.s), t.pos, good && ok
	}
	if it.has("desc") {
		s, ok := l.scalar(it, "desc")
		r.Desc, good = s, good && ok
	}
	if it.has("priority") {
		s, ok := l.scalar(it, "priority")
		if ok {
			p, err := ParsePriority(s)
			if err != nil {
				l.errorf(it.pos("priority"), it.name, "%v", err)
				ok = false
			}
			r.Priority = p
		}
		good = good && ok
	}
	if it.has("source") {
		s, ok := l.scalar(it, "source")
		r.Source, good = s, good && ok
	}
	if it.has("tags") {
		t, ok := l.stringList(it, "tags")
		r.Tags, good = t, good && ok
	}
	for _, b := range []struct {
		key string
		dst *bool
	}{{"enabled", &r.Enabled}, {"warn_evttypes", &r.WarnEvttypes}, {"skip-if-unknown-filter", &r.SkipIfUnknownFilter}, {"capture", &r.Capture}} {
		if it.has(b.key) {
			v, ok := l.boolean(it, b.key)
			*b.dst, good = v, good && ok
		}
	}
	if it.has("capture_duration") {
		s, ok := l.scalar(it, "capture_duration")
		if ok {
			n, err := strconv.Atoi(s)
			if err != nil {
				l.errorf(it.pos("capture_duration"), it.name, "capture_duration is not an integer: %q", s)
				ok = false
			}
			r.CaptureDuration = n
		}
		good = good && ok
	}
	if it.has("exceptions") {
		ex, ok := l.exceptions(it)
		r.Exceptions, good = ex, good && ok
	}
	return r, good
}

// applyRuleKey appends or replaces one key of prev with the value decoded into r.
func (l *loader) applyRuleKey(it *item, prev, r *Rule, k string, appendIt bool) {
	switch k {
	case "condition":
		if appendIt {
			appendText(&prev.cond, r.cond)
		} else {
			prev.cond = r.cond
		}
		prev.Condition = prev.cond.s
	case "output":
		if appendIt {
			prev.Output += " " + r.Output
		} else {
			prev.Output, prev.outputAt = r.Output, r.outputAt
		}
	case "desc":
		if appendIt {
			prev.Desc += " " + r.Desc
		} else {
			prev.Desc = r.Desc
		}
	case "tags":
		if appendIt {
			for _, t := range r.Tags {
				if !slices.Contains(prev.Tags, t) {
					prev.Tags = append(prev.Tags, t)
				}
			}
		} else {
			prev.Tags = r.Tags
		}
	case "exceptions":
		if appendIt {
			l.appendExceptions(it, prev, r.Exceptions)
		} else {
			prev.Exceptions = r.Exceptions
		}
	case "priority":
		prev.Priority = r.Priority
	case "enabled":
		prev.Enabled = r.Enabled
	case "warn_evttypes":
		prev.WarnEvttypes = r.WarnEvttypes
	case "skip-if-unknown-filter":
		prev.SkipIfUnknownFilter = r.SkipIfUnknownFilter
	case "capture":
		prev.Capture = r.Capture
	case "capture_duration":
		prev.CaptureDuration = r.CaptureDuration
	}
}
