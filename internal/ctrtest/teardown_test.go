//go:build linux

package ctrtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// hostState is what a runtime could leave behind on the host. Only what the runtimes make is
// read, so that other packages' tests running beside this one (go test runs packages in
// parallel) do not count: cgroups in the runtimes' places, mounts in their directories,
// their interfaces and firewall chains, the forwarding switch.
type hostState struct {
	links, cgroups, mounts []string
	iptables, forward      string
}

// runtimePlaces are what runc, containerd and dockerd name their cgroups, mounts and
// interfaces after (the cgroup parents of ctr and CRI-style containers and dockerd's, the
// directories this package gives the daemons, Docker's default bridge and veths).
var runtimePlaces = []string{"/default", "/docker", "/kubepods", "/k8s.io", "/moby", "/sk-", "/var/lib/docker",
	"/var/lib/containerd", "/run/docker", "/run/containerd"}

func runtimePlace(p string) bool {
	return slices.ContainsFunc(runtimePlaces, func(pl string) bool { return strings.Contains(p, pl) })
}

func readHostState(t *testing.T) hostState {
	var s hostState
	ents, _ := os.ReadDir("/sys/class/net")
	for _, e := range ents {
		if n := e.Name(); strings.HasPrefix(n, "docker") || strings.HasPrefix(n, "veth") || strings.HasPrefix(n, "br-") {
			s.links = append(s.links, n)
		}
	}
	for _, root := range CgroupRoots() {
		filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() && runtimePlace(strings.TrimPrefix(p, root)) {
				s.cgroups = append(s.cgroups, p)
			}
			return nil
		})
	}
	b, _ := os.ReadFile("/proc/self/mountinfo")
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) > 4 && runtimePlace(f[4]) {
			s.mounts = append(s.mounts, f[4])
		}
	}
	slices.Sort(s.mounts)
	if _, err := exec.LookPath("iptables-save"); err == nil {
		out, _ := exec.Command("iptables-save").Output()
		for _, l := range strings.Split(string(out), "\n") {
			if strings.HasPrefix(l, ":FORWARD ") { // the policy, without the packet counters
				l = strings.Join(strings.Fields(l)[:2], " ")
			} else if !strings.Contains(l, "DOCKER") {
				continue
			}
			s.iptables += l + "\n"
		}
	}
	fw, _ := os.ReadFile("/proc/sys/net/ipv4/ip_forward")
	s.forward = string(fw)
	return s
}

// TestTeardownLeavesNothing runs containerd and dockerd with a container each, and checks
// that once their test ends no daemon, interface, firewall rule, mount or cgroup is left.
func TestTeardownLeavesNothing(t *testing.T) {
	Need(t, "containerd", "ctr", "runc", "dockerd", Busybox)
	before := readHostState(t)
	var pids []int
	t.Run("runtimes", func(t *testing.T) {
		ctrd := StartContainerd(t)
		dockerd := StartDockerd(t, ctrd)
		pids = append(pids, ctrd.d.cmd.Process.Pid, dockerd.d.cmd.Process.Pid)
		rootfs := Rootfs(t, nil)
		ctrd.ImportImage(t, "default", "example.com/saker/busybox:1", rootfs)
		ctrd.Run(t, RunSpec{Namespace: "default", Image: "example.com/saker/busybox:1", ID: "teardown", Args: []string{"sleep", "60"}})
		dockerd.ImportImage(t, "saker-busybox:1", rootfs)
		dockerd.Create(t, "teardown", map[string]any{"Image": "saker-busybox:1", "Cmd": []string{"sleep", "60"},
			"HostConfig": map[string]any{"NetworkMode": "none"}})
		// The check below must be able to fail: while they run, the containers have cgroups
		// and root file system mounts that were not there before.
		during := readHostState(t)
		var newCgroups, newMounts int
		for _, c := range during.cgroups {
			if !slices.Contains(before.cgroups, c) {
				newCgroups++
			}
		}
		for _, m := range during.mounts {
			if !slices.Contains(before.mounts, m) {
				newMounts++
			}
		}
		if newCgroups == 0 || newMounts == 0 {
			t.Errorf("while two containers run: %d new cgroups, %d new mounts; want some of each", newCgroups, newMounts)
		}
		if out := ctrd.Ctr(t, "default", "task", "ls"); !strings.Contains(out, "RUNNING") {
			t.Errorf("containerd task not running:\n%s", out)
		}
	})
	after := readHostState(t)
	for _, pid := range pids {
		if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err == nil {
			t.Errorf("daemon pid %d still runs", pid)
		}
	}
	diff := func(what string, a, b []string) {
		for _, x := range b {
			if !slices.Contains(a, x) {
				t.Errorf("%s left: %s", what, x)
			}
		}
	}
	diff("interface", before.links, after.links)
	diff("cgroup", before.cgroups, after.cgroups)
	diff("mount", before.mounts, after.mounts)
	if before.forward != after.forward {
		t.Errorf("ip_forward changed from %q to %q", before.forward, after.forward)
	}
	if before.iptables != after.iptables {
		t.Errorf("iptables changed:\nbefore\n%s\nafter\n%s", before.iptables, after.iptables)
	}
}
