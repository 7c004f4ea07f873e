package incident_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"saker/analyze"
	"saker/dns"
	"saker/incident"
	"saker/replay"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// replayCapture analyzes a capture bundle under testdata/captures as `saker analyze` does and
// returns its collector and incidents.
func replayCapture(t *testing.T, name string) (*incident.Collector, []*incident.Incident) {
	t.Helper()
	in, err := analyze.OpenInput(filepath.Join("..", "testdata", "captures", name), analyze.InputOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	c := incident.NewCollector()
	opts := analyze.Options{Names: dns.NewIndex(dns.IndexOptions{}), Hostname: in.Host, Hooks: c.Hooks(analyze.Hooks{}),
		Finding: func(f *analyze.Finding) error { c.Finding(f); return nil }}
	opts.DNS = dnsOptions(in)
	res, err := analyze.Run(context.Background(), in.Source, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c, c.Build(res.First, res.Last)
}

// dnsOptions merges a bundle's DNS packets into its replay as `saker analyze` does.
func dnsOptions(in *analyze.Input) analyze.DNSOptions {
	var o analyze.DNSOptions
	if st := in.DNS.Stream(); st != nil {
		o.Stream = st
	}
	if b, ok := in.Source.(*replay.BundleSource); ok {
		m := b.Bundle.Manifest
		o.TS = func(wall int64) uint64 { return uint64(max(int64(m.Boottime(time.Unix(0, wall))), 0)) }
	}
	return o
}

func stories(t *testing.T, ins []*incident.Incident) []byte {
	var b bytes.Buffer
	for _, in := range ins {
		if err := incident.WriteStory(&b, in, strings.NewReplacer("\n", `\n`).Replace); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

// golden compares got with testdata/NAME, rewritten with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./incident -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test ./incident -update rewrites it); got:\n%s", path, got)
	}
}
