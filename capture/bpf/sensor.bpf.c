// SPDX-License-Identifier: GPL-2.0
/* saker's syscall sensor. Programs attach to BTF tracepoints (tp_btf) and write variable
 * length records (sensor.h) into one ring buffer; user space stores them unchanged. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "sensor.h"

char LICENSE[] SEC("license") = "GPL";

#define NR_SYSCALLS 512
#define SCRATCH 32768
#define HALF 16384    /* blobs start below HALF, so a blob of up to HALF bytes fits */
#define MAX_STR 4096  /* user strings and argv */
#define MAX_ENV 4096  /* environment bytes kept at exec: libscap's SCAP_MAX_ENV_SIZE */
#define MAX_NAME 256  /* one path component */
#define MAX_DEPTH 32  /* path components walked */
#define MAX_SNAP 4096 /* payload bytes */
#define MAX_SOCKADDR 128
_Static_assert(MAX_ENV <= MAX_SNAP, "put_user_bytes keeps at most MAX_SNAP bytes");

#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define PF_KTHREAD 0x00200000
#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define NR_CLONE 56
#define NR_CLONE3 435
#define NR_SENDMMSG 307
#define NR_RECVMMSG 299
/* ia32 numbers (arch/x86/entry/syscalls/syscall_32.tbl) the programs need. */
#define NR32_CLONE 120
#define NR32_CLONE3 435
#define NR32_RECVMMSG 337
#define NR32_SENDMMSG 345
#define NR32_RECVMMSG_TIME64 417
#define NR32_SOCKETCALL 102
#define TS_COMPAT 0x0002 /* thread_info.status: the current syscall came through the ia32 entry */

/* Older kernel layouts, matched by CO-RE flavor (the ___suffix is ignored). */
struct inode___pre611 {
	struct timespec64 __i_ctime;
	struct timespec64 __i_mtime;
} __attribute__((preserve_access_index));

struct inode___pre66 {
	struct timespec64 i_ctime;
	struct timespec64 i_mtime;
} __attribute__((preserve_access_index));

struct kernfs_node___pre615 {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

/* Set by user space before loading. */
volatile const __u32 self_tgid = 0;
volatile const __u32 snaplen = 256;
/* Records are queued without waking the reader, which polls on a timer, until this many bytes
 * wait: a wake-up per record (an IPI and a context switch) cost more than the record itself. */
volatile const __u64 wakeup_bytes = 1 << 22;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 24);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NR_SYSCALLS);
	__type(key, __u32);
	__type(value, struct sensor_conf);
} wanted SEC(".maps");

/* The same for ia32 (compat) syscalls, indexed by their ia32 numbers. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NR_SYSCALLS);
	__type(key, __u32);
	__type(value, struct sensor_conf);
} wanted32 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

struct scratch {
	__u8 b[SCRATCH];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

/* Keep the record types in the object's BTF for the layout test. */
const struct sensor_syscall *unused_syscall __attribute__((unused));
const struct sensor_exec *unused_exec __attribute__((unused));
const struct sensor_fork *unused_fork __attribute__((unused));
const struct sensor_exit *unused_exit __attribute__((unused));
const struct sensor_blob *unused_blob __attribute__((unused));
const struct sensor_tuple *unused_tuple __attribute__((unused));

/* bound masks an offset so that the verifier sees it below HALF; an asm barrier keeps clang
 * from dropping the mask when it can prove it redundant. */
static __always_inline __u64 bound(__u64 x)
{
	asm volatile("%0 &= 16383" : "+r"(x));
	return x;
}

static __always_inline void count_lost(void)
{
	__u32 k = 0;
	__u64 *n = bpf_map_lookup_elem(&lost, &k);
	if (n)
		*n += 1;
}

static __always_inline void emit(__u8 *b, __u32 len)
{
	struct sensor_hdr *h = (void *)b;
	h->len = len;
	__u64 flags = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes ?
			      BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_output(&events, b, len & (SCRATCH - 1), flags))
		count_lost();
}

static __always_inline void fill_hdr(__u8 *b, __u16 type, __u32 nr, __u64 id)
{
	struct sensor_hdr *h = (void *)b;
	h->ts = bpf_ktime_get_boot_ns();
	h->pid = id >> 32;
	h->tid = (__u32)id;
	h->type = type;
	h->cpu = bpf_get_smp_processor_id();
	h->nr = nr;
	h->flags = 0;
}

/* in_ia32 says whether the current syscall entered through int 0x80 or the ia32 compat
 * entry: then its number is an ia32 number and its arguments are in ebx, ecx, edx, esi, edi
 * and ebp. */
static __always_inline bool in_ia32(struct task_struct *t)
{
	return BPF_CORE_READ(t, thread_info.status) & TS_COMPAT;
}

/* blob_start writes a blob header at off and returns the offset of its data, or 0 when the
 * record is full. */
static __always_inline __u32 blob_start(__u8 *b, __u32 off, __u8 tag)
{
	if (off > HALF - 8)
		return 0;
	struct sensor_blob *bl = (void *)&b[bound(off)];
	bl->tag = tag;
	bl->pad = 0;
	bl->len = 0;
	return off + sizeof(*bl);
}

static __always_inline __u32 blob_end(__u8 *b, __u32 off, __u32 end)
{
	struct sensor_blob *bl = (void *)&b[bound(off - sizeof(struct sensor_blob))];
	bl->len = end - off;
	return end;
}

__attribute__((noinline)) __u32 put_user_str(struct scratch *s, __u32 off, __u8 tag, __u64 p)
{
	if (!s)
		return off;
	__u8 *b = s->b;
	__u32 d = blob_start(b, off, tag);
	if (!d || !p)
		return off;
	long n = bpf_probe_read_user_str(&b[bound(d)], MAX_STR, (void *)p);
	if (n <= 0)
		return off;
	return blob_end(b, d, d + (__u32)n - 1);
}

__attribute__((noinline)) __u32 put_user_bytes(struct scratch *s, __u32 off, __u8 tag, __u64 p, __u64 n)
{
	if (!s)
		return off;
	__u8 *b = s->b;
	__u32 d = blob_start(b, off, tag);
	if (!d || !p)
		return off;
	if (n > MAX_SNAP)
		n = MAX_SNAP;
	n &= 8191;
	if (bpf_probe_read_user(&b[bound(d)], n, (void *)p))
		return off;
	return blob_end(b, d, d + (__u32)n);
}

