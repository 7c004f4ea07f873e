package lab

import "fmt"

// PoolRoot is the name under which a Record keeps the pool server's pid.
const PoolRoot = "pool"

// Record is what a lab run writes beside its capture (lab.json): enough to check the
// capture again later without the lab.
type Record struct {
	Capture string `json:"capture"`
	// Dir and Tmp are the run's working directories, "{dir}" and "{tmp}" in expectations.
	Dir string `json:"dir"`
	Tmp string `json:"tmp"`
	// Roots maps scenario names (and PoolRoot) to the pid the lab started.
	Roots map[string]uint32 `json:"roots"`
	// Host and Kernel say where it was made.
	Host   string `json:"host"`
	Kernel string `json:"kernel"`
}

// Row is one expectation of a checked capture and how many findings matched it.
type Row struct {
	Scenario string
	Expect   Expect
	Seen     int
}

// Check compares the findings fs of capture c with its expectations. tree maps the pids of
// the lab's processes to the root pid they descend from (Descendants); findings of other
// processes are ignored. It returns one row per expectation and the problems: findings of
// a lab process that no expectation of its scenario explains, expectations without a Gap
// that no finding matched, and expectations with a Gap that a finding matched.
func Check(c Capture, rec Record, fs []Finding, tree map[uint32]uint32) (rows []Row, problems []string) {
	vars := map[string]string{"dir": rec.Dir, "tmp": rec.Tmp}
	type scen struct {
		name   string
		expect []Expect
		first  int // index of its first row
	}
	byRoot := map[uint32]*scen{}
	add := func(name string, exp []Expect) {
		pid, ok := rec.Roots[name]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: no pid recorded", name))
			return
		}
		byRoot[pid] = &scen{name: name, expect: exp, first: len(rows)}
		for _, e := range exp {
			rows = append(rows, Row{Scenario: name, Expect: e})
		}
	}
	add(PoolRoot, c.Pool)
	for _, s := range c.Scenarios {
		add(s.Name, s.Expect)
	}
	for i := range fs {
		f := &fs[i]
		root, ok := tree[f.PID]
		if !ok {
			continue
		}
		s := byRoot[root]
		if s == nil {
			continue
		}
		matched := false
		for j, e := range s.expect {
			if e.matches(f, root, vars) {
				rows[s.first+j].Seen++
				matched = true
			}
		}
		if !matched {
			problems = append(problems, fmt.Sprintf("%s: unexpected finding (pid %d, root %d): %s: %s",
				s.name, f.PID, root, f.Rule, f.Output))
		}
	}
	for _, r := range rows {
		switch {
		case r.Seen == 0 && r.Expect.Gap == "":
			problems = append(problems, fmt.Sprintf("%s: missing finding: %s", r.Scenario, r.Expect))
		case r.Seen > 0 && r.Expect.Gap != "":
			problems = append(problems, fmt.Sprintf("%s: finding marked as a known gap (%s) is now made: remove the mark: %s",
				r.Scenario, r.Expect.Gap, r.Expect))
		}
	}
	return rows, problems
}
