package analyze

import (
	"context"
	"testing"

	"saker/replay"
)

// TestFindingConnID replays testdata/captures/lab-miners (miners resolving their pools and
// connecting to them) and checks that a finding on a connection's event cites the record that
// is handed out later, that connection ids are unique and never 0, and that a connection whose
// server has DNS names cites the answers behind them.
func TestFindingConnID(t *testing.T) {
	src, err := replay.OpenBundle("../testdata/captures/lab-miners", replay.BundleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	conns := map[uint64]ConnRecord{}
	opts := Options{Hooks: Hooks{Conn: func(c *ConnRecord) {
		if c.ID == 0 {
			t.Errorf("connection %v has id 0", c.Remote)
		}
		if _, dup := conns[c.ID]; dup {
			t.Errorf("connection id %d handed out twice", c.ID)
		}
		conns[c.ID] = *c
	}}}
	res, err := Run(context.Background(), src, opts)
	if err != nil {
		t.Fatal(err)
	}
	findings := res.Findings
	cited := 0
	for _, f := range findings {
		if f.ConnID == 0 {
			continue
		}
		cited++
		c, ok := conns[f.ConnID]
		if !ok {
			t.Errorf("finding %q at event %d cites connection %d, never handed out", f.Rule, f.EventNum, f.ConnID)
			continue
		}
		if c.ProcKey != f.ProcKey {
			t.Errorf("finding %q at event %d: connection %d belongs to process %d, the finding to %d",
				f.Rule, f.EventNum, f.ConnID, c.ProcKey, f.ProcKey)
		}
	}
	if cited == 0 {
		t.Fatalf("none of %d findings cites a connection", len(findings))
	}
	pool := false
	for _, c := range conns {
		if len(c.ServerNames) > 0 && len(c.DNS) == 0 {
			t.Errorf("connection %d to %v names %v without citing an answer", c.ID, c.Remote, c.ServerNames)
		}
		for _, d := range c.DNS {
			pool = pool || (d.Name == "pool.supportxmr.com" && c.Remote.Port() == 3333 && d.Resolver.IsValid())
		}
	}
	if !pool {
		t.Error("no connection to pool.supportxmr.com:3333 cites the answer and its resolver")
	}
}