/* fd_file returns the file of descriptor fd of t, the current task. The walk to the fd array
 * uses plain loads through t's BTF pointer (no helper call); only the array slot, at a
 * variable index, is read with a helper. */
static __always_inline struct file *fd_file(struct task_struct *t, __u64 fd)
{
	struct files_struct *files = t->files;
	if (!files)
		return NULL;
	struct fdtable *fdt = files->fdt;
	if (!fdt || fd >= fdt->max_fds)
		return NULL;
	struct file **fds = fdt->fd;
	struct file *f = NULL;
	bpf_core_read(&f, sizeof(f), &fds[fd]);
	return f;
}

static __always_inline struct sock *file_sock(struct file *f)
{
	if (!f)
		return NULL;
	umode_t mode = BPF_CORE_READ(f, f_inode, i_mode);
	if ((mode & S_IFMT) != S_IFSOCK)
		return NULL;
	struct socket *s = BPF_CORE_READ(f, private_data);
	return BPF_CORE_READ(s, sk);
}

/* ctl_file says whether f is a control file whose written value saker records although it
 * is no socket: a huge page pool's size, /proc/sys/vm/nr_hugepages or a /sys/.../nr_hugepages
 * file, told by the name of its directory entry. Miners raise it before mining with RandomX;
 * the value written is the evidence. The name's length is checked before its bytes are read:
 * most files written are no control file, and leave after two reads. */
static __always_inline bool ctl_file(struct file *f)
{
	static const char want[] = "nr_hugepages";
	char n[sizeof(want) + 1] = {};
	if (!f)
		return false;
	struct dentry *de = BPF_CORE_READ(f, f_path.dentry);
	struct qstr q = {};
	if (!de || bpf_core_read(&q, sizeof(q), &de->d_name) || q.len != sizeof(want) - 1)
		return false;
	if (bpf_probe_read_kernel_str(n, sizeof(n), q.name) != sizeof(want))
		return false;
#pragma unroll
	for (int i = 0; i < (int)sizeof(want) - 1; i++)
		if (n[i] != want[i])
			return false;
	return true;
}

