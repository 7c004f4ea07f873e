package analyze

import (
	"encoding/json"
	"slices"
	"testing"

	"saker/event"
)

// flagged returns evs with flags set on every event.
func flagged(f event.Flags, evs ...event.Event) []event.Event {
	out := slices.Clone(evs)
	for i := range out {
		out[i].Flags |= f
	}
	return out
}

// evasionRuleCases are the cases of saker_rules_evasion.yaml: io_uring and 32-bit calls.
func evasionRuleCases() []ruleCase {
	const (
		net   = "Network Connection through io_uring"
		exe   = "Executable Written through io_uring"
		ia32  = "32-bit System Calls on a 64-bit Host"
		miner = "Outbound Connection to Mining Pool"
		pay   = "Mining Protocol in Socket Payload"
	)
	login := `{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"w","pass":"x","agent":"XMRig/6.21.0"}}` + "\n"
	uringMiner := cat(shellExec(100, 1200, "/tmp/kworker", "kworker"),
		flagged(event.FlagIOUring, connectTo(200, 1200, 5, "10.0.0.5:40100", "198.51.100.7:3333")...),
		flagged(event.FlagIOUring, send(300, 1200, 5, login)))
	ia32Miner := cat(shellExec(100, 1300, "/tmp/sys32", "sys32", "-o", "stratum+tcp://pool.supportxmr.com:3333"),
		flagged(event.FlagIA32, connectTo(200, 1300, 3, "10.0.0.5:40200", "198.51.100.7:3333")...))
	return []ruleCase{
		{"io_uring connect", net, true, "", uringMiner},
		{"io_uring connect: the pool rule sees it", miner, true, "", uringMiner},
		{"io_uring send: the payload rule sees it", pay, true, "", uringMiner},
		{"io_uring connect by a listed database", net, false, "", cat(shellExec(100, 1201, "/usr/bin/scylla", "scylla"),
			flagged(event.FlagIOUring, connectTo(200, 1201, 5, "10.0.0.5:40100", "203.0.113.20:9042")...))},
		{"connect by syscall", net, false, "", cat(shellExec(100, 1202, "/usr/bin/curl", "curl"),
			connectTo(200, 1202, 5, "10.0.0.5:40100", "203.0.113.20:443"))},
		{"io_uring open of an executable for writing", exe, true, "", cat(shellExec(100, 1203, "/tmp/dropper", "dropper"),
			flagged(event.FlagIOUring, openFile(200, 1203, 7, "/tmp/.x/miner", oWrCreatTrunc, 0o755)))},
		{"io_uring open for writing in /usr/bin", exe, true, "", cat(shellExec(100, 1204, "/tmp/dropper", "dropper"),
			flagged(event.FlagIOUring, openFile(200, 1204, 7, "/usr/bin/sshd", 0o1001, 0)))},
		{"io_uring open of a data file", exe, false, "", cat(shellExec(100, 1205, "/usr/bin/app", "app"),
			flagged(event.FlagIOUring, openFile(200, 1205, 7, "/var/lib/app/data.db", oWrCreatTrunc, 0o644)))},
		{"syscall open of an executable", exe, false, "", cat(shellExec(100, 1206, "/usr/bin/cp", "cp"),
			one(openFile(200, 1206, 7, "/tmp/tool", oWrCreatTrunc, 0o755)))},
		{"32-bit connect", ia32, true, "", ia32Miner},
		{"32-bit connect: the pool rule sees it", miner, true, "", ia32Miner},
		{"32-bit calls of a listed program", ia32, false, "", cat(shellExec(100, 1301, "/usr/bin/wine", "wine"),
			flagged(event.FlagIA32, openFile(200, 1301, 4, "/home/u/.wine/system.reg", 0, 0)))},
		{"64-bit connect", ia32, false, "", cat(shellExec(100, 1302, "/usr/bin/curl", "curl"),
			connectTo(200, 1302, 5, "10.0.0.5:40100", "203.0.113.20:443"))},
	}
}

// TestFindingMarksIOUring checks that a finding on an io_uring event says so in its JSON
// object and in the output of the io_uring rule, and that others do not.
func TestFindingMarksIOUring(t *testing.T) {
	login := `{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"w","pass":"x","agent":"XMRig/6.21.0"}}` + "\n"
	evs := cat(shellExec(100, 1200, "/usr/local/bin/helper", "helper"),
		flagged(event.FlagIOUring, connectTo(200, 1200, 5, "10.0.0.5:40100", "198.51.100.7:3333")...),
		flagged(event.FlagIOUring, send(300, 1200, 5, login)),
		shellExec(400, 1300, "/usr/local/bin/legacy", "legacy"),
		flagged(event.FlagIA32, connectTo(500, 1300, 3, "10.0.0.5:40200", "198.51.100.7:3333")...))
	fs := runCase(t, "", evs)
	seen := map[string]bool{}
	for _, f := range fs {
		b, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		var obj struct {
			OutputFields map[string]any `json:"output_fields"`
			Saker        struct {
				IOUring bool `json:"io_uring"`
				IA32    bool `json:"ia32"`
			} `json:"saker"`
		}
		if err := json.Unmarshal(b, &obj); err != nil {
			t.Fatal(err)
		}
		// Every finding of these processes is on one of their flagged events.
		uring, ia32 := f.PID == 1200, f.PID == 1300
		if obj.Saker.IOUring != uring || obj.Saker.IA32 != ia32 {
			t.Errorf("%s (pid %d): saker.io_uring=%v ia32=%v, want %v %v", f.Rule, f.PID, obj.Saker.IOUring, obj.Saker.IA32, uring, ia32)
		}
		if f.Rule == "Network Connection through io_uring" {
			if v := obj.OutputFields["evt.is_io_uring"]; v != true && v != "true" {
				t.Errorf("%s: evt.is_io_uring = %v", f.Rule, v)
			}
		}
		seen[f.Rule] = true
	}
	for _, r := range []string{"Network Connection through io_uring", "Mining Protocol in Socket Payload",
		"Outbound Connection to Mining Pool", "32-bit System Calls on a 64-bit Host"} {
		if !seen[r] {
			t.Errorf("no %s finding; got %q", r, ruleNames(fs))
		}
	}
}
