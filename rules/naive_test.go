package rules_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"net/netip"
	"path"
	"regexp"
	"strconv"
	"strings"

	"saker/event"
	"saker/rules"
)

// naiveEval is the reference evaluator: it walks the tree for every event, binds fields on
// every check and compares values converted to text or numbers on the spot. It shares no code
// with the compiled evaluator beyond the provider and the AST.
func naiveEval(p *testProvider, n rules.Node, e *event.Event) bool {
	switch x := n.(type) {
	case *rules.AndExpr:
		for _, k := range x.Kids {
			if !naiveEval(p, k, e) {
				return false
			}
		}
		return true
	case *rules.OrExpr:
		for _, k := range x.Kids {
			if naiveEval(p, k, e) {
				return true
			}
		}
		return false
	case *rules.NotExpr:
		return !naiveEval(p, x.X, e)
	case *rules.Check:
		return naiveCheck(p, x, e)
	}
	panic("naive: unexpected node")
}

// naiveValue is a field's value as the reference sees it.
type naiveValue struct {
	typ  rules.FieldType
	strs []string // text values (one unless a list)
	num  int64
	ip   netip.Addr
}

func naiveField(p *testProvider, f rules.FieldRef, e *event.Event) (naiveValue, bool) {
	var v naiveValue
	switch {
	case f.IsCall():
		var ok bool
		if v, ok = naiveCall(p, f, e); !ok {
			return v, false
		}
	case f.Name == "evt.type":
		v = naiveValue{typ: rules.FieldString, strs: []string{e.Kind.String()}}
	case f.Name == "evt.dir":
		v = naiveValue{typ: rules.FieldString, strs: []string{"<"}}
	default:
		x, err := p.Field("syscall", f.Name, f.Arg)
		if err != nil {
			panic(err)
		}
		v.typ = x.Type
		var ok bool
		switch x.Type {
		case rules.FieldString, rules.FieldBytes:
			var b []byte
			b, ok = x.Str(e)
			v.strs = []string{string(b)}
		case rules.FieldStrings:
			var l [][]byte
			l, ok = x.List(e, nil)
			for _, b := range l {
				v.strs = append(v.strs, string(b))
			}
		case rules.FieldIP:
			v.ip, ok = x.IP(e)
			v.strs = []string{v.ip.String()}
		default:
			v.num, ok = x.Int(e)
			switch x.Type {
			case rules.FieldBool:
				v.strs = []string{strconv.FormatBool(v.num != 0)}
			case rules.FieldUint:
				v.strs = []string{strconv.FormatUint(uint64(v.num), 10)}
			default:
				v.strs = []string{strconv.FormatInt(v.num, 10)}
			}
		}
		if !ok {
			return v, false
		}
	}
	for i := len(f.Transformers) - 1; i >= 0; i-- {
		tr := f.Transformers[i]
		if tr == "len" {
			n := len(v.strs)
			if v.typ != rules.FieldStrings {
				n = len(v.strs[0])
			}
			v = naiveValue{typ: rules.FieldInt, num: int64(n), strs: []string{strconv.Itoa(n)}}
			continue
		}
		var out []string
		for _, s := range v.strs {
			switch tr {
			case "tolower":
				out = append(out, strings.Map(asciiLower, s))
			case "toupper":
				out = append(out, strings.Map(asciiUpper, s))
			case "basename":
				out = append(out, s[strings.LastIndexByte(s, '/')+1:])
			case "b64":
				d, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
				if err != nil {
					if v.typ != rules.FieldStrings {
						return v, false
					}
					continue
				}
				out = append(out, string(d))
			}
		}
		v.strs = out
	}
	return v, true
}

func asciiLower(r rune) rune {
	if r >= 'A' && r <= 'Z' {
		return r + 32
	}
	return r
}

func asciiUpper(r rune) rune {
	if r >= 'a' && r <= 'z' {
		return r - 32
	}
	return r
}

func isNum(t rules.FieldType) bool {
	return t == rules.FieldInt || t == rules.FieldUint || t == rules.FieldBool || t == rules.FieldTime || t == rules.FieldDuration
}

