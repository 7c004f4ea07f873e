package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"saker/reports"
)

const labMiners = "../../testdata/captures/lab-miners"

func lines(s string) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// TestAnalyzeRollup checks the three outputs of one capture's findings: rolled-up text by
// default, every alert with --all-alerts and --json (Falco's form, unchanged), and the
// rolled-up findings as JSON whose counts add up to the alerts.
func TestAnalyzeRollup(t *testing.T) {
	_, rolled, errs := runCLI(t, "analyze", labMiners, "--progress=false")
	_, all, _ := runCLI(t, "analyze", labMiners, "--progress=false", "--all-alerts")
	_, js, _ := runCLI(t, "analyze", labMiners, "--progress=false", "--json")
	_, rj, _ := runCLI(t, "analyze", labMiners, "--progress=false", "--rollup-json")
	if n := len(lines(all)); n != 62 || len(lines(js)) != n {
		t.Fatalf("--all-alerts %d lines, --json %d; want 62 each", n, len(lines(js)))
	}
	var sum int
	attached := 0
	for _, l := range lines(rj) {
		var r struct {
			Rule       string         `json:"rule"`
			Kind       string         `json:"kind"`
			Count      int            `json:"count"`
			AttachedTo uint64         `json:"attached_to"`
			Incident   int            `json:"incident"`
			Output     string         `json:"output"`
			Fields     map[string]any `json:"output_fields"`
		}
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("--rollup-json line %q: %v", l, err)
		}
		sum += r.Count
		if r.AttachedTo != 0 {
			attached++
			if r.Kind != "connection" || r.Incident == 0 {
				t.Errorf("attached roll-up %s", l)
			}
		}
	}
	if sum != 62 || len(lines(rj)) != len(lines(rolled)) || attached != 4 {
		t.Errorf("--rollup-json: %d roll-ups (text %d) counting %d findings with %d attached; want as many as text lines, 62, 4",
			len(lines(rj)), len(lines(rolled)), sum, attached)
	}
	// Each rolled-up text line is the first alert of its roll-up, in the order of --all-alerts.
	al := lines(all)
	i := 0
	for _, l := range lines(rolled) {
		for i < len(al) && al[i] != l {
			i++
		}
		if i == len(al) {
			t.Fatalf("rolled-up line %q is not among the alerts in order", l)
		}
	}
	if !strings.Contains(errs, "ROLLED UP") || !strings.Contains(errs, "saker: 4 incidents\nincident 1: Critical") {
		t.Errorf("stderr lacks the roll-up column or the incidents:\n%s", errs)
	}
	if code, _, errs := runCLI(t, "analyze", labMiners, "--json", "--rollup-json"); code != ExitUsage {
		t.Errorf("--json --rollup-json: exit %d, want %d: %s", code, ExitUsage, errs)
	}
}

