package cli

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"saker/analyze"
	"saker/event"
	"saker/rules"
)

type rulesOptions struct {
	files          []string
	noDefaultRules bool
	selections     []rules.Selection
	enabledOnly    bool
}

func newRulesCmd(s *streams) *cobra.Command {
	c := &cobra.Command{
		Use:   "rules",
		Short: "Validate, list and explain rules",
		Long: `rules works on saker's embedded cryptomining rules and on Falco rules files: validate loads
and compiles files against the fields saker serves, list shows what is loaded, explain prints a
rule's fully expanded condition and the event types it runs on.`,
		Args: usageArgs(cobra.NoArgs),
	}
	o := &rulesOptions{}
	var withDefaults bool
	list := &cobra.Command{
		Use:   "list [-r FILE|DIR]...",
		Short: "List loaded rules, disabled ones too: name, priority, enabled, source, tags, event types",
		Example: `  saker rules list
  saker rules list -r /etc/falco/falco_rules.yaml --no-default-rules --enabled
  saker rules list -r falco_rules.yaml --disable 'tag:network' --enable 'Read sensitive file*'`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(*cobra.Command, []string) error { return runRulesList(s, o) },
	}
	explain := &cobra.Command{
		Use:     "explain RULE [-r FILE|DIR]...",
		Short:   "Print a rule's fully expanded condition and its event types",
		Example: `  saker rules explain "Stratum URI in Command Line"`,
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE:    func(_ *cobra.Command, args []string) error { return runRulesExplain(s, o, args[0]) },
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return ruleNames(o.noDefaultRules, o.files), cobra.ShellCompDirectiveNoFileComp
		},
	}
	for _, sub := range []*cobra.Command{list, explain} {
		sub.Flags().StringArrayVarP(&o.files, "rules", "r", nil, "rules file or directory (repeatable; later ones override)")
		sub.Flags().BoolVar(&o.noDefaultRules, "no-default-rules", false, "leave saker's embedded rules out")
		addSelectionFlags(sub.Flags(), &o.selections)
		completeRuleNames(sub, &o.noDefaultRules, &o.files)
	}
	list.Flags().BoolVar(&o.enabledOnly, "enabled", false, "list only the rules that are enabled")
	validate := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Load and compile rules files together; exit 1 on errors",
		Long: `validate loads the files in order (as -r would, later files overriding earlier ones) and
compiles every rule against the fields saker serves. Every error prints, as
file:line:col: item: message, in file order: syntax errors, item errors and unknown fields alike. With --with-defaults the files load after saker's embedded
rules, so they may use its lists and macros.`,
		Example: `  saker rules validate my_rules.yaml
  saker rules validate --with-defaults my_overrides.yaml`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(_ *cobra.Command, args []string) error {
			return runRulesValidate(s, args, !withDefaults)
		},
	}
	validate.Flags().BoolVar(&withDefaults, "with-defaults", false, "load saker's embedded rules first")
	c.AddCommand(list, explain, validate)
	return c
}

// compileRules loads rules as analyze would, applies the selections and compiles them;
// warnings go to w.
func compileRules(w io.Writer, o *rulesOptions) (*rules.RuleSet, *rules.Engine, error) {
	rs, err := loadRuleSet(w, o.noDefaultRules, o.files, o.selections)
	if err != nil {
		return nil, nil, err
	}
	en, warns, err := rs.Compile(newRulesProvider())
	printWarnings(w, warns)
	return rs, en, err
}

func newRulesProvider() rules.FieldProvider {
	return analyze.NewProvider(analyze.NewState(event.UnixClock{}, nil, analyze.Hooks{}))
}

func printWarnings(w io.Writer, warns []rules.Warning) {
	for _, x := range warns {
		warn(w, "%s", x)
	}
}

