package event

import (
	"strconv"
	"strings"
)

// FlagName names one bit (flag tables) or one value (enum tables).
type FlagName struct {
	Value int64
	Name  string
}

// Flag bits of the execve exe flags, set by sensors that know where the executable lives.
const (
	ExeWritable   = 1 << 0 // the executable is writable by the process's user
	ExeUpperLayer = 1 << 1 // the executable lives in an overlayfs upper layer (written in the container)
	ExeFromMemfd  = 1 << 2 // the executable is a memfd (fileless execution)
	ExeLowerLayer = 1 << 3 // the executable lives in an overlayfs lower layer (image content)
)

// Fd types of fdinfo's type parameter, one per Falco fd.type value.
const (
	FDFile = iota + 1
	FDDirectory
	FDIPv4
	FDIPv6
	FDUnix
	FDPipe
	FDEvent
	FDSignalfd
	FDEventpoll
	FDInotify
	FDTimerfd
	FDNetlink
	FDBPF
	FDUserfaultfd
	FDIOUring
	FDMemfd
	FDPidfd
)

// flagTables maps a table name of schema.txt to its entries. Flag tables list bits (the zero
// entry, if any, names the value with no bit set); enum tables list values.
var flagTables = map[string][]FlagName{
	"exe": {
		{ExeWritable, "EXE_WRITABLE"}, {ExeUpperLayer, "EXE_UPPER_LAYER"},
		{ExeFromMemfd, "EXE_FROM_MEMFD"}, {ExeLowerLayer, "EXE_LOWER_LAYER"},
	},
	"open": {
		{0o100, "O_CREAT"}, {0o200, "O_EXCL"}, {0o400, "O_NOCTTY"}, {0o1000, "O_TRUNC"},
		{0o2000, "O_APPEND"}, {0o4000, "O_NONBLOCK"}, {0o10000, "O_DSYNC"}, {0o20000, "O_ASYNC"},
		{0o40000, "O_DIRECT"}, {0o100000, "O_LARGEFILE"}, {0o200000, "O_DIRECTORY"},
		{0o400000, "O_NOFOLLOW"}, {0o1000000, "O_NOATIME"}, {0o2000000, "O_CLOEXEC"},
		{0o4000000, "O_SYNC"}, {0o10000000, "O_PATH"}, {0o20000000, "O_TMPFILE"},
	},
	"mode": {
		{0o1, "S_IXOTH"}, {0o2, "S_IWOTH"}, {0o4, "S_IROTH"}, {0o10, "S_IXGRP"}, {0o20, "S_IWGRP"},
		{0o40, "S_IRGRP"}, {0o100, "S_IXUSR"}, {0o200, "S_IWUSR"}, {0o400, "S_IRUSR"},
		{0o1000, "S_ISVTX"}, {0o2000, "S_ISGID"}, {0o4000, "S_ISUID"},
	},
	"clone": {
		{0x100, "CLONE_VM"}, {0x200, "CLONE_FS"}, {0x400, "CLONE_FILES"}, {0x800, "CLONE_SIGHAND"},
		{0x1000, "CLONE_PIDFD"}, {0x2000, "CLONE_PTRACE"}, {0x4000, "CLONE_VFORK"},
		{0x8000, "CLONE_PARENT"}, {0x10000, "CLONE_THREAD"}, {0x20000, "CLONE_NEWNS"},
		{0x40000, "CLONE_SYSVSEM"}, {0x80000, "CLONE_SETTLS"}, {0x100000, "CLONE_PARENT_SETTID"},
		{0x200000, "CLONE_CHILD_CLEARTID"}, {0x400000, "CLONE_DETACHED"},
		{0x800000, "CLONE_UNTRACED"}, {0x1000000, "CLONE_CHILD_SETTID"},
		{0x2000000, "CLONE_NEWCGROUP"}, {0x4000000, "CLONE_NEWUTS"}, {0x8000000, "CLONE_NEWIPC"},
		{0x10000000, "CLONE_NEWUSER"}, {0x20000000, "CLONE_NEWPID"}, {0x40000000, "CLONE_NEWNET"},
		{0x80000000, "CLONE_IO"},
	},
	"signal": {
		{1, "SIGHUP"}, {2, "SIGINT"}, {3, "SIGQUIT"}, {4, "SIGILL"}, {5, "SIGTRAP"}, {6, "SIGABRT"},
		{7, "SIGBUS"}, {8, "SIGFPE"}, {9, "SIGKILL"}, {10, "SIGUSR1"}, {11, "SIGSEGV"},
		{12, "SIGUSR2"}, {13, "SIGPIPE"}, {14, "SIGALRM"}, {15, "SIGTERM"}, {17, "SIGCHLD"},
		{18, "SIGCONT"}, {19, "SIGSTOP"}, {20, "SIGTSTP"},
	},
	"ptrace": {
		{0, "PTRACE_TRACEME"}, {1, "PTRACE_PEEKTEXT"}, {2, "PTRACE_PEEKDATA"},
		{3, "PTRACE_PEEKUSR"}, {4, "PTRACE_POKETEXT"}, {5, "PTRACE_POKEDATA"},
		{6, "PTRACE_POKEUSR"}, {7, "PTRACE_CONT"}, {8, "PTRACE_KILL"}, {9, "PTRACE_SINGLESTEP"},
		{12, "PTRACE_GETREGS"}, {13, "PTRACE_SETREGS"}, {16, "PTRACE_ATTACH"},
		{17, "PTRACE_DETACH"}, {24, "PTRACE_SYSCALL"}, {0x4200, "PTRACE_SETOPTIONS"},
		{0x4201, "PTRACE_GETEVENTMSG"}, {0x4202, "PTRACE_GETSIGINFO"},
		{0x4203, "PTRACE_SETSIGINFO"}, {0x4204, "PTRACE_GETREGSET"},
		{0x4205, "PTRACE_SETREGSET"}, {0x4206, "PTRACE_SEIZE"}, {0x4207, "PTRACE_INTERRUPT"},
		{0x4208, "PTRACE_LISTEN"},
	},
	"fcntl": {
		{0, "F_DUPFD"}, {1, "F_GETFD"}, {2, "F_SETFD"}, {3, "F_GETFL"}, {4, "F_SETFL"},
		{1030, "F_DUPFD_CLOEXEC"},
	},
	"bpf": {
		{0, "BPF_MAP_CREATE"}, {1, "BPF_MAP_LOOKUP_ELEM"}, {2, "BPF_MAP_UPDATE_ELEM"},
		{3, "BPF_MAP_DELETE_ELEM"}, {4, "BPF_MAP_GET_NEXT_KEY"}, {5, "BPF_PROG_LOAD"},
		{6, "BPF_OBJ_PIN"}, {7, "BPF_OBJ_GET"}, {8, "BPF_PROG_ATTACH"}, {9, "BPF_PROG_DETACH"},
		{28, "BPF_LINK_CREATE"},
	},
	"family": {
		{0, "AF_UNSPEC"}, {1, "AF_UNIX"}, {2, "AF_INET"}, {10, "AF_INET6"}, {16, "AF_NETLINK"},
		{17, "AF_PACKET"},
	},
	"fdtype": {
		{FDFile, "file"}, {FDDirectory, "directory"}, {FDIPv4, "ipv4"}, {FDIPv6, "ipv6"},
		{FDUnix, "unix"}, {FDPipe, "pipe"}, {FDEvent, "event"}, {FDSignalfd, "signalfd"},
		{FDEventpoll, "eventpoll"}, {FDInotify, "inotify"}, {FDTimerfd, "timerfd"},
		{FDNetlink, "netlink"}, {FDBPF, "bpf"}, {FDUserfaultfd, "userfaultfd"},
		{FDIOUring, "io_uring"}, {FDMemfd, "memfd"}, {FDPidfd, "pidfd"},
	},
}

