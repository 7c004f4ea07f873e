//go:build !linux

package analyze

import (
	"os"
	"time"
)

// cpuTime is unknown here: ru_maxrss units and rusage differ by platform, and the numbers
// docs/PERFORMANCE.md records come from Linux.
const haveRusage = false

func cpuTime() (time.Duration, bool) { return 0, false }

func childUsage(*os.ProcessState) (int64, time.Duration, bool) { return 0, 0, false }
