//go:build linux && amd64

package capture

// syscallConf says which x86_64 syscalls the sensor records and what it reads beside their
// arguments. The decoder in replay knows the same numbers; TestSyscallKinds checks that every
// name here is a kind of the event schema.
type syscallConf struct {
	nr    uint32
	name  string
	class syscallClass
	conf  sensorSensorConf
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

func sc(nr uint32, name string, class syscallClass, c sensorSensorConf) syscallConf {
	c.Enabled = 1
	return syscallConf{nr: nr, name: name, class: class, conf: c}
}

// syscalls lists the recorded syscalls. Fork-like syscalls and successful execs are recorded
// by the sched_process_* programs, not here.
var syscalls = []syscallConf{
	sc(59, "execve", classProcess, sensorSensorConf{StrArgs: str0, FailOnly: 1}),
	sc(322, "execveat", classProcess, sensorSensorConf{StrArgs: str1, FailOnly: 1}),
	sc(2, "open", classFile, sensorSensorConf{StrArgs: str0}),
	sc(257, "openat", classFile, sensorSensorConf{StrArgs: str1}),
	sc(437, "openat2", classFile, sensorSensorConf{StrArgs: str1, AddrArg: 3, AddrlenArg: 4}), // open_how
	sc(85, "creat", classFile, sensorSensorConf{StrArgs: str0}),
	sc(3, "close", classFd, sensorSensorConf{}),
	sc(32, "dup", classFd, sensorSensorConf{}),
	sc(33, "dup2", classFd, sensorSensorConf{}),
	sc(292, "dup3", classFd, sensorSensorConf{}),
	sc(72, "fcntl", classFd, sensorSensorConf{DupOnly: 1}),
	sc(22, "pipe", classFd, sensorSensorConf{Data: dataFDs}),
	sc(293, "pipe2", classFd, sensorSensorConf{Data: dataFDs}),
	sc(41, "socket", classNetSetup, sensorSensorConf{}),
	sc(53, "socketpair", classNetSetup, sensorSensorConf{Data: dataFDs3}),
	sc(42, "connect", classNetSetup, sensorSensorConf{FdArg: 1, AddrArg: 2, AddrlenArg: 3}),
	sc(43, "accept", classNetSetup, sensorSensorConf{RetTuple: 1}),
	sc(288, "accept4", classNetSetup, sensorSensorConf{RetTuple: 1}),
	sc(49, "bind", classNetSetup, sensorSensorConf{AddrArg: 2, AddrlenArg: 3}),
	sc(50, "listen", classNetSetup, sensorSensorConf{}),
	sc(48, "shutdown", classNetSetup, sensorSensorConf{}),
	sc(44, "sendto", classSockIO, sensorSensorConf{FdArg: 1, Data: dataBuf, AddrArg: 5, AddrlenArg: 6}),
	sc(45, "recvfrom", classSockIO, sensorSensorConf{FdArg: 1, Data: dataBuf, AddrArg: 5, AddrlenArg: 6, AddrlenPtr: 1}),
	sc(46, "sendmsg", classSockIO, sensorSensorConf{FdArg: 1, Data: dataMsg}),
	sc(47, "recvmsg", classSockIO, sensorSensorConf{FdArg: 1, Data: dataMsg}),
	sc(307, "sendmmsg", classSockIO, sensorSensorConf{FdArg: 1, Data: dataMsg}),
	sc(299, "recvmmsg", classSockIO, sensorSensorConf{FdArg: 1, Data: dataMsg}),
	sc(0, "read", classFdIO, sensorSensorConf{FdArg: 1, SockOnly: 1, Data: dataBuf}),
	sc(1, "write", classFdIO, sensorSensorConf{FdArg: 1, SockOnly: 1, Data: dataBuf}),
	sc(19, "readv", classFdIO, sensorSensorConf{FdArg: 1, SockOnly: 1, Data: dataIOV}),
	sc(20, "writev", classFdIO, sensorSensorConf{FdArg: 1, SockOnly: 1, Data: dataIOV}),
	sc(90, "chmod", classFile, sensorSensorConf{StrArgs: str0}),
	sc(91, "fchmod", classFile, sensorSensorConf{}),
	sc(268, "fchmodat", classFile, sensorSensorConf{StrArgs: str1}),
	sc(452, "fchmodat2", classFile, sensorSensorConf{StrArgs: str1}),
	sc(82, "rename", classFile, sensorSensorConf{StrArgs: str0 | str1}),
	sc(264, "renameat", classFile, sensorSensorConf{StrArgs: str1 | str3}),
	sc(316, "renameat2", classFile, sensorSensorConf{StrArgs: str1 | str3}),
	sc(87, "unlink", classFile, sensorSensorConf{StrArgs: str0}),
	sc(263, "unlinkat", classFile, sensorSensorConf{StrArgs: str1}),
	sc(83, "mkdir", classFile, sensorSensorConf{StrArgs: str0}),
	sc(258, "mkdirat", classFile, sensorSensorConf{StrArgs: str1}),
	sc(84, "rmdir", classFile, sensorSensorConf{StrArgs: str0}),
	sc(86, "link", classFile, sensorSensorConf{StrArgs: str0 | str1}),
	sc(265, "linkat", classFile, sensorSensorConf{StrArgs: str1 | str3}),
	sc(88, "symlink", classFile, sensorSensorConf{StrArgs: str0 | str1}),
	sc(266, "symlinkat", classFile, sensorSensorConf{StrArgs: str0 | str2}),
	sc(105, "setuid", classSystem, sensorSensorConf{}),
	sc(106, "setgid", classSystem, sensorSensorConf{}),
	sc(113, "setreuid", classSystem, sensorSensorConf{}),
	sc(114, "setregid", classSystem, sensorSensorConf{}),
	sc(117, "setresuid", classSystem, sensorSensorConf{}),
	sc(119, "setresgid", classSystem, sensorSensorConf{}),
	sc(101, "ptrace", classProcess, sensorSensorConf{}),
	sc(319, "memfd_create", classSystem, sensorSensorConf{StrArgs: str0}),
	sc(165, "mount", classSystem, sensorSensorConf{StrArgs: str0 | str1 | str2}),
	sc(166, "umount2", classSystem, sensorSensorConf{StrArgs: str0}),
	sc(175, "init_module", classSystem, sensorSensorConf{StrArgs: str2}),
	sc(313, "finit_module", classSystem, sensorSensorConf{StrArgs: str1}),
	sc(321, "bpf", classSystem, sensorSensorConf{}),
	sc(308, "setns", classSystem, sensorSensorConf{}),
	sc(272, "unshare", classSystem, sensorSensorConf{}),
	sc(323, "userfaultfd", classSystem, sensorSensorConf{}),
	sc(62, "kill", classProcess, sensorSensorConf{}),
	sc(234, "tgkill", classProcess, sensorSensorConf{}),
	// io_uring_params' first six fields (entries, flags, features...), as the call leaves them.
	sc(425, "io_uring_setup", classSystem, sensorSensorConf{AddrArg: 2, AddrSize: 24}),
	sc(426, "io_uring_enter", classSystem, sensorSensorConf{}),
	sc(427, "io_uring_register", classSystem, sensorSensorConf{}),
}