// naiveCall evaluates join, concat and getopt on values extracted one argument at a time.
func naiveCall(p *testProvider, f rules.FieldRef, e *event.Event) (naiveValue, bool) {
	var args []naiveValue
	for _, a := range f.Args {
		v, ok := naiveArg(p, a, e)
		if !ok {
			return v, false
		}
		args = append(args, v)
	}
	str := func(s string) naiveValue { return naiveValue{typ: rules.FieldString, strs: []string{s}} }
	switch f.Name {
	case "join":
		return str(strings.Join(args[1].strs, args[0].strs[0])), true
	case "concat":
		var b strings.Builder
		for _, a := range args {
			b.WriteString(a.strs[0])
		}
		return str(b.String()), true
	case "getopt":
		opts := naiveGetopt(args[0].strs, args[1].strs[0])
		if !f.HasArg {
			var out []string
			for _, o := range opts {
				switch {
				case !o.known:
					out = append(out, "?")
				case !o.takes:
					out = append(out, o.letter)
				case o.missing:
					out = append(out, "")
				default:
					out = append(out, o.letter, o.value)
				}
			}
			return naiveValue{typ: rules.FieldStrings, strs: out}, true
		}
		found, val := false, ""
		for _, o := range opts {
			if o.known && o.letter == f.Arg {
				found, val = true, o.letter
				if o.takes {
					val = o.value
				}
			}
		}
		return str(val), found
	}
	panic("naive: call " + f.Name)
}

// naiveArg evaluates one argument of a call: a literal, a field or a list of those.
func naiveArg(p *testProvider, a rules.CallArg, e *event.Event) (naiveValue, bool) {
	switch {
	case a.IsList:
		l := naiveValue{typ: rules.FieldStrings, strs: []string{}}
		for _, x := range a.List {
			v, ok := naiveArg(p, x, e)
			if !ok {
				return v, false
			}
			l.strs = append(l.strs, v.strs...)
		}
		return l, true
	case a.Field != nil:
		return naiveField(p, *a.Field, e)
	}
	return naiveValue{typ: rules.FieldString, strs: []string{a.Lit}}, true
}

// naiveOpt is one option naiveGetopt found.
type naiveOpt struct {
	letter, value         string
	known, takes, missing bool
}

// naiveGetopt scans argv like getopt(3).
func naiveGetopt(argv []string, optstring string) []naiveOpt {
	optstring = strings.TrimPrefix(optstring, ":")
	takes := map[byte]int{} // 1: flag, 2: takes a value
	for i := 0; i < len(optstring); i++ {
		if optstring[i] == ':' {
			continue
		}
		takes[optstring[i]] = 1
		if i+1 < len(optstring) && optstring[i+1] == ':' {
			takes[optstring[i]] = 2
			i++
		}
	}
	var out []naiveOpt
	for i := 0; i < len(argv); i++ {
		a := argv[i]
		if a == "--" {
			break
		}
		if strings.HasPrefix(a, "--") && len(a) > 2 {
			continue
		}
		if len(a) < 2 || a[0] != '-' {
			break
		}
	letters:
		for j := 1; j < len(a); j++ {
			o := naiveOpt{letter: a[j : j+1], known: takes[a[j]] > 0, takes: takes[a[j]] == 2}
			if o.takes {
				switch {
				case j+1 < len(a):
					o.value = a[j+1:]
				case i+1 < len(argv):
					i++
					o.value = argv[i]
				default:
					o.missing = true
				}
			}
			out = append(out, o)
			if o.takes {
				break letters
			}
		}
	}
	return out
}

func naiveCheck(p *testProvider, c *rules.Check, e *event.Event) bool {
	if c.Mod != "" {
		// Modifiers are sugar: count the items for which the plain check holds.
		n := 0
		for _, it := range c.Value.Items {
			one := *c
			one.Mod, one.Value = "", &rules.Value{Items: []string{it}}
			if naiveCheck(p, &one, e) {
				n++
			}
		}
		switch c.Mod {
		case "oneof":
			return n == 1
		case "allof":
			return n > 0 && n == len(c.Value.Items)
		}
		return n > 0
	}
	lhs, ok := naiveField(p, c.Field, e)
	if !ok {
		return false
	}
	if c.Op == "exists" {
		return true
	}
	if c.Value.Field != nil {
		rhs, ok := naiveField(p, *c.Value.Field, e)
		if !ok {
			return false
		}
		if isNum(lhs.typ) && isNum(rhs.typ) {
			return naiveNum(c.Op, lhs.num, rhs.num, lhs.typ == rules.FieldUint)
		}
		if lhs.typ == rules.FieldIP && rhs.typ == rules.FieldIP && (c.Op == "=" || c.Op == "==" || c.Op == "!=") {
			return (lhs.ip.Unmap() == rhs.ip.Unmap()) == (c.Op != "!=")
		}
		for _, a := range lhs.strs {
			for _, b := range rhs.strs {
				op := c.Op
				if op == "in" || op == "intersects" {
					op = "="
				}
				if naiveStr(op, a, []string{b}) {
					return true
				}
			}
		}
		return false
	}
	items := c.Value.Items
	if isNum(lhs.typ) && c.Mod == "" && naiveIsNumOp(c.Op) {
		for _, it := range items {
			want := naiveParseNum(it, lhs.typ)
			if c.Op == "in" || c.Op == "intersects" {
				if lhs.num == want {
					return true
				}
				continue
			}
			return naiveNum(c.Op, lhs.num, want, lhs.typ == rules.FieldUint)
		}
		return false
	}
	if lhs.typ == rules.FieldIP && c.Mod == "" && (c.Op == "=" || c.Op == "==" || c.Op == "!=" || c.Op == "in" || c.Op == "intersects") {
		in := false
		for _, it := range items {
			var pr netip.Prefix
			if strings.Contains(it, "/") {
				pr = netip.MustParsePrefix(it)
			} else {
				a := netip.MustParseAddr(it)
				pr = netip.PrefixFrom(a, a.BitLen())
			}
			if pr.Contains(lhs.ip.Unmap()) {
				in = true
			}
		}
		return in == (c.Op != "!=")
	}
	for _, s := range lhs.strs {
		if c.Mod != "" {
			n := 0
			for _, it := range items {
				if naiveStr(c.Op, s, []string{it}) {
					n++
				}
			}
			if (c.Mod == "allof" && n == len(items) && n > 0) || (c.Mod != "allof" && n > 0) {
				return true
			}
			continue
		}
		if naiveStr(c.Op, s, items) {
			return true
		}
	}
	return false
}

