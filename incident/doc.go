// Package incident turns a replay's findings into what a responder writes up: repeated
// findings rolled up into one (Roller), and findings tied together by process ancestry,
// dropped files, DNS answers and containers grouped into incidents, each with its story in
// phases and its indicators (Collector, Build). docs/INCIDENTS.md describes the rules.
//
// It consumes analyze's findings and records (analyze.Hooks); it knows nothing of stores or
// output formats beyond the indicator files it writes.
package incident
