package lab

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Net is the lab network: a victim and a pool namespace joined by one veth pair, with
// addresses on the lab link only and no other route. The victim's resolver is the lab's DNS
// server, through /etc/netns/VICTIM/resolv.conf, which `ip netns exec` bind-mounts over
// /etc/resolv.conf in the commands it starts.
type Net struct {
	Victim, Pool string
	// undo holds the steps that take the network down, last first.
	undo []func() error
}

// Setup creates the namespaces NAME-victim and NAME-pool with a veth pair between them and
// the victim's resolv.conf. On error it removes what it had made; otherwise call Close.
func Setup(name string) (n *Net, err error) {
	n = &Net{Victim: name + "-victim", Pool: name + "-pool"}
	defer func() {
		if err != nil {
			n.Close()
			n = nil
		}
	}()
	for _, ns := range []string{n.Victim, n.Pool} {
		if err := ipCmd("netns", "add", ns); err != nil {
			return nil, err
		}
		n.undo = append(n.undo, func() error { return ipCmd("netns", "del", ns) })
	}
	// Interface names are at most 15 bytes: derive short ones from the namespace name.
	suffix := name[max(0, len(name)-10):]
	suffix = strings.Map(func(r rune) rune {
		if r == '-' {
			return -1
		}
		return r
	}, suffix)
	vIf, pIf := "slv"+suffix, "slp"+suffix
	if err := ipCmd("link", "add", vIf, "netns", n.Victim, "type", "veth", "peer", "name", pIf, "netns", n.Pool); err != nil {
		return nil, err
	}
	steps := [][]string{
		{"-n", n.Victim, "link", "set", "lo", "up"},
		{"-n", n.Pool, "link", "set", "lo", "up"},
		{"-n", n.Victim, "addr", "add", fmt.Sprintf("%s/%d", VictimV4, prefixV4), "dev", vIf},
		{"-n", n.Victim, "addr", "add", fmt.Sprintf("%s/%d", VictimV6, prefixV6), "dev", vIf, "nodad"},
		{"-n", n.Pool, "addr", "add", fmt.Sprintf("%s/%d", PoolV4, prefixV4), "dev", pIf},
		{"-n", n.Pool, "addr", "add", fmt.Sprintf("%s/%d", PoolV6, prefixV6), "dev", pIf, "nodad"},
		{"-n", n.Pool, "addr", "add", fmt.Sprintf("%s/%d", DNSV4, prefixV4), "dev", pIf},
		{"-n", n.Pool, "addr", "add", fmt.Sprintf("%s/%d", DNSV6, prefixV6), "dev", pIf, "nodad"},
	}
	for _, h := range PoolHosts {
		v4, v6 := hostAddrs(h)
		steps = append(steps,
			[]string{"-n", n.Pool, "addr", "add", fmt.Sprintf("%s/%d", v4, prefixV4), "dev", pIf},
			[]string{"-n", n.Pool, "addr", "add", fmt.Sprintf("%s/%d", v6, prefixV6), "dev", pIf, "nodad"})
	}
	steps = append(steps,
		[]string{"-n", n.Victim, "link", "set", vIf, "up"},
		[]string{"-n", n.Pool, "link", "set", pIf, "up"})
	for _, s := range steps {
		if err := ipCmd(s...); err != nil {
			return nil, err
		}
	}
	if err := n.writeResolvConf(); err != nil {
		return nil, err
	}
	return n, nil
}

// writeResolvConf makes /etc/netns/VICTIM/resolv.conf name the lab's DNS server.
func (n *Net) writeResolvConf() error {
	base := "/etc/netns"
	if _, err := os.Stat(base); errors.Is(err, os.ErrNotExist) {
		if err := os.Mkdir(base, 0o755); err != nil {
			return err
		}
		// Remove /etc/netns only if the lab made it and it is empty by then.
		n.undo = append(n.undo, func() error { os.Remove(base); return nil })
	}
	dir := filepath.Join(base, n.Victim)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	n.undo = append(n.undo, func() error { return os.RemoveAll(dir) })
	conf := fmt.Sprintf("# saker lab: the only resolver the victim namespace has\nnameserver %s\noptions timeout:1 attempts:2\n", DNSV4)
	return os.WriteFile(filepath.Join(dir, "resolv.conf"), []byte(conf), 0o644)
}

// Command returns a command that runs name with args in namespace ns through
// `ip netns exec`, which execs it in place: the command's pid is the program's pid.
func (n *Net) Command(ns, name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", ns, name}, args...)...)
}

// Close removes the resolv.conf and the namespaces (and with them the veth pair). It runs
// every step and returns their errors joined.
func (n *Net) Close() error {
	var errs []error
	for i := len(n.undo) - 1; i >= 0; i-- {
		if err := n.undo[i](); err != nil {
			errs = append(errs, err)
		}
	}
	n.undo = nil
	return errors.Join(errs...)
}

func ipCmd(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// RemoveStale removes what earlier lab runs left behind when they were killed before their
// cleanup ran (a test timeout, SIGKILL): namespaces named saker-lab-PID-victim or -pool
// whose PID no longer runs, with their /etc/netns directories and the run's directories
// /run/saker-lab-PID and /tmp/saker-lab-PID, and cgroups saker-lab-PID.slice with the
// processes left in them. Runs whose process lives are left alone. It returns the names of
// the namespaces it removed.
func RemoveStale() ([]string, error) {
	if err := removeStaleCgroups(); err != nil {
		return nil, err
	}
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		return nil, fmt.Errorf("ip netns list: %w", err)
	}
	var removed []string
	for _, line := range strings.Split(string(out), "\n") {
		name, _, _ := strings.Cut(strings.TrimSpace(line), " ")
		rest, ok := strings.CutPrefix(name, "saker-lab-")
		if !ok {
			continue
		}
		pid, role, ok := strings.Cut(rest, "-")
		if !ok || (role != "victim" && role != "pool") || strings.Trim(pid, "0123456789") != "" {
			continue
		}
		if _, err := os.Stat("/proc/" + pid); err == nil {
			continue
		}
		if err := ipCmd("netns", "del", name); err != nil {
			return removed, err
		}
		os.RemoveAll(filepath.Join("/etc/netns", name))
		os.RemoveAll("/run/saker-lab-" + pid)
		os.RemoveAll("/tmp/saker-lab-" + pid)
		removed = append(removed, name)
	}
	return removed, nil
}
