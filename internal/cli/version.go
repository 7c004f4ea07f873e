package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Version is saker's version, set at link time with -X saker/internal/cli.Version=...
var Version = "0.1.0-dev"

// DuckDBVersion names the DuckDB library linked in, when reports has registered it.
var DuckDBVersion = "not linked"

func newVersionCmd(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print saker's version, commit, Go and DuckDB versions",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprint(s.out, versionText())
			return err
		},
	}
}

// versionText is what `saker version` and `saker --version` print.
func versionText() string {
	return fmt.Sprintf("saker %s\ncommit %s\ngo %s %s/%s\nduckdb %s\n",
		Version, commit(), runtime.Version(), runtime.GOOS, runtime.GOARCH, DuckDBVersion)
}

// commit returns the VCS revision the binary was built from, with "+dirty" when modified.
func commit() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	rev, dirty := "unknown", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if dirty {
		rev += "+dirty"
	}
	return rev
}
