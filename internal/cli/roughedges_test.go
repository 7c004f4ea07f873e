package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
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
	if !strings.Contains(errs, "saker: "+demoScap+": 1176 events of types saker does not map were skipped: ") ||
		!strings.Contains(errs, "mmap 220, ") || strings.Contains(errs, "warning: "+demoScap+": 1176") {
		t.Fatalf("skipped event types should be a summary line, not a warning:\n%s", errs)
	}
}

func TestCompletePresets(t *testing.T) {
	code, out, errs := runCLI(t, "__complete", "query", "x.duckdb", "--preset", "")
	if code != ExitOK || !strings.Contains(out, "pool-connections") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestInputSizeLimits(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(big, bytes.Repeat([]byte("# padding\n"), 200), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, "--max-rules-size", "1000", "analyze", demoScap, "--progress=false", "-r", big)
	if code != ExitError || !strings.Contains(errs, "over the limit of 1000") || !strings.Contains(errs, "--max-rules-size") {
		t.Fatalf("rules file over the limit: exit %d\n%s", code, errs)
	}
	// The limit is per invocation: the next one has the default again.
	if code, _, errs := runCLI(t, "analyze", demoScap, "--progress=false", "-r", big); code != ExitOK {
		t.Fatalf("default limit: exit %d\n%s", code, errs)
	}
	dl := filepath.Join(t.TempDir(), "deliveries.json")
	if err := os.WriteFile(dl, bytes.Repeat([]byte(" "), 5000), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, errs = runCLI(t, "--max-delivery-size", "4096", "analyze", "--github", dl, "--progress=false")
	if !strings.Contains(errs, "over the limit of 4096") {
		t.Fatalf("delivery file over the limit:\n%s", errs)
	}
}

func TestAnalyzeFailedCaptureSaysSo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cap")
	if err := os.CopyFS(dir, os.DirFS("../../testdata/captures/lab-host")); err != nil {
		t.Fatal(err)
	}
	man := filepath.Join(dir, "manifest.json")
	raw, err := os.ReadFile(man)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	m["status"], m["stop_reason"] = "failed", "write events-000002.zst: no space left on device"
	raw, _ = json.Marshal(m)
	if err := os.WriteFile(man, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, "analyze", dir, "--progress=false")
	if code != ExitDamaged || !strings.Contains(errs, "status failed") || !strings.Contains(errs, "no space left on device") {
		t.Fatalf("failed capture: exit %d\n%s", code, errs)
	}
}

func TestDNSFileProblemsSaid(t *testing.T) {
	dir := t.TempDir()
	// A port-53 payload that is no DNS message: a header claiming five answers, then nothing.
	bad := filepath.Join(dir, "bad.pcapng")
	junk := gopacket.Payload([]byte{0x42, 0x42, 0x81, 0x80, 0, 1, 0, 5, 0, 0, 0, 0, 3, 'x', 'y'})
	if err := os.WriteFile(bad, udp53Pcapng(t, time.Date(2018, 8, 17, 17, 35, 43, 0, time.UTC), junk), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.pcap")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, errs := runCLI(t, "analyze", demoScap, "--progress=false", "--dns", bad, "--dns", empty)
	if !strings.Contains(errs, "--dns "+bad+": 1 port-53 payloads that are no well-formed DNS message were skipped") {
		t.Errorf("malformed DNS not reported:\n%s", errs)
	}
	if !strings.Contains(errs, "empty file") || strings.Contains(errs, "EOF") {
		t.Errorf("empty --dns file not said to be empty:\n%s", errs)
	}
}

func TestQueryNoExternalAccess(t *testing.T) {
	db := queryDB(t)
	secret := filepath.Join(t.TempDir(), "secret.csv")
	if err := os.WriteFile(secret, []byte("a\nhunter2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "query", db, "SELECT * FROM read_csv('"+secret+"')")
	if code != ExitError || strings.Contains(out, "hunter2") {
		t.Fatalf("read_csv of a local file without --allow-files: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	copyTo := filepath.Join(t.TempDir(), "out.csv")
	if code, _, _ := runCLI(t, "query", db, "COPY (SELECT 1) TO '"+copyTo+"'"); code != ExitError {
		t.Errorf("COPY TO without --allow-files: exit %d", code)
	}
	if _, err := os.Stat(copyTo); err == nil {
		t.Errorf("COPY TO wrote %s", copyTo)
	}
	code, out, errs = runCLI(t, "query", db, "--allow-files", "--format", "csv", "SELECT * FROM read_csv('"+secret+"')")
	if code != ExitOK || !strings.Contains(out, "hunter2") {
		t.Fatalf("--allow-files: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestQueryEscapesForPeople(t *testing.T) {
	db := queryDB(t)
	q := `SELECT chr(27) || ']0;pwn' || chr(7) || chr(27) || '[2J' || 'evil' || chr(8238) || 'txt.exe' AS name`
	for _, format := range []string{"table", "markdown"} {
		_, out, _ := runCLI(t, "query", db, "--format", format, q)
		if strings.ContainsRune(out, 0x1b) || strings.ContainsRune(out, 0x202e) || strings.ContainsRune(out, 7) {
			t.Errorf("%s output carries control or bidi characters: %q", format, out)
		}
		if !strings.Contains(out, `\x1b]0;pwn`) {
			t.Errorf("%s output does not show the escaped bytes: %q", format, out)
		}
	}
	// Into a pipe or file, csv keeps the data exact.
	_, out, _ := runCLI(t, "query", db, "--format", "csv", q)
	if !strings.ContainsRune(out, 0x1b) || !strings.ContainsRune(out, 0x202e) {
		t.Errorf("csv into a pipe altered the data: %q", out)
	}
}

func TestAnalyzeDBLocked(t *testing.T) {
	db := filepath.Join(t.TempDir(), "a.duckdb")
	unlock, err := lockOutput(db)
	if err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, "analyze", demoScap, "--progress=false", "--db", db, "--force")
	unlock()
	if code != ExitError || !strings.Contains(errs, "another saker is writing "+db) {
		t.Fatalf("second writer of one --db: exit %d\n%s", code, errs)
	}
	if _, err := os.Stat(db); err == nil {
		t.Fatal("the second writer wrote the database")
	}
	if code, _, errs := runCLI(t, "analyze", demoScap, "--progress=false", "--db", db); code != ExitOK {
		t.Fatalf("after the lock was released: exit %d\n%s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(db), ".a.duckdb.lock")); err == nil {
		t.Error("the lock file was left behind")
	}
}

// TestTimelineLeavesSnapshotOut: the processes running when the capture started (hundreds,
// kernel threads included) are the running-at-start preset, not exec rows of the timeline.
func TestTimelineLeavesSnapshotOut(t *testing.T) {
	db := labMinersDB(t)
	before := dbRows(t, db, `SELECT count(*) FROM processes p JOIN capture c USING (capture_id) WHERE p.start < c.start`)[0][0].(int64)
	if before < 50 {
		t.Fatalf("only %d processes from before the capture: the fixture changed", before)
	}
	code, out, errs := runCLI(t, "query", db, "--preset", "timeline", "--format", "csv")
	if code != ExitOK {
		t.Fatalf("timeline: exit %d\n%s", code, errs)
	}
	start := dbRows(t, db, `SELECT strftime(min(start), '%Y-%m-%d %H:%M:%S') FROM capture`)[0][0].(string)
	for _, line := range strings.Split(out, "\n") {
		f := strings.Split(line, ",")
		if len(f) > 2 && f[2] == "exec" && f[1] < start {
			t.Fatalf("timeline lists a process from before the capture (%s): %s", start, line)
		}
	}
	code, out, _ = runCLI(t, "query", db, "--preset", "running-at-start", "--format", "csv")
	if n := strings.Count(out, "\n") - 1; code != ExitOK || int64(n) != before {
		t.Fatalf("running-at-start: exit %d, %d rows, want %d", code, n, before)
	}
}
