package rules

import (
	"bytes"

	"saker/event"
)

// The most frequent checks of Falco's rules (equality, membership, prefix and suffix on
// strings; equality and order on numbers) compile to one closure that extracts and compares,
// saving the indirect call to a separate predicate on the hot path. The general forms in
// compile.go give the same results.

// strCheckInline returns a fused check for a string field, or nil for the general path.
func strCheckInline(op, mod string, items []string, get func(*event.Event) ([]byte, bool)) evalFn {
	if mod != "" {
		return nil
	}
	if op == "in" && len(items) > 4 {
		pred := inPred(items)
		return func(e *event.Event) bool {
			b, ok := get(e)
			return ok && pred(b)
		}
	}
	if len(items) != 1 {
		return nil
	}
	v := items[0]
	vb := []byte(v)
	switch op {
	case "=", "==", "in", "intersects":
		return func(e *event.Event) bool {
			b, ok := get(e)
			return ok && string(b) == v
		}
	case "!=":
		return func(e *event.Event) bool {
			b, ok := get(e)
			return ok && string(b) != v
		}
	case "startswith":
		return func(e *event.Event) bool {
			b, ok := get(e)
			return ok && bytes.HasPrefix(b, vb)
		}
	case "endswith":
		return func(e *event.Event) bool {
			b, ok := get(e)
			return ok && bytes.HasSuffix(b, vb)
		}
	case "contains":
		return func(e *event.Event) bool {
			b, ok := get(e)
			return ok && bytes.Contains(b, vb)
		}
	}
	return nil
}

// numCheckInline returns a fused check comparing a number with one value, or nil for the
// general path.
func numCheckInline(op string, items []string, t FieldType, get func(*event.Event) (int64, bool)) (evalFn, error) {
	if len(items) != 1 || t == FieldUint && op != "=" && op != "==" && op != "!=" && op != "in" {
		return nil, nil
	}
	v, err := parseNum(items[0], t)
	if err != nil {
		return nil, err
	}
	switch op {
	case "=", "==", "in", "intersects":
		return func(e *event.Event) bool { n, ok := get(e); return ok && n == v }, nil
	case "!=":
		return func(e *event.Event) bool { n, ok := get(e); return ok && n != v }, nil
	case "<":
		return func(e *event.Event) bool { n, ok := get(e); return ok && n < v }, nil
	case "<=":
		return func(e *event.Event) bool { n, ok := get(e); return ok && n <= v }, nil
	case ">":
		return func(e *event.Event) bool { n, ok := get(e); return ok && n > v }, nil
	case ">=":
		return func(e *event.Event) bool { n, ok := get(e); return ok && n >= v }, nil
	}
	return nil, nil
}
