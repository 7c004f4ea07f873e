package incident_test

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"saker/analyze"
	"saker/incident"
	"saker/rules"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func sec(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }

// world is a small host: init (key 1) and sshd (2) ran before the capture (which starts at
// second 10); the records below come through the collector's hooks as a replay hands them out.
type world struct {
	c *incident.Collector
	h analyze.Hooks
}

func newWorld() *world {
	c := incident.NewCollector()
	w := &world{c: c, h: c.Hooks(analyze.Hooks{})}
	w.proc(1, 0, 1, "systemd", sec(0), "")
	w.proc(2, 1, 100, "sshd", sec(1), "")
	return w
}

func (w *world) proc(key, parent uint64, pid uint32, name string, start time.Time, container string, ancestry ...string) {
	w.h.Process(&analyze.ProcessRecord{Key: key, ParentKey: parent, PID: pid, Name: name, ExePath: "/bin/" + name,
		Cmdline: name, Start: start, User: "root", Container: container, Ancestry: ancestry})
}

func (w *world) find(rule string, prio rules.Priority, key uint64, pid uint32, at int, tags []string, fields ...any) *analyze.Finding {
	f := finding(rule, key, 0, at, fields...)
	f.Priority, f.PID, f.Tags, f.Time = prio, pid, tags, sec(at)
	w.c.Finding(f)
	return f
}

func incidentsOf(t *testing.T, ins []*incident.Incident) [][]uint64 {
	t.Helper()
	var out [][]uint64
	for _, in := range ins {
		out = append(out, in.Processes)
	}
	return out
}

// TestBuildLinks checks each tie between findings of different sessions, and what stays
// apart.
func TestBuildLinks(t *testing.T) {
	miner := []string{"cryptomining"}
	t.Run("sessions stay apart", func(t *testing.T) {
		w := newWorld()
		w.proc(10, 2, 200, "sshd", sec(11), "", "sshd", "systemd")
		w.proc(11, 10, 201, "xmrig", sec(12), "", "sshd", "sshd", "systemd")
		w.proc(20, 2, 300, "sshd", sec(13), "", "sshd", "systemd")
		w.proc(21, 20, 301, "xmrig", sec(14), "", "sshd", "sshd", "systemd")
		w.find("Known Miner Binary Executed", rules.PriorityCritical, 11, 201, 12, miner)
		w.find("Known Miner Binary Executed", rules.PriorityCritical, 21, 301, 14, miner)
		ins := w.c.Build(sec(10), sec(20))
		if got := incidentsOf(t, ins); len(got) != 2 || !slices.Equal(got[0], []uint64{10, 11}) || !slices.Equal(got[1], []uint64{20, 21}) {
			t.Fatalf("incidents %v, want the two SSH sessions apart", got)
		}
		if a := ins[0].Steps[0]; a.Phase != incident.PhaseArrival || !strings.Contains(a.Text, "from an SSH session") {
			t.Errorf("arrival step %q", a.Text)
		}
	})
	t.Run("a file written by one and run by another", func(t *testing.T) {
		w := newWorld()
		w.proc(10, 2, 200, "curl", sec(11), "")
		w.proc(20, 2, 300, "xmrig", sec(13), "")
		w.h.File(&analyze.FileRecord{Time: sec(11), ProcKey: 10, PID: 200, Action: analyze.FileWritten, Path: "/tmp/x"})
		w.h.File(&analyze.FileRecord{Time: sec(12), ProcKey: 10, PID: 200, Action: analyze.FileChmod, Path: "/tmp/x", Mode: 0o755})
		w.h.File(&analyze.FileRecord{Time: sec(13), ProcKey: 20, PID: 300, Action: analyze.FileExecuted, Path: "/tmp/x"})
		w.find("Downloader Wrote File in Temporary or Hidden Directory", rules.PriorityWarning, 10, 200, 11, nil, "fd.name", "/tmp/x")
		w.find("Known Miner Binary Executed", rules.PriorityCritical, 20, 300, 13, miner)
		ins := w.c.Build(sec(10), sec(20))
		if got := incidentsOf(t, ins); len(got) != 1 || !slices.Equal(got[0], []uint64{10, 20}) {
			t.Fatalf("incidents %v, want curl and the miner in one", got)
		}
		var drop string
		for _, s := range ins[0].Steps {
			if s.Phase == incident.PhaseDrop {
				drop = s.Text
			}
		}
		if drop != "curl (pid 200) wrote /tmp/x; curl (pid 200) made it executable (0755); run as pid 300" {
			t.Errorf("drop step %q", drop)
		}
	})
	t.Run("downloads: a downloader's connections no finding cited", func(t *testing.T) {
		w := newWorld()
		w.proc(10, 2, 200, "sh", sec(11), "")
		w.proc(11, 10, 201, "curl", sec(11), "")
		w.proc(12, 10, 202, "python3", sec(11), "")
		w.proc(20, 10, 300, "xmrig", sec(13), "")
		conn := func(id, key uint64, pid uint32, comm, remote string) {
			w.h.Conn(&analyze.ConnRecord{ID: id, ProcKey: key, PID: pid, Comm: comm, Proto: 6, Outbound: true,
				Remote: netip.MustParseAddrPort(remote), First: sec(12), Last: sec(12), BytesRecv: 4096})
		}
		conn(1, 11, 201, "curl", "198.51.100.9:443")
		conn(2, 12, 202, "python3", "198.51.100.10:443") // not a downloader: no download step
		w.find("Known Miner Binary Executed", rules.PriorityCritical, 20, 300, 13, miner)
		ins := w.c.Build(sec(10), sec(20))
		if len(ins) != 1 {
			t.Fatalf("%d incidents, want 1", len(ins))
		}
		var downloads []string
		for _, s := range ins[0].Steps {
			if s.Phase == incident.PhaseDownload {
				downloads = append(downloads, s.Text)
			}
		}
		if want := []string{"curl (pid 201) fetched from 198.51.100.9:443/tcp: 4096 bytes received"}; !slices.Equal(downloads, want) {
			t.Errorf("download steps %q, want %q", downloads, want)
		}
	})
	t.Run("other programs' connections are not kept", func(t *testing.T) {
		// A busy host's clients (a JVM's pool of Redis connections) neither fill the
		// collector's room for downloads nor count as records beyond its limits.
		w := newWorld()
		for id := uint64(1); id <= 1<<17; id++ {
			w.h.Conn(&analyze.ConnRecord{ID: id, ProcKey: 10, PID: 200, Comm: "java", Proto: 6, Outbound: true,
				Remote: netip.MustParseAddrPort("198.51.100.10:6379"), First: sec(12), Last: sec(12)})
		}
		if n := w.c.Dropped(); n != 0 {
			t.Errorf("%d records dropped for the limits, want 0", n)
		}
	})
	t.Run("a DNS answer another process asked for", func(t *testing.T) {
		w := newWorld()
		w.proc(10, 2, 200, "resolver", sec(11), "")
		w.proc(20, 2, 300, "xmrig", sec(12), "")
		w.find("DNS Lookup of Mining Pool Domain", rules.PriorityWarning, 10, 200, 11, miner, "dns.query.name", "pool.example")
		f := w.find("Outbound Connection to Mining Pool", rules.PriorityCritical, 20, 300, 12, miner)
		f.DNS = []analyze.DNSEvidence{{IP: netip.MustParseAddr("192.0.2.7"), Name: "pool.example", Answered: sec(11), PID: 200}}
		if got := incidentsOf(t, w.c.Build(sec(10), sec(20))); len(got) != 1 || !slices.Equal(got[0], []uint64{10, 20}) {
			t.Fatalf("incidents %v, want the asker and the miner in one", got)
		}
	})
	t.Run("a container", func(t *testing.T) {
		w := newWorld()
		w.proc(10, 2, 200, "sh", sec(11), "abc123")
		w.proc(20, 2, 300, "xmrig", sec(12), "abc123")
		w.find("Container Drift Executable Created", rules.PriorityError, 10, 200, 11, nil, "fd.name", "/usr/bin/x")
		w.find("Known Miner Binary Executed", rules.PriorityCritical, 20, 300, 12, miner)
		ins := w.c.Build(sec(10), sec(20))
		if got := incidentsOf(t, ins); len(got) != 1 || !slices.Equal(got[0], []uint64{10, 20}) {
			t.Fatalf("incidents %v, want the container's processes in one", got)
		}
		if !slices.ContainsFunc(ins[0].Indicators, func(x incident.Indicator) bool { return x.Type == "container" && x.Value == "abc123" }) {
			t.Errorf("indicators %v lack the container", ins[0].Indicators)
		}
	})
	t.Run("a lone warning is no incident", func(t *testing.T) {
		w := newWorld()
		w.proc(10, 2, 200, "go", sec(11), "")
		w.find("Execution from Temporary Directory", rules.PriorityWarning, 10, 200, 11, nil)
		w.find("Execution from Temporary Directory", rules.PriorityWarning, 10, 200, 12, nil)
		if ins := w.c.Build(sec(10), sec(20)); len(ins) != 0 {
			t.Fatalf("%d incidents of one repeated warning", len(ins))
		}
	})
}

