//go:build linux

// Package uring is a minimal io_uring client for saker's tests and attack lab: a ring set up
// with io_uring_setup, and requests (open, socket, connect, send, receive, close) submitted
// one at a time, each waited for. It exists so that a test workload opens files and talks to
// the network without the system calls a syscall sensor sees, as an evasive miner would.
// It imports only the standard library and golang.org/x/sys/unix.
package uring

import (
	"fmt"
	"os"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Opcodes of include/uapi/linux/io_uring.h (enum io_uring_op).
const (
	opRead    = 22
	opRecv    = 27
	opSend    = 26
	opConnect = 16
	opOpenat  = 18
	opClose   = 19
	opSocket  = 45
)

// mmap offsets and setup features of include/uapi/linux/io_uring.h.
const (
	offSQRing        = 0
	offCQRing        = 0x8000000
	offSQEs          = 0x10000000
	featSingleMmap   = 1
	enterGetEvents   = 1
	sqeSize          = 64
	cqeSize          = 16
	paramsSize       = 120
	sqOffHead        = 40 // offsets of struct io_uring_params' fields
	cqOffHead        = 80
	paramsSQEntries  = 0
	paramsCQEntries  = 4
	paramsFeatures   = 20
	offsetsHead      = 0 // offsets inside io_sqring_offsets and io_cqring_offsets
	offsetsTail      = 4
	offsetsRingMask  = 8
	offsetsArray     = 24 // sq: array; cq: cqes (at 20)
	cqOffsetsCQEs    = 20
	sqOffsetsEntries = 12
)

// Ring is one io_uring instance. It is not safe for concurrent use.
type Ring struct {
	fd       int
	sq, cq   []byte
	sqes     []byte
	sqHead   *uint32
	sqTail   *uint32
	sqMask   uint32
	sqArray  unsafe.Pointer
	cqHead   *uint32
	cqTail   *uint32
	cqMask   uint32
	cqes     unsafe.Pointer
	single   bool
	userData uint64
	// mem holds what requests point to (paths, addresses, buffers): memory outside Go's
	// heap and stacks, which the garbage collector never moves.
	mem []byte
}

// memSize bounds a path, an address or a buffer of one request.
const memSize = 1 << 16

// New sets up a ring of entries submission slots (a power of two).
func New(entries uint32) (*Ring, error) {
	var p [paramsSize]byte
	fd, _, errno := unix.Syscall(unix.SYS_IO_URING_SETUP, uintptr(entries), uintptr(unsafe.Pointer(&p[0])), 0)
	if errno != 0 {
		return nil, fmt.Errorf("io_uring_setup: %w", errno)
	}
	r := &Ring{fd: int(fd)}
	u32 := func(off int) uint32 { return *(*uint32)(unsafe.Pointer(&p[off])) }
	sqEntries, cqEntries := u32(paramsSQEntries), u32(paramsCQEntries)
	sqArrayOff := u32(sqOffHead + offsetsArray)
	cqesOff := u32(cqOffHead + cqOffsetsCQEs)
	sqLen := int(sqArrayOff + sqEntries*4)
	cqLen := int(cqesOff + cqEntries*cqeSize)
	r.single = u32(paramsFeatures)&featSingleMmap != 0
	if r.single {
		sqLen = max(sqLen, cqLen)
	}
	var err error
	if r.sq, err = unix.Mmap(r.fd, offSQRing, sqLen, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE); err != nil {
		r.Close()
		return nil, fmt.Errorf("mmap sq ring: %w", err)
	}
	r.cq = r.sq
	if !r.single {
		if r.cq, err = unix.Mmap(r.fd, offCQRing, cqLen, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE); err != nil {
			r.Close()
			return nil, fmt.Errorf("mmap cq ring: %w", err)
		}
	}
	if r.sqes, err = unix.Mmap(r.fd, offSQEs, int(sqEntries)*sqeSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE); err != nil {
		r.Close()
		return nil, fmt.Errorf("mmap sqes: %w", err)
	}
	if r.mem, err = unix.Mmap(-1, 0, memSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS); err != nil {
		r.Close()
		return nil, fmt.Errorf("mmap request memory: %w", err)
	}
	at := func(b []byte, off uint32) unsafe.Pointer { return unsafe.Pointer(&b[off]) }
	r.sqHead = (*uint32)(at(r.sq, u32(sqOffHead+offsetsHead)))
	r.sqTail = (*uint32)(at(r.sq, u32(sqOffHead+offsetsTail)))
	r.sqMask = *(*uint32)(at(r.sq, u32(sqOffHead+offsetsRingMask)))
	r.sqArray = at(r.sq, sqArrayOff)
	r.cqHead = (*uint32)(at(r.cq, u32(cqOffHead+offsetsHead)))
	r.cqTail = (*uint32)(at(r.cq, u32(cqOffHead+offsetsTail)))
	r.cqMask = *(*uint32)(at(r.cq, u32(cqOffHead+offsetsRingMask)))
	r.cqes = at(r.cq, cqesOff)
	return r, nil
}

// Close unmaps the rings and closes the ring's descriptor.
func (r *Ring) Close() error {
	if !r.single && r.cq != nil {
		unix.Munmap(r.cq)
	}
	for _, m := range [][]byte{r.sqes, r.sq, r.mem} {
		if m != nil {
			unix.Munmap(m)
		}
	}
	r.sq, r.cq, r.sqes, r.mem = nil, nil, nil, nil
	return unix.Close(r.fd)
}

// put copies b into the request memory and returns its address.
func (r *Ring) put(b []byte) (uint64, error) {
	if len(b) > len(r.mem) {
		return 0, fmt.Errorf("%d bytes, a request takes at most %d", len(b), len(r.mem))
	}
	copy(r.mem, b)
	return uint64(uintptr(unsafe.Pointer(&r.mem[0]))), nil
}

// sqe is struct io_uring_sqe, the fields this package sets.
type sqe struct {
	opcode  uint8
	fd      int32
	off     uint64 // off or addr2
	addr    uint64
	len     uint32
	opFlags uint32 // open_flags, msg_flags
}

// do submits one request and waits for its completion; it returns the completion's result,
// a negative errno turned into an error.
func (r *Ring) do(q sqe) (int32, error) {
	tail := atomic.LoadUint32(r.sqTail)
	idx := tail & r.sqMask
	s := r.sqes[idx*sqeSize : (idx+1)*sqeSize]
	clear(s)
	s[0] = q.opcode
	*(*int32)(unsafe.Pointer(&s[4])) = q.fd
	*(*uint64)(unsafe.Pointer(&s[8])) = q.off
	*(*uint64)(unsafe.Pointer(&s[16])) = q.addr
	*(*uint32)(unsafe.Pointer(&s[24])) = q.len
	*(*uint32)(unsafe.Pointer(&s[28])) = q.opFlags
	r.userData++
	*(*uint64)(unsafe.Pointer(&s[32])) = r.userData
	*(*uint32)(unsafe.Add(r.sqArray, 4*idx)) = idx
	atomic.StoreUint32(r.sqTail, tail+1)
	// Submit, then wait until the completion is there: a wait a signal interrupts (the Go
	// runtime preempts with SIGURG) returns early, after the submission or, with EINTR,
	// before it.
	toSubmit := uintptr(1)
	head := atomic.LoadUint32(r.cqHead)
	for head == atomic.LoadUint32(r.cqTail) {
		n, _, errno := unix.Syscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd), toSubmit, 1, enterGetEvents, 0, 0)
		if errno == syscall.EINTR {
			continue
		}
		if errno != 0 {
			return 0, fmt.Errorf("io_uring_enter: %w", errno)
		}
		if n >= toSubmit {
			toSubmit = 0
		}
	}
	c := unsafe.Add(r.cqes, cqeSize*(head&r.cqMask))
	ud, res := *(*uint64)(c), *(*int32)(unsafe.Add(c, 8))
	atomic.StoreUint32(r.cqHead, head+1)
	if ud != r.userData {
		return 0, fmt.Errorf("completion of request %d, want %d", ud, r.userData)
	}
	if res < 0 {
		return res, syscall.Errno(-res)
	}
	return res, nil
}

