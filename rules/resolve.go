package rules

import (
	"errors"
	"regexp"
	"strings"

	"saker/event"
)

// resolve turns the collected items into trees: list items expand, conditions get their
// exceptions and lists as text, parse, and have their macros substituted.
func (l *loader) resolve() {
	rs := l.rs
	for _, lst := range rs.Lists {
		l.expandListItems(lst, nil)
	}
	for _, m := range rs.Macros {
		item := itemName("macro", m.Name)
		if exp, ok := l.expandLists(m.cond, item); ok {
			m.parsed = l.parse(exp, item)
			l.warnDeprecated(m.parsed, item)
		}
	}
	// As Falco does, macros resolve in definition order, each with its own visibility; a
	// macro defined later, not yet resolved, is pasted as written and its references resolve
	// with the visibility of the macro being resolved.
	for _, m := range rs.Macros {
		if m.parsed != nil {
			sz := &nodeCount{}
			m.AST = l.substitute(m.parsed, itemName("macro", m.Name), m, nil, sz)
			m.size = sz.n
			if sz.over {
				// Reported where a rule pastes the macro, naming the rule.
				m.AST, m.tooBig = nil, true
			}
		}
		m.resolved = true
	}
	for _, r := range rs.Rules {
		item := itemName("rule", r.Name)
		full := l.conditionWithExceptions(r)
		r.Condition = full.s
		exp, ok := l.expandLists(full, item)
		if !ok {
			continue
		}
		r.Expanded = exp.s
		n := l.parse(exp, item)
		if n == nil {
			continue
		}
		l.warnDeprecated(n, item)
		for _, m := range deprecatedInOutput.FindAllStringSubmatch(r.Output, -1) {
			l.warnf(r.Pos, item, "usage of deprecated field %q has been detected in the rule output: %s", m[1], deprecatedFields[m[1]])
		}
		sz := &nodeCount{}
		r.AST = l.substitute(n, item, nil, nil, sz)
		if sz.over {
			l.errorf(sz.at, item, "condition expands to more than %d nodes through macros", maxConditionNodes)
			r.AST = nil
		} else if r.AST != nil {
			// Pasted macros are shared, not copied, but every later pass walks each rule's
			// tree in full.
			if l.ruleNodes += sz.n; l.ruleNodes > maxRuleSetNodes {
				l.errorf(r.Pos, item, "rules expand to more than %d nodes in total through macros", maxRuleSetNodes)
				break
			}
		}
		if r.AST == nil {
			continue
		}
		k, err := kindsOf(r.AST)
		if err != nil {
			l.errorf(r.Pos, item, "%v", err)
			continue
		}
		r.Kinds = k
		l.warnUnknownKinds(r.AST, item)
		if r.WarnEvttypes && r.Enabled && r.Source == SyscallSource && k.IsAll() {
			l.warnf(r.Pos, item, "rule matches every event kind (no evt.type restriction); it runs on every event")
		}
	}
	for _, lst := range rs.Lists {
		if !lst.used {
			l.warnf(lst.Pos, itemName("list", lst.Name), "list is not used")
		}
	}
	for _, m := range rs.Macros {
		if !m.used {
			l.warnf(m.Pos, itemName("macro", m.Name), "macro is not used")
		}
	}
}

// deprecatedFields are the fields Falco deprecates, with the reason.
var deprecatedFields = map[string]string{
	"evt.dir":           "every event is an exit event now: evt.dir = < always holds and evt.dir = > never does; the check can be removed",
	"evt.latency":       "enter events are no longer captured",
	"evt.latency.s":     "enter events are no longer captured",
	"evt.latency.ns":    "enter events are no longer captured",
	"evt.latency.human": "enter events are no longer captured",
	"evt.wait_latency":  "enter events are no longer captured",
}

var deprecatedInOutput = regexp.MustCompile(`%(evt\.(?:dir|latency\.human|latency\.ns|latency\.s|latency|wait_latency))\b`)

