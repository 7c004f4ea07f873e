package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"saker/github"
)

type scanWorkflowsOptions struct {
	path string
}

func newScanWorkflowsCmd(s *streams) *cobra.Command {
	o := &scanWorkflowsOptions{}
	return &cobra.Command{
		Use:   "scan-workflows PATH",
		Short: "Scan GitHub Actions workflows for miners (exit 3 when one is found)",
		Long: `scan-workflows reads GitHub Actions workflow files line by line (steps, run scripts,
container images, action references, and base64 blobs they decode) for cryptominer
indicators: miner programs and images, stratum pool URLs, mining pools, mining algorithm
flags, Monero wallets. PATH is a repository (its .github/workflows), a workflows directory
or one workflow file. Each finding prints as FILE:LINE: KIND: TEXT; the exit code is 3
when a miner is found, 0 when none is, 1 when PATH cannot be read or, with no miner found,
a workflow file could not be read or was larger than 1 MiB (scanned up to 1 MiB). Symbolic
links and special files are not followed or read: they are reported as warnings.`,
		Example: `  saker scan-workflows .
  saker scan-workflows .github/workflows/ci.yml`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(_ *cobra.Command, args []string) error {
			o.path = args[0]
			return runScanWorkflows(s, o)
		},
	}
}

// runScanWorkflows prints each miner indicator found and returns an exitError with
// ExitFindings when there is one, whatever happened to other files. Files skipped (symbolic
// links, special files), files that could not be read and files scanned only in part make the
// run fail when no miner was found: a pre-merge gate must fail closed, and a symlinked
// workflow is exactly where a miner would hide from it.
func runScanWorkflows(s *streams, o *scanWorkflowsOptions) error {
	files, err := github.ScanPath(o.path)
	if errors.Is(err, github.ErrNoWorkflows) {
		// Not "no miners": nothing was looked at, which a wrong path also gives.
		fmt.Fprintf(s.err, "saker: nothing scanned: %s\n", safeText(err.Error()))
		return nil
	}
	if err != nil {
		return fmt.Errorf("scan-workflows: %w", err)
	}
	found, failed := 0, 0
	for _, f := range files {
		name := safeText(f.File) // file names and texts come from the scanned tree
		switch {
		case f.Skipped != "":
			fmt.Fprintf(s.err, "saker: error: %s: not scanned: %s\n", name, safeText(f.Skipped))
			failed++
		case f.Err != nil:
			fmt.Fprintf(s.err, "saker: error: %s: %s\n", name, safeText(f.Err.Error()))
			failed++
		case f.Truncated:
			fmt.Fprintf(s.err, "saker: error: %s: larger than %d bytes, scanned only up to there\n",
				name, github.MaxWorkflowSize)
			failed++
		}
		for _, m := range f.Matches {
			enc := ""
			if m.Encoded {
				enc = " (base64-decoded)"
			}
			fmt.Fprintf(s.out, "%s:%d: %s: %s%s\n", name, m.Line, m.Kind, safeText(m.Text), enc)
			found++
		}
	}
	if found > 0 {
		fmt.Fprintf(s.err, "saker: %d miner indicator(s) in %d workflow file(s)\n", found, countWith(files))
		return &exitError{code: ExitFindings}
	}
	if failed > 0 {
		return fmt.Errorf("scan-workflows: %d of %d workflow file(s) not scanned whole", failed, len(files))
	}
	fmt.Fprintf(s.out, "no miners in %d workflow file(s)\n", len(files)-countSkipped(files))
	return nil
}

func countSkipped(files []github.FileMatches) int {
	n := 0
	for _, f := range files {
		if f.Skipped != "" {
			n++
		}
	}
	return n
}

func countWith(files []github.FileMatches) int {
	n := 0
	for _, f := range files {
		if len(f.Matches) > 0 {
			n++
		}
	}
	return n
}
