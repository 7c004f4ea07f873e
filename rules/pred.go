package rules

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// strPred returns a predicate over one string value for op with the right-side items,
// everything precomputed: sets for in, compiled regexps, decoded byte strings.
func strPred(op, mod string, items []string) (func([]byte) bool, error) {
	if mod != "" {
		preds := make([]func([]byte) bool, len(items))
		for i, it := range items {
			p, err := strPred(op, "", []string{it})
			if err != nil {
				return nil, err
			}
			preds[i] = p
		}
		return modPred(mod, preds), nil
	}
	switch op {
	case "in", "intersects":
		return inPred(items), nil
	case "pmatch":
		return pmatchPred(items), nil
	}
	if len(items) != 1 {
		return nil, fmt.Errorf("operator %s takes one value", op)
	}
	v := items[0]
	vb := []byte(v)
	switch op {
	case "=", "==":
		return func(b []byte) bool { return string(b) == v }, nil
	case "!=":
		return func(b []byte) bool { return string(b) != v }, nil
	case "<":
		return func(b []byte) bool { return string(b) < v }, nil
	case "<=":
		return func(b []byte) bool { return string(b) <= v }, nil
	case ">":
		return func(b []byte) bool { return string(b) > v }, nil
	case ">=":
		return func(b []byte) bool { return string(b) >= v }, nil
	case "contains":
		return func(b []byte) bool { return bytes.Contains(b, vb) }, nil
	case "icontains":
		lv := []byte(lowerASCII(v))
		return func(b []byte) bool { return containsFold(b, lv) }, nil
	case "startswith":
		return func(b []byte) bool { return bytes.HasPrefix(b, vb) }, nil
	case "endswith":
		return func(b []byte) bool { return bytes.HasSuffix(b, vb) }, nil
	case "bcontains", "bstartswith":
		hb, err := hex.DecodeString(v)
		if err != nil {
			return nil, fmt.Errorf("%s needs a hex byte string, got %q", op, v)
		}
		if op == "bcontains" {
			return func(b []byte) bool { return bytes.Contains(b, hb) }, nil
		}
		return func(b []byte) bool { return bytes.HasPrefix(b, hb) }, nil
	case "glob":
		return func(b []byte) bool { return globMatch(vb, b, false) }, nil
	case "iglob":
		lv := []byte(lowerASCII(v))
		return func(b []byte) bool { return globMatch(lv, b, true) }, nil
	case "regex":
		if _, err := regexp.Compile(v); err != nil {
			return nil, fmt.Errorf("bad regex: %w", err)
		}
		re, err := regexp.Compile("^(?:" + v + ")$")
		if err != nil {
			return nil, fmt.Errorf("bad regex: %w", err)
		}
		return re.Match, nil
	}
	return nil, fmt.Errorf("operator %s is not supported for string fields", op)
}

// pmatchPred matches paths under any of the items, component by component as libsinsp
// does: /opt/dir matches /opt/dir and /opt/dir/x but not /opt/dir2. Components of an item
// holding '*', '?' or '[' match as shell patterns: /opt/*/subdir matches /opt/a/subdir/x.
func pmatchPred(items []string) func([]byte) bool {
	var prefixes [][]byte
	var globs [][][]byte
	for _, it := range items {
		if strings.ContainsAny(it, "*?[") {
			globs = append(globs, splitPath([]byte(it), nil))
			continue
		}
		if it != "/" {
			it = strings.TrimRight(it, "/")
		}
		prefixes = append(prefixes, []byte(it))
	}
	var comps [][]byte
	return func(b []byte) bool {
		for _, p := range prefixes {
			if bytes.HasPrefix(b, p) && (len(b) == len(p) || b[len(p)] == '/' || p[len(p)-1] == '/') {
				return true
			}
		}
		if len(globs) == 0 {
			return false
		}
		comps = splitPath(b, comps[:0])
		for _, g := range globs {
			if globPrefix(g, comps) {
				return true
			}
		}
		return false
	}
}

// splitPath appends the non-empty '/'-separated components of p to out.
func splitPath(p []byte, out [][]byte) [][]byte {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '/')
		if i < 0 {
			return append(out, p)
		}
		if i > 0 {
			out = append(out, p[:i])
		}
		p = p[i+1:]
	}
	return out
}

