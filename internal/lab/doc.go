// Package lab is saker's attack lab: it builds a private network of two Linux network
// namespaces on documentation addresses (198.51.100.0/24, 2001:db8::/32), runs a fake
// mining pool, a DNS server, a download server and an SSH banner in one, plays
// cryptojacking scenarios and benign work in the other, one of them in a container made
// without a container engine (a docker-ID.scope cgroup, an overlayfs root, its own mount and
// pid namespaces), while `saker capture` records the host, and checks that
// `saker analyze --json` reports exactly the expected findings for the lab's processes.
//
// The servers (Zone, ServeDNS, ServePool, ServeDownloads, ServeSSH) are ordinary Go and run
// anywhere; the namespaces (Setup, with iproute2; the container, with unshare) and the
// container's cgroup (NewCgroup) need root. The scenarios and their expected findings
// are the table in scenarios.go, documented in testdata/lab/README.md; TestLab runs them
// live as root, TestLabCaptures replays the recorded copies under testdata/captures/lab-*.
package lab
