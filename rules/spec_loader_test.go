package rules_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"saker/rules"
)

// Falco's rule loader tests as saker's specification of how rules files load: every rules
// file of falcosecurity/falco 1307474 unit_tests/engine/test_rule_loader.cpp (copied as
// loaderSpecDir/<test>.yaml; the files are the test's input, facts about Falco), with what
// the test expects: whether it loads, the errors and warnings it reports (Falco's messages,
// userspace/engine/rule_loading_messages.h, mapped to saker's in loaderMessages), the
// compiled conditions, how many rules end up enabled. Falco's JSON schema validation status,
// which the tests also check, has no counterpart in saker.

type loaderSpec struct {
	name                   string
	ok                     bool
	errors, warns, nowarns []string
	conds                  map[string]string
	enabled                int // -1: not checked
	noWarnings             bool
}

// loaderSpecDir holds the rules file of each upstream test, named after the test.
const loaderSpecDir = "testdata/upstream/test_rule_loader"

// loaderMessages maps Falco's messages to saker's wording of the same error or warning.
var loaderMessages = map[string]string{
	"ERROR_OVERRIDE_APPEND":          "keys override and append: true cannot be used together",
	"ERROR_NO_PREVIOUS_MACRO":        "but no macro by that name is defined before",
	"ERROR_NO_PREVIOUS_LIST":         "but no list by that name is defined before",
	"ERROR_NO_PREVIOUS_RULE_APPEND":  "but no rule by that name is defined before",
	"ERROR_NO_PREVIOUS_RULE_REPLACE": "rule has override but no rule by that name is defined before",
	"WARNING_APPEND":                 "the append key is deprecated",
	"WARNING_ENABLED":                "the standalone enabled key is deprecated",
	"WARNING_NO_EVTTYPE":             "rule matches every event kind",
	"Key 'priority' cannot be appended to, use 'replace' instead":                             `key "priority" cannot be appended to`,
	"An append override for 'condition' was specified but 'condition' is not defined":         `key "condition" is overridden but not defined in the item`,
	"'enabled' was specified but 'enabled' is not defined":                                    `key "enabled" is overridden but not defined in the item`,
	"Unexpected key 'priority'":                                                               `key "priority" is defined but not named in override`,
	"Item has no mapping for key 'fields'":                                                    `exception "test_exception" has no fields`,
	"Rule has been re-defined with a different source":                                        "rule has been re-defined with a different source",
	"Unable to parse engine version":                                                          "required_engine_version",
	"List has an invalid name. List names should match a regular expression":                  "list has an invalid name",
	"Macro has an invalid name. Macro names should match a regular expression":                "macro has an invalid name",
	"Multiple definitions of exception":                                                       "multiple definitions of exception",
	"Overriding/appending exception with no values":                                           "overriding/appending exception with no values",
	"'proc.pname' may be a valid field misused as a const string value":                       `"proc.pname" may be a valid field misused as a const string value`,
	"'proc.pname ' may be a valid field misused as a const string value":                      `"proc.pname " may be a valid field misused as a const string value`,
	"'toupper( proc.pname)' may be a valid field transformer misused as a const string value": `"toupper( proc.pname)" may be a valid field transformer misused as a const string value`,
	"comps must be one of":                                                                    "comps must be one of",
	"'frobulate oneof' is not a supported comparison operator":                                `"frobulate oneof" is not a supported comparison operator`,
	"'in oneof' is not a supported comparison operator":                                       `"in oneof" is not a supported comparison operator`,
	"'>= oneof' is not a supported comparison operator":                                       `">= oneof" is not a supported comparison operator`,
	"'oneof' is not a supported comparison operator":                                          `"oneof" is not a supported comparison operator`,
	"Unknown key 'typo_field'":                                                                `unknown key "typo_field"`,
	"Unknown key 'priority'":                                                                  `unknown key "priority"`,
	"evt.dir":                                                                                 "evt.dir",
	"usage of deprecated field 'evt.dir' has been detected in the rule output":                `usage of deprecated field "evt.dir" has been detected in the rule output`,
}

// loaderDifferences holds the upstream tests on which saker deliberately disagrees.
var loaderDifferences = map[string]string{}

// loadLikeFalco loads and compiles one file as Falco's load_rules does, returning the rule
// set (nil on error), the engine, every message and whether it loaded.
func loadLikeFalco(yaml string) (*rules.RuleSet, *rules.Engine, []string, []string, bool) {
	var errs, warns []string
	rs, w, err := rules.LoadBytes("rules.yaml", []byte(yaml))
	for _, x := range w {
		warns = append(warns, x.String())
	}
	var list rules.ErrorList
	if err != nil {
		if errors.As(err, &list) {
			for _, e := range list {
				errs = append(errs, e.Error())
			}
		}
		return nil, nil, errs, warns, false
	}
	en, w, err := rs.Compile(newTestProvider())
	for _, x := range w {
		warns = append(warns, x.String())
	}
	if err != nil {
		if errors.As(err, &list) {
			for _, e := range list {
				errs = append(errs, e.Error())
			}
		}
		return rs, nil, errs, warns, false
	}
	return rs, en, errs, warns, true
}

