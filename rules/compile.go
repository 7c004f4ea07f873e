package rules

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"saker/event"
)

// evalFn evaluates a compiled condition on an event.
type evalFn func(*event.Event) bool

// compiled is a compiled node: a function, or a constant when the engine knows the result at
// compile time (evt.dir, evt.type checks implied by the rule's kind index).
type compiled struct {
	fn    evalFn
	konst int8 // 0: use fn; 1: always true; -1: always false
}

var (
	alwaysTrue  = compiled{konst: 1}
	alwaysFalse = compiled{konst: -1}
)

func constOf(b bool) compiled {
	if b {
		return alwaysTrue
	}
	return alwaysFalse
}

func (c compiled) eval() evalFn {
	switch c.konst {
	case 1:
		return func(*event.Event) bool { return true }
	case -1:
		return func(*event.Event) bool { return false }
	}
	return c.fn
}

// compiler binds one rule's tree to fields.
type compiler struct {
	p      FieldProvider // nil at load time, when only engine fields are known
	source string
	kinds  KindSet // the rule's kinds, for folding evt.type checks
	fold   bool
	cache  *fieldCache  // nil: no caching
	memo   *subtreeMemo // nil: no sharing of subtrees
	errs   []checkError
	warns  []checkError // values that look like fields or transformers
}

type checkError struct {
	pos Pos
	err error
}

// node compiles n, recording errors and carrying on so that every error of a rule shows.
func (c *compiler) node(n Node) compiled {
	if c.memo == nil || !c.memo.shared[n] {
		return c.compileNode(n)
	}
	key := memoKey{n, c.source, c.kinds}
	if m, ok := c.memo.done[key]; ok {
		c.errs = append(c.errs, m.errs...)
		return m.res
	}
	before := len(c.errs)
	res := c.memo.remember(c.compileNode(n))
	c.memo.done[key] = memoEntry{res: res, errs: append([]checkError(nil), c.errs[before:]...)}
	return res
}

func (c *compiler) isShared(n Node) bool { return c.memo != nil && c.memo.shared[n] }

func (c *compiler) compileNode(n Node) compiled {
	switch x := n.(type) {
	case *AndExpr:
		return c.junction(x.Kids, true)
	case *OrExpr:
		return c.junction(x.Kids, false)
	case *NotExpr:
		k := c.node(x.X)
		if k.konst != 0 {
			return constOf(k.konst < 0)
		}
		f := k.fn
		return compiled{fn: func(e *event.Event) bool { return !f(e) }}
	case *Check:
		if x.Field.Name == "evt.type" && c.fold && len(x.Field.Transformers) == 0 && (x.Value == nil || x.Value.Field == nil) {
			set, err := evtTypeKinds(x)
			if err != nil {
				c.errs = append(c.errs, checkError{x.Pos, err})
				return alwaysFalse
			}
			switch {
			case c.kinds.subsetOf(set):
				return alwaysTrue
			case c.kinds.and(set) == KindSet{}:
				return alwaysFalse
			}
			return compiled{fn: func(e *event.Event) bool { return set.Has(e.Kind) }}
		}
		r, err := c.checkCompiled(x)
		if err != nil {
			if !isBindError(err) {
				err = fmt.Errorf("%s %s: %w", x.Field.String(), x.Op, err)
			}
			c.errs = append(c.errs, checkError{x.Pos, err})
			return alwaysFalse
		}
		c.valueWarnings(x)
		return r
	case *MacroRef:
		c.errs = append(c.errs, checkError{x.Pos, fmt.Errorf("unresolved macro %q", x.Name)})
		return alwaysFalse
	}
	c.errs = append(c.errs, checkError{n.Position(), fmt.Errorf("unexpected node %T", n)})
	return alwaysFalse
}

