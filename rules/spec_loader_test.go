package rules_test

import (
	"errors"
	"strings"
	"testing"

	"saker/rules"
)

// Falco's rule loader tests as saker's specification of how rules files load: every rules
// file of falcosecurity/falco 1307474 unit_tests/engine/test_rule_loader.cpp, with what the
// test expects: whether it loads, the errors and warnings it reports (Falco's messages,
// userspace/engine/rule_loading_messages.h, mapped to saker's in loaderMessages), the
// compiled conditions, how many rules end up enabled. Falco's JSON schema validation status,
// which the tests also check, has no counterpart in saker.

type loaderSpec struct {
	name, yaml             string
	ok                     bool
	errors, warns, nowarns []string
	conds                  map[string]string
	enabled                int // -1: not checked
	noWarnings             bool
}

var loaderSpecs = []loaderSpec{
	{
		name: "list_append",
		yaml: `
- list: shell_binaries
  items: [ash, bash, csh, ksh, sh, tcsh, zsh, dash]

- rule: legit_rule
  desc: legit rule description
  condition: evt.type=open and proc.name in (shell_binaries)
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO

- list: shell_binaries
  items: [pwsh]
  override:
    items: append
`,
		ok:      true,
		conds:   map[string]string{"legit_rule": "(evt.type = open and proc.name in (ash, bash, csh, ksh, sh, tcsh, zsh, dash, pwsh))"},
		enabled: -1,
	},
	{
		name: "condition_append",
		yaml: `
- macro: interactive
  condition: >
    ((proc.aname=sshd and proc.name != sshd) or
    proc.name=systemd-logind or proc.name=login)

- rule: legit_rule
  desc: legit rule description
  condition: evt.type=open and interactive
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO

- macro: interactive
  condition: or proc.name = ssh
  override:
    condition: append
`,
		ok:      true,
		conds:   map[string]string{"legit_rule": "(evt.type = open and (((proc.aname = sshd and proc.name != sshd) or proc.name = systemd-logind or proc.name = login) or proc.name = ssh))"},
		enabled: -1,
	},
	{
		name: "rule_override_append",
		yaml: `
- rule: legit_rule
  desc: legit rule description
  condition: evt.type=open
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO

- rule: legit_rule
  desc: with append
  condition: and proc.name = cat
  output: proc=%proc.name
  override:
    desc: append
    condition: append
    output: append
`,
		ok:      true,
		nowarns: []string{"WARNING_APPEND"},
		enabled: -1,
	},
	{
		name: "rule_append",
		yaml: `
- rule: legit_rule
  desc: legit rule description
  condition: evt.type=open
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO

- rule: legit_rule
  condition: and proc.name = cat
  append: true
`,
		ok:      true,
		warns:   []string{"WARNING_APPEND"},
		conds:   map[string]string{"legit_rule": "(evt.type = open and proc.name = cat)"},
		enabled: -1,
	},
	{
		name: "rule_override_replace",
		yaml: `
- rule: legit_rule
  desc: legit rule description
  condition: evt.type=open
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO

- rule: legit_rule
  desc: a replaced legit description
  condition: evt.type = close
  override:
    desc: replace
    condition: replace
`,
		ok:      true,
		enabled: -1,
	},
	{
		name: "rule_override_append_replace",
		yaml: `
- rule: legit_rule
  desc: legit rule description
  condition: evt.type = close
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO

- rule: legit_rule
  desc: a replaced legit description
  condition: and proc.name = cat
  priority: WARNING
  override:
    desc: replace
    condition: append
    priority: replace
`,
		ok:      true,
		enabled: -1,
	},
	{
		name: "rule_incorrect_override_type",
		yaml: `
- rule: failing_rule
  desc: legit rule description
  condition: evt.type = close
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO

- rule: failing_rule
  desc: an appended incorrect field
  condition: and proc.name = cat
  priority: WARNING
  override:
    desc: replace
    condition: append
    priority: append
`,
		ok:      false,
		errors:  []string{"Key 'priority' cannot be appended to, use 'replace' instead"},
		enabled: -1,
	},
	{
		name: "rule_incorrect_append_override",
		yaml: `
- rule: failing_rule
  desc: legit rule description
  condition: evt.type = close
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO

- rule: failing_rule
  desc: an appended incorrect field
  condition: and proc.name = cat
  append: true
  override:
    desc: replace
    condition: append
`,
		ok:      false,
		errors:  []string{"ERROR_OVERRIDE_APPEND"},
		warns:   []string{"WARNING_APPEND"},
		enabled: -1,
	},
	{
		name: "macro_override_append_before_macro_definition",
		yaml: `

- macro: open_simple
  condition: or evt.type = openat2
  override:
    condition: append

- macro: open_simple
  condition: evt.type in (open,openat)

- rule: test_rule
  desc: simple rule
  condition: open_simple
  output: command=%proc.cmdline
  priority: INFO

`,
		ok:      false,
		errors:  []string{"ERROR_NO_PREVIOUS_MACRO"},
		enabled: -1,
	},
	{
		name: "macro_override_replace_before_macro_definition",
		yaml: `

- macro: open_simple
  condition: or evt.type = openat2
  override:
    condition: replace

- macro: open_simple
  condition: evt.type in (open,openat)

- rule: test_rule
  desc: simple rule
  condition: open_simple
  output: command=%proc.cmdline
  priority: INFO

`,
		ok:      true,
		conds:   map[string]string{"test_rule": "evt.type in (open, openat)"},
		enabled: -1,
	},
	{
		name: "macro_append_before_macro_definition",
		yaml: `

- macro: open_simple
  condition: or evt.type = openat2
  append: true

- macro: open_simple
  condition: evt.type in (open,openat)

- rule: test_rule
  desc: simple rule
  condition: open_simple
  output: command=%proc.cmdline
  priority: INFO

`,
		ok:      false,
		errors:  []string{"ERROR_NO_PREVIOUS_MACRO"},
		enabled: -1,
	},
	{
		name: "macro_override_append_after_macro_definition",
		yaml: `

- macro: open_simple
  condition: evt.type in (open,openat)

- macro: open_simple
  condition: or evt.type = openat2
  override:
    condition: append

- rule: test_rule
  desc: simple rule
  condition: open_simple
  output: command=%proc.cmdline
  priority: INFO

`,
		ok:      true,
		conds:   map[string]string{"test_rule": "(evt.type in (open, openat) or evt.type = openat2)"},
		enabled: -1,
	},
	{
		name: "macro_append_after_macro_definition",
		yaml: `

- macro: open_simple
  condition: evt.type in (open,openat)

- macro: open_simple
  condition: or evt.type = openat2
  append: true

- rule: test_rule
  desc: simple rule
  condition: open_simple
  output: command=%proc.cmdline
  priority: INFO

`,
		ok:      true,
		conds:   map[string]string{"test_rule": "(evt.type in (open, openat) or evt.type = openat2)"},
		enabled: -1,
	},
	{
		name: "rule_override_append_before_rule_definition",
		yaml: `
- rule: test_rule
  condition: and proc.name = cat
  override:
    condition: append

- rule: test_rule
  desc: simple rule
  condition: evt.type in (open,openat)
  output: command=%proc.cmdline
  priority: INFO

`,
		ok:      false,
		errors:  []string{"ERROR_NO_PREVIOUS_RULE_APPEND"},
		enabled: -1,
	},
	{
		name: "rule_override_replace_before_rule_definition",
		yaml: `
- rule: test_rule
  condition: and proc.name = cat
  override:
    condition: replace

- rule: test_rule
  desc: simple rule
  condition: evt.type in (open,openat)
  output: command=%proc.cmdline
  priority: INFO

`,
		ok:      false,
		errors:  []string{"ERROR_NO_PREVIOUS_RULE_REPLACE"},
		enabled: -1,
	},
	{
		name: "rule_append_before_rule_definition",
		yaml: `
- rule: test_rule
  condition: and proc.name = cat
  append: true

- rule: test_rule
  desc: simple rule
  condition: evt.type in (open,openat)
  output: command=%proc.cmdline
  priority: INFO

`,
		ok:      false,
		errors:  []string{"ERROR_NO_PREVIOUS_RULE_APPEND"},
		enabled: -1,
	},
	{
		name: "rule_override_append_after_rule_definition",
		yaml: `
- rule: test_rule
  desc: simple rule
  condition: evt.type in (open,openat)
  output: command=%proc.cmdline
  priority: INFO

- rule: test_rule
  condition: and proc.name = cat
  override:
    condition: append
`,
		ok:      true,
		conds:   map[string]string{"test_rule": "(evt.type in (open, openat) and proc.name = cat)"},
		enabled: -1,
	},
	{
		name: "rule_append_after_rule_definition",
		yaml: `
- rule: test_rule
  desc: simple rule
  condition: evt.type in (open,openat)
  output: command=%proc.cmdline
  priority: INFO

- rule: test_rule
  condition: and proc.name = cat
  append: true
`,
		ok:      true,
		conds:   map[string]string{"test_rule": "(evt.type in (open, openat) and proc.name = cat)"},
		enabled: -1,
	},
	{
		name: "list_override_append_wrong_key",
		yaml: `
- list: dev_creation_binaries
  items: ["csi-provisioner", "csi-attacher"]
  override_written_wrong:
    items: append

- list: dev_creation_binaries
  items: [blkid]

- rule: test_rule
  desc: simple rule
  condition: evt.type = execve and proc.name in (dev_creation_binaries)
  output: command=%proc.cmdline
  priority: INFO

`,
		ok:      true,
		conds:   map[string]string{"test_rule": "(evt.type = execve and proc.name in (blkid))"},
		enabled: -1,
	},
	{
		name: "list_override_append_before_list_definition",
		yaml: `
- list: dev_creation_binaries
  items: ["csi-provisioner", "csi-attacher"]
  override:
    items: append

- list: dev_creation_binaries
  items: [blkid]

- rule: test_rule
  desc: simple rule
  condition: evt.type = execve and proc.name in (dev_creation_binaries)
  output: command=%proc.cmdline
  priority: INFO

`,
		ok:      false,
		errors:  []string{"ERROR_NO_PREVIOUS_LIST"},
		enabled: -1,
	},
	{
		name: "list_override_replace_before_list_definition",
		yaml: `
- list: dev_creation_binaries
  items: ["csi-provisioner", "csi-attacher"]
  override:
    items: replace

- list: dev_creation_binaries
  items: [blkid]

- rule: test_rule
  desc: simple rule
  condition: evt.type = execve and proc.name in (dev_creation_binaries)
  output: command=%proc.cmdline
  priority: INFO

`,
		ok:      true,
		conds:   map[string]string{"test_rule": "(evt.type = execve and proc.name in (blkid))"},
		enabled: -1,
	},
	{
		name: "list_append_before_list_definition",
		yaml: `
- list: dev_creation_binaries
  items: ["csi-provisioner", "csi-attacher"]
  append: true

- list: dev_creation_binaries
  items: [blkid]

- rule: test_rule
  desc: simple rule
  condition: evt.type = execve and proc.name in (dev_creation_binaries)
  output: command=%proc.cmdline
  priority: INFO

`,
		ok:      false,
		errors:  []string{"ERROR_NO_PREVIOUS_LIST"},
		enabled: -1,
	},
	{
		name: "list_override_append_after_list_definition",
		yaml: `
- list: dev_creation_binaries
  items: [blkid]

- list: dev_creation_binaries
  items: ["csi-provisioner", "csi-attacher"]
  override:
    items: append

- rule: test_rule
  desc: simple rule
  condition: evt.type = execve and proc.name in (dev_creation_binaries)
  output: command=%proc.cmdline
  priority: INFO

`,
		ok:      true,
		conds:   map[string]string{"test_rule": "(evt.type = execve and proc.name in (blkid, csi-provisioner, csi-attacher))"},
		enabled: -1,
	},
	{
		name: "list_append_after_list_definition",
		yaml: `
- list: dev_creation_binaries
  items: [blkid]

- list: dev_creation_binaries
  items: ["csi-provisioner", "csi-attacher"]
  append: true

- rule: test_rule
  desc: simple rule
  condition: evt.type = execve and proc.name in (dev_creation_binaries)
  output: command=%proc.cmdline
  priority: INFO
`,
		ok:      true,
		conds:   map[string]string{"test_rule": "(evt.type = execve and proc.name in (blkid, csi-provisioner, csi-attacher))"},
		enabled: -1,
	},
	{
		name: "rule_override_without_field",
		yaml: `
- rule: failing_rule
  desc: legit rule description
  condition: evt.type = close
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO

- rule: failing_rule
  desc: an appended incorrect field
  override:
    desc: replace
    condition: append
`,
		ok:      false,
		errors:  []string{"An append override for 'condition' was specified but 'condition' is not defined"},
		enabled: -1,
	},
	{
		name: "rule_override_extra_field",
		yaml: `
- rule: failing_rule
  desc: legit rule description
  condition: evt.type = close
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO

- rule: failing_rule
  desc: an appended incorrect field
  condition: and proc.name = cat
  priority: WARNING
  override:
    desc: replace
    condition: append
`,
		ok:      false,
		errors:  []string{"Unexpected key 'priority'"},
		enabled: -1,
	},
	{
		name: "missing_enabled_key_with_override",
		yaml: `
- rule: test_rule
  desc: test rule description
  condition: evt.type = close
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO
  enabled: false

- rule: test_rule
  desc: missing enabled key
  condition: and proc.name = cat
  override:
    desc: replace
    condition: append
    enabled: replace
`,
		ok:      false,
		errors:  []string{"'enabled' was specified but 'enabled' is not defined"},
		enabled: -1,
	},
	{
		name: "rule_override_with_enabled",
		yaml: `
- rule: test_rule
  desc: test rule description
  condition: evt.type = close
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO
  enabled: false

- rule: test_rule
  desc: correct override
  condition: and proc.name = cat
  enabled: true
  override:
    desc: replace
    condition: append
    enabled: replace
`,
		ok:         true,
		enabled:    1,
		noWarnings: true,
	},
	{
		name: "rule_override_exceptions_required_fields",
		yaml: `
- rule: test_rule
  desc: test rule description
  condition: evt.type = close
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO
  exceptions:
    - name: test_exception
      fields: proc.name
      comps: in
      values: ["cat"]

# when appending, it's fine to provide partial exception definitions
- rule: test_rule
  exceptions:
    - name: test_exception
      values: [echo]
  override:
    exceptions: append

# when replacing, we don't allow partial exception definitions
- rule: test_rule
  exceptions:
    - name: test_exception
      values: [id]
  override:
    exceptions: replace
`,
		ok:         false,
		errors:     []string{"Item has no mapping for key 'fields'"},
		enabled:    -1,
		noWarnings: true,
	},
	{
		name: "rule_not_enabled",
		yaml: `
- rule: test_rule
  desc: rule not enabled
  condition: evt.type = close
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO
  enabled: false
`,
		ok:         true,
		enabled:    0,
		noWarnings: true,
	},
	{
		name: "rule_enabled_warning",
		yaml: `
- rule: test_rule
  desc: test rule description
  condition: evt.type = close
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO
  enabled: false

- rule: test_rule
  enabled: true
`,
		ok:      true,
		warns:   []string{"WARNING_ENABLED"},
		enabled: 1,
	},
	{
		name: "no_evttype_warning_for_narrow_condition",
		yaml: `
- rule: test_rule
  desc: rule with an evt.type restriction
  condition: evt.type = close
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO
`,
		ok:      true,
		nowarns: []string{"WARNING_NO_EVTTYPE"},
		enabled: -1,
	},
	{
		name: "evttype_warning_for_broad_condition",
		yaml: `
- rule: test_rule
  desc: rule without any evt.type restriction
  condition: proc.name = cat
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO
`,
		ok:      true,
		warns:   []string{"WARNING_NO_EVTTYPE"},
		enabled: -1,
	},
	{
		name: "evttype_warning_disabled_by_warn_evttypes",
		yaml: `
- rule: test_rule
  desc: rule without any evt.type restriction but with the warning disabled
  condition: proc.name = cat
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO
  warn_evttypes: false
`,
		ok:      true,
		nowarns: []string{"WARNING_NO_EVTTYPE"},
		enabled: -1,
	},
	{
		name: "no_evttype_warning_for_unsatisfiable_condition",
		yaml: `
- rule: test_rule
  desc: rule with a statically unsatisfiable condition
  condition: evt.num = 0
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO
`,
		ok:      true,
		nowarns: []string{"WARNING_NO_EVTTYPE"},
		enabled: 1,
	},
	{
		name: "no_evttype_warning_for_evt_type_contradiction",
		yaml: `
- rule: test_rule
  desc: rule with contradicting evt.type checks
  condition: evt.type = open and evt.type = close
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO
`,
		ok:      true,
		nowarns: []string{"WARNING_NO_EVTTYPE"},
		enabled: -1,
	},
	{
		name: "no_evttype_warning_for_never_true_macro",
		yaml: `
- macro: never_true
  condition: (evt.num=0)

- macro: user_known_activity
  condition: (never_true)

- rule: anchored_rule_with_placeholder
  desc: anchored rule negating a never_true placeholder
  condition: evt.type = open and not user_known_activity
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO

- rule: placeholder_only_rule
  desc: rule whose condition reduces entirely to never_true
  condition: never_true
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO
`,
		ok:      true,
		nowarns: []string{"WARNING_NO_EVTTYPE"},
		enabled: 2,
	},
	{
		name: "rule_enabled_is_ignored_by_append",
		yaml: `
- rule: test_rule
  desc: test rule description
  condition: evt.type = close
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO
  enabled: false

- rule: test_rule
  condition: and proc.name = cat
  append: true
  enabled: true
`,
		ok:      true,
		enabled: 0,
	},
	{
		name: "rewrite_rule",
		yaml: `
- rule: test_rule
  desc: test rule description
  condition: evt.type = close
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO
  enabled: false

- rule: test_rule
  desc: redefined rule syntax
  condition: proc.name = cat
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: WARNING
  enabled: true
`,
		ok:      true,
		conds:   map[string]string{"test_rule": "proc.name = cat"},
		enabled: 1,
	},
	{
		name: "required_engine_version_semver",
		yaml: `
- required_engine_version: 0.26.0

- rule: test_rule
  desc: test rule description
  condition: evt.type = close
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO
  enabled: false

`,
		ok:         true,
		enabled:    -1,
		noWarnings: true,
	},
	{
		name: "required_engine_version_not_semver",
		yaml: `
- required_engine_version: 26

- rule: test_rule
  desc: test rule description
  condition: evt.type = close
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO
  enabled: false

`,
		ok:         true,
		enabled:    -1,
		noWarnings: true,
	},
	{
		name: "required_engine_version_invalid",
		yaml: `
- required_engine_version: seven

- rule: test_rule
  desc: test rule description
  condition: evt.type = close
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO
  enabled: false

`,
		ok:      false,
		errors:  []string{"Unable to parse engine version"},
		enabled: -1,
	},
	{
		name: "list_value_with_escaping",
		yaml: `
- list: my_list
  items: [non_escaped_val, "escaped val"]
`,
		ok:      true,
		enabled: -1,
	},
	{
		name: "exceptions_condition",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: proc.cmdline contains curl or proc.cmdline contains wget
  output: command=%proc.cmdline
  priority: INFO
  exceptions:
    - name: test_exception
      fields: [proc.cmdline]
      comps: [contains]
      values:
        - [curl 127.0.0.1]
`,
		ok:      true,
		conds:   map[string]string{"test_rule": "((proc.cmdline contains curl or proc.cmdline contains wget) and not proc.cmdline contains \"curl 127.0.0.1\")"},
		enabled: -1,
	},
	{
		name: "macro_name_invalid",
		yaml: `
- macro: test-macro
  condition: evt.type = close
`,
		ok:      true,
		warns:   []string{"Macro has an invalid name. Macro names should match a regular expression"},
		enabled: -1,
	},
	{
		name: "list_name_invalid",
		yaml: `
- list: test list
  items: [open, openat, openat2]

- rule: test_rule
  desc: test rule description
  condition: evt.type in (test list)
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO
  enabled: false

`,
		ok:      true,
		warns:   []string{"List has an invalid name. List names should match a regular expression"},
		enabled: -1,
	},
	{
		name: "exceptions_append_no_values",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: proc.cmdline contains curl
  output: command=%proc.cmdline
  priority: INFO
  exceptions:
    - name: test_exception
      fields: [proc.cmdline]
      comps: [contains]
      values:
        - [curl 127.0.0.1]

- rule: test_rule
  exceptions:
    - name: test_exception
      value: curl 1.1.1.1
  append: true
`,
		ok:      true,
		warns:   []string{"Overriding/appending exception with no values"},
		enabled: -1,
	},
	{
		name: "exceptions_override_no_values",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: proc.cmdline contains curl
  output: command=%proc.cmdline
  priority: INFO
  exceptions:
    - name: test_exception
      fields: [proc.cmdline]
      comps: [contains]
      values:
        - [curl 127.0.0.1]

- rule: test_rule
  exceptions:
    - name: test_exception
      value: curl 1.1.1.1
  override:
    exceptions: append
`,
		ok:      true,
		warns:   []string{"Overriding/appending exception with no values"},
		enabled: -1,
	},
	{
		name: "exceptions_names_not_unique",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: proc.cmdline contains curl
  output: command=%proc.cmdline
  priority: INFO
  exceptions:
    - name: test_exception
      fields: [proc.cmdline]
      comps: [contains]
      values:
        - [curl 127.0.0.1]
    - name: test_exception
      fields: [proc.cmdline]
      comps: [endswith]
      values:
        - [curl 127.0.0.1]
`,
		ok:      true,
		warns:   []string{"Multiple definitions of exception"},
		enabled: -1,
	},
	{
		name: "exceptions_values_rhs_field_ambiguous",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: evt.type = open
  output: command=%proc.cmdline
  priority: INFO

  exceptions:
    - name: test_exception
      fields: [proc.name]
      comps: [=]
      values:
        - [proc.pname]
`,
		ok:      true,
		warns:   []string{"'proc.pname' may be a valid field misused as a const string value"},
		conds:   map[string]string{"test_rule": "(evt.type = open and not proc.name = proc.pname)"},
		enabled: -1,
	},
	{
		name: "exceptions_values_rhs_field_ambiguous_quoted",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: evt.type = open
  output: command=%proc.cmdline
  priority: INFO

  exceptions:
    - name: test_exception
      fields: [proc.name]
      comps: [=]
      values:
        - ["proc.pname"]
`,
		ok:      true,
		warns:   []string{"'proc.pname' may be a valid field misused as a const string value"},
		conds:   map[string]string{"test_rule": "(evt.type = open and not proc.name = proc.pname)"},
		enabled: -1,
	},
	{
		name: "exceptions_values_rhs_field_ambiguous_space_quoted",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: evt.type = open
  output: command=%proc.cmdline
  priority: INFO

  exceptions:
    - name: test_exception
      fields: [proc.name]
      comps: [=]
      values:
        - ["proc.pname "]
`,
		ok:      true,
		warns:   []string{"'proc.pname ' may be a valid field misused as a const string value"},
		conds:   map[string]string{"test_rule": "(evt.type = open and not proc.name = \"proc.pname \")"},
		enabled: -1,
	},
	{
		name: "exceptions_values_rhs_transformer",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: evt.type = open
  output: command=%proc.cmdline
  priority: INFO

  exceptions:
    - name: test_exception
      fields: [proc.name]
      comps: [=]
      values:
        - [toupper(proc.pname)]
`,
		ok:      true,
		conds:   map[string]string{"test_rule": "(evt.type = open and not proc.name = toupper(proc.pname))"},
		enabled: -1,
	},
	{
		name: "exceptions_values_transformer_value_quoted",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: evt.type = open
  output: command=%proc.cmdline
  priority: INFO

  exceptions:
    - name: test_exception
      fields: [proc.name]
      comps: [=]
      values:
        - ["toupper(proc.pname)"]
`,
		ok:      true,
		conds:   map[string]string{"test_rule": "(evt.type = open and not proc.name = toupper(proc.pname))"},
		enabled: -1,
	},
	{
		name: "exceptions_values_transformer_space",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: evt.type = open
  output: command=%proc.cmdline
  priority: INFO

  exceptions:
    - name: test_exception
      fields: [proc.name]
      comps: [=]
      values:
        - [toupper( proc.pname)]
`,
		ok:      true,
		warns:   []string{"'toupper( proc.pname)' may be a valid field transformer misused as a const string value"},
		conds:   map[string]string{"test_rule": "(evt.type = open and not proc.name = \"toupper( proc.pname)\")"},
		enabled: -1,
	},
	{
		name: "exceptions_values_transformer_space_quoted",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: evt.type = open
  output: command=%proc.cmdline
  priority: INFO

  exceptions:
    - name: test_exception
      fields: [proc.name]
      comps: [=]
      values:
        - ["toupper( proc.pname)"]
`,
		ok:      true,
		warns:   []string{"'toupper( proc.pname)' may be a valid field transformer misused as a const string value"},
		conds:   map[string]string{"test_rule": "(evt.type = open and not proc.name = \"toupper( proc.pname)\")"},
		enabled: -1,
	},
	{
		name: "exceptions_fields_transformer",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: evt.type = open
  output: command=%proc.cmdline
  priority: INFO

  exceptions:
    - name: test_exception
      fields: [tolower(proc.name)]
      comps: [=]
      values:
        - [test]
`,
		ok:         true,
		conds:      map[string]string{"test_rule": "(evt.type = open and not tolower(proc.name) = test)"},
		enabled:    -1,
		noWarnings: true,
	},
	{
		name: "exceptions_fields_transformer_quoted",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: evt.type = open
  output: command=%proc.cmdline
  priority: INFO

  exceptions:
    - name: test_exception
      fields: ["tolower(proc.name)"]
      comps: [=]
      values:
        - [test]
`,
		ok:         true,
		conds:      map[string]string{"test_rule": "(evt.type = open and not tolower(proc.name) = test)"},
		enabled:    -1,
		noWarnings: true,
	},
	{
		name: "exceptions_fields_transformer_space_quoted",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: evt.type = open
  output: command=%proc.cmdline
  priority: INFO

  exceptions:
    - name: test_exception
      fields: ["tolower( proc.name)"]
      comps: [=]
      values:
        - [test]
`,
		ok:         true,
		conds:      map[string]string{"test_rule": "(evt.type = open and not tolower(proc.name) = test)"},
		enabled:    -1,
		noWarnings: true,
	},
	{
		name: "redefine_rule_different_source",
		yaml: `
- rule: LD_PRELOAD trick
  desc: Some desc
  condition: ka.verb = GET
  output: some output
  priority: INFO
  source: k8s_audit

- rule: LD_PRELOAD trick
  desc: Some desc
  condition: and 1 = 2
  output: Some output
  priority: INFO
  source: syscall
`,
		ok:      false,
		errors:  []string{"Rule has been re-defined with a different source"},
		enabled: -1,
	},
	{
		name: "append_across_sources",
		yaml: `
- rule: LD_PRELOAD trick
  desc: Some desc
  condition: ka.verb = GET
  output: some output
  priority: INFO
  source: k8s_audit

- rule: LD_PRELOAD trick
  desc: Some desc
  condition: and 1 = 2
  output: Some output
  priority: INFO
  source: syscall
  append: true
`,
		ok:      false,
		errors:  []string{"Rule has been re-defined with a different source"},
		enabled: -1,
	},
	{
		name: "selective_replace_across_sources",
		yaml: `
- rule: LD_PRELOAD trick
  desc: Some desc
  condition: ka.verb = GET
  output: some output
  priority: INFO
  source: k8s_audit

- rule: LD_PRELOAD trick
  condition: 1 = 2
  override:
    condition: replace
  source: syscall
`,
		ok:      false,
		errors:  []string{"Rule has been re-defined with a different source"},
		enabled: -1,
	},
	{
		name: "empty_source_addl_rule",
		yaml: `
- rule: LD_PRELOAD trick
  desc: Some desc
  condition: evt.type=execve
  output: some output
  priority: INFO
  source: syscall

- rule: LD_PRELOAD trick
  desc: Some desc
  condition: and proc.name=apache
  output: Some output
  priority: INFO
  source:
  append: true
`,
		ok:      true,
		enabled: -1,
	},
	{
		name: "empty_string_source_addl_rule",
		yaml: `
- rule: LD_PRELOAD trick
  desc: Some desc
  condition: evt.type=execve
  output: some output
  priority: INFO
  source: syscall

- rule: LD_PRELOAD trick
  desc: Some desc
  condition: and proc.name=apache
  output: Some output
  priority: INFO
  source: ""
  append: true
`,
		ok:      true,
		enabled: -1,
	},
	{
		name: "rule_with_warn_evttypes",
		yaml: `
- rule: test_rule
  desc: test rule description
  condition: evt.type = close
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO
  warn_evttypes: false
`,
		ok:      true,
		enabled: -1,
	},
	{
		name: "rule_with_skip_if_unknown_filter",
		yaml: `
- rule: test_rule
  desc: test rule description
  condition: evt.type = close
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO
  skip-if-unknown-filter: true
`,
		ok:      true,
		enabled: -1,
	},
	{
		name: "override_replace_warn_evttypes",
		yaml: `
- rule: test_rule
  desc: test rule description
  condition: evt.type = close
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO
  warn_evttypes: true

- rule: test_rule
  warn_evttypes: false
  override:
    warn_evttypes: replace
`,
		ok:      true,
		enabled: -1,
	},
	{
		name: "override_replace_capture",
		yaml: `
- rule: test_rule
  desc: test rule description
  condition: evt.type = close
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO

- rule: test_rule
  capture: true
  override:
    capture: replace
`,
		ok:      true,
		enabled: -1,
	},
	{
		name: "override_replace_tags",
		yaml: `
- rule: test_rule
  desc: test rule description
  condition: evt.type = close
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO
  tags: [filesystem]

- rule: test_rule
  tags: [network]
  override:
    tags: replace
`,
		ok:      true,
		enabled: -1,
	},
	{
		name: "rule_unknown_key",
		yaml: `
- rule: test_rule
  desc: test rule description
  condition: evt.type = close
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO
  typo_field: some_value
`,
		ok:      true,
		warns:   []string{"Unknown key 'typo_field'"},
		enabled: -1,
	},
	{
		name: "list_unknown_key",
		yaml: `
- list: my_list
  items: [cat, bash]
  typo_field: some_value

- rule: test_rule
  desc: test rule description
  condition: evt.type = close and proc.name in (my_list)
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO
`,
		ok:      true,
		warns:   []string{"Unknown key 'typo_field'"},
		enabled: -1,
	},
	{
		name: "macro_unknown_key",
		yaml: `
- macro: my_macro
  condition: evt.type = close
  typo_field: some_value

- rule: test_rule
  desc: test rule description
  condition: my_macro
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO
`,
		ok:      true,
		warns:   []string{"Unknown key 'typo_field'"},
		enabled: -1,
	},
	{
		name: "list_cross_type_key_priority",
		yaml: `
- list: my_list
  items: [cat, bash]
  priority: INFO

- rule: test_rule
  desc: test rule description
  condition: evt.type = close and proc.name in (my_list)
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO
`,
		ok:      true,
		warns:   []string{"Unknown key 'priority'"},
		enabled: -1,
	},
	{
		name: "deprecated_field_in_output",
		yaml: `
- rule: test_rule_with_evt_dir_in_output
  desc: test rule with evt.dir in output
  condition: evt.type = close
  output: user=%user.name command=%proc.cmdline file=%fd.name evt.dir=%evt.dir
  priority: INFO
`,
		ok:      true,
		warns:   []string{"usage of deprecated field 'evt.dir' has been detected in the rule output"},
		enabled: 1,
	},
	{
		name: "no_deprecated_field_warning_in_output",
		yaml: `
- rule: test_rule_without_evt_dir
  desc: test rule without evt.dir in output
  condition: evt.type = close
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO
`,
		ok:      true,
		nowarns: []string{"evt.dir"},
		enabled: 1,
	},
	{
		name: "deprecated_evt_dir_folded_scalar_condition_snippet",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: >
    evt.type = close and evt.dir = <
  output: user=%user.name
  priority: INFO
`,
		ok:      true,
		warns:   []string{"evt.dir"},
		enabled: -1,
	},
	{
		name: "deprecated_evt_dir_via_macro_folded_scalar_condition_snippet",
		yaml: `
- macro: spawned_process
  condition: evt.type in (execve, execveat) and evt.dir = <

- rule: test_rule
  desc: test rule
  condition: >
    spawned_process and proc.name = bash
  output: command=%proc.cmdline
  priority: INFO
`,
		ok:      true,
		warns:   []string{"evt.dir"},
		enabled: -1,
	},
	{
		name: "rule_capture_enabled",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: evt.type = close
  output: user=%user.name
  priority: WARNING
  capture: true
`,
		ok:      true,
		enabled: -1,
	},
	{
		name: "rule_capture_disabled_by_default",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: evt.type = close
  output: user=%user.name
  priority: INFO
`,
		ok:      true,
		enabled: -1,
	},
	{
		name: "rule_capture_duration",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: evt.type = close
  output: user=%user.name
  priority: WARNING
  capture: true
  capture_duration: 10000
`,
		ok:      true,
		enabled: -1,
	},
	{
		name: "rule_override_capture_replace",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: evt.type = close
  output: user=%user.name
  priority: WARNING
  capture: true

- rule: test_rule
  capture: false
  override:
    capture: replace
`,
		ok:      true,
		enabled: -1,
	},
	{
		name: "rule_override_capture_duration_replace",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: evt.type = close
  output: user=%user.name
  priority: WARNING
  capture: true
  capture_duration: 5000

- rule: test_rule
  capture_duration: 15000
  override:
    capture_duration: replace
`,
		ok:      true,
		enabled: -1,
	},
	{
		name: "rule_capture_duration_wrong_type",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: evt.type = close
  output: user=%user.name
  priority: INFO
  capture_duration: "not_a_number"
`,
		ok:      false,
		enabled: -1,
	},
	{
		name: "rule_capture_wrong_type",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: evt.type = close
  output: user=%user.name
  priority: INFO
  capture: "yes"
`,
		ok:      true,
		enabled: -1,
	},
	{
		name: "exceptions_modifier_op_startswith_oneof",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: evt.type = open
  output: command=%proc.cmdline
  priority: INFO
  exceptions:
    - name: ex
      fields: [proc.name]
      comps: [startswith oneof]
      values:
        - [[sshd, sudo, systemd]]
`,
		ok:      true,
		conds:   map[string]string{"test_rule": "(evt.type = open and not proc.name startswith oneof (sshd, sudo, systemd))"},
		enabled: -1,
	},
	{
		name: "exceptions_modifier_op_contains_allof",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: evt.type = execve
  output: command=%proc.cmdline
  priority: INFO
  exceptions:
    - name: ex
      fields: [proc.cmdline]
      comps: [contains allof]
      values:
        - [[curl, bash]]
`,
		ok:      true,
		conds:   map[string]string{"test_rule": "(evt.type = execve and not proc.cmdline contains allof (curl, bash))"},
		enabled: -1,
	},
	{
		name: "exceptions_modifier_op_endswith_anyof",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: evt.type = open
  output: command=%proc.cmdline
  priority: INFO
  exceptions:
    - name: ex
      fields: [fd.name]
      comps: [endswith anyof]
      values:
        - [[.sh, .py, .pl]]
`,
		ok:      true,
		conds:   map[string]string{"test_rule": "(evt.type = open and not fd.name endswith anyof (.sh, .py, .pl))"},
		enabled: -1,
	},
	{
		name: "exceptions_modifier_op_glob_oneof",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: evt.type = open
  output: command=%proc.cmdline
  priority: INFO
  exceptions:
    - name: ex
      fields: [fd.name]
      comps: [glob oneof]
      values:
        - [["/tmp/*.sh", "/tmp/*.py", "/dev/shm/*.sh"]]
`,
		ok:      true,
		enabled: -1,
	},
	{
		name: "exceptions_modifier_op_icontains_oneof",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: evt.type = execve
  output: command=%proc.cmdline
  priority: INFO
  exceptions:
    - name: ex
      fields: [proc.cmdline]
      comps: [icontains oneof]
      values:
        - [[MONITOR, HEALTHCHECK, PROBE]]
`,
		ok:      true,
		enabled: -1,
	},
	{
		name: "exceptions_modifier_op_multi_field_mixed",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: evt.type = open
  output: command=%proc.cmdline
  priority: INFO
  exceptions:
    - name: ex
      fields: [proc.name, fd.name]
      comps: [startswith oneof, startswith]
      values:
        - [[sshd, sudo], /etc/]
`,
		ok:      true,
		conds:   map[string]string{"test_rule": "(evt.type = open and not (proc.name startswith oneof (sshd, sudo) and fd.name startswith /etc/))"},
		enabled: -1,
	},
	{
		name: "exceptions_modifier_op_multi_field_both_compound",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: evt.type = open
  output: command=%proc.cmdline
  priority: INFO
  exceptions:
    - name: ex
      fields: [proc.exepath, fd.name]
      comps: [endswith anyof, glob oneof]
      values:
        - [[/dpkg, /rpm, /pip], ["/tmp/*.deb", "/tmp/*.rpm"]]
`,
		ok:      true,
		enabled: -1,
	},
	{
		name: "exceptions_modifier_op_invalid_base_operator",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: evt.type = open
  output: command=%proc.cmdline
  priority: INFO
  exceptions:
    - name: ex
      fields: [proc.name]
      comps: [frobulate oneof]
      values:
        - [[bash]]
`,
		ok:      false,
		errors:  []string{"'frobulate oneof' is not a supported comparison operator"},
		enabled: -1,
	},
	{
		name: "exceptions_modifier_op_invalid_base_operator_scalar_field",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: evt.type = open
  output: command=%proc.cmdline
  priority: INFO
  exceptions:
    - name: ex
      fields: proc.name
      comps: frobulate oneof
      values:
        - [bash]
`,
		ok:      false,
		errors:  []string{"comps must be one of"},
		enabled: -1,
	},
	{
		name: "exceptions_modifier_op_list_op_with_modifier",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: evt.type = open
  output: command=%proc.cmdline
  priority: INFO
  exceptions:
    - name: ex
      fields: [proc.name]
      comps: [in oneof]
      values:
        - [[bash]]
`,
		ok:      false,
		errors:  []string{"'in oneof' is not a supported comparison operator"},
		enabled: -1,
	},
	{
		name: "exceptions_modifier_op_numeric_op_with_modifier",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: evt.type = open
  output: command=%proc.cmdline
  priority: INFO
  exceptions:
    - name: ex
      fields: [proc.pid]
      comps: [">= oneof"]
      values:
        - [[1000]]
`,
		ok:      false,
		errors:  []string{"'>= oneof' is not a supported comparison operator"},
		enabled: -1,
	},
	{
		name: "exceptions_modifier_op_modifier_alone",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: evt.type = open
  output: command=%proc.cmdline
  priority: INFO
  exceptions:
    - name: ex
      fields: [proc.name]
      comps: [oneof]
      values:
        - [[bash]]
`,
		ok:      false,
		errors:  []string{"'oneof' is not a supported comparison operator"},
		enabled: -1,
	},
	{
		name: "exceptions_modifier_op_list_op_unchanged",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: evt.type = open
  output: command=%proc.cmdline
  priority: INFO
  exceptions:
    - name: ex_in
      fields: proc.name
      comps: in
      values:
        - cat
        - grep
    - name: ex_pmatch
      fields: proc.exepath
      comps: pmatch
      values:
        - /usr/bin/
        - /usr/local/bin/
`,
		ok:      true,
		enabled: -1,
	},
	{
		name: "exceptions_modifier_op_eq_oneof",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: evt.type = execve
  output: command=%proc.cmdline
  priority: INFO
  exceptions:
    - name: ex
      fields: [proc.name]
      comps: [= oneof]
      values:
        - [[nmap, masscan, nikto]]
`,
		ok:      true,
		conds:   map[string]string{"test_rule": "(evt.type = execve and not proc.name = oneof (nmap, masscan, nikto))"},
		enabled: -1,
	},
	{
		name: "exceptions_modifier_op_regex_oneof",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: evt.type = execve
  output: command=%proc.cmdline
  priority: INFO
  exceptions:
    - name: ex
      fields: [proc.name]
      comps: [regex oneof]
      values:
        - [["research[0-9]+", "pentest-[0-9]{2,4}"]]
`,
		ok:      true,
		enabled: -1,
	},
	{
		name: "exceptions_modifier_op_scalar_value_parenthesised",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: evt.type = open
  output: command=%proc.cmdline
  priority: INFO
  exceptions:
    - name: ex
      fields: [proc.name]
      comps: [startswith oneof]
      values:
        - [sshd]
`,
		ok:      true,
		conds:   map[string]string{"test_rule": "(evt.type = open and not proc.name startswith oneof (sshd))"},
		enabled: -1,
	},
	{
		name: "exceptions_modifier_op_all_three_modifiers",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: evt.type = execve
  output: command=%proc.cmdline
  priority: INFO
  exceptions:
    - name: ex_oneof
      fields: [proc.name]
      comps: [startswith oneof]
      values:
        - [[ssh, su]]
    - name: ex_anyof
      fields: [proc.name]
      comps: [startswith anyof]
      values:
        - [[ssh, su]]
    - name: ex_allof
      fields: [proc.cmdline]
      comps: [contains allof]
      values:
        - [[curl, ci.internal]]
`,
		ok:      true,
		conds:   map[string]string{"test_rule": "(evt.type = execve and not proc.name startswith oneof (ssh, su) and not proc.name startswith anyof (ssh, su) and not proc.cmdline contains allof (curl, ci.internal))"},
		enabled: -1,
	},
	{
		name: "exceptions_modifier_op_comp_whitespace_normalized",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: evt.type = open
  output: command=%proc.cmdline
  priority: INFO
  exceptions:
    - name: ex_single
      fields: [proc.name]
      comps: ["  startswith oneof  "]
      values:
        - [[sshd, sudo]]
    - name: ex_multi
      fields: [proc.name, fd.name]
      comps: ["  contains  ", "  startswith anyof  "]
      values:
        - [agent, [/etc/, /var/]]
`,
		ok:      true,
		conds:   map[string]string{"test_rule": "(evt.type = open and not proc.name startswith oneof (sshd, sudo) and not (proc.name contains agent and fd.name startswith anyof (/etc/, /var/)))"},
		enabled: -1,
	},
	{
		name: "exceptions_modifier_op_str_op_multi_field_regression",
		yaml: `
- rule: test_rule
  desc: test rule
  condition: evt.type = open
  output: command=%proc.cmdline
  priority: INFO
  exceptions:
    - name: ex
      fields: [proc.name, fd.name, proc.exepath]
      comps: [contains, startswith, =]
      values:
        - [agent, /var/log/, /usr/bin/prometheus]
`,
		ok:      true,
		conds:   map[string]string{"test_rule": "(evt.type = open and not (proc.name contains agent and fd.name startswith /var/log/ and proc.exepath = /usr/bin/prometheus))"},
		enabled: -1,
	},
}

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
		rs, en, errs, warns, ok := loadLikeFalco(c.yaml)
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
		a.check(t, c.name, len(why) == 0, "", loaderDifferences, "%s: %s\nerrors: %q\nwarnings: %q", c.name, strings.Join(why, "; "), errs, warns)
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
