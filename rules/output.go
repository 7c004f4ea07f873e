package rules

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"saker/event"
)

// outputFormat is a compiled output: literal text and fields.
type outputFormat struct {
	segs   []outSeg
	fields []*outField // distinct fields, in order of first use
}

type outSeg struct {
	lit   string
	field *outField
	width int
}

type outField struct {
	name    string // as written, the key of output_fields
	op      operand
	special string // "evt.args" or "container.info"
}

// OutputField is one field of an alert's output_fields. Value is nil when the field is
// missing, else a string, int64, uint64, bool or []string.
type OutputField struct {
	Name  string
	Value any
}

// output compiles an output format: %field (with argument and transformers), %Nfield padded
// or cut to N bytes. The longest dotted prefix that is a field wins, so %proc.name. ends at
// the dot.
func (c *compiler) output(s string, at func(int) Pos) (*outputFormat, []checkError) {
	of := &outputFormat{}
	byName := map[string]*outField{}
	var errs []checkError
	var lit strings.Builder
	i := 0
	for i < len(s) {
		if s[i] != '%' {
			lit.WriteByte(s[i])
			i++
			continue
		}
		j := i + 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		width := 0
		if j > i+1 {
			width, _ = strconv.Atoi(s[i+1 : j])
		}
		f, end, err := c.outputField(s, j)
		if err != nil {
			p := Pos{}
			if at != nil {
				p = at(i)
			}
			errs = append(errs, checkError{p, fmt.Errorf("output: %w", err)})
		}
		if f == nil {
			lit.WriteByte('%')
			i++
			continue
		}
		if lit.Len() > 0 {
			of.segs = append(of.segs, outSeg{lit: lit.String()})
			lit.Reset()
		}
		if old := byName[f.name]; old != nil {
			f = old
		} else {
			byName[f.name] = f
			if f.special != "container.info" {
				of.fields = append(of.fields, f)
			}
		}
		of.segs = append(of.segs, outSeg{field: f, width: width})
		i = end
	}
	if lit.Len() > 0 {
		of.segs = append(of.segs, outSeg{lit: lit.String()})
	}
	return of, errs
}

// outputField parses the field at s[j:]. It returns nil without error when no field starts
// there (the % is then literal text).
func (c *compiler) outputField(s string, j int) (f *outField, end int, err error) {
	p := &parser{s: s, i: j, pos: func(int) Pos { return Pos{} }}
	var ref FieldRef
	func() {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(*SyntaxError); !ok {
					panic(r)
				}
				ref.Name = ""
			}
		}()
		ref = p.parseField(false)
	}()
	if ref.Name == "" || (!strings.Contains(ref.Name, ".") && !ref.IsCall()) {
		return nil, 0, nil
	}
	for {
		switch ref.Name {
		case "evt.args", "container.info":
			if len(ref.Transformers) == 0 && !ref.HasArg {
				return &outField{name: ref.Name, special: ref.Name}, j + len(ref.Name), nil
			}
		}
		op, err := c.operand(ref)
		if err == nil {
			return &outField{name: ref.String(), op: op}, p.i, nil
		}
		// Try a shorter dotted prefix: "%proc.name.suffix" names proc.name.
		k := strings.LastIndexByte(ref.Name, '.')
		if !errors.Is(err, ErrUnknownField) || len(ref.Transformers) > 0 || ref.HasArg || strings.Count(ref.Name, ".") < 2 {
			return nil, 0, err
		}
		p.i -= len(ref.Name) - k
		ref.Name = ref.Name[:k]
	}
}

// AppendOutput appends the rule's output for e: fields rendered as text, <NA> when missing.
func (r *CompiledRule) AppendOutput(dst []byte, e *event.Event) []byte {
	*r.gen++
	for _, sg := range r.out.segs {
		if sg.field == nil {
			dst = append(dst, sg.lit...)
			continue
		}
		start := len(dst)
		dst = sg.field.appendText(dst, e)
		if sg.width > 0 {
			if n := len(dst) - start; n > sg.width {
				dst = dst[:start+sg.width]
			} else {
				for ; n < sg.width; n++ {
					dst = append(dst, ' ')
				}
			}
		}
	}
	return dst
}

