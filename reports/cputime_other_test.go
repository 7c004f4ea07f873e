//go:build !unix

package reports

import "time"

// cpuTime is not measured here; the benchmark then reports no rows/cpu-s.
func cpuTime() time.Duration { return 0 }

func peakRSS() int64 { return 0 }
