package cli

import "github.com/spf13/cobra"

type queryOptions struct {
	db          string
	sql         string
	preset      string
	listPresets bool
	format      string
}

func newQueryCmd(s *streams) *cobra.Command {
	o := &queryOptions{}
	c := &cobra.Command{
		Use:   `query DB ["SQL"]`,
		Short: "Run SQL or a canned question against an analysis database",
		Example: `  saker query cap1.duckdb "SELECT rule, count(*) FROM findings GROUP BY rule"
  saker query cap1.duckdb --preset pool-connections --format csv
  saker query cap1.duckdb --list-presets`,
		Args: usageArgs(cobra.RangeArgs(1, 2)),
		RunE: func(_ *cobra.Command, args []string) error {
			o.db = args[0]
			if len(args) == 2 {
				o.sql = args[1]
			}
			return runQuery(s, o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.preset, "preset", "", "run a canned question (see --list-presets)")
	f.BoolVar(&o.listPresets, "list-presets", false, "list the canned questions")
	f.StringVar(&o.format, "format", "table", "output format: table, csv, json or markdown")
	return c
}

func runQuery(_ *streams, _ *queryOptions) error { return errNotYet("query", 7) }
