package github

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ErrNoWorkflows is returned by ScanPath when a directory holds no workflow files.
var ErrNoWorkflows = errors.New("no workflow files")

// FileMatches are the miner indicators found in one workflow file.
type FileMatches struct {
	File    string // the file as ScanPath found it (path joined with the workflow's name)
	Matches []Match
}

// ScanPath scans workflow files on disk, for pre-merge checks: path is a workflow file, a
// repository (its .github/workflows/*.yml and *.yaml) or a workflows directory (its *.yml and
// *.yaml). It returns every scanned file in name order, with or without matches. It returns
// an error wrapping the fs error when path cannot be read, and ErrNoWorkflows when a
// directory holds no workflow file.
func ScanPath(path string) ([]FileMatches, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	files := []string{path}
	if st.IsDir() {
		dir := path
		if wd := filepath.Join(path, filepath.FromSlash(workflowsDir)); isDir(wd) {
			dir = wd
		}
		ents, err := os.ReadDir(dir)
		if err != nil {
			return nil, err
		}
		files = files[:0]
		for _, e := range ents {
			if !e.IsDir() && isWorkflowFile(e.Name()) {
				files = append(files, filepath.Join(dir, e.Name()))
			}
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("%s: %w", dir, ErrNoWorkflows)
		}
		slices.SortFunc(files, strings.Compare)
	}
	out := make([]FileMatches, 0, len(files))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return out, err
		}
		out = append(out, FileMatches{File: f, Matches: ScanWorkflow(data)})
	}
	return out, nil
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
