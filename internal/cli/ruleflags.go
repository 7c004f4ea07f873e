package cli

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
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

// completeRuleNames registers shell completion of rule names for --enable and --disable.
func completeRuleNames(c *cobra.Command, noDefaults *bool, files *[]string) {
	fn := func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return ruleNames(*noDefaults, *files), cobra.ShellCompDirectiveNoFileComp
	}
	_ = c.RegisterFlagCompletionFunc("enable", fn)
	_ = c.RegisterFlagCompletionFunc("disable", fn)
}

// ruleNames returns the names of the rules loaded from the defaults and files, for shell
// completion; nothing when they do not load.
func ruleNames(noDefaults bool, files []string) []string {
	rs, _, err := analyze.LoadRules(noDefaults, files...)
	if err != nil {
		return nil
	}
	names := make([]string, 0, len(rs.Rules))
	for _, r := range rs.Rules {
		names = append(names, r.Name)
	}
	return names
}

// closestNames returns up to n of names that name seems to mean: equal but for case, or
// containing it, or within a few edits of it (case ignored), closest first.
func closestNames(name string, names []string, n int) []string {
	want := strings.ToLower(name)
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	for _, x := range names {
		l := strings.ToLower(x)
		switch d := editDistance(want, l); {
		case l == want:
			cs = append(cs, cand{x, 0})
		case strings.Contains(l, want) || strings.Contains(want, l):
			cs = append(cs, cand{x, 1})
		case d <= max(2, len(want)/4):
			cs = append(cs, cand{x, 1 + d})
		}
	}
	slices.SortStableFunc(cs, func(a, b cand) int { return a.d - b.d })
	out := make([]string, 0, n)
	for _, c := range cs[:min(n, len(cs))] {
		out = append(out, c.name)
	}
	return out
}

// editDistance is the Levenshtein distance of a and b, by bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
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
