package lab

import "net/netip"

// Addresses of the lab network. Every one is in a documentation range: nothing the lab
// sends can leave the two namespaces, and no route to anything else exists in them.
var (
	VictimV4 = netip.MustParseAddr("198.51.100.2")
	VictimV6 = netip.MustParseAddr("2001:db8:5a4e::2")
	PoolV4   = netip.MustParseAddr("198.51.100.1")
	PoolV6   = netip.MustParseAddr("2001:db8:5a4e::1")
	DNSV4    = netip.MustParseAddr("198.51.100.53")
	DNSV6    = netip.MustParseAddr("2001:db8:5a4e::53")
)

// Prefix lengths of the lab link.
const (
	prefixV4 = 24
	prefixV6 = 64
)

// hostAddrs returns the IPv4 and IPv6 lab addresses of host number n (198.51.100.n).
func hostAddrs(n byte) (v4, v6 netip.Addr) {
	return netip.AddrFrom4([4]byte{198, 51, 100, n}),
		netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0x5a, 0x4e, 15: n})
}

// DNSRecord is what the lab's DNS server knows about one name: a CNAME target, or addresses.
type DNSRecord struct {
	CNAME string
	A     []netip.Addr
	AAAA  []netip.Addr
}

// Zone maps lower-case names without the final dot to their records.
type Zone map[string]DNSRecord

// LabZone is the lab's DNS data: pool names taken from saker's indicator lists
// (analyze/rules/saker_lists.yaml), some behind CNAME chains, and ordinary names.
func LabZone() Zone {
	z := Zone{}
	host := func(name string, n byte) {
		v4, v6 := hostAddrs(n)
		z[name] = DNSRecord{A: []netip.Addr{v4}, AAAA: []netip.Addr{v6}}
	}
	host("pool.supportxmr.com", 7)                                  // saker_miner_domains
	z["mine.xmrpool.net"] = DNSRecord{CNAME: "eu.mine.xmrpool.net"} // saker_https_miner_domains
	z["eu.mine.xmrpool.net"] = DNSRecord{CNAME: "edge-eu.xmrpool.net"}
	host("edge-eu.xmrpool.net", 8)
	host("stratum.antpool.com", 9)                                          // saker_miner_domains
	z["xmr.pool.minergate.com"] = DNSRecord{CNAME: "pool-lb.minergate.com"} // saker_miner_domains
	host("pool-lb.minergate.com", 10)
	z["downloads.example.org"] = DNSRecord{CNAME: "cdn.example.net"}
	host("cdn.example.net", 80)
	host("www.example.com", 81)
	return z
}

// PoolHosts are the host numbers the pool namespace answers on besides its own.
var PoolHosts = []byte{7, 8, 9, 10, 80, 81, SSHHost}

// Pool ports the fake pool listens on: a stratum port, 443 (pools that hide behind the
// HTTPS port) and MinerGate's 45700.
var PoolPorts = []int{3333, 443, 45700}
