package main

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"saker/internal/uring"
)

// uringMiner resolves host (with the system resolver, as a miner asks for its pool) and then,
// through io_uring requests only, opens file, connects to host:port, sends an XMRig-style
// login with wallet and reads the pool's reply: a miner that keeps its file and network work
// out of the system calls a sensor sees.
func uringMiner(hostport, file, wallet string) error {
	host, portStr, err := net.SplitHostPort(hostport)
	if err != nil {
		return err
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return fmt.Errorf("port %q: %w", portStr, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ips, err := net.DefaultResolver.LookupIP(ctx, "ip4", host)
	if err != nil {
		return err
	}
	login := fmt.Sprintf(`{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":%q,"pass":"x","agent":"XMRig/6.21.0 (Linux x86_64) io_uring"}}`+"\n", wallet)
	return uring.Workload(file, [4]byte(ips[0].To4()), port, login)
}
