package incident_test

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"saker/analyze"
	"saker/incident"
	"saker/rules"
)

// want is what a lab capture's incidents must be (testdata/lab/README.md says what each
// scenario does): per incident, the name of its first entry process, its phases and some
// of its indicators. The full stories are in testdata/NAME.txt.
type want struct {
	entry      string
	phases     []string
	indicators []string // "type value"
}

const wallet = "wallet 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"

var (
	mining = []string{"arrival", "execution", "command and control / mining", "impact"}
	labs   = map[string][]want{
		// Scenarios 6, 1, 2 and 3: one incident each; the pool's ends of their connections are
		// attached to the miners' findings, not incidents of their own.
		"lab-miners": {
			{"kdevtmpfsi", mining, []string{"domain xmr.pool.minergate.com", "ip 198.51.100.10", "wallet lab", "worker worker6",
				"path /run/saker-lab-13324/bin/kdevtmpfsi", "user root"}},
			{"xmrig", mining, []string{"domain pool.supportxmr.com", "ip 198.51.100.7", wallet,
				"agent XMRig/6.26.0 (Linux x86_64) libuv/1.48.0 gcc/12.2.0", "path /run/saker-lab-13324/bin/xmrig"}},
			{"syncd", mining, []string{"domain mine.xmrpool.net", "domain eu.mine.xmrpool.net", "ip 2001:db8:5a4e::8", wallet,
				"path /run/saker-lab-13324/bin/syncd"}},
			{"netmon", mining, []string{"domain stratum.antpool.com", "ip 198.51.100.9", "wallet lab", "worker worker3",
				"path /run/saker-lab-13324/bin/netmon"}},
		},
		// The kill chain's eight scripts, each started under its own unshare.
		"lab-killchain": {
			{"unshare", []string{"arrival", "download", "drop", "execution"}, []string{"domain downloads.example.org",
				"ip 2001:db8:5a4e::50", "path /tmp/saker-lab-19228/kc/kinsing"}},
			{"unshare", []string{"arrival", "drop", "defense evasion"}, []string{"path /run/saker-lab-19228/comp/sysupdate"}},
			{"unshare", []string{"arrival", "drop", "defense evasion"}, []string{"path /run/saker-lab-19228/drop/sshd"}},
			{"unshare", []string{"arrival", "persistence"}, []string{"user root"}},
			{"unshare", []string{"arrival", "lateral movement"}, []string{"ip 198.51.100.22"}},
			{"unshare", []string{"arrival", "privilege escalation"}, []string{"user root"}},
			{"unshare", []string{"arrival", "defense evasion", "impact"}, []string{"user root"}},
			{"unshare", []string{"arrival", "download", "drop", "execution", "persistence", "defense evasion",
				"command and control / mining", "impact"}, []string{"domain pool.supportxmr.com", "ip 198.51.100.7", wallet,
				"path /tmp/saker-lab-19228/kc/campaign/kdevtmpfsi"}},
		},
		// A real XMRig run three ways, one after another.
		"lab-xmrig": {
			{"timeout", mining, []string{"domain pool.supportxmr.com", "ip 198.51.100.7", wallet, "path /run/saker-lab-20704/bin/xmrig"}},
			{"timeout", mining, []string{"domain pool.supportxmr.com", "ip 2001:db8:5a4e::7", wallet, "path /run/saker-lab-20704/bin/syncd"}},
			{"timeout", mining, []string{"domain pool.supportxmr.com", "ip 198.51.100.7", "path /run/saker-lab-20704/bin/dbus-sync"}},
		},
		// Scenario 5 (drift, memfd) and 7 (msr); 4 (a setuid bit) and 10 (an SSH banner
		// exchange) are one warning each, which stays a finding.
		"lab-host": {
			{"sh", []string{"arrival", "drop", "execution", "defense evasion"}, []string{"path /tmp/saker-lab-13324/kworkerds"}},
			{"sh", []string{"arrival", "impact"}, []string{"user root"}},
		},
		"lab-container": {
			{"unshare", []string{"arrival", "drop", "execution", "defense evasion", "command and control / mining", "impact"},
				[]string{"domain pool.supportxmr.com", wallet, "path /usr/local/bin/kswapd0", "path /bin/xmrig", "container 5a4ec0de1ab0"}},
		},
		"lab-benign":     nil,
		"lab-lookalikes": nil,
	}
)

