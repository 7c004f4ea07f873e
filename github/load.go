package github

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"saker/event"
)

// SourceName is the rule source of GitHub events: rules with `source: github` see them.
const SourceName = "github"

// Options control Load.
type Options struct {
	// RepoDir is a local clone (or a directory of clones) to read workflow files from at each
	// run's commit; see Resolver.RepoDir. Empty: only exported workflow files are used.
	RepoDir string
	// ExportDir holds workflow files exported beside the deliveries; see Resolver.ExportDir.
	// Empty: the deliveries directory (or the directory of the deliveries file).
	ExportDir string
	// Git is the git program; "git" from PATH when empty.
	Git string
	// Warn receives the problems that do not stop loading: a file or line that is not a
	// webhook delivery (wrapping ErrBadDelivery), a workflow file that could not be found
	// (wrapping ErrWorkflowNotFound). When Warn is nil they are joined into Load's error.
	Warn func(error)
}

// Load reads the GitHub webhook deliveries at path (a file of one JSON payload, a JSON array
// or JSON lines; or a directory of such files, *.json, *.jsonl and *.ndjson, read
// recursively in name order), resolves the workflow file of every workflow run, workflow job
// and workflow-changing push at its commit, scans it for miners, and returns one event of kind
// event.KindGithub per delivery (per changed workflow file for pushes), ordered by time and
// numbered from 1. Timestamps are Unix nanoseconds (event.UnixClock).
//
// Load returns an error when path cannot be read. Other problems go to o.Warn; when o.Warn
// is nil, Load returns the events it built together with those problems, joined.
func Load(path string, o Options) ([]event.Event, error) {
	files, base, err := deliveryFiles(path)
	if err != nil {
		return nil, err
	}
	var problems []error
	warn := o.Warn
	if warn == nil {
		warn = func(err error) { problems = append(problems, err) }
	}
	var ds []delivery
	for _, f := range files {
		ds = append(ds, readDeliveries(f, warn)...)
	}
	res := &Resolver{RepoDir: o.RepoDir, ExportDir: cmp.Or(o.ExportDir, base), Git: o.Git}
	evs := buildEvents(ds, res, warn)
	return evs, errors.Join(problems...)
}

// Open is Load returning an event.Source (an *event.SliceSource, which is also the
// event.Clock of Unix timestamps).
func Open(path string, o Options) (*event.SliceSource, error) {
	evs, err := Load(path, o)
	return event.NewSliceSource(evs...), err
}

// deliveryFiles lists the delivery files at path and the directory exported workflow files
// are looked up in by default.
func deliveryFiles(path string) ([]string, string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, "", fmt.Errorf("github deliveries: %w", err)
	}
	if !st.IsDir() {
		return []string{path}, filepath.Dir(path), nil
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != path && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir // .git, and exported .github/workflows
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".json", ".jsonl", ".ndjson":
			if d.Type().IsRegular() {
				files = append(files, p)
			}
		}
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("github deliveries: %w", err)
	}
	return files, path, nil
}

// readDeliveries parses every delivery in file, passing bad ones to warn.
func readDeliveries(file string, warn func(error)) []delivery {
	data, err := readDeliveryFile(file)
	if err != nil {
		warn(fmt.Errorf("%s: %w", file, err))
		return nil
	}
	vals, lines, err := splitValues(data)
	if err != nil {
		warn(fmt.Errorf("%s: %w: %w", file, ErrBadDelivery, err))
	}
	hint := typeHint(file)
	var ds []delivery
	for i, v := range vals {
		origin := file
		if len(vals) > 1 && lines[i] > 0 {
			origin = fmt.Sprintf("%s:%d", file, lines[i])
		} else if len(vals) > 1 {
			origin = fmt.Sprintf("%s[%d]", file, i)
		}
		d, err := parseDelivery(v, hint, origin)
		if err != nil {
			warn(err)
			continue
		}
		ds = append(ds, d)
	}
	return ds
}

// sortEvents orders evs by time, keeping input order among equal times, and numbers them.
func sortEvents(evs []event.Event) {
	slices.SortStableFunc(evs, func(a, b event.Event) int { return cmp.Compare(a.TS, b.TS) })
	for i := range evs {
		evs[i].Num = uint64(i + 1)
	}
}

// MaxDeliveryFile bounds a file of webhook deliveries (64 MiB by default; GitHub caps one
// payload at 25 MB): parsing costs several times the file's size in memory, so a larger file
// is refused before it is read. The command line raises it with --max-delivery-size.
var MaxDeliveryFile int64 = DefaultMaxDeliveryFile

// DefaultMaxDeliveryFile is MaxDeliveryFile's default.
const DefaultMaxDeliveryFile = 64 << 20

// ErrTooLarge is returned for a delivery file over MaxDeliveryFile.
var ErrTooLarge = errors.New("file too large")

func readDeliveryFile(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	limit := MaxDeliveryFile
	if st, err := f.Stat(); err == nil && st.Size() > limit {
		return nil, fmt.Errorf("%d bytes, over the limit of %d (--max-delivery-size): %w", st.Size(), limit, ErrTooLarge)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("over the limit of %d bytes (--max-delivery-size): %w", limit, ErrTooLarge)
	}
	return data, nil
}
