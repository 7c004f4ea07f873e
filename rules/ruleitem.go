package rules

import (
	"slices"

	"go.yaml.in/yaml/v3"
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
	if prev != nil && l.sourceDiffers(it, prev) {
		l.errorf(it.f.pos(it.node), it.name, "rule has been re-defined with a different source (%s, was %s)", r.Source, prev.Source)
		return
	}
	switch {
	case mode == "append":
		// The deprecated append: true appends the condition and the exceptions; Falco
		// ignores every other key, enabled included.
		if prev == nil {
			l.errorf(it.f.pos(it.node), it.name, "rule has append: true but no rule by that name is defined before")
			return
		}
		for _, k := range []string{"condition", "exceptions"} {
			if it.has(k) {
				l.applyRuleKey(it, prev, r, k, true)
			}
		}
		for _, k := range ruleReplaceable {
			if it.has(k) && k != "condition" && k != "exceptions" {
				l.warnf(it.pos(k), it.name, "key %q is ignored with append: true (only condition and exceptions append)", k)
			}
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
	case !it.has("condition") && !it.has("output") && !it.has("desc") && !it.has("priority"):
		// The deprecated form that only toggles an existing rule.
		if !it.has("enabled") {
			l.errorf(it.f.pos(it.node), it.name, "missing key %q", "condition")
			return
		}
		l.warnf(it.pos("enabled"), it.name, "the standalone enabled key is deprecated: add enabled: replace under override")
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

// sourceDiffers reports whether a rule item names another source than the rule it redefines
// or updates. An item without source, or with an empty one, names none; a definition
// without source is a syscall rule.
func (l *loader) sourceDiffers(it *item, prev *Rule) bool {
	src := ""
	if n := it.keys["source"]; n != nil && n.Kind == yaml.ScalarNode {
		src = n.Value
	} else if it.has("condition") && it.has("output") && it.has("desc") && it.has("priority") && !it.has("append") && !it.has("override") {
		src = SyscallSource
	}
	return src != "" && prev.Source != "" && src != prev.Source
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
	if it.has("source") && !(it.keys["source"].Kind == yaml.ScalarNode && it.keys["source"].Tag == "!!null") {
		s, ok := l.scalar(it, "source")
		if ok && s != "" {
			r.Source = s
		}
		good = good && ok
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
