package rules

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// exceptionComps are the operators an exception may compare with.
var exceptionComps = map[string]bool{
	"=": true, "==": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true,
	"contains": true, "icontains": true, "bcontains": true, "startswith": true, "bstartswith": true,
	"endswith": true, "glob": true, "iglob": true, "regex": true, "in": true, "intersects": true, "pmatch": true,
}

// isModComp reports whether an exception comp is a string operator with a list modifier,
// such as "startswith oneof": the value is then a list.
func isModComp(cmp string) bool {
	op, mod, ok := strings.Cut(cmp, " ")
	if !ok || !modifiers[strings.TrimSpace(mod)] {
		return false
	}
	switch op {
	case "=", "==", "!=", "contains", "icontains", "bcontains", "startswith", "bstartswith", "endswith", "glob", "iglob", "regex":
		return true
	}
	return false
}

// exceptions decodes the item's exceptions key. Fields may be missing (an append to an
// exception of the same name); checkException validates a complete definition.
func (l *loader) exceptions(it *item) ([]Exception, bool) {
	n := it.keys["exceptions"]
	if n.Kind != yaml.SequenceNode {
		l.errorf(it.pos("exceptions"), it.name, "exceptions is not a list")
		return nil, false
	}
	var out []Exception
	good := true
	names := map[string]bool{}
	// An exception without fields updates one of the rule being appended to or overridden.
	updating := it.has("append") || it.has("override")
	for _, en := range n.Content {
		ex, ok := l.exception(it, en)
		if ok {
			if names[ex.Name] {
				l.warnf(ex.Pos, it.name, "multiple definitions of exception %q in the same rule", ex.Name)
			}
			names[ex.Name] = true
			if updating && len(ex.Values) == 0 {
				l.warnf(ex.Pos, it.name, "overriding/appending exception with no values: exception %q", ex.Name)
			}
			out = append(out, ex)
		}
		good = good && ok
	}
	return out, good
}

func (l *loader) exception(it *item, n *yaml.Node) (Exception, bool) {
	ex := Exception{Pos: it.f.pos(n)}
	if n.Kind != yaml.MappingNode {
		l.errorf(ex.Pos, it.name, "exception is not a map")
		return ex, false
	}
	keys := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		keys[k] = n.Content[i+1]
		switch k {
		case "name", "fields", "comps", "values":
		default:
			l.warnf(it.f.pos(n.Content[i]), it.name, "unknown exception key %q ignored", k)
		}
	}
	if v := keys["name"]; v == nil || v.Kind != yaml.ScalarNode || v.Value == "" {
		l.errorf(ex.Pos, it.name, "exception has no name")
		return ex, false
	}
	ex.Name = keys["name"].Value
	bad := func(node *yaml.Node, format string, args ...any) (Exception, bool) {
		l.errorf(it.f.pos(node), it.name, "exception %q: "+format, append([]any{ex.Name}, args...)...)
		return ex, false
	}
	if f := keys["fields"]; f != nil {
		switch f.Kind {
		case yaml.ScalarNode:
			ex.SingleField, ex.Fields = true, []string{f.Value}
		case yaml.SequenceNode:
			for _, c := range f.Content {
				if c.Kind != yaml.ScalarNode {
					return bad(c, "fields must be field names")
				}
				ex.Fields = append(ex.Fields, c.Value)
			}
		default:
			return bad(f, "fields must be a field or a list of fields")
		}
	}
	if c := keys["comps"]; c != nil {
		switch c.Kind {
		case yaml.ScalarNode:
			ex.Comps = []string{c.Value}
		case yaml.SequenceNode:
			for _, x := range c.Content {
				if x.Kind != yaml.ScalarNode {
					return bad(x, "comps must be operators")
				}
				ex.Comps = append(ex.Comps, x.Value)
			}
		default:
			return bad(c, "comps must be an operator or a list of operators")
		}
		for i, cmp := range ex.Comps {
			// Falco trims comps: "  startswith oneof  " is startswith oneof.
			cmp = strings.TrimSpace(cmp)
			ex.Comps[i] = cmp
			node := c
			if c.Kind == yaml.SequenceNode {
				node = c.Content[i]
			}
			if c.Kind == yaml.ScalarNode && keys["fields"] != nil && keys["fields"].Kind == yaml.ScalarNode {
				if !listOps[cmp] && !isModComp(cmp) {
					return bad(node, "when fields is one field, comps must be one of (in, pmatch, intersects) or a modifier operator (such as startswith oneof), not %q", cmp)
				}
				continue
			}
			if !exceptionComps[cmp] && !isModComp(cmp) {
				return bad(node, "%q is not a supported comparison operator", cmp)
			}
		}
	}
	if ex.Fields != nil {
		if ex.SingleField && keys["comps"] != nil && keys["comps"].Kind != yaml.ScalarNode {
			return bad(keys["comps"], "comps must be one operator when fields is one field")
		}
		if !ex.SingleField && keys["comps"] != nil && keys["comps"].Kind != yaml.SequenceNode {
			return bad(keys["comps"], "comps must be a list when fields is a list")
		}
		if ex.Comps == nil {
			def := "="
			if ex.SingleField {
				def = "in"
			}
			for range ex.Fields {
				ex.Comps = append(ex.Comps, def)
			}
		}
		if len(ex.Comps) != len(ex.Fields) {
			return bad(keys["comps"], "%d fields but %d comps", len(ex.Fields), len(ex.Comps))
		}
	} else if keys["comps"] != nil {
		return bad(keys["comps"], "comps without fields")
	}
	if v := keys["values"]; v != nil {
		if v.Kind != yaml.SequenceNode {
			return bad(v, "values must be a list")
		}
		for _, tuple := range v.Content {
			// Without fields (an append to an exception defined before) the form is
			// unknown: a scalar is a one-element tuple, and appendExceptions adapts it.
			vals, ok := exceptionTuple(tuple, ex.SingleField || (ex.Fields == nil && tuple.Kind == yaml.ScalarNode))
			if !ok {
				return bad(tuple, "value must be a list of scalars or lists of scalars")
			}
			if ex.Fields != nil && !ex.SingleField && len(vals) != len(ex.Fields) {
				return bad(tuple, "value has %d elements, fields has %d", len(vals), len(ex.Fields))
			}
			ex.Values = append(ex.Values, vals)
		}
	}
	return ex, true
}

