package rules_test

import (
	"math/rand/v2"
	"net/netip"
	"testing"

	"saker/event"
	"saker/rules"
)

// benchMix is a representative syscall mix: mostly file and network I/O, some process
// activity, few rare kinds.
var benchMix = []struct {
	kind   string
	weight int
}{
	{"openat", 25}, {"read", 15}, {"write", 12}, {"close", 12}, {"execve", 4}, {"clone", 3},
	{"connect", 5}, {"accept4", 2}, {"sendto", 5}, {"recvfrom", 5}, {"fcntl", 3}, {"unlinkat", 2},
	{"renameat2", 1}, {"mkdirat", 1}, {"socket", 2}, {"dup2", 1}, {"setuid", 1}, {"procexit", 1},
}

// benchEvents makes n events with plausible field values in p.
func benchEvents(p *testProvider, n int) []*event.Event {
	r := rand.New(rand.NewPCG(7, 7))
	total := 0
	for _, m := range benchMix {
		total += m.weight
	}
	procs := []string{"nginx", "python3", "bash", "sshd", "java", "node", "containerd", "curl"}
	files := []string{"/var/log/nginx/access.log", "/etc/passwd", "/tmp/x", "/proc/self/status", "/usr/lib/libc.so.6",
		"/home/u/.bashrc", "/etc/shadow", "/dev/null"}
	evs := make([]*event.Event, n)
	for i := range evs {
		w := r.IntN(total)
		kind := benchMix[0].kind
		for _, m := range benchMix {
			if w < m.weight {
				kind = m.kind
				break
			}
			w -= m.weight
		}
		k, ok := event.KindByName(kind)
		if !ok {
			panic(kind)
		}
		num := uint64(i + 1)
		evs[i] = &event.Event{Num: num, Kind: k}
		proc := procs[r.IntN(len(procs))]
		for key, v := range map[string]any{
			"proc.name": proc, "proc.pname": procs[r.IntN(len(procs))], "proc.exepath": "/usr/bin/" + proc,
			"proc.cmdline": proc + " --serve", "proc.args": "--serve", "proc.pcmdline": "init",
			"proc.aname": []string{"systemd", "containerd-shim"}, "proc.aname[2]": "containerd-shim",
			"proc.tty": 0, "user.name": "www-data", "user.uid": 33, "user.loginuid": -1,
			"container.id": "host", "container.image.repository": "", "fd.name": files[r.IntN(len(files))],
			"fd.directory": "/var/log", "fd.filename": "x", "fd.typechar": "f", "fd.type": "file", "fd.num": 3,
			"evt.is_open_read": r.IntN(2) == 0, "evt.is_open_write": r.IntN(2) == 0, "evt.res": "SUCCESS", "evt.rawres": 0,
			"fd.sip": netip.MustParseAddr("10.0.0.5"), "fd.lport": 443, "fd.rport": 51000, "fd.l4proto": "tcp",
			"fd.sip.name": []string{"api.example.com"}, "evt.arg.flags": "O_RDONLY", "proc.env": "PATH=/usr/bin",
		} {
			p.set(num, key, v)
		}
	}
	return evs
}

func BenchmarkMatch(b *testing.B) {
	var paths []string
	for _, tc := range upstreamFiles {
		paths = append(paths, upstreamPath(b, tc.file))
	}
	rs, _, err := rules.Load(paths...)
	if err != nil {
		b.Fatal(err)
	}
	p := newTestProvider()
	en, _, err := rs.Compile(p)
	if err != nil {
		b.Fatal(err)
	}
	evs := benchEvents(p, 1024)
	matches := 0
	count := func(*rules.CompiledRule) { matches++ }
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		en.Match(evs[i%len(evs)], count)
	}
	b.StopTimer()
	ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(ns, "ns/event")
	b.ReportMetric(1e9/ns, "events/s")
	b.ReportMetric(float64(matches)/float64(b.N), "matches/event")
}

func BenchmarkLoadCompile(b *testing.B) {
	var paths []string
	for _, tc := range upstreamFiles {
		paths = append(paths, upstreamPath(b, tc.file))
	}
	for i := 0; i < b.N; i++ {
		rs, _, err := rules.Load(paths...)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := rs.Compile(newTestProvider()); err != nil {
			b.Fatal(err)
		}
	}
}
func BenchmarkPerKind(b *testing.B) {
	var paths []string
	for _, tc := range upstreamFiles {
		paths = append(paths, upstreamPath(b, tc.file))
	}
	rs, _, _ := rules.Load(paths...)
	p := newTestProvider()
	en, _, _ := rs.Compile(p)
	evs := benchEvents(p, 1024)
	for _, kn := range []string{"openat", "execve", "connect", "unlinkat", "read"} {
		k, _ := event.KindByName(kn)
		var sel []*event.Event
		for _, e := range evs {
			if e.Kind == k {
				sel = append(sel, e)
			}
		}
		b.Run(kn, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				en.Match(sel[i%len(sel)], func(*rules.CompiledRule) {})
			}
		})
	}
}
