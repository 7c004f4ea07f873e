package lab

import "time"

// evasionCapture plays a miner that works around a syscall sensor (issue 24): it resolves its
// pool and then opens a file, connects, logs in and reads the pool's reply through io_uring
// requests only. The capture must show it all as the syscalls the requests stand for, marked
// io_uring (saker.io_uring in the findings' JSON), and the io_uring rule must fire. The program
// is labtool (its uring subcommand) linked as uringminer.
var evasionCapture = Capture{
	Name: "lab-evasion",
	Scenarios: []Scenario{
		{
			Name:    "s12-io-uring",
			Title:   "a miner that opens a file, connects to pool.supportxmr.com:3333, logs in and reads the reply through io_uring requests",
			Program: "{dir}/bin/uringminer",
			Args:    []string{"uring", "pool.supportxmr.com:3333", "{dir}/etc/syncd.json", Wallet},
			Env:     []string{"LAB_NET=tcp4"},
			Timeout: 15 * time.Second,
			Expect: []Expect{
				// The lookup is an ordinary one (the system resolver's syscalls).
				{Rule: "DNS Lookup of Mining Pool Domain", Root: true, Fields: map[string]string{"container.id": hostContainer,
					"proc.name": "uringminer", "dns.query.name": "pool.supportxmr.com", "dns.query.type": "A",
					"dns.answer.ip": `["198.51.100.7"]`, "dns.server": "198.51.100.53", "dns.client": "198.51.100.2"}},
				{Rule: "Network Connection through io_uring", Root: true, Fields: map[string]string{"container.id": hostContainer,
					"proc.name": "uringminer", "evt.type": "connect", "evt.res": "SUCCESS", "evt.is_io_uring": "true",
					"fd.name": "198.51.100.2:*->198.51.100.7:3333", "fd.sip.name": `["pool.supportxmr.com"]`,
					"saker.io_uring": "true"}},
				{Rule: "Outbound Connection to Mining Pool", Root: true, Fields: map[string]string{"container.id": hostContainer,
					"proc.name": "uringminer", "fd.sip.name": `["pool.supportxmr.com"]`, "fd.name": "198.51.100.2:*->198.51.100.7:3333",
					"fd.l4proto": "tcp", "saker.dns": "pool.supportxmr.com=198.51.100.7 asked by {pid}", "saker.io_uring": "true"}},
				{Rule: payload, Root: true, Fields: map[string]string{"container.id": hostContainer, "proc.name": "uringminer",
					"evt.type": "sendto", "fd.name": "198.51.100.2:*->198.51.100.7:3333", "saker.stratum.msg": "login",
					"evt.buffer":     `{"id":1,"jsonrpc":"2.0","method":"login",*"agent":"XMRig/6.21.0 (Linux x86_64) io_uring"}}*`,
					"saker.io_uring": "true"}},
				{Rule: payload, Root: true, Fields: map[string]string{"container.id": hostContainer, "proc.name": "uringminer",
					"evt.type": "recvfrom", "fd.name": "198.51.100.2:*->198.51.100.7:3333", "saker.stratum.msg": "login_reply",
					"saker.io_uring": "true"}},
			},
		},
	},
	// The pool reads the login and writes its reply (and, 100 ms later, a job) with syscalls.
	Pool: []Expect{
		{Rule: payload, Root: true, Fields: map[string]string{"container.id": hostContainer, "evt.type": "read",
			"fd.name": "198.51.100.2:*->198.51.100.7:3333", "saker.stratum.msg": "login"}},
		{Rule: payload, Root: true, Fields: map[string]string{"container.id": hostContainer, "evt.type": "write",
			"fd.name": "198.51.100.2:*->198.51.100.7:3333"}},
	},
}
