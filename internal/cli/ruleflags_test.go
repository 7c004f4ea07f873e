package cli

import (
	"strings"
	"testing"
)

func TestAnalyzeRuleSelectionsAndSummary(t *testing.T) {
	code, out, errs := runCLI(t, "analyze", demoScap, "-r", "testdata/curl_rule.yaml", "--progress=false")
	if code != 0 || !strings.Contains(errs, "saker: -r testdata/curl_rule.yaml: 1 rules, 1 enabled") || !strings.Contains(out, "curl connected") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = runCLI(t, "analyze", demoScap, "-r", "testdata/curl_rule.yaml", "--disable", "tag:test", "--progress=false")
	if code != 0 || !strings.Contains(errs, "1 rules, 0 enabled") || strings.Contains(out, "curl connected") {
		t.Fatalf("--disable tag:test: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = runCLI(t, "analyze", demoScap, "-r", "testdata/curl_rule.yaml", "--disable", "*", "--enable", "Curl *", "--progress=false")
	if code != 0 || !strings.Contains(out, "curl connected") {
		t.Fatalf("--disable * --enable 'Curl *': exit %d\n%s%s", code, out, errs)
	}
	if code, _, errs := runCLI(t, "analyze", demoScap, "-r", demoScap, "--progress=false"); code != ExitUsage || !strings.Contains(errs, "-r takes rules files") {
		t.Fatalf("-r capture: exit %d\n%s", code, errs)
	}
}
