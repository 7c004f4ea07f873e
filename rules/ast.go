package rules

import (
	"strconv"
	"strings"
)

// Node is a condition tree node: *AndExpr, *OrExpr, *NotExpr, *Check or *MacroRef. Once a
// RuleSet is loaded, rule and macro trees hold no *MacroRef.
//
// String renders the canonical text of a tree: every and/or group in parentheses, values
// quoted only when they must be. Parsing a canonical text yields a tree with the same text.
type Node interface {
	String() string
	// Position returns where the node's text starts in its rules file.
	Position() Pos
}

// AndExpr is true when all of Kids are.
type AndExpr struct {
	Kids []Node
	Pos  Pos
}

// OrExpr is true when one of Kids is.
type OrExpr struct {
	Kids []Node
	Pos  Pos
}

// NotExpr negates X.
type NotExpr struct {
	X   Node
	Pos Pos
}

// MacroRef is a bare identifier in a check position: a use of the macro Name.
type MacroRef struct {
	Name string
	Pos  Pos
}

// Check compares a field with a value: `Field Op [Mod] Value`. Value is nil for exists.
//
// A modifier (after a string operator, = and != included) takes a list and applies Op to
// each item as libsinsp does: oneof holds when exactly one item matches, anyof when one does
// at least, allof when all do; an empty list matches none.
type Check struct {
	Field FieldRef
	Op    string // one of the operators in opNames
	Mod   string // "", "oneof", "anyof" or "allof"
	Value *Value
	Pos   Pos
}

// FieldRef names a field with its optional bracketed argument and the transformers applied to
// it, outermost first: tolower(basename(proc.exepath)) has Transformers [tolower basename].
//
// When Args is not nil the reference is a call of a transformer taking several arguments
// (join, concat, getopt) rather than a field: Name is the transformer, Args its arguments
// and Arg its optional selector, as in getopt(proc.argv, "o:")[o].
type FieldRef struct {
	Name         string
	Arg          string
	HasArg       bool
	Transformers []string
	Args         []CallArg
	Pos          Pos
}

// CallArg is one argument of a multi-argument transformer: a field (possibly transformed),
// a parenthesised list of arguments when IsList (join's items, getopt's arguments), or else
// the literal text Lit (a quoted string or a number).
type CallArg struct {
	Field  *FieldRef
	Lit    string
	List   []CallArg
	IsList bool
}

// String renders the argument as written in conditions.
func (a CallArg) String() string {
	switch {
	case a.Field != nil:
		return a.Field.String()
	case a.IsList:
		var b strings.Builder
		b.WriteByte('(')
		for i, x := range a.List {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(x.String())
		}
		b.WriteByte(')')
		return b.String()
	}
	return quote(a.Lit)
}

// IsCall reports whether f is a multi-argument transformer call rather than a field.
func (f FieldRef) IsCall() bool { return f.Args != nil }

// Value is the right side of a check: one text, a parenthesised list of texts, or another
// field (val(field) or a transformer applied to one).
type Value struct {
	List  bool
	Items []string // one item unless List
	Field *FieldRef
}

// Position implements Node.
func (n *AndExpr) Position() Pos { return n.Pos }

// Position implements Node.
func (n *OrExpr) Position() Pos { return n.Pos }

// Position implements Node.
func (n *NotExpr) Position() Pos { return n.Pos }

// Position implements Node.
func (n *MacroRef) Position() Pos { return n.Pos }

// Position implements Node.
func (n *Check) Position() Pos { return n.Pos }

// String implements Node.
func (n *AndExpr) String() string { return joinNodes(n.Kids, " and ") }

// String implements Node.
func (n *OrExpr) String() string { return joinNodes(n.Kids, " or ") }

// String implements Node.
func (n *NotExpr) String() string { return "not " + n.X.String() }

// String implements Node.
func (n *MacroRef) String() string { return n.Name }

func joinNodes(kids []Node, sep string) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, k := range kids {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(k.String())
	}
	b.WriteByte(')')
	return b.String()
}

// String implements Node.
func (n *Check) String() string {
	var b strings.Builder
	b.WriteString(n.Field.String())
	b.WriteByte(' ')
	b.WriteString(n.Op)
	if n.Mod != "" {
		b.WriteByte(' ')
		b.WriteString(n.Mod)
	}
	if n.Value != nil {
		b.WriteByte(' ')
		b.WriteString(n.Value.String())
	}
	return b.String()
}

// String renders the field reference as it is written in conditions and outputs.
func (f FieldRef) String() string {
	var b strings.Builder
	for _, t := range f.Transformers {
		b.WriteString(t)
		b.WriteByte('(')
	}
	b.WriteString(f.Name)
	if f.IsCall() {
		b.WriteByte('(')
		for i, a := range f.Args {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(a.String())
		}
		b.WriteByte(')')
	}
	if f.HasArg {
		b.WriteByte('[')
		if bareArg(f.Arg) {
			b.WriteString(f.Arg)
		} else {
			b.WriteString(quote(f.Arg))
		}
		b.WriteByte(']')
	}
	for range f.Transformers {
		b.WriteByte(')')
	}
	return b.String()
}

// bareArg reports whether a field argument can be written without quotes: not empty, no
// blank, quote, bracket, backslash or control byte.
func bareArg(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f || strings.IndexByte("[]\"'\\", c) >= 0 {
			return false
		}
	}
	return s != ""
}

// String renders the value canonically.
func (v *Value) String() string {
	if v.Field != nil {
		f := *v.Field
		if f.IsCall() {
			// A call is a computed value already: val() wraps only plain fields.
			return f.String()
		}
		if len(f.Transformers) == 0 {
			return "val(" + f.String() + ")"
		}
		// A transformed field on the right is a field already: b64(proc.name).
		return f.String()
	}
	if !v.List {
		return quoteIfNeeded(v.Items[0])
	}
	var b strings.Builder
	b.WriteByte('(')
	for i, it := range v.Items {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteIfNeeded(it))
	}
	b.WriteByte(')')
	return b.String()
}

// quoteIfNeeded returns s bare when the parser reads it back as the same bare word.
func quoteIfNeeded(s string) string {
	if s == "" || strings.HasPrefix(s, "val(") {
		return quote(s)
	}
	for i := 0; i < len(s); i++ {
		if !isBareByte(s[i]) {
			return quote(s)
		}
	}
	return s
}

// quote renders s as a double-quoted string with the condition language's escapes.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			if i == len(s)-1 {
				// A string ends at a quote not preceded by a backslash.
				b.WriteString(`\x5c`)
			} else {
				b.WriteString(`\\`)
			}
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < 0x20 || c == 0x7f {
				b.WriteString(`\x`)
				h := strconv.FormatUint(uint64(c), 16)
				if len(h) < 2 {
					b.WriteByte('0')
				}
				b.WriteString(h)
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// walk calls fn for n and every node below it, stopping a branch when fn returns false.
func walk(n Node, fn func(Node) bool) {
	if !fn(n) {
		return
	}
	switch n := n.(type) {
	case *AndExpr:
		for _, k := range n.Kids {
			walk(k, fn)
		}
	case *OrExpr:
		for _, k := range n.Kids {
			walk(k, fn)
		}
	case *NotExpr:
		walk(n.X, fn)
	}
}
