package cli

import "github.com/spf13/cobra"

type reportOptions struct {
	db  string
	out string
}

func newReportCmd(s *streams) *cobra.Command {
	o := &reportOptions{}
	c := &cobra.Command{
		Use:     "report DB -o FILE.html",
		Short:   "Write a self-contained HTML incident report from an analysis database",
		Example: `  saker report cap1.duckdb -o cap1.html`,
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(_ *cobra.Command, args []string) error {
			o.db = args[0]
			return runReport(s, o)
		},
	}
	c.Flags().StringVarP(&o.out, "output", "o", "", "HTML file to write")
	_ = c.MarkFlagRequired("output")
	return c
}

func runReport(_ *streams, _ *reportOptions) error { return errNotYet("report", 8) }
