package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Version is saker's release version, set at link time with -X saker/internal/cli.Version=...
// (the Makefile does, from git describe). Empty: the version comes from the Go build info.
var Version = ""

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
	b := currentBuild()
	return fmt.Sprintf("saker %s\ncommit %s\ngo %s %s/%s\nduckdb %s\n",
		b.version, b.commit, runtime.Version(), runtime.GOOS, runtime.GOARCH, DuckDBVersion)
}

// build names the binary that runs.
type build struct {
	version string // release or module version
	commit  string // VCS revision with "+dirty" when the tree was modified, or why it is unknown
}

// String is the build's name in bundles, databases and reports: "VERSION (commit COMMIT)".
func (b build) String() string { return b.version + " (commit " + b.commit + ")" }

// currentBuild reads this binary's build info.
func currentBuild() build {
	info, _ := debug.ReadBuildInfo()
	return buildOf(info, Version)
}

// noVCS is the commit of a build without VCS information: go build stamps it only inside a
// git checkout (not a git worktree) and without -buildvcs=false.
const noVCS = "unknown (built without VCS stamping)"

// buildOf names the build described by info (nil when the binary has none): the version
// linked in, else the main module's version ("v0.0.0-DATE-REV+dirty" for a go build in a
// checkout, "(devel)" without VCS stamping), and the VCS revision with "+dirty".
func buildOf(info *debug.BuildInfo, linked string) build {
	b := build{version: linked, commit: noVCS}
	if info == nil {
		if b.version == "" {
			b.version = "unknown"
		}
		return b
	}
	if b.version == "" {
		b.version = info.Main.Version
	}
	if b.version == "" {
		b.version = "(devel)"
	}
	rev, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev != "" {
		b.commit = rev
		if dirty {
			b.commit += "+dirty"
		}
	}
	return b
}
