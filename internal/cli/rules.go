package cli

import (
	"fmt"
	"io"
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
		Short: "List loaded rules: name, priority, enabled, source, tags, event types",
		Example: `  saker rules list
  saker rules list -r /etc/falco/falco_rules.yaml --no-default-rules`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(*cobra.Command, []string) error { return runRulesList(s, o) },
	}
	explain := &cobra.Command{
		Use:     "explain RULE [-r FILE|DIR]...",
		Short:   "Print a rule's fully expanded condition and its event types",
		Example: `  saker rules explain "Stratum URI in Command Line"`,
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE:    func(_ *cobra.Command, args []string) error { return runRulesExplain(s, o, args[0]) },
	}
	for _, sub := range []*cobra.Command{list, explain} {
		sub.Flags().StringArrayVarP(&o.files, "rules", "r", nil, "rules file or directory (repeatable; later ones override)")
		sub.Flags().BoolVar(&o.noDefaultRules, "no-default-rules", false, "leave saker's embedded rules out")
	}
	validate := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Load and compile rules files together; exit 1 on errors",
		Long: `validate loads the files in order (as -r would, later files overriding earlier ones) and
compiles every rule against the fields saker serves. Errors print as file:line:col: item: message,
all of a file's errors together. With --with-defaults the files load after saker's embedded
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

// compileRules loads and compiles rules as analyze would; warnings go to w.
func compileRules(w io.Writer, noDefaults bool, files []string) (*rules.Engine, error) {
	rs, warns, err := analyze.LoadRules(noDefaults, files...)
	printWarnings(w, warns)
	if err != nil {
		return nil, err
	}
	en, warns, err := rs.Compile(analyze.NewProvider(analyze.NewState(event.UnixClock{}, nil, analyze.Hooks{})))
	printWarnings(w, warns)
	return en, err
}

func printWarnings(w io.Writer, warns []rules.Warning) {
	for _, x := range warns {
		warn(w, "%s", x)
	}
}

func runRulesList(s *streams, o *rulesOptions) error {
	en, err := compileRules(s.err, o.noDefaultRules, o.files)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(s.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tPRIORITY\tENABLED\tSOURCE\tTAGS\tEVENT TYPES")
	for _, r := range en.Rules() {
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
	en, err := compileRules(s.err, o.noDefaultRules, o.files)
	if err != nil {
		return err
	}
	for _, r := range en.Rules() {
		if r.Name != name {
			continue
		}
		fmt.Fprintf(s.out, "rule: %s\npriority: %s\nsource: %s\nenabled: %v\ntags: %s\ndefined at: %s\n",
			r.Name, r.Priority, r.Source, r.Enabled, strings.Join(r.Tags, ", "), r.Pos)
		fmt.Fprintf(s.out, "event types: %s\n", strings.Join(r.Kinds.Names(), ", "))
		fmt.Fprintf(s.out, "\ncondition (as written, with exceptions):\n  %s\n", strings.TrimSpace(r.Condition))
		fmt.Fprintf(s.out, "\nexpanded (lists and macros resolved):\n  %s\n", r.AST)
		fmt.Fprintf(s.out, "\noutput:\n  %s\n", strings.TrimSpace(r.Output))
		return nil
	}
	return fmt.Errorf("no rule named %q (see saker rules list)", name)
}

func runRulesValidate(s *streams, files []string, noDefaults bool) error {
	en, err := compileRules(s.err, noDefaults, files)
	if err != nil {
		fmt.Fprintln(s.err, err)
		return fmt.Errorf("%d file(s) did not validate", len(files))
	}
	n := 0
	for _, r := range en.Rules() {
		if !strings.HasPrefix(r.Pos.File, "saker:") {
			n++
		}
	}
	fmt.Fprintf(s.out, "ok: %d rules in %s\n", n, strings.Join(files, ", "))
	return nil
}
