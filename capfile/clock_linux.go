package capfile

import "golang.org/x/sys/unix"

// Boottime returns CLOCK_BOOTTIME in nanoseconds, the clock of sensor timestamps.
func Boottime() uint64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		return 0
	}
	return uint64(ts.Nano())
}
