package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

// stampedBuild is `go version -m` of a binary go 1.26 built in a git checkout with one
// modified file (the format debug.ParseBuildInfo reads).
const stampedBuild = "go\tgo1.26.8\npath\tsaker/cmd/saker\nmod\tsaker\tv0.0.0-20261204155203-38676605bd3d+dirty\t\n" +
	"build\t-buildmode=exe\nbuild\tvcs=git\nbuild\tvcs.revision=38676605bd3d24dff1e29bc2d4df4c2ad5e863c6\n" +
	"build\tvcs.time=2026-12-04T15:52:03Z\nbuild\tvcs.modified=true\n"

// unstampedBuild is a go build with -buildvcs=false (or in a git worktree).
const unstampedBuild = "go\tgo1.26.8\npath\tsaker/cmd/saker\nmod\tsaker\t(devel)\t\nbuild\t-buildmode=exe\n"

func TestBuildOf(t *testing.T) {
	parse := func(s string) *debug.BuildInfo {
		bi, err := debug.ParseBuildInfo(s)
		if err != nil {
			t.Fatal(err)
		}
		return bi
	}
	for _, c := range []struct {
		name   string
		info   *debug.BuildInfo
		linked string
		want   string
	}{
		{"stamped", parse(stampedBuild), "", "v0.0.0-20261204155203-38676605bd3d+dirty (commit 38676605bd3d24dff1e29bc2d4df4c2ad5e863c6+dirty)"},
		{"stamped with a release", parse(stampedBuild), "v1.2.0", "v1.2.0 (commit 38676605bd3d24dff1e29bc2d4df4c2ad5e863c6+dirty)"},
		{"unstamped", parse(unstampedBuild), "", "(devel) (commit " + noVCS + ")"},
		{"no build info", nil, "", "unknown (commit " + noVCS + ")"},
	} {
		if got := buildOf(c.info, c.linked).String(); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// TestVersionOfPlainBuild builds saker with plain `go build` in a fresh clone of this
// repository with one file modified: `saker version` names the clone's commit, dirty.
func TestVersionOfPlainBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds saker")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("needs git")
	}
	root, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Skip("not in a git checkout")
	}
	dir := filepath.Join(t.TempDir(), "saker")
	run := func(name string, args ...string) string {
		t.Helper()
		c := exec.Command(name, args...)
		c.Dir = dir
		c.Env = append(os.Environ(), "GOFLAGS=-buildvcs=true")
		out, err := c.Output()
		if err != nil {
			t.Fatalf("%s %v: %v", name, args, err)
		}
		return strings.TrimSpace(string(out))
	}
	if out, err := exec.Command("git", "clone", "-q", "--no-hardlinks", strings.TrimSpace(string(root)), dir).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v: %s", err, out)
	}
	head := run("git", "rev-parse", "HEAD")
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte("modified\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run("go", "build", "-o", "saker-bin", "./cmd/saker")
	out := run("./saker-bin", "version")
	if !strings.Contains(out, "\ncommit "+head+"+dirty\n") || strings.Contains(out, "saker (devel)") {
		t.Errorf("saker version:\n%s\nwant commit %s+dirty and a module version", out, head)
	}
}
