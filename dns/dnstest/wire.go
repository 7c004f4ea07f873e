// Package dnstest builds DNS wire messages for the tests of dns and of its users.
package dnstest

import (
	"strings"

	"saker/dns"
)

// Wire encodes m's ID, question (class IN, type A) and A records as a DNS response on the wire,
// names uncompressed. Records other than A are written as A records of their IP's first four
// bytes: callers give A records only.
func Wire(m *dns.Message) []byte {
	b := []byte{byte(m.ID >> 8), byte(m.ID), 0x81, 0x80, 0, 1, 0, byte(len(m.Answers)), 0, 0, 0, 0}
	name := func(n string) []byte {
		var out []byte
		for _, l := range strings.Split(n, ".") {
			out = append(append(out, byte(len(l))), l...)
		}
		return append(out, 0)
	}
	b = append(append(b, name(m.QName)...), 0, 1, 0, 1)
	for _, a := range m.Answers {
		ip := a.IP.As4()
		b = append(append(b, name(a.Name)...), 0, 1, 0, 1, byte(a.TTL>>24), byte(a.TTL>>16), byte(a.TTL>>8), byte(a.TTL), 0, 4)
		b = append(b, ip[:]...)
	}
	return b
}
