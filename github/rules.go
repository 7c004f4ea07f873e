package github

import _ "embed"

// DefaultRules is saker's default rules file for the github source (rules.yaml), in Falco's
// rules language; package analyze loads it with the other embedded rules.
//
//go:embed rules.yaml
var DefaultRules []byte
