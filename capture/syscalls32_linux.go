//go:build linux && amd64

package capture

import (
	"saker/event"
	"slices"
)

// syscalls32 returns the sensor's configuration of ia32 syscalls: every recorded x86_64
// syscall under each ia32 number decoded as it (event.IA32Syscalls, generated from the kernel's
// syscall_32.tbl), in number order. The sensor reads the 32-bit iovec and msghdr layouts of
// these calls itself, and records a socketcall (the multiplexer of socket calls that older
// 32-bit C libraries use) as the direct call it stands for, configured here by that number.
func syscalls32() []syscallConf {
	byName := make(map[string]sensorSensorConf, len(syscalls))
	for _, c := range syscalls {
		byName[c.name] = c.conf
	}
	var out []syscallConf
	for nr, name := range event.IA32Syscalls {
		if c, ok := byName[name]; ok {
			out = append(out, syscallConf{nr: nr, name: name, conf: c})
		}
	}
	slices.SortFunc(out, func(a, b syscallConf) int { return int(a.nr) - int(b.nr) })
	return out
}