// Format returns the rule's output text for e and its output fields. The text and the
// fields' text values are cut from one string, one allocation for them all.
func (r *CompiledRule) Format(e *event.Event) (string, []OutputField) {
	buf := r.AppendOutput(make([]byte, 0, 1024), e)
	textLen := len(buf)
	*r.gen++
	fields := make([]OutputField, len(r.out.fields))
	// ends[i] is where field i's text ends in buf; -1 for a field valued otherwise.
	var endsArr [64]int
	ends := endsArr[:0]
	if len(r.out.fields) > len(endsArr) {
		ends = make([]int, 0, len(r.out.fields))
	}
	for i, f := range r.out.fields {
		var ok bool
		if buf, ok = f.appendString(buf, e); ok {
			ends = append(ends, len(buf))
			continue
		}
		ends = append(ends, -1)
		fields[i] = OutputField{Name: f.name, Value: f.value(e)}
	}
	all := string(buf)
	start := textLen
	for i, f := range r.out.fields {
		if ends[i] >= 0 {
			fields[i] = OutputField{Name: f.name, Value: all[start:ends[i]]}
			start = ends[i]
		}
	}
	return all[:textLen], fields
}

// appendString appends the field's value when it is a text one (a string, bytes or a
// constant, evt.args) and the event has it, as value would make it; ok=false leaves the field
// to value.
func (f *outField) appendString(dst []byte, e *event.Event) (_ []byte, ok bool) {
	if f.special == "evt.args" {
		return appendArgs(dst, e), true
	}
	o := f.op
	if o.isConst {
		return append(dst, o.constStr...), true
	}
	if o.typ == FieldString || o.typ == FieldBytes {
		if b, ok := o.str(e); ok {
			return append(dst, b...), true
		}
	}
	return dst, false
}

func (f *outField) appendText(dst []byte, e *event.Event) []byte {
	if f.special == "container.info" {
		return dst
	}
	// As value renders the field, without making a string of it first.
	if out, ok := f.appendString(dst, e); ok {
		return out
	}
	o := f.op
	switch o.typ {
	case FieldStrings:
		if l, ok := o.list(e, nil); ok {
			for i, b := range l {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = append(dst, b...)
			}
			return dst
		}
	case FieldIP:
		if a, ok := o.ip(e); ok {
			return a.AppendTo(dst)
		}
	case FieldUint:
		if n, ok := o.num(e); ok {
			return strconv.AppendUint(dst, uint64(n), 10)
		}
	case FieldBool:
		if n, ok := o.num(e); ok {
			return strconv.AppendBool(dst, n != 0)
		}
	case FieldTime:
		if n, ok := o.num(e); ok {
			return time.Unix(0, n).UTC().AppendFormat(dst, time.RFC3339Nano)
		}
	case FieldInt, FieldDuration:
		if n, ok := o.num(e); ok {
			return strconv.AppendInt(dst, n, 10)
		}
	}
	return append(dst, "<NA>"...)
}

// value extracts the field as an output_fields value.
func (f *outField) value(e *event.Event) any {
	if f.special == "evt.args" {
		return string(appendArgs(nil, e))
	}
	o := f.op
	if o.isConst {
		return string(o.constStr)
	}
	switch o.typ {
	case FieldString, FieldBytes:
		if b, ok := o.str(e); ok {
			return string(b)
		}
	case FieldStrings:
		if l, ok := o.list(e, nil); ok {
			out := make([]string, len(l))
			for i, b := range l {
				out[i] = string(b)
			}
			return out
		}
	case FieldIP:
		if a, ok := o.ip(e); ok {
			return a.String()
		}
	case FieldUint:
		if n, ok := o.num(e); ok {
			return uint64(n)
		}
	case FieldBool:
		if n, ok := o.num(e); ok {
			return n != 0
		}
	case FieldTime:
		if n, ok := o.num(e); ok {
			return time.Unix(0, n).UTC().Format(time.RFC3339Nano)
		}
	case FieldInt, FieldDuration:
		if n, ok := o.num(e); ok {
			return n
		}
	}
	return nil
}

// appendArgs renders the event's parameters as name=value pairs.
func appendArgs(dst []byte, e *event.Event) []byte {
	for i, p := range e.Kind.Params() {
		if i >= int(e.NArgs) {
			break
		}
		if i > 0 {
			dst = append(dst, ' ')
		}
		dst = append(dst, p.Name...)
		dst = append(dst, '=')
		dst = event.AppendArg(dst, p, e.Args[i])
	}
	return dst
}
