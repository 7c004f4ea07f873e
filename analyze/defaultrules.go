package analyze

import (
	"embed"
	"fmt"
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
		data, err := os.ReadFile(n)
		if err != nil {
			return nil, fmt.Errorf("rules %s: %w", n, err)
		}
		files = append(files, rules.File{Name: n, Data: data})
	}
	return files, nil
}
