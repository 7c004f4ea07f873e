package replay

import (
	"math"
	"saker/event"
	"sync"
)

// The sensor records a 32-bit syscall with its ia32 number (hdrIA32). Its arguments, 32-bit
// values zero-extended, sit where the x86_64 call of the same name has them, so the decoder
// maps the number to that call's x86_64 number and decodes it with the x86_64 table.

// nrIA32Unknown is what nr64 returns for an ia32 number with no x86_64 counterpart in
// sysTable: no syscall has it, so decoding skips the record.
const nrIA32Unknown = math.MaxUint32 - 1

// ia32To64 maps ia32 numbers to the x86_64 numbers of the syscalls they are decoded as,
// through their names (event.IA32Syscalls, generated from the kernel's syscall_32.tbl). It is built
// on first use, after the init functions have filled sysTable.
var ia32To64 = sync.OnceValue(func() map[uint32]uint32 {
	byName := make(map[string]uint32)
	for nr, name := range x86Names() {
		byName[name] = nr
	}
	m := make(map[uint32]uint32, len(event.IA32Syscalls))
	for nr32, name := range event.IA32Syscalls {
		if nr, ok := byName[name]; ok {
			m[nr32] = nr
		}
	}
	return m
})

// x86Names names the x86_64 numbers of the syscalls the decoder knows: those of sysTable and
// the process calls the exec and fork records carry.
func x86Names() map[uint32]string {
	m := map[uint32]string{nrClone: "clone", nrFork: "fork", nrVfork: "vfork", 59: "execve",
		nrExecveat: "execveat", nrClone3: "clone3"}
	for nr, d := range sysTable {
		m[nr] = d.kind.String()
	}
	return m
}

// nr64 returns the x86_64 number of the syscall an ia32 number is decoded as, or
// nrIA32Unknown.
func nr64(nr32 uint32) uint32 {
	if nr, ok := ia32To64()[nr32]; ok {
		return nr
	}
	return nrIA32Unknown
}