// globPrefix reports whether the pattern components match the first components of a path.
func globPrefix(pat, comps [][]byte) bool {
	if len(pat) > len(comps) {
		return false
	}
	for i, p := range pat {
		if !globMatch(p, comps[i], false) {
			return false
		}
	}
	return true
}

// modPred combines the predicates of a modified check, one per item of its list, as
// libsinsp does: oneof holds when exactly one holds, anyof when at least one does, allof
// when all do. An empty list holds for none.
func modPred[T any](mod string, preds []func(T) bool) func(T) bool {
	switch mod {
	case "allof":
		return func(v T) bool {
			for _, p := range preds {
				if !p(v) {
					return false
				}
			}
			return len(preds) > 0
		}
	case "oneof":
		return func(v T) bool {
			n := 0
			for _, p := range preds {
				if p(v) {
					if n++; n > 1 {
						return false
					}
				}
			}
			return n == 1
		}
	}
	return func(v T) bool {
		for _, p := range preds {
			if p(v) {
				return true
			}
		}
		return false
	}
}

// modCounts combines, for a modified check on a list field, how many items hold for some
// element of the list: the modifier applies across the items, each item checking the whole
// list as an unmodified check does.
func modCounts(mod string, hits, items int) bool {
	switch mod {
	case "allof":
		return items > 0 && hits == items
	case "oneof":
		return hits == 1
	}
	return hits > 0
}

// str2Pred compares two string values, for checks whose right side is a field.
func str2Pred(op string) (func(a, b []byte) bool, error) {
	switch op {
	case "=", "==", "in", "intersects":
		return bytes.Equal, nil
	case "!=":
		return func(a, b []byte) bool { return !bytes.Equal(a, b) }, nil
	case "<":
		return func(a, b []byte) bool { return bytes.Compare(a, b) < 0 }, nil
	case "<=":
		return func(a, b []byte) bool { return bytes.Compare(a, b) <= 0 }, nil
	case ">":
		return func(a, b []byte) bool { return bytes.Compare(a, b) > 0 }, nil
	case ">=":
		return func(a, b []byte) bool { return bytes.Compare(a, b) >= 0 }, nil
	case "contains":
		return bytes.Contains, nil
	case "icontains":
		return func(a, b []byte) bool { return containsFold(a, []byte(lowerASCII(string(b)))) }, nil
	case "startswith":
		return bytes.HasPrefix, nil
	case "endswith":
		return bytes.HasSuffix, nil
	case "glob":
		return func(a, b []byte) bool { return globMatch(b, a, false) }, nil
	case "iglob":
		return func(a, b []byte) bool { return globMatch([]byte(lowerASCII(string(b))), a, true) }, nil
	case "pmatch":
		return func(a, b []byte) bool { return pmatchPred([]string{string(b)})(a) }, nil
	}
	return nil, fmt.Errorf("operator %s is not supported between two fields", op)
}

