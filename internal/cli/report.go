package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"saker/reports"
)

type reportOptions struct {
	db  string
	out string
}

func newReportCmd(s *streams) *cobra.Command {
	o := &reportOptions{}
	c := &cobra.Command{
		Use:   "report DB -o FILE.html",
		Short: "Write a self-contained HTML incident report from an analysis database",
		Long: `report writes one HTML file from a database made by 'saker analyze --db': the capture and its
integrity, findings by priority and rule, a timeline, each finding's process ancestry, connections
(with the DNS answers that named the peers) and files, and network, DNS and new-executable
overviews. The page loads nothing from anywhere and works without JavaScript; long lists are cut
(the page says how much) and the database keeps the rest.`,
		Example: `  saker report cap1.duckdb -o cap1.html`,
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, args []string) error {
			o.db = args[0]
			if o.out == "" {
				return usageErrorf("report: give the HTML file to write with -o FILE.html")
			}
			return runReport(c.Context(), s, o)
		},
	}
	c.Flags().StringVarP(&o.out, "output", "o", "", "HTML file to write (required)")
	return c
}

func runReport(ctx context.Context, s *streams, o *reportOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	opts := reports.ReportOptions{Generated: time.Now(), Version: Version}
	if err := writeReportFile(ctx, o.db, o.out, opts); err != nil {
		return err
	}
	fmt.Fprintf(s.err, "saker: wrote %s\n", o.out)
	return nil
}

// writeReportFile writes the report of the database at db to out through a temporary file in
// out's directory, so that a failed report never leaves a partial page under out's name.
func writeReportFile(ctx context.Context, db, out string, opts reports.ReportOptions) error {
	f, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".tmp-*")
	if err != nil {
		return fmt.Errorf("report %s: %w", out, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := reports.WriteReport(ctx, db, f, opts); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("report %s: %w", out, err)
	}
	if err := os.Rename(tmp, out); err != nil {
		return fmt.Errorf("report %s: %w", out, err)
	}
	return nil
}