func hasMessage(msgs []string, falco string) bool {
	want, ok := loaderMessages[falco]
	if !ok {
		want = falco
	}
	for _, m := range msgs {
		if strings.Contains(strings.ToLower(m), strings.ToLower(want)) {
			return true
		}
	}
	return false
}

func TestUpstreamRuleLoader(t *testing.T) {
	a := &agreement{name: "test_rule_loader.cpp"}
	for _, c := range loaderSpecs {
		yaml, err := os.ReadFile(filepath.Join(loaderSpecDir, c.name+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		rs, en, errs, warns, ok := loadLikeFalco(string(yaml))
		var why []string
		if ok != c.ok {
			why = append(why, "loaded "+map[bool]string{true: "fine", false: "with errors"}[ok])
		}
		for _, e := range c.errors {
			if !hasMessage(errs, e) {
				why = append(why, "no error "+e)
			}
		}
		for _, w := range c.warns {
			if !hasMessage(warns, w) {
				why = append(why, "no warning "+w)
			}
		}
		for _, w := range c.nowarns {
			if hasMessage(warns, w) {
				why = append(why, "warning "+w)
			}
		}
		if c.noWarnings && len(warns) > 0 {
			why = append(why, "warnings")
		}
		for name, want := range c.conds {
			if rs == nil || rs.Rule(name) == nil || rs.Rule(name).AST == nil {
				why = append(why, "no rule "+name)
			} else if got := rs.Rule(name).AST.String(); got != want {
				why = append(why, "condition "+got+", want "+want)
			}
		}
		if c.enabled >= 0 && (en == nil || len(en.Rules()) != c.enabled) {
			why = append(why, "enabled rules differ")
		}
		if check := loaderChecks[c.name]; check != nil && rs != nil {
			why = append(why, check(rs)...)
		}
		a.check(t, c.name, len(why) == 0, loaderDifferences, "%s: %s\nerrors: %q\nwarnings: %q", c.name, strings.Join(why, "; "), errs, warns)
	}
	a.report(t)
}

// loaderChecks check what the upstream tests read from Falco's rule description.
var loaderChecks = map[string]func(*rules.RuleSet) []string{
	"rule_override_append": func(rs *rules.RuleSet) []string {
		return ruleIs(rs.Rule("legit_rule"), "evt.type=open and proc.name = cat", "user=%user.name command=%proc.cmdline file=%fd.name proc=%proc.name", "legit rule description with append", "")
	},
	"rule_override_replace": func(rs *rules.RuleSet) []string {
		return ruleIs(rs.Rule("legit_rule"), "evt.type = close", "user=%user.name command=%proc.cmdline file=%fd.name", "a replaced legit description", "")
	},
	"rule_override_append_replace": func(rs *rules.RuleSet) []string {
		return ruleIs(rs.Rule("legit_rule"), "evt.type = close and proc.name = cat", "user=%user.name command=%proc.cmdline file=%fd.name", "a replaced legit description", "Warning")
	},
	"list_value_with_escaping": func(rs *rules.RuleSet) []string {
		if len(rs.Lists) != 1 || strings.Join(rs.Lists[0].Items, "|") != "non_escaped_val|escaped val" {
			return []string{"list items differ"}
		}
		return nil
	},
	"rule_capture_enabled": func(rs *rules.RuleSet) []string {
		return captureIs(rs.Rule("test_rule"), true, 0)
	},
	"rule_capture_disabled_by_default": func(rs *rules.RuleSet) []string {
		return captureIs(rs.Rule("test_rule"), false, 0)
	},
	"rule_capture_duration": func(rs *rules.RuleSet) []string {
		return captureIs(rs.Rule("test_rule"), true, 10000)
	},
	"rule_override_capture_replace": func(rs *rules.RuleSet) []string {
		return captureIs(rs.Rule("test_rule"), false, 0)
	},
	"rule_override_capture_duration_replace": func(rs *rules.RuleSet) []string {
		return captureIs(rs.Rule("test_rule"), true, 15000)
	},
}

func ruleIs(r *rules.Rule, cond, output, desc, prio string) []string {
	var why []string
	if r == nil {
		return []string{"no rule"}
	}
	if r.Condition != cond {
		why = append(why, "condition "+r.Condition)
	}
	if r.Output != output {
		why = append(why, "output "+r.Output)
	}
	if r.Desc != desc {
		why = append(why, "desc "+r.Desc)
	}
	if prio != "" && r.Priority.String() != prio {
		why = append(why, "priority "+r.Priority.String())
	}
	return why
}

func captureIs(r *rules.Rule, capture bool, duration int) []string {
	if r == nil || r.Capture != capture || r.CaptureDuration != duration {
		return []string{"capture differs"}
	}
	return nil
}