// Openat opens path relative to dirfd (unix.AT_FDCWD: the working directory) through
// IORING_OP_OPENAT and returns the new descriptor.
func (r *Ring) Openat(dirfd int, path string, flags int, mode uint32) (int, error) {
	p, err := r.put(append([]byte(path), 0))
	if err != nil {
		return -1, err
	}
	n, err := r.do(sqe{opcode: opOpenat, fd: int32(dirfd), addr: p, len: mode, opFlags: uint32(flags)})
	return int(n), err
}

// Socket creates a socket through IORING_OP_SOCKET (Linux 5.19).
func (r *Ring) Socket(domain, typ, proto int) (int, error) {
	n, err := r.do(sqe{opcode: opSocket, fd: int32(domain), off: uint64(typ), len: uint32(proto)})
	return int(n), err
}

// Connect connects fd to the IPv4 address ip:port through IORING_OP_CONNECT.
func (r *Ring) Connect(fd int, ip [4]byte, port int) error {
	sa := []byte{unix.AF_INET, 0, byte(port >> 8), byte(port), ip[0], ip[1], ip[2], ip[3], 0, 0, 0, 0, 0, 0, 0, 0}
	p, err := r.put(sa)
	if err != nil {
		return err
	}
	_, err = r.do(sqe{opcode: opConnect, fd: int32(fd), addr: p, off: uint64(len(sa))})
	return err
}

