package github

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// ErrWorkflowNotFound is wrapped by Resolver errors when no source holds the workflow file.
var ErrWorkflowNotFound = errors.New("workflow file not found")

// Resolver finds a workflow file as it was at a commit: in a local git clone, or among
// workflow files exported beside the deliveries. docs/GITHUB.md describes the layouts.
type Resolver struct {
	// RepoDir is a local clone (any clone holding the commit), or a directory of clones named
	// <RepoDir>/<owner>/<name> or <RepoDir>/<name>. Empty: no git lookups.
	RepoDir string
	// ExportDir holds exported workflow files, looked up in this order:
	// <owner>/<name>/<commit>/<path>, <commit>/<path>, <owner>/<name>/<path>, <path>.
	// Empty: no exported files.
	ExportDir string
	// Git is the git program; "git" from PATH when empty.
	Git string
}

// Resolved is a workflow file found by a Resolver.
type Resolved struct {
	Path string // the workflow's path in the repository, such as .github/workflows/ci.yml
	Data []byte
	// From says where it was found: "git:<dir>@<commit>" or the exported file's path.
	From string
}

var shaRE = regexp.MustCompile(`^[0-9a-f]{7,64}$`)

// Workflow returns the file at wfPath in repository repo ("owner/name") at commit sha. It
// tries git first, then the exported files. It returns an error wrapping ErrWorkflowNotFound
// when no source has it, and rejects a path or commit that could leave the given directories
// or be taken for a git option.
func (r *Resolver) Workflow(repo, sha, wfPath string) (Resolved, error) {
	if !validRepoPath(wfPath) {
		return Resolved{}, fmt.Errorf("workflow path %q: %w: not a relative path inside the repository", wfPath, ErrWorkflowNotFound)
	}
	var errs []error
	if sha != "" && !shaRE.MatchString(sha) {
		errs = append(errs, fmt.Errorf("commit %q: not a hex object name", sha))
		sha = ""
	}
	if r.RepoDir != "" && sha != "" {
		dir := r.cloneDir(repo)
		data, err := r.git(dir, "cat-file", "blob", sha+":"+wfPath)
		if err == nil {
			return Resolved{Path: wfPath, Data: data, From: "git:" + dir + "@" + sha}, nil
		}
		errs = append(errs, err)
	}
	for _, p := range r.exportCandidates(repo, sha, wfPath) {
		data, err := os.ReadFile(p)
		if err == nil {
			return Resolved{Path: wfPath, Data: data, From: p}, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return Resolved{}, fmt.Errorf("%s@%s:%s: %w", repo, sha, wfPath, errors.Join(append([]error{ErrWorkflowNotFound}, errs...)...))
}

// ByName returns the workflow of repo at commit sha whose top-level name is name, or whose
// path is name (GitHub names a workflow without a name: key by its path). workflow_job
// deliveries name their workflow only this way.
func (r *Resolver) ByName(repo, sha, name string) (Resolved, error) {
	for _, p := range r.listWorkflows(repo, sha) {
		res, err := r.Workflow(repo, sha, p)
		if err != nil {
			continue
		}
		if p == name || workflowName(res.Data) == name {
			return res, nil
		}
	}
	return Resolved{}, fmt.Errorf("%s@%s: workflow named %q: %w", repo, sha, name, ErrWorkflowNotFound)
}

// listWorkflows returns the paths of the workflow files under .github/workflows at sha that
// git or the exported files know of, without duplicates.
func (r *Resolver) listWorkflows(repo, sha string) []string {
	var paths []string
	if r.RepoDir != "" && shaRE.MatchString(sha) {
		if out, err := r.git(r.cloneDir(repo), "ls-tree", "--name-only", sha, workflowsDir+"/"); err == nil {
			for l := range strings.Lines(string(out)) {
				paths = append(paths, strings.TrimRight(l, "\r\n"))
			}
		}
	}
	for _, dir := range r.exportCandidates(repo, sha, workflowsDir) {
		ents, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range ents {
			paths = append(paths, workflowsDir+"/"+e.Name())
		}
	}
	paths = slices.DeleteFunc(paths, func(p string) bool { return !isWorkflowFile(p) })
	slices.Sort(paths)
	return slices.Compact(paths)
}

// cloneDir picks the clone of repo: <RepoDir>/<owner>/<name> or <RepoDir>/<name> when such a
// directory exists, else RepoDir itself.
func (r *Resolver) cloneDir(repo string) string {
	if validRepoPath(repo) {
		for _, c := range []string{filepath.FromSlash(repo), path.Base(repo)} {
			dir := filepath.Join(r.RepoDir, c)
			if st, err := os.Stat(dir); err == nil && st.IsDir() {
				return dir
			}
		}
	}
	return r.RepoDir
}

// exportCandidates lists the exported files that may hold rel of repo at sha, the
// commit-specific ones first.
func (r *Resolver) exportCandidates(repo, sha, rel string) []string {
	if r.ExportDir == "" {
		return nil
	}
	var cs []string
	okRepo := repo != "" && validRepoPath(repo)
	if okRepo && sha != "" {
		cs = append(cs, filepath.Join(r.ExportDir, filepath.FromSlash(repo), sha, filepath.FromSlash(rel)))
	}
	if sha != "" {
		cs = append(cs, filepath.Join(r.ExportDir, sha, filepath.FromSlash(rel)))
	}
	if okRepo {
		cs = append(cs, filepath.Join(r.ExportDir, filepath.FromSlash(repo), filepath.FromSlash(rel)))
	}
	return append(cs, filepath.Join(r.ExportDir, filepath.FromSlash(rel)))
}

// git runs git with args in dir and returns its standard output. git cat-file rather than
// git show reads the blob as stored, without textconv filters a suspect clone's
// configuration could attach.
func (r *Resolver) git(dir string, args ...string) ([]byte, error) {
	prog := r.Git
	if prog == "" {
		prog = "git"
	}
	cmd := exec.Command(prog, append([]string{"-C", dir}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		return nil, fmt.Errorf("git %s in %s: %w: %s", strings.Join(args, " "), dir, err, msg)
	}
	return out, nil
}

// workflowsDir is where GitHub looks for workflow files.
const workflowsDir = ".github/workflows"

// validRepoPath reports whether p is a relative slash-separated path that stays inside the
// directory it is joined to.
func validRepoPath(p string) bool {
	return p != "" && !strings.HasPrefix(p, "-") && filepath.IsLocal(filepath.FromSlash(p)) && !strings.Contains(p, "\\")
}

func isWorkflowFile(p string) bool {
	ext := strings.ToLower(path.Ext(p))
	return ext == ".yml" || ext == ".yaml"
}

// workflowName returns the value of a workflow file's top-level name: key, unquoted, or "".
func workflowName(data []byte) string {
	for l := range strings.Lines(string(data)) {
		v, ok := strings.CutPrefix(l, "name:")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		if i := strings.Index(v, " #"); i >= 0 {
			v = strings.TrimSpace(v[:i])
		}
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		return v
	}
	return ""
}
