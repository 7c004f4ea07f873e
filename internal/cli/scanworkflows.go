package cli

import "github.com/spf13/cobra"

func newScanWorkflowsCmd(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "scan-workflows PATH",
		Short: "Scan GitHub Actions workflows for miners (exit 3 when one is found)",
		Example: `  saker scan-workflows .
  saker scan-workflows .github/workflows/ci.yml`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(*cobra.Command, []string) error { _ = s; return errNotYet("scan-workflows", 10) },
	}
}
