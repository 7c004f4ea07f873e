package rules

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// MaxDepth caps the nesting of parentheses and `not` in one condition, as libsinsp does.
const MaxDepth = 100

// Operators of the condition language, by how libsinsp lexes them: a word operator on
// strings needs a blank after it, the list operators and exists do not, and the ordering
// operators take only numbers (or a transformed field).
var (
	numOps       = []string{"<=", "<", ">=", ">"}
	symStrOps    = []string{"==", "=", "!="}
	wordStrOps   = []string{"glob", "iglob", "contains", "icontains", "bcontains", "startswith", "bstartswith", "endswith", "regex"}
	listOpList   = []string{"intersects", "in", "pmatch"}
	listOps      = map[string]bool{"in": true, "intersects": true, "pmatch": true}
	modifiers    = map[string]bool{"oneof": true, "anyof": true, "allof": true}
	transformers = map[string]bool{"tolower": true, "toupper": true, "b64": true, "basename": true, "len": true}
	// callTransformers take several arguments (see call.go): join(sep, list),
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
	p.i = 0
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
// returns it and nil kids; otherwise all operands and the offset where the group began.
func (p *parser) joined(word string, operand func() Node) (Node, []Node, int) {
	start := p.i // libsinsp places an and/or group before the blanks that lead it
	p.skipSpace()
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
		// val() is only outermost: b64(val(x)) is an error, b64(x) on the right is the field.
		f := p.parseField(false)
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

// fieldArg parses the optional bracketed argument of a field or call, which directly follows
// it: [2], ["/a b"]. A bare argument holds no blank, quote or bracket and is not empty.
func (p *parser) fieldArg(f *FieldRef) {
	if p.i >= len(p.s) || p.s[p.i] != '[' {
		return
	}
	p.i++
	f.HasArg = true
	if p.i < len(p.s) && (p.s[p.i] == '"' || p.s[p.i] == '\'') {
		f.Arg = p.quoted()
	} else {
		start := p.i
		for p.i < len(p.s) && !isSpace(p.s[p.i]) && !strings.ContainsRune("[]\"'", rune(p.s[p.i])) {
			p.i++
		}
		if p.i == start {
			p.fail("expected a field argument, a quoted string or a bare string")
		}
		f.Arg = p.s[start:p.i]
	}
	if p.i >= len(p.s) || p.s[p.i] != ']' {
		p.fail("expected ']' after field argument, found %s", p.near())
	}
	p.i++
}

// parseCall parses the arguments of a multi-argument transformer after its name, up to the
// closing parenthesis and an optional selector: each is a quoted literal, a number, a field
// (possibly transformed) or a parenthesised list of those. The number and types of
// arguments are checked at compile time.
func (p *parser) parseCall(name string, start int) FieldRef {
	p.i++ // '('
	p.enter(start)
	f := FieldRef{Name: name, Args: []CallArg{}, Pos: p.pos(start)}
	for {
		p.skipSpace()
		if p.i < len(p.s) && p.s[p.i] == '(' {
			f.Args = append(f.Args, p.callList())
		} else {
			f.Args = append(f.Args, p.callItem(name))
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

// callItem parses one argument of a call, or one element of a list argument: a quoted
// literal, a number or a field.
func (p *parser) callItem(name string) CallArg {
	if p.i < len(p.s) && (p.s[p.i] == '"' || p.s[p.i] == '\'') {
		return CallArg{Lit: p.quoted()}
	}
	if n := p.number(); n != "" {
		return CallArg{Lit: n}
	}
	a := p.parseField(false)
	return CallArg{Field: &a}
}

// callList parses a parenthesised list argument of a call: `(fd.name, "x", 1)`, possibly
// empty.
func (p *parser) callList() CallArg {
	a := CallArg{List: []CallArg{}, IsList: true}
	p.parenItems("list argument", func() { a.List = append(a.List, p.callItem("list")) })
	return a
}

// parenItems parses a parenthesised, comma-separated list from its '(' to its ')', possibly
// empty, calling item at each item's start; what names the list in the error.
func (p *parser) parenItems(what string, item func()) {
	p.i++ // '('
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == ')' {
		p.i++
		return
	}
	for {
		p.skipSpace()
		item()
		p.skipSpace()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.s) && p.s[p.i] == ')' {
			p.i++
			return
		}
		p.fail("expected ',' or ')' in %s, found %s", what, p.near())
	}
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
	rest := p.s[p.i:]
	if strings.HasPrefix(rest, "exists") {
		// libsinsp needs no blank after exists: `x.y existsand z` is `x.y exists and z`.
		c.Op = "exists"
		p.i += len("exists")
		return c
	}
	for _, op := range numOps {
		if strings.HasPrefix(rest, op) {
			c.Op = op
			p.i += len(op)
			c.Value = p.parseNumValue()
			return c
		}
	}
	blank := false
	for _, op := range symStrOps {
		if strings.HasPrefix(rest, op) {
			c.Op = op
			p.i += len(op)
			blank = p.blank()
			break
		}
	}
	if c.Op == "" {
		for _, op := range wordStrOps {
			if strings.HasPrefix(rest, op) && len(rest) > len(op) && isSpace(rest[len(op)]) {
				c.Op = op
				p.i += len(op)
				blank = p.blank()
				break
			}
		}
	}
	if c.Op != "" {
		// A modifier is one only after a blank, followed by a blank and a list or a list
		// name: `proc.name = anyof` and `proc.name = anyof and x` compare with the text.
		if blank {
			if m := p.modifier(); m != "" {
				c.Mod = m
				c.Value = p.parseModList()
				return c
			}
		}
		c.Value = p.parseValue()
		return c
	}
	for _, op := range listOpList {
		if strings.HasPrefix(rest, op) && (len(rest) == len(op) || !isIdentByte(rest[len(op)])) {
			c.Op = op
			p.i += len(op)
			c.Value = p.parseList()
			return c
		}
	}
	p.fail("expected an operator after %s, found %s", f.String(), p.near())
	return nil
}

// blank consumes blanks and reports whether there were any.
func (p *parser) blank() bool {
	j := p.i
	p.skipSpace()
	return p.i > j
}

// modifier consumes a list modifier (oneof, anyof, allof) and the blanks after it when a
// list or a list name follows, as libsinsp does; otherwise it consumes nothing.
func (p *parser) modifier() string {
	rest := p.s[p.i:]
	for m := range modifiers {
		if !strings.HasPrefix(rest, m) || len(rest) == len(m) || !isSpace(rest[len(m)]) {
			continue
		}
		k := p.i + len(m)
		for k < len(p.s) && isSpace(p.s[k]) {
			k++
		}
		if k == len(p.s) || !(p.s[k] == '(' || isLetter(p.s[k])) || boolKeywordAt(p.s[k:]) {
			return ""
		}
		p.i = k
		return m
	}
	return ""
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// boolKeywordAt reports whether s starts with and, or or not as a word.
func boolKeywordAt(s string) bool {
	for _, kw := range []string{"and", "or", "not"} {
		if strings.HasPrefix(s, kw) && (len(s) == len(kw) || !isLetter(s[len(kw)]) && !(s[len(kw)] >= '0' && s[len(kw)] <= '9')) {
			return true
		}
	}
	return false
}

// parseModList parses the list after a modifier: a parenthesised list or a list name, which
// is a one-item list (lists named in conditions are expanded before parsing).
func (p *parser) parseModList() *Value {
	if p.i < len(p.s) && p.s[p.i] == '(' {
		return p.parseListExpr()
	}
	return &Value{List: true, Items: []string{p.ident()}}
}

// parseList parses the right side of in, intersects and pmatch: a parenthesised list, a
// transformed field or val(field), or a bare name taken as a one-item list.
func (p *parser) parseList() *Value {
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == '(' {
		return p.parseListExpr()
	}
	if v := p.tryTransformerValue(); v != nil {
		return v
	}
	if p.i < len(p.s) && isIdentStart(p.s[p.i]) {
		save := p.i
		if w := p.ident(); !strings.Contains(w, ".") {
			return &Value{List: true, Items: []string{w}}
		}
		p.i = save
	}
	p.fail("expected a list '(...)', found %s", p.near())
	return nil
}

// parseListExpr parses `(item, ...)`, items being quoted or bare texts.
func (p *parser) parseListExpr() *Value {
	v := &Value{List: true, Items: []string{}}
	p.parenItems("list", func() { v.Items = append(v.Items, p.text()) })
	return v
}

// tryTransformerValue parses val(field) or a transformer applied to a field when one starts
// at the parse position (its name directly followed by '('), else returns nil.
func (p *parser) tryTransformerValue() *Value {
	save := p.i
	if w := p.ident(); (w == "val" || transformers[w] || callTransformers[w]) && p.i < len(p.s) && p.s[p.i] == '(' {
		p.i = save
		f := p.parseField(true)
		return &Value{Field: &f}
	}
	p.i = save
	return nil
}

func (p *parser) parseValue() *Value {
	p.skipSpace()
	if v := p.tryTransformerValue(); v != nil {
		return v
	}
	return &Value{Items: []string{p.text()}}
}

// numberRe matches libsinsp's numbers: hexadecimal, or decimal with an optional fraction
// and exponent.
var numberRe = regexp.MustCompile(`^(?:0[xX][0-9a-fA-F]+|[+-]?[0-9]+\.?[0-9]*(?:[eE][+-][0-9]+)?)`)

// number consumes a number literal, returning "" when none starts at the parse position.
func (p *parser) number() string {
	m := numberRe.FindString(p.s[p.i:])
	p.i += len(m)
	return m
}

// parseNumValue parses the right side of an ordering operator: a number, or a transformed
// field or val(field).
func (p *parser) parseNumValue() *Value {
	p.skipSpace()
	if v := p.tryTransformerValue(); v != nil {
		return v
	}
	if n := p.number(); n != "" {
		return &Value{Items: []string{n}}
	}
	p.fail("expected a number, found %s", p.near())
	return nil
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

// quoted parses a string in single or double quotes as libsinsp does: the string ends at the
// first quote not preceded by a backslash, then its escapes are decoded (\b \f \n \r \t \\
// \/ \xHH, the string's own quote, and "\ " for a backslash).
func (p *parser) quoted() string {
	q := p.s[p.i]
	start := p.i
	end := -1
	for j := p.i + 1; j < len(p.s); j++ {
		if p.s[j] == q && p.s[j-1] != '\\' {
			end = j
			break
		}
	}
	if end < 0 {
		p.fail("unterminated string")
	}
	var b strings.Builder
	for j := start + 1; j < end; j++ {
		c := p.s[j]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		j++
		e := p.s[j]
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
			if j+2 >= end {
				p.i = j - 1
				p.fail("truncated \\x escape")
			}
			v, err := strconv.ParseUint(p.s[j+1:j+3], 16, 8)
			if err != nil {
				p.i = j - 1
				p.fail("bad \\x escape")
			}
			b.WriteByte(byte(v))
			j += 2
		default:
			if e != q {
				p.i = j - 1
				p.fail("unsupported escape sequence \\%c", e)
			}
			b.WriteByte(e)
		}
	}
	p.i = end + 1
	return b.String()
}
