// Package analyze keeps the state a replay needs (process tree, fd tables, users, containers,
// the DNS index), serves the rule fields from it through rules.FieldProvider, and runs the
// single synchronous replay loop: state update, rule evaluation, findings.
package analyze