// FlagTable returns the named flag or enum table and whether it exists.
func FlagTable(name string) ([]FlagName, bool) {
	t, ok := flagTables[name]
	return t, ok
}

// OpenAccessMode renders the access mode bits of open flags, which are values, not bits.
func OpenAccessMode(flags int64) string {
	switch flags & 3 {
	case 0:
		return "O_RDONLY"
	case 1:
		return "O_WRONLY"
	case 2:
		return "O_RDWR"
	}
	return "O_ACCMODE"
}

// FormatFlags renders v with the named table: "A|B" for flag tables (unknown bits as hex),
// the value's name for enum tables (the number when unnamed). For the open table the access
// mode comes first, as Falco prints it.
func FormatFlags(table string, v int64, enum bool) string {
	entries := flagTables[table]
	if enum {
		for _, f := range entries {
			if f.Value == v {
				return f.Name
			}
		}
		return strconv.FormatInt(v, 10)
	}
	var parts []string
	if table == "open" {
		parts = append(parts, OpenAccessMode(v))
		v &^= 3
	}
	for _, f := range entries {
		if f.Value != 0 && v&f.Value == f.Value {
			parts = append(parts, f.Name)
			v &^= f.Value
		}
	}
	if v != 0 {
		parts = append(parts, "0x"+strconv.FormatInt(v, 16))
	}
	return strings.Join(parts, "|")
}
