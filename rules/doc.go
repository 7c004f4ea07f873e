// Package rules loads Falco rules files (lists, macros, rules, exceptions, append and override),
// parses conditions into an AST with a canonical String, compiles them into closures over field
// extractors bound through FieldProvider, indexes rules by event kind, and formats Falco-style
// alerts. It imports only event.
package rules