func TestLabIncidents(t *testing.T) {
	for name, wants := range labs {
		t.Run(name, func(t *testing.T) {
			c, ins := replayCapture(t, name)
			golden(t, name+".txt", stories(t, ins))
			if len(ins) != len(wants) {
				t.Fatalf("%d incidents, want %d", len(ins), len(wants))
			}
			for i, w := range wants {
				in := ins[i]
				if in.ID != i+1 {
					t.Errorf("incident %d has ID %d", i+1, in.ID)
				}
				var phases []string
				for _, p := range in.Phases() {
					phases = append(phases, p.String())
				}
				if !slices.Equal(phases, w.phases) {
					t.Errorf("incident %d: phases %q, want %q", in.ID, phases, w.phases)
				}
				if in.Steps[0].Phase != incident.PhaseArrival || !strings.HasPrefix(in.Steps[0].Text, w.entry+" (pid ") {
					t.Errorf("incident %d: first step %q, want the arrival of %s", in.ID, in.Steps[0].Text, w.entry)
				}
				for j := 1; j < len(in.Steps); j++ {
					if in.Steps[j].Time.Before(in.Steps[j-1].Time) {
						t.Errorf("incident %d: step %d before step %d", in.ID, j, j-1)
					}
				}
				var got []string
				for _, x := range in.Indicators {
					got = append(got, x.Type+" "+x.Value)
				}
				for _, x := range w.indicators {
					if !slices.Contains(got, x) {
						t.Errorf("incident %d: no indicator %q in %q", in.ID, x, got)
					}
				}
			}
			checkRollups(t, c, ins)
		})
	}
}

// checkRollups checks that every roll-up belongs to at most one incident, that attached
// roll-ups are in their client's incident, and that counts add up.
func checkRollups(t *testing.T, c *incident.Collector, ins []*incident.Incident) {
	t.Helper()
	owner := map[uint64]int{}
	for _, in := range ins {
		for _, ru := range in.Rollups {
			if o, ok := owner[ru.ID]; ok {
				t.Errorf("roll-up %d in incidents %d and %d", ru.ID, o, in.ID)
			}
			owner[ru.ID] = in.ID
		}
	}
	for _, ru := range c.Rollups() {
		if ru.AttachedTo != 0 {
			if owner[ru.AttachedTo] != owner[ru.ID] {
				t.Errorf("roll-up %d attached to %d but in incident %d, not %d", ru.ID, ru.AttachedTo, owner[ru.ID], owner[ru.AttachedTo])
			}
			if ru.Kind != incident.KeyConnection {
				t.Errorf("roll-up %d of kind %s attached", ru.ID, ru.Kind)
			}
		}
	}
}

// TestMinerRollup checks the numbers on the miner capture: 53 payload findings on
// four connections become four roll-ups on the miners' ends, with the pool's ends attached.
func TestMinerRollup(t *testing.T) {
	c, _ := replayCapture(t, "lab-miners")
	total, own, attached := 0, 0, 0
	for _, ru := range c.Rollups() {
		if ru.Rule != "Mining Protocol in Socket Payload" {
			continue
		}
		total += ru.Count
		if ru.AttachedTo == 0 {
			own++
		} else {
			attached++
		}
	}
	if total != 53 || own != 4 || attached != 4 {
		t.Errorf("payload findings %d in %d roll-ups with %d attached; want 53 in 4 with 4 attached", total, own, attached)
	}
}

