// Package github reads GitHub webhook deliveries and workflow files offline and finds workflows
// that run cryptominers; its events have the source "github" for rules.
//
// Load (or Open) turns deliveries into events of kind event.KindGithub, resolving each run's
// workflow file at the run's commit with a Resolver (a local git clone, or files exported beside
// the deliveries) and scanning it with ScanWorkflow. Fields lists the rule fields of the github
// source, named as Falco's GitHub plugin names them, for package analyze to bind; DefaultRules
// holds the default rules. ScanPath scans workflow files on disk for `saker scan-workflows`.
//
// The package imports only saker/event; docs/GITHUB.md describes the input layouts.
package github
