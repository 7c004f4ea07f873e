package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"saker/capfile"
)

type extractOptions struct {
	bundle, sha, out string
}

func newExtractCmd(s *streams) *cobra.Command {
	o := &extractOptions{}
	c := &cobra.Command{
		Use:   "extract BUNDLE SHA256 -o FILE",
		Short: "Write out an executable the capture kept, checked against its hash",
		Long: `extract copies the executable kept in BUNDLE/files/ under SHA256 to FILE, created with
mode 0600 (never executable) and only if absent. The copy is checked against its name and
the manifest on the way: a kept file that does not match is reported as tampered, and FILE
is removed. The hashes of every executable the capture saw are in the analysis database's
executables table.`,
		Example: `  saker extract /var/tmp/cap1 4add4bb89d8ca0e3b1bd861130ddd7ae0fd9617a8055de0a38c8d2ca1ac95723 -o sample.bin`,
		Args:    usageArgs(cobra.ExactArgs(2)),
		RunE: func(_ *cobra.Command, args []string) error {
			o.bundle, o.sha = args[0], strings.ToLower(args[1])
			return runExtract(s, o)
		},
	}
	c.Flags().StringVarP(&o.out, "output", "o", "", "file to create (mode 0600)")
	_ = c.MarkFlagRequired("output")
	return c
}

func runExtract(s *streams, o *extractOptions) error {
	if !capfile.IsSHA256(o.sha) {
		return usageErrorf("extract: %q is not a SHA-256 (64 hex digits)", o.sha)
	}
	// The manifest is read, not the whole bundle verified: extracting one sample from a
	// bundle whose events are damaged is still useful; the sample itself is checked.
	m, err := capfile.ReadManifest(o.bundle)
	if err != nil {
		return fmt.Errorf("extract: %s: %w", o.bundle, err)
	}
	b := &capfile.Bundle{Dir: o.bundle, Manifest: m}
	if _, err := b.Sample(o.sha); err != nil {
		return fmt.Errorf("extract: %s: %w", o.bundle, err)
	}
	f, err := os.OpenFile(o.out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	err = b.CopySample(o.sha, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(o.out)
		if errors.Is(err, capfile.ErrIntegrity) {
			return fmt.Errorf("extract: %s: tampered: %w", o.bundle, err)
		}
		return fmt.Errorf("extract: %w", err)
	}
	fmt.Fprintf(s.err, "extracted %s to %s (mode 0600)\n", o.sha, o.out)
	return nil
}