// warnDeprecated warns once per condition about each deprecated field it uses (as written,
// before macros are pasted: a macro's use is reported at the macro).
func (l *loader) warnDeprecated(n Node, item string) {
	if n == nil {
		return
	}
	seen := map[string]bool{}
	walk(n, func(n Node) bool {
		c, ok := n.(*Check)
		if !ok {
			return true
		}
		names := []string{c.Field.Name}
		if c.Value != nil && c.Value.Field != nil {
			names = append(names, c.Value.Field.Name)
		}
		for _, f := range names {
			if why, dep := deprecatedFields[f]; dep && !seen[f] {
				seen[f] = true
				l.warnf(c.Pos, item, "field %s is deprecated: %s", f, why)
			}
		}
		return true
	})
}

// warnUnknownKinds warns about evt.type values that name no kind saker knows: such a check
// never matches, which is usually a typo or a syscall saker does not capture.
func (l *loader) warnUnknownKinds(n Node, item string) {
	walk(n, func(n Node) bool {
		c, ok := n.(*Check)
		if !ok || c.Field.Name != "evt.type" || c.Value == nil || c.Value.Field != nil {
			return true
		}
		switch c.Op {
		case "=", "==", "!=", "in", "intersects":
		default:
			return true
		}
		for _, it := range c.Value.Items {
			key := c.Pos.String() + "\x00" + it
			if _, known := event.KindByName(it); !known && !l.warned[key] {
				if l.warned == nil {
					l.warned = map[string]bool{}
				}
				l.warned[key] = true
				l.warnf(c.Pos, item, "evt.type %q is not an event kind saker knows; it never matches", it)
			}
		}
		return true
	})
}

// expandListItems pastes the items of earlier lists named among lst's items. A list that
// would hold more than maxListItems items, or whose items joined would exceed
// maxExpandedBytes, is an error; it and the lists naming it are left empty.
func (l *loader) expandListItems(lst *List, stack []*List) []string {
	if lst.expanded != nil {
		return lst.expanded
	}
	for _, s := range stack {
		if s == lst {
			return nil
		}
	}
	out := []string{}
	size := 0
	add := func(it string) bool {
		out = append(out, it)
		size += len(it) + 2 // with the ", " that joins it
		return len(out) <= maxListItems && size <= maxExpandedBytes
	}
	for _, it := range lst.Items {
		if ref := l.rs.lists[it]; ref != nil && ref != lst && ref.index < lst.vis {
			ref.used = true
			items := l.expandListItems(ref, append(stack, lst))
			if ref.tooBig {
				// Reported with ref.
				lst.tooBig, lst.expanded = true, []string{}
				return lst.expanded
			}
			for _, x := range items {
				if !add(x) {
					return l.listTooBig(lst, len(out))
				}
			}
			continue
		}
		if !add(quoteItem(it)) {
			return l.listTooBig(lst, len(out))
		}
	}
	lst.expanded = out
	return out
}

func (l *loader) listTooBig(lst *List, n int) []string {
	if n > maxListItems {
		l.errorf(lst.Pos, itemName("list", lst.Name), "list %s expands to more than %d items", lst.Name, maxListItems)
	} else {
		l.errorf(lst.Pos, itemName("list", lst.Name), "list %s expands to more than %d bytes", lst.Name, maxExpandedBytes)
	}
	lst.tooBig, lst.expanded = true, []string{}
	return lst.expanded
}

// expandLists expands the lists in t, reporting a text that grows too big; ok is false then.
func (l *loader) expandLists(t srcText, item string) (srcText, bool) {
	exp, over := l.rs.expandLists(t)
	if over != nil {
		l.errorf(t.pos(0), item, "condition expands to more than %d bytes through list %s",
			maxExpandedBytes, over.Name)
		return srcText{}, false
	}
	return exp, true
}

// maxConditionNodes bounds the nodes of a rule's condition once macros are pasted: macros
// pasting each other twice over grow exponentially with their nesting.
const maxConditionNodes = 1_000_000

// maxRuleSetNodes bounds the nodes of all rule conditions together, pasted macros counted in
// full: many small rules may each paste a macro just under maxConditionNodes.
const maxRuleSetNodes = 8 * maxConditionNodes