// naiveComponents splits a path into its non-empty components.
func naiveComponents(p string) []string {
	var out []string
	for _, c := range strings.Split(p, "/") {
		if c != "" {
			out = append(out, c)
		}
	}
	return out
}

func naiveIsNumOp(op string) bool {
	switch op {
	case "=", "==", "!=", "<", "<=", ">", ">=", "in", "intersects":
		return true
	}
	return false
}

func naiveParseNum(s string, t rules.FieldType) int64 {
	if t == rules.FieldBool {
		if strings.EqualFold(s, "true") {
			return 1
		}
		return 0
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var n uint64
	if strings.HasPrefix(strings.ToLower(s), "0x") {
		n, _ = strconv.ParseUint(s[2:], 16, 64)
	} else {
		n, _ = strconv.ParseUint(s, 10, 64)
	}
	if neg {
		return -int64(n)
	}
	return int64(n)
}

func naiveNum(op string, a, b int64, unsigned bool) bool {
	less := a < b
	if unsigned && b >= 0 {
		less = uint64(a) < uint64(b)
	}
	if unsigned && b < 0 {
		less = false // an unsigned value is above every negative number
	}
	switch op {
	case "=", "==":
		return a == b
	case "!=":
		return a != b
	case "<":
		return less
	case "<=":
		return less || a == b
	case ">":
		return !less && a != b
	case ">=":
		return !less
	}
	panic("naive: numeric op " + op)
}

func naiveStr(op, s string, items []string) bool {
	switch op {
	case "in", "intersects":
		for _, it := range items {
			if s == it {
				return true
			}
		}
		return false
	case "pmatch":
		for _, it := range items {
			if strings.ContainsAny(it, "*?[") {
				// Component by component, each a shell pattern.
				pat, comps := naiveComponents(it), naiveComponents(s)
				ok := len(pat) <= len(comps)
				for i := 0; ok && i < len(pat); i++ {
					ok, _ = path.Match(strings.Replace(pat[i], "[!", "[^", 1), comps[i])
				}
				if ok {
					return true
				}
				continue
			}
			it = strings.TrimRight(it, "/")
			if it == "" || s == it || strings.HasPrefix(s, it+"/") {
				return true
			}
		}
		return false
	}
	v := items[0]
	switch op {
	case "=", "==":
		return s == v
	case "!=":
		return s != v
	case "<":
		return s < v
	case "<=":
		return s <= v
	case ">":
		return s > v
	case ">=":
		return s >= v
	case "contains":
		return strings.Contains(s, v)
	case "icontains":
		return strings.Contains(strings.Map(asciiLower, s), strings.Map(asciiLower, v))
	case "startswith":
		return strings.HasPrefix(s, v)
	case "endswith":
		return strings.HasSuffix(s, v)
	case "bcontains", "bstartswith":
		b, _ := hex.DecodeString(v)
		if op == "bcontains" {
			return bytes.Contains([]byte(s), b)
		}
		return bytes.HasPrefix([]byte(s), b)
	case "glob", "iglob":
		if op == "iglob" {
			s, v = strings.Map(asciiLower, s), strings.Map(asciiLower, v)
		}
		// path.Match stops '*' at '/', fnmatch without flags does not: match each
		// '/'-free rewrite by replacing '/' in both with a byte patterns never hold.
		ok, _ := path.Match(strings.ReplaceAll(v, "/", "\x01"), strings.ReplaceAll(s, "/", "\x01"))
		return ok
	case "regex":
		return regexp.MustCompile("^(?:" + v + ")$").MatchString(s)
	}
	panic("naive: string op " + op)
}