func finding(rule string, proc uint64, conn uint64, at int, fields ...any) *analyze.Finding {
	f := &analyze.Finding{Alert: rules.Alert{Rule: rule, Priority: rules.PriorityWarning,
		Time: time.Date(2026, 1, 1, 0, 0, at, 0, time.UTC)}, ProcKey: proc, ConnID: conn, EventNum: uint64(at)}
	for i := 0; i+1 < len(fields); i += 2 {
		f.Fields = append(f.Fields, rules.OutputField{Name: fields[i].(string), Value: fields[i+1]})
	}
	return f
}

// TestRollupKeys checks the roll-up key of each kind: what is one finding and what stays two.
func TestRollupKeys(t *testing.T) {
	cases := []struct {
		name     string
		findings []*analyze.Finding
		kind     incident.KeyKind
		subject  string
		rollups  int
	}{
		{"connection: one per connection, whatever the messages", []*analyze.Finding{
			finding("P", 1, 7, 1, "fd.name", "a->b", "saker.stratum.msg", "login"),
			finding("P", 1, 7, 2, "fd.name", "a->b", "saker.stratum.msg", "submit"),
			finding("P", 1, 8, 3, "fd.name", "a->c"),
		}, incident.KeyConnection, "a->b", 2},
		{"domain: one per name asked, over any socket", []*analyze.Finding{
			finding("D", 1, 3, 1, "dns.query.name", "pool.example"),
			finding("D", 1, 4, 2, "dns.query.name", "pool.example"),
			finding("D", 1, 4, 3, "dns.query.name", "other.example"),
		}, incident.KeyDomain, "pool.example", 2},
		{"file: one per path", []*analyze.Finding{
			finding("F", 1, 0, 1, "fd.name", "/etc/crontab"),
			finding("F", 1, 0, 2, "fd.name", "/etc/crontab"),
			finding("F", 1, 0, 3, "fd.name", "/etc/rc.local"),
		}, incident.KeyFile, "/etc/crontab", 2},
		{"process: one per process", []*analyze.Finding{
			finding("X", 1, 0, 1, "proc.cmdline", "xmrig"),
			finding("X", 1, 0, 2, "proc.cmdline", "xmrig"),
			finding("X", 2, 0, 3, "proc.cmdline", "xmrig"),
		}, incident.KeyProcess, "", 2},
		{"a socket's fd.name without a connection is no file", []*analyze.Finding{
			finding("S", 1, 0, 1, "fd.name", "1.2.3.4:5->6.7.8.9:10"),
			finding("S", 1, 0, 2, "fd.name", "1.2.3.4:5->6.7.8.9:11"),
		}, incident.KeyProcess, "", 1},
		{"rules never share a key", []*analyze.Finding{
			finding("A", 1, 0, 1),
			finding("A", 1, 0, 2),
			finding("B", 1, 0, 3),
		}, incident.KeyProcess, "", 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := incident.NewRoller()
			for i, f := range tc.findings {
				ru, first := r.Add(f)
				if i == 0 && (!first || ru.Kind != tc.kind || ru.Subject != tc.subject) {
					t.Errorf("first finding: kind %s subject %q first %v, want %s %q true", ru.Kind, ru.Subject, first, tc.kind, tc.subject)
				}
				if i == 1 && first {
					t.Errorf("second finding starts a roll-up of its own")
				}
			}
			got := r.Rollups()
			if len(got) != tc.rollups {
				t.Fatalf("%d roll-ups, want %d", len(got), tc.rollups)
			}
			ru := got[0]
			if ru.Count != 2 || ru.FirstEvent != 1 || ru.LastEvent != 2 || !ru.Last.After(ru.First) || ru.Finding != tc.findings[0] {
				t.Errorf("roll-up %+v: want count 2, events 1 to 2, the first finding kept", ru)
			}
		})
	}
}

