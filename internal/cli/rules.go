package cli

import "github.com/spf13/cobra"

func newRulesCmd(s *streams) *cobra.Command {
	c := &cobra.Command{
		Use:   "rules",
		Short: "Validate, list and explain rules",
		Args:  usageArgs(cobra.NoArgs),
	}
	var files []string
	list := &cobra.Command{
		Use:     "list [-r FILE|DIR]...",
		Short:   "List loaded rules: name, priority, enabled, source, tags, event types",
		Example: `  saker rules list -r /etc/falco/falco_rules.yaml`,
		Args:    usageArgs(cobra.NoArgs),
		RunE:    func(*cobra.Command, []string) error { return errNotYet("rules list", 3) },
	}
	list.Flags().StringArrayVarP(&files, "rules", "r", nil, "rules file or directory (repeatable)")
	explain := &cobra.Command{
		Use:     "explain RULE [-r FILE|DIR]...",
		Short:   "Print a rule's fully expanded condition and its event types",
		Example: `  saker rules explain "Detect outbound connections to common miner pool ports"`,
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE:    func(*cobra.Command, []string) error { return errNotYet("rules explain", 3) },
	}
	explain.Flags().StringArrayVarP(&files, "rules", "r", nil, "rules file or directory (repeatable)")
	validate := &cobra.Command{
		Use:     "validate FILE...",
		Short:   "Load and compile rules files; exit 1 on errors",
		Example: `  saker rules validate my_rules.yaml`,
		Args:    usageArgs(cobra.MinimumNArgs(1)),
		RunE:    func(*cobra.Command, []string) error { return errNotYet("rules validate", 3) },
	}
	c.AddCommand(list, explain, validate)
	_ = s
	return c
}