func runRulesList(s *streams, o *rulesOptions) error {
	rs, _, err := compileRules(s.err, o)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(s.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tPRIORITY\tENABLED\tSOURCE\tTAGS\tEVENT TYPES")
	for _, r := range rs.Rules {
		if o.enabledOnly && !r.Enabled {
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%s\t%s\n", safeText(r.Name), r.Priority, r.Enabled, r.Source,
			strings.Join(r.Tags, ","), kindSummary(r.Kinds))
	}
	return tw.Flush()
}

// kindSummary lists a rule's event types, or says "all" when its condition does not restrict them.
func kindSummary(k rules.KindSet) string {
	if k.IsAll() {
		return "all"
	}
	names := k.Names()
	if len(names) > 8 {
		return strings.Join(names[:8], ",") + fmt.Sprintf(",... (%d)", len(names))
	}
	return strings.Join(names, ",")
}

func runRulesExplain(s *streams, o *rulesOptions, name string) error {
	rs, _, err := compileRules(s.err, o)
	if err != nil {
		return err
	}
	r := rs.Rule(name)
	if r == nil {
		var names []string
		for _, x := range rs.Rules {
			names = append(names, x.Name)
		}
		if close := closestNames(name, names, 3); len(close) > 0 {
			return fmt.Errorf("no rule named %q; did you mean %s?", name, strings.Join(quoteAll(close), " or "))
		}
		return fmt.Errorf("no rule named %q (see saker rules list)", name)
	}
	fmt.Fprintf(s.out, "rule: %s\npriority: %s\nsource: %s\nenabled: %v\ntags: %s\ndefined at: %s\n",
		r.Name, r.Priority, r.Source, r.Enabled, strings.Join(r.Tags, ", "), r.Pos)
	fmt.Fprintf(s.out, "event types: %s\n", strings.Join(r.Kinds.Names(), ", "))
	fmt.Fprintf(s.out, "\ncondition (as written, with exceptions):\n  %s\n", strings.TrimSpace(r.Condition))
	fmt.Fprintf(s.out, "\nexpanded (lists and macros resolved):\n  %s\n", r.AST)
	fmt.Fprintf(s.out, "\noutput:\n  %s\n", strings.TrimSpace(r.Output))
	return nil
}

// runRulesValidate loads and compiles the files and prints every error: a file with item
// errors is still compiled for what did load, so that unknown fields show beside them.
func runRulesValidate(s *streams, files []string, noDefaults bool) error {
	for _, f := range files {
		if looksLikeCapture(f) {
			return usageErrorf("%s is a capture, not a rules file", f)
		}
	}
	rs, warns, err := analyze.LoadRules(noDefaults, files...)
	printWarnings(s.err, warns)
	var all rules.ErrorList
	var list rules.ErrorList
	if err != nil && !errors.As(err, &list) {
		return err
	}
	all = append(all, list...)
	n := 0
	if rs != nil {
		en, cwarns, err := rs.Compile(newRulesProvider())
		printWarnings(s.err, cwarns)
		list = nil
		if err != nil && !errors.As(err, &list) {
			return err
		}
		all = append(all, list...)
		if en != nil {
			for _, r := range rs.Rules {
				if !strings.HasPrefix(r.Pos.File, "saker:") {
					n++
				}
			}
		}
	}
	if len(all) > 0 {
		sortByFile(all, files)
		fmt.Fprintln(s.err, all)
		return fmt.Errorf("%d error(s) in %s", len(all), strings.Join(files, ", "))
	}
	fmt.Fprintf(s.out, "ok: %d rules in %s\n", n, strings.Join(files, ", "))
	return nil
}

// sortByFile orders errors by the file they are in, in the order given, then by position.
func sortByFile(errs rules.ErrorList, files []string) {
	order := func(f string) int {
		for i, x := range files {
			if f == x || strings.HasPrefix(f, strings.TrimSuffix(x, "/")+"/") {
				return i + 1
			}
		}
		return 0 // saker's own files load first
	}
	sort.SliceStable(errs, func(i, j int) bool {
		a, b := errs[i].Pos, errs[j].Pos
		if oa, ob := order(a.File), order(b.File); oa != ob {
			return oa < ob
		}
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}