func exceptionTuple(n *yaml.Node, single bool) ([]ExceptionValue, bool) {
	if single {
		// One item of the `in` list.
		if n.Kind != yaml.ScalarNode {
			return nil, false
		}
		return []ExceptionValue{{Items: []string{n.Value}}}, true
	}
	if n.Kind != yaml.SequenceNode {
		return nil, false
	}
	var out []ExceptionValue
	for _, c := range n.Content {
		if c.Kind == yaml.ScalarNode {
			out = append(out, ExceptionValue{Items: []string{c.Value}})
			continue
		}
		items, ok := scalarItems(c)
		if !ok {
			return nil, false
		}
		out = append(out, ExceptionValue{Items: items, List: true})
	}
	return out, true
}

func scalarItems(n *yaml.Node) ([]string, bool) {
	if n.Kind != yaml.SequenceNode {
		return nil, false
	}
	var out []string
	for _, c := range n.Content {
		if c.Kind != yaml.ScalarNode {
			return nil, false
		}
		out = append(out, c.Value)
	}
	return out, true
}

// appendExceptions adds exceptions to a rule: values of an exception with an existing name
// join that exception, others are added whole.
func (l *loader) appendExceptions(it *item, r *Rule, exs []Exception) {
	for _, ex := range exs {
		found := false
		for i := range r.Exceptions {
			old := &r.Exceptions[i]
			if old.Name != ex.Name {
				continue
			}
			found = true
			if ex.Fields != nil && (strings.Join(ex.Fields, ",") != strings.Join(old.Fields, ",") || ex.SingleField != old.SingleField) {
				l.errorf(ex.Pos, it.name, "exception %q: appended fields differ from the exception's fields", ex.Name)
				break
			}
			for _, v := range ex.Values {
				if old.SingleField && (len(v) != 1 || v[0].List) {
					l.errorf(ex.Pos, it.name, "exception %q: values of a one-field exception must be scalars", ex.Name)
					break
				}
				if !old.SingleField && len(v) != len(old.Fields) {
					l.errorf(ex.Pos, it.name, "exception %q: value has %d elements, fields has %d", ex.Name, len(v), len(old.Fields))
					break
				}
				old.Values = append(old.Values, v)
			}
		}
		if !found {
			r.Exceptions = append(r.Exceptions, ex)
		}
	}
}

// renderException renders one exception as Falco pastes it into the rule condition, or ""
// when it has no values. The spacing is Falco's, to the byte: `(field in (a, b))` for one
// field, `(( f1 = a and  f2 in (x)) or ( ...))` for a list of fields.
func renderException(ex Exception) string {
	if len(ex.Values) == 0 {
		return ""
	}
	var b strings.Builder
	if ex.SingleField {
		for i, v := range ex.Values {
			if i == 0 {
				b.WriteString("(" + ex.Fields[0] + " " + ex.Comps[0] + " (")
			} else {
				b.WriteString(", ")
			}
			b.WriteString(quoteItem(v[0].Items[0]))
		}
		b.WriteString("))")
		return b.String()
	}
	b.WriteString("(")
	for i, tuple := range ex.Values {
		if i > 0 {
			b.WriteString(" or ")
		}
		b.WriteString("(")
		for k, v := range tuple {
			if k > 0 {
				b.WriteString(" and ")
			}
			var val string
			if v.List {
				q := make([]string, len(v.Items))
				for j, it := range v.Items {
					q[j] = quoteItem(it)
				}
				val = "(" + strings.Join(q, ", ") + ")"
			} else if val = v.Items[0]; listOps[ex.Comps[k]] || isModComp(ex.Comps[k]) {
				if !strings.HasPrefix(val, "(") {
					val = "(" + val + ")"
				}
			} else {
				val = quoteItem(val)
			}
			b.WriteString(" " + ex.Fields[k] + " " + ex.Comps[k] + " " + val)
		}
		b.WriteString(")")
	}
	b.WriteString(")")
	return b.String()
}

// conditionWithExceptions returns the rule's condition with its exceptions, as Falco builds
// it: a rule with exceptions gets its condition in parentheses, then " and not " and each
// exception that has values.
func (l *loader) conditionWithExceptions(r *Rule) srcText {
	if len(r.Exceptions) == 0 {
		return r.cond
	}
	var t srcText
	t.add("(", fixedPos(r.cond.pos(0)))
	t.addText(r.cond)
	t.add(")", fixedPos(r.cond.pos(len(r.cond.s))))
	for _, ex := range r.Exceptions {
		if ex.Fields == nil {
			l.errorf(ex.Pos, itemName("rule", r.Name), "exception %q has no fields", ex.Name)
			continue
		}
		if s := renderException(ex); s != "" {
			t.add(" and not ", fixedPos(ex.Pos))
			t.add(s, fixedPos(ex.Pos))
		}
	}
	return t
}
