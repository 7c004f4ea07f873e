package dns

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
)

// DNS record types and response codes saker names; the numbers are IANA's.
const (
	TypeA     = 1
	TypeCNAME = 5
	TypeAAAA  = 28

	RcodeNoError  = 0
	RcodeServFail = 2
	RcodeNXDomain = 3
	RcodeRefused  = 5
)

// Errors of the DNS decoders, checked with errors.Is.
var (
	// ErrMalformed is wrapped by decoders when bytes sent to or from port 53 are not a
	// well-formed DNS message.
	ErrMalformed = errors.New("malformed dns message")
	// ErrNoMessage is returned for an event that carries no DNS message: not a send or
	// receive, not port 53, a failed syscall or an empty payload.
	ErrNoMessage = errors.New("no dns message")
)

// Message is one DNS query or response as saker keeps it: the question, the address and
// alias records of the answer section, and where and when it was seen.
type Message struct {
	// TS is the wall-clock time the message was seen, in Unix nanoseconds.
	TS        int64
	ID        uint16
	Response  bool
	Opcode    uint8
	Rcode     uint8 // with the extended bits of an OPT record
	Truncated bool  // the TC bit: the answer did not fit and the client should retry over TCP
	// QName is the first question's name as sent on the wire (case kept), without the final
	// dot; "." for the root. QType is its type.
	QName string
	QType uint16
	// Answers holds the A, AAAA and CNAME records of the answer section in wire order; other
	// types are left out.
	Answers []Record
	Proto   uint8 // event.ProtoUDP or event.ProtoTCP
	// Client is the end that asked and Server the resolver that answered, as far as the
	// source tells (invalid when it does not).
	Client, Server netip.AddrPort
	// PID and TID are the process and thread that asked, 0 when unknown; only the syscall
	// sensor knows them. When ServerSide is set they name the DNS server that sent the
	// message instead: the sensor saw it on a socket whose local end is port 53 (a local
	// resolver answering), which does not tell who asked.
	PID, TID   uint32
	ServerSide bool
	// FD is the socket the sensor saw the message on, in process PID; meaningful only when
	// PID is not 0.
	FD int64
	// FromPacket and FromSensor tell which sources saw the message; Combine may set both.
	FromPacket, FromSensor bool
	// NetNS is the network namespace the message was seen in (the inode number of its
	// net namespace), 0 when the source does not tell. Index scopes answers by it.
	NetNS uint64
}

// Record is one A, AAAA or CNAME resource record.
type Record struct {
	Name   string
	Type   uint16
	TTL    uint32
	IP     netip.Addr // A and AAAA
	Target string     // CNAME
}

// Clone returns a copy of m whose Answers do not alias m's.
func (m *Message) Clone() Message {
	c := *m
	c.Answers = append([]Record(nil), m.Answers...)
	return c
}

// reset clears m, keeping the capacity of Answers.
func (m *Message) reset() {
	a := m.Answers[:0]
	*m = Message{Answers: a}
}

// IPs appends the addresses of m's A and AAAA records to buf.
func (m *Message) IPs(buf []netip.Addr) []netip.Addr {
	for i := range m.Answers {
		if m.Answers[i].IP.IsValid() {
			buf = append(buf, m.Answers[i].IP)
		}
	}
	return buf
}

// CNAMEs appends the targets of m's CNAME records to buf, in wire order.
func (m *Message) CNAMEs(buf []string) []string {
	for i := range m.Answers {
		if m.Answers[i].Type == TypeCNAME {
			buf = append(buf, m.Answers[i].Target)
		}
	}
	return buf
}

// MinTTL returns the smallest TTL of m's answer records, 0 when there are none.
func (m *Message) MinTTL() uint32 {
	var ttl uint32
	for i := range m.Answers {
		if i == 0 || m.Answers[i].TTL < ttl {
			ttl = m.Answers[i].TTL
		}
	}
	return ttl
}

// Chains calls fn for each address record of m with the names that lead to it: the record's
// owner and, following CNAME records backwards, every alias up to the query name. ttl is the
// smallest TTL along that chain, since a resolver forgets the mapping when any link expires.
// names is reused between calls and valid only during fn.
func (m *Message) Chains(fn func(ip netip.Addr, names []string, ttl uint32)) {
	var stack [16]string
	for i := range m.Answers {
		a := &m.Answers[i]
		if !a.IP.IsValid() {
			continue
		}
		names := append(stack[:0], a.Name)
		ttl := a.TTL
		// Walk owner <- alias links; the bound on the chain length stops CNAME loops.
		for cur := a.Name; len(names) < cap(stack); {
			found := false
			for j := range m.Answers {
				c := &m.Answers[j]
				if c.Type == TypeCNAME && strings.EqualFold(c.Target, cur) && !dnsHasName(names, c.Name) {
					names = append(names, c.Name)
					ttl = min(ttl, c.TTL)
					cur, found = c.Name, true
					break
				}
			}
			if !found {
				break
			}
		}
		fn(a.IP, names, ttl)
	}
}

func dnsHasName(names []string, n string) bool {
	for _, x := range names {
		if strings.EqualFold(x, n) {
			return true
		}
	}
	return false
}

// TypeName returns the mnemonic of a record type ("A", "AAAA", ...) or "TYPEn".
func TypeName(t uint16) string {
	if s, ok := dnsTypeNames[t]; ok {
		return s
	}
	return "TYPE" + strconv.Itoa(int(t))
}

// RcodeName returns the mnemonic of a response code ("NOERROR", "NXDOMAIN", ...) or "RCODEn".
func RcodeName(rc uint8) string {
	if int(rc) < len(dnsRcodeNames) && dnsRcodeNames[rc] != "" {
		return dnsRcodeNames[rc]
	}
	return "RCODE" + strconv.Itoa(int(rc))
}

var dnsTypeNames = map[uint16]string{
	1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA",
	33: "SRV", 41: "OPT", 43: "DS", 46: "RRSIG", 48: "DNSKEY", 64: "SVCB", 65: "HTTPS", 255: "ANY",
}

var dnsRcodeNames = [...]string{
	0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED",
	6: "YXDOMAIN", 7: "YXRRSET", 8: "NXRRSET", 9: "NOTAUTH", 10: "NOTZONE", 16: "BADVERS",
}