// TestRulePhases checks that each of saker's rules has its place in the story, chosen
// rather than guessed from tags.
func TestRulePhases(t *testing.T) {
	rs, _, err := analyze.LoadRules(false)
	if err != nil {
		t.Fatal(err)
	}
	s, en, _, err := analyze.Compile(rs, analyze.Options{})
	_ = s
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range en.Rules() {
		if !incident.HasRulePhase(r.Name) {
			t.Errorf("rule %q has no phase in incident's rulePhases", r.Name)
		}
	}
	if p := incident.PhaseOf("Someone's Rule", []string{"T1000", "mitre_persistence"}); p != incident.PhasePersistence {
		t.Errorf("a foreign rule tagged mitre_persistence: phase %s", p)
	}
	if p := incident.PhaseOf("Someone's Rule", nil); p != incident.PhaseExecution {
		t.Errorf("a foreign rule without tags: phase %s", p)
	}
}

func TestIndicatorsFromFindings(t *testing.T) {
	cases := []struct {
		f    *analyze.Finding
		want []string
	}{
		{finding("Stratum URI in Command Line", 1, 0, 1, "proc.cmdline", "netmon -o stratum+tcp://Pool.Example:3333 -u acct.rig1 -p x"),
			[]string{"domain pool.example", "wallet acct", "worker rig1"}},
		{finding("Known Miner Binary Executed", 1, 0, 1, "proc.cmdline", "xmrig --url=[2001:db8::7]:443 --user=W+5000"),
			[]string{"ip 2001:db8::7", "wallet W"}},
		{finding("Mining Protocol in Socket Payload", 1, 5, 1, "fd.name", "10.0.0.1:40000->192.0.2.7:3333", "saker.stratum.msg", "login",
			"evt.buffer", `{"id":1,"method":"login","params":{"login":"W.rig","pass":"x","agent":"XMRig/6","rigid":"r2"}}`),
			[]string{"ip 192.0.2.7", "wallet W", "worker rig", "worker r2", "agent XMRig/6"}},
		{finding("Mining Protocol in Socket Payload", 1, 5, 1, "fd.name", "10.0.0.1:40000->192.0.2.7:3333", "saker.stratum.msg", "mining.authorize",
			"evt.buffer", `{"id":2,"method":"mining.authorize","params":["acct.w3","x"]}`),
			[]string{"ip 192.0.2.7", "wallet acct", "worker w3"}},
		{finding("DNS Lookup of Mining Pool Domain", 1, 9, 1, "dns.query.name", "pool.example.", "dns.answer.ip", []string{"192.0.2.8"}, "fd.name", "10.0.0.1:5->10.0.0.53:53"),
			[]string{"domain pool.example", "ip 192.0.2.8"}},
		// curl's -o is its output file, not a pool: only mining rules' command lines are read.
		{finding("Download Piped to Shell", 1, 0, 1, "proc.cmdline", "curl -o /tmp/x http://h/"), nil},
	}
	for _, tc := range cases {
		t.Run(tc.f.Rule, func(t *testing.T) {
			tc.f.Tags = []string{"cryptomining"}
			if tc.f.Rule == "Download Piped to Shell" {
				tc.f.Tags = nil
			}
			c := incident.NewCollector()
			ru, _ := c.Finding(tc.f)
			got := incident.ObservedIndicators(c, ru.ID)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("indicators %q, want %q", got, tc.want)
			}
		})
	}
}

func TestMain(m *testing.M) { os.Exit(m.Run()) }

// TestSessionKind checks how an entry's ancestry (parent first) names its session.
func TestSessionKind(t *testing.T) {
	for _, tc := range []struct {
		ancestry []string
		want     string
	}{
		{[]string{"bash", "sshd", "sshd", "systemd"}, "an SSH session"},
		{[]string{"sh", "cron", "systemd"}, "cron"},
		{[]string{"sh", "containerd-shim-runc-v2", "systemd"}, "a container's entrypoint"},
		{[]string{"bash", "Runner.Worker", "Runner.Listener", "systemd"}, "a CI runner"},
		{[]string{"bash", "tmux: server", "systemd"}, ""},
		{nil, ""},
	} {
		if got := incident.SessionKind(tc.ancestry); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.ancestry, got, tc.want)
		}
	}
}