/* put_sk_tuple writes the tuple of socket skp (a struct sock pointer; 0 writes nothing). */
__attribute__((noinline)) __u32 put_sk_tuple(struct scratch *s, __u32 off, __u8 tag, __u64 skp)
{
	struct sock *sk = (struct sock *)skp;
	if (!s || !sk)
		return off;
	__u8 *b = s->b;
	__u32 d = blob_start(b, off, tag);
	if (!d)
		return off;
	struct sensor_tuple *tp = (void *)&b[bound(d)];
	__builtin_memset(tp, 0, sizeof(*tp));
	tp->proto = BPF_CORE_READ(sk, sk_protocol);
	tp->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	tp->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	tp->rport = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (tp->family == AF_INET) {
		bpf_core_read(tp->laddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(tp->raddr, 4, &sk->__sk_common.skc_daddr);
	} else if (tp->family == AF_INET6) {
		bpf_core_read(tp->laddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(tp->raddr, 16, &sk->__sk_common.skc_v6_daddr);
	}
	return blob_end(b, d, d + sizeof(*tp));
}

static __always_inline __u32 put_tuple(struct scratch *s, __u32 off, __u8 tag, __u64 fd)
{
	return put_sk_tuple(s, off, tag, (__u64)file_sock(fd_file(bpf_get_current_task_btf(), fd)));
}

/* put_file_tuple writes the BLOB_TUPLE of f when it is a socket. */
static __always_inline __u32 put_file_tuple(struct scratch *s, __u32 off, struct file *f)
{
	return put_sk_tuple(s, off, BLOB_TUPLE, (__u64)file_sock(f));
}


/* argn returns argument i-1 (i is a 1-based index from sensor_conf). */
static __always_inline __u64 argn(const __u64 *a, __u8 i)
{
	switch (i) {
	case 1: return a[0];
	case 2: return a[1];
	case 3: return a[2];
	case 4: return a[3];
	case 5: return a[4];
	case 6: return a[5];
	}
	return 0;
}

__attribute__((noinline)) __u32 put_msg(struct scratch *s, __u32 off, __u64 msg, __s64 ret)
{
	struct user_msghdr m = {};
	if (bpf_probe_read_user(&m, sizeof(m), (void *)msg))
		return off;
	if (m.msg_name && m.msg_namelen)
		off = put_user_bytes(s, off, BLOB_SOCKADDR, (__u64)m.msg_name,
				     m.msg_namelen > MAX_SOCKADDR ? MAX_SOCKADDR : m.msg_namelen);
	if (ret <= 0 || !m.msg_iov || !m.msg_iovlen)
		return off;
	struct iovec iv = {};
	if (bpf_probe_read_user(&iv, sizeof(iv), m.msg_iov))
		return off;
	__u64 n = iv.iov_len < (__u64)ret ? iv.iov_len : (__u64)ret;
	return put_user_bytes(s, off, BLOB_DATA, (__u64)iv.iov_base, n < snaplen ? n : snaplen);
}

/* The ia32 layouts of struct msghdr and struct iovec (compat_msghdr, compat_iovec). */
struct msghdr32 {
	__u32 name;
	__s32 namelen;
	__u32 iov;
	__u32 iovlen;
	__u32 control;
	__u32 controllen;
	__u32 flags;
};

struct iovec32 {
	__u32 base;
	__u32 len;
};

/* put_iov writes the payload of the first element of the iovec array at p, of the 64-bit
 * layout or, with ia32, of the 32-bit one. */
static __always_inline __u32 put_iov(struct scratch *s, __u32 off, __u64 p, __s64 ret, bool ia32)
{
	__u64 base, len;
	if (ia32) {
		struct iovec32 iv = {};
		if (bpf_probe_read_user(&iv, sizeof(iv), (void *)p))
			return off;
		base = iv.base;
		len = iv.len;
	} else {
		struct iovec iv = {};
		if (bpf_probe_read_user(&iv, sizeof(iv), (void *)p))
			return off;
		base = (__u64)iv.iov_base;
		len = iv.iov_len;
	}
	__u64 n = len < (__u64)ret ? len : (__u64)ret;
	return put_user_bytes(s, off, BLOB_DATA, base, n < snaplen ? n : snaplen);
}

__attribute__((noinline)) __u32 put_msg32(struct scratch *s, __u32 off, __u64 msg, __s64 ret)
{
	struct msghdr32 m = {};
	if (bpf_probe_read_user(&m, sizeof(m), (void *)msg))
		return off;
	if (m.name && m.namelen > 0)
		off = put_user_bytes(s, off, BLOB_SOCKADDR, m.name,
				     m.namelen > MAX_SOCKADDR ? MAX_SOCKADDR : m.namelen);
	if (ret <= 0 || !m.iov || !m.iovlen)
		return off;
	return put_iov(s, off, m.iov, ret, true);
}

/* socketcall turns an ia32 socketcall(call, args) (the multiplexer through which older 32-bit
 * C libraries make every socket call) into the direct ia32 call it stands for: *nr becomes that
 * call's number and args its arguments, read from the caller's array of 32-bit values. It
 * returns false for calls it does not know or an unreadable array. The numbers are those of
 * linux/net.h (SYS_SOCKET 1 ... SYS_SENDMMSG 20) and syscall_32.tbl. */
static __always_inline bool socketcall(__u32 *nr, __u64 *args)
{
	static const __u16 direct[21] = {0, 359, 361, 362, 363, 364, 367, 368, 360, 369, 371,
					 369, 371, 373, 366, 365, 370, 372, 364, 337, 345};
	static const __u8 nargs[21] = {0, 3, 3, 3, 2, 3, 3, 3, 4, 4, 4, 6, 6, 2, 5, 5, 3, 3, 4, 5, 4};
	__u64 call = args[0];
	if (call < 1 || call > 20)
		return false;
	__u32 a[6] = {};
	__u32 n = nargs[call & 31] & 7;
	if (n > 6 || bpf_probe_read_user(a, n * sizeof(__u32), (void *)args[1]))
		return false;
	*nr = direct[call & 31];
	for (int i = 0; i < 6; i++)
		args[i] = a[i];
	/* send and recv are sendto and recvfrom without an address; accept is accept4 with no
	 * flags: the array's unused slots stay zero. */
	return true;
}

/* record_exit records syscall nr (x86_64, or ia32 on the raw hook) at its exit, when the wanted map asks for it,
 * with its arguments read back from the user registers saved at entry: x86_64 syscalls leave
 * di, si, dx, r10, r8 and r9 as the caller set them (a successful execve replaces them, but
 * only failed ones are recorded here), so no sys_enter program or per-thread map of arguments
 * is needed: that pair cost a hash update and delete on every wanted syscall and a lookup on
 * every other one. */
static __always_inline int record_exit(struct pt_regs *regs, __u64 id, long ret)
{
	if (id >= NR_SYSCALLS)
		return 0;
	__u32 nr = id;
	/* A 32-bit syscall (ia32 compat entry, int 0x80) has its own numbering and registers:
	 * read with the x86_64 table it would be lost or misreported. */
	bool ia32 = in_ia32(bpf_get_current_task_btf());
	struct sensor_conf *c;
	__u64 args[6];
	if (ia32) {
		args[0] = (__u32)regs->bx;
		args[1] = (__u32)regs->cx;
		args[2] = (__u32)regs->dx;
		args[3] = (__u32)regs->si;
		args[4] = (__u32)regs->di;
		args[5] = (__u32)regs->bp;
		if (nr == NR32_SOCKETCALL && !socketcall(&nr, args))
			return 0;
		c = bpf_map_lookup_elem(&wanted32, &nr);
	} else {
		c = bpf_map_lookup_elem(&wanted, &nr);
	}
	if (!c || !c->enabled)
		return 0;
	__u64 pt = bpf_get_current_pid_tgid();
	if ((pt >> 32) == self_tgid)
		return 0;
	if (c->fail_only && ret >= 0)
		return 0;
	if (!ia32) {
		args[0] = regs->di;
		args[1] = regs->si;
		args[2] = regs->dx;
		args[3] = regs->r10;
		args[4] = regs->r8;
		args[5] = regs->r9;
	}
	if (c->dup_only && args[1] != 0 && args[1] != 1030)
		return 0;
	/* read/write and friends are recorded on sockets and control files only. The fd is
	 * still open at exit: none of these calls closes it. The socket found here is the one
	 * whose tuple is recorded. */
	struct sock *sk = NULL;
	if (c->fd_arg) {
		struct file *f = fd_file(bpf_get_current_task_btf(), argn(args, c->fd_arg));
		sk = file_sock(f);
		if (c->sock_only && !sk && !ctl_file(f))
			return 0;
	}
	__u32 k = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch, &k);
	if (!s)
		return 0;
	__u8 *b = s->b;
	fill_hdr(b, REC_SYSCALL, nr, pt);
	struct sensor_syscall *r = (void *)b;
	if (ia32)
		r->h.flags = HDR_IA32;
	r->ret = ret;
	__builtin_memcpy(r->args, args, sizeof(args));
	__u32 off = sizeof(*r);

	__u8 strs = c->str_args;
	if (strs & 1)
		off = put_user_str(s, off, BLOB_ARG0, args[0]);
	if (strs & 2)
		off = put_user_str(s, off, BLOB_ARG0 + 1, args[1]);
	if (strs & 4)
		off = put_user_str(s, off, BLOB_ARG0 + 2, args[2]);
	if (strs & 8)
		off = put_user_str(s, off, BLOB_ARG0 + 3, args[3]);
	if (sk)
		off = put_sk_tuple(s, off, BLOB_TUPLE, (__u64)sk);
	if (c->ret_tuple && ret >= 0)
		off = put_sk_tuple(s, off, BLOB_RTUPLE, (__u64)file_sock(fd_file(bpf_get_current_task_btf(), ret)));
	if (c->addr_arg) {
		__u64 addr = argn(args, c->addr_arg);
		__u64 alen = c->addrlen_arg ? argn(args, c->addrlen_arg) : c->addr_size;
		if (c->addrlen_ptr) {
			__u32 v = 0;
			if (!alen || bpf_probe_read_user(&v, sizeof(v), (void *)alen))
				v = 0;
			alen = v;
		}
		/* An address the call writes (recvfrom) is only valid when it succeeded. */
		if (addr && alen && (ret >= 0 || !c->addrlen_ptr))
			off = put_user_bytes(s, off, BLOB_SOCKADDR, addr,
					     alen > MAX_SOCKADDR ? MAX_SOCKADDR : alen);
	}
	switch (c->data) {
	case DATA_BUF:
		if (ret > 0)
			off = put_user_bytes(s, off, BLOB_DATA, args[1],
					     (__u64)ret < snaplen ? (__u64)ret : snaplen);
		break;
	case DATA_IOV:
		if (ret > 0)
			off = put_iov(s, off, args[1], ret, ia32);
		break;
	case DATA_MSG: {
		/* sendmmsg/recvmmsg return a message count: keep the first message's first
		 * iovec up to snaplen. */
		bool mmsg = ia32 ? nr == NR32_SENDMMSG || nr == NR32_RECVMMSG || nr == NR32_RECVMMSG_TIME64 :
				   nr == NR_SENDMMSG || nr == NR_RECVMMSG;
		__s64 n = mmsg ? (ret > 0 ? snaplen : 0) : ret;
		if (ia32)
			off = put_msg32(s, off, args[1], n);
		else
			off = put_msg(s, off, args[1], n);
		break;
	}
	case DATA_FDS:
		if (ret == 0)
			off = put_user_bytes(s, off, BLOB_FDS, args[0], 8);
		break;
	case DATA_FDS3:
		if (ret == 0)
			off = put_user_bytes(s, off, BLOB_FDS, args[3], 8);
		break;
	}
	emit(b, off);
	return 0;
}

/* sys_exit runs at the exit of every syscall of the machine (the raw tracepoint): the
 * unwanted ones leave after two plain loads and an array lookup. It is attached when the
 * capture asks for the raw hook, the only one that also sees ia32 compat syscalls. */
SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	return record_exit(regs, regs->orig_ax, ret);
}

