package analyze

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"

	"saker/dns"
	"saker/event"
	"saker/rules"
)

// DNSFieldExtractor binds a dns.* rule field of dns.Fields to an extractor over `dns`
// events; on other kinds the field is missing. It returns an error wrapping
// rules.ErrUnknownField for a name the table lacks.
func DNSFieldExtractor(name string) (rules.Extractor, error) {
	for _, f := range dns.Fields {
		if f.Name == name {
			return dnsExtractor(f), nil
		}
	}
	return rules.Extractor{}, fmt.Errorf("%s: %w", name, rules.ErrUnknownField)
}

func dnsExtractor(f dns.Field) rules.Extractor {
	idx := event.KindDns.ParamIndex(f.Param)
	arg := func(e *event.Event) (event.Arg, bool) {
		if e.Kind != event.KindDns || idx < 0 || idx >= int(e.NArgs) {
			return event.Arg{}, false
		}
		return e.Args[idx], true
	}
	switch {
	case f.Name == "dns.query.type":
		return rules.Extractor{Type: rules.FieldString, Str: func(e *event.Event) ([]byte, bool) {
			a, ok := arg(e)
			if !ok {
				return nil, false
			}
			return dnsTypeBytes(uint16(a.Int)), true
		}}
	case f.Name == "dns.rcode":
		return rules.Extractor{Type: rules.FieldString, Str: func(e *event.Event) ([]byte, bool) {
			a, ok := arg(e)
			if !ok {
				return nil, false
			}
			return dnsRcodeBytes[uint8(a.Int)], true
		}}
	case f.Name == "dns.answer.name":
		qi := event.KindDns.ParamIndex("qname")
		ai := event.KindDns.ParamIndex("answers")
		return rules.Extractor{Type: rules.FieldStrings, List: func(e *event.Event, buf [][]byte) ([][]byte, bool) {
			c, ok := arg(e)
			if !ok || len(c.Bytes) == 0 && len(e.Args[ai].Bytes) == 0 {
				return buf, false
			}
			buf = append(buf, e.Args[qi].Bytes)
			return dnsListItems(c.Bytes, buf), true
		}}
	case f.Type == dns.FieldString:
		return rules.Extractor{Type: rules.FieldString, Str: func(e *event.Event) ([]byte, bool) {
			a, ok := arg(e)
			return a.Bytes, ok
		}}
	case f.Type == dns.FieldStrings:
		return rules.Extractor{Type: rules.FieldStrings, List: func(e *event.Event, buf [][]byte) ([][]byte, bool) {
			a, ok := arg(e)
			if !ok || len(a.Bytes) == 0 {
				return buf, false
			}
			return dnsListItems(a.Bytes, buf), true
		}}
	case f.Type == dns.FieldIP:
		return rules.Extractor{Type: rules.FieldIP, IP: func(e *event.Event) (netip.Addr, bool) {
			a, ok := arg(e)
			if !ok {
				return netip.Addr{}, false
			}
			ap, ok := dnsSockaddrPort(a.Bytes)
			return ap.Addr(), ok
		}}
	case f.Type == dns.FieldUint && (f.Param == "server" || f.Param == "client"):
		return rules.Extractor{Type: rules.FieldUint, Int: func(e *event.Event) (int64, bool) {
			a, ok := arg(e)
			if !ok {
				return 0, false
			}
			ap, ok := dnsSockaddrPort(a.Bytes)
			return int64(ap.Port()), ok
		}}
	case f.Type == dns.FieldBool:
		return rules.Extractor{Type: rules.FieldBool, Int: func(e *event.Event) (int64, bool) {
			a, ok := arg(e)
			return a.Int, ok
		}}
	default:
		return rules.Extractor{Type: rules.FieldUint, Int: func(e *event.Event) (int64, bool) {
			a, ok := arg(e)
			return a.Int, ok
		}}
	}
}

// dnsSockaddrPort decodes an encoded IP sockaddr without allocating.
func dnsSockaddrPort(b []byte) (netip.AddrPort, bool) {
	if len(b) < 3 || (b[0] != event.AFInet && b[0] != event.AFInet6) {
		return netip.AddrPort{}, false
	}
	ip, ok := netip.AddrFromSlice(b[3:])
	if !ok {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(ip, binary.BigEndian.Uint16(b[1:3])), true
}

// dnsListItems appends the NUL-terminated items of a list argument to buf.
func dnsListItems(b []byte, buf [][]byte) [][]byte {
	for len(b) > 0 {
		i := bytes.IndexByte(b, 0)
		if i < 0 {
			return append(buf, b)
		}
		buf = append(buf, b[:i])
		b = b[i+1:]
	}
	return buf
}

// Byte forms of type and rcode names, made once so extractors do not allocate.
var (
	dnsTypeByName = func() map[uint16][]byte {
		m := make(map[uint16][]byte)
		for _, t := range []uint16{1, 2, 5, 6, 12, 15, 16, 28, 33, 41, 43, 46, 48, 64, 65, 255} {
			m[t] = []byte(dns.TypeName(t))
		}
		return m
	}()
	dnsRcodeBytes = func() (t [256][]byte) {
		for i := range t {
			t[i] = []byte(dns.RcodeName(uint8(i)))
		}
		return t
	}()
)

func dnsTypeBytes(t uint16) []byte {
	if b, ok := dnsTypeByName[t]; ok {
		return b
	}
	return []byte(dns.TypeName(t)) // a rare type: one allocation
}