// maxResolveWork bounds the nodes substitute builds over a whole load. A macro pasting a
// macro defined after it pastes that macro's tree anew, so without it each of many such
// macros could cost maxConditionNodes.
const maxResolveWork = 4 * maxConditionNodes

// spend counts one node built by substitute; past maxResolveWork it reports the error once
// and returns false.
func (l *loader) spend(p Pos, item string) bool {
	l.work++
	if l.work <= maxResolveWork {
		return true
	}
	if l.work == maxResolveWork+1 {
		l.errorf(p, item, "conditions expand to more than %d nodes in total through macros", maxResolveWork)
	}
	return false
}

// nodeCount counts the nodes of a condition being resolved, pasted macros included. Once n
// passes maxConditionNodes, over is set, at is where, and substitution stops.
type nodeCount struct {
	n    int
	over bool
	at   Pos
}

// add counts k more nodes at p and reports whether the count is still within bounds.
func (c *nodeCount) add(k int, p Pos) bool {
	if c.over {
		return false
	}
	c.n += k
	if c.n > maxConditionNodes {
		c.over, c.at = true, p
		return false
	}
	return true
}

func (l *loader) parse(t srcText, item string) Node {
	n, err := parseCondition(t.s, t.pos)
	if err != nil {
		var se *SyntaxError
		if errors.As(err, &se) {
			l.errorf(t.pos(se.Off), item, "condition: %s", se.Msg)
		} else {
			l.errorf(t.pos(0), item, "condition: %v", err)
		}
		return nil
	}
	return n
}

// substitute replaces macro references in n. ctx is the macro being resolved (nil for a rule,
// which sees every macro) and stack the macros being pasted, for loops. A reference pastes
// the macro's resolved tree, or its parsed tree resolved in the same context when the macro
// comes later in definition order. It returns nil after reporting an error.
//
// sz counts the nodes of the result, each pasted macro counting its own; substitution stops,
// returning nil without reporting, once the count passes maxConditionNodes, so that the work
// stays bounded however the macros nest. The caller reports it.
func (l *loader) substitute(n Node, item string, ctx *Macro, stack []string, sz *nodeCount) Node {
	switch x := n.(type) {
	case *MacroRef:
		m := l.rs.macros[x.Name]
		if m == nil || (ctx != nil && m.index >= ctx.vis) {
			if m == nil && l.failed[itemName("macro", x.Name)] {
				return nil // its definition has errors, reported there
			}
			l.errorf(x.Pos, item, "undefined macro %q", x.Name)
			return nil
		}
		for _, s := range stack {
			if s == x.Name {
				l.errorf(x.Pos, item, "macro loop: %s", strings.Join(append(stack, x.Name), " -> "))
				return nil
			}
		}
		m.used = true
		if m.resolved {
			if m.tooBig {
				sz.add(maxConditionNodes+1, x.Pos)
				return nil
			}
			if m.AST == nil {
				return nil // m has errors, reported with m
			}
			if !sz.add(m.size, x.Pos) {
				return nil
			}
			return m.AST
		}
		if m.parsed == nil {
			return nil
		}
		return l.substitute(m.parsed, item, ctx, append(stack, x.Name), sz)
	}
	if !sz.add(1, n.Position()) || !l.spend(n.Position(), item) {
		return nil
	}
	switch x := n.(type) {
	case *AndExpr:
		kids := make([]Node, len(x.Kids))
		for i, k := range x.Kids {
			if kids[i] = l.substitute(k, item, ctx, stack, sz); kids[i] == nil {
				return nil
			}
		}
		return &AndExpr{Kids: kids, Pos: x.Pos}
	case *OrExpr:
		kids := make([]Node, len(x.Kids))
		for i, k := range x.Kids {
			if kids[i] = l.substitute(k, item, ctx, stack, sz); kids[i] == nil {
				return nil
			}
		}
		return &OrExpr{Kids: kids, Pos: x.Pos}
	case *NotExpr:
		k := l.substitute(x.X, item, ctx, stack, sz)
		if k == nil {
			return nil
		}
		return &NotExpr{X: k, Pos: x.Pos}
	}
	return n
}
