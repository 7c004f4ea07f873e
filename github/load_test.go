package github

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"saker/event"
)

// fieldStrings renders the github fields of e as "name=value" for the named fields, with
// <NA> for a missing value.
func fieldStrings(t *testing.T, e *event.Event, names ...string) string {
	t.Helper()
	var parts []string
	for _, n := range names {
		f, ok := LookupField(n)
		if !ok {
			t.Fatalf("no field %s", n)
		}
		v := "<NA>"
		switch f.Type {
		case FieldString:
			if b, ok := f.Str(e); ok {
				v = string(b)
			}
		case FieldUint:
			if i, ok := f.Int(e); ok {
				v = fmt.Sprint(i)
			}
		}
		parts = append(parts, n+"="+v)
	}
	return strings.Join(parts, " ")
}

func TestLoadFixtures(t *testing.T) {
	var warns []error
	evs, err := Load("testdata/deliveries", Options{Warn: func(err error) { warns = append(warns, err) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 0 {
		t.Errorf("warnings: %v", warns)
	}
	names := []string{"github.type", "github.action", "github.user", "github.workflow.filename",
		"github.workflow.has_miners", "github.workflow.miners.type", "github.workflow.miners.lines", "github.run.id"}
	want := []string{
		"github.type=workflow_run github.action=completed github.user=alice-maintainer github.workflow.filename=.github/workflows/lint.yml github.workflow.has_miners=false github.workflow.miners.type=<NA> github.workflow.miners.lines=<NA> github.run.id=9173655012",
		"github.type=push github.action=<NA> github.user=mx-contrib-77 github.workflow.filename=.github/workflows/ci.yml github.workflow.has_miners=true github.workflow.miners.type=pool,stratum,xmrig github.workflow.miners.lines=16,17,19 github.run.id=<NA>",
		"github.type=workflow_run github.action=requested github.user=mx-contrib-77 github.workflow.filename=.github/workflows/ci.yml github.workflow.has_miners=true github.workflow.miners.type=pool,stratum,xmrig github.workflow.miners.lines=16,17,19 github.run.id=9173652880",
		"github.type=workflow_job github.action=queued github.user=mx-contrib-77 github.workflow.filename=.github/workflows/ci.yml github.workflow.has_miners=true github.workflow.miners.type=pool,stratum,xmrig github.workflow.miners.lines=16,17,19 github.run.id=9173652880",
		"github.type=workflow_job github.action=in_progress github.user=mx-contrib-77 github.workflow.filename=.github/workflows/ci.yml github.workflow.has_miners=true github.workflow.miners.type=pool,stratum,xmrig github.workflow.miners.lines=16,17,19 github.run.id=9173652880",
	}
	if len(evs) != len(want) {
		t.Fatalf("%d events, want %d", len(evs), len(want))
	}
	for i := range evs {
		e := &evs[i]
		if e.Kind != event.KindGithub || e.Num != uint64(i+1) {
			t.Errorf("event %d: kind %v num %d", i, e.Kind, e.Num)
		}
		if got := fieldStrings(t, e, names...); got != want[i] {
			t.Errorf("event %d:\n got %s\nwant %s", i, got, want[i])
		}
		if i > 0 && e.TS < evs[i-1].TS {
			t.Errorf("event %d: out of time order", i)
		}
	}
	req := &evs[2]
	if got := fieldStrings(t, req, "github.repo", "github.repo.name", "github.org", "github.owner", "github.commit", "github.run.url", "github.workflow.name"); got != "github.repo=https://github.com/octo-org/build-tools github.repo.name=octo-org/build-tools github.org=octo-org github.owner=octo-org github.commit=9f2c1e4b7a3d5c6e8f0a1b2c3d4e5f60718293a4 github.run.url=https://github.com/octo-org/build-tools/actions/runs/9173652880 github.workflow.name=CI" {
		t.Errorf("requested run: %s", got)
	}
	wall := event.UnixClock{}.Wall(req.TS)
	if want := time.Date(2024, 5, 21, 3, 14, 7, 0, time.UTC); !wall.Equal(want) {
		t.Errorf("requested run time = %v, want %v", wall, want)
	}
}

func TestLoadProblems(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.json", `{"action": "requested", "workflow_run": {"id": 1, "head_sha": "abcdef1", "path": ".github/workflows/x.yml"}, "repository": {"full_name": "o/r"}}`)
	write("b.jsonl", "{\"zen\": \"Keep it logically awesome.\", \"hook\": {\"id\": 1}}\nnot json\n{\"zen\": \"Design for failure.\", \"hook\": {\"id\": 1}}\n")
	write("c.json", `{"foo": 1}`)
	write("d.json", `{"action": "requested", "workflow_run": {"id": 2, "head_sha": "abcdef1", "path": "../../etc/passwd"}}`)
	evs, err := Load(dir, Options{})
	if len(evs) != 4 {
		t.Errorf("%d events, want 4 (run, ping, ping, run)", len(evs))
	}
	for _, want := range []error{ErrWorkflowNotFound, ErrBadDelivery} {
		if !errors.Is(err, want) {
			t.Errorf("err = %v, want it to wrap %v", err, want)
		}
	}
	for _, frag := range []string{"b.jsonl: bad webhook delivery: line 2", "c.json: bad webhook delivery: cannot tell", "not a relative path"} {
		if err == nil || !strings.Contains(err.Error(), frag) {
			t.Errorf("err = %v, want %q in it", err, frag)
		}
	}
	if _, err := Load(filepath.Join(dir, "missing"), Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing path: err = %v", err)
	}
}

// TestResolveGit commits a benign workflow and then a miner one into a real repository and
// checks that each run is judged by the workflow as it was at its own commit.
func TestResolveGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	repo := t.TempDir()
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", repo}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.invalid",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.invalid", "GIT_CONFIG_GLOBAL=/dev/null")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	commitWorkflow := func(fixture string) string {
		t.Helper()
		data, err := os.ReadFile(filepath.Join("testdata", "workflows", fixture))
		if err != nil {
			t.Fatal(err)
		}
		wf := filepath.Join(repo, ".github", "workflows")
		if err := os.MkdirAll(wf, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(wf, "ci.yml"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		git("add", ".")
		git("commit", "-q", "-m", fixture)
		return git("rev-parse", "HEAD")
	}
	git("init", "-q")
	benign := commitWorkflow("benign_ci.yml")
	miner := commitWorkflow("miner_download.yml")
	// The working tree now holds the benign file again: resolution must not read it.
	commitWorkflow("benign_release.yml")

	deliveries := t.TempDir()
	for i, sha := range []string{benign, miner} {
		payload := fmt.Sprintf(`{"action": "requested", "workflow_run": {"id": %d, "name": "ci",
			"head_sha": %q, "path": ".github/workflows/ci.yml", "created_at": "2024-05-2%dT00:00:00Z"},
			"repository": {"full_name": "o/r", "name": "r", "owner": {"login": "o"}}, "sender": {"login": "u"}}`, i+1, sha, i+1)
		if err := os.WriteFile(filepath.Join(deliveries, fmt.Sprintf("workflow_run-%d.json", i)), []byte(payload), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	evs, err := Load(deliveries, Options{RepoDir: repo})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 {
		t.Fatalf("%d events, want 2", len(evs))
	}
	names := []string{"github.commit", "github.workflow.has_miners", "github.workflow.miners.type"}
	for i, want := range []string{
		"github.commit=" + benign + " github.workflow.has_miners=false github.workflow.miners.type=<NA>",
		"github.commit=" + miner + " github.workflow.has_miners=true github.workflow.miners.type=pool,stratum,xmrig",
	} {
		if got := fieldStrings(t, &evs[i], names...); got != want {
			t.Errorf("run %d:\n got %s\nwant %s", i+1, got, want)
		}
	}

	// A workflow_job names only its workflow; ByName finds the file at the commit.
	res := &Resolver{RepoDir: repo}
	got, err := res.ByName("o/r", miner, "CI")
	if err != nil {
		t.Fatal(err)
	}
	if got.Path != ".github/workflows/ci.yml" || !strings.HasPrefix(got.From, "git:") || len(ScanWorkflow(got.Data)) == 0 {
		t.Errorf("ByName = %s from %s", got.Path, got.From)
	}
	if _, err := res.Workflow("o/r", "0123456789abcdef0123456789abcdef01234567", ".github/workflows/ci.yml"); !errors.Is(err, ErrWorkflowNotFound) {
		t.Errorf("unknown commit: err = %v", err)
	}
	if _, err := res.Workflow("o/r", "--output=/tmp/x", ".github/workflows/ci.yml"); !errors.Is(err, ErrWorkflowNotFound) {
		t.Errorf("option-like commit: err = %v", err)
	}
}

func TestParseDelivery(t *testing.T) {
	tests := []struct {
		name, data, hint, want string
	}{
		{"inferred run", `{"workflow_run": {"id": 1}}`, "", "workflow_run"},
		{"inferred job", `{"workflow_job": {"id": 1}, "workflow_run": null}`, "", "workflow_job"},
		{"inferred push", `{"ref": "refs/heads/main", "after": "abc", "commits": []}`, "", "push"},
		{"hint wins over keys", `{"action": "created", "starred_at": null}`, "star", "star"},
		{"tagged", `{"webhook_type": "member", "action": "added"}`, "", "member"},
		{"deliveries api", `{"event": "workflow_job", "request": {"headers": {"x-github-event": "workflow_run"}, "payload": {"action": "requested"}}}`, "", "workflow_run"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := parseDelivery([]byte(tt.data), tt.hint, "test")
			if err != nil {
				t.Fatal(err)
			}
			if d.typ != tt.want {
				t.Errorf("type = %q, want %q", d.typ, tt.want)
			}
		})
	}
	if _, err := parseDelivery([]byte(`[1`), "", "x"); !errors.Is(err, ErrBadDelivery) {
		t.Errorf("bad JSON: err = %v", err)
	}
}

func TestTypeHint(t *testing.T) {
	for file, want := range map[string]string{
		"dir/workflow_run.json":      "workflow_run",
		"push-2024-05-21.jsonl":      "push",
		"pull_request_target.1.json": "pull_request_target",
		"pull_request.json":          "pull_request",
		"deliveries.json":            "",
		"pushed.json":                "",
		"workflow_run":               "",
		"WORKFLOW_JOB.0b4d8e20.json": "workflow_job",
	} {
		if got := typeHint(file); got != want {
			t.Errorf("typeHint(%q) = %q, want %q", file, got, want)
		}
	}
}
