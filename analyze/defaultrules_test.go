package analyze

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"saker/dns"
	"saker/event"
)

// preamble is the start snapshot every rule case runs after: users, a container, host
// processes and a PHP worker inside the container.
func preamble() []event.Event {
	ci := ev(0, event.KindContainerinfo, 0, 0, 0, A{
		"id": event.Str(minerCID), "name": event.Str("shop-web"), "image": event.Str("docker.io/library/php:8.2-fpm"),
		"labels": list("io.kubernetes.pod.name=shop-web-6c9d", "io.kubernetes.pod.namespace=shop"), "start_ts": event.Int(int64(tsBase - 60e9)),
	})
	return []event.Event{
		ev(0, event.KindUserinfo, 0, 0, 0, A{"uid": event.Int(0), "gid": event.Int(0), "name": event.Str("root"), "home": event.Str("/root")}),
		ev(0, event.KindUserinfo, 0, 0, 0, A{"uid": event.Int(33), "gid": event.Int(33), "name": event.Str("www-data"), "home": event.Str("/var/www")}),
		ci,
		procinfo(1, 0, "systemd", "/usr/lib/systemd/systemd", []string{"--system"}, "/", 0, "0::/init.scope"),
		procinfo(800, 1, "sshd", "/usr/sbin/sshd", []string{"-D"}, "/", 0, "0::/system.slice/ssh.service"),
		procinfo(900, 800, "bash", "/usr/bin/bash", nil, "/root", 0, "0::/user.slice/user-0.slice"),
		procinfo(1000, 1, "containerd-shim", "/usr/bin/containerd-shim-runc-v2", nil, "/", 0, "0::/system.slice/containerd.service"),
		procinfo(1001, 1000, "php-fpm", "/usr/local/sbin/php-fpm", nil, "/var/www/html", 33, dockerCgroup),
	}
}

// poolDNS are DNS answers seen at the start of the capture.
func poolDNS() []dns.Message {
	a := func(name, ip string) dns.Message {
		return dns.Message{
			TS: int64(tsBase), ID: 7, Response: true, QName: name, QType: dns.TypeA, Proto: event.ProtoUDP,
			Answers: []dns.Record{{Name: name, Type: dns.TypeA, TTL: 300, IP: netip.MustParseAddr(ip)}},
			Client:  netip.MustParseAddrPort("10.0.0.5:41000"), Server: netip.MustParseAddrPort("10.0.0.2:53"),
		}
	}
	return []dns.Message{
		a("pool.supportxmr.com", "198.51.100.7"),
		a("xmr.crypto-pool.fr", "198.51.100.8"),
		a("updates.example.com", "203.0.113.20"),
		a("internal-pool.supportxmr.com", "10.1.2.3"),
	}
}

func connectTo(ts uint64, pid uint32, fd int64, local, remote string) []event.Event {
	return []event.Event{
		ev(ts, event.KindSocket, pid, pid, fd, A{"domain": event.Int(event.AFInet), "type": event.Int(1)}),
		ev(ts+1, event.KindConnect, pid, pid, 0, A{"fd": event.Int(fd), "addr": sockaddr(remote), "tuple": tuple(event.ProtoTCP, local, remote)}),
	}
}

func send(ts uint64, pid uint32, fd int64, data string) event.Event {
	return ev(ts, event.KindSendto, pid, pid, int64(len(data)), A{"fd": event.Int(fd), "size": event.Int(int64(len(data))), "data": event.Str(data)})
}

func cat(parts ...[]event.Event) []event.Event { return slices.Concat(parts...) }

func one(e ...event.Event) []event.Event { return e }

