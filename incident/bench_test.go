//go:build unix

package incident_test

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"saker/analyze"
	"saker/incident"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkIncidents replays a real lab capture (lab-xmrig, 17,883 events) as `saker analyze`
// does, each iteration twice, side by side: "plain" (findings only counted, no record hooks)
// and "collector" (the incident collector's hooks and roll-up, and Build at the end). It
// reports events/s and the process's CPU time (getrusage, GC included) per event of each.
func BenchmarkIncidents(b *testing.B) {
	dir := filepath.Join("..", "testdata", "captures", "lab-xmrig")
	rs, _, err := analyze.LoadRules(false)
	if err != nil {
		b.Fatal(err)
	}
	var wall, cpu [2]time.Duration
	var events [2]uint64
	for b.Loop() {
		for i := range 2 {
			in, err := analyze.OpenInput(dir, analyze.InputOptions{})
			if err != nil {
				b.Fatal(err)
			}
			// The analyzer is made (rules compiled) outside the measured time.
			c := incident.NewCollector()
			opts := analyze.Options{Rules: rs, DNS: dnsOptions(in), Finding: func(*analyze.Finding) error { return nil }}
			if i == 1 {
				opts.Hooks = c.Hooks(analyze.Hooks{})
				opts.Finding = func(f *analyze.Finding) error { c.Finding(f); return nil }
			}
			a, err := analyze.NewAnalyzer(opts)
			if err != nil {
				b.Fatal(err)
			}
			cpu0, start := cpuTime(), time.Now()
			res, err := a.Run(context.Background(), in.Source)
			if err != nil {
				b.Fatal(err)
			}
			if i == 1 && len(c.Build(res.First, res.Last)) != 3 {
				b.Fatal("lab-xmrig: want 3 incidents")
			}
			wall[i] += time.Since(start)
			cpu[i] += cpuTime() - cpu0
			events[i] += res.Events
			in.Close()
		}
	}
	for i, name := range []string{"plain", "collector"} {
		b.ReportMetric(float64(events[i])/wall[i].Seconds(), name+"-events/s")
		b.ReportMetric(float64(cpu[i].Nanoseconds())/float64(events[i]), name+"-cpu-ns/event")
	}
	b.ReportMetric(0, "ns/op")
}