var (
	fieldLike       = regexp.MustCompile(`^([a-zA-Z][a-zA-Z0-9_]*(?:\.[a-zA-Z][a-zA-Z0-9_]*)+)(?:\[(.*)\])?$`)
	transformerLike = regexp.MustCompile(`^(val|tolower|toupper|b64|basename|len|join|concat|getopt)\(.*\)$`)
)

// valueWarnings warns, as libsinsp does, about right-side texts that name a field the
// provider knows or look like a transformer call: written as values they compare with that
// text, which is rarely what was meant (val(field) compares with the field). Blanks are
// ignored in the comparison.
func (c *compiler) valueWarnings(x *Check) {
	if c.p == nil || x.Value == nil || x.Value.Field != nil {
		return
	}
	for _, it := range x.Value.Items {
		ns := strings.Join(strings.Fields(it), "")
		if m := fieldLike.FindStringSubmatch(ns); m != nil {
			if _, err := c.p.Field(c.source, m[1], m[2]); err == nil {
				c.warns = append(c.warns, checkError{x.Pos, fmt.Errorf("%q may be a valid field misused as a const string value", it)})
			}
		}
		if transformerLike.MatchString(ns) {
			c.warns = append(c.warns, checkError{x.Pos, fmt.Errorf("%q may be a valid field transformer misused as a const string value", it)})
		}
	}
}

// junction compiles an and (isAnd) or an or, dropping constant kids.
func (c *compiler) junction(kids []Node, isAnd bool) compiled {
	kids = mergeChecks(flatten(kids, isAnd, c.isShared), isAnd)
	var fns []evalFn
	decided := false
	for _, k := range kids {
		// After a deciding constant the rest still compiles, for its errors.
		r := c.node(k)
		switch {
		case decided:
		case r.konst == 0:
			fns = append(fns, r.fn)
		case (r.konst < 0) == isAnd:
			// false in an and, true in an or decides the whole junction.
			decided = true
		}
	}
	if decided {
		return constOf(!isAnd)
	}
	switch len(fns) {
	case 0:
		return constOf(isAnd)
	case 1:
		return compiled{fn: fns[0]}
	case 2:
		a, b := fns[0], fns[1]
		if isAnd {
			return compiled{fn: func(e *event.Event) bool { return a(e) && b(e) }}
		}
		return compiled{fn: func(e *event.Event) bool { return a(e) || b(e) }}
	}
	if isAnd {
		return compiled{fn: func(e *event.Event) bool {
			for _, f := range fns {
				if !f(e) {
					return false
				}
			}
			return true
		}}
	}
	return compiled{fn: func(e *event.Event) bool {
		for _, f := range fns {
			if f(e) {
				return true
			}
		}
		return false
	}}
}

// check compiles one check into a function (used at load time for evt.type).
func (c *compiler) check(ch *Check) (evalFn, error) {
	r, err := c.checkCompiled(ch)
	if err != nil {
		return nil, err
	}
	return r.eval(), nil
}