// runCase replays the preamble and evs through the default rules (plus extra rules files)
// with the pool DNS answers and returns the findings.
func runCase(t *testing.T, extra string, evs []event.Event) []*Finding {
	t.Helper()
	var paths []string
	if extra != "" {
		p := filepath.Join(t.TempDir(), "extra.yaml")
		if err := os.WriteFile(p, []byte(extra), 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	rs, _, err := LoadRules(false, paths...)
	if err != nil {
		t.Fatal(err)
	}
	idx := dns.NewIndex(dns.IndexOptions{})
	for _, m := range poolDNS() {
		idx.Add(&m)
	}
	all := append(preamble(), evs...)
	res, err := Run(context.Background(), event.NewSliceSource(all...), Options{Rules: rs, Names: idx, Hostname: "victim-1"})
	if err != nil {
		t.Fatal(err)
	}
	return res.Findings
}

func ruleNames(fs []*Finding) []string {
	var n []string
	for _, f := range fs {
		n = append(n, f.Rule)
	}
	return n
}

const c2Extra = `
- list: saker_c2_domains
  items: [updates.example.com]
  override: {items: append}
`

// ruleCase is one check of a default rule: the events replayed after the preamble and
// whether rule must fire on them.
type ruleCase struct {
	name  string
	rule  string
	fire  bool
	extra string
	evs   []event.Event
}

// shellExec is a child of the preamble's root shell (pid 900) that execs path with argv.
func shellExec(ts uint64, child uint32, path string, argv ...string) []event.Event {
	return one(fork(ts, 900, child), execve(ts+1, child, path, argv, 0, "0::/user.slice/user-0.slice"))
}

// TestDefaultRules replays every case of the default-rule tables (the miner playbook's here,
// the kill chain's in killchain_rules_test.go) and requires a positive and a negative case
// for every default syscall rule.
func TestDefaultRules(t *testing.T) {
	cases := slices.Concat(minerRuleCases(t), killChainRuleCases(), evasionRuleCases())
	covered, quiet := map[string]bool{}, map[string]bool{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := ruleNames(runCase(t, c.extra, c.evs))
			if slices.Contains(got, c.rule) != c.fire {
				t.Errorf("rule %q fired=%v, want %v; findings %q", c.rule, !c.fire, c.fire, got)
			}
		})
		if c.fire {
			covered[c.rule] = true
		} else {
			quiet[c.rule] = true
		}
	}
	rs, _, err := LoadRules(false)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs.Rules {
		if r.Source != SourceSyscall {
			continue // package github tests its rules
		}
		if !covered[r.Name] {
			t.Errorf("default rule %q has no positive case", r.Name)
		}
		if !quiet[r.Name] {
			t.Errorf("default rule %q has no negative case", r.Name)
		}
		if !r.Enabled || r.Desc == "" || r.Output == "" || !slices.ContainsFunc(r.Tags, func(s string) bool { return strings.HasPrefix(s, "T1") }) {
			t.Errorf("default rule %q: enabled, desc, output and a MITRE technique tag are required", r.Name)
		}
	}
}

