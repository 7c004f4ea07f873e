package scap

import (
	"fmt"
	"net/netip"

	"saker/event"
)

// Fd types of scap fd lists (libscap's scap_fd_type).
const (
	scapFDFile         = 1
	scapFDDirectory    = 2
	scapFDIPv4Sock     = 3
	scapFDIPv6Sock     = 4
	scapFDIPv4ServSock = 5
	scapFDIPv6ServSock = 6
	scapFDFifo         = 7
	scapFDUnixSock     = 8
	scapFDEvent        = 9
	scapFDUnsupported  = 10
	scapFDSignalfd     = 11
	scapFDEventpoll    = 12
	scapFDInotify      = 13
	scapFDTimerfd      = 14
	scapFDNetlink      = 15
	scapFDFileV2       = 16
	scapFDBPF          = 17
	scapFDUserfaultfd  = 18
	scapFDIOUring      = 19
	scapFDMemfd        = 20
	scapFDPidfd        = 21
)

// scapFDTypes maps scap fd types to saker's fdtype values.
var scapFDTypes = [...]int64{
	scapFDFile: event.FDFile, scapFDDirectory: event.FDDirectory, scapFDIPv4Sock: event.FDIPv4,
	scapFDIPv6Sock: event.FDIPv6, scapFDIPv4ServSock: event.FDIPv4, scapFDIPv6ServSock: event.FDIPv6,
	scapFDFifo: event.FDPipe, scapFDUnixSock: event.FDUnix, scapFDEvent: event.FDEvent,
	scapFDSignalfd: event.FDSignalfd, scapFDEventpoll: event.FDEventpoll, scapFDInotify: event.FDInotify,
	scapFDTimerfd: event.FDTimerfd, scapFDNetlink: event.FDNetlink, scapFDFileV2: event.FDFile,
	scapFDBPF: event.FDBPF, scapFDUserfaultfd: event.FDUserfaultfd, scapFDIOUring: event.FDIOUring,
	scapFDMemfd: event.FDMemfd, scapFDPidfd: event.FDPidfd,
}

// scapL4 maps scap_l4_proto values to IANA protocol numbers.
func scapL4(p uint8) uint8 {
	switch p {
	case 2:
		return event.ProtoTCP
	case 3:
		return event.ProtoUDP
	case 4:
		return 1 // ICMP
	}
	return 0
}

// scapFD is one entry of an fd list.
type scapFD struct {
	fd    int64
	ino   uint64
	typ   int64 // saker fdtype, 0 when unknown
	name  []byte
	flags int64  // Linux open flags, for files
	tuple []byte // event.Tuple encoding, for sockets
}

// parseScapFD decodes one fd list entry: [u32 length (V2)], i64 fd, u64 inode, u8 type, then
// by type: IPv4/IPv6 socket (source and destination address and port, l4 proto), server socket
// (address, port, l4 proto), unix socket (two u64 pointers, name), file V2 (u32 flags, name,
// [u32 dev]), others a name. Socket tuples keep the order the file gives (source, destination)
// as Local and Remote. tuple is appended to buf, which is returned grown.
func parseScapFD(c *scapCursor, v2 bool, buf []byte) (f scapFD, _ []byte, err error) {
	start := c.len()
	var subLen int
	if v2 {
		subLen = int(c.u32())
	}
	f.fd, f.ino = int64(c.u64()), c.u64()
	typ := c.u8()
	if int(typ) < len(scapFDTypes) {
		f.typ = scapFDTypes[typ]
	}
	ipTuple := func(n int, server bool) {
		sip := c.take(n)
		var dip []byte
		if !server {
			dip = c.take(n)
		}
		sport := c.u16()
		var dport uint16
		if !server {
			dport = c.u16()
		}
		proto := scapL4(c.u8())
		if c.bad {
			return
		}
		fam := uint8(event.AFInet)
		if n == 16 {
			fam = event.AFInet6
		}
		l, _ := netip.AddrFromSlice(sip)
		r := netip.IPv4Unspecified()
		if n == 16 {
			r = netip.IPv6Unspecified()
		}
		if dip != nil {
			r, _ = netip.AddrFromSlice(dip)
		}
		start := len(buf)
		buf = event.Tuple{Family: fam, Proto: proto, Local: netip.AddrPortFrom(l, sport), Remote: netip.AddrPortFrom(r, dport)}.AppendBinary(buf)
		f.tuple = buf[start:]
	}
	switch typ {
	case scapFDIPv4Sock:
		ipTuple(4, false)
	case scapFDIPv6Sock:
		ipTuple(16, false)
	case scapFDIPv4ServSock:
		ipTuple(4, true)
	case scapFDIPv6ServSock:
		ipTuple(16, true)
	case scapFDUnixSock:
		c.u64()
		c.u64()
		f.name = c.str()
		start := len(buf)
		buf = event.Tuple{Family: event.AFUnix, Path: f.name}.AppendBinary(buf)
		f.tuple = buf[start:]
	case scapFDFileV2:
		f.flags = scapOpenFlags(int64(c.u32()))
		f.name = c.str()
		if subLen > 0 && subLen-(start-c.len()) >= 4 {
			c.u32() // dev
		}
	case scapFDFifo, scapFDFile, scapFDDirectory, scapFDUnsupported, scapFDEvent, scapFDSignalfd,
		scapFDEventpoll, scapFDInotify, scapFDTimerfd, scapFDNetlink, scapFDBPF, scapFDUserfaultfd,
		scapFDIOUring, scapFDMemfd, scapFDPidfd:
		f.name = c.str()
	default:
		// An fd type newer than saker: without a length prefix (V1) its size is unknown.
		if subLen == 0 {
			return f, buf, fmt.Errorf("fd %d: unknown fd type %d in a v1 fd list", f.fd, typ)
		}
	}
	if c.bad {
		return f, buf, fmt.Errorf("fd entry: truncated")
	}
	if subLen > 0 {
		read := start - c.len()
		if subLen < read || subLen > start {
			return f, buf, fmt.Errorf("fd %d: entry length %d, fields take %d", f.fd, subLen, read)
		}
		c.take(subLen - read)
	}
	return f, buf, nil
}