/* The context of a syscalls:sys_exit_NAME tracepoint as BPF sees it: the syscall number and
 * its return value after 8 bytes of common fields. */
struct syscall_exit_ctx {
	__u64 common;
	long nr;
	long ret;
};

/* sys_exit_tp is attached to the syscalls:sys_exit_NAME tracepoint of each recorded syscall:
 * the kernel runs it for those syscalls only and skips every other one after a bitmap test.
 * These tracepoints do not fire for ia32 compat syscalls (x86_64 ignores them in ftrace's
 * syscall events), so the capture records that it did not see them. */
SEC("tracepoint/syscalls/sys_exit")
int sys_exit_tp(struct syscall_exit_ctx *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	return record_exit(regs, ctx->nr, ctx->ret);
}

struct walk {
	__u8 *b;
	__u32 start;
	__u32 cur;
	struct dentry *de;
	struct vfsmount *vm;
	struct mount *mnt;
	struct kernfs_node *kn;
};

static long walk_dentry(__u64 i, struct walk *w)
{
	/* Plain copies: BPF_CORE_READ on w->x would relocate struct walk itself. */
	struct dentry *de = w->de;
	struct vfsmount *vm = w->vm;
	struct mount *mnt = w->mnt;
	struct dentry *root = BPF_CORE_READ(vm, mnt_root);
	struct dentry *parent = BPF_CORE_READ(de, d_parent);
	if (de == root) {
		struct mount *mp = BPF_CORE_READ(mnt, mnt_parent);
		if (mp == mnt)
			return 1;
		w->de = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = mp;
		w->vm = (struct vfsmount *)((void *)mp + bpf_core_field_offset(struct mount, mnt));
		return 0;
	}
	if (!de || w->cur - w->start > MAX_STR)
		return 1;
	const unsigned char *name = BPF_CORE_READ(de, d_name.name);
	long n = bpf_probe_read_kernel_str(&w->b[bound(w->cur)], MAX_NAME, name);
	if (n <= 0)
		return 1;
	w->cur += n;
	/* A pseudo file (memfd, pipe) is its own parent: its name is the whole path. */
	if (de == parent)
		return 1;
	w->de = parent;
	return 0;
}

/* put_path writes the components of path p, leaf first, each NUL-terminated, walking up
 * through mounts; the root itself adds nothing. */
__attribute__((noinline)) __u32 put_path(struct scratch *s, __u32 off, __u8 tag, __u64 dentry, __u64 vfsmnt)
{
	if (!s)
		return off;
	__u8 *b = s->b;
	__u32 d = blob_start(b, off, tag);
	if (!d)
		return off;
	struct walk w = {.b = b, .start = d, .cur = d};
	w.de = (struct dentry *)dentry;
	w.vm = (struct vfsmount *)vfsmnt;
	w.mnt = (struct mount *)((void *)w.vm - bpf_core_field_offset(struct mount, mnt));
	bpf_loop(MAX_DEPTH, walk_dentry, &w, 0);
	return blob_end(b, d, w.cur);
}

static long walk_kernfs(__u64 i, struct walk *w)
{
	struct kernfs_node *kn = w->kn;
	struct kernfs_node *parent;
	if (bpf_core_field_exists(kn->__parent))
		parent = BPF_CORE_READ(kn, __parent);
	else
		parent = BPF_CORE_READ((struct kernfs_node___pre615 *)kn, parent);
	if (!parent || w->cur - w->start > MAX_STR)
		return 1;
	long n = bpf_probe_read_kernel_str(&w->b[bound(w->cur)], MAX_NAME, BPF_CORE_READ(kn, name));
	if (n <= 0)
		return 1;
	w->cur += n;
	w->kn = parent;
	return 0;
}

__attribute__((noinline)) __u32 put_cgroup(struct scratch *s, __u32 off, __u64 kn)
{
	if (!s)
		return off;
	__u8 *b = s->b;
	__u32 d = blob_start(b, off, BLOB_CGROUP);
	if (!d)
		return off;
	struct walk w = {.b = b, .start = d, .cur = d};
	w.kn = (struct kernfs_node *)kn;
	if (w.kn)
		bpf_loop(MAX_DEPTH, walk_kernfs, &w, 0);
	return blob_end(b, d, w.cur);
}

static __always_inline __u32 pid_nr_at(struct pid *p, int top)
{
	if (!p)
		return 0;
	unsigned int level = top ? 0 : BPF_CORE_READ(p, level);
	struct upid u = {};
	bpf_core_read(&u, sizeof(u), &p->numbers[level & 31]);
	return u.nr;
}

