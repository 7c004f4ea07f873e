/* Record layouts shared by the BPF programs and, through the Go mirrors in
 * capture/layout.go and replay/sensor_layout.go, by user space. Layout version 1.
 * Changing any struct here needs a new SENSOR_LAYOUT_VERSION. Blob tags and flag bits are
 * append-only and need none: decoders skip tags and ignore bits they do not know, so a record
 * with a new blob still decodes, without it, where an older decoder reads it. */
#ifndef SAKER_SENSOR_H
#define SAKER_SENSOR_H

#define SENSOR_LAYOUT_VERSION 1

/* Record types (sensor_hdr.type). */
#define REC_SYSCALL 1 /* a syscall at its exit: sensor_syscall, then blobs */
#define REC_EXEC 2    /* a successful execve/execveat: sensor_exec, then blobs */
#define REC_FORK 3    /* a new task: sensor_fork */
#define REC_EXIT 4    /* a task exits: sensor_exit */

/* Blob tags. A blob is struct sensor_blob followed by len bytes, unaligned. */
#define BLOB_ARG0 1     /* user string of syscall argument 0; ARG0+i for argument i */
#define BLOB_SOCKADDR 8 /* raw struct sockaddr bytes from user memory */
#define BLOB_TUPLE 9    /* struct sensor_tuple of the socket of the fd argument */
#define BLOB_RTUPLE 10  /* struct sensor_tuple of the socket of the returned fd */
#define BLOB_DATA 11    /* first snaplen bytes of the payload */
#define BLOB_FDS 12     /* int[2] written by pipe/pipe2/socketpair */
#define BLOB_FILENAME 13
#define BLOB_ARGS 14   /* argv as the new image sees it, NUL-separated */
#define BLOB_EXEPATH 15 /* exe path components, leaf first, NUL-terminated */
#define BLOB_CWD 16     /* cwd components, leaf first, NUL-terminated */
#define BLOB_CGROUP 17  /* cgroup v2 path components, leaf first, NUL-terminated */
#define BLOB_ENV 18     /* environment as the new image sees it, NUL-separated; older captures lack it */

/* Header flags (sensor_hdr.flags): how the call entered the kernel. Zero in records of
 * older sensors, which wrote the field as padding. */
#define HDR_IO_URING 1 /* an io_uring request completed (REC_SYSCALL with the number of the
			* equivalent x86_64 syscall and arguments taken from the request) */
#define HDR_IA32 2     /* a 32-bit (ia32 compat) syscall: nr is an ia32 number, the arguments
			* were ebx, ecx, edx, esi, edi, ebp */
#define HDR_FIXED_FILE 4 /* io_uring: the fd argument is an index into the ring's table of
			  * registered files, not a file descriptor */

/* Exec flags (sensor_exec.flags). */
#define EXEC_UPPER_LAYER 1
#define EXEC_LOWER_LAYER 2
#define EXEC_NO_LINKS 4 /* the executable has no link left: memfd or deleted */
#define EXEC_ENV_TRUNCATED 8 /* BLOB_ENV holds a prefix of the environment, or is missing */

struct sensor_hdr {
	__u64 ts; /* CLOCK_BOOTTIME ns */
	__u32 pid;
	__u32 tid;
	__u16 type;
	__u16 cpu;
	__u32 nr; /* syscall number (x86_64, or ia32 with HDR_IA32), or ~0 when none */
	__u32 len; /* bytes of the record including this header */
	__u32 flags; /* HDR_* */
};

struct sensor_syscall {
	struct sensor_hdr h;
	__s64 ret;
	__u64 args[6];
};

struct sensor_blob {
	__u8 tag;
	__u8 pad;
	__u16 len;
};

struct sensor_tuple {
	__u16 family;
	__u16 proto;
	__u16 lport; /* host order */
	__u16 rport; /* host order */
	__u8 laddr[16];
	__u8 raddr[16];
};

struct sensor_exec {
	struct sensor_hdr h;
	__u32 ppid;
	__u32 uid;
	__u32 gid;
	__u32 euid;
	__u32 egid;
	__u32 loginuid;
	__u32 tty;
	__u32 vpid;
	__u32 vtid;
	__u32 pgid;
	__u32 vpgid;
	__u32 sid;
	__u32 flags;
	__u32 pad;
	__u64 cap_permitted;
	__u64 cap_effective;
	__u64 exe_ino;
	__u64 exe_ctime; /* ns since the epoch */
	__u64 exe_mtime;
	__u64 cgroup_id;
	__u8 comm[16];
};

struct sensor_fork {
	struct sensor_hdr h; /* pid/tid: the parent */
	__u32 child_pid;
	__u32 child_tid;
	__u64 clone_flags;
	__u8 comm[16];
};

struct sensor_exit {
	struct sensor_hdr h;
	__s32 code;
	__u32 pad;
};

/* Per-syscall configuration set from user space (the wanted map). */
#define DATA_NONE 0
#define DATA_BUF 1 /* args[1] buffer; ret bytes were transferred */
#define DATA_IOV 2 /* args[1] iovec array: its first element */
#define DATA_MSG 3 /* args[1] msghdr (or the first mmsghdr): name and first iovec */
#define DATA_FDS 4 /* args[0] int[2] written by the call */
#define DATA_FDS3 5 /* args[3] int[2] written by the call (socketpair) */
/* ia32 callers pass 32-bit iovec and msghdr layouts: the sensor reads those where the
 * syscall is ia32, with the same DATA_IOV and DATA_MSG settings. */

struct sensor_conf {
	__u8 enabled;
	__u8 str_args;    /* bit i: argument i is a user string */
	__u8 fd_arg;      /* 1+index of an fd argument whose socket tuple to record */
	__u8 sock_only;   /* record only when that fd is a socket or a control file */
	__u8 addr_arg;    /* 1+index of a user sockaddr pointer */
	__u8 addrlen_arg; /* 1+index of its length */
	__u8 addrlen_ptr; /* the length argument is a pointer (written by the call) */
	__u8 data;        /* DATA_* */
	__u8 ret_tuple;   /* the call returns a socket fd: record its tuple */
	__u8 fail_only;   /* record only failures (execve: success is REC_EXEC) */
	__u8 dup_only;    /* fcntl: record only F_DUPFD and F_DUPFD_CLOEXEC */
	__u8 addr_size;   /* the sockaddr argument's length when no argument gives it */
	__u8 pad[4];
};

#endif
