package lab

// XMRigCapture is a real XMRig (6.26, built from source; never committed) run three ways in
// the victim namespace against the lab's DNS and pool: under its own name with a stratum
// port, renamed with a config file pointing at a pool domain on port 443, and renamed with
// "tls": true (the lab's pool does not speak TLS, so XMRig sends its ClientHello and
// retries; XMRig sends the server name only with the pool option "sni": true, which the
// TLS run sets). Each run is held by `timeout` and uses one thread at a quarter of the CPU, with
// RandomX in light mode (256 MB, no 2 GB dataset). TestXMRig records it when SAKER_XMRIG
// names the binary; TestLabCaptures replays the committed capture.
var XMRigCapture = Capture{
	Name: "lab-xmrig",
	Scenarios: []Scenario{
		{
			Name:    "x1-plain",
			Title:   "xmrig -o pool.supportxmr.com:3333, one thread, under timeout",
			Program: "timeout",
			Args: append([]string{"--preserve-status", "-s", "INT", "-k", "5", "6", "{dir}/bin/xmrig", "-o", "pool.supportxmr.com:3333", "-u", Wallet, "-p", "x"},
				xmrigArgs...),
			Expect: []Expect{
				{Rule: "Known Miner Binary Executed", Fields: map[string]string{"container.id": hostContainer, "proc.name": "xmrig",
					"proc.exepath": "{dir}/bin/xmrig"}},
				xmrigExpect("xmrig", "Miner Command-Line Flags", nil),
				xmrigExpect("xmrig", "DNS Lookup of Mining Pool Domain", map[string]string{"dns.query.name": "pool.supportxmr.com"}),
				xmrigExpect("xmrig", "Outbound Connection to Mining Pool", map[string]string{"fd.sip.name": `["pool.supportxmr.com"]`}),
				xmrigExpect("xmrig", payload, map[string]string{"saker.stratum.msg": "login", "evt.type": "write", "fd.name": "*:3333"}),
				xmrigExpect("xmrig", payload, map[string]string{"saker.stratum.msg": "login_reply", "evt.type": "read"}),
				xmrigExpect("xmrig", payload, map[string]string{"saker.stratum.msg": "job", "evt.type": "read"}),
				xmrigExpect("xmrig", "Huge Pages Raised", map[string]string{
					"fd.name": "/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages"}),
			},
		},
		{
			Name:    "x2-renamed-443",
			Title:   "the miner renamed syncd, config file with pool.supportxmr.com:443 (a stratum-port domain on 443)",
			Program: "timeout",
			Args:    append([]string{"--preserve-status", "-s", "INT", "-k", "5", "6", "{dir}/bin/syncd", "-c", "{dir}/etc/syncd.json"}, xmrigArgs...),
			Expect: []Expect{
				xmrigExpect("syncd", "Miner Command-Line Flags", nil),
				xmrigExpect("syncd", "DNS Lookup of Mining Pool Domain", map[string]string{"dns.query.name": "pool.supportxmr.com"}),
				xmrigExpect("syncd", "Outbound Connection to Mining Pool", map[string]string{"fd.sip.name": `["pool.supportxmr.com"]`}),
				xmrigExpect("syncd", payload, map[string]string{"saker.stratum.msg": "login", "evt.type": "write", "fd.name": "*:443"}),
				xmrigExpect("syncd", payload, map[string]string{"saker.stratum.msg": "login_reply", "evt.type": "read"}),
				xmrigExpect("syncd", payload, map[string]string{"saker.stratum.msg": "job", "evt.type": "read"}),
				// No huge page finding: the pages the first run raised are still there.
			},
		},
		{
			Name:    "x3-tls",
			Title:   "the miner renamed dbus-sync, config file with pool.supportxmr.com:443 and \"tls\": true",
			Program: "timeout",
			Args:    append([]string{"--preserve-status", "-s", "INT", "-k", "5", "6", "{dir}/bin/dbus-sync", "-c", "{dir}/etc/tls.json"}, xmrigArgs...),
			Expect: []Expect{
				xmrigExpect("dbus-sync", "Miner Command-Line Flags", nil),
				xmrigExpect("dbus-sync", "DNS Lookup of Mining Pool Domain", map[string]string{"dns.query.name": "pool.supportxmr.com"}),
				xmrigExpect("dbus-sync", "Outbound Connection to Mining Pool", map[string]string{"fd.sip.name": `["pool.supportxmr.com"]`}),
				xmrigExpect("dbus-sync", "TLS Server Name of Mining Pool", map[string]string{"saker.tls.sni": "pool.supportxmr.com", "fd.name": "*:443"}),
			},
		},
	},
	Pool: []Expect{
		{Rule: payload, Root: true, Fields: map[string]string{"container.id": hostContainer, "evt.type": "read"}},
		{Rule: payload, Root: true, Fields: map[string]string{"container.id": hostContainer, "evt.type": "write"}},
	},
}

// xmrigExpect is a finding of rule on the miner named name, a child of the run's timeout,
// with the given fields besides.
func xmrigExpect(name, rule string, fields map[string]string) Expect {
	f := map[string]string{"container.id": hostContainer, "proc.name": name}
	for k, v := range fields {
		f[k] = v
	}
	return Expect{Rule: rule, Fields: f}
}

// xmrigArgs keep a real miner light: one thread, a quarter of the CPU, RandomX light mode,
// one initialisation thread.
var xmrigArgs = []string{"-t", "1", "--cpu-max-threads-hint=25", "--randomx-mode=light", "--randomx-init=1", "--no-color"}

// XMRigConfig is the config file of XMRigCapture's renamed runs.
func XMRigConfig(tls bool) string {
	return `{"autosave": false, "donate-level": 1, "pools": [{"url": "pool.supportxmr.com:443", "user": "` + Wallet +
		`", "pass": "x", "tls": ` + map[bool]string{true: "true, \"sni\": true", false: "false"}[tls] + `}]}` + "\n"
}
