package analyze

import (
	"fmt"
	"strconv"

	"saker/event"
	"saker/rules"
)

var (
	resSuccess = []byte("SUCCESS")
	dirExit    = []byte("<")
)

var kindNames = func() [][]byte {
	out := make([][]byte, event.NumKinds)
	for _, k := range event.Kinds() {
		out[k] = []byte(k.String())
	}
	return out
}()

func init() {
	fields["evt.type"] = noArg(func(*State) rules.Extractor {
		return strField(func(e *event.Event) ([]byte, bool) {
			if !e.Kind.Valid() {
				return nil, false
			}
			return kindNames[e.Kind], true
		})
	})
	fields["evt.num"] = noArg(func(*State) rules.Extractor {
		return intField(rules.FieldUint, func(e *event.Event) (int64, bool) { return int64(e.Num), true })
	})
	fields["evt.time"] = noArg(func(s *State) rules.Extractor {
		return intField(rules.FieldTime, func(e *event.Event) (int64, bool) { return s.wallNS(), true })
	})
	// Falco's evt.rawtime is the integer nanoseconds since the epoch; evt.time its text form.
	fields["evt.rawtime"] = noArg(func(s *State) rules.Extractor {
		return intField(rules.FieldUint, func(e *event.Event) (int64, bool) { return s.wallNS(), true })
	})
	fields["evt.dir"] = noArg(func(*State) rules.Extractor {
		return strField(func(*event.Event) ([]byte, bool) { return dirExit, true })
	})
	fields["evt.cpu"] = noArg(func(*State) rules.Extractor {
		return intField(rules.FieldUint, func(e *event.Event) (int64, bool) { return int64(e.CPU), true })
	})
	fields["evt.res"] = noArg(func(s *State) rules.Extractor {
		var buf []byte
		return strField(func(e *event.Event) ([]byte, bool) {
			if !e.Kind.IsSyscall() {
				return nil, false
			}
			if e.Res >= 0 {
				return resSuccess, true
			}
			if n := -e.Res; n > 0 && n < int64(len(errnoBytes)) && errnoBytes[n] != nil {
				return errnoBytes[n], true
			}
			buf = strconv.AppendInt(buf[:0], e.Res, 10)
			return buf, true
		})
	})
	fields["evt.rawres"] = noArg(func(*State) rules.Extractor {
		return intField(rules.FieldInt, func(e *event.Event) (int64, bool) {
			return e.Res, e.Kind.IsSyscall()
		})
	})
	fields["evt.failed"] = noArg(func(*State) rules.Extractor {
		return boolField(func(e *event.Event) (bool, bool) { return e.Res < 0, e.Kind.IsSyscall() })
	})
	fields["evt.args"] = noArg(func(*State) rules.Extractor {
		var buf []byte
		return strField(func(e *event.Event) ([]byte, bool) {
			buf = buf[:0]
			ps := e.Kind.Params()
			for i := 0; i < int(e.NArgs) && i < len(ps); i++ {
				if i > 0 {
					buf = append(buf, ' ')
				}
				buf = append(buf, ps[i].Name...)
				buf = append(buf, '=')
				buf = event.AppendArg(buf, ps[i], e.Args[i])
			}
			return buf, e.Kind.Valid()
		})
	})
	fields["evt.arg"] = func(_ *State, arg string) (rules.Extractor, error) {
		n, err := indexArg(arg)
		if err != nil || n < 0 {
			return rules.Extractor{}, fmt.Errorf("evt.arg needs an index: %w", rules.ErrBadFieldArg)
		}
		var buf []byte
		return strField(func(e *event.Event) ([]byte, bool) {
			ps := e.Kind.Params()
			if n >= int(e.NArgs) || n >= len(ps) {
				return nil, false
			}
			buf = event.AppendArg(buf[:0], ps[n], e.Args[n])
			return buf, true
		}), nil
	}
	bufIdx := paramIndexes("data")
	fields["evt.buffer"] = noArg(func(*State) rules.Extractor {
		return rules.Extractor{Type: rules.FieldBytes, Str: func(e *event.Event) ([]byte, bool) {
			i := bufIdx[e.Kind]
			if i < 0 || int(i) >= int(e.NArgs) {
				return nil, false
			}
			return e.Args[i].Bytes, true
		}}
	})
	fields["evt.buflen"] = noArg(func(*State) rules.Extractor {
		return intField(rules.FieldUint, func(e *event.Event) (int64, bool) {
			i := bufIdx[e.Kind]
			if i < 0 || int(i) >= int(e.NArgs) {
				return 0, false
			}
			if e.Res >= 0 {
				return e.Res, true
			}
			return 0, true
		})
	})
	// How the call entered the kernel: an io_uring request replayed as the syscall it stands
	// for, or a 32-bit syscall on a 64-bit kernel. Defined for syscall events only.
	fields["evt.is_io_uring"] = noArg(func(*State) rules.Extractor {
		return boolField(func(e *event.Event) (bool, bool) {
			return e.Flags&event.FlagIOUring != 0, e.Kind.IsSyscall()
		})
	})
	fields["evt.is_32bit"] = noArg(func(*State) rules.Extractor {
		return boolField(func(e *event.Event) (bool, bool) {
			return e.Flags&event.FlagIA32 != 0, e.Kind.IsSyscall()
		})
	})
	fields["evt.is_open_read"] = noArg(func(*State) rules.Extractor {
		return boolField(func(e *event.Event) (bool, bool) {
			fl, _, ok := openFlags(e)
			m := fl & oAccMode
			return m == 0 || m == oRdwr, ok
		})
	})
	fields["evt.is_open_write"] = noArg(func(*State) rules.Extractor {
		return boolField(func(e *event.Event) (bool, bool) {
			fl, _, ok := openFlags(e)
			m := fl & oAccMode
			return m == oWronly || m == oRdwr, ok
		})
	})
	fields["evt.is_open_exec"] = noArg(func(*State) rules.Extractor {
		return boolField(func(e *event.Event) (bool, bool) {
			fl, mode, ok := openFlags(e)
			return fl&(oCreat|oTmpfile) != 0 && mode&0o111 != 0, ok
		})
	})
}

