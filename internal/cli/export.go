package cli

import "github.com/spf13/cobra"

type exportOptions struct {
	db      string
	parquet string
}

func newExportCmd(s *streams) *cobra.Command {
	o := &exportOptions{}
	c := &cobra.Command{
		Use:     "export DB --parquet DIR",
		Short:   "Export an analysis database as Parquet partitioned by host and day",
		Example: `  saker export cap1.duckdb --parquet fleet/`,
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(_ *cobra.Command, args []string) error {
			o.db = args[0]
			return runExport(s, o)
		},
	}
	c.Flags().StringVar(&o.parquet, "parquet", "", "directory to write Parquet files to")
	_ = c.MarkFlagRequired("parquet")
	return c
}

func runExport(_ *streams, _ *exportOptions) error { return errNotYet("export", 7) }
