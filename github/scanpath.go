package github

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ErrNoWorkflows is returned by ScanPath when a directory holds no workflow files.
var ErrNoWorkflows = errors.New("no workflow files")

// MaxWorkflowSize bounds the bytes ScanPath reads of one workflow file; a larger file is
// scanned up to it and reported as truncated.
const MaxWorkflowSize = 1 << 20

// FileMatches are the miner indicators found in one workflow file, and what kept it from
// being scanned whole.
type FileMatches struct {
	File    string // the file as ScanPath found it (path joined with the workflow's name)
	Matches []Match
	// Skipped says why the file was not read: it is a symbolic link or not a regular file.
	Skipped string
	// Err is the error reading the file; Matches are empty then.
	Err error
	// Truncated is set when the file is larger than MaxWorkflowSize: only its first
	// MaxWorkflowSize bytes were scanned.
	Truncated bool
}

// Complete reports whether the whole file was scanned.
func (f *FileMatches) Complete() bool { return f.Skipped == "" && f.Err == nil && !f.Truncated }

// ScanPath scans workflow files on disk, for pre-merge checks: path is a workflow file, a
// repository (its .github/workflows/*.yml and *.yaml) or a workflows directory (its *.yml and
// *.yaml). It returns every workflow file in name order, with or without matches. Only
// regular files are read: a symbolic link or other special file in a directory is returned
// with Skipped set, unread. A file that cannot be read is returned with Err set and the scan
// goes on; one larger than MaxWorkflowSize is scanned up to it. It returns an error wrapping
// the fs error when path itself cannot be read, and ErrNoWorkflows when a directory holds no
// workflow file.
func ScanPath(path string) ([]FileMatches, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []FileMatches{scanFile(path, st.Mode())}, nil
	}
	dir := path
	if wd := filepath.Join(path, filepath.FromSlash(workflowsDir)); isDir(wd) {
		dir = wd
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []FileMatches
	for _, e := range ents {
		if e.IsDir() || !isWorkflowFile(e.Name()) {
			continue
		}
		// e.Type is the entry's own type: a symbolic link is not followed.
		out = append(out, scanFile(filepath.Join(dir, e.Name()), e.Type()))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: %w", dir, ErrNoWorkflows)
	}
	slices.SortFunc(out, func(a, b FileMatches) int { return strings.Compare(a.File, b.File) })
	return out, nil
}

// scanFile scans the file f of type mode when it is a regular file, reading at most
// MaxWorkflowSize bytes of it.
func scanFile(f string, mode fs.FileMode) FileMatches {
	fm := FileMatches{File: f}
	if reason := notRegular(mode); reason != "" {
		fm.Skipped = reason
		return fm
	}
	r, err := os.Open(f)
	if err != nil {
		fm.Err = err
		return fm
	}
	defer r.Close()
	// The file may have been replaced since it was listed.
	if st, err := r.Stat(); err != nil {
		fm.Err = err
		return fm
	} else if reason := notRegular(st.Mode()); reason != "" {
		fm.Skipped = reason
		return fm
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxWorkflowSize+1))
	if err != nil {
		fm.Err = err
		return fm
	}
	if len(data) > MaxWorkflowSize {
		data, fm.Truncated = data[:MaxWorkflowSize], true
	}
	fm.Matches = ScanWorkflow(data)
	return fm
}

// notRegular says why a file of type mode is not read, "" when it is a regular file.
func notRegular(mode fs.FileMode) string {
	switch {
	case mode.IsRegular():
		return ""
	case mode&fs.ModeSymlink != 0:
		return "symbolic link, not followed"
	}
	return "not a regular file"
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
