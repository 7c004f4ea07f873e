package rules

import (
	"errors"
	"fmt"
	"strings"

	"saker/event"
)

// Engine is a compiled RuleSet: enabled rules as closures over field extractors, indexed by
// the event kinds they can match. An Engine is not safe for concurrent use: compiled checks
// keep scratch buffers, as the analyzer's single replay loop allows.
type Engine struct {
	rules    []*CompiledRule
	bySource map[string]*kindIndex
	syscall  *kindIndex // bySource["syscall"], for Match
	gen      *uint64    // bumped per evaluated event; see fieldCache
}

// kindIndex lists, per event kind, the rules that can match it, and their conditions as
// compiled for that kind.
type kindIndex struct {
	rules [event.NumKinds][]*CompiledRule
	// evals[k][i] is the condition of rules[k][i] for events of kind k: a rule of a few kinds
	// is compiled once per kind, with its evt.type checks folded for that kind alone, so that
	// `(evt.type = connect and A) or (evt.type = sendto and B)` is just A for a connect: no
	// kind checks run, and the other branch is gone.
	evals [event.NumKinds][]evalFn
}

// maxSpecializedKinds bounds the kinds a rule is compiled for one by one; a rule of more
// kinds (one without an evt.type check can match all of them) keeps one condition for all.
const maxSpecializedKinds = 16

// SyscallSource is the source of Falco's syscall rules, the default of a rule's source key.
const SyscallSource = "syscall"

// CompiledRule is a rule bound to fields: its spec, its condition and its output format.
type CompiledRule struct {
	*Rule
	eval evalFn
	out  *outputFormat
	gen  *uint64
}

// Compile binds every rule of rs to the fields of p. Rules whose source p does not serve are
// skipped with a warning, as are rules with skip-if-unknown-filter that use unknown fields;
// every other binding error (unknown field or argument, bad value for the field's type, bad
// regex, unknown output field) is returned in an ErrorList naming file:line:col and the rule.
// Disabled rules are checked too but do not run.
func (rs *RuleSet) Compile(p FieldProvider) (*Engine, []Warning, error) {
	served := map[string]bool{}
	for _, s := range p.Sources() {
		served[s] = true
	}
	en := &Engine{gen: new(uint64), bySource: map[string]*kindIndex{}, syscall: &kindIndex{}}
	en.bySource[SyscallSource] = en.syscall
	cache := &fieldCache{gen: en.gen, ops: map[string]operand{}}
	memo := newSubtreeMemo(en.gen, rs.Rules)
	var errs ErrorList
	var warns []Warning
	seen := map[string]bool{}
	for _, r := range rs.Rules {
		item := itemName("rule", r.Name)
		if !served[r.Source] {
			warns = append(warns, Warning{Pos: r.Pos, Item: item, Msg: fmt.Sprintf("source %q is not served; rule skipped", r.Source)})
			continue
		}
		if r.AST == nil {
			continue // a rule set loaded with errors: the rule's own error was reported then
		}
		cc := &compiler{p: p, source: r.Source, kinds: r.Kinds, fold: true, cache: cache, memo: memo}
		res := cc.node(r.AST)
		out, oerrs := cc.output(r.Output, r.outputAt)
		cc.errs = append(cc.errs, oerrs...)
		for _, w := range cc.warns {
			if key := w.pos.String() + w.err.Error(); !seen[key] {
				seen[key] = true
				warns = append(warns, Warning{Pos: w.pos, Item: item, Msg: w.err.Error()})
			}
		}
		if len(cc.errs) > 0 {
			if r.SkipIfUnknownFilter && allUnknown(cc.errs) {
				warns = append(warns, Warning{Pos: r.Pos, Item: item, Msg: fmt.Sprintf("rule skipped: %v", cc.errs[0].err)})
				continue
			}
			for _, ce := range cc.errs {
				if errors.Is(ce.err, ErrUnknownSource) {
					warns = append(warns, Warning{Pos: r.Pos, Item: item, Msg: fmt.Sprintf("rule skipped: %v", ce.err)})
					break
				}
				msg := ce.err.Error()
				key := ce.pos.String() + msg
				if seen[key] {
					continue // a macro used by several rules reports once
				}
				seen[key] = true
				errs = append(errs, &Error{Pos: ce.pos, Item: item, Msg: msg})
			}
			continue
		}
		if strings.Contains(r.Output, "%container.info") {
			warns = append(warns, Warning{Pos: r.Pos, Item: item, Msg: "%container.info is deprecated and prints nothing"})
		}
		cr := &CompiledRule{Rule: r, eval: res.eval(), out: out, gen: en.gen}
		if !r.Enabled {
			continue
		}
		en.rules = append(en.rules, cr)
		if res.konst < 0 {
			continue
		}
		idx := en.bySource[r.Source]
		if idx == nil {
			idx = &kindIndex{}
			en.bySource[r.Source] = idx
		}
		kinds := r.Kinds.Kinds()
		for _, k := range kinds {
			eval := cr.eval
			if len(kinds) > 1 && len(kinds) <= maxSpecializedKinds {
				var one KindSet
				one.Add(k)
				kc := &compiler{p: p, source: r.Source, kinds: one, fold: true, cache: cache, memo: memo}
				kr := kc.node(r.AST)
				if len(kc.errs) > 0 {
					// Folding cannot add errors to a rule that compiled; should it, the
					// condition for all kinds stands.
					kr = res
				}
				if kr.konst < 0 {
					continue // no event of kind k can match
				}
				eval = kr.eval()
			}
			idx.rules[k] = append(idx.rules[k], cr)
			idx.evals[k] = append(idx.evals[k], eval)
		}
	}
	sortErrors(errs, rs.files)
	if len(errs) > 0 {
		return nil, warns, errs
	}
	return en, warns, nil
}

