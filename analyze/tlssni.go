package analyze

import (
	"encoding/binary"

	"saker/event"
	"saker/rules"
)

// clientHelloSNI returns the host name of the server_name extension of a TLS ClientHello at
// the start of b (a client's first send on a connection), or false when b does not start
// with a ClientHello or the name is not within it: the capture keeps the first --snaplen
// bytes, and the name must lie in them whole. The name is a slice of b.
func clientHelloSNI(b []byte) ([]byte, bool) {
	// Record header: handshake (22), version 3.x, length; then the handshake header:
	// client_hello (1) and a 24-bit length.
	if len(b) < 9 || b[0] != 22 || b[1] != 3 || b[5] != 1 {
		return nil, false
	}
	p := b[9:]
	skip := func(n int) bool {
		if n > len(p) {
			return false
		}
		p = p[n:]
		return true
	}
	vec := func(lenBytes int) ([]byte, bool) {
		if len(p) < lenBytes {
			return nil, false
		}
		n := 0
		for _, c := range p[:lenBytes] {
			n = n<<8 | int(c)
		}
		p = p[lenBytes:]
		if n > len(p) {
			return p, false // cut short: what there is of it
		}
		v := p[:n]
		p = p[n:]
		return v, true
	}
	if !skip(2 + 32) { // client_version, random
		return nil, false
	}
	if _, ok := vec(1); !ok { // session_id
		return nil, false
	}
	if _, ok := vec(2); !ok { // cipher_suites
		return nil, false
	}
	if _, ok := vec(1); !ok { // compression_methods
		return nil, false
	}
	exts, _ := vec(2) // extensions, perhaps cut by the snap length
	for len(exts) >= 4 {
		typ := binary.BigEndian.Uint16(exts)
		n := int(binary.BigEndian.Uint16(exts[2:]))
		exts = exts[4:]
		if n > len(exts) {
			return nil, false
		}
		data := exts[:n]
		exts = exts[n:]
		if typ != 0 { // server_name
			continue
		}
		// ServerNameList: 2-byte length, then entries of type (0: host_name), 2-byte length.
		if len(data) < 5 || data[2] != 0 {
			return nil, false
		}
		l := int(binary.BigEndian.Uint16(data[3:]))
		if 5+l > len(data) || !hostName(data[5:5+l]) {
			return nil, false
		}
		return data[5 : 5+l], true
	}
	return nil, false
}

// hostName reports whether b is a DNS host name as SNI carries it: 1 to 253 bytes of
// letters, digits, '-', '_' and '.'.
func hostName(b []byte) bool {
	if len(b) == 0 || len(b) > 253 {
		return false
	}
	for _, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

func init() {
	// saker.tls.sni is the server name (lower case) of a TLS ClientHello the event's payload
	// starts with: the name a TLS client asked the server for, in clear.
	fields["saker.tls.sni"] = noArg(func(*State) rules.Extractor {
		var out []byte
		return strField(func(e *event.Event) ([]byte, bool) {
			data, ok := argAtOK(e, argData)
			if !ok {
				return nil, false
			}
			n, ok := clientHelloSNI(data.Bytes)
			if !ok {
				return nil, false
			}
			out = out[:0]
			for _, c := range n {
				if c >= 'A' && c <= 'Z' {
					c += 'a' - 'A'
				}
				out = append(out, c)
			}
			return out, true
		})
	})
}
