package rules

import (
	"fmt"
	"strconv"
	"strings"
)

// MaxDepth caps the nesting of parentheses and `not` in one condition, as libsinsp does.
const MaxDepth = 100

// Operators of the condition language.
var (
	symbolOps = []string{"==", "!=", "<=", ">=", "=", "<", ">"}
	wordOps   = map[string]bool{
		"contains": true, "icontains": true, "bcontains": true, "startswith": true,
		"bstartswith": true, "endswith": true, "glob": true, "iglob": true, "regex": true,
		"in": true, "intersects": true, "pmatch": true, "exists": true,
	}
	listOps      = map[string]bool{"in": true, "intersects": true, "pmatch": true}
	modifiers    = map[string]bool{"oneof": true, "anyof": true, "allof": true}
	transformers = map[string]bool{"tolower": true, "toupper": true, "b64": true, "basename": true, "len": true}
	// callTransformers take several arguments, fields or quoted literals: join(sep, list),
	// concat(a, b, ...), getopt(args, optstring)[opt].
	callTransformers = map[string]bool{"join": true, "concat": true, "getopt": true}
)

// SyntaxError is a condition parse error at byte offset Off of the parsed text.
type SyntaxError struct {
	Off int
	Msg string
}

// Error formats the error with its offset.
func (e *SyntaxError) Error() string { return fmt.Sprintf("offset %d: %s", e.Off, e.Msg) }

// ParseCondition parses a condition as written (lists already expanded). Positions in the tree
// are byte offsets into s counted as columns of line 1 of file "". The result may hold
// *MacroRef nodes. Errors are *SyntaxError.
func ParseCondition(s string) (Node, error) {
	return parseCondition(s, func(off int) Pos { return Pos{Line: 1, Col: off + 1} })
}

func parseCondition(s string, pos func(off int) Pos) (n Node, err error) {
	p := &parser{s: s, pos: pos}
	defer func() {
		if r := recover(); r != nil {
			se, ok := r.(*SyntaxError)
			if !ok {
				panic(r)
			}
			n, err = nil, se
		}
	}()
	p.skipSpace()
	if p.i == len(p.s) {
		p.fail("empty condition")
	}
	n = p.parseOr()
	p.skipSpace()
	if p.i < len(p.s) {
		p.fail("unexpected %s", p.near())
	}
	return n, nil
}

type parser struct {
	s     string
	i     int
	depth int
	pos   func(off int) Pos
}

func (p *parser) fail(format string, args ...any) {
	panic(&SyntaxError{Off: p.i, Msg: fmt.Sprintf(format, args...)})
}

// near quotes the text at the parse position for messages.
func (p *parser) near() string {
	if p.i >= len(p.s) {
		return "end of condition"
	}
	t := strings.TrimRight(p.s[p.i:], " \t\r\n")
	if t == "" {
		return "end of condition"
	}
	if len(t) > 20 {
		t = t[:20] + "..."
	}
	return strconv.Quote(t)
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == '\b'
}

func isBareByte(c byte) bool {
	return c > 0x20 && c != 0x7f && !strings.ContainsRune(`()"'=,`, rune(c))
}

func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isIdentByte(c byte) bool  { return isIdentStart(c) || c >= '0' && c <= '9' }

func (p *parser) skipSpace() {
	for p.i < len(p.s) && isSpace(p.s[p.i]) {
		p.i++
	}
}

// keyword consumes kw when it stands alone: followed by a blank, '(' or the end.
func (p *parser) keyword(kw string) bool {
	p.skipSpace()
	if !strings.HasPrefix(p.s[p.i:], kw) {
		return false
	}
	j := p.i + len(kw)
	if j < len(p.s) && !isSpace(p.s[j]) && p.s[j] != '(' {
		return false
	}
	p.i = j
	return true
}

// enter counts one nesting level opened at offset start.
func (p *parser) enter(start int) {
	p.depth++
	if p.depth > MaxDepth {
		p.i = start
		p.fail("condition nested deeper than %d", MaxDepth)
	}
}

func (p *parser) parseOr() Node {
	x, kids, start := p.joined("or", p.parseAnd)
	if kids == nil {
		return x
	}
	return &OrExpr{Kids: kids, Pos: p.pos(start)}
}

func (p *parser) parseAnd() Node {
	x, kids, start := p.joined("and", p.parseNot)
	if kids == nil {
		return x
	}
	return &AndExpr{Kids: kids, Pos: p.pos(start)}
}

// joined parses operands separated by the keyword word (and/or are n-ary). With one operand it
// returns it and nil kids; otherwise all operands and the offset where the first began.
func (p *parser) joined(word string, operand func() Node) (Node, []Node, int) {
	p.skipSpace()
	start := p.i
	x := operand()
	if !p.keyword(word) {
		return x, nil, start
	}
	kids := []Node{x}
	for {
		kids = append(kids, operand())
		if !p.keyword(word) {
			return nil, kids, start
		}
	}
}

