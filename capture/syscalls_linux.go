//go:build linux && amd64

package capture

// syscallConf says which x86_64 syscalls the sensor records and what it reads beside their
// arguments. The decoder in replay knows the same numbers; TestSyscallKinds checks that every
// name here is a kind of the event schema.
type syscallConf struct {
	nr   uint32
	name string
	conf sensorSensorConf
}

// Bits of sensorSensorConf.StrArgs.
const (
	str0 = 1 << iota
	str1
	str2
	str3
)

// Data kinds, as sensor.h numbers them.
const (
	dataBuf  = 1
	dataIOV  = 2
	dataMsg  = 3
	dataFDs  = 4
	dataFDs3 = 5
)

func sc(nr uint32, name string, c sensorSensorConf) syscallConf {
	c.Enabled = 1
	return syscallConf{nr: nr, name: name, conf: c}
}

// syscalls lists the recorded syscalls. Fork-like syscalls and successful execs are recorded
// by the sched_process_* programs, not here.
var syscalls = []syscallConf{
	sc(59, "execve", sensorSensorConf{StrArgs: str0, FailOnly: 1}),
	sc(322, "execveat", sensorSensorConf{StrArgs: str1, FailOnly: 1}),
	sc(2, "open", sensorSensorConf{StrArgs: str0}),
	sc(257, "openat", sensorSensorConf{StrArgs: str1}),
	sc(437, "openat2", sensorSensorConf{StrArgs: str1, AddrArg: 3, AddrlenArg: 4}), // open_how
	sc(85, "creat", sensorSensorConf{StrArgs: str0}),
	sc(3, "close", sensorSensorConf{}),
	sc(32, "dup", sensorSensorConf{}),
	sc(33, "dup2", sensorSensorConf{}),
	sc(292, "dup3", sensorSensorConf{}),
	sc(72, "fcntl", sensorSensorConf{DupOnly: 1}),
	sc(22, "pipe", sensorSensorConf{Data: dataFDs}),
	sc(293, "pipe2", sensorSensorConf{Data: dataFDs}),
	sc(41, "socket", sensorSensorConf{}),
	sc(53, "socketpair", sensorSensorConf{Data: dataFDs3}),
	sc(42, "connect", sensorSensorConf{FdArg: 1, AddrArg: 2, AddrlenArg: 3}),
	sc(43, "accept", sensorSensorConf{RetTuple: 1}),
	sc(288, "accept4", sensorSensorConf{RetTuple: 1}),
	sc(49, "bind", sensorSensorConf{AddrArg: 2, AddrlenArg: 3}),
	sc(50, "listen", sensorSensorConf{}),
	sc(48, "shutdown", sensorSensorConf{}),
	sc(44, "sendto", sensorSensorConf{FdArg: 1, Data: dataBuf, AddrArg: 5, AddrlenArg: 6}),
	sc(45, "recvfrom", sensorSensorConf{FdArg: 1, Data: dataBuf, AddrArg: 5, AddrlenArg: 6, AddrlenPtr: 1}),
	sc(46, "sendmsg", sensorSensorConf{FdArg: 1, Data: dataMsg}),
	sc(47, "recvmsg", sensorSensorConf{FdArg: 1, Data: dataMsg}),
	sc(307, "sendmmsg", sensorSensorConf{FdArg: 1, Data: dataMsg}),
	sc(299, "recvmmsg", sensorSensorConf{FdArg: 1, Data: dataMsg}),
	sc(0, "read", sensorSensorConf{FdArg: 1, SockOnly: 1, Data: dataBuf}),
	sc(1, "write", sensorSensorConf{FdArg: 1, SockOnly: 1, Data: dataBuf}),
	sc(19, "readv", sensorSensorConf{FdArg: 1, SockOnly: 1, Data: dataIOV}),
	sc(20, "writev", sensorSensorConf{FdArg: 1, SockOnly: 1, Data: dataIOV}),
	sc(90, "chmod", sensorSensorConf{StrArgs: str0}),
	sc(91, "fchmod", sensorSensorConf{}),
	sc(268, "fchmodat", sensorSensorConf{StrArgs: str1}),
	sc(452, "fchmodat2", sensorSensorConf{StrArgs: str1}),
	sc(82, "rename", sensorSensorConf{StrArgs: str0 | str1}),
	sc(264, "renameat", sensorSensorConf{StrArgs: str1 | str3}),
	sc(316, "renameat2", sensorSensorConf{StrArgs: str1 | str3}),
	sc(87, "unlink", sensorSensorConf{StrArgs: str0}),
	sc(263, "unlinkat", sensorSensorConf{StrArgs: str1}),
	sc(83, "mkdir", sensorSensorConf{StrArgs: str0}),
	sc(258, "mkdirat", sensorSensorConf{StrArgs: str1}),
	sc(84, "rmdir", sensorSensorConf{StrArgs: str0}),
	sc(86, "link", sensorSensorConf{StrArgs: str0 | str1}),
	sc(265, "linkat", sensorSensorConf{StrArgs: str1 | str3}),
	sc(88, "symlink", sensorSensorConf{StrArgs: str0 | str1}),
	sc(266, "symlinkat", sensorSensorConf{StrArgs: str0 | str2}),
	sc(105, "setuid", sensorSensorConf{}),
	sc(106, "setgid", sensorSensorConf{}),
	sc(113, "setreuid", sensorSensorConf{}),
	sc(114, "setregid", sensorSensorConf{}),
	sc(117, "setresuid", sensorSensorConf{}),
	sc(119, "setresgid", sensorSensorConf{}),
	sc(101, "ptrace", sensorSensorConf{}),
	sc(319, "memfd_create", sensorSensorConf{StrArgs: str0}),
	sc(165, "mount", sensorSensorConf{StrArgs: str0 | str1 | str2}),
	sc(166, "umount2", sensorSensorConf{StrArgs: str0}),
	sc(175, "init_module", sensorSensorConf{StrArgs: str2}),
	sc(313, "finit_module", sensorSensorConf{StrArgs: str1}),
	sc(321, "bpf", sensorSensorConf{}),
	sc(308, "setns", sensorSensorConf{}),
	sc(272, "unshare", sensorSensorConf{}),
	sc(323, "userfaultfd", sensorSensorConf{}),
	sc(62, "kill", sensorSensorConf{}),
	sc(234, "tgkill", sensorSensorConf{}),
	// io_uring_params' first six fields (entries, flags, features...), as the call leaves them.
	sc(425, "io_uring_setup", sensorSensorConf{AddrArg: 2, AddrSize: 24}),
	sc(426, "io_uring_enter", sensorSensorConf{}),
	sc(427, "io_uring_register", sensorSensorConf{}),
}