// minerRuleCases are the cases of the rules on the miner itself.
func minerRuleCases(t testing.TB) []ruleCase {
	const (
		pool  = "Outbound Connection to Mining Pool"
		uri   = "Stratum URI in Command Line"
		suid  = "Setuid or Setgid Bit Set"
		dCrt  = "Container Drift Executable Created"
		dChm  = "Container Drift Chmod Executable"
		dUp   = "Container Drift Upper Layer Executed"
		bin   = "Known Miner Binary Executed"
		pay   = "Mining Protocol in Socket Payload"
		sni   = "TLS Server Name of Mining Pool"
		dnsR  = "DNS Lookup of Mining Pool Domain"
		msr   = "Msr Kernel Module Loaded"
		msrA  = "Msr Kernel Module Load Attempted"
		huge  = "Huge Pages Raised"
		hugeR = "Huge Pages Released"
		flags = "Miner Command-Line Flags"
		memfd = "Fileless Execution from Memfd"
		tmp   = "Execution from Temporary Directory"
		ssh   = "Outbound SSH from Unexpected Process"
		c2    = "Connection to Listed C2 Domain"
		port  = "Outbound Connection to Mining Port"
	)
	shell := shellExec
	inCtr := func(ts uint64, child uint32, path string, fl int64, argv ...string) []event.Event {
		return one(fork(ts, 1001, child), execve(ts+1, child, path, argv, fl, dockerCgroup))
	}
	return []ruleCase{
		{"pool stratum port", pool, true, "", connectTo(10, 900, 5, "10.0.0.5:40000", "198.51.100.7:3333")},
		{"pool https", pool, true, "", connectTo(10, 900, 5, "10.0.0.5:40000", "198.51.100.8:443")},
		{"pool unnamed server", pool, false, "", connectTo(10, 900, 5, "10.0.0.5:40000", "203.0.113.20:3333")},
		{"pool private server", pool, false, "", connectTo(10, 900, 5, "10.0.0.5:40000", "10.1.2.3:3333")},
		{"pool any port", pool, true, "", connectTo(10, 900, 5, "10.0.0.5:40000", "198.51.100.7:22000")},
		{"mining port unnamed server", port, true, "", connectTo(10, 900, 5, "10.0.0.5:40000", "203.0.113.99:3333")},
		{"mining port named non-pool server", port, false, "", connectTo(10, 900, 5, "10.0.0.5:40000", "203.0.113.20:3333")},
		{"mining port named pool is the pool rule's", port, false, "", connectTo(10, 900, 5, "10.0.0.5:40000", "198.51.100.7:3333")},
		{"mining port private server", port, false, "", connectTo(10, 900, 5, "10.0.0.5:40000", "10.1.2.3:3333")},
		{"other port unnamed server", port, false, "", connectTo(10, 900, 5, "10.0.0.5:40000", "203.0.113.99:22")},
		{"pool stratum domain on 443", pool, true, "", connectTo(10, 900, 5, "10.0.0.5:40000", "198.51.100.7:443")},
		{"uri stratum+tcp", uri, true, "", shell(10, 950, "/opt/x/xmrig", "./xmrig", "-o", "stratum+tcp://pool.supportxmr.com:3333", "-u", "44AFF")},
		{"uri stratum2+ssl", uri, true, "", shell(10, 950, "/opt/x/app", "app", "--url=STRATUM2+SSL://eu.example.net:443")},
		{"uri plain url", uri, false, "", shell(10, 950, "/usr/bin/curl", "curl", "-fsSL", "https://example.com/stratum.txt")},
		{"uri grep", uri, false, "", shell(10, 950, "/usr/bin/grep", "grep", "-q", "stratum+tcp://pool.supportxmr.com:3333", "/etc/x.json")},
		{"uri wrapper timeout", uri, false, "", shell(10, 950, "/usr/bin/timeout", "timeout", "15", "/opt/x/app", "-o", "stratum+tcp://p.example:3333")},
		{"uri wrapper ip netns", uri, false, "", shell(10, 950, "/usr/sbin/ip", "ip", "netns", "exec", "lab", "/opt/x/app", "-o", "stratum+tcp://p.example:3333")},
		{"setuid chmod 04755", suid, true, "", one(ev(10, event.KindChmod, 900, 900, 0, A{"filename": event.Str("/tmp/.x/sh"), "mode": event.Int(0o4755)}))},
		{"setgid fchmodat", suid, true, "", one(ev(10, event.KindFchmodat, 900, 900, 0, A{"dirfd": event.Int(atFDCWD), "filename": event.Str("/tmp/.x/sh"), "mode": event.Int(0o2755)}))},
		{"chmod 0755", suid, false, "", one(ev(10, event.KindChmod, 900, 900, 0, A{"filename": event.Str("/tmp/.x/sh"), "mode": event.Int(0o755)}))},
		{"setuid by dpkg", suid, false, "", cat(shell(10, 950, "/usr/bin/dpkg", "dpkg", "-i", "sudo.deb"), one(ev(12, event.KindChmod, 950, 950, 0, A{"filename": event.Str("/usr/bin/sudo"), "mode": event.Int(0o4755)})))},
		{"setuid failed", suid, false, "", one(ev(10, event.KindChmod, 900, 900, -1, A{"filename": event.Str("/usr/bin/x"), "mode": event.Int(0o4755)}))},
		{"drift create exec", dCrt, true, "", one(ev(10, event.KindOpenat, 1001, 1001, 7, A{"dirfd": event.Int(atFDCWD), "name": event.Str("/tmp/kinsing"), "flags": event.Int(0o1101), "mode": event.Int(0o755)}))},
		{"drift create on host", dCrt, false, "", one(ev(10, event.KindOpenat, 900, 900, 7, A{"dirfd": event.Int(atFDCWD), "name": event.Str("/tmp/kinsing"), "flags": event.Int(0o1101), "mode": event.Int(0o755)}))},
		{"drift create no x", dCrt, false, "", one(ev(10, event.KindOpenat, 1001, 1001, 7, A{"dirfd": event.Int(atFDCWD), "name": event.Str("/tmp/sess"), "flags": event.Int(0o1101), "mode": event.Int(0o644)}))},
		{"drift chmod +x", dChm, true, "", one(ev(10, event.KindChmod, 1001, 1001, 0, A{"filename": event.Str("/tmp/kinsing"), "mode": event.Int(0o755)}))},
		{"drift chmod by runc setting up", dChm, false, "", cat(one(fork(9, 1001, 1102)),
			one(withArg(execve(10, 1102, "/usr/sbin/runc", []string{"runc", "init"}, 0, dockerCgroup), "comm", event.Str("runc:[1:CHILD]"))),
			one(ev(11, event.KindChmod, 1102, 1102, 0, A{"filename": event.Str("/var/lib/docker/overlay2/0f/merged/dev"), "mode": event.Int(0o755)})))},
		{"drift chmod 0644", dChm, false, "", one(ev(10, event.KindChmod, 1001, 1001, 0, A{"filename": event.Str("/tmp/x"), "mode": event.Int(0o644)}))},
		{"drift upper layer", dUp, true, "", inCtr(10, 1100, "/tmp/kinsing", event.ExeUpperLayer, "/tmp/kinsing")},
		{"drift lower layer", dUp, false, "", inCtr(10, 1100, "/usr/local/bin/php", event.ExeLowerLayer, "php", "-v")},
		{"miner binary xmrig", bin, true, "", shell(10, 950, "/usr/local/bin/xmrig", "xmrig")},
		{"miner binary .x1mr", bin, true, "", shell(10, 950, "/root/.x1mr", "./.x1mr")},
		{"miner binary python", bin, false, "", shell(10, 950, "/usr/bin/python3", "python3", "app.py")},
		{"payload xmrig login", pay, true, "", cat(connectTo(10, 900, 5, "10.0.0.5:40000", "203.0.113.20:80"), one(send(12, 900, 5, xmrigLogin)))},
		{"payload stratum subscribe", pay, true, "", cat(connectTo(10, 900, 5, "10.0.0.5:40000", "203.0.113.20:8080"), one(send(12, 900, 5, stratumSubscribe)))},
		{"payload eth_submitLogin", pay, true, "", cat(connectTo(10, 900, 5, "10.0.0.5:40000", "203.0.113.20:8008"), one(send(12, 900, 5, `{"id":1,"jsonrpc":"2.0","method":"eth_submitLogin","params":["0xabc"]}`+"\n")))},
		{"payload xmrig submit", pay, true, "", cat(connectTo(10, 900, 5, "10.0.0.5:40000", "203.0.113.20:443"), one(send(12, 900, 5, xmrigSubmit)))},
		{"payload xmrig keepalived", pay, true, "", cat(connectTo(10, 900, 5, "10.0.0.5:40000", "203.0.113.20:443"), one(send(12, 900, 5, xmrigKeepalived)))},
		{"payload pool login reply", pay, true, "", cat(connectTo(10, 900, 5, "10.0.0.5:40000", "203.0.113.20:443"), one(recv(12, 900, 5, poolLoginReply[:256])))},
		{"payload pool job", pay, true, "", cat(connectTo(10, 900, 5, "10.0.0.5:40000", "203.0.113.20:443"), one(recv(12, 900, 5, poolJob)))},
		{"payload http", pay, false, "", cat(connectTo(10, 900, 5, "10.0.0.5:40000", "203.0.113.20:80"), one(send(12, 900, 5, "GET /login HTTP/1.1\r\nHost: example.com\r\n\r\n")))},
		{"tls sni pool", sni, true, "", cat(connectTo(10, 900, 5, "10.0.0.5:40000", "203.0.113.20:443"), one(send(12, 900, 5, string(goClientHello(t, "pool.supportxmr.com")[:256]))))},
		{"tls sni pool upper case", sni, true, "", cat(connectTo(10, 900, 5, "10.0.0.5:40000", "203.0.113.20:8443"), one(send(12, 900, 5, string(goClientHello(t, "POOL.SUPPORTXMR.COM")))))},
		{"tls sni other", sni, false, "", cat(connectTo(10, 900, 5, "10.0.0.5:40000", "203.0.113.20:443"), one(send(12, 900, 5, string(goClientHello(t, "example.com")))))},
		{"payload login without agent", pay, false, "", cat(connectTo(10, 900, 5, "10.0.0.5:40000", "203.0.113.20:80"), one(send(12, 900, 5, `{"method":"login","params":{"user":"bob"}}`)))},
		{"dns pool response", dnsR, true, "", one(dnsEvent(10, "Pool.SupportXMR.com", true))},
		{"dns pool query only", dnsR, false, "", one(dnsEvent(10, "pool.supportxmr.com", false))},
		{"dns other domain", dnsR, false, "", one(dnsEvent(10, "updates.example.com", true))},
		{"msr finit_module", msr, true, "", one(
			ev(10, event.KindOpenat, 900, 900, 6, A{"dirfd": event.Int(atFDCWD), "name": event.Str("/lib/modules/6.8.0-45-generic/kernel/arch/x86/kernel/msr.ko.zst"), "flags": event.Int(0o2000000)}),
			ev(11, event.KindFinitModule, 900, 900, 0, A{"fd": event.Int(6), "uargs": event.Str("allow_writes=on")}))},
		{"msr modprobe is an attempt", msrA, true, "", shell(10, 950, "/usr/sbin/modprobe", "modprobe", "msr", "allow_writes=on")},
		{"msr modprobe started is no load", msr, false, "", shell(10, 950, "/usr/sbin/modprobe", "modprobe", "msr", "allow_writes=on")},
		{"msr modprobe exit 0 is a load", msr, true, "", cat(shell(10, 950, "/usr/sbin/modprobe", "modprobe", "msr", "allow_writes=on"), one(exit(20, 950, 0)))},
		{"msr modprobe exit 1 is no load", msr, false, "", cat(shell(10, 950, "/usr/sbin/modprobe", "modprobe", "msr", "allow_writes=on"), one(exit(20, 950, 1<<8)))},
		{"msr finit_module refused", msrA, true, "", one(
			ev(10, event.KindOpenat, 900, 900, 6, A{"dirfd": event.Int(atFDCWD), "name": event.Str("/lib/modules/6.8.0-45-generic/kernel/arch/x86/kernel/msr.ko.zst"), "flags": event.Int(0o2000000)}),
			ev(11, event.KindFinitModule, 900, 900, -1, A{"fd": event.Int(6), "uargs": event.Str("allow_writes=on")}))},
		{"modprobe other", msrA, false, "", shell(10, 950, "/usr/sbin/modprobe", "modprobe", "nf_conntrack")},
		{"hugepages write", huge, true, "", writeFile(10, 900, "/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages", "1168")},
		{"hugepages sysctl", huge, true, "", cat(shell(10, 950, "/usr/sbin/sysctl", "sysctl", "-w", "vm.nr_hugepages=1280"), writeFile(12, 950, "/proc/sys/vm/nr_hugepages", "1280\n"))},
		{"hugepages write 0", huge, false, "", writeFile(10, 900, "/proc/sys/vm/nr_hugepages", "0\n")},
		{"hugepages released", hugeR, true, "", writeFile(10, 900, "/proc/sys/vm/nr_hugepages", "0\n")},
		{"hugepages raised is no release", hugeR, false, "", writeFile(10, 900, "/proc/sys/vm/nr_hugepages", "1168\n")},
		{"hugepages open only", huge, false, "", one(ev(10, event.KindOpenat, 900, 900, 6, A{"dirfd": event.Int(atFDCWD), "name": event.Str("/proc/sys/vm/nr_hugepages"), "flags": event.Int(1)}))},
		{"miner flags", flags, true, "", shell(10, 950, "/opt/.cache/systemd-helper", "systemd-helper", "--donate-level=1", "--cpu-priority", "5", "--algo=rx/0")},
		{"miner flags under timeout", flags, false, "", shell(10, 950, "/usr/bin/timeout", "timeout", "15", "/opt/x/syncd", "--donate-level=1")},
		{"miner flags under sh -c", flags, false, "", shell(10, 950, "/bin/sh", "sh", "-c", "/opt/x/syncd --donate-level=1")},
		{"miner flags in grep", flags, false, "", shell(10, 950, "/usr/bin/grep", "grep", "--", "--donate-level", "/etc/x.conf")},
		{"ordinary flags", flags, false, "", shell(10, 950, "/usr/bin/nice", "nice", "-n", "5", "make", "--jobs=4")},
		{"memfd exec", memfd, true, "", one(fork(10, 900, 950), execve(11, 950, "memfd:x (deleted)", []string{"[kworker/u8:2]"}, event.ExeFromMemfd, ""))},
		{"disk exec", memfd, false, "", shell(10, 950, "/usr/bin/ls", "ls")},
		{"tmp exec /dev/shm", tmp, true, "", shell(10, 950, "/dev/shm/.x/kdevtmpfsi", "kdevtmpfsi")},
		{"tmp exec /var/tmp", tmp, true, "", shell(10, 950, "/var/tmp/.ICE-unix/sshd", "sshd")},
		{"usr exec", tmp, false, "", shell(10, 950, "/usr/bin/id", "id")},
		{"ssh from python", ssh, true, "", cat(shell(10, 950, "/usr/bin/python3", "python3", "spread.py"), connectTo(12, 950, 3, "10.0.0.5:41022", "10.0.0.77:22"))},
		{"ssh from ssh", ssh, false, "", cat(shell(10, 950, "/usr/bin/ssh", "ssh", "admin@10.0.0.77"), connectTo(12, 950, 3, "10.0.0.5:41022", "10.0.0.77:22"))},
		{"c2 listed", c2, true, c2Extra, connectTo(10, 900, 5, "10.0.0.5:40000", "203.0.113.20:443")},
		{"c2 default empty", c2, false, "", connectTo(10, 900, 5, "10.0.0.5:40000", "203.0.113.20:443")},
	}
}