func (p *parser) parseNot() Node {
	p.skipSpace()
	start := p.i
	if p.keyword("not") {
		p.enter(start)
		x := p.parseNot()
		p.depth--
		return &NotExpr{X: x, Pos: p.pos(start)}
	}
	return p.parseCheck()
}

// ident reads an identifier; dotted segments make a field name, so evt.arg.flags is one
// token.
func (p *parser) ident() string {
	start := p.i
	if p.i < len(p.s) && isIdentStart(p.s[p.i]) {
		p.i++
		for p.i < len(p.s) && isIdentByte(p.s[p.i]) {
			p.i++
		}
		for p.i+1 < len(p.s) && p.s[p.i] == '.' && isIdentByte(p.s[p.i+1]) {
			p.i += 2
			for p.i < len(p.s) && isIdentByte(p.s[p.i]) {
				p.i++
			}
		}
	}
	return p.s[start:p.i]
}

func (p *parser) parseCheck() Node {
	p.skipSpace()
	start := p.i
	if p.i >= len(p.s) {
		p.fail("expected a check, found end of condition")
	}
	if p.s[p.i] == '(' {
		p.i++
		p.enter(start)
		x := p.parseOr()
		p.skipSpace()
		if p.i >= len(p.s) || p.s[p.i] != ')' {
			p.fail("expected ')', found %s", p.near())
		}
		p.i++
		p.depth--
		return x
	}
	name := p.ident()
	if name == "" {
		p.fail("expected a field, macro or '(', found %s", p.near())
	}
	isField := strings.Contains(name, ".")
	if !isField && !(p.i < len(p.s) && p.s[p.i] == '(') {
		return &MacroRef{Name: name, Pos: p.pos(start)}
	}
	p.i = start
	f := p.parseField(false)
	return p.parseOperation(f, start)
}

// parseField parses a field with its argument and transformers. On the right side (rhs),
// val(field) is allowed and marks the field.
func (p *parser) parseField(rhs bool) FieldRef {
	p.skipSpace()
	start := p.i
	name := p.ident()
	if name == "" {
		p.fail("expected a field, found %s", p.near())
	}
	if !strings.Contains(name, ".") {
		if p.i >= len(p.s) || p.s[p.i] != '(' {
			p.i = start
			p.fail("expected a field, found %s", p.near())
		}
		if name == "val" && rhs {
			p.i++
			p.enter(start)
			p.skipSpace()
			argStart := p.i
			f := p.parseField(false)
			p.depth--
			if len(f.Transformers) > 0 || f.IsCall() {
				p.i = argStart
				p.fail("val() takes a plain field")
			}
			p.closeParen()
			return f
		}
		if callTransformers[name] {
			return p.parseCall(name, start)
		}
		if !transformers[name] {
			p.i = start
			p.fail("unknown transformer %q", name)
		}
		p.i++
		p.enter(start)
		f := p.parseField(rhs)
		p.depth--
		p.closeParen()
		f.Transformers = append([]string{name}, f.Transformers...)
		f.Pos = p.pos(start)
		return f
	}
	f := FieldRef{Name: name, Pos: p.pos(start)}
	p.fieldArg(&f)
	return f
}

// fieldArg parses the optional bracketed argument of a field or call: [2], ["/a b"].
func (p *parser) fieldArg(f *FieldRef) {
	if p.i >= len(p.s) || p.s[p.i] != '[' {
		return
	}
	p.i++
	f.HasArg = true
	if p.i < len(p.s) && (p.s[p.i] == '"' || p.s[p.i] == '\'') {
		f.Arg = p.quoted()
	} else {
		j := strings.IndexByte(p.s[p.i:], ']')
		if j < 0 {
			p.fail("unterminated field argument")
		}
		f.Arg = p.s[p.i : p.i+j]
		p.i += j
	}
	if p.i >= len(p.s) || p.s[p.i] != ']' {
		p.fail("expected ']' after field argument, found %s", p.near())
	}
	p.i++
}

// parseCall parses the arguments of a multi-argument transformer after its name, up to the
// closing parenthesis and an optional selector: each is a quoted literal or a field, which
// may itself be transformed. The number and types of arguments are checked at compile time.
func (p *parser) parseCall(name string, start int) FieldRef {
	p.i++ // '('
	p.enter(start)
	f := FieldRef{Name: name, Args: []CallArg{}, Pos: p.pos(start)}
	for {
		p.skipSpace()
		if p.i < len(p.s) && (p.s[p.i] == '"' || p.s[p.i] == '\'') {
			f.Args = append(f.Args, CallArg{Lit: p.quoted()})
		} else {
			a := p.parseField(false)
			f.Args = append(f.Args, CallArg{Field: &a})
		}
		p.skipSpace()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.s) && p.s[p.i] == ')' {
			p.i++
			break
		}
		p.fail("expected ',' or ')' in arguments of %s, found %s", name, p.near())
	}
	p.depth--
	p.fieldArg(&f)
	return f
}

