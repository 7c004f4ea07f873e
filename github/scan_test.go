package github

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The workflows under testdata/workflows are written for saker's tests after the shapes seen in
// public reports of Actions cryptojacking (fork pull requests adding a "CI" workflow that
// fetches XMRig, base64-hidden launchers, miner container images); the benign ones gather the
// ordinary words a bare keyword list flags.
func TestScanWorkflowFiles(t *testing.T) {
	tests := []struct {
		file  string
		kinds string
		lines string
	}{
		{"miner_download.yml", "pool,stratum,xmrig", "16,17,19"},
		{"miner_base64.yml", "pool,stratum,wallet", "19"},
		{"miner_container.yml", "algo,ccminer,pool,xmrig", "10,17,19"},
		{"benign_ci.yml", "", ""},
		{"benign_release.yml", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "workflows", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			ms := ScanWorkflow(data)
			if got := Kinds(ms); got != tt.kinds {
				t.Errorf("kinds = %q, want %q\n%v", got, tt.kinds, ms)
			}
			if got := Lines(ms); got != tt.lines {
				t.Errorf("lines = %q, want %q\n%v", got, tt.lines, ms)
			}
		})
	}
}

func TestScanWorkflowLines(t *testing.T) {
	tests := []struct {
		name, line string
		kinds      string // "" when the line must not match
		encoded    bool
	}{
		{"xmrig binary", "run: ./xmrig -c config.json", "xmrig", false},
		{"xmrig upper case", "run: ./XMRig --help", "xmrig", false},
		{"stratum ssl url", "run: ./m -o stratum+ssl://eu.example.net:443", "stratum", false},
		{"stratum2 url", "POOL: stratum2+tcp://10.0.0.1:3333", "stratum", false},
		{"t-rex", "run: ./t-rex -a kawpow -o stratum+tcp://rvn.example:3333", "algo,stratum,t-rex", false},
		{"nanominer", "run: ./nanominer config.ini", "nanominer", false},
		{"xmr-stak", "image: fish/xmr-stak:latest", "xmr-stak", false},
		{"nicehash", "run: curl https://api2.nicehash.com/main/api/v2/mining/rigs", "nicehash,pool", false},
		{"stratum json", `run: echo '{"id":1,"method":"mining.subscribe","params":[]}' | nc pool 3333`, "stratum", false},
		{"cryptonight", "args: --algo cryptonight", "algo,cryptonight", false},
		{"base64 launcher", "run: echo eG1yaWcgLW8gc3RyYXR1bSt0Y3A6Ly9wb29sOjMzMzM= | base64 -d | sh", "stratum,xmrig", true},
		{"base64 twice", "run: echo ZUcxeWFXY2dMVzhnY0c5dmJDNWxlR0Z0Y0d4bE9qTXpNek09 | base64 -d | base64 -d | sh", "xmrig", true},
		{"thread pool", "- name: Run tests (thread pool)", "", false},
		{"pool_size", "DB_POOL_SIZE: 10 # pool_size for the connection pool", "", false},
		{"wallet test", "run: pytest -k test_wallet_balance", "", false},
		{"hashrate column", `run: echo "| gpu | hashrate |" >> docs/table.md`, "", false},
		{"ntp stratum", "run: chronyc tracking | grep Stratum", "", false},
		{"minerd inside word", "run: ./determinerd --flag", "", false},
		{"sha pin", "uses: actions/checkout@b4ffde65f46336ab88eb53be808477a3936bae11", "", false},
		{"benign base64", "run: echo SGVsbG8sIHdvcmxkISBUaGlzIGlzIGEgdGVzdC4= | base64 -d", "", false},
		{"yaml comment", "      # never run xmrig here", "", false},
		{"mining in prose", "name: Mining the changelog for release notes", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms := ScanWorkflow([]byte("on: push\n" + tt.line + "\n"))
			if got := Kinds(ms); got != tt.kinds {
				t.Fatalf("kinds = %q, want %q\n%v", got, tt.kinds, ms)
			}
			for _, m := range ms {
				if m.Line != 2 {
					t.Errorf("match %v: line %d, want 2", m, m.Line)
				}
				if m.Encoded != tt.encoded {
					t.Errorf("match %v: encoded %v, want %v", m, m.Encoded, tt.encoded)
				}
			}
		})
	}
}

func TestScanPath(t *testing.T) {
	repo := t.TempDir()
	wf := filepath.Join(repo, ".github", "workflows")
	if err := os.MkdirAll(wf, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"benign_ci.yml", "miner_download.yml"} {
		data, err := os.ReadFile(filepath.Join("testdata", "workflows", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(wf, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(wf, "README.md"), []byte("xmrig"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{repo, wf} {
		files, err := ScanPath(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(files) != 2 || len(files[0].Matches) != 0 || len(files[1].Matches) == 0 ||
			!strings.HasSuffix(files[1].File, "miner_download.yml") {
			t.Errorf("ScanPath(%s) = %+v", path, files)
		}
	}
	if _, err := ScanPath(t.TempDir()); !errors.Is(err, ErrNoWorkflows) {
		t.Errorf("empty directory: err = %v, want ErrNoWorkflows", err)
	}
	if _, err := ScanPath(filepath.Join(repo, "missing")); err == nil {
		t.Error("missing path: no error")
	}
}

func BenchmarkScanWorkflow(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "workflows", "benign_ci.yml"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		ScanWorkflow(data)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "workflows/s")
}