// TestMinerExecutable checks the miner's execution step and indicators: its executable, its
// hash, and the time it ran within the capture.
func TestMinerExecutable(t *testing.T) {
	w := newWorld()
	const sum = "4add4bb89d8ca0e3b1bd861130ddd7ae0fd9617a8055de0a38c8d2ca1ac95723"
	w.h.Process(&analyze.ProcessRecord{Key: 10, ParentKey: 2, PID: 200, Name: "kswapd0", ExePath: "/tmp/.x/kswapd0",
		Cmdline: "kswapd0 -o pool.example:3333", Start: sec(12), Exec: sec(12), Exit: sec(17), User: "www-data", ExeSHA256: sum})
	w.find("Stratum URI in Command Line", rules.PriorityCritical, 10, 200, 12, []string{"cryptomining"},
		"proc.cmdline", "kswapd0 -o pool.example:3333")
	ins := w.c.Build(sec(10), sec(20))
	if len(ins) != 1 {
		t.Fatalf("%d incidents", len(ins))
	}
	var texts, got []string
	for _, s := range ins[0].Steps {
		texts = append(texts, s.Phase.String()+": "+s.Text)
	}
	for _, x := range ins[0].Indicators {
		got = append(got, x.Type+" "+x.Value)
	}
	for _, want := range []string{"execution: miner kswapd0 (pid 200) ran /tmp/.x/kswapd0 (sha256 " + sum + ") as www-data: kswapd0 -o pool.example:3333",
		"impact: miner processes ran for 5s in all within the capture (1 process)"} {
		if !slices.Contains(texts, want) {
			t.Errorf("steps %q lack %q", texts, want)
		}
	}
	if !slices.Equal(got, []string{"domain pool.example", "path /tmp/.x/kswapd0", "sha256 " + sum, "user www-data"}) {
		t.Errorf("indicators %q", got)
	}
}