func (c *compiler) checkCompiled(ch *Check) (compiled, error) {
	lhs, err := c.operand(ch.Field)
	if err != nil {
		return compiled{}, err
	}
	if ch.Op == "exists" {
		return existsCheck(lhs), nil
	}
	if ch.Value.Field != nil {
		rhs, err := c.operand(*ch.Value.Field)
		if err != nil {
			return compiled{}, err
		}
		return fieldCheck(ch.Op, lhs, rhs)
	}
	items := ch.Value.Items
	if lhs.isConst {
		pred, err := strPred(ch.Op, ch.Mod, items)
		if err != nil {
			return compiled{}, err
		}
		return constOf(pred(lhs.constStr)), nil
	}
	numOp := isNumOp(ch.Op) && (ch.Mod == "" || isEqOp(ch.Op))
	switch {
	case lhs.typ == FieldStrings && ch.Mod != "":
		return listModCheck(ch.Op, ch.Mod, items, lhs.list)
	case isNumeric(lhs.typ) && numOp && ch.Mod != "":
		return modCheck(ch.Mod, items, lhs.num, func(it string) (func(int64) bool, error) {
			return numPred(ch.Op, []string{it}, lhs.typ)
		})
	case lhs.typ == FieldIP && ch.Mod != "" && isEqOp(ch.Op):
		return modCheck(ch.Mod, items, lhs.ip, func(it string) (func(netip.Addr) bool, error) {
			return ipPred(ch.Op, []string{it})
		})
	case lhs.typ == FieldString || lhs.typ == FieldBytes:
		if fn := strCheckInline(ch.Op, ch.Mod, items, lhs.str); fn != nil {
			return compiled{fn: fn}, nil
		}
		pred, err := strPred(ch.Op, ch.Mod, items)
		if err != nil {
			return compiled{}, err
		}
		return predCheck(lhs.str, pred), nil
	case lhs.typ == FieldStrings:
		pred, err := strPred(ch.Op, ch.Mod, items)
		if err != nil {
			return compiled{}, err
		}
		get := lhs.list
		var buf [][]byte
		return compiled{fn: func(e *event.Event) bool {
			l, ok := get(e, buf[:0])
			buf = l[:0]
			if !ok {
				return false
			}
			for _, b := range l {
				if pred(b) {
					return true
				}
			}
			return false
		}}, nil
	case isNumeric(lhs.typ) && numOp:
		if fn, err := numCheckInline(ch.Op, items, lhs.typ, lhs.num); fn != nil || err != nil {
			return compiled{fn: fn}, err
		}
		pred, err := numPred(ch.Op, items, lhs.typ)
		if err != nil {
			return compiled{}, err
		}
		return predCheck(lhs.num, pred), nil
	case lhs.typ == FieldIP && ch.Mod == "" && isIPOp(ch.Op):
		pred, err := ipPred(ch.Op, items)
		if err != nil {
			return compiled{}, err
		}
		return predCheck(lhs.ip, pred), nil
	}
	// A string operator on a number or address compares its text.
	pred, err := strPred(ch.Op, ch.Mod, items)
	if err != nil {
		return compiled{}, err
	}
	str := lhs.stringer()
	var buf []byte
	return compiled{fn: func(e *event.Event) bool {
		b, ok := str(e, buf[:0])
		buf = b[:0]
		return ok && pred(b)
	}}, nil
}

// isBindError reports whether err comes from the FieldProvider, whose errors name the field.
func isBindError(err error) bool {
	return errors.Is(err, ErrUnknownField) || errors.Is(err, ErrBadFieldArg) || errors.Is(err, ErrUnknownSource)
}

func isNumOp(op string) bool {
	switch op {
	case "=", "==", "!=", "<", "<=", ">", ">=", "in", "intersects":
		return true
	}
	return false
}

// isEqOp reports whether op is an equality or inequality, which modifiers turn into a
// comparison per item in the field's own type.
func isEqOp(op string) bool { return op == "=" || op == "==" || op == "!=" }

// listModCheck compiles a modified check on a list field: each item holds when some element
// satisfies op with it, and the modifier counts the items that hold.
func listModCheck(op, mod string, items []string, get func(*event.Event, [][]byte) ([][]byte, bool)) (compiled, error) {
	preds := make([]func([]byte) bool, len(items))
	for i, it := range items {
		p, err := strPred(op, "", []string{it})
		if err != nil {
			return compiled{}, err
		}
		preds[i] = p
	}
	var buf [][]byte
	return compiled{fn: func(e *event.Event) bool {
		l, ok := get(e, buf[:0])
		buf = l[:0]
		if !ok {
			return false
		}
		hits := 0
		for _, p := range preds {
			for _, b := range l {
				if p(b) {
					hits++
					break
				}
			}
		}
		return modCounts(mod, hits, len(preds))
	}}, nil
}

func isIPOp(op string) bool {
	switch op {
	case "=", "==", "!=", "in", "intersects":
		return true
	}
	return false
}

