package rules

import (
	"math/bits"

	"saker/event"
)

// KindSet is a set of event kinds.
type KindSet [(event.NumKinds + 63) / 64]uint64

// AllKinds returns the set of every valid kind.
func AllKinds() KindSet {
	var s KindSet
	for k := 1; k < event.NumKinds; k++ {
		s.Add(event.Kind(k))
	}
	return s
}

// Add adds k to s.
func (s *KindSet) Add(k event.Kind) { s[k/64] |= 1 << (k % 64) }

// Has reports whether k is in s.
func (s *KindSet) Has(k event.Kind) bool {
	return int(k) < event.NumKinds && s[k/64]&(1<<(k%64)) != 0
}

// Len returns the number of kinds in s.
func (s KindSet) Len() int {
	n := 0
	for _, w := range s {
		n += bits.OnesCount64(w)
	}
	return n
}

// IsAll reports whether s holds every valid kind.
func (s KindSet) IsAll() bool { return s == AllKinds() }

// Kinds returns the kinds of s in order.
func (s KindSet) Kinds() []event.Kind {
	var ks []event.Kind
	for k := 1; k < event.NumKinds; k++ {
		if s.Has(event.Kind(k)) {
			ks = append(ks, event.Kind(k))
		}
	}
	return ks
}

// Names returns the names of the kinds of s in order.
func (s KindSet) Names() []string {
	var ns []string
	for _, k := range s.Kinds() {
		ns = append(ns, k.String())
	}
	return ns
}

func (s KindSet) and(t KindSet) KindSet {
	for i := range s {
		s[i] &= t[i]
	}
	return s
}

func (s KindSet) or(t KindSet) KindSet {
	for i := range s {
		s[i] |= t[i]
	}
	return s
}

func (s KindSet) not() KindSet {
	all := AllKinds()
	for i := range s {
		s[i] = ^s[i] & all[i]
	}
	return s
}

// subsetOf reports whether every kind of s is in t.
func (s KindSet) subsetOf(t KindSet) bool {
	for i := range s {
		if s[i]&^t[i] != 0 {
			return false
		}
	}
	return true
}

// kindsOf computes the kinds a resolved condition can match: and intersects, or unites, not
// of an evt.type check complements, and every other check allows all kinds.
func kindsOf(n Node) (KindSet, error) {
	switch x := n.(type) {
	case *AndExpr:
		s := AllKinds()
		for _, k := range x.Kids {
			ks, err := kindsOf(k)
			if err != nil {
				return s, err
			}
			s = s.and(ks)
		}
		return s, nil
	case *OrExpr:
		var s KindSet
		for _, k := range x.Kids {
			ks, err := kindsOf(k)
			if err != nil {
				return s, err
			}
			s = s.or(ks)
		}
		return s, nil
	case *NotExpr:
		if inner, ok := x.X.(*NotExpr); ok {
			return kindsOf(inner.X)
		}
		if c, ok := x.X.(*Check); ok && c.Field.Name == "evt.type" {
			s, err := evtTypeKinds(c)
			return s.not(), err
		}
		return AllKinds(), nil
	case *Check:
		if x.Field.Name == "evt.type" {
			return evtTypeKinds(x)
		}
		if neverTrue(x) {
			return KindSet{}, nil
		}
	}
	return AllKinds(), nil
}

// evtTypeKinds evaluates an evt.type check against every kind's name.
func evtTypeKinds(c *Check) (KindSet, error) {
	var s KindSet
	if c.Value != nil && c.Value.Field != nil {
		return AllKinds(), nil
	}
	cc := &compiler{}
	fn, err := cc.check(c)
	if err != nil {
		return s, err
	}
	var e event.Event
	for k := 1; k < event.NumKinds; k++ {
		e.Kind = event.Kind(k)
		if fn(&e) {
			s.Add(e.Kind)
		}
	}
	return s, nil
}

// neverTrue reports whether a check holds for no event: evt.num = 0, Falco's never_true
// idiom (events count from 1).
func neverTrue(c *Check) bool {
	return c.Field.Name == "evt.num" && !c.Field.HasArg && len(c.Field.Transformers) == 0 && !c.Field.IsCall() &&
		(c.Op == "=" || c.Op == "==") && c.Mod == "" && c.Value != nil && c.Value.Field == nil &&
		len(c.Value.Items) == 1 && c.Value.Items[0] == "0"
}