static __always_inline __u32 tty_of(struct task_struct *t)
{
	struct tty_struct *tty = BPF_CORE_READ(t, signal, tty);
	if (!tty)
		return 0;
	__u32 major = BPF_CORE_READ(tty, driver, major);
	__u32 minor = BPF_CORE_READ(tty, driver, minor_start) + BPF_CORE_READ(tty, index);
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
}

static __always_inline __u32 current_nr(struct task_struct *t)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(t);
	return BPF_CORE_READ(regs, orig_ax);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_exec, struct task_struct *t, pid_t old_pid, struct linux_binprm *bprm)
{
	__u64 pt = bpf_get_current_pid_tgid();
	if ((pt >> 32) == self_tgid)
		return 0;
	__u32 k = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch, &k);
	if (!s)
		return 0;
	__u8 *b = s->b;
	fill_hdr(b, REC_EXEC, current_nr(t), pt);
	struct sensor_exec *e = (void *)b;
	if (in_ia32(t))
		e->h.flags = HDR_IA32;
	e->ppid = BPF_CORE_READ(t, real_parent, tgid);
	const struct cred *cr = BPF_CORE_READ(t, real_cred);
	e->uid = BPF_CORE_READ(cr, uid.val);
	e->gid = BPF_CORE_READ(cr, gid.val);
	e->euid = BPF_CORE_READ(cr, euid.val);
	e->egid = BPF_CORE_READ(cr, egid.val);
	e->cap_permitted = BPF_CORE_READ(cr, cap_permitted.val);
	e->cap_effective = BPF_CORE_READ(cr, cap_effective.val);
	e->loginuid = BPF_CORE_READ(t, loginuid.val);
	e->tty = tty_of(t);
	e->vtid = pid_nr_at(BPF_CORE_READ(t, thread_pid), 0);
	e->vpid = pid_nr_at(BPF_CORE_READ(t, group_leader, thread_pid), 0);
	e->pgid = pid_nr_at(BPF_CORE_READ(t, signal, pids[PIDTYPE_PGID]), 1);
	e->vpgid = pid_nr_at(BPF_CORE_READ(t, signal, pids[PIDTYPE_PGID]), 0);
	e->sid = pid_nr_at(BPF_CORE_READ(t, signal, pids[PIDTYPE_SID]), 1);
	e->flags = 0;
	e->pad = 0;
	struct file *exe = BPF_CORE_READ(t, mm, exe_file);
	struct inode *ino = BPF_CORE_READ(exe, f_inode);
	e->exe_ino = BPF_CORE_READ(ino, i_ino);
	if (bpf_core_field_exists(ino->i_ctime_sec)) {
		e->exe_ctime = BPF_CORE_READ(ino, i_ctime_sec) * 1000000000ull + BPF_CORE_READ(ino, i_ctime_nsec);
		e->exe_mtime = BPF_CORE_READ(ino, i_mtime_sec) * 1000000000ull + BPF_CORE_READ(ino, i_mtime_nsec);
	} else if (bpf_core_field_exists(((struct inode___pre611 *)ino)->__i_ctime)) {
		struct inode___pre611 *o = (void *)ino;
		e->exe_ctime = BPF_CORE_READ(o, __i_ctime.tv_sec) * 1000000000ull + BPF_CORE_READ(o, __i_ctime.tv_nsec);
		e->exe_mtime = BPF_CORE_READ(o, __i_mtime.tv_sec) * 1000000000ull + BPF_CORE_READ(o, __i_mtime.tv_nsec);
	} else {
		struct inode___pre66 *o = (void *)ino;
		e->exe_ctime = BPF_CORE_READ(o, i_ctime.tv_sec) * 1000000000ull + BPF_CORE_READ(o, i_ctime.tv_nsec);
		e->exe_mtime = BPF_CORE_READ(o, i_mtime.tv_sec) * 1000000000ull + BPF_CORE_READ(o, i_mtime.tv_nsec);
	}
	if (BPF_CORE_READ(ino, i_nlink) == 0)
		e->flags |= EXEC_NO_LINKS;
	/* The type check keeps the program loadable where overlayfs is a module without BTF. */
	if (bpf_core_type_exists(struct ovl_inode) &&
	    BPF_CORE_READ(ino, i_sb, s_magic) == OVERLAYFS_SUPER_MAGIC) {
		struct ovl_inode *oi = (void *)ino - bpf_core_field_offset(struct ovl_inode, vfs_inode);
		e->flags |= BPF_CORE_READ(oi, __upperdentry) ? EXEC_UPPER_LAYER : EXEC_LOWER_LAYER;
	}
	e->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	__u32 off = sizeof(*e);

	__u32 d = blob_start(b, off, BLOB_FILENAME);
	if (d) {
		long n = bpf_probe_read_kernel_str(&b[bound(d)], MAX_STR, BPF_CORE_READ(bprm, filename));
		if (n > 0)
			off = blob_end(b, d, d + (__u32)n - 1);
	}
	__u64 as = BPF_CORE_READ(t, mm, arg_start), ae = BPF_CORE_READ(t, mm, arg_end);
	if (ae > as)
		off = put_user_bytes(s, off, BLOB_ARGS, as, ae - as);
	off = put_path(s, off, BLOB_EXEPATH, (__u64)BPF_CORE_READ(exe, f_path.dentry),
		       (__u64)BPF_CORE_READ(exe, f_path.mnt));
	off = put_path(s, off, BLOB_CWD, (__u64)BPF_CORE_READ(t, fs, pwd.dentry),
		       (__u64)BPF_CORE_READ(t, fs, pwd.mnt));
	off = put_cgroup(s, off, (__u64)BPF_CORE_READ(t, cgroups, dfl_cgrp, kn));
	/* The environment goes last: a large one must not push the paths out of the record. */
	__u64 es = BPF_CORE_READ(t, mm, env_start), ee = BPF_CORE_READ(t, mm, env_end);
	if (ee > es) {
		__u64 n = ee - es;
		if (n > MAX_ENV) {
			n = MAX_ENV;
			e->flags |= EXEC_ENV_TRUNCATED;
		}
		__u32 next = put_user_bytes(s, off, BLOB_ENV, es, n);
		if (next == off)
			e->flags |= EXEC_ENV_TRUNCATED; /* no room left, or unreadable */
		off = next;
	}
	emit(b, off);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(sched_fork, struct task_struct *parent, struct task_struct *child)
{
	__u64 pt = bpf_get_current_pid_tgid();
	if ((pt >> 32) == self_tgid)
		return 0;
	struct task_struct *cur = bpf_get_current_task_btf();
	if (BPF_CORE_READ(cur, flags) & PF_KTHREAD)
		return 0;
	struct sensor_fork f = {};
	__u32 k = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch, &k);
	if (!s)
		return 0;
	__u8 *b = s->b;
	__u32 nr = current_nr(cur);
	fill_hdr(b, REC_FORK, nr, pt);
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(cur);
	bool ia32 = in_ia32(cur);
	__u64 a0 = ia32 ? (__u32)BPF_CORE_READ(regs, bx) : BPF_CORE_READ(regs, di);
	if (nr == (ia32 ? NR32_CLONE : NR_CLONE))
		f.clone_flags = a0;
	else if (nr == (ia32 ? NR32_CLONE3 : NR_CLONE3))
		bpf_probe_read_user(&f.clone_flags, sizeof(f.clone_flags), (void *)a0);
	f.child_pid = BPF_CORE_READ(child, tgid);
	f.child_tid = BPF_CORE_READ(child, pid);
	bpf_get_current_comm(f.comm, sizeof(f.comm));
	struct sensor_fork *r = (void *)b;
	if (ia32)
		r->h.flags = HDR_IA32;
	r->child_pid = f.child_pid;
	r->child_tid = f.child_tid;
	r->clone_flags = f.clone_flags;
	__builtin_memcpy(r->comm, f.comm, sizeof(f.comm));
	emit(b, sizeof(*r));
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_exit, struct task_struct *t, bool group_dead)
{
	__u64 pt = bpf_get_current_pid_tgid();
	if ((pt >> 32) == self_tgid || (BPF_CORE_READ(t, flags) & PF_KTHREAD))
		return 0;
	__u32 k = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch, &k);
	if (!s)
		return 0;
	__u8 *b = s->b;
	fill_hdr(b, REC_EXIT, ~0u, pt);
	struct sensor_exit *x = (void *)b;
	x->code = BPF_CORE_READ(t, exit_code);
	x->pad = 0;
	emit(b, sizeof(*x));
	return 0;
}

