package cli

import (
	"strings"
	"testing"
)

func TestRulesValidate(t *testing.T) {
	code, out, errs := runCLI(t, "rules", "validate", "testdata/curl_rule.yaml")
	if code != 0 || !strings.Contains(out, "ok: 1 rules") {
		t.Fatalf("valid file: exit %d\n%s%s", code, out, errs)
	}
	code, _, errs = runCLI(t, "rules", "validate", "testdata/bad_rules.yaml")
	if code != ExitError {
		t.Fatalf("bad file: exit %d, want 1\n%s", code, errs)
	}
	for _, want := range []string{"testdata/bad_rules.yaml:4:", "no_such_macro", "testdata/bad_rules.yaml:11:", "missing_macro_too"} {
		if !strings.Contains(errs, want) {
			t.Errorf("errors lack %q:\n%s", want, errs)
		}
	}
	code, _, errs = runCLI(t, "rules", "validate", "testdata/bad_field.yaml")
	if code != ExitError || !strings.Contains(errs, "testdata/bad_field.yaml:4:") || !strings.Contains(errs, "proc.nosuchfield") {
		t.Fatalf("unknown field: exit %d\n%s", code, errs)
	}
}

func TestRulesListAndExplain(t *testing.T) {
	code, out, errs := runCLI(t, "rules", "list")
	if code != 0 {
		t.Fatalf("list: exit %d\n%s", code, errs)
	}
	for _, want := range []string{"Known Miner Binary Executed", "Stratum URI in Command Line", "Github action with miners", "execve,execveat"} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q", want)
		}
	}
	code, out, _ = runCLI(t, "rules", "explain", "Stratum URI in Command Line")
	if code != 0 || !strings.Contains(out, "event types: execve, execveat") || !strings.Contains(out, "stratum+tcp://") {
		t.Fatalf("explain: exit %d\n%s", code, out)
	}
	if code, _, _ := runCLI(t, "rules", "explain", "No such rule"); code != ExitError {
		t.Fatalf("explain unknown rule: exit %d, want 1", code)
	}
	code, out, _ = runCLI(t, "rules", "list", "--no-default-rules", "-r", "testdata/curl_rule.yaml")
	if code != 0 || !strings.Contains(out, "Curl connects out") || strings.Contains(out, "Known Miner") {
		t.Fatalf("list --no-default-rules -r: exit %d\n%s", code, out)
	}
}
