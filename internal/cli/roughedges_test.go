package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The first hour of a responder with saker: exit codes, early errors, messages and terminal
// conventions, each through the command-line entry point.

func TestAnalyzeUsageErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no rules at all", []string{"analyze", demoScap, "--no-default-rules"}, "--no-default-rules without -r"},
		{"-r given a capture", []string{"analyze", "-r", demoScap}, "-r takes rules files; give the capture as an argument"},
		{"-r given a bundle", []string{"analyze", "-r", "../../testdata/captures/lab-host"}, "-r takes rules files"},
		{"bad --color", []string{"analyze", demoScap, "--color", "pink"}, "--color"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errs := runCLI(t, c.args...)
			if code != ExitUsage || !strings.Contains(errs, c.want) {
				t.Fatalf("exit %d, want %d with %q; stderr:\n%s", code, ExitUsage, c.want, errs)
			}
		})
	}
}

func TestAnalyzeOutputPathsCheckedFirst(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no", "such", "dir")
	for _, flag := range []string{"--report", "--db"} {
		code, _, errs := runCLI(t, "analyze", demoScap, "--progress=false", flag, filepath.Join(missing, "out"))
		if code != ExitError || !strings.Contains(errs, "cannot write in "+missing) {
			t.Fatalf("%s into a missing directory: exit %d\n%s", flag, code, errs)
		}
		// Checked before the analysis: no capture was read.
		if strings.Contains(errs, "events from") {
			t.Errorf("%s: the analysis ran before the output path was checked:\n%s", flag, errs)
		}
	}
	code, _, errs := runCLI(t, "analyze", demoScap, "--progress=false", "--report", t.TempDir())
	if code != ExitUsage || !strings.Contains(errs, "is a directory") {
		t.Fatalf("--report DIR: exit %d\n%s", code, errs)
	}
}

func TestAnalyzeDBExistsNamesForce(t *testing.T) {
	db := filepath.Join(t.TempDir(), "a.duckdb")
	if err := os.WriteFile(db, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, "analyze", demoScap, "--progress=false", "--db", db)
	if code != ExitError || !strings.Contains(errs, "give --force to replace it") {
		t.Fatalf("exit %d\n%s", code, errs)
	}
}

func TestAnalyzeNotACapture(t *testing.T) {
	code, _, errs := runCLI(t, "analyze", t.TempDir(), "--progress=false")
	if code != ExitError || !strings.Contains(errs, "not a saker capture bundle or a .scap file") ||
		strings.Contains(errs, "no such file") {
		t.Fatalf("empty directory: exit %d\n%s", code, errs)
	}
}

func TestAnalyzeQuietAndColor(t *testing.T) {
	code, out, errs := runCLI(t, "analyze", demoScap, "--progress=false", "-q", "-r", "testdata/curl_rule.yaml", "--color", "always")
	if code != ExitOK || out == "" {
		t.Fatalf("exit %d, stdout %q\n%s", code, out, errs)
	}
	if strings.Contains(errs, "RULE") || strings.Contains(errs, "events from") || strings.Contains(errs, "skipped") {
		t.Errorf("-q printed the summary:\n%s", errs)
	}
	if !strings.Contains(out, "\x1b[") || !strings.Contains(out, "\x1b[0m") {
		t.Errorf("--color=always: no colour in\n%q", out)
	}
	_, out, _ = runCLI(t, "analyze", demoScap, "--progress=false", "-r", "testdata/curl_rule.yaml")
	if strings.Contains(out, "\x1b") {
		t.Errorf("auto colour on a pipe: %q", out)
	}
	t.Setenv("NO_COLOR", "1")
	if c, err := colorMode("auto", os.Stdout); c || err != nil {
		t.Errorf("NO_COLOR: colour %v, %v", c, err)
	}
}

func TestColorPriority(t *testing.T) {
	line := "12:00:00.000000000: Critical Outbound connection (process=Critical)"
	got := colorPriority(line, 2)
	if got != "12:00:00.000000000: \x1b[1;31mCritical\x1b[0m Outbound connection (process=Critical)" {
		t.Errorf("got %q", got)
	}
}

func TestAnalyzeStdin(t *testing.T) {
	raw, err := os.ReadFile(demoScap)
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := Main([]string{"analyze", "-", "--progress=false", "-r", "testdata/curl_rule.yaml"}, bytes.NewReader(raw), &out, &errb)
	if code != ExitOK || !strings.Contains(errb.String(), "saker: -: ") || out.String() == "" {
		t.Fatalf("stdin: exit %d, stdout %q\n%s", code, out.String(), errb.String())
	}
	_, fileOut, _ := runCLI(t, "analyze", demoScap, "--progress=false", "-r", "testdata/curl_rule.yaml")
	if out.String() != fileOut {
		t.Errorf("findings from stdin differ from the file's:\n%s\n---\n%s", out.String(), fileOut)
	}
}

func TestAnalyzeDNSFileOutsideCapture(t *testing.T) {
	// The capture is from 2018; an answer of 2030 names nothing in it.
	p := filepath.Join(t.TempDir(), "later.pcapng")
	if err := os.WriteFile(p, poolAnswerPcapng(t, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, "analyze", demoScap, "--progress=false", "--dns", p)
	if code != ExitOK || !strings.Contains(errs, "outside the capture") || !strings.Contains(errs, "2030-01-01") {
		t.Fatalf("exit %d\n%s", code, errs)
	}
}

func TestVersionFlag(t *testing.T) {
	code, out, _ := runCLI(t, "--version")
	_, sub, _ := runCLI(t, "version")
	if code != ExitOK || !strings.HasPrefix(out, "saker ") || out != sub {
		t.Fatalf("--version: exit %d %q, version %q", code, out, sub)
	}
}

func TestQueryErrorKeepsLineBreaks(t *testing.T) {
	db := queryDB(t)
	code, _, errs := runCLI(t, "query", db, "SELECT nope\nFROM findings")
	if code != ExitError || strings.Contains(errs, `\x0a`) || strings.Count(errs, "\n") < 2 {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	if strings.Contains(errs, "\x1b") {
		t.Errorf("control characters reached the terminal: %q", errs)
	}
}

func TestScanWorkflowsNothingScanned(t *testing.T) {
	code, out, errs := runCLI(t, "scan-workflows", t.TempDir())
	if code != ExitOK || !strings.Contains(errs, "nothing scanned") || strings.Contains(out, "no miners") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestSkippedTypesInSummary(t *testing.T) {
	_, _, errs := runCLI(t, "analyze", demoScap, "--progress=false")
	if !strings.Contains(errs, "saker: "+demoScap+": 1176 events of ") || strings.Contains(errs, "warning: "+demoScap+": 1176") {
		t.Fatalf("skipped event types should be a summary line, not a warning:\n%s", errs)
	}
}

func TestCompletePresets(t *testing.T) {
	code, out, errs := runCLI(t, "__complete", "query", "x.duckdb", "--preset", "")
	if code != ExitOK || !strings.Contains(out, "pool-connections") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
}
