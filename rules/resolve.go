package rules

import (
	"errors"
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
		m.parsed = l.parse(rs.expandLists(m.cond), itemName("macro", m.Name))
	}
	// As Falco does, macros resolve in definition order, each with its own visibility; a
	// macro defined later, not yet resolved, is pasted as written and its references resolve
	// with the visibility of the macro being resolved.
	for _, m := range rs.Macros {
		if m.parsed != nil {
			m.AST = l.substitute(m.parsed, itemName("macro", m.Name), m, nil)
		}
		m.resolved = true
	}
	for _, r := range rs.Rules {
		item := itemName("rule", r.Name)
		full := l.conditionWithExceptions(r)
		r.Condition = full.s
		exp := rs.expandLists(full)
		r.Expanded = exp.s
		n := l.parse(exp, item)
		if n == nil {
			continue
		}
		r.AST = l.substitute(n, item, nil, nil)
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

// expandListItems pastes the items of earlier lists named among lst's items.
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
	for _, it := range lst.Items {
		if ref := l.rs.lists[it]; ref != nil && ref != lst && ref.index < lst.vis {
			ref.used = true
			out = append(out, l.expandListItems(ref, append(stack, lst))...)
			continue
		}
		out = append(out, quoteItem(it))
	}
	lst.expanded = out
	return out
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
func (l *loader) substitute(n Node, item string, ctx *Macro, stack []string) Node {
	switch x := n.(type) {
	case *MacroRef:
		m := l.rs.macros[x.Name]
		if m == nil || (ctx != nil && m.index >= ctx.vis) {
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
			return m.AST // nil when m has errors, reported with m
		}
		if m.parsed == nil {
			return nil
		}
		return l.substitute(m.parsed, item, ctx, append(stack, x.Name))
	case *AndExpr:
		kids := make([]Node, len(x.Kids))
		for i, k := range x.Kids {
			if kids[i] = l.substitute(k, item, ctx, stack); kids[i] == nil {
				return nil
			}
		}
		return &AndExpr{Kids: kids, Pos: x.Pos}
	case *OrExpr:
		kids := make([]Node, len(x.Kids))
		for i, k := range x.Kids {
			if kids[i] = l.substitute(k, item, ctx, stack); kids[i] == nil {
				return nil
			}
		}
		return &OrExpr{Kids: kids, Pos: x.Pos}
	case *NotExpr:
		k := l.substitute(x.X, item, ctx, stack)
		if k == nil {
			return nil
		}
		return &NotExpr{X: k, Pos: x.Pos}
	}
	return n
}