func allUnknown(errs []checkError) bool {
	for _, e := range errs {
		if !errors.Is(e.err, ErrUnknownField) {
			return false
		}
	}
	return true
}

// Rules returns the enabled compiled rules in definition order.
func (en *Engine) Rules() []*CompiledRule { return en.rules }

// RulesFor returns the enabled syscall rules that can match events of kind k.
func (en *Engine) RulesFor(k event.Kind) []*CompiledRule {
	if int(k) >= event.NumKinds {
		return nil
	}
	return en.syscall.rules[k]
}

// Match calls fn for every enabled syscall rule whose condition holds for e, in definition
// order. Only the rules indexed under e's kind run.
func (en *Engine) Match(e *event.Event, fn func(r *CompiledRule)) {
	en.match(en.syscall, e, fn)
}

// MatchSource is Match for the rules of another source ("github").
func (en *Engine) MatchSource(source string, e *event.Event, fn func(r *CompiledRule)) {
	en.match(en.bySource[source], e, fn)
}

func (en *Engine) match(idx *kindIndex, e *event.Event, fn func(r *CompiledRule)) {
	if idx == nil || int(e.Kind) >= event.NumKinds {
		return
	}
	*en.gen++
	for i, eval := range idx.evals[e.Kind] {
		if eval(e) {
			fn(idx.rules[e.Kind][i])
		}
	}
}

// AppendMatches appends the syscall rules matching e to dst and returns it, so that a caller
// can reuse one slice for every event.
func (en *Engine) AppendMatches(dst []*CompiledRule, e *event.Event) []*CompiledRule {
	if int(e.Kind) >= event.NumKinds {
		return dst
	}
	*en.gen++
	rules := en.syscall.rules[e.Kind]
	for i, eval := range en.syscall.evals[e.Kind] {
		if eval(e) {
			dst = append(dst, rules[i])
		}
	}
	return dst
}

// Eval reports whether the rule's condition holds for e, whatever e's kind.
func (r *CompiledRule) Eval(e *event.Event) bool {
	*r.gen++
	return r.Kinds.Has(e.Kind) && r.eval(e)
}
