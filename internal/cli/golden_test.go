package cli

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden from the current output")

// upstreamRules is where Falco's rules files lie: shared/ beside the checkout.
const upstreamRules = "../../../shared/corpus/falco-rules"

// goldenCase is one `saker analyze --json` run whose stdout is kept under testdata/golden.
type goldenCase struct {
	name     string // golden file: testdata/golden/NAME.jsonl
	args     []string
	upstream bool // needs Falco's upstream rules files (skipped when absent)
}

var goldenCases = []goldenCase{
	// The .scap capture of curl: no finding with saker's rules nor Falco's.
	{name: "curl_google", args: []string{demoScap}},
	{name: "curl_google_falco_rules", args: []string{demoScap, "-r", upstreamRules + "/falco_rules.yaml"}, upstream: true},
	// A user rule that matches curl's connect: output fields of a .scap event.
	{name: "curl_google_curl_rule", args: []string{demoScap, "-r", "testdata/curl_rule.yaml"}},
	// The saker bundle of the miner story (testdata/captures/README.md lists what it must give).
	{name: "miner-demo", args: []string{"../../testdata/captures/miner-demo"}},
	{name: "miner-demo_upstream", args: []string{"../../testdata/captures/miner-demo",
		"-r", upstreamRules + "/falco_rules.yaml", "-r", upstreamRules + "/falco-incubating_rules.yaml",
		"-r", upstreamRules + "/falco-sandbox_rules.yaml"}, upstream: true},
}

// analyzeJSON runs `saker analyze ARGS --json` in process and returns its stdout.
func analyzeJSON(t *testing.T, c goldenCase) []byte {
	t.Helper()
	if c.upstream {
		if _, err := os.Stat(upstreamRules); err != nil {
			t.Skipf("upstream corpus: %v", err)
		}
	}
	args := append([]string{"analyze", "--json", "--progress=false"}, c.args...)
	var out, errb bytes.Buffer
	if code := Main(args, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("saker %s: exit %d, stderr:\n%s", strings.Join(args, " "), code, errb.String())
	}
	return out.Bytes()
}

// TestAnalyzeGolden compares the JSON findings of the test captures byte for byte with
// testdata/golden/*.jsonl; `go test ./internal/cli -run Golden -update` rewrites them after
// an intended change (review the diff).
func TestAnalyzeGolden(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			got := analyzeJSON(t, c)
			path := filepath.Join("testdata", "golden", c.name+".jsonl")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (-update rewrites it):\n%s", path, lineDiff(want, got))
			}
		})
	}
}

// TestAnalyzeDeterministic runs every golden case twice in one process: the same input must
// give the same bytes, whatever maps, pools and caches the first run left behind.
func TestAnalyzeDeterministic(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			first, second := analyzeJSON(t, c), analyzeJSON(t, c)
			if !bytes.Equal(first, second) {
				t.Errorf("two runs differ:\n%s", lineDiff(first, second))
			}
		})
	}
}

// lineDiff describes the first line where want and got differ.
func lineDiff(want, got []byte) string {
	w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + ":\nwant: " + wl + "\ngot:  " + gl
		}
	}
	return "(same lines)"
}
