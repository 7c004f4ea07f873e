package rules

import (
	"fmt"

	"saker/event"
)

// Multi-argument transformers, as libsinsp defines them:
//
//   - join(sep, list) joins the items of a list with a separator: one string;
//   - concat(a, b, ...) concatenates two or more strings;
//   - getopt(args, optstring) scans a command line as getopt(3) does: the option letters
//     and their values as a list, "?" for unknown options and "" for a missing value;
//     getopt(args, optstring)[o] is the value of the last -o (its letter when it takes no
//     value), missing when -o is absent.
//
// Arguments are fields, possibly transformed, quoted literals, numbers, or parenthesised lists
// of those: join("-", (fd.name, fd.directory)), getopt(("-n", "x"), "n:"). A list is the
// texts of its elements; a missing argument or element makes the result missing.

// callOperand compiles a call of a multi-argument transformer.
func (c *compiler) callOperand(f FieldRef) (operand, error) {
	args := make([]operand, len(f.Args))
	for i, a := range f.Args {
		op, err := c.callArg(a)
		if err != nil {
			return operand{}, err
		}
		args[i] = op
	}
	if f.HasArg && f.Name != "getopt" {
		return operand{}, fmt.Errorf("%s() takes no field argument", f.Name)
	}
	switch f.Name {
	case "join":
		if len(args) != 2 {
			return operand{}, fmt.Errorf("join() needs 2 arguments, a separator and a list")
		}
		if !isString(args[0]) {
			return operand{}, fmt.Errorf("join() separator must be a string")
		}
		if args[1].typ != FieldStrings {
			return operand{}, fmt.Errorf("join() second argument must be a list")
		}
		return joinOperand(args[0].str, args[1].list), nil
	case "concat":
		if len(args) < 2 {
			return operand{}, fmt.Errorf("concat() needs at least 2 arguments")
		}
		gets := make([]func(*event.Event) ([]byte, bool), len(args))
		for i, a := range args {
			if !isString(a) {
				return operand{}, fmt.Errorf("concat() arguments must be strings")
			}
			gets[i] = a.str
		}
		return concatOperand(gets), nil
	case "getopt":
		if len(args) != 2 {
			return operand{}, fmt.Errorf("getopt() needs 2 arguments, an argument list and an optstring")
		}
		if args[0].typ != FieldStrings {
			return operand{}, fmt.Errorf("getopt() first argument must be a list")
		}
		if !isString(args[1]) {
			return operand{}, fmt.Errorf("getopt() optstring must be a string")
		}
		if f.HasArg && len(f.Arg) != 1 {
			return operand{}, fmt.Errorf("getopt() selector must be one option character, not %q", f.Arg)
		}
		g := &getopt{args: args[0].list, optstr: args[1].str}
		if f.Args[1].Field == nil && !f.Args[1].IsList {
			g.info, g.constInfo = parseOptstring(f.Args[1].Lit), true
		}
		if f.HasArg {
			g.sel = f.Arg[0]
			return operand{typ: FieldString, str: g.selected}, nil
		}
		return operand{typ: FieldStrings, list: g.all}, nil
	}
	return operand{}, fmt.Errorf("unknown transformer %s", f.Name)
}

// callArg compiles one argument of a call: a literal is a constant string, a list a list of
// the texts of its elements.
func (c *compiler) callArg(a CallArg) (operand, error) {
	if a.IsList {
		elems := make([]func(*event.Event, []byte) ([]byte, bool), len(a.List))
		for i, x := range a.List {
			op, err := c.callArg(x)
			if err != nil {
				return operand{}, err
			}
			if op.typ == FieldStrings {
				return operand{}, fmt.Errorf("list elements must not be lists")
			}
			elems[i] = op.stringer()
		}
		return listLiteral(elems), nil
	}
	if a.Field == nil {
		lit := []byte(a.Lit)
		return operand{typ: FieldString, str: func(*event.Event) ([]byte, bool) { return lit, true }}, nil
	}
	op, err := c.operand(*a.Field)
	if err != nil {
		return operand{}, err
	}
	if op.isConst {
		v := op.constStr
		op = operand{typ: FieldString, str: func(*event.Event) ([]byte, bool) { return v, true }}
	}
	return op, nil
}

// listLiteral is a list argument: the texts of its elements, missing when one is missing.
func listLiteral(elems []func(*event.Event, []byte) ([]byte, bool)) operand {
	bufs := make([][]byte, len(elems))
	return operand{typ: FieldStrings, list: func(e *event.Event, out [][]byte) ([][]byte, bool) {
		for i, get := range elems {
			b, ok := get(e, bufs[i][:0])
			if !ok {
				return out, false
			}
			bufs[i] = b
			out = append(out, b)
		}
		return out, true
	}}
}

// isString reports whether o yields one string (text; not bytes, numbers or lists).
func isString(o operand) bool { return o.typ == FieldString }

