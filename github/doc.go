// Package github reads GitHub webhook deliveries and workflow files offline and finds workflows
// that run cryptominers; its events have the source "github" for rules.
package github
