package analyze

import (
	"net/netip"

	"saker/event"
	"saker/rules"
)

var (
	l4TCP      = []byte("tcp")
	l4UDP      = []byte("udp")
	l4ICMP     = []byte("icmp")
	l4Raw      = []byte("raw")
	famIP      = []byte("ip")
	famUnix    = []byte("unix")
	typeCharBs = func() [][]byte {
		out := make([][]byte, len(typeChars))
		for i, c := range typeChars {
			if c != 0 {
				out[i] = []byte{c}
			}
		}
		return out
	}()
)

// fdStr registers a string field of the event's fd.
func fdStr(name string, get func(f *FD) ([]byte, bool)) {
	fields[name] = noArg(func(s *State) rules.Extractor {
		return strField(func(*event.Event) ([]byte, bool) {
			if s.fd == nil {
				return nil, false
			}
			return get(s.fd)
		})
	})
}

func fdInt(name string, t rules.FieldType, get func(s *State, f *FD) (int64, bool)) {
	fields[name] = noArg(func(s *State) rules.Extractor {
		return intField(t, func(*event.Event) (int64, bool) {
			if s.fd == nil {
				return 0, false
			}
			return get(s, s.fd)
		})
	})
}

// fdAddr registers an address field of IP socket fds, from one end of the connection.
func fdAddr(name string, end func(f *FD) netip.AddrPort) {
	fields[name] = noArg(func(s *State) rules.Extractor {
		return rules.Extractor{Type: rules.FieldIP, IP: func(*event.Event) (netip.Addr, bool) {
			f := s.fd
			if f == nil || !f.isIP() {
				return netip.Addr{}, false
			}
			a := end(f).Addr()
			return a.Unmap(), a.IsValid()
		}}
	})
}

func fdPort(name string, end func(f *FD) netip.AddrPort) {
	fdInt(name, rules.FieldUint, func(_ *State, f *FD) (int64, bool) {
		if !f.isIP() {
			return 0, false
		}
		ap := end(f)
		return int64(ap.Port()), ap.Addr().IsValid()
	})
}

// fdNames registers a *.name field: the DNS names of one end's address at the event's time.
func fdNames(name string, end func(f *FD) netip.AddrPort) {
	fields[name] = noArg(func(s *State) rules.Extractor {
		return rules.Extractor{Type: rules.FieldStrings, List: func(_ *event.Event, buf [][]byte) ([][]byte, bool) {
			f := s.fd
			if f == nil || !f.isIP() || s.names == nil {
				return buf, false
			}
			a := end(f).Addr()
			if !a.IsValid() {
				return buf, false
			}
			n := len(buf)
			buf = s.names.Names(a.Unmap(), s.wallNS(), buf)
			return buf, len(buf) > n
		}}
	})
}

func local(f *FD) netip.AddrPort  { return f.Local }
func remote(f *FD) netip.AddrPort { return f.Remote }
func server(f *FD) netip.AddrPort { return f.server() }
func client(f *FD) netip.AddrPort { return f.client() }

func init() {
	fdStr("fd.name", func(f *FD) ([]byte, bool) { return f.Name, true })
	fdStr("fd.nameraw", func(f *FD) ([]byte, bool) {
		if f.Raw != nil {
			return f.Raw, true
		}
		return f.Name, true
	})
	fdStr("fd.type", func(f *FD) ([]byte, bool) {
		if f.Type <= 0 || int(f.Type) >= len(typeNames) {
			return nil, false
		}
		return typeNames[f.Type], typeNames[f.Type] != nil
	})
	fdStr("fd.typechar", func(f *FD) ([]byte, bool) {
		if f.Type <= 0 || int(f.Type) >= len(typeCharBs) {
			return nil, false
		}
		return typeCharBs[f.Type], typeCharBs[f.Type] != nil
	})
	fdStr("fd.directory", func(f *FD) ([]byte, bool) {
		switch f.Type {
		case event.FDDirectory:
			return f.Name, len(f.Name) > 0
		case event.FDFile:
			d := dirName(f.Name)
			return d, d != nil
		}
		return nil, false
	})
	fdStr("fd.filename", func(f *FD) ([]byte, bool) {
		if f.Type != event.FDFile && f.Type != event.FDDirectory || len(f.Name) == 0 {
			return nil, false
		}
		return baseName(f.Name), true
	})
	fdStr("fd.l4proto", func(f *FD) ([]byte, bool) {
		if !f.isIP() {
			return nil, false
		}
		switch f.Proto {
		case event.ProtoTCP:
			return l4TCP, true
		case event.ProtoUDP:
			return l4UDP, true
		case protoICMP, protoICMPv6:
			return l4ICMP, true
		}
		return l4Raw, true
	})
	fdStr("fd.sockfamily", func(f *FD) ([]byte, bool) {
		switch {
		case f.isIP():
			return famIP, true
		case f.Type == event.FDUnix:
			return famUnix, true
		}
		return nil, false
	})
	// fd.num is also the number the event names when the fd is not in the table (one opened
	// before the capture and missing from its snapshot).
	fields["fd.num"] = noArg(func(s *State) rules.Extractor {
		return intField(rules.FieldInt, func(e *event.Event) (int64, bool) {
			if s.fd != nil {
				return s.fd.Num, s.fd.Num >= 0
			}
			a, ok := argAtOK(e, argFd)
			return a.Int, ok && a.Int >= 0
		})
	})
	fdInt("fd.is_server", rules.FieldBool, func(_ *State, f *FD) (int64, bool) { return b2i(f.Role == roleServer), true })
	fdInt("fd.connected", rules.FieldBool, func(_ *State, f *FD) (int64, bool) {
		return b2i(f.Connected), f.isSocket()
	})
	fdInt("fd.name_changed", rules.FieldBool, func(s *State, f *FD) (int64, bool) {
		return b2i(f.nameChangedAt != 0 && f.nameChangedAt == s.ev.Num), true
	})
	// fd.ip, fd.port and fd.net stand for "either end" in Falco; a single value has to
	// pick one, and the server end is the one rules about destinations care for.
	fdAddr("fd.ip", server)
	fdAddr("fd.net", server)
	fdAddr("fd.sip", server)
	fdAddr("fd.snet", server)
	fdAddr("fd.cip", client)
	fdAddr("fd.cnet", client)
	fdAddr("fd.lip", local)
	fdAddr("fd.lnet", local)
	fdAddr("fd.rip", remote)
	fdAddr("fd.rnet", remote)
	fdPort("fd.port", server)
	fdPort("fd.sport", server)
	fdPort("fd.cport", client)
	fdPort("fd.lport", local)
	fdPort("fd.rport", remote)
	fdNames("fd.sip.name", server)
	fdNames("fd.cip.name", client)
	fdNames("fd.lip.name", local)
	fdNames("fd.rip.name", remote)
}
