// Package rules loads Falco rules files (lists, macros, rules, exceptions, append and override),
// parses conditions into an AST with a canonical String, compiles them into closures over field
// extractors bound through FieldProvider, indexes rules by event kind, and formats Falco-style
// alerts. It imports only event.
//
// Loading and compiling are two steps, as a spec and a program:
//
//	rs, warns, err := rules.Load("falco_rules.yaml", "rules.d") // field-blind RuleSet
//	en, warns, err := rs.Compile(provider)                      // binds fields: *Engine
//	en.Match(ev, func(r *rules.CompiledRule) {
//		a := r.Alert(ev, wallTime, hostname)
//		fmt.Println(a.Text()) // or json.Marshal(&a)
//	})
//
// Loading follows Falco's engine: lists expand as text before parsing, macros are substituted
// on the tree, exceptions render into the condition, redefinitions keep their position,
// append and override follow Falco's rules per key. A macro sees the macros defined before
// it; as in Falco's compile_macros_infos, macros resolve in definition order, so a macro
// coming later in that order is pasted as written and resolves with its user's visibility.
// Only rules are compiled: a macro no rule uses is checked for syntax and undefined macros
// but not for fields, and only warned about. Errors are an ErrorList of positioned *Error
// values (file:line:col: item: message); every error of the input is reported, not only the
// first.
//
// Conditions follow current libsinsp, list modifiers (proc.name startswith oneof (a, b)) and
// the multi-argument transformers join, concat and getopt included; see call.go.
//
// Compiling asks the FieldProvider for one Extractor per field; evt.type and evt.dir are the
// engine's own. Checks compile to closures with their right sides precomputed (sets, regexps,
// prefixes, CIDRs); a check on a missing value is false whatever its operator. Each rule is
// indexed under the event kinds its condition allows (Rule.Kinds), so Match runs only the rules
// that can match an event's kind. An Engine keeps scratch buffers and a per-event cache of
// extracted values: it is meant for one goroutine, the analyzer's replay loop.
package rules
