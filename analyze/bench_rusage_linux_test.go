package analyze

import (
	"os"
	"syscall"
	"time"
)

// haveRusage says whether cpuTime and childUsage work here.
const haveRusage = true

// cpuTime returns the user and system CPU time this process has used so far, GC and every
// other goroutine included.
func cpuTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return rusageCPU(&ru), true
}

// childUsage returns the peak resident set size in bytes and the CPU time of an exited
// child.
func childUsage(ps *os.ProcessState) (maxRSS int64, cpu time.Duration, ok bool) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok || ru == nil {
		return 0, 0, false
	}
	return ru.Maxrss * 1024, rusageCPU(ru), true // Linux counts ru_maxrss in KiB
}

func rusageCPU(ru *syscall.Rusage) time.Duration {
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
