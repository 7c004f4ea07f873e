package reports

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// hostileValues are what a suspect host can put in any string of a capture: markup that tries
// to run script (each payload sets window.__pwned or document.title when it runs), a javascript:
// URL, ANSI escapes, NUL bytes, invalid UTF-8, a bidirectional override and a template action.
var hostileValues = []string{
	`<script>window.__pwned=1;document.title="pwned"</script>`,
	`"><img src=x onerror="window.__pwned=2;document.title='pwned'">`,
	`'><svg onload=window.__pwned=3>`,
	`javascript:window.__pwned=4`,
	"\x1b[31mRED\x1b[0m\x1b]0;pwned\x07 ansi",
	"nul\x00byte",
	"bad\xff\xfeutf8",
	"\u202eexe.txt\u202c bidi",
	`</style><style>body{display:none}</style>`,
	`</textarea></title><script>window.__pwned=5</script>`,
	`{{.CSP}} {{template "t" .}}`,
	`<a href="javascript:window.__pwned=6">click</a>`,
}

// hostileText is every hostile value in one string.
var hostileText = strings.Join(hostileValues, " | ")

// hugeCmdline is a 1 MB command line.
var hugeCmdline = "/tmp/x " + strings.Repeat("A", 1<<20) + "\x1b[2J<script>window.__pwned=7</script>"

// validText is hostileText without the bytes DuckDB's VARCHAR refuses, for the columns the store
// writes unescaped.
var validText = strings.ToValidUTF8(strings.ReplaceAll(hostileText, "\x00", ""), "?")

