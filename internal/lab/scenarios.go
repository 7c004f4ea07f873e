package lab

import "time"

// Wallet is the Monero address the lab's miners log in with (an example address from
// XMRig's documentation).
const Wallet = "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"

// Scenario is one thing the lab does in the victim namespace and the findings it must make.
type Scenario struct {
	// Name is short and unique; it keys the scenario's pid in a capture's lab.json.
	Name  string
	Title string
	// Program and Args are run in the victim namespace, with "{dir}" (the lab's working
	// directory, holding bin/), "{tmp}" (its directory under /tmp) and "{testdata}"
	// (testdata/lab) substituted. Env is added to the environment.
	Program string
	Args    []string
	Env     []string
	// Before starts the scenario before the capture and stops it after: the capture sees
	// a process already running, with its connection already open. Such a program prints
	// "connected" when it is under way.
	Before bool
	// Container starts the program in the lab container's cgroup (Cgroup), with the
	// container's image laid out under {dir}/ctr (Image).
	Container bool
	// Timeout bounds the scenario's run (a minute when zero); a scenario still running then
	// is killed and fails.
	Timeout time.Duration
	Expect  []Expect
}

// Capture is one `saker capture` run of the lab and the scenarios played during it.
type Capture struct {
	// Name is the capture's directory name under testdata/captures.
	Name      string
	Scenarios []Scenario
	// Pool are the findings of the pool namespace's server process during this capture.
	Pool []Expect
}

// payload is the rule on mining JSON-RPC in socket payloads.
const payload = "Mining Protocol in Socket Payload"

