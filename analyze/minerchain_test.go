package analyze

import (
	"strings"
	"testing"
)

// TestMinerChain plays what XMRig 6.26 does under a wrapper: `timeout 15 xmrig ...` starts
// the miner, which raises huge pages itself and runs `sh -c "/sbin/modprobe msr
// allow_writes=on"` (the shell execs modprobe, which fails: no module). One start makes
// one command-line finding each, on the miner; the msr finding is an attempt naming the
// miner as actor; the huge page finding says the count.
func TestMinerChain(t *testing.T) {
	const cg = "0::/user.slice/user-0.slice"
	argv := []string{"-o", "stratum+tcp://pool.supportxmr.com:3333", "--donate-level=1", "-t", "1"}
	evs := one(
		fork(10, 900, 950), execve(11, 950, "/usr/bin/timeout", append([]string{"timeout", "15", "/opt/x/xmrig"}, argv...), 0, cg),
		fork(12, 950, 951), execve(13, 951, "/opt/x/xmrig", append([]string{"/opt/x/xmrig"}, argv...), 0, cg),
	)
	evs = append(evs, writeFile(20, 951, "/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages", "1168")...)
	evs = append(evs,
		fork(30, 951, 952), execve(31, 952, "/bin/sh", []string{"sh", "-c", "/sbin/modprobe msr allow_writes=on > /dev/null 2>&1"}, 0, cg),
		execve(32, 952, "/sbin/modprobe", []string{"/sbin/modprobe", "msr", "allow_writes=on"}, 0, cg),
		exit(33, 952, 1<<8),
	)
	fs := runCase(t, "", evs)
	count := map[string]int{}
	byRule := map[string]*Finding{}
	for _, f := range fs {
		count[f.Rule]++
		byRule[f.Rule] = f
	}
	for rule, n := range map[string]int{"Miner Command-Line Flags": 1, "Stratum URI in Command Line": 1,
		"Msr Kernel Module Load Attempted": 1, "Msr Kernel Module Loaded": 0, "Huge Pages Raised": 1} {
		if count[rule] != n {
			t.Errorf("%s: %d findings, want %d (all: %q)", rule, count[rule], n, ruleNames(fs))
		}
	}
	for _, rule := range []string{"Miner Command-Line Flags", "Stratum URI in Command Line"} {
		if f := byRule[rule]; f != nil && f.PID != 951 {
			t.Errorf("%s on pid %d, want the miner 951", rule, f.PID)
		}
	}
	if f := byRule["Msr Kernel Module Load Attempted"]; f != nil {
		for _, s := range []string{"process=modprobe pid=952", "actor=xmrig actor_pid=951", "actor_command=xmrig -o stratum+tcp://"} {
			if !strings.Contains(f.Output, s) {
				t.Errorf("msr finding lacks %q: %s", s, f.Output)
			}
		}
	}
	if f := byRule["Huge Pages Raised"]; f != nil {
		for _, s := range []string{"value=1168 file=/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages", "actor=xmrig actor_pid=951"} {
			if !strings.Contains(f.Output, s) {
				t.Errorf("huge page finding lacks %q: %s", s, f.Output)
			}
		}
	}
}