// Send sends b on fd through IORING_OP_SEND and returns the bytes sent.
func (r *Ring) Send(fd int, b []byte) (int, error) {
	p, err := r.put(b)
	if err != nil {
		return 0, err
	}
	n, err := r.do(sqe{opcode: opSend, fd: int32(fd), addr: p, len: uint32(len(b))})
	return int(n), err
}

// Recv receives into b from fd through IORING_OP_RECV and returns the bytes received.
func (r *Ring) Recv(fd int, b []byte) (int, error) {
	n := min(len(b), len(r.mem))
	p := uint64(uintptr(unsafe.Pointer(&r.mem[0])))
	got, err := r.do(sqe{opcode: opRecv, fd: int32(fd), addr: p, len: uint32(n)})
	if got > 0 {
		copy(b, r.mem[:got])
	}
	return int(got), err
}

// Read reads into b from fd at offset off through IORING_OP_READ and returns the bytes read.
func (r *Ring) Read(fd int, b []byte, off uint64) (int, error) {
	n := min(len(b), len(r.mem))
	p := uint64(uintptr(unsafe.Pointer(&r.mem[0])))
	got, err := r.do(sqe{opcode: opRead, fd: int32(fd), addr: p, len: uint32(n), off: off})
	if got > 0 {
		copy(b, r.mem[:got])
	}
	return int(got), err
}

// CloseFD closes fd through IORING_OP_CLOSE.
func (r *Ring) CloseFD(fd int) error {
	_, err := r.do(sqe{opcode: opClose, fd: int32(fd)})
	return err
}

// Workload is the io_uring program of saker's tests and lab: through io_uring requests only,
// it opens path for reading and closes it, connects to ip:port, sends payload, receives the
// reply (printed to stdout) and closes the socket. Setting the ring up and waiting for each
// request are its only io_uring system calls.
func Workload(path string, ip [4]byte, port int, payload string) error {
	r, err := New(8)
	if err != nil {
		return err
	}
	defer r.Close()
	fd, err := r.Openat(unix.AT_FDCWD, path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	if err := r.CloseFD(fd); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	s, err := r.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	if err := r.Connect(s, ip, port); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	if _, err := r.Send(s, []byte(payload)); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	b := make([]byte, 4096)
	n, err := r.Recv(s, b)
	if err != nil {
		return fmt.Errorf("recv: %w", err)
	}
	os.Stdout.Write(b[:n])
	return r.CloseFD(s)
}
