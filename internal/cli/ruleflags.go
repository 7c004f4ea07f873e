package cli

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"saker/analyze"
	"saker/rules"
)

// selectionFlag is --enable or --disable: both append to one list, so that the selections
// apply in the order given on the command line, as Falco's rules[] configuration entries do.
type selectionFlag struct {
	dst    *[]rules.Selection
	enable bool
}

func (f selectionFlag) String() string { return "" }
func (f selectionFlag) Type() string   { return "RULE|tag:TAG|GLOB" }
func (f selectionFlag) Set(v string) error {
	if strings.TrimSpace(v) == "" || v == "tag:" {
		return errors.New("empty rule selection")
	}
	*f.dst = append(*f.dst, rules.Selection{Enable: f.enable, Pattern: v})
	return nil
}

// addSelectionFlags adds --enable and --disable to a command.
func addSelectionFlags(f *pflag.FlagSet, dst *[]rules.Selection) {
	f.Var(selectionFlag{dst, true}, "enable", "enable rules by name, name glob ('Read *') or tag:TAG (repeatable; applied in order with --disable)")
	f.Var(selectionFlag{dst, false}, "disable", "disable rules by name, name glob or tag:TAG (repeatable; applied in order with --enable)")
}

// loadRuleSet loads saker's default rules (unless noDefaults) and the -r files, refusing
// capture files given as rules, and applies the selections. Load warnings go to w.
func loadRuleSet(w io.Writer, noDefaults bool, files []string, sels []rules.Selection) (*rules.RuleSet, error) {
	for _, f := range files {
		if looksLikeCapture(f) {
			return nil, usageErrorf("-r %s: -r takes rules files, this is a capture", f)
		}
	}
	rs, warns, err := analyze.LoadRules(noDefaults, files...)
	printWarnings(w, warns)
	if errors.Is(err, analyze.ErrTooLarge) {
		return nil, fmt.Errorf("%w (--max-rules-size raises the limit)", err)
	}
	if err != nil {
		return nil, err
	}
	if err := rs.Select(sels); err != nil {
		return nil, usageErrorf("%v", err)
	}
	return rs, nil
}

// ruleFileSummary tells, for each -r file or directory, how many rules it defines and how
// many of those are enabled.
func ruleFileSummary(w io.Writer, rs *rules.RuleSet, files []string) {
	for _, f := range files {
		n, on := 0, 0
		for _, r := range rs.Rules {
			if r.Pos.File == f || strings.HasPrefix(r.Pos.File, strings.TrimSuffix(f, string(filepath.Separator))+string(filepath.Separator)) {
				n++
				if r.Enabled {
					on++
				}
			}
		}
		fmt.Fprintf(w, "saker: -r %s: %d rules, %d enabled\n", f, n, on)
	}
}
