package cli

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/spf13/cobra"
)

// The hidden profile flags: --cpuprofile writes a Go CPU profile of the whole command,
// --memprofile the Go heap's profile at its end (live objects after a collection, and all
// allocations made), for `go tool pprof` (how docs/PERFORMANCE.md's profiles of
// `saker analyze` are taken).
const (
	cpuProfileFlag = "cpuprofile"
	memProfileFlag = "memprofile"
)

// cpuProfile is the profile a command started with --cpuprofile writes, and the path
// --memprofile names.
type cpuProfile struct {
	f       *os.File
	memPath string
}

// addCPUProfileFlag adds --cpuprofile to root; the profile starts before the command runs
// and Main stops it after Execute, whatever the command returned (a run that ends with
// findings returns an error, and cobra's post-run hooks do not run then).
func addCPUProfileFlag(root *cobra.Command) *cpuProfile {
	root.PersistentFlags().String(cpuProfileFlag, "", "write a Go CPU profile of the command to this file")
	_ = root.PersistentFlags().MarkHidden(cpuProfileFlag)
	root.PersistentFlags().String(memProfileFlag, "", "write a Go heap profile at the command's end to this file")
	_ = root.PersistentFlags().MarkHidden(memProfileFlag)
	prof := &cpuProfile{}
	root.PersistentPreRunE = func(c *cobra.Command, _ []string) error {
		prof.memPath, _ = c.Flags().GetString(memProfileFlag)
		path, _ := c.Flags().GetString(cpuProfileFlag)
		if path == "" {
			return nil
		}
		f, err := os.Create(path)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		prof.f = f
		return nil
	}
	return prof
}

// stop ends the CPU profile, if one was started, and writes the heap profile, if asked.
func (p *cpuProfile) stop() error {
	if p.memPath != "" {
		f, err := os.Create(p.memPath)
		if err != nil {
			return fmt.Errorf("--memprofile: %w", err)
		}
		runtime.GC()
		err = pprof.Lookup("allocs").WriteTo(f, 0)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		p.memPath = ""
		if err != nil {
			return fmt.Errorf("--memprofile: %w", err)
		}
	}
	if p.f == nil {
		return nil
	}
	pprof.StopCPUProfile()
	err := p.f.Close()
	p.f = nil
	if err != nil {
		return fmt.Errorf("--cpuprofile: %w", err)
	}
	return nil
}