/* ---- io_uring ----------------------------------------------------------------------------
 * A process can open, connect, send and receive through io_uring requests without making the
 * system calls the programs above see. These two programs record the requests that matter to
 * the rules as the system call each stands for: at submission (io_uring_submit_req, after the
 * kernel prepared the request) they note what the completion can no longer read (the fd
 * number, and the paths, which the kernel frees before completing); at completion
 * (io_uring_complete) they write a REC_SYSCALL record with the x86_64 number of that system
 * call, the request's arguments, its result and HDR_IO_URING. Completions posted without a
 * request (the intermediate results of multishot requests) and requests submitted before the
 * capture started are not recorded. */

#define URING_REQS 4096 /* requests in flight at once that the sensor follows */
#define URING_PATHS 128 /* path and address requests (open, rename, unlink, connect, bind)
			 * in flight at once */
#define O_LARGEFILE 0100000

/* What a request's submission tells its completion. */
struct uring_req {
	__s32 fd;
	__u32 flags; /* HDR_FIXED_FILE */
};

/* The paths of a request, NUL-terminated, or the address of a connect or bind in p[0]. */
struct uring_paths {
	__u8 p[2][MAX_STR];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, URING_REQS);
	__type(key, __u64); /* the request's address */
	__type(value, struct uring_req);
} uring_reqs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, URING_PATHS);
	__type(key, __u64);
	__type(value, struct uring_paths);
} uring_paths SEC(".maps");

/* uring_nr returns the x86_64 number of the system call an io_uring opcode stands for, or 0
 * for opcodes the sensor does not record (0 is read, which IORING_OP_READ maps to, but only
 * on sockets: uring_wanted tells). */
static __always_inline __s32 uring_nr(__u8 op)
{
	switch (op) {
	case IORING_OP_READ:
	case IORING_OP_READ_FIXED:
		return 0;
	case IORING_OP_WRITE:
	case IORING_OP_WRITE_FIXED:
		return 1;
	case IORING_OP_READV:
		return 19;
	case IORING_OP_WRITEV:
		return 20;
	case IORING_OP_CLOSE:
		return 3;
	case IORING_OP_SOCKET:
		return 41;
	case IORING_OP_CONNECT:
		return 42;
	case IORING_OP_SEND:
	case IORING_OP_SEND_ZC:
		return 44;
	case IORING_OP_RECV:
		return 45;
	case IORING_OP_SENDMSG:
	case IORING_OP_SENDMSG_ZC:
		return 46;
	case IORING_OP_RECVMSG:
		return 47;
	case IORING_OP_BIND:
		return 49;
	case IORING_OP_LISTEN:
		return 50;
	case IORING_OP_OPENAT:
		return 257;
	case IORING_OP_UNLINKAT:
		return 263;
	case IORING_OP_ACCEPT:
		return 288;
	case IORING_OP_RENAMEAT:
		return 316;
	case IORING_OP_OPENAT2:
		return 437;
	}
	return -1;
}

/* uring_rw says whether op reads or writes a file, recorded on sockets and control files
 * only, as read and write are. */
static __always_inline bool uring_rw(__u8 op)
{
	return op == IORING_OP_READ || op == IORING_OP_READ_FIXED || op == IORING_OP_WRITE ||
	       op == IORING_OP_WRITE_FIXED || op == IORING_OP_READV || op == IORING_OP_WRITEV;
}

__attribute__((noinline)) __u32 put_kernel_bytes(struct scratch *s, __u32 off, __u8 tag, __u64 p, __u64 n)
{
	if (!s)
		return off;
	__u8 *b = s->b;
	__u32 d = blob_start(b, off, tag);
	if (!d || !p)
		return off;
	if (n > MAX_SOCKADDR)
		n = MAX_SOCKADDR;
	n &= 255;
	if (bpf_probe_read_kernel(&b[bound(d)], n, (void *)p))
		return off;
	return blob_end(b, d, d + (__u32)n);
}

