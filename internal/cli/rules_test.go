package cli

import (
	"os"
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

func TestRulesValidateReportsEveryError(t *testing.T) {
	code, _, errs := runCLI(t, "rules", "validate", "testdata/multi_error_rules.yaml")
	if code != ExitError {
		t.Fatalf("exit %d, want %d\n%s", code, ExitError, errs)
	}
	want := []string{
		`testdata/multi_error_rules.yaml:12:36: rule "Unknown field": field proc.nosuchfield: unknown field`,
		`testdata/multi_error_rules.yaml:17:48: rule "Syntax error": condition: expected a value`,
		`testdata/multi_error_rules.yaml:18:3: rule "Missing output": missing key "output"`,
	}
	at := -1
	for _, w := range want {
		i := strings.Index(errs, w)
		if i < 0 {
			t.Fatalf("errors lack %q:\n%s", w, errs)
		}
		if i < at {
			t.Errorf("%q is out of file order:\n%s", w, errs)
		}
		at = i
	}
}

func TestRulesListDisabledAndSelections(t *testing.T) {
	base := []string{"rules", "list", "--no-default-rules", "-r", "testdata/multi_error_rules.yaml"}
	// The file has errors: list refuses it like analyze does.
	if code, _, _ := runCLI(t, base...); code != ExitError {
		t.Fatalf("list of a file with errors: exit %d", code)
	}
	dir := t.TempDir()
	good := dir + "/good.yaml"
	data, err := os.ReadFile("testdata/multi_error_rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// Keep the good and the disabled rule only.
	text := string(data)
	text = text[:strings.Index(text, "- rule: Unknown field")] + text[strings.Index(text, "- rule: Disabled rule"):]
	if err := os.WriteFile(good, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	rows := func(args ...string) map[string]string {
		t.Helper()
		code, out, errs := runCLI(t, append([]string{"rules", "list", "--no-default-rules", "-r", good}, args...)...)
		if code != 0 {
			t.Fatalf("list %v: exit %d\n%s", args, code, errs)
		}
		m := map[string]string{}
		for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
			f := strings.Fields(line)
			m[strings.Join(f[:2], " ")] = f[3]
		}
		return m
	}
	if got := rows(); got["Good rule"] != "true" || got["Disabled rule"] != "false" || len(got) != 2 {
		t.Errorf("list: %v", got)
	}
	if got := rows("--enabled"); len(got) != 1 || got["Good rule"] != "true" {
		t.Errorf("list --enabled: %v", got)
	}
	if got := rows("--enable", "tag:off_by_default", "--disable", "Good *"); got["Good rule"] != "false" || got["Disabled rule"] != "true" {
		t.Errorf("list --enable tag --disable glob: %v", got)
	}
	if got := rows("--disable", "*", "--enable", "Good rule"); got["Good rule"] != "true" || got["Disabled rule"] != "false" {
		t.Errorf("selections apply in order: %v", got)
	}
	if code, _, errs := runCLI(t, "rules", "list", "--no-default-rules", "-r", good, "--enable", "Nosuch rule"); code != ExitUsage || !strings.Contains(errs, "no rule matches --enable Nosuch rule") {
		t.Errorf("unknown selection: exit %d\n%s", code, errs)
	}
	code, out, _ := runCLI(t, "rules", "explain", "--no-default-rules", "-r", good, "--enable", "Disabled rule", "Disabled rule")
	if code != 0 || !strings.Contains(out, "enabled: true") {
		t.Errorf("explain --enable: exit %d\n%s", code, out)
	}
}

func TestRulesFlagRefusesCapture(t *testing.T) {
	code, _, errs := runCLI(t, "rules", "list", "-r", "../../testdata/captures/curl_google.scap")
	if code != ExitUsage || !strings.Contains(errs, "-r ../../testdata/captures/curl_google.scap: -r takes rules files") {
		t.Fatalf("exit %d\n%s", code, errs)
	}
}