// openFlags returns the flags and mode of open-family events.
func openFlags(e *event.Event) (flags, mode int64, ok bool) {
	switch e.Kind {
	case event.KindOpen:
		return argInt(e, 1), argInt(e, 2), true
	case event.KindOpenat, event.KindOpenat2:
		return argInt(e, 2), argInt(e, 3), true
	case event.KindCreat:
		return oCreat | oWronly | oTrunc, argInt(e, 1), true
	}
	return 0, 0, false
}

// paramIndexes returns, for every kind, the index of its parameter called name or -1.
func paramIndexes(name string) []int8 {
	idx := make([]int8, event.NumKinds)
	for i := range idx {
		idx[i] = int8(event.Kind(i).ParamIndex(name))
	}
	return idx
}

// evtArgByName serves evt.arg.NAME (rendered as Falco prints it) and evt.rawarg.NAME (the
// number for integer parameters, the bytes for the others).
func evtArgByName(_ *State, name string, raw bool) (rules.Extractor, error) {
	idx := paramIndexes(name)
	known, allInt := false, true
	for k, i := range idx {
		if i >= 0 {
			known = true
			if !event.Kind(k).Params()[i].Type.IsInt() {
				allInt = false
			}
		}
	}
	if name == "res" && !known {
		// The return value, as Falco's evt.arg.res of exit events.
		if raw {
			return fields["evt.rawres"](nil, "")
		}
		return fields["evt.res"](nil, "")
	}
	if !known {
		return rules.Extractor{}, fmt.Errorf("field evt.arg.%s: no event has that parameter: %w", name, rules.ErrUnknownField)
	}
	if raw && allInt {
		return intField(rules.FieldInt, func(e *event.Event) (int64, bool) {
			i := idx[e.Kind]
			if i < 0 || int(i) >= int(e.NArgs) {
				return 0, false
			}
			return e.Args[i].Int, true
		}), nil
	}
	var buf []byte
	var flags flagTexts
	return strField(func(e *event.Event) ([]byte, bool) {
		i := idx[e.Kind]
		if i < 0 || int(i) >= int(e.NArgs) {
			return nil, false
		}
		p := e.Kind.Params()[i]
		if raw {
			if p.Type.IsInt() {
				buf = strconv.AppendInt(buf[:0], e.Args[i].Int, 10)
				return buf, true
			}
			return e.Args[i].Bytes, true
		}
		switch p.Type {
		case event.TypeFlags, event.TypeMode, event.TypeEnum:
			return flags.text(e.Kind, p, e.Args[i].Int), true
		}
		buf = event.AppendArg(buf[:0], p, e.Args[i])
		return buf, true
	}), nil
}

// flagTexts caches the renderings of flag, mode and enum arguments (evt.arg.flags is in
// forty of Falco's conditions, on every open): a capture uses few distinct values, and
// rendering one builds a string per call.
type flagTexts struct {
	m map[flagKey][]byte
}

type flagKey struct {
	kind event.Kind
	v    int64
}

// maxFlagTexts bounds the cache against captures of random flag words.
const maxFlagTexts = 4096

// text returns the rendering of v as parameter p of kind k; the bytes stay valid and
// unchanged.
func (c *flagTexts) text(k event.Kind, p event.Param, v int64) []byte {
	key := flagKey{k, v}
	if b, ok := c.m[key]; ok {
		return b
	}
	if c.m == nil || len(c.m) >= maxFlagTexts {
		c.m = make(map[flagKey][]byte)
	}
	b := event.AppendArg(nil, p, event.Int(v))
	c.m[key] = b
	return b
}
