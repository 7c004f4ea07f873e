//go:build linux

package capture

import (
	"encoding/binary"
	"os"
	"sync"
)

// atClktck is the auxiliary vector entry holding the kernel's USER_HZ (AT_CLKTCK in
// include/uapi/linux/auxvec.h).
const atClktck = 17

// userHZ is the unit of /proc/PID/stat's starttime: clock ticks of USER_HZ per second, as
// the kernel tells every process in its auxiliary vector; 100 when the vector cannot be read
// (USER_HZ is 100 on every architecture saker captures on).
var userHZ = sync.OnceValue(func() uint64 {
	b, err := os.ReadFile("/proc/self/auxv")
	if err != nil {
		return 100
	}
	for ; len(b) >= 16; b = b[16:] {
		k, v := binary.NativeEndian.Uint64(b), binary.NativeEndian.Uint64(b[8:])
		if k == atClktck && v > 0 && v <= 1e9 {
			return v
		}
	}
	return 100
})

// ticksToNS converts a /proc/PID/stat starttime (clock ticks after boot, CLOCK_BOOTTIME
// since Linux 5.3 as every timestamp of the sensor) to nanoseconds.
func ticksToNS(ticks uint64) uint64 { return ticks * (1e9 / userHZ()) }
