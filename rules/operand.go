package rules

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/netip"
	"strconv"

	"saker/event"
)

// operand is a bound field with its transformers applied: exactly the function matching typ
// is set, as in Extractor. constStr marks a value the engine knows at compile time (evt.dir).
type operand struct {
	typ      FieldType
	str      func(*event.Event) ([]byte, bool)
	num      func(*event.Event) (int64, bool)
	ip       func(*event.Event) (netip.Addr, bool)
	list     func(*event.Event, [][]byte) ([][]byte, bool)
	constStr []byte
	isConst  bool
}

// kindNames holds every kind's name as bytes, for evt.type.
var kindNames = func() [][]byte {
	ns := make([][]byte, event.NumKinds)
	for k := range ns {
		ns[k] = []byte(event.Kind(k).String())
	}
	return ns
}()

// builtinField returns the fields the engine serves itself.
func builtinField(name string, hasArg bool) (operand, bool) {
	if hasArg {
		return operand{}, false
	}
	switch name {
	case "evt.type":
		return operand{typ: FieldString, str: func(e *event.Event) ([]byte, bool) {
			if int(e.Kind) >= len(kindNames) {
				return nil, false
			}
			return kindNames[e.Kind], true
		}}, true
	case "evt.dir":
		// Falco now emits one event per syscall, the exit: every event is '<'.
		return operand{typ: FieldString, constStr: []byte("<"), isConst: true}, true
	}
	return operand{}, false
}

func (c *compiler) operand(f FieldRef) (operand, error) {
	var op operand
	ok := false
	if f.IsCall() {
		var err error
		if op, err = c.callOperand(f); err != nil {
			return operand{}, err
		}
		ok = true
	} else {
		op, ok = builtinField(f.Name, f.HasArg)
	}
	if !ok {
		if c.p == nil {
			return operand{}, fmt.Errorf("field %s: %w", f.Name, ErrUnknownField)
		}
		x, err := c.p.Field(c.source, f.Name, f.Arg)
		if err != nil {
			return operand{}, err
		}
		op = operand{typ: x.Type, str: x.Str, num: x.Int, ip: x.IP, list: x.List}
		if !op.valid() {
			return operand{}, fmt.Errorf("field %s: provider returned no extractor for type %d", f.Name, x.Type)
		}
		if c.cache != nil {
			op = c.cache.wrap(c.source+"\x00"+f.Name+"\x00"+f.Arg, op)
		}
	}
	for i := len(f.Transformers) - 1; i >= 0; i-- {
		var err error
		if op, err = transform(f.Transformers[i], op); err != nil {
			return operand{}, fmt.Errorf("%s(%s): %w", f.Transformers[i], f.Name, err)
		}
	}
	return op, nil
}

func (o operand) valid() bool {
	switch o.typ {
	case FieldString, FieldBytes:
		return o.str != nil
	case FieldInt, FieldUint, FieldBool, FieldTime, FieldDuration:
		return o.num != nil
	case FieldIP:
		return o.ip != nil
	case FieldStrings:
		return o.list != nil
	}
	return false
}

