package incident_test

import (
	"testing"

	"saker/analyze"
	"saker/incident"
	"saker/rules"
)

// FuzzFindingIndicators feeds hostile command lines and payloads to the indicator reader and
// the roll-up: no panic, and every indicator has a type and a value.
func FuzzFindingIndicators(f *testing.F) {
	f.Add("xmrig -o stratum+tcp://pool.example:3333 -u W.rig -p x", `{"method":"login","params":{"login":"W","rigid":"r"}}`, "login")
	f.Add("cpuminer --url= -O : --user", `{"method":"mining.authorize","params":["a.b"`, "mining.authorize")
	f.Add("-o [::1", `"login":"`, "login")
	f.Fuzz(func(t *testing.T, cmdline, payload, msg string) {
		c := incident.NewCollector()
		fd := &analyze.Finding{Alert: rules.Alert{Rule: "Mining Protocol in Socket Payload", Tags: []string{"cryptomining"},
			Fields: []rules.OutputField{{Name: "proc.cmdline", Value: cmdline}, {Name: "evt.buffer", Value: payload},
				{Name: "saker.stratum.msg", Value: msg}, {Name: "fd.name", Value: cmdline}}}, ProcKey: 1, ConnID: 2}
		fp := &analyze.Finding{Alert: rules.Alert{Rule: "Known Miner Binary Executed", Tags: []string{"cryptomining"},
			Fields: []rules.OutputField{{Name: "proc.cmdline", Value: cmdline}}}, ProcKey: 1}
		c.Finding(fd)
		c.Finding(fp)
		for _, in := range c.Build(fd.Time, fd.Time) {
			for _, x := range in.Indicators {
				if x.Type == "" || x.Value == "" {
					t.Fatalf("empty indicator %+v", x)
				}
			}
		}
	})
}
