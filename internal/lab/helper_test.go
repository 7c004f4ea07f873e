package lab

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"testing"
)

// helperEnv, set to "pool", makes TestLabHelper the lab's pool namespace servers.
const helperEnv = "SAKER_LAB_HELPER"

// TestLabHelper is not a test: TestLab runs the test binary again inside the pool namespace
// with SAKER_LAB_HELPER=pool, and this serves the fake pool on PoolPorts, DNS on the DNS
// addresses, downloads on port 80 and SSH banners on port 22, prints "ready", and stops when
// its stdin closes.
func TestLabHelper(t *testing.T) {
	if os.Getenv(helperEnv) != "pool" {
		t.Skip("the lab's pool namespace server; TestLab starts it")
	}
	var closers []io.Closer
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "lab helper:", err)
		os.Exit(1)
	}
	for _, port := range PoolPorts {
		ln, err := net.Listen("tcp", ":"+strconv.Itoa(port))
		if err != nil {
			fail(err)
		}
		closers = append(closers, ln)
		go ServePool(ln)
	}
	ln, err := net.Listen("tcp", ":80")
	if err != nil {
		fail(err)
	}
	closers = append(closers, ln)
	go ServeDownloads(ln)
	ln, err = net.Listen("tcp", ":22")
	if err != nil {
		fail(err)
	}
	closers = append(closers, ln)
	go ServeSSH(ln)
	// DNS binds to its own addresses: replies must come from the address the resolver
	// asked, which a wildcard socket does not ensure.
	for _, a := range []netip.Addr{DNSV4, DNSV6} {
		pc, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(a, 53)))
		if err != nil {
			fail(err)
		}
		closers = append(closers, pc)
		go ServeDNS(pc, LabZone())
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	for _, c := range closers {
		c.Close()
	}
}