/* put_saved_bytes copies n bytes (at most MAX_SOCKADDR) the submission saved into a blob. */
static __always_inline __u32 put_saved_bytes(struct scratch *s, __u32 off, __u8 tag, const __u8 *p, __u64 n)
{
	__u8 *b = s->b;
	__u32 d = blob_start(b, off, tag);
	if (!d)
		return off;
	if (n > MAX_SOCKADDR)
		n = MAX_SOCKADDR;
	n &= 255;
	if (bpf_probe_read_kernel(&b[bound(d)], n, p))
		return off;
	return blob_end(b, d, d + (__u32)n);
}

/* put_saved_str copies a NUL-terminated string the submission saved into a blob. */
__attribute__((noinline)) __u32 put_saved_str(struct scratch *s, __u32 off, __u8 tag, const __u8 *p)
{
	if (!s)
		return off;
	__u8 *b = s->b;
	__u32 d = blob_start(b, off, tag);
	if (!d || !p)
		return off;
	long n = bpf_probe_read_kernel_str(&b[bound(d)], MAX_STR, p);
	if (n <= 0)
		return off;
	return blob_end(b, d, d + (__u32)n - 1);
}

/* save_paths keeps the paths of a request (kernel struct filename names) for its completion. */
static __always_inline void save_paths(__u64 key, struct filename *f0, struct filename *f1)
{
	__u32 k = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch, &k);
	if (!s)
		return;
	struct uring_paths *v = (void *)&s->b[HALF];
	v->p[0][0] = 0;
	v->p[1][0] = 0;
	if (f0)
		bpf_probe_read_kernel_str(v->p[0], MAX_STR, BPF_CORE_READ(f0, name));
	if (f1)
		bpf_probe_read_kernel_str(v->p[1], MAX_STR, BPF_CORE_READ(f1, name));
	bpf_map_update_elem(&uring_paths, &key, v, BPF_ANY);
}

/* save_addr keeps the address of a connect or bind for its completion: the kernel's copy is
 * freed before completing. A connect's is read again from the caller's memory, which the
 * kernel has just copied it from. A bind names no user address; its copy is where kernels keep
 * it: a bare sockaddr_storage as async data (since 2026, and in stable kernels), or the addr
 * field of a struct io_async_msghdr (Linux 6.10 on), told apart by the address family. */
static __always_inline void save_addr(__u64 key, struct io_kiocb *req, __u64 uaddr, int len)
{
	__u32 k = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch, &k);
	if (!s || len <= 0)
		return;
	__u32 n = len > MAX_SOCKADDR ? MAX_SOCKADDR : len & (MAX_SOCKADDR - 1);
	struct uring_paths *v = (void *)&s->b[HALF];
	if (uaddr) {
		if (bpf_probe_read_user(v->p[0], n, (void *)uaddr))
			return;
	} else {
		void *kaddr = BPF_CORE_READ(req, async_data);
		if (!kaddr || bpf_probe_read_kernel(v->p[0], n, kaddr))
			return;
		__u16 fam = *(__u16 *)v->p[0];
		if (fam != AF_INET && fam != AF_INET6 && fam != AF_UNIX) {
			struct io_async_msghdr *io = kaddr;
			if (bpf_probe_read_kernel(v->p[0], n, &io->addr))
				return;
		}
	}
	bpf_map_update_elem(&uring_paths, &key, v, BPF_ANY);
}

SEC("tp_btf/io_uring_submit_req")
int BPF_PROG(uring_submit, struct io_kiocb *req)
{
	__u64 pt = bpf_get_current_pid_tgid();
	if ((pt >> 32) == self_tgid)
		return 0;
	__u8 op = BPF_CORE_READ(req, opcode);
	if (uring_nr(op) < 0)
		return 0;
	struct uring_req u = {};
	u.fd = BPF_CORE_READ(req, cqe.fd);
	if (BPF_CORE_READ(req, flags) & REQ_F_FIXED_FILE)
		u.flags = HDR_FIXED_FILE;
	/* File reads and writes are many in programs that use io_uring for disk I/O: follow
	 * only those on sockets and control files. A registered file is told at completion. */
	if (uring_rw(op) && !u.flags) {
		struct file *f = fd_file(bpf_get_current_task_btf(), u.fd);
		if (!file_sock(f) && !ctl_file(f))
			return 0;
	}
	__u64 key = (__u64)req;
	switch (op) {
	case IORING_OP_OPENAT:
	case IORING_OP_OPENAT2:
		save_paths(key, BPF_CORE_READ((struct io_open *)req, filename), NULL);
		break;
	case IORING_OP_UNLINKAT:
		save_paths(key, BPF_CORE_READ((struct io_unlink *)req, filename), NULL);
		break;
	case IORING_OP_RENAMEAT:
		save_paths(key, BPF_CORE_READ((struct io_rename *)req, oldpath),
			   BPF_CORE_READ((struct io_rename *)req, newpath));
		break;
	case IORING_OP_CONNECT:
		save_addr(key, req, (__u64)BPF_CORE_READ((struct io_connect *)req, addr),
			  BPF_CORE_READ((struct io_connect *)req, addr_len));
		break;
	case IORING_OP_BIND:
		save_addr(key, req, 0, BPF_CORE_READ((struct io_bind *)req, addr_len));
		break;
	}
	bpf_map_update_elem(&uring_reqs, &key, &u, BPF_ANY);
	return 0;
}

/* put_paths writes the paths saved at submission as argument blobs a0 and a1 (0: none). */
static __always_inline __u32 put_paths(struct scratch *s, __u32 off, __u64 key, __u8 a0, __u8 a1)
{
	struct uring_paths *v = bpf_map_lookup_elem(&uring_paths, &key);
	if (!v)
		return off;
	off = put_saved_str(s, off, BLOB_ARG0 + a0, v->p[0]);
	if (a1)
		off = put_saved_str(s, off, BLOB_ARG0 + a1, v->p[1]);
	bpf_map_delete_elem(&uring_paths, &key);
	return off;
}

