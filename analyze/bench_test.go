package analyze

import (
	"context"
	"testing"
	"time"

	"saker/dns"
	"saker/event"
)

// syntheticMix is a busy host's event stream: for every process spawned by a shell (fork,
// execve, exit) it opens, reads and closes files, talks over a TCP connection and a UDP
// socket, and now and then chmods a file; a miner among them sends a Stratum login.
func syntheticMix(n int) []event.Event {
	evs := preamble()
	ts := uint64(100)
	next := func() uint64 { ts += 1000; return ts }
	for i := 0; len(evs) < n; i++ {
		pid := uint32(3000 + i%20000)
		evs = append(evs, fork(next(), 900, pid))
		path, argv := "/usr/bin/python3", []string{"python3", "job.py", "--id", "7"}
		if i%50 == 0 {
			path, argv = "/tmp/.x1mr/xmrig", []string{"xmrig", "-o", "stratum+tcp://pool.supportxmr.com:3333", "--donate-level=1"}
		}
		evs = append(evs, execve(next(), pid, path, argv, 0, ""))
		for j := range 10 {
			evs = append(evs,
				ev(next(), event.KindOpenat, pid, pid, 3, A{"dirfd": event.Int(atFDCWD), "name": event.Str("lib/python3/site.py"), "flags": event.Int(0o2000000)}),
				ev(next(), event.KindRead, pid, pid, 4096, A{"fd": event.Int(3), "size": event.Int(4096), "data": event.Str("import os\n")}),
				ev(next(), event.KindClose, pid, pid, 0, A{"fd": event.Int(3)}))
			if j == 5 {
				evs = append(evs, ev(next(), event.KindChmod, pid, pid, 0, A{"filename": event.Str("/tmp/out.txt"), "mode": event.Int(0o644)}))
			}
		}
		evs = append(evs, connectTo(next(), pid, 4, "10.0.0.5:40000", "198.51.100.7:3333")...)
		for range 10 {
			evs = append(evs, send(next(), pid, 4, xmrigLogin[:64]),
				ev(next(), event.KindRecvfrom, pid, pid, 64, A{"fd": event.Int(4), "size": event.Int(64), "data": event.Str(`{"id":1,"jsonrpc":"2.0","result":{"status":"OK"}}`)}))
		}
		evs = append(evs,
			ev(next(), event.KindSocket, pid, pid, 5, A{"domain": event.Int(event.AFInet), "type": event.Int(2)}),
			ev(next(), event.KindSendto, pid, pid, 40, A{"fd": event.Int(5), "size": event.Int(40), "data": event.Str("dns query"), "tuple": tuple(event.ProtoUDP, "10.0.0.5:53000", "10.0.0.2:53")}),
			ev(next(), event.KindClose, pid, pid, 0, A{"fd": event.Int(4)}),
			ev(next(), event.KindClose, pid, pid, 0, A{"fd": event.Int(5)}),
			ev(next(), event.KindProcexit, pid, pid, 0, nil))
	}
	for i := range evs {
		evs[i].Num = uint64(i + 1)
	}
	return evs
}

// BenchmarkReplay measures the whole loop (state, fields, the default rules, findings) per
// event over the synthetic mix.
func BenchmarkReplay(b *testing.B) {
	evs := syntheticMix(100_000)
	idx := dns.NewIndex(dns.IndexOptions{})
	for _, m := range poolDNS() {
		idx.Add(&m)
	}
	var findings int
	a, err := NewAnalyzer(Options{Names: idx, Finding: func(*Finding) error { findings++; return nil }})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	start := time.Now()
	var n int
	for b.Loop() {
		if _, err := a.Run(context.Background(), event.NewSliceSource(evs...)); err != nil {
			b.Fatal(err)
		}
		n += len(evs)
	}
	el := time.Since(start)
	b.ReportMetric(float64(n)/el.Seconds(), "events/s")
	b.ReportMetric(float64(el.Nanoseconds())/float64(n), "ns/event")
	b.ReportMetric(float64(findings)/float64(b.N), "findings/run")
}

// BenchmarkState measures the state update alone per event.
func BenchmarkState(b *testing.B) {
	evs := syntheticMix(100_000)
	b.ReportAllocs()
	start := time.Now()
	var n int
	for b.Loop() {
		s := NewState(nil, nil, Hooks{})
		for i := range evs {
			s.Update(&evs[i])
		}
		n += len(evs)
	}
	el := time.Since(start)
	b.ReportMetric(float64(n)/el.Seconds(), "events/s")
	b.ReportMetric(float64(el.Nanoseconds())/float64(n), "ns/event")
}
