package cli

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// exitCode maps a run function's error to the exit code Main gives it.
func exitCode(err error) int {
	var ee *exitError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ee):
		return ee.code
	}
	return ExitError
}

func TestScanWorkflows(t *testing.T) {
	fixtures := filepath.Join("..", "..", "github", "testdata", "workflows")
	repo := t.TempDir()
	wf := filepath.Join(repo, ".github", "workflows")
	if err := os.MkdirAll(wf, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"benign_ci.yml", "miner_container.yml"} {
		data, err := os.ReadFile(filepath.Join(fixtures, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(wf, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name, path string
		code       int
		out        []string // substrings of stdout
	}{
		{"miner file", filepath.Join(fixtures, "miner_download.yml"), ExitFindings,
			[]string{"miner_download.yml:16: xmrig: xmrig\n", "miner_download.yml:19: stratum: stratum+tcp://\n"}},
		{"base64 miner", filepath.Join(fixtures, "miner_base64.yml"), ExitFindings,
			[]string{"miner_base64.yml:19: stratum: stratum+tcp:// (base64-decoded)\n"}},
		{"repository", repo, ExitFindings,
			[]string{filepath.Join(wf, "miner_container.yml") + ":10: ccminer: ccminer\n"}},
		{"benign file", filepath.Join(fixtures, "benign_ci.yml"), ExitOK, []string{"no miners in 1 workflow file(s)\n"}},
		{"no workflows", t.TempDir(), ExitOK, nil},
		{"bad path", filepath.Join(repo, "missing.yml"), ExitError, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := runScanWorkflows(&streams{out: &out, err: &errOut}, &scanWorkflowsOptions{path: tt.path})
			if got := exitCode(err); got != tt.code {
				t.Fatalf("exit code %d, want %d (err %v)\nstdout:\n%s", got, tt.code, err, out.String())
			}
			for _, s := range tt.out {
				if !strings.Contains(out.String(), s) {
					t.Errorf("stdout lacks %q:\n%s", s, out.String())
				}
			}
			if tt.code == ExitOK && strings.Contains(out.String(), ": xmrig:") {
				t.Errorf("benign output reports a miner:\n%s", out.String())
			}
		})
	}
}

// TestScanWorkflowsMain checks the exit codes through Main: findings, clean, missing path,
// and a usage error.
func TestScanWorkflowsMain(t *testing.T) {
	fixtures := filepath.Join("..", "..", "github", "testdata", "workflows")
	for _, tt := range []struct {
		args []string
		code int
	}{
		{[]string{"scan-workflows", filepath.Join(fixtures, "miner_container.yml")}, ExitFindings},
		{[]string{"scan-workflows", filepath.Join(fixtures, "benign_release.yml")}, ExitOK},
		{[]string{"scan-workflows", filepath.Join(fixtures, "nope.yml")}, ExitError},
		{[]string{"scan-workflows"}, ExitUsage},
	} {
		var out, errOut bytes.Buffer
		if got := Main(tt.args, nil, &out, &errOut); got != tt.code {
			t.Errorf("saker %v: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", tt.args, got, tt.code, out.String(), errOut.String())
		}
	}
}

// TestScanWorkflowsHostileFiles checks that symbolic links, special files and oversized files
// in a workflows directory neither stop the scan nor hide a miner in a later file.
func TestScanWorkflowsHostileFiles(t *testing.T) {
	fixtures := filepath.Join("..", "..", "github", "testdata", "workflows")
	copyFixture := func(t *testing.T, dir, name string) {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(fixtures, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		code  int
		out   string // substring of stdout
		err   string // substring of stderr
	}{
		{"dangling symlink before a miner", func(t *testing.T, dir string) {
			if err := os.Symlink(filepath.Join(dir, "gone.yml"), filepath.Join(dir, "0_dangling.yml")); err != nil {
				t.Fatal(err)
			}
			copyFixture(t, dir, "miner_download.yml")
		}, ExitFindings, "miner_download.yml:16: xmrig: xmrig\n", "0_dangling.yml: not scanned: symbolic link"},
		{"symlink to /dev/zero", func(t *testing.T, dir string) {
			if _, err := os.Stat("/dev/zero"); err != nil {
				t.Skip("no /dev/zero")
			}
			if err := os.Symlink("/dev/zero", filepath.Join(dir, "a.yml")); err != nil {
				t.Fatal(err)
			}
			copyFixture(t, dir, "benign_ci.yml")
		}, ExitError, "", "a.yml: not scanned: symbolic link"}, // fail closed: a symlink may hide a miner
		{"oversized without a miner", func(t *testing.T, dir string) {
			data := bytes.Repeat([]byte("# pad\n"), 200_000)
			if err := os.WriteFile(filepath.Join(dir, "big.yml"), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}, ExitError, "", "big.yml: larger than 1048576 bytes"},
		{"oversized with a miner", func(t *testing.T, dir string) {
			copyFixture(t, dir, "miner_download.yml")
			data := bytes.Repeat([]byte("# pad\n"), 200_000)
			if err := os.WriteFile(filepath.Join(dir, "big.yml"), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}, ExitFindings, "miner_download.yml:16: xmrig: xmrig\n", "big.yml: larger than 1048576 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := t.TempDir()
			wf := filepath.Join(repo, ".github", "workflows")
			if err := os.MkdirAll(wf, 0o755); err != nil {
				t.Fatal(err)
			}
			tt.setup(t, wf)
			var out, errOut bytes.Buffer
			err := runScanWorkflows(&streams{out: &out, err: &errOut}, &scanWorkflowsOptions{path: repo})
			if got := exitCode(err); got != tt.code {
				t.Fatalf("exit code %d, want %d (err %v)\nstdout:\n%s\nstderr:\n%s", got, tt.code, err, out.String(), errOut.String())
			}
			if !strings.Contains(out.String(), tt.out) {
				t.Errorf("stdout lacks %q:\n%s", tt.out, out.String())
			}
			if !strings.Contains(errOut.String(), tt.err) {
				t.Errorf("stderr lacks %q:\n%s", tt.err, errOut.String())
			}
		})
	}
}
