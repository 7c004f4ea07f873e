package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"saker/reports"
)

type exportOptions struct {
	db      string
	parquet string
}

func newExportCmd(s *streams) *cobra.Command {
	o := &exportOptions{}
	c := &cobra.Command{
		Use:   "export DB --parquet DIR",
		Short: "Export an analysis database as Parquet partitioned by host and day",
		Long: `Export every table of an analysis database as Parquet under DIR/TABLE/host=H/day=D/.
Each database's files are named after its captures (saker-ID-N.parquet), so a fleet's
databases export into one directory side by side, and exporting the same database again
replaces its earlier files instead of adding its rows twice. Read them back together:
  SELECT * FROM read_parquet('DIR/findings/**/*.parquet', hive_partitioning = true)`,
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

// runExport writes o.db's tables as Parquet under o.parquet.
func runExport(s *streams, o *exportOptions) error {
	if o.parquet == "" {
		return usageErrorf("export: --parquet DIR is required")
	}
	if err := reports.ExportParquet(context.Background(), o.db, o.parquet); err != nil {
		return err
	}
	fmt.Fprintf(s.err, "exported %s to %s\n", o.db, o.parquet)
	return nil
}
