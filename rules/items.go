package rules

import (
	"regexp"
	"slices"

	"go.yaml.in/yaml/v3"
)

// Keys that override may name, per item kind (Falco's rule_loader_reader).
var (
	listAppendable  = []string{"items"}
	macroAppendable = []string{"condition"}
	ruleAppendable  = []string{"condition", "output", "desc", "tags", "exceptions"}
	ruleReplaceable = []string{"condition", "output", "desc", "tags", "exceptions", "priority", "enabled",
		"warn_evttypes", "skip-if-unknown-filter", "capture", "capture_duration"}
	ruleKeys = []string{"rule", "condition", "output", "desc", "priority", "enabled", "tags", "source",
		"exceptions", "warn_evttypes", "skip-if-unknown-filter", "capture", "capture_duration", "append", "override"}
)

// Names Falco expects: a list name is a bare word of the condition language, a macro name
// an identifier; others are warned about.
var (
	bareName  = regexp.MustCompile(`^[^()"'\s=,]+$`)
	identName = regexp.MustCompile(`^[a-zA-Z]+[a-zA-Z0-9_]*$`)
)

// overrides reads the item's append and override keys. It returns mode "" for a plain
// definition, "append" for legacy append: true, or "override" with the keys to append and to
// replace. ok is false after an error.
func (l *loader) overrides(it *item, appendable, replaceable []string) (mode string, app, repl map[string]bool, ok bool) {
	appendFlag := false
	if it.has("append") {
		v, ok := l.boolean(it, "append")
		if !ok {
			return "", nil, nil, false
		}
		appendFlag = v
	}
	n := it.keys["override"]
	if appendFlag {
		l.warnf(it.pos("append"), it.name, "the append key is deprecated: add an append entry (such as condition: append) under override")
	}
	if n == nil {
		if appendFlag {
			return "append", nil, nil, true
		}
		return "", nil, nil, true
	}
	if appendFlag {
		l.errorf(it.pos("override"), it.name, "keys override and append: true cannot be used together: add an append entry (such as condition: append) under override")
		return "", nil, nil, false
	}
	if n.Kind != yaml.MappingNode {
		l.errorf(it.pos("override"), it.name, "override is not a map")
		return "", nil, nil, false
	}
	app, repl = map[string]bool{}, map[string]bool{}
	good := true
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1].Value
		p := it.f.pos(n.Content[i])
		switch v {
		case "append":
			if !slices.Contains(appendable, k) {
				l.errorf(p, it.name, "key %q cannot be appended to", k)
				good = false
			}
			app[k] = true
		case "replace":
			if !slices.Contains(replaceable, k) {
				l.errorf(p, it.name, "key %q cannot be replaced", k)
				good = false
			}
			repl[k] = true
		default:
			l.errorf(p, it.name, "override of %q is %q, want append or replace", k, v)
			good = false
			repl[k] = true // named: no second error for it
			continue
		}
		if !it.has(k) {
			l.errorf(p, it.name, "key %q is overridden but not defined in the item", k)
			good = false
		}
	}
	for _, k := range replaceable {
		if it.has(k) && !app[k] && !repl[k] {
			l.errorf(it.pos(k), it.name, "key %q is defined but not named in override (append or replace)", k)
			good = false
		}
	}
	return "override", app, repl, good
}

func (l *loader) nextSeq() int {
	l.rs.seq++
	return l.rs.seq
}

func (l *loader) list(it *item) {
	name, ok := l.name(it, "list")
	if !ok {
		return
	}
	l.checkKeys(it, "list", "items", "append", "override")
	if !bareName.MatchString(name) {
		l.warnf(it.pos("list"), it.name, "list has an invalid name: list names should match %s", bareName)
	}
	mode, app, repl, ok := l.overrides(it, listAppendable, listAppendable)
	if !ok {
		return
	}
	var items []string
	if it.has("items") {
		if items, ok = l.stringList(it, "items"); !ok {
			return
		}
	}
	prev := l.rs.lists[name]
	if mode == "override" && !app["items"] && prev == nil {
		// Falco takes an override that only replaces as a definition when there is
		// nothing to replace yet.
		mode = ""
	}
	if mode != "" {
		if prev == nil {
			l.errorf(it.f.pos(it.node), it.name, "list has %s but no list by that name is defined before", modeKey(mode))
			return
		}
		if mode == "append" || app["items"] {
			prev.Items = append(prev.Items, items...)
		} else if repl["items"] {
			prev.Items = items
		}
		prev.vis = l.nextSeq()
		return
	}
	if !it.has("items") {
		l.errorf(it.f.pos(it.node), it.name, "missing key %q", "items")
		return
	}
	lst := &List{Name: name, Items: items, Pos: it.f.pos(it.node), vis: l.nextSeq()}
	if prev != nil {
		// A redefinition replaces the item but keeps its position.
		lst.index = prev.index
		*prev = *lst
		return
	}
	lst.index = lst.vis
	l.rs.Lists = append(l.rs.Lists, lst)
	l.rs.lists[name] = lst
}

func modeKey(mode string) string {
	if mode == "append" {
		return "append: true"
	}
	return "override"
}

func (l *loader) macro(it *item) {
	name, ok := l.name(it, "macro")
	if !ok {
		return
	}
	l.checkKeys(it, "macro", "condition", "append", "override")
	if !identName.MatchString(name) {
		l.warnf(it.pos("macro"), it.name, "macro has an invalid name: macro names should match %s", identName)
	}
	mode, app, repl, ok := l.overrides(it, macroAppendable, macroAppendable)
	if !ok {
		return
	}
	cond, hasCond := l.text(it, "condition")
	if it.has("condition") && !hasCond {
		return
	}
	prev := l.rs.macros[name]
	if mode == "override" && !app["condition"] && prev == nil {
		mode = "" // as for lists: a replace with nothing to replace defines
	}
	if mode != "" {
		if prev == nil {
			l.errorf(it.f.pos(it.node), it.name, "macro has %s but no macro by that name is defined before", modeKey(mode))
			return
		}
		if mode == "append" || app["condition"] {
			appendText(&prev.cond, cond)
		} else if repl["condition"] {
			prev.cond = cond
		}
		prev.Condition = prev.cond.s
		prev.vis = l.nextSeq()
		return
	}
	if !hasCond {
		l.errorf(it.f.pos(it.node), it.name, "missing key %q", "condition")
		return
	}
	m := &Macro{Name: name, Condition: cond.s, cond: cond, Pos: it.f.pos(it.node), vis: l.nextSeq()}
	if prev != nil {
		m.index = prev.index
		*prev = *m
		return
	}
	m.index = m.vis
	l.rs.Macros = append(l.rs.Macros, m)
	l.rs.macros[name] = m
}

// appendText appends u to t with one space between, as Falco appends conditions and outputs.
func appendText(t *srcText, u srcText) {
	t.add(" ", fixedPos(u.pos(0)))
	t.addText(u)
}