// recv is a read of data on fd.
func recv(ts uint64, pid uint32, fd int64, data string) event.Event {
	return ev(ts, event.KindRead, pid, pid, int64(len(data)), A{"fd": event.Int(fd), "size": event.Int(int64(len(data))), "data": event.Str(data)})
}

// writeFile opens path for writing as fd 6 and writes data to it.
func writeFile(ts uint64, pid uint32, path, data string) []event.Event {
	return one(ev(ts, event.KindOpenat, pid, pid, 6, A{"dirfd": event.Int(atFDCWD), "name": event.Str(path), "flags": event.Int(0o1001)}),
		ev(ts+1, event.KindWrite, pid, pid, int64(len(data)), A{"fd": event.Int(6), "size": event.Int(int64(len(data))), "data": event.Str(data)}))
}

// exit is the exit of process pid with wait status status.
func exit(ts uint64, pid uint32, status int64) event.Event {
	return ev(ts, event.KindProcexit, pid, pid, 0, A{"status": event.Int(status)})
}

// dnsEvent is a dns meta event as replay makes it from a captured message.
func dnsEvent(ts uint64, qname string, response bool) event.Event {
	m := dns.Message{TS: int64(tsBase + ts), ID: 9, Response: response, QName: qname, QType: dns.TypeA, Proto: event.ProtoUDP,
		Client: netip.MustParseAddrPort("10.0.0.5:41000"), Server: netip.MustParseAddrPort("10.0.0.2:53")}
	if response {
		m.Answers = []dns.Record{{Name: qname, Type: dns.TypeA, TTL: 60, IP: netip.MustParseAddr("198.51.100.7")}}
	}
	var e event.Event
	dns.Event(&m, tsBase+ts, &e)
	return *e.Clone()
}