// hostileDB writes a database whose every string is hostile and returns its path.
func hostileDB(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hostile.duckdb")
	s, err := Create(path, CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	id := "cap " + validText
	manifest, _ := json.Marshal(map[string]any{
		"format_version": 1, "host": hostileText, "kernel": hostileText, "status": hostileText,
		"captured": []map[string]any{{"name": hostileText, "recorded": false, "reason": hostileText}},
		"files": []map[string]any{
			{"name": hostileText, "kind": hostileText, "size": 1, "sha256": hostileText, "complete": true},
			{"name": "events-000001.zst", "kind": "events", "size": 2, "sha256": "00", "complete": false},
		},
	})
	must(s.AddCapture(&Capture{ID: id, Host: hostileText, Kernel: hostileText, BootID: hostileText, Source: hostileText,
		SakerVersion: hostileText, Start: at(0), Stop: at(60), Events: 10, Lost: 3, Verified: false,
		Problems: []string{hostileText, "events-000001.zst: sha256 mismatch " + hostileText}, ManifestJSON: string(manifest)}))
	procs := []Process{
		{Key: 1, PID: 1, Exe: hostileText, Cmdline: hostileText, User: hostileText, ContainerID: hostileText},
		{Key: 2, ParentKey: 1, PID: 2, PPID: 1, Start: atp(1), Exe: "/tmp/" + hostileText, Cmdline: hugeCmdline,
			Args: []string{hostileText, hugeCmdline}, User: hostileText, ContainerID: hostileText, Ancestry: hostileText},
		{Key: 3, ParentKey: 2, PID: 3, PPID: 2, Start: atp(2), Exe: hostileText, Cmdline: hostileText, User: hostileText},
		{Key: 4, ParentKey: 4, PID: 4, PPID: 4, Start: atp(3), Exe: "loop", Cmdline: "a process that is its own parent"},
	}
	for i := range procs {
		procs[i].CaptureID = id
		must(s.AddProcess(&procs[i]))
	}
	must(s.AddEvent(&Event{CaptureID: id, Num: 1, Time: at(2), Kind: validText, PID: 2, ProcessKey: 2, Path: hostileText,
		Args: hostileText, Tuple: hostileText, Data: []byte(hostileText)}))
	must(s.AddDNS(&DNS{CaptureID: id, Time: at(3), QName: hostileText, QType: validText, RCode: validText,
		Answers: []string{"198.51.100.7", hostileText}, CNAMEs: []string{hostileText}, Resolver: hostileText, PID: 2, ProcessKey: 2}))
	must(s.AddConnection(&Connection{CaptureID: id, ID: 1, ProcessKey: 2, PID: 2, Proto: validText, LocalIP: validText,
		RemoteIP: "198.51.100.7", RemotePort: 3333, Names: []string{hostileText}, DNSAnswer: hostileText,
		FirstTime: at(4), LastTime: at(5), Payload: []byte(hostileText)}))
	must(s.AddConnection(&Connection{CaptureID: id, ID: 2, ProcessKey: 2, PID: 2, Proto: "tcp",
		RemoteIP: "198.51.100.7", RemotePort: 443, FirstTime: at(6), LastTime: at(7)}))
	must(s.AddFile(&File{CaptureID: id, Time: at(1), Action: "create", Path: "/tmp/" + hostileText, Mode: 0o755, PID: 1, ProcessKey: 1}))
	must(s.AddFile(&File{CaptureID: id, Time: at(1), Action: validText, Path: hostileText, PID: 2, ProcessKey: 2}))
	for i, rule := range []string{validText, "Plain rule"} {
		must(s.AddFinding(&Finding{CaptureID: id, ID: uint64(i + 1), Rule: rule, Priority: []string{validText, "Critical"}[i],
			Source: validText, Time: at(4 + i), Output: hostileText + " " + hugeCmdline,
			OutputFields: map[string]any{hostileText: hostileText}, Tags: []string{hostileText}, EventNum: 1, PID: 2,
			ProcessKey: []uint64{2, 4}[i], ConnectionID: []uint64{1, 0}[i]}))
		must(s.AddRule(&Rule{CaptureID: id, Name: rule, Priority: validText, Source: validText, Desc: hostileText,
			Condition: hostileText, Output: hostileText, Tags: []string{hostileText}, Enabled: true}))
	}
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	return path
}

// largeDB writes a database of n findings over 10 rules and 1000 processes, each process with a
// connection and a DNS answer naming its peer, and returns its path.
func largeDB(t testing.TB, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "large.duckdb")
	s, err := Create(path, CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	const id, procs = "big", 1000
	must(s.AddCapture(&Capture{ID: id, Host: "big-host", Start: at(0), Stop: at(3600), Events: uint64(n) * 10, Verified: true}))
	prios := []string{"Critical", "Warning", "Notice", "Informational"}
	for k := 1; k <= procs; k++ {
		start := at(k % 3600)
		must(s.AddProcess(&Process{CaptureID: id, Key: uint64(k), ParentKey: uint64(k / 2), PID: int64(1000 + k),
			Start: &start, Exe: fmt.Sprintf("/tmp/miner-%d", k), Cmdline: fmt.Sprintf("/tmp/miner-%d -o pool-%d.example:3333 --donate-level 1", k, k%50),
			User: "www-data", UID: 33}))
		ip := fmt.Sprintf("198.51.%d.%d", k/250, k%250)
		must(s.AddDNS(&DNS{CaptureID: id, Time: start, QName: fmt.Sprintf("pool-%d.example", k%50), QType: "A",
			RCode: "NOERROR", Answers: []string{ip}, TTL: 60, PID: int64(1000 + k), ProcessKey: uint64(k)}))
		must(s.AddConnection(&Connection{CaptureID: id, ID: uint64(k), ProcessKey: uint64(k), PID: int64(1000 + k),
			Proto: "tcp", RemoteIP: ip, RemotePort: 3333, Names: []string{fmt.Sprintf("pool-%d.example", k%50)},
			FirstTime: start.Add(time.Millisecond), LastTime: start.Add(time.Second), BytesSent: 100}))
		must(s.AddFile(&File{CaptureID: id, Time: start.Add(-time.Millisecond), Action: "written",
			Path: fmt.Sprintf("/tmp/miner-%d", k), PID: int64(k), ProcessKey: uint64(k/2 + 1)}))
	}
	for i := 1; i <= n; i++ {
		k := i%procs + 1
		must(s.AddFinding(&Finding{CaptureID: id, ID: uint64(i), Rule: fmt.Sprintf("Rule %d", i%10),
			Priority: prios[i%len(prios)], Source: "syscall", Time: at(0).Add(time.Duration(i) * 36 * time.Millisecond),
			Output: fmt.Sprintf("miner /tmp/miner-%d connected to pool-%d.example:3333 (finding %d)", k, k%50, i),
			Tags:   []string{"mitre_impact"}, PID: int64(1000 + k), ProcessKey: uint64(k)}))
	}
	for r := range 10 {
		must(s.AddRule(&Rule{CaptureID: id, Name: fmt.Sprintf("Rule %d", r), Priority: "Critical", Desc: "a test rule",
			Condition: "evt.type = connect and fd.sip.name endswith .example", Enabled: true}))
	}
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	return path
}
