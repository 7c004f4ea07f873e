package scap

import (
	"encoding/binary"

	"saker/event"
)

// scapEventSpec describes one scap event number; events_gen.go holds the table.
type scapEventSpec struct {
	name   string
	kind   event.Kind // KindUnknown: decoded but not mapped
	flags  uint8
	params []scapParamSpec
}

// Flags of scapEventSpec.
const (
	scapExit    = 1 << iota // an exit event (odd number)
	scapInbound             // socket tuples are peer->local: swap them to local->peer
	scapLarge               // parameter lengths are 32 bits
)

// scapParamSpec describes one parameter of a scap event: how to decode it and where it goes.
type scapParamSpec struct {
	name  string
	class scapClass
	conv  scapConv
	to    int8 // index into the saker kind's parameters, or scapToDrop / scapToRes
}

// Where a parameter goes besides a saker parameter.
const (
	scapToDrop = -1
	scapToRes  = -2
)

// scapClass is how a parameter's bytes are decoded.
type scapClass uint8

const (
	scapSigned   scapClass = iota + 1 // little-endian integer of 1, 2, 4 or 8 bytes, sign-extended
	scapUnsigned                      // little-endian integer of 1, 2, 4 or 8 bytes
	scapText                          // NUL-terminated text; the NUL is dropped
	scapRaw                           // bytes kept as they are (payloads, NUL-separated lists)
	scapSockaddr                      // scap sockaddr, converted to event.Sockaddr's encoding
	scapTuple                         // scap socket tuple, converted to event.Tuple's encoding
)

// scapConv converts flag bits from the driver's PPM_* numbering to Linux's.
type scapConv uint8

const (
	scapConvNone scapConv = iota
	scapConvOpen
	scapConvClone
	scapConvFcntl
)

func (s *scapEventSpec) exit() bool    { return s.flags&scapExit != 0 }
func (s *scapEventSpec) inbound() bool { return s.flags&scapInbound != 0 }
func (s *scapEventSpec) large() bool   { return s.flags&scapLarge != 0 }

// scapSpec returns the table entry of scap event number typ, or nil when saker does not read it.
func scapSpec(typ uint16) *scapEventSpec {
	if int(typ) >= len(scapEvents) || scapEvents[typ].name == "" {
		return nil
	}
	return &scapEvents[typ]
}

// scapInt decodes a little-endian integer of 1, 2, 4 or 8 bytes; other lengths decode as 0
// and ok false.
func scapInt(b []byte, signed bool) (v int64, ok bool) {
	switch len(b) {
	case 1:
		if signed {
			return int64(int8(b[0])), true
		}
		return int64(b[0]), true
	case 2:
		u := binary.LittleEndian.Uint16(b)
		if signed {
			return int64(int16(u)), true
		}
		return int64(u), true
	case 4:
		u := binary.LittleEndian.Uint32(b)
		if signed {
			return int64(int32(u)), true
		}
		return int64(u), true
	case 8:
		return int64(binary.LittleEndian.Uint64(b)), true
	}
	return 0, false
}

// trimScapText drops the NUL terminator (and anything after it) of a scap text parameter.
func trimScapText(b []byte) []byte {
	for i, c := range b {
		if c == 0 {
			return b[:i]
		}
	}
	return b
}

// appendScapSockaddr converts a scap sockaddr (family byte; for AF_INET/AF_INET6 the address
// in network order then the port as a little-endian u16; for AF_UNIX a NUL-terminated path) to
// event.Sockaddr's encoding. Unknown families keep only the family byte.
func appendScapSockaddr(dst, b []byte) []byte {
	if len(b) == 0 {
		return dst
	}
	fam := b[0]
	switch fam {
	case event.AFInet, event.AFInet6:
		n := 4
		if fam == event.AFInet6 {
			n = 16
		}
		if len(b) < 1+n+2 {
			return dst
		}
		dst = append(dst, fam)
		dst = binary.BigEndian.AppendUint16(dst, binary.LittleEndian.Uint16(b[1+n:]))
		return append(dst, b[1:1+n]...)
	case event.AFUnix:
		dst = append(dst, fam)
		return append(dst, trimScapText(b[1:])...)
	}
	return append(dst, fam)
}