func TestAnalyzeBenignHasNoIncident(t *testing.T) {
	dir := t.TempDir()
	ind := filepath.Join(dir, "iocs.json")
	code, _, errs := runCLI(t, "analyze", "../../testdata/captures/lab-benign", "--progress=false", "--indicators", ind)
	if code != 0 || !strings.Contains(errs, "saker: no incident\n") {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	b, err := os.ReadFile(ind)
	if err != nil || strings.TrimSpace(string(b)) != "{\n  \"indicators\": []\n}" {
		t.Errorf("indicators of no incident: %q, %v", b, err)
	}
}

// TestAnalyzeIndicatorsAndTables writes the indicator files and the database of the miner
// capture and checks them against each other.
func TestAnalyzeIndicatorsAndTables(t *testing.T) {
	dir := t.TempDir()
	csvPath, jsonPath, db := filepath.Join(dir, "iocs.csv"), filepath.Join(dir, "iocs.json"), filepath.Join(dir, "m.duckdb")
	if code, _, errs := runCLI(t, "analyze", labMiners, "--progress=false", "--indicators", csvPath, "--db", db); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if code, _, errs := runCLI(t, "analyze", labMiners, "--progress=false", "-q", "--indicators", jsonPath); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	f, err := os.Open(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(recs[0], []string{"capture", "incident", "type", "value", "first_seen", "last_seen"}) {
		t.Fatalf("CSV header %q", recs[0])
	}
	var got []string
	for _, r := range recs[1:] {
		got = append(got, r[1]+" "+r[2]+" "+r[3])
	}
	for _, want := range []string{"1 domain xmr.pool.minergate.com", "1 wallet lab", "2 domain pool.supportxmr.com",
		"2 ip 198.51.100.7", "3 ip 2001:db8:5a4e::8", "4 worker worker3", "4 path /run/saker-lab-13324/bin/netmon"} {
		if !slices.Contains(got, want) {
			t.Errorf("CSV lacks %q: %q", want, got)
		}
	}
	var js struct {
		Indicators []struct {
			Incident int    `json:"incident"`
			Type     string `json:"type"`
			Value    string `json:"value"`
		} `json:"indicators"`
	}
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &js); err != nil || len(js.Indicators) != len(recs)-1 {
		t.Fatalf("JSON indicators: %d, CSV %d, %v", len(js.Indicators), len(recs)-1, err)
	}
	q := func(sql string) [][]any {
		t.Helper()
		r, err := reports.Query(context.Background(), db, sql)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return r.Rows
	}
	checks := []struct{ sql, want string }{
		{"SELECT count(*) FROM incidents", "[[4]]"},
		{"SELECT count(*) FROM indicators", "[[" + itoa(len(recs)-1) + "]]"},
		// Every occurrence is kept and linked to its roll-up; each roll-up's count matches.
		{"SELECT count(*) FROM findings WHERE rollup_id IS NULL", "[[0]]"},
		{"SELECT count(*) FROM rollups r WHERE r.count <> (SELECT count(*) FROM findings f WHERE f.capture_id = r.capture_id AND f.rollup_id = r.rollup_id)", "[[0]]"},
		{"SELECT count(*) FROM rollups r JOIN findings f ON f.capture_id = r.capture_id AND f.finding_id = r.first_finding_id AND f.rollup_id = r.rollup_id", "[[" + itoa(len(lines(mustRun(t, "analyze", labMiners, "--progress=false")))) + "]]"},
		{"SELECT sum(count) FROM rollups", "[[62]]"},
		// Steps cite roll-ups of their own incident, numbered in time order.
		{"SELECT count(*) FROM incident_steps s, unnest(s.rollup_ids) u(id) JOIN rollups r ON r.rollup_id = u.id WHERE r.incident_id <> s.incident_id", "[[0]]"},
		{"SELECT count(*) FROM incident_steps a JOIN incident_steps b USING (capture_id, incident_id) WHERE a.step < b.step AND a.time > b.time", "[[0]]"},
		{"SELECT phases FROM incidents WHERE incident_id = 2", "[[[arrival execution command and control / mining impact]]]"},
	}
	for _, c := range checks {
		if got := fmtRows(q(c.sql)); got != c.want {
			t.Errorf("%s: %s, want %s", c.sql, got, c.want)
		}
	}
	for _, p := range []string{"incidents", "indicators"} {
		if code, out, errs := runCLI(t, "query", db, "--preset", p); code != 0 || len(lines(out)) < 2 {
			t.Errorf("preset %s: exit %d, %q %s", p, code, out, errs)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func fmtRows(rows [][]any) string { return fmt.Sprint(rows) }

// mustRun runs saker and returns its stdout, failing on a non-zero exit.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("saker %s: exit %d: %s", strings.Join(args, " "), code, errs)
	}
	return out
}

// TestReportIncidentsOfKillChain renders the report of the kill-chain capture and checks its
// incident view as the page's markup has it: eight incidents first, steps numbered in time
// order, each evidence link naming a finding card of the page.
func TestReportIncidentsOfKillChain(t *testing.T) {
	page := filepath.Join(t.TempDir(), "kc.html")
	if code, _, errs := runCLI(t, "analyze", "../../testdata/captures/lab-killchain", "--progress=false", "-q", "--report", page); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	html := string(b)
	main := html[strings.Index(html, "<main>"):]
	if !strings.HasPrefix(strings.TrimSpace(strings.TrimPrefix(main, "<main>")), `<section id="incidents">`) {
		t.Errorf("the report does not open with the incidents")
	}
	incidents := regexp.MustCompile(`<article class="incident" id="(i-0-\d+)"`).FindAllStringSubmatch(html, -1)
	if len(incidents) != 8 {
		t.Fatalf("%d incidents in the report, want 8", len(incidents))
	}
	section := html[strings.Index(html, `<section id="incidents">`):strings.Index(html, `<section id="summary">`)]
	steps := regexp.MustCompile(`<li class="step" data-phase="([^"]+)" value="(\d+)"><span class="tm">([^<]+)</span>`).FindAllStringSubmatch(section, -1)
	if len(steps) < 8 {
		t.Fatalf("%d steps", len(steps))
	}
	for i := 1; i < len(steps); i++ {
		if steps[i][2] != "1" && (steps[i][3] < steps[i-1][3] || steps[i][2] != strconv.Itoa(mustAtoi(t, steps[i-1][2])+1)) {
			t.Errorf("step %s at %s follows step %s at %s", steps[i][2], steps[i][3], steps[i-1][2], steps[i-1][3])
		}
	}
	links := regexp.MustCompile(`<a href="#(f-0-\d+)">finding \d+</a>`).FindAllStringSubmatch(section, -1)
	// The eight incidents roll 55 findings up into 48 (incident/testdata/lab-killchain.txt).
	if len(links) != 48 {
		t.Errorf("%d evidence links, want one per rolled-up finding: 48", len(links))
	}
	for _, l := range links {
		if !strings.Contains(html, `<article class="card" id="`+l[1]+`"`) {
			t.Errorf("evidence link #%s names no finding card", l[1])
		}
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
