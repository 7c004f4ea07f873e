package rules

import (
	"net/netip"

	"saker/event"
)

// Extracted values are cached per event: many rules test the same fields (proc.name, fd.name)
// and an extractor may walk the analyzer's state each time. The engine bumps a generation
// counter on every Match, Eval or Format call; a cached value of an older generation is
// stale. A FieldProvider's values stay valid until the next event, so holding them for the
// rest of the current one is allowed.

// fieldCache caches the extractors of one Compile, keyed by source, field and argument.
type fieldCache struct {
	gen *uint64
	ops map[string]operand
}

func (fc *fieldCache) wrap(key string, op operand) operand {
	if c, ok := fc.ops[key]; ok {
		return c
	}
	gen := fc.gen
	switch {
	case op.str != nil:
		get := op.str
		at := ^uint64(0)
		var v []byte
		var ok bool
		op.str = func(e *event.Event) ([]byte, bool) {
			if at != *gen {
				v, ok = get(e)
				at = *gen
			}
			return v, ok
		}
	case op.num != nil:
		get := op.num
		at := ^uint64(0)
		var v int64
		var ok bool
		op.num = func(e *event.Event) (int64, bool) {
			if at != *gen {
				v, ok = get(e)
				at = *gen
			}
			return v, ok
		}
	case op.ip != nil:
		get := op.ip
		at := ^uint64(0)
		var v netip.Addr
		var ok bool
		op.ip = func(e *event.Event) (netip.Addr, bool) {
			if at != *gen {
				v, ok = get(e)
				at = *gen
			}
			return v, ok
		}
	case op.list != nil:
		// The cached list lives in the cache's own buffer; callers' buffers are ignored.
		get := op.list
		at := ^uint64(0)
		var v [][]byte
		var ok bool
		op.list = func(e *event.Event, _ [][]byte) ([][]byte, bool) {
			if at != *gen {
				v, ok = get(e, v[:0])
				at = *gen
			}
			return v, ok
		}
	}
	fc.ops[key] = op
	return op
}

// Macros substitute the same subtree into many rules (spawned_process, open_write): the
// engine evaluates such a subtree once per event and reuses the result in every rule with the
// same source and kind set (fields bind per source, and evt.type checks fold per kind set).

type memoKey struct {
	n      Node
	source string
	kinds  KindSet
}

type memoEntry struct {
	res  compiled
	errs []checkError
}

// subtreeMemo holds the shared subtrees of one Compile and their compiled forms.
type subtreeMemo struct {
	gen    *uint64
	shared map[Node]bool
	done   map[memoKey]memoEntry
}

func newSubtreeMemo(gen *uint64, rs []*Rule) *subtreeMemo {
	count := map[Node]int{}
	for _, r := range rs {
		walk(r.AST, func(n Node) bool {
			switch n.(type) {
			case *AndExpr, *OrExpr, *NotExpr:
				count[n]++
			}
			return true
		})
	}
	m := &subtreeMemo{gen: gen, shared: map[Node]bool{}, done: map[memoKey]memoEntry{}}
	for n, c := range count {
		if c > 1 {
			m.shared[n] = true
		}
	}
	return m
}

// remember wraps a compiled shared subtree so that it runs once per event.
func (m *subtreeMemo) remember(res compiled) compiled {
	if res.konst != 0 {
		return res
	}
	f, gen := res.fn, m.gen
	at := ^uint64(0)
	var v bool
	return compiled{fn: func(e *event.Event) bool {
		if at != *gen {
			v = f(e)
			at = *gen
		}
		return v
	}}
}
