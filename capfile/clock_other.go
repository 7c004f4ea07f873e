//go:build !linux

package capfile

import "time"

var processStart = time.Now()

// Boottime stands in for CLOCK_BOOTTIME where Linux's clock is absent: nanoseconds since the
// process started. Bundles are only written on Linux; this serves tests elsewhere.
func Boottime() uint64 { return uint64(time.Since(processStart)) }
