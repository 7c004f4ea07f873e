package lab

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"golang.org/x/net/dns/dnsmessage"
)

// ttl is the TTL of every answer of the lab's DNS server.
const ttl = 300

// maxChain bounds the CNAME links followed for one answer.
const maxChain = 8

// Answer builds the response to the DNS query req: the CNAME chain of the question's name
// and, for A and AAAA questions, the addresses at its end, with authority. Unknown names get
// NXDOMAIN. It returns an error when req is not a query with one question.
func (z Zone) Answer(req []byte) ([]byte, error) {
	var p dnsmessage.Parser
	h, err := p.Start(req)
	if err != nil {
		return nil, fmt.Errorf("dns query: %w", err)
	}
	qs, err := p.AllQuestions()
	if err != nil {
		return nil, fmt.Errorf("dns query: %w", err)
	}
	if h.Response || len(qs) != 1 {
		return nil, errors.New("dns query: want one question")
	}
	q := qs[0]
	rh := dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true,
		RecursionDesired: h.RecursionDesired, RecursionAvailable: true}
	name := strings.TrimSuffix(strings.ToLower(q.Name.String()), ".")
	rec, known := z[name]
	if !known {
		rh.RCode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(make([]byte, 0, 512), rh)
	b.EnableCompression()
	if err := b.StartQuestions(); err != nil {
		return nil, err
	}
	if err := b.Question(q); err != nil {
		return nil, err
	}
	if err := b.StartAnswers(); err != nil {
		return nil, err
	}
	owner := q.Name
	for i := 0; known && rec.CNAME != "" && i < maxChain; i++ {
		target := dnsmessage.MustNewName(rec.CNAME + ".")
		if err := b.CNAMEResource(rrHeader(owner, dnsmessage.TypeCNAME), dnsmessage.CNAMEResource{CNAME: target}); err != nil {
			return nil, err
		}
		owner = target
		rec, known = z[rec.CNAME]
	}
	if known {
		switch q.Type {
		case dnsmessage.TypeA:
			for _, a := range rec.A {
				if err := b.AResource(rrHeader(owner, dnsmessage.TypeA), dnsmessage.AResource{A: a.As4()}); err != nil {
					return nil, err
				}
			}
		case dnsmessage.TypeAAAA:
			for _, a := range rec.AAAA {
				if err := b.AAAAResource(rrHeader(owner, dnsmessage.TypeAAAA), dnsmessage.AAAAResource{AAAA: a.As16()}); err != nil {
					return nil, err
				}
			}
		}
	}
	return b.Finish()
}

func rrHeader(name dnsmessage.Name, typ dnsmessage.Type) dnsmessage.ResourceHeader {
	return dnsmessage.ResourceHeader{Name: name, Type: typ, Class: dnsmessage.ClassINET, TTL: ttl}
}

// ServeDNS answers queries arriving on pc from z until pc is closed, which it reports as
// nil. Malformed queries are dropped.
func ServeDNS(pc net.PacketConn, z Zone) error {
	buf := make([]byte, 1500)
	for {
		n, from, err := pc.ReadFrom(buf)
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("dns: %w", err)
		}
		resp, err := z.Answer(buf[:n])
		if err != nil {
			continue
		}
		if _, err := pc.WriteTo(resp, from); err != nil && errors.Is(err, net.ErrClosed) {
			return nil
		}
	}
}