func (p *parser) closeParen() {
	p.skipSpace()
	if p.i >= len(p.s) || p.s[p.i] != ')' {
		p.fail("expected ')', found %s", p.near())
	}
	p.i++
}

func (p *parser) parseOperation(f FieldRef, start int) Node {
	p.skipSpace()
	c := &Check{Field: f, Pos: p.pos(start)}
	for _, op := range symbolOps {
		if strings.HasPrefix(p.s[p.i:], op) {
			c.Op = op
			p.i += len(op)
			break
		}
	}
	if c.Op == "" {
		save := p.i
		w := p.ident()
		if !wordOps[w] {
			p.i = save
			p.fail("expected an operator after %s, found %s", f.String(), p.near())
		}
		c.Op = w
		if w == "exists" {
			return c
		}
	}
	p.skipSpace()
	save := p.i
	// A modifier is one only before a parenthesised list: `proc.name = anyof` compares
	// with the text "anyof".
	if w := p.ident(); modifiers[w] && takesModifier(c.Op) && p.nextIs('(') {
		c.Mod = w
	} else {
		p.i = save
	}
	if listOps[c.Op] || c.Mod != "" {
		c.Value = p.parseList()
	} else {
		c.Value = p.parseValue()
	}
	return c
}

// takesModifier reports whether a list modifier may follow op: any string comparison,
// equality and inequality included, but not the list and ordering operators.
func takesModifier(op string) bool {
	switch op {
	case "in", "intersects", "pmatch", "exists", "<", "<=", ">", ">=":
		return false
	}
	return true
}

// nextIs reports whether the next non-blank byte is c, consuming nothing.
func (p *parser) nextIs(c byte) bool {
	j := p.i
	for j < len(p.s) && isSpace(p.s[j]) {
		j++
	}
	return j < len(p.s) && p.s[j] == c
}

func (p *parser) parseList() *Value {
	p.skipSpace()
	if p.i < len(p.s) && isIdentStart(p.s[p.i]) {
		// libsinsp takes a bare identifier as a one-item list: proc.name in bash.
		save := p.i
		if w := p.ident(); !strings.Contains(w, ".") {
			return &Value{List: true, Items: []string{w}}
		}
		p.i = save
	}
	if p.i >= len(p.s) || p.s[p.i] != '(' {
		p.fail("expected a list '(...)', found %s", p.near())
	}
	p.i++
	v := &Value{List: true, Items: []string{}}
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == ')' {
		p.i++
		return v
	}
	for {
		p.skipSpace()
		v.Items = append(v.Items, p.text())
		p.skipSpace()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.s) && p.s[p.i] == ')' {
			p.i++
			return v
		}
		p.fail("expected ',' or ')' in list, found %s", p.near())
	}
}

func (p *parser) parseValue() *Value {
	p.skipSpace()
	save := p.i
	if w := p.ident(); (w == "val" || transformers[w] || callTransformers[w]) && p.i < len(p.s) && p.s[p.i] == '(' {
		p.i = save
		f := p.parseField(true)
		return &Value{Field: &f}
	}
	p.i = save
	return &Value{Items: []string{p.text()}}
}

// text parses a quoted string or a bare word.
func (p *parser) text() string {
	if p.i < len(p.s) && (p.s[p.i] == '"' || p.s[p.i] == '\'') {
		return p.quoted()
	}
	start := p.i
	for p.i < len(p.s) && isBareByte(p.s[p.i]) {
		p.i++
	}
	if p.i == start {
		p.fail("expected a value, found %s", p.near())
	}
	return p.s[start:p.i]
}

// quoted parses a string in single or double quotes with libsinsp's escapes, plus \xHH.
func (p *parser) quoted() string {
	q := p.s[p.i]
	start := p.i
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == q:
			p.i++
			return b.String()
		case c == '\\':
			if p.i+1 >= len(p.s) {
				p.i = start
				p.fail("unterminated string")
			}
			e := p.s[p.i+1]
			p.i += 2
			switch e {
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case '\\', '/':
				b.WriteByte(e)
			case ' ':
				// libsinsp reads "\ " as a backslash, for rules written that way.
				b.WriteByte('\\')
			case 'x':
				v, err := strconv.ParseUint(p.s[p.i:min(p.i+2, len(p.s))], 16, 8)
				if err != nil || p.i+2 > len(p.s) {
					p.i -= 2
					p.fail("bad \\x escape")
				}
				b.WriteByte(byte(v))
				p.i += 2
			default:
				if e != q {
					p.i -= 2
					p.fail("unsupported escape sequence \\%c", e)
				}
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
			p.i++
		}
	}
	p.i = start
	p.fail("unterminated string")
	return ""
}
