//go:build linux

package capture

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"saker/event"
)

// sockInfo is one socket of /proc/net, keyed by inode.
type sockInfo struct {
	typ   int
	tuple event.Tuple
}

// readSockets reads the socket tables of dir (/proc/net: the network namespace of saker
// itself) into a map from socket inode to fd type and tuple.
func readSockets(dir string) map[uint64]sockInfo {
	m := map[uint64]sockInfo{}
	for _, t := range []struct {
		file   string
		family uint8
		proto  uint8
		typ    int
	}{
		{"tcp", event.AFInet, event.ProtoTCP, event.FDIPv4},
		{"udp", event.AFInet, event.ProtoUDP, event.FDIPv4},
		{"tcp6", event.AFInet6, event.ProtoTCP, event.FDIPv6},
		{"udp6", event.AFInet6, event.ProtoUDP, event.FDIPv6},
	} {
		eachProcNetLine(filepath.Join(dir, t.file), func(f []string) {
			if len(f) < 10 {
				return
			}
			local, ok1 := parseHexAddr(f[1])
			remote, ok2 := parseHexAddr(f[2])
			ino, err := strconv.ParseUint(f[9], 10, 64)
			if !ok1 || !ok2 || err != nil || ino == 0 {
				return
			}
			m[ino] = sockInfo{typ: t.typ, tuple: event.Tuple{Family: t.family, Proto: t.proto, Local: local, Remote: remote}}
		})
	}
	eachProcNetLine(filepath.Join(dir, "unix"), func(f []string) {
		if len(f) < 7 {
			return
		}
		ino, err := strconv.ParseUint(f[6], 10, 64)
		if err != nil || ino == 0 {
			return
		}
		tp := event.Tuple{Family: event.AFUnix}
		if len(f) >= 8 {
			tp.Path = []byte(f[7])
		}
		m[ino] = sockInfo{typ: event.FDUnix, tuple: tp}
	})
	return m
}

func eachProcNetLine(path string, fn func([]string)) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		fn(strings.Fields(sc.Text()))
	}
}

// parseHexAddr parses /proc/net's "0100007F:1F90": the address as 32-bit words in host
// (little-endian) order, then the port in hex.
func parseHexAddr(s string) (netip.AddrPort, bool) {
	a, p, ok := strings.Cut(s, ":")
	if !ok {
		return netip.AddrPort{}, false
	}
	port, err := strconv.ParseUint(p, 16, 16)
	raw, err2 := hex.DecodeString(a)
	if err != nil || err2 != nil || (len(raw) != 4 && len(raw) != 16) {
		return netip.AddrPort{}, false
	}
	for i := 0; i < len(raw); i += 4 {
		binary.BigEndian.PutUint32(raw[i:], binary.LittleEndian.Uint32(raw[i:]))
	}
	ip, _ := netip.AddrFromSlice(raw)
	return netip.AddrPortFrom(ip, uint16(port)), true
}

// statCtime returns the change time of fi in Unix nanoseconds.
func statCtime(fi os.FileInfo) (int64, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return st.Ctim.Sec*1e9 + st.Ctim.Nsec, true
}