func joinOperand(sep func(*event.Event) ([]byte, bool), list func(*event.Event, [][]byte) ([][]byte, bool)) operand {
	var buf []byte
	var items [][]byte
	return operand{typ: FieldString, str: func(e *event.Event) ([]byte, bool) {
		s, ok := sep(e)
		if !ok {
			return nil, false
		}
		l, ok := list(e, items[:0])
		items = l[:0]
		if !ok {
			return nil, false
		}
		buf = buf[:0]
		for i, it := range l {
			if i > 0 {
				buf = append(buf, s...)
			}
			buf = append(buf, it...)
		}
		return buf, true
	}}
}

func concatOperand(gets []func(*event.Event) ([]byte, bool)) operand {
	var buf []byte
	return operand{typ: FieldString, str: func(e *event.Event) ([]byte, bool) {
		buf = buf[:0]
		for _, get := range gets {
			b, ok := get(e)
			if !ok {
				return nil, false
			}
			buf = append(buf, b...)
		}
		return buf, true
	}}
}

// optInfo is a decoded getopt(3) optstring: which option letters exist and which take a
// value.
type optInfo struct {
	valid, withValue [256]bool
}

// parseOptstring decodes an optstring such as ":ab:c": a leading ':' only changes how
// getopt(3) reports errors, a ':' after a letter means the option takes a value.
func parseOptstring(s string) optInfo {
	var info optInfo
	i := 0
	if len(s) > 0 && s[0] == ':' {
		i = 1
	}
	for ; i < len(s); i++ {
		c := s[i]
		if c == ':' {
			continue
		}
		info.valid[c] = true
		if i+1 < len(s) && s[i+1] == ':' {
			info.withValue[c] = true
			i++
		}
	}
	return info
}

// getopt is a compiled getopt() call.
type getopt struct {
	args      func(*event.Event, [][]byte) ([][]byte, bool)
	optstr    func(*event.Event) ([]byte, bool)
	info      optInfo
	constInfo bool
	lastOpt   []byte // optstring info was decoded from, when not constant
	sel       byte
	in        [][]byte
	hits      []getoptHit
}

var getoptUnknown = []byte("?")

// load extracts the arguments and the optstring of e.
func (g *getopt) load(e *event.Event) ([][]byte, bool) {
	if !g.constInfo {
		s, ok := g.optstr(e)
		if !ok {
			return nil, false
		}
		if g.lastOpt == nil || string(s) != string(g.lastOpt) {
			g.lastOpt = append(g.lastOpt[:0:0], s...)
			g.info = parseOptstring(string(s))
		}
	}
	l, ok := g.args(e, g.in[:0])
	g.in = l[:0]
	return l, ok
}

// getoptHit is one option getopt found: its letter ("?" when unknown), and its value when
// it takes one (has), missing when no argument was left for it.
type getoptHit struct {
	opt, value          []byte
	known, has, missing bool
}

// scan walks args as getopt(3) does and records in g.hits each option found. Scanning stops
// at "--" or the first argument that is not an option; long options are skipped.
func (g *getopt) scan(args [][]byte) {
	g.hits = g.hits[:0]
	for i := 0; i < len(args); i++ {
		a := args[i]
		if string(a) == "--" {
			return
		}
		if len(a) > 2 && a[0] == '-' && a[1] == '-' {
			continue
		}
		if len(a) < 2 || a[0] != '-' {
			return
		}
		for j := 1; j < len(a); j++ {
			c := a[j]
			if c == ':' || !g.info.valid[c] {
				g.hits = append(g.hits, getoptHit{opt: getoptUnknown})
				continue
			}
			h := getoptHit{opt: a[j : j+1], known: true}
			if !g.info.withValue[c] {
				g.hits = append(g.hits, h)
				continue
			}
			h.has = true
			switch {
			case j+1 < len(a):
				h.value = a[j+1:]
			case i+1 < len(args):
				i++
				h.value = args[i]
			default:
				h.missing = true
			}
			g.hits = append(g.hits, h)
			break
		}
	}
}

// all returns the options and values found: letters, values ("" when missing) and "?".
func (g *getopt) all(e *event.Event, out [][]byte) ([][]byte, bool) {
	args, ok := g.load(e)
	if !ok {
		return out, false
	}
	g.scan(args)
	for _, h := range g.hits {
		switch {
		case !h.has:
			out = append(out, h.opt)
		case h.missing:
			out = append(out, []byte{})
		default:
			out = append(out, h.opt, h.value)
		}
	}
	return out, true
}

// selected returns the value of the last occurrence of the selected option ("" when its
// value is missing, its letter when it takes none); the result is missing when the option
// does not occur.
func (g *getopt) selected(e *event.Event) ([]byte, bool) {
	args, ok := g.load(e)
	if !ok {
		return nil, false
	}
	g.scan(args)
	var res []byte
	found := false
	for _, h := range g.hits {
		if !h.known || h.opt[0] != g.sel {
			continue
		}
		found = true
		switch {
		case !h.has:
			res = h.opt
		case h.missing:
			res = []byte{}
		default:
			res = h.value
		}
	}
	return res, found
}