func existsCheck(o operand) compiled {
	switch {
	case o.isConst:
		return alwaysTrue
	case o.typ == FieldString || o.typ == FieldBytes:
		get := o.str
		return compiled{fn: func(e *event.Event) bool { _, ok := get(e); return ok }}
	case o.typ == FieldIP:
		get := o.ip
		return compiled{fn: func(e *event.Event) bool { _, ok := get(e); return ok }}
	case o.typ == FieldStrings:
		get := o.list
		var buf [][]byte
		return compiled{fn: func(e *event.Event) bool {
			l, ok := get(e, buf[:0])
			buf = l[:0]
			return ok
		}}
	}
	get := o.num
	return compiled{fn: func(e *event.Event) bool { _, ok := get(e); return ok }}
}

// fieldCheck compares two fields: numerically when both are numbers, as addresses when
// both are IPs, as text otherwise. A list on either side matches when any element does.
func fieldCheck(op string, lhs, rhs operand) (compiled, error) {
	if isNumeric(lhs.typ) && isNumeric(rhs.typ) && !lhs.isConst && !rhs.isConst {
		cmp, err := num2Pred(op, lhs.typ)
		if err != nil {
			return compiled{}, err
		}
		a, b := lhs.num, rhs.num
		return compiled{fn: func(e *event.Event) bool {
			x, ok := a(e)
			if !ok {
				return false
			}
			y, ok := b(e)
			return ok && cmp(x, y)
		}}, nil
	}
	if lhs.typ == FieldIP && rhs.typ == FieldIP && isIPOp(op) && op != "in" && op != "intersects" {
		a, b := lhs.ip, rhs.ip
		eq := op != "!="
		return compiled{fn: func(e *event.Event) bool {
			x, ok := a(e)
			if !ok {
				return false
			}
			y, ok := b(e)
			return ok && (x.Unmap() == y.Unmap()) == eq
		}}, nil
	}
	cmp, err := str2Pred(op)
	if err != nil {
		return compiled{}, err
	}
	as, bs := listOf(lhs), listOf(rhs)
	var abuf, bbuf [][]byte
	return compiled{fn: func(e *event.Event) bool {
		al, ok := as(e, abuf[:0])
		abuf = al[:0]
		if !ok {
			return false
		}
		bl, ok := bs(e, bbuf[:0])
		bbuf = bl[:0]
		if !ok {
			return false
		}
		for _, x := range al {
			for _, y := range bl {
				if cmp(x, y) {
					return true
				}
			}
		}
		return false
	}}, nil
}

// listOf views any operand as a list of texts.
func listOf(o operand) func(*event.Event, [][]byte) ([][]byte, bool) {
	if o.typ == FieldStrings && !o.isConst {
		return o.list
	}
	str := o.stringer()
	var buf []byte
	return func(e *event.Event, out [][]byte) ([][]byte, bool) {
		b, ok := str(e, buf[:0])
		if o.typ != FieldString && o.typ != FieldBytes {
			buf = b
		}
		if !ok {
			return out, false
		}
		return append(out, b), true
	}
}

// modCheck compiles a check with an oneof/anyof/allof modifier on a typed field: one
// predicate per list item, combined by the modifier, over the value get extracts.
func modCheck[T any](mod string, items []string, get func(*event.Event) (T, bool),
	pred func(item string) (func(T) bool, error)) (compiled, error) {
	preds := make([]func(T) bool, len(items))
	for i, it := range items {
		var err error
		if preds[i], err = pred(it); err != nil {
			return compiled{}, err
		}
	}
	return predCheck(get, modPred(mod, preds)), nil
}

// predCheck compiles a check of one extracted value: false when the field is missing.
func predCheck[T any](get func(*event.Event) (T, bool), pred func(T) bool) compiled {
	return compiled{fn: func(e *event.Event) bool {
		v, ok := get(e)
		return ok && pred(v)
	}}
}
