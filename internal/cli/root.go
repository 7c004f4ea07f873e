// Package cli holds saker's cobra commands, one file per verb. Each command is an options
// struct and a run function, so tests call them without starting a process.
package cli

import (
	"errors"
	"fmt"
	"io"
	"saker/analyze"
	"saker/github"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes, as the design brief fixes them.
const (
	ExitOK       = 0 // done, and no findings at or above --fail-on
	ExitError    = 1 // the command failed
	ExitUsage    = 2 // bad flags or arguments
	ExitFindings = 3 // findings at or above --fail-on; a miner found by scan-workflows
	// ExitDamaged: done, outputs written, but an input was damaged or incomplete (a truncated
	// file, damaged records, unverified integrity, events the sensor lost). Findings at or
	// above --fail-on take precedence: a script checks 3 first.
	ExitDamaged = 4
)

// exitError carries an exit code through cobra's error path.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, args...)}
}

// Main runs saker with args and returns the process exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRoot(stdin, stdout, stderr)
	prof := addCPUProfileFlag(root)
	root.SetArgs(args)
	err := root.Execute()
	if perr := prof.stop(); perr != nil && err == nil {
		err = perr
	}
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if (ee.code == ExitFindings || ee.code == ExitDamaged) && ee.err == nil {
			return ee.code
		}
		fmt.Fprintf(stderr, "saker: %s\n", errorText(ee.err))
		return ee.code
	}
	fmt.Fprintf(stderr, "saker: %s\n", errorText(err))
	if isUsage(err) {
		return ExitUsage
	}
	return ExitError
}

// multilineError is an error whose text spans lines on purpose (DuckDB's, with a caret under
// the failing token): its line breaks are printed as such, every other control escaped.
type multilineError struct{ error }

func (e multilineError) Unwrap() error { return e.error }

// errorText escapes an error for the terminal: errors quote captured bytes and names.
func errorText(err error) string {
	var ml multilineError
	if !errors.As(err, &ml) {
		return safeText(err.Error())
	}
	lines := strings.Split(err.Error(), "\n")
	for i, l := range lines {
		lines[i] = safeText(l)
	}
	return strings.Join(lines, "\n")
}

// streams are the standard streams a command writes to.
type streams struct {
	in       io.Reader
	out, err io.Writer
}

func newRoot(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	s := &streams{in: stdin, out: stdout, err: stderr}
	root := &cobra.Command{
		Use:   "saker",
		Short: "Record syscall captures and hunt cryptojacking in them offline",
		Long: `saker records what happens on a suspect Linux host (syscalls through eBPF, DNS packets)
and later, on any machine, replays the recording through a Falco-compatible rule engine,
names server IPs from the DNS answers the host received at the time, and writes findings
as Falco-style alerts, a DuckDB database and a self-contained HTML report.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       currentBuild().version,
	}
	root.SetVersionTemplate(versionText())
	// Size limits of the text inputs saker parses whole (rules files, GitHub delivery files):
	// a hostile file is refused before it is read. Every command takes them.
	pf := root.PersistentFlags()
	pf.Int64Var(&analyze.MaxRulesFileSize, "max-rules-size", analyze.DefaultMaxRulesFileSize, "largest rules file to read, in bytes")
	pf.Int64Var(&github.MaxDeliveryFile, "max-delivery-size", github.DefaultMaxDeliveryFile, "largest GitHub delivery file to read, in bytes")
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageErrorf("%v (see '%s --help')", err, c.CommandPath())
	})
	root.AddCommand(
		newCaptureCmd(s),
		newAnalyzeCmd(s),
		newQueryCmd(s),
		newReportCmd(s),
		newExportCmd(s),
		newExtractCmd(s),
		newRulesCmd(s),
		newScanWorkflowsCmd(s),
		newVersionCmd(s),
	)
	return root
}

// isUsage reports whether err is one of cobra's command errors (unknown verb or flag).
func isUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand", "required flag"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// usageArgs turns a cobra argument validator's error into a usage error (exit 2).
func usageArgs(v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if err := v(c, args); err != nil {
			return usageErrorf("%s: %v", c.CommandPath(), err)
		}
		return nil
	}
}