// Captures is the lab: six captures, so that each stays short and small.
var Captures = []Capture{
	{
		Name: "lab-miners",
		Scenarios: []Scenario{
			{
				Name:    "s1-xmrig",
				Title:   "xmrig resolves pool.supportxmr.com, connects on 3333 and logs in (Monero dialect)",
				Program: "{dir}/bin/xmrig", Args: []string{"-o", "pool.supportxmr.com:3333", "-u", Wallet, "-p", "x"},
				Env: []string{"LAB_NET=tcp4"},
				Expect: []Expect{
					{Rule: "Known Miner Binary Executed", Root: true, Fields: map[string]string{"container.id": hostContainer,
						"proc.name": "xmrig", "proc.exepath": "{dir}/bin/xmrig",
						"proc.cmdline": "xmrig -o pool.supportxmr.com:3333 -u " + Wallet + " -p x"}},
					{Rule: payload, Root: true, Fields: map[string]string{"container.id": hostContainer, "proc.name": "xmrig", "evt.type": "write",
						"fd.name": "*->198.51.100.7:3333", "evt.buffer": `{"id":1,"jsonrpc":"2.0","method":"login",*"agent":"XMRig/*`}},
					{Rule: payload, Root: true, Fields: map[string]string{"container.id": hostContainer, "proc.name": "xmrig", "evt.type": "read",
						"fd.name": "*->198.51.100.7:3333", "evt.buffer": `{"jsonrpc":"2.0","method":"job","params":{*"blob":*`}},
					{Rule: payload, Root: true, Fields: map[string]string{"container.id": hostContainer, "proc.name": "xmrig", "evt.type": "read",
						"fd.name": "*->198.51.100.7:3333", "saker.stratum.msg": "login_reply"}},
					{Rule: payload, Root: true, Fields: map[string]string{"container.id": hostContainer, "proc.name": "xmrig", "evt.type": "write",
						"fd.name": "*->198.51.100.7:3333", "saker.stratum.msg": "submit", "evt.buffer": `*"method":"submit"*`}},
					{Rule: "Outbound Connection to Mining Pool", Root: true, Fields: map[string]string{"container.id": hostContainer,
						"proc.name": "xmrig", "fd.sip.name": `["pool.supportxmr.com"]`, "fd.name": "198.51.100.2:*->198.51.100.7:3333",
						"fd.l4proto": "tcp", "saker.dns": "pool.supportxmr.com=198.51.100.7 asked by {pid}"}},
					{Rule: "DNS Lookup of Mining Pool Domain", Root: true, Fields: map[string]string{"container.id": hostContainer,
						"proc.name": "xmrig", "dns.query.name": "pool.supportxmr.com", "dns.query.type": "A",
						"dns.answer.ip": `["198.51.100.7"]`, "dns.server": "198.51.100.53", "dns.client": "198.51.100.2"}},
				},
			},
			{
				Name:    "s2-renamed",
				Title:   "the miner renamed syncd, pool mine.xmrpool.net:443 (CNAME chain, IPv6) in a config file",
				Program: "{dir}/bin/syncd", Args: []string{"-c", "{dir}/etc/syncd.json"},
				Env: []string{"LAB_NET=tcp6"},
				Expect: []Expect{
					{Rule: payload, Root: true, Fields: map[string]string{"container.id": hostContainer, "proc.name": "syncd", "evt.type": "write",
						"fd.name": "*->[2001:db8:5a4e::8]:443", "evt.buffer": `{"id":1,"jsonrpc":"2.0","method":"login",*"agent":"XMRig/*`}},
					{Rule: payload, Root: true, Fields: map[string]string{"container.id": hostContainer, "proc.name": "syncd", "evt.type": "read",
						"fd.name": "*->[2001:db8:5a4e::8]:443", "evt.buffer": `{"jsonrpc":"2.0","method":"job","params":{*"blob":*`}},
					{Rule: payload, Root: true, Fields: map[string]string{"container.id": hostContainer, "proc.name": "syncd", "evt.type": "read",
						"fd.name": "*->[2001:db8:5a4e::8]:443", "saker.stratum.msg": "login_reply"}},
					{Rule: payload, Root: true, Fields: map[string]string{"container.id": hostContainer, "proc.name": "syncd", "evt.type": "write",
						"fd.name": "*->[2001:db8:5a4e::8]:443", "saker.stratum.msg": "submit", "evt.buffer": `*"method":"submit"*`}},
					{Rule: "Outbound Connection to Mining Pool", Root: true, Fields: map[string]string{"container.id": hostContainer,
						"proc.name": "syncd", "fd.name": "[2001:db8:5a4e::2]:*->[2001:db8:5a4e::8]:443", "fd.l4proto": "tcp",
						"fd.sip.name": `["mine.xmrpool.net","eu.mine.xmrpool.net","edge-eu.xmrpool.net"]`,
						"saker.dns": "mine.xmrpool.net=2001:db8:5a4e::8 asked by {pid}, eu.mine.xmrpool.net=2001:db8:5a4e::8 asked by {pid}, " +
							"edge-eu.xmrpool.net=2001:db8:5a4e::8 asked by {pid}"}},
					{Rule: "DNS Lookup of Mining Pool Domain", Root: true, Fields: map[string]string{"container.id": hostContainer,
						"proc.name": "syncd", "dns.query.name": "mine.xmrpool.net", "dns.query.type": "AAAA",
						"dns.answer.ip": `["2001:db8:5a4e::8"]`, "dns.server": "198.51.100.53", "dns.client": "198.51.100.2"}},
				},
			},
			{
				Name:    "s3-stratum-uri",
				Title:   "a renamed Stratum v1 miner started with stratum+tcp://stratum.antpool.com:3333",
				Program: "{dir}/bin/netmon",
				Args:    []string{"-a", "sha256d", "-o", "stratum+tcp://stratum.antpool.com:3333", "-u", "lab.worker3", "-p", "x"},
				Env:     []string{"LAB_NET=tcp4"},
				Expect: []Expect{
					{Rule: "Stratum URI in Command Line", Root: true, Fields: map[string]string{"container.id": hostContainer, "proc.name": "netmon",
						"proc.cmdline": "netmon -a sha256d -o stratum+tcp://stratum.antpool.com:3333 -u lab.worker3 -p x"}},
					// The lab's launcher (`ip netns exec NS netmon ...`) carries the same command line
					// but is a wrapper: the one finding is on netmon.
					{Rule: payload, Root: true, Fields: map[string]string{"container.id": hostContainer, "proc.name": "netmon", "evt.type": "write",
						"fd.name": "*->198.51.100.9:3333", "evt.buffer": `{"id":1,"method":"mining.subscribe"*`}},
					{Rule: payload, Root: true, Fields: map[string]string{"container.id": hostContainer, "proc.name": "netmon", "evt.type": "write",
						"fd.name": "*->198.51.100.9:3333", "evt.buffer": `{"id":2,"method":"mining.authorize"*`}},
					{Rule: payload, Root: true, Fields: map[string]string{"container.id": hostContainer, "proc.name": "netmon", "evt.type": "write",
						"fd.name": "*->198.51.100.9:3333", "evt.buffer": `{"id":3,"method":"mining.submit"*`}},
					// The pool's replies and pushes (subscribe result, set_difficulty, notify) arrive in
					// as many reads as TCP makes of them: each is a Stratum message of its own.
					{Rule: payload, Root: true, Fields: map[string]string{"container.id": hostContainer, "proc.name": "netmon", "evt.type": "read",
						"fd.name": "*->198.51.100.9:3333", "evt.buffer": "*mining.*"}},
					{Rule: "Outbound Connection to Mining Pool", Root: true, Fields: map[string]string{"container.id": hostContainer,
						"proc.name": "netmon", "fd.sip.name": `["stratum.antpool.com"]`, "fd.name": "198.51.100.2:*->198.51.100.9:3333",
						"fd.l4proto": "tcp", "saker.dns": "stratum.antpool.com=198.51.100.9 asked by {pid}"}},
					{Rule: "DNS Lookup of Mining Pool Domain", Root: true, Fields: map[string]string{"container.id": hostContainer,
						"proc.name": "netmon", "dns.query.name": "stratum.antpool.com", "dns.query.type": "A",
						"dns.answer.ip": `["198.51.100.9"]`, "dns.server": "198.51.100.53", "dns.client": "198.51.100.2"}},
				},
			},
			{
				Name:    "s6-running",
				Title:   "a miner (kdevtmpfsi) started before the capture keeps submitting shares on its open connection",
				Before:  true,
				Program: "{dir}/bin/kdevtmpfsi",
				Args:    []string{"-a", "sha256d", "-o", "xmr.pool.minergate.com:45700", "-u", "lab.worker6", "-p", "x"},
				Env:     []string{"LAB_NET=tcp4", "LAB_SUBMITS=0", "LAB_INTERVAL=300ms"},
				Expect: []Expect{
					// The socket was opened before the capture in the victim's network namespace,
					// whose /proc/net the snapshot does not read: the tuple the sensor records
					// with each read and write names the connection.
					{Rule: payload, Root: true, Fields: map[string]string{"container.id": hostContainer, "proc.name": "kdevtmpfsi",
						"evt.type": "write", "evt.buffer": `{"id":*,"method":"mining.submit"*`, "fd.name": "*->198.51.100.10:45700"}},
					{Rule: payload, Root: true, Fields: map[string]string{"container.id": hostContainer, "proc.name": "kdevtmpfsi",
						"evt.type": "read", "evt.buffer": "*mining.*", "fd.name": "*->198.51.100.10:45700"}},
				},
			},
		},
		Pool: []Expect{
			{Rule: payload, Root: true, Fields: map[string]string{"container.id": hostContainer, "evt.type": "read", "fd.name": "198.51.100.2:*->198.51.100.*:3333"}},
			{Rule: payload, Root: true, Fields: map[string]string{"container.id": hostContainer, "evt.type": "write", "fd.name": "198.51.100.2:*->198.51.100.*:3333"}},
			{Rule: payload, Root: true, Fields: map[string]string{"container.id": hostContainer, "evt.type": "read", "fd.name": "[2001:db8:5a4e::2]:*->[2001:db8:5a4e::8]:443"}},
			{Rule: payload, Root: true, Fields: map[string]string{"container.id": hostContainer, "evt.type": "write", "fd.name": "[2001:db8:5a4e::2]:*->[2001:db8:5a4e::8]:443"}},
			// The pool's side of s6's connection, accepted before the capture: named client->server
			// like every accepted connection.
			{Rule: payload, Root: true, Fields: map[string]string{"container.id": hostContainer, "fd.name": "*->*:45700"}},
		},
	},
	{
		Name: "lab-host",
		Scenarios: []Scenario{
			{
				Name: "s4-setuid", Title: "chmod u+s on a dropped binary",
				Program: "sh", Args: []string{"{testdata}/setuid.sh"},
				Expect: []Expect{
					{Rule: "Setuid or Setgid Bit Set", Fields: map[string]string{"container.id": hostContainer, "proc.name": "chmod",
						"fd.name": "{dir}/drop/.sshd", "proc.cmdline": "chmod u+s {dir}/drop/.sshd",
						"evt.arg.mode": "04755*"}},
				},
			},
			{
				Name: "s5-drift", Title: "a 0755 binary written under /tmp and run; a program run from a memfd",
				Program: "sh", Args: []string{"{testdata}/drift.sh"},
				Expect: []Expect{
					{Rule: "Execution from Temporary Directory", Fields: map[string]string{"container.id": hostContainer, "proc.name": "kworkerds",
						"proc.exepath": "{tmp}/kworkerds", "proc.cmdline": "kworkerds --background"}},
					{Rule: "Process Masquerading as Kernel Thread", Fields: map[string]string{"container.id": hostContainer, "proc.name": "kworkerds",
						"proc.exepath": "{tmp}/kworkerds", "proc.cmdline": "kworkerds --background"}},
					{Rule: "Fileless Execution from Memfd", Fields: map[string]string{"container.id": hostContainer,
						"proc.exepath": "*memfd:lab-payload*", "proc.cmdline": "* --background", "proc.pname": "sh"}},
				},
			},
			{
				Name: "s7-tuning", Title: "vm.nr_hugepages opened for writing (nothing written: no finding); modprobe msr allow_writes=on, which fails",
				Program: "sh", Args: []string{"{testdata}/tuning.sh"},
				Expect: []Expect{
					{Rule: "Msr Kernel Module Load Attempted", Fields: map[string]string{"container.id": hostContainer, "proc.name": "modprobe",
						"evt.type": "execve", "proc.cmdline": "modprobe msr allow_writes=on"}},
				},
			},
			{
				Name: "s10-ssh-worm", Title: "a program that is not an SSH client opens SSH connections to a lab host, as a spreading worm",
				Program: "{dir}/bin/labtool", Args: []string{"sshprobe", "198.51.100.22:22", "[2001:db8:5a4e::16]:22"},
				Expect: []Expect{
					{Rule: "Outbound SSH from Unexpected Process", Root: true, Fields: map[string]string{"container.id": hostContainer,
						"proc.name": "labtool", "proc.cmdline": "labtool sshprobe 198.51.100.22:22 [2001:db8:5a4e::16]:22",
						"fd.name": "198.51.100.2:*->198.51.100.22:22"}},
					{Rule: "Outbound SSH from Unexpected Process", Root: true, Fields: map[string]string{"container.id": hostContainer,
						"proc.name": "labtool", "fd.name": "[2001:db8:5a4e::2]:*->[2001:db8:5a4e::16]:22"}},
				},
			},
			{
				Name: "s11-ssh-client", Title: "an SSH client (the lab's stand-in, named ssh) connects to port 22 of the same host",
				Program: "{dir}/bin/ssh", Args: []string{"-p", "22", "lab@198.51.100.22"},
				// No finding: ssh is in saker_ssh_client_binaries.
			},
		},
	},
	{
		Name: "lab-container",
		Scenarios: []Scenario{
			{
				Name:  "s9-container",
				Title: "a container (cgroup docker-ID.scope, overlayfs root, own mount and pid namespaces) drops a binary, chmods a script, runs xmrig",
				// The launcher and unshare start in the container's cgroup too, as a
				// runtime's init does: everything from the scenario's pid on is in the
				// container.
				Container: true,
				Program:   "unshare",
				Args: []string{"--mount", "--pid", "--fork", "--kill-child",
					"{dir}/bin/labtool", "container", "{dir}/ctr", "{testdata}/container.steps"},
				Expect: []Expect{
					{Rule: "Container Drift Executable Created", Fields: map[string]string{"container.id": ShortContainerID,
						"proc.name": "labtool", "proc.cmdline": "labtool drop /usr/local/bin/kswapd0 --background",
						"fd.name": "/usr/local/bin/kswapd0", "evt.arg.mode": "0755(*"}},
					{Rule: "Container Drift Upper Layer Executed", Fields: map[string]string{"container.id": ShortContainerID,
						"proc.name": "kswapd0", "proc.exepath": "/usr/local/bin/kswapd0", "proc.cmdline": "kswapd0 --background",
						"proc.pname": "labtool"}},
					{Rule: "Process Masquerading as Kernel Thread", Fields: map[string]string{"container.id": ShortContainerID,
						"proc.name": "kswapd0", "proc.exepath": "/usr/local/bin/kswapd0", "proc.cmdline": "kswapd0 --background",
						"proc.pname": "labtool"}},
					{Rule: "Container Drift Chmod Executable", Fields: map[string]string{"container.id": ShortContainerID,
						"proc.name": "chmod", "proc.cmdline": "chmod +x /opt/app/update.sh", "fd.name": "/opt/app/update.sh",
						"evt.arg.mode": "0755(*"}},
					{Rule: "Known Miner Binary Executed", Fields: map[string]string{"container.id": ShortContainerID,
						"proc.name": "xmrig", "proc.exepath": "/bin/xmrig",
						"proc.cmdline": "xmrig -o pool.supportxmr.com:3333 -u " + Wallet + " -p x"}},
					{Rule: payload, Fields: map[string]string{"container.id": ShortContainerID, "proc.name": "xmrig", "evt.type": "write",
						"fd.name": "198.51.100.2:*->198.51.100.7:3333", "evt.buffer": `{"id":1,"jsonrpc":"2.0","method":"login",*"agent":"XMRig/*`}},
					{Rule: payload, Fields: map[string]string{"container.id": ShortContainerID, "proc.name": "xmrig", "evt.type": "read",
						"fd.name": "198.51.100.2:*->198.51.100.7:3333", "evt.buffer": `{"jsonrpc":"2.0","method":"job","params":{*"blob":*`}},
					{Rule: payload, Fields: map[string]string{"container.id": ShortContainerID, "proc.name": "xmrig", "evt.type": "read",
						"fd.name": "198.51.100.2:*->198.51.100.7:3333", "saker.stratum.msg": "login_reply"}},
					{Rule: payload, Fields: map[string]string{"container.id": ShortContainerID, "proc.name": "xmrig", "evt.type": "write",
						"fd.name": "198.51.100.2:*->198.51.100.7:3333", "saker.stratum.msg": "submit", "evt.buffer": `*"method":"submit"*`}},
					{Rule: "Outbound Connection to Mining Pool", Fields: map[string]string{"container.id": ShortContainerID,
						"proc.name": "xmrig", "fd.sip.name": `["pool.supportxmr.com"]`, "fd.name": "198.51.100.2:*->198.51.100.7:3333",
						"fd.l4proto": "tcp", "saker.dns": "pool.supportxmr.com=198.51.100.7 asked by {self}"}},
					{Rule: "DNS Lookup of Mining Pool Domain", Fields: map[string]string{"container.id": ShortContainerID,
						"proc.name": "xmrig", "dns.query.name": "pool.supportxmr.com", "dns.query.type": "A",
						"dns.answer.ip": `["198.51.100.7"]`, "dns.server": "198.51.100.53", "dns.client": "198.51.100.2"}},
				},
			},
		},
		Pool: []Expect{
			{Rule: payload, Root: true, Fields: map[string]string{"container.id": hostContainer, "evt.type": "read",
				"fd.name": "198.51.100.2:*->198.51.100.7:3333"}},
			{Rule: payload, Root: true, Fields: map[string]string{"container.id": hostContainer, "evt.type": "write",
				"fd.name": "198.51.100.2:*->198.51.100.7:3333"}},
		},
	},
	{
		Name: "lab-benign",
		Scenarios: []Scenario{
			{
				Name:    "s8-benign",
				Title:   "DNS lookups and a download of ordinary names, package-like writes, a loopback service, a compile",
				Program: "sh", Args: []string{"{testdata}/benign.sh"},
				// No finding at all.
			},
		},
	},
	killChainCapture,
	lookalikeCapture,
	evasionCapture,
}