// appendScapTuple converts a scap socket tuple (family; for IP families source address,
// source port, destination address, destination port with ports little-endian; for AF_UNIX two
// u64 socket pointers and a NUL-terminated path) to event.Tuple's encoding. Scap tuples are
// source->destination as the driver saw the connection; inbound (accept, recv*) tuples are
// peer->local and are swapped so that Local is the calling process's end. The L4 protocol is
// not in a scap tuple and is left 0 here; Source fills it from the socket's state where it
// knows it (scapSockets).
func appendScapTuple(dst, b []byte, inbound bool) []byte {
	if len(b) == 0 {
		return dst
	}
	fam := b[0]
	switch fam {
	case event.AFInet, event.AFInet6:
		n := 4
		if fam == event.AFInet6 {
			n = 16
		}
		if len(b) < 1+2*(n+2) {
			return dst
		}
		sip, sport := b[1:1+n], binary.LittleEndian.Uint16(b[1+n:])
		dip, dport := b[3+n:3+2*n], binary.LittleEndian.Uint16(b[3+2*n:])
		if inbound {
			sip, sport, dip, dport = dip, dport, sip, sport
		}
		dst = append(dst, fam, 0)
		dst = binary.BigEndian.AppendUint16(dst, sport)
		dst = binary.BigEndian.AppendUint16(dst, dport)
		dst = append(dst, sip...)
		return append(dst, dip...)
	case event.AFUnix:
		dst = append(dst, fam, 0)
		if len(b) < 17 {
			return dst
		}
		return append(dst, trimScapText(b[17:])...)
	}
	return append(dst, fam, 0)
}

// scapOpenFlags converts PPM_O_* open flags to Linux O_* bits.
func scapOpenFlags(v int64) int64 {
	var out int64
	switch v & 3 {
	case 2: // PPM_O_WRONLY
		out = 1
	case 3: // PPM_O_RDWR
		out = 2
	}
	for _, m := range scapOpenBits {
		if v&m[0] != 0 {
			out |= m[1]
		}
	}
	return out
}

var scapOpenBits = [...][2]int64{
	{1 << 2, 0o100}, {1 << 3, 0o2000}, {1 << 4, 0o10000}, {1 << 5, 0o200}, {1 << 6, 0o4000},
	{1 << 7, 0o4010000}, {1 << 8, 0o1000}, {1 << 9, 0o40000}, {1 << 10, 0o200000},
	{1 << 11, 0o100000}, {1 << 12, 0o2000000}, {1 << 13, 0o20200000},
}

// scapCloneFlags converts PPM_CL_* clone flags to Linux CLONE_* bits; the bits that only mean
// something to libsinsp (inverted, name changed, closed, active, pipe ends) are dropped.
func scapCloneFlags(v int64) int64 {
	var out int64
	for _, m := range scapCloneBits {
		if v&m[0] != 0 {
			out |= m[1]
		}
	}
	return out
}

var scapCloneBits = [...][2]int64{
	{1 << 0, 0x400}, {1 << 1, 0x200}, {1 << 2, 0x80000000}, {1 << 3, 0x8000000},
	{1 << 4, 0x40000000}, {1 << 5, 0x20000}, {1 << 6, 0x20000000}, {1 << 7, 0x4000000},
	{1 << 8, 0x8000}, {1 << 9, 0x100000}, {1 << 10, 0x2000}, {1 << 11, 0x800},
	{1 << 12, 0x40000}, {1 << 13, 0x10000}, {1 << 14, 0x800000}, {1 << 15, 0x100},
	{1 << 20, 0x10000000}, {1 << 23, 0x200000}, {1 << 24, 0x1000000}, {1 << 25, 0x80000},
	{1 << 27, 0x4000}, {1 << 28, 0x2000000},
}

// Linux CLONE_THREAD, to tell a new thread from a new process.
const linuxCloneThread = 0x10000

// scapFcntlCmd converts a PPM_FCNTL_* command (the driver's own numbering) to Linux's F_* value.
// PPM_FCNTL_UNKNOWN and numbers the driver does not define become -1, which no F_* value is:
// Linux's F_DUPFD is 0, so leaving them as they are would misname them.
func scapFcntlCmd(v int64) int64 {
	if c, ok := scapFcntlCmds[v]; ok {
		return c
	}
	return -1
}

// scapFcntlCmds maps PPM_FCNTL_* (driver/ppm_events_public.h) to Linux F_* (asm-generic/fcntl.h,
// linux/fcntl.h). The *64 commands exist only on 32-bit kernels.
var scapFcntlCmds = map[int64]int64{
	1: 0, 2: 1, 3: 2, 4: 3, 5: 4, // F_DUPFD F_GETFD F_SETFD F_GETFL F_SETFL
	6: 5, 8: 6, 9: 7, // F_GETLK F_SETLK F_SETLKW
	10: 8, 12: 9, 13: 10, 15: 11, // F_SETOWN F_GETOWN F_SETSIG F_GETSIG
	17: 12, 18: 13, 19: 14, // F_GETLK64 F_SETLK64 F_SETLKW64
	21: 15, 22: 16, // F_SETOWN_EX F_GETOWN_EX
	23: 1024, 24: 1025, 25: 1029, 26: 1030, 27: 1026, // F_SETLEASE F_GETLEASE F_CANCELLK F_DUPFD_CLOEXEC F_NOTIFY
	28: 1031, 29: 1032, // F_SETPIPE_SZ F_GETPIPE_SZ
	30: 36, 31: 37, 32: 38, // F_OFD_GETLK F_OFD_SETLK F_OFD_SETLKW
}