func TestPoolFindingDetail(t *testing.T) {
	evs := cat(shell10(), connectTo(20, 950, 5, "10.0.0.5:40000", "198.51.100.7:3333"))
	fs := runCase(t, "", evs)
	var f *Finding
	for _, x := range fs {
		if x.Rule == "Outbound Connection to Mining Pool" {
			f = x
		}
	}
	if f == nil {
		t.Fatalf("no pool finding in %q", ruleNames(fs))
	}
	want := "Outbound connection to mining pool (server=pool.supportxmr.com connection=10.0.0.5:40000->198.51.100.7:3333 proto=tcp process=xmrig pid=950 exepath=/tmp/.x1mr/xmrig command=xmrig -o stratum+tcp://pool.supportxmr.com:3333 parent=bash user=root container=host image=<NA>)"
	if f.Output != want {
		t.Errorf("output\n got %s\nwant %s", f.Output, want)
	}
	if f.PID != 950 || f.ProcKey == 0 || f.EventNum == 0 {
		t.Errorf("finding refs: pid %d key %d num %d", f.PID, f.ProcKey, f.EventNum)
	}
	if len(f.DNS) != 1 || f.DNS[0].Name != "pool.supportxmr.com" || f.DNS[0].QName != "pool.supportxmr.com" || f.DNS[0].TTL != 300 {
		t.Errorf("dns evidence %+v", f.DNS)
	}
	js, err := f.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`"rule":"Outbound Connection to Mining Pool"`, `"priority":"Critical"`, `"hostname":"victim-1"`, `"container.image.repository":null`, `"fd.sip.name":["pool.supportxmr.com"]`, `"saker":{"evt_num":`, `"dns":[{"ip":"198.51.100.7","name":"pool.supportxmr.com"`} {
		if !strings.Contains(string(js), s) {
			t.Errorf("json lacks %s:\n%s", s, js)
		}
	}
}

func shell10() []event.Event {
	return one(fork(10, 900, 950), execve(11, 950, "/tmp/.x1mr/xmrig", []string{"xmrig", "-o", "stratum+tcp://pool.supportxmr.com:3333"}, 0, ""))
}