// transform applies a transformer to a string or string-list operand.
func transform(name string, o operand) (operand, error) {
	if o.isConst {
		o = operand{typ: FieldString, str: func(*event.Event) ([]byte, bool) { return o.constStr, true }}
	}
	if name == "len" {
		switch o.typ {
		case FieldString, FieldBytes:
			get := o.str
			return operand{typ: FieldInt, num: func(e *event.Event) (int64, bool) {
				b, ok := get(e)
				return int64(len(b)), ok
			}}, nil
		case FieldStrings:
			get := o.list
			var buf [][]byte
			return operand{typ: FieldInt, num: func(e *event.Event) (int64, bool) {
				l, ok := get(e, buf[:0])
				buf = l[:0]
				return int64(len(l)), ok
			}}, nil
		}
		return operand{}, fmt.Errorf("len needs a string or list field")
	}
	var fn func(dst, src []byte) ([]byte, bool)
	switch name {
	case "tolower", "toupper":
		up := name == "toupper"
		fn = func(dst, src []byte) ([]byte, bool) {
			for _, c := range src {
				if up && c >= 'a' && c <= 'z' {
					c -= 'a' - 'A'
				} else if !up && c >= 'A' && c <= 'Z' {
					c += 'a' - 'A'
				}
				dst = append(dst, c)
			}
			return dst, true
		}
	case "b64":
		// Padding is optional, as in libsinsp: b64(join("W", ("YWFhL", "JiYg"))) is aaa-bbb.
		fn = func(dst, src []byte) ([]byte, bool) {
			n := len(dst)
			src = bytes.TrimRight(src, "=")
			dst = append(dst, make([]byte, base64.RawStdEncoding.DecodedLen(len(src)))...)
			m, err := base64.RawStdEncoding.Decode(dst[n:], src)
			if err != nil {
				return dst[:n], false
			}
			return dst[:n+m], true
		}
	case "basename":
		fn = func(dst, src []byte) ([]byte, bool) {
			for i := len(src) - 1; i >= 0; i-- {
				if src[i] == '/' {
					return append(dst, src[i+1:]...), true
				}
			}
			return append(dst, src...), true
		}
	default:
		return operand{}, fmt.Errorf("unknown transformer %s", name)
	}
	switch o.typ {
	case FieldString, FieldBytes:
		get := o.str
		var buf []byte
		return operand{typ: o.typ, str: func(e *event.Event) ([]byte, bool) {
			b, ok := get(e)
			if !ok {
				return nil, false
			}
			buf, ok = fn(buf[:0], b)
			return buf, ok
		}}, nil
	case FieldStrings:
		get := o.list
		var in [][]byte
		var arena []byte
		var ends []int
		return operand{typ: FieldStrings, list: func(e *event.Event, out [][]byte) ([][]byte, bool) {
			l, ok := get(e, in[:0])
			in = l[:0]
			if !ok {
				return out, false
			}
			arena, ends = arena[:0], ends[:0]
			for _, b := range l {
				var good bool
				if arena, good = fn(arena, b); good {
					ends = append(ends, len(arena))
				}
			}
			start := 0
			for _, end := range ends {
				out = append(out, arena[start:end])
				start = end
			}
			return out, true
		}}, nil
	}
	return operand{}, fmt.Errorf("%s needs a string field", name)
}

// stringer returns a function rendering the operand's value as text into a buffer, for
// string operators on non-string fields and for comparing fields of different types.
func (o operand) stringer() func(e *event.Event, buf []byte) ([]byte, bool) {
	switch {
	case o.isConst:
		v := o.constStr
		return func(*event.Event, []byte) ([]byte, bool) { return v, true }
	case o.typ == FieldString || o.typ == FieldBytes:
		get := o.str
		return func(e *event.Event, _ []byte) ([]byte, bool) { return get(e) }
	case o.typ == FieldUint:
		get := o.num
		return func(e *event.Event, buf []byte) ([]byte, bool) {
			n, ok := get(e)
			return strconv.AppendUint(buf, uint64(n), 10), ok
		}
	case o.typ == FieldBool:
		get := o.num
		return func(e *event.Event, buf []byte) ([]byte, bool) {
			n, ok := get(e)
			return strconv.AppendBool(buf, n != 0), ok
		}
	case isNumeric(o.typ):
		get := o.num
		return func(e *event.Event, buf []byte) ([]byte, bool) {
			n, ok := get(e)
			return strconv.AppendInt(buf, n, 10), ok
		}
	case o.typ == FieldIP:
		get := o.ip
		return func(e *event.Event, buf []byte) ([]byte, bool) {
			a, ok := get(e)
			if !ok {
				return buf, false
			}
			return a.AppendTo(buf), true
		}
	}
	return nil
}