// parseNum converts a right-side text for a numeric field: decimal or 0x hex, true/false for
// booleans. A negative number is accepted for unsigned fields too: numPred compares it as a
// number below every unsigned value, as libsinsp does (evt.cpu > -500 holds).
func parseNum(s string, t FieldType) (int64, error) {
	if t == FieldBool {
		switch strings.ToLower(s) {
		case "true":
			return 1, nil
		case "false":
			return 0, nil
		}
		return 0, fmt.Errorf("%q is not true or false", s)
	}
	neg := strings.HasPrefix(s, "-")
	u := strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	base := 10
	if strings.HasPrefix(u, "0x") || strings.HasPrefix(u, "0X") {
		base, u = 16, u[2:]
	}
	n, err := strconv.ParseUint(u, base, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if neg {
		return -int64(n), nil
	}
	return int64(n), nil
}

func isNumeric(t FieldType) bool {
	return t == FieldInt || t == FieldUint || t == FieldBool || t == FieldTime || t == FieldDuration
}

// numPred returns a predicate over one numeric value.
func numPred(op string, items []string, t FieldType) (func(int64) bool, error) {
	vals := make([]int64, len(items))
	for i, it := range items {
		n, err := parseNum(it, t)
		if err != nil {
			return nil, err
		}
		vals[i] = n
	}
	switch op {
	case "in", "intersects":
		if len(vals) <= 8 {
			return func(n int64) bool {
				for _, v := range vals {
					if n == v {
						return true
					}
				}
				return false
			}, nil
		}
		set := make(map[int64]struct{}, len(vals))
		for _, v := range vals {
			set[v] = struct{}{}
		}
		return func(n int64) bool { _, ok := set[n]; return ok }, nil
	}
	if len(vals) != 1 {
		return nil, fmt.Errorf("operator %s takes one value", op)
	}
	v := vals[0]
	cmp, err := num2Pred(op, t)
	if err != nil {
		return nil, err
	}
	if t == FieldUint && v < 0 && op != "=" && op != "==" && op != "!=" {
		above := op == ">" || op == ">="
		return func(int64) bool { return above }, nil
	}
	switch op {
	case "=", "==":
		return func(n int64) bool { return n == v }, nil
	case "!=":
		return func(n int64) bool { return n != v }, nil
	}
	return func(n int64) bool { return cmp(n, v) }, nil
}

// num2Pred compares two numbers, unsigned for FieldUint.
func num2Pred(op string, t FieldType) (func(a, b int64) bool, error) {
	u := t == FieldUint
	switch op {
	case "=", "==", "in", "intersects":
		return func(a, b int64) bool { return a == b }, nil
	case "!=":
		return func(a, b int64) bool { return a != b }, nil
	case "<":
		if u {
			return func(a, b int64) bool { return uint64(a) < uint64(b) }, nil
		}
		return func(a, b int64) bool { return a < b }, nil
	case "<=":
		if u {
			return func(a, b int64) bool { return uint64(a) <= uint64(b) }, nil
		}
		return func(a, b int64) bool { return a <= b }, nil
	case ">":
		if u {
			return func(a, b int64) bool { return uint64(a) > uint64(b) }, nil
		}
		return func(a, b int64) bool { return a > b }, nil
	case ">=":
		if u {
			return func(a, b int64) bool { return uint64(a) >= uint64(b) }, nil
		}
		return func(a, b int64) bool { return a >= b }, nil
	}
	return nil, fmt.Errorf("operator %s is not supported for numeric fields", op)
}

// ipPred returns a predicate over one IP address: the right side holds addresses or CIDRs.
func ipPred(op string, items []string) (func(netip.Addr) bool, error) {
	prefixes := make([]netip.Prefix, len(items))
	for i, it := range items {
		var err error
		if strings.Contains(it, "/") {
			prefixes[i], err = netip.ParsePrefix(it)
			prefixes[i] = netip.PrefixFrom(prefixes[i].Addr().Unmap(), prefixes[i].Bits()-unmapBits(prefixes[i].Addr())).Masked()
		} else {
			var a netip.Addr
			a, err = netip.ParseAddr(it)
			a = a.Unmap()
			prefixes[i] = netip.PrefixFrom(a, a.BitLen())
		}
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address or CIDR", it)
		}
	}
	match := func(a netip.Addr) bool {
		a = a.Unmap()
		for _, p := range prefixes {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	switch op {
	case "=", "==", "in", "intersects":
		return match, nil
	case "!=":
		if len(prefixes) != 1 {
			return nil, fmt.Errorf("operator != takes one value")
		}
		return func(a netip.Addr) bool { return !match(a) }, nil
	}
	return nil, fmt.Errorf("operator %s is not supported for IP fields", op)
}

func unmapBits(a netip.Addr) int {
	if a.Is4In6() {
		return 96
	}
	return 0
}

// inPred tests membership: a few items compare directly, more go through a map guarded by
// the set of item lengths, which rejects most values without hashing them.
func inPred(items []string) func([]byte) bool {
	switch len(items) {
	case 0:
		return func([]byte) bool { return false }
	case 1:
		v := items[0]
		return func(b []byte) bool { return string(b) == v }
	}
	if len(items) <= 4 {
		return func(b []byte) bool {
			for _, v := range items {
				if string(b) == v {
					return true
				}
			}
			return false
		}
	}
	set := make(map[string]struct{}, len(items))
	var lens [2]uint64 // bit n: some item has length n (lengths >= 127 share bit 127)
	for _, it := range items {
		set[it] = struct{}{}
		n := min(len(it), 127)
		lens[n/64] |= 1 << (n % 64)
	}
	return func(b []byte) bool {
		n := min(len(b), 127)
		if lens[n/64]&(1<<(n%64)) == 0 {
			return false
		}
		_, ok := set[string(b)]
		return ok
	}
}