SEC("tp_btf/io_uring_complete")
int BPF_PROG(uring_complete, struct io_ring_ctx *ring, void *reqp, struct io_uring_cqe *cqe)
{
	if (!reqp)
		return 0;
	__u64 key = (__u64)reqp;
	struct uring_req *up = bpf_map_lookup_elem(&uring_reqs, &key);
	if (!up)
		return 0;
	struct uring_req u = *up;
	bpf_map_delete_elem(&uring_reqs, &key);
	__u64 pt = bpf_get_current_pid_tgid();
	if ((pt >> 32) == self_tgid)
		return 0;
	struct io_kiocb *req = reqp;
	__u8 op = BPF_CORE_READ(req, opcode);
	__s32 nr = uring_nr(op);
	if (nr < 0)
		return 0;
	struct file *file = BPF_CORE_READ(req, file);
	if (uring_rw(op) && u.flags && !file_sock(file) && !ctl_file(file))
		return 0;
	__s64 ret = BPF_CORE_READ(cqe, res);
	__u32 k = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch, &k);
	if (!s)
		return 0;
	__u8 *b = s->b;
	fill_hdr(b, REC_SYSCALL, nr, pt);
	struct sensor_syscall *r = (void *)b;
	r->h.flags = HDR_IO_URING | u.flags;
	r->ret = ret;
	__builtin_memset(r->args, 0, sizeof(r->args));
	r->args[0] = (__u64)(__s64)u.fd;
	__u32 off = sizeof(*r);
	switch (op) {
	case IORING_OP_READ:
	case IORING_OP_READ_FIXED:
	case IORING_OP_WRITE:
	case IORING_OP_WRITE_FIXED: {
		struct io_rw *rw = (void *)req;
		r->args[1] = BPF_CORE_READ(rw, addr);
		r->args[2] = BPF_CORE_READ(rw, len);
		off = put_file_tuple(s, off, file);
		if (ret > 0)
			off = put_user_bytes(s, off, BLOB_DATA, r->args[1],
					     (__u64)ret < snaplen ? (__u64)ret : snaplen);
		break;
	}
	case IORING_OP_READV:
	case IORING_OP_WRITEV: {
		struct io_rw *rw = (void *)req;
		r->args[1] = BPF_CORE_READ(rw, addr);
		r->args[2] = BPF_CORE_READ(rw, len);
		off = put_file_tuple(s, off, file);
		if (ret > 0)
			off = put_iov(s, off, r->args[1], ret, false);
		break;
	}
	case IORING_OP_SEND:
	case IORING_OP_SEND_ZC:
	case IORING_OP_RECV: {
		/* A request the kernel retried after a short transfer has advanced buf by done_io. */
		struct io_sr_msg *sr = (void *)req;
		__u64 done = BPF_CORE_READ(sr, done_io);
		r->args[1] = (__u64)BPF_CORE_READ(sr, buf) - done;
		r->args[2] = (__u64)BPF_CORE_READ(sr, len) + done;
		r->args[3] = BPF_CORE_READ(sr, msg_flags);
		off = put_file_tuple(s, off, file);
		if (ret > 0)
			off = put_user_bytes(s, off, BLOB_DATA, r->args[1],
					     (__u64)ret < snaplen ? (__u64)ret : snaplen);
		break;
	}
	case IORING_OP_SENDMSG:
	case IORING_OP_SENDMSG_ZC:
	case IORING_OP_RECVMSG: {
		struct io_sr_msg *sr = (void *)req;
		r->args[1] = (__u64)BPF_CORE_READ(sr, umsg);
		r->args[2] = BPF_CORE_READ(sr, msg_flags);
		off = put_file_tuple(s, off, file);
		off = put_msg(s, off, r->args[1], ret);
		break;
	}
	case IORING_OP_CONNECT:
	case IORING_OP_BIND: {
		int alen = op == IORING_OP_CONNECT ? BPF_CORE_READ((struct io_connect *)req, addr_len) :
						     BPF_CORE_READ((struct io_bind *)req, addr_len);
		r->args[2] = alen;
		struct uring_paths *v = bpf_map_lookup_elem(&uring_paths, &key);
		if (v && alen > 0) {
			off = put_saved_bytes(s, off, BLOB_SOCKADDR, v->p[0], alen);
			bpf_map_delete_elem(&uring_paths, &key);
		}
		if (op == IORING_OP_CONNECT)
			off = put_file_tuple(s, off, file);
		break;
	}
	case IORING_OP_LISTEN:
		r->args[1] = BPF_CORE_READ((struct io_listen *)req, backlog);
		break;
	case IORING_OP_ACCEPT: {
		struct io_accept *a = (void *)req;
		r->args[3] = BPF_CORE_READ(a, flags);
		if (ret >= 0 && !BPF_CORE_READ(a, file_slot))
			off = put_tuple(s, off, BLOB_RTUPLE, ret);
		break;
	}
	case IORING_OP_SOCKET: {
		struct io_socket *so = (void *)req;
		r->args[0] = BPF_CORE_READ(so, domain);
		r->args[1] = BPF_CORE_READ(so, type) | BPF_CORE_READ(so, flags);
		r->args[2] = BPF_CORE_READ(so, protocol);
		break;
	}
	case IORING_OP_CLOSE:
		r->args[0] = BPF_CORE_READ((struct io_close *)req, fd);
		break;
	case IORING_OP_OPENAT:
	case IORING_OP_OPENAT2: {
		struct io_open *o = (void *)req;
		r->args[0] = (__u64)(__s64)BPF_CORE_READ(o, dfd);
		r->args[2] = BPF_CORE_READ(o, how.flags) & ~(__u64)O_LARGEFILE;
		r->args[3] = BPF_CORE_READ(o, how.mode);
		off = put_paths(s, off, key, 1, 0);
		if (op == IORING_OP_OPENAT2)
			off = put_kernel_bytes(s, off, BLOB_SOCKADDR, (__u64)&o->how, sizeof(struct open_how));
		break;
	}
	case IORING_OP_UNLINKAT: {
		struct io_unlink *ul = (void *)req;
		r->args[0] = (__u64)(__s64)BPF_CORE_READ(ul, dfd);
		r->args[2] = BPF_CORE_READ(ul, flags);
		off = put_paths(s, off, key, 1, 0);
		break;
	}
	case IORING_OP_RENAMEAT: {
		struct io_rename *rn = (void *)req;
		r->args[0] = (__u64)(__s64)BPF_CORE_READ(rn, old_dfd);
		r->args[2] = (__u64)(__s64)BPF_CORE_READ(rn, new_dfd);
		r->args[4] = BPF_CORE_READ(rn, flags);
		off = put_paths(s, off, key, 1, 3);
		break;
	}
	}
	emit(b, off);
	return 0;
}
