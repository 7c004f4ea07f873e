package analyze

import (
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"saker/github"
	"saker/rules"
)

// defaultRulesFS holds saker's default rules: the cryptomining playbook, documented in
// docs/RULES.md.
//
//go:embed rules/*.yaml
var defaultRulesFS embed.FS

// DefaultRuleFiles returns saker's embedded default rules files in load order, named
// "saker:rules/NAME.yaml" in positions: the syscall rules of rules/*.yaml, then package
// github's rules for the github source.
func DefaultRuleFiles() []rules.File {
	names, _ := fs.Glob(defaultRulesFS, "rules/*.yaml")
	slices.Sort(names)
	files := make([]rules.File, 0, len(names))
	for _, n := range names {
		data, _ := defaultRulesFS.ReadFile(n)
		files = append(files, rules.File{Name: "saker:" + n, Data: data})
	}
	return append(files, rules.File{Name: "saker:github/rules.yaml", Data: github.DefaultRules})
}

// LoadRules loads saker's default rules (unless noDefaults) followed by the rules files and
// directories at paths (a directory contributes its *.yaml and *.yml files sorted by name),
// so that user files can append to, override or disable default lists, macros and rules.
// Errors are a rules.ErrorList from loading, or the file system's error with the path.
func LoadRules(noDefaults bool, paths ...string) (*rules.RuleSet, []rules.Warning, error) {
	var files []rules.File
	if !noDefaults {
		files = DefaultRuleFiles()
	}
	for _, p := range paths {
		fsFiles, err := readRuleFiles(p)
		if err != nil {
			return nil, nil, err
		}
		files = append(files, fsFiles...)
	}
	return rules.LoadFiles(files...)
}

func readRuleFiles(p string) ([]rules.File, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("rules %s: %w", p, err)
	}
	names := []string{p}
	if st.IsDir() {
		ents, err := os.ReadDir(p)
		if err != nil {
			return nil, fmt.Errorf("rules %s: %w", p, err)
		}
		names = names[:0]
		for _, e := range ents {
			if !e.IsDir() && (strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml")) {
				names = append(names, filepath.Join(p, e.Name()))
			}
		}
		slices.Sort(names)
	}
	files := make([]rules.File, 0, len(names))
	for _, n := range names {
		data, err := readLimited(n, MaxRulesFileSize)
		if err != nil {
			return nil, fmt.Errorf("rules %s: %w", n, err)
		}
		files = append(files, rules.File{Name: n, Data: data})
	}
	return files, nil
}

// MaxRulesFileSize bounds a rules file LoadRules reads (16 MiB by default; Falco's own rules
// files are under 200 KiB): a hostile or mistaken file is refused before it is read, not after
// gigabytes of parsing. The command line raises it with --max-rules-size.
var MaxRulesFileSize int64 = DefaultMaxRulesFileSize

// DefaultMaxRulesFileSize is MaxRulesFileSize's default.
const DefaultMaxRulesFileSize = 16 << 20

// ErrTooLarge is returned for an input file over its size limit.
var ErrTooLarge = errors.New("file too large")

// readLimited reads path whole when it holds at most limit bytes, checked before reading and
// while reading (the file may grow).
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > limit {
		return nil, fmt.Errorf("%d bytes, over the limit of %d: %w", st.Size(), limit, ErrTooLarge)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("over the limit of %d bytes: %w", limit, ErrTooLarge)
	}
	return data, nil
}
