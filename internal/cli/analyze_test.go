package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

const demoScap = "../../testdata/captures/curl_google.scap"

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestAnalyzeScapWithUserRule(t *testing.T) {
	code, out, errs := runCLI(t, "analyze", demoScap, "-r", "testdata/curl_rule.yaml", "--progress=false")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	if !strings.Contains(out, ": Warning curl connected (server=") || !strings.Contains(out, "port=80") {
		t.Fatalf("no curl finding in output:\n%s", out)
	}
	if !strings.Contains(errs, "Curl connects out") || !strings.Contains(errs, "RULE") {
		t.Fatalf("no summary table on stderr:\n%s", errs)
	}
}

func TestAnalyzeJSONAndFailOn(t *testing.T) {
	code, out, errs := runCLI(t, "analyze", demoScap, "-r", "testdata/curl_rule.yaml", "--json", "--fail-on", "warning", "--progress=false")
	if code != ExitFindings {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, ExitFindings, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for _, l := range lines {
		var alert map[string]any
		if err := json.Unmarshal([]byte(l), &alert); err != nil {
			t.Fatalf("not JSON: %q: %v", l, err)
		}
		for _, k := range []string{"time", "rule", "priority", "source", "hostname", "output", "output_fields", "tags"} {
			if _, ok := alert[k]; !ok {
				t.Fatalf("alert lacks %q: %s", k, l)
			}
		}
	}
	if code, _, _ := runCLI(t, "analyze", demoScap, "-r", "testdata/curl_rule.yaml", "--fail-on", "critical", "--progress=false"); code != 0 {
		t.Fatalf("--fail-on critical with only warnings: exit %d, want 0", code)
	}
}

func TestAnalyzeErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		code int
	}{
		{"no input", []string{"analyze"}, ExitUsage},
		{"missing file", []string{"analyze", "/nonexistent/capture"}, ExitError},
		{"bad priority", []string{"analyze", demoScap, "--fail-on", "loud"}, ExitUsage},
		{"not a capture", []string{"analyze", "testdata/curl_rule.yaml"}, ExitError},
		{"capture without -o", []string{"capture"}, ExitUsage},
		{"capture with an unknown profile", []string{"capture", "-o", "/nonexistent/cap", "--events", "some"}, ExitUsage},
		{"capture with an unknown hook", []string{"capture", "-o", "/nonexistent/cap", "--hook", "kprobe"}, ExitUsage},
		{"export without --parquet", []string{"export", "x.duckdb"}, ExitUsage},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if code, _, errs := runCLI(t, c.args...); code != c.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, c.code, errs)
			}
		})
	}
}

func TestSafeText(t *testing.T) {
	in := "xmrig \x1b[2J\x1b]0;pwned\x07 -o pool\n\xff\xfeok é"
	got := safeText(in)
	if strings.ContainsAny(got, "\x1b\x07\n") || strings.Contains(got, "\xff") {
		t.Fatalf("control bytes survived: %q", got)
	}
	if !strings.Contains(got, `\x1b[2J`) || !strings.Contains(got, `\xff`) || !strings.HasSuffix(got, "ok é") {
		t.Fatalf("escaping lost information: %q", got)
	}
	// C1 CSI, a right-to-left override and a zero-width space: they act on terminals or hide
	// text; printable non-ASCII stays.
	got = safeText("xmrig\u009b2J \u202egnp.exe\u200b 矿工")
	for _, bad := range []string{"\u009b", "\u202e", "\u200b"} {
		if strings.Contains(got, bad) {
			t.Fatalf("%q survived: %q", bad, got)
		}
	}
	if !strings.Contains(got, `\u009b`) || !strings.Contains(got, `\u202e`) || !strings.Contains(got, `\u200b`) || !strings.HasSuffix(got, "矿工") {
		t.Fatalf("escaped form wrong: %q", got)
	}
}

func TestAnalyzeWritesDatabase(t *testing.T) {
	db := t.TempDir() + "/demo.duckdb"
	if code, _, errs := runCLI(t, "analyze", demoScap, "-r", "testdata/curl_rule.yaml", "--db", db, "--progress=false"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	code, out, errs := runCLI(t, "query", db, "--format", "csv",
		"SELECT f.rule, p.exe, e.kind FROM findings f JOIN processes p ON p.capture_id = f.capture_id AND p.process_key = f.process_key JOIN events e ON e.capture_id = f.capture_id AND e.event_num = f.event_num")
	if code != 0 {
		t.Fatalf("query exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "Curl connects out") || !strings.Contains(out, "curl") || !strings.Contains(out, "connect") {
		t.Fatalf("finding does not join its process and event:\n%s", out)
	}
	if code, _, _ := runCLI(t, "analyze", demoScap, "--db", db, "--progress=false"); code != ExitError {
		t.Fatalf("overwriting without --force: exit %d, want 1", code)
	}
}

func TestAnalyzeWritesReport(t *testing.T) {
	html := t.TempDir() + "/demo.html"
	if code, _, errs := runCLI(t, "analyze", demoScap, "-r", "testdata/curl_rule.yaml", "--report", html, "--progress=false"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	b, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	if !strings.Contains(page, "Content-Security-Policy") || !strings.Contains(page, "Curl connects out") || !strings.Contains(page, "www.google.com") {
		t.Fatalf("report lacks its policy, the finding or the DNS name (%d bytes)", len(b))
	}
}

// TestAnalyzeTamperedBundle: a bundle whose segment was changed after capture is refused with
// the file named; --no-verify reads it and says so.
func TestAnalyzeTamperedBundle(t *testing.T) {
	dir := t.TempDir() + "/cap"
	if err := os.CopyFS(dir, os.DirFS("../../testdata/captures/lab-host")); err != nil {
		t.Fatal(err)
	}
	seg := dir + "/events-000001.zst"
	b, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-10] ^= 0x40
	if err := os.WriteFile(seg, b, 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, "analyze", dir, "--progress=false")
	if code != ExitError || !strings.Contains(errs, "events-000001.zst") || !strings.Contains(errs, "--no-verify") {
		t.Fatalf("tampered bundle: exit %d\n%s", code, errs)
	}
	code, _, errs = runCLI(t, "analyze", dir, "--no-verify", "--progress=false")
	if code != ExitDamaged {
		t.Fatalf("--no-verify of a tampered bundle: exit %d, want %d (damaged)\n%s", code, ExitDamaged, errs)
	}
	if !strings.Contains(errs, "integrity NOT verified") {
		t.Fatalf("--no-verify output does not say the bundle is unverified:\n%s", errs)
	}
}

// TestOutputsOwnerOnly: the database and the report hold the host's command lines and payloads.
func TestOutputsOwnerOnly(t *testing.T) {
	dir := t.TempDir()
	if code, _, errs := runCLI(t, "analyze", demoScap, "--db", dir+"/a.duckdb", "--report", dir+"/a.html", "--progress=false"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, f := range []string{"a.duckdb", "a.html"} {
		st, err := os.Stat(dir + "/" + f)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", f, st.Mode().Perm())
		}
	}
}
