package event

import (
	"encoding/binary"
	"errors"
	"net/netip"
)

// Address families as Linux numbers them.
const (
	AFUnix  = 1
	AFInet  = 2
	AFInet6 = 10
)

// L4 protocols as IANA numbers them.
const (
	ProtoTCP = 6
	ProtoUDP = 17
)

// ErrBadAddress is returned when encoded address bytes are malformed.
var ErrBadAddress = errors.New("malformed address")

// Sockaddr is one socket address: an IP address and port, or a unix socket path.
// Encoded: family byte, then for AF_INET/AF_INET6 a big-endian port and 4 or 16 address bytes,
// for AF_UNIX the path bytes.
type Sockaddr struct {
	Family uint8
	Addr   netip.AddrPort
	Path   []byte
}

// AppendBinary appends the encoding of s to b.
func (s Sockaddr) AppendBinary(b []byte) []byte {
	b = append(b, s.Family)
	switch s.Family {
	case AFInet, AFInet6:
		b = binary.BigEndian.AppendUint16(b, s.Addr.Port())
		b = appendIP(b, s.Family, s.Addr.Addr())
	default:
		b = append(b, s.Path...)
	}
	return b
}

// ParseSockaddr decodes an encoded Sockaddr. Path aliases b.
func ParseSockaddr(b []byte) (Sockaddr, error) {
	if len(b) < 1 {
		return Sockaddr{}, ErrBadAddress
	}
	s := Sockaddr{Family: b[0]}
	switch s.Family {
	case AFInet, AFInet6:
		if len(b) != 3+ipLen(s.Family) {
			return Sockaddr{}, ErrBadAddress
		}
		ip, _ := netip.AddrFromSlice(b[3:])
		s.Addr = netip.AddrPortFrom(ip, binary.BigEndian.Uint16(b[1:3]))
	default:
		s.Path = b[1:]
	}
	return s, nil
}

// Tuple is a connection as the calling process sees it: Local is its own end, Remote the peer.
// Which end is the server (Falco's fd.sip) is decided by the state tracker from how the socket
// was made (connect: remote is the server; accept: local is).
// Encoded: family, protocol, then for IP families local port, remote port (big-endian) and the
// local and remote addresses (4 or 16 bytes each); for AF_UNIX the path bytes.
type Tuple struct {
	Family uint8
	Proto  uint8
	Local  netip.AddrPort
	Remote netip.AddrPort
	Path   []byte
}

// AppendBinary appends the encoding of t to b.
func (t Tuple) AppendBinary(b []byte) []byte {
	b = append(b, t.Family, t.Proto)
	switch t.Family {
	case AFInet, AFInet6:
		b = binary.BigEndian.AppendUint16(b, t.Local.Port())
		b = binary.BigEndian.AppendUint16(b, t.Remote.Port())
		b = appendIP(b, t.Family, t.Local.Addr())
		b = appendIP(b, t.Family, t.Remote.Addr())
	default:
		b = append(b, t.Path...)
	}
	return b
}

// ParseTuple decodes an encoded Tuple. Path aliases b.
func ParseTuple(b []byte) (Tuple, error) {
	if len(b) < 2 {
		return Tuple{}, ErrBadAddress
	}
	t := Tuple{Family: b[0], Proto: b[1]}
	switch t.Family {
	case AFInet, AFInet6:
		n := ipLen(t.Family)
		if len(b) != 6+2*n {
			return Tuple{}, ErrBadAddress
		}
		lip, _ := netip.AddrFromSlice(b[6 : 6+n])
		rip, _ := netip.AddrFromSlice(b[6+n:])
		t.Local = netip.AddrPortFrom(lip, binary.BigEndian.Uint16(b[2:4]))
		t.Remote = netip.AddrPortFrom(rip, binary.BigEndian.Uint16(b[4:6]))
	default:
		t.Path = b[2:]
	}
	return t, nil
}

func ipLen(family uint8) int {
	if family == AFInet {
		return 4
	}
	return 16
}

func appendIP(b []byte, family uint8, ip netip.Addr) []byte {
	if family == AFInet {
		if !ip.Is4() {
			ip = netip.IPv4Unspecified()
		}
		a := ip.As4()
		return append(b, a[:]...)
	}
	a := ip.As16()
	return append(b, a[:]...)
}
