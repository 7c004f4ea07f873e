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
				d, err := base64.StdEncoding.DecodeString(s)
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

func naiveCheck(p *testProvider, c *rules.Check, e *event.Event) bool {
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
	if unsigned {
		less = uint64(a) < uint64(b)
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
