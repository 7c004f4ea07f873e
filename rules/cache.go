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
		var at uint64
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
		var at uint64
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
		var at uint64
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
		var at uint64
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