// setFdinfo fills e as the fdinfo meta event of f, owned by process pid (thread tid).
func setFdinfo(e *event.Event, pid, tid uint32, f *scapFD) {
	e.Reset()
	e.Kind = event.KindFdinfo
	e.PID, e.TID = pid, tid
	k := event.KindFdinfo
	e.Args[k.ParamIndex("pid")].Int = int64(pid)
	e.Args[k.ParamIndex("fd")].Int = f.fd
	e.Args[k.ParamIndex("type")].Int = f.typ
	e.Args[k.ParamIndex("name")].Bytes = append(e.Args[k.ParamIndex("name")].Bytes[:0], f.name...)
	e.Args[k.ParamIndex("flags")].Int = f.flags
	e.Args[k.ParamIndex("tuple")].Bytes = append(e.Args[k.ParamIndex("tuple")].Bytes[:0], f.tuple...)
	e.Args[k.ParamIndex("ino")].Int = int64(f.ino)
	e.NArgs = uint8(len(k.Params()))
}

// User list entry types.
const (
	scapUserEntry  = 0
	scapGroupEntry = 1
)

// parseScapUser decodes one user list entry into e as a userinfo or groupinfo event:
// [u32 length (V2)], u8 type, then a user (u32 uid, u32 gid, name, home, shell) or a group
// (u32 gid, name), strings with u16 lengths.
func parseScapUser(c *scapCursor, v2 bool, e *event.Event) error {
	start := c.len()
	var subLen int
	if v2 {
		subLen = int(c.u32())
	}
	e.Reset()
	switch c.u8() {
	case scapUserEntry:
		e.Kind = event.KindUserinfo
		uid, gid := c.u32(), c.u32()
		name, home, shell := c.str(), c.str(), c.str()
		e.SetArgs(event.Int(int64(uid)), event.Int(int64(gid)), event.Arg{Bytes: append(e.Args[2].Bytes[:0], name...)},
			event.Arg{Bytes: append(e.Args[3].Bytes[:0], home...)}, event.Arg{Bytes: append(e.Args[4].Bytes[:0], shell...)})
	default:
		e.Kind = event.KindGroupinfo
		gid := c.u32()
		name := c.str()
		e.SetArgs(event.Int(int64(gid)), event.Arg{Bytes: append(e.Args[1].Bytes[:0], name...)})
	}
	if c.bad {
		return fmt.Errorf("user entry: truncated")
	}
	if subLen > 0 {
		read := start - c.len()
		if subLen < read || subLen > start {
			return fmt.Errorf("user entry: length %d, fields take %d", subLen, read)
		}
		c.take(subLen - read)
	}
	return nil
}
