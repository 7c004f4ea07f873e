package rules

// Compile-time rewrites of and/or groups that keep results identical and save work per
// event: nested groups of the same kind flatten, and checks of one field under one operator
// merge so the field is extracted once (Falco's rules write `proc.name in (a) or proc.name in
// (b)` and `not fd.name startswith x and not fd.name startswith y` a lot). Checks have no side
// effects and a missing value makes every merged check false, so the order and grouping of
// evaluation do not change results.

// flatten returns the kids of an and (isAnd) or or group with nested groups of the same kind
// spliced in, except groups for which keep is true (shared subtrees evaluated once).
func flatten(kids []Node, isAnd bool, keep func(Node) bool) []Node {
	var out []Node
	for _, k := range kids {
		switch x := k.(type) {
		case *AndExpr:
			if isAnd && !keep(k) {
				out = append(out, flatten(x.Kids, true, keep)...)
				continue
			}
		case *OrExpr:
			if !isAnd && !keep(k) {
				out = append(out, flatten(x.Kids, false, keep)...)
				continue
			}
		}
		out = append(out, k)
	}
	return out
}

// mergeable returns the merge key of a check: same field text and operator class.
func mergeable(c *Check) (string, bool) {
	if c.Mod != "" || c.Value == nil || c.Value.Field != nil || c.Field.Name == "evt.type" || c.Field.Name == "evt.dir" {
		return "", false
	}
	switch c.Op {
	case "=", "==", "in", "intersects":
		return c.Field.String() + " in", true
	case "pmatch":
		return c.Field.String() + " pmatch", true
	case "contains", "icontains", "startswith", "endswith", "glob", "iglob", "bcontains", "bstartswith":
		return c.Field.String() + " " + c.Op, true
	}
	return "", false
}

// merged builds one check equivalent to the or of checks (which share a merge key).
func merged(checks []*Check) *Check {
	first := checks[0]
	m := &Check{Field: first.Field, Op: first.Op, Pos: first.Pos, Value: &Value{List: true}}
	switch first.Op {
	case "=", "==", "in", "intersects":
		m.Op = "in"
	case "pmatch":
	default:
		m.Mod = "anyof"
	}
	for _, c := range checks {
		m.Value.Items = append(m.Value.Items, c.Value.Items...)
	}
	return m
}

// mergeChecks merges, in an or group, checks sharing a field and operator, and in an and
// group, negated checks sharing them (not a and not b is not (a or b)). The merged check
// takes the place of the first of its group.
func mergeChecks(kids []Node, isAnd bool) []Node {
	groups := map[string][]*Check{}
	var order []string
	at := map[string]int{}
	out := make([]Node, 0, len(kids))
	for _, k := range kids {
		c, ok := k.(*Check)
		if isAnd {
			n, isNot := k.(*NotExpr)
			if isNot {
				c, ok = n.X.(*Check)
			} else {
				ok = false
			}
		}
		key := ""
		if ok {
			key, ok = mergeable(c)
		}
		if !ok {
			out = append(out, k)
			continue
		}
		if _, seen := groups[key]; !seen {
			order = append(order, key)
			at[key] = len(out)
			out = append(out, k)
		}
		groups[key] = append(groups[key], c)
	}
	for _, key := range order {
		g := groups[key]
		if len(g) < 2 {
			continue
		}
		var n Node = merged(g)
		if isAnd {
			n = &NotExpr{X: n, Pos: g[0].Pos}
		}
		out[at[key]] = n
	}
	return out
}
