package lab

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Finding is what the lab reads of one `saker analyze --json` alert.
type Finding struct {
	Rule     string
	Priority string
	// Fields are the alert's output_fields as text: strings as they are, null as "<NA>",
	// lists and numbers as their JSON. "saker.dns" holds the DNS answers the alert cites;
	// "saker.io_uring" and "saker.ia32" are "true" when the event came through an io_uring
	// request or a 32-bit system call.
	Fields map[string]string
	// PID is the process of the event (the alert's saker.pid).
	PID uint32
	// Output is the alert's text, for messages.
	Output string
}

// ParseFindings reads one JSON alert per line, as `saker analyze --json` prints them.
func ParseFindings(b []byte) ([]Finding, error) {
	var out []Finding
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var a struct {
			Rule         string                     `json:"rule"`
			Priority     string                     `json:"priority"`
			Output       string                     `json:"output"`
			OutputFields map[string]json.RawMessage `json:"output_fields"`
			Saker        struct {
				PID     uint32 `json:"pid"`
				IOUring bool   `json:"io_uring"`
				IA32    bool   `json:"ia32"`
				DNS     []struct {
					IP   string `json:"ip"`
					Name string `json:"name"`
					PID  uint32 `json:"pid"`
				} `json:"dns"`
			} `json:"saker"`
		}
		if err := json.Unmarshal(line, &a); err != nil {
			return nil, fmt.Errorf("alert line %d: %w", n, err)
		}
		f := Finding{Rule: a.Rule, Priority: a.Priority, Output: a.Output, PID: a.Saker.PID,
			Fields: make(map[string]string, len(a.OutputFields))}
		for k, raw := range a.OutputFields {
			f.Fields[k] = fieldText(raw)
		}
		if a.Saker.IOUring {
			f.Fields["saker.io_uring"] = "true"
		}
		if a.Saker.IA32 {
			f.Fields["saker.ia32"] = "true"
		}
		if len(a.Saker.DNS) > 0 {
			// The DNS answers the finding cites, as "name=ip asked by pid", comma-separated.
			ev := make([]string, len(a.Saker.DNS))
			for i, d := range a.Saker.DNS {
				ev[i] = fmt.Sprintf("%s=%s asked by %d", d.Name, d.IP, d.PID)
			}
			f.Fields["saker.dns"] = strings.Join(ev, ", ")
		}
		out = append(out, f)
	}
	return out, sc.Err()
}

// fieldText renders a JSON output field value: strings as they are, null as <NA>, other
// values as their JSON text.
func fieldText(raw json.RawMessage) string {
	if string(raw) == "null" { // before Unmarshal, which takes null into a string as ""
		return "<NA>"
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s
	}
	return string(raw)
}

// Expect is one finding a scenario must produce: the rule, and output fields whose values
// must match. A value is a pattern in which "*" stands for any text, "{dir}" and "{tmp}"
// for the run's directories, "{pid}" for the scenario's pid and "{self}" for the pid of the
// finding itself; everything else matches itself. Every finding of the scenario's
// processes must match one Expect of the scenario, and every Expect must be matched.
type Expect struct {
	Rule string
	// Root requires the finding to be the scenario's own process (the pid the lab started)
	// rather than one of its descendants.
	Root   bool
	Fields map[string]string
	// Gap, when set, says which saker shortcoming keeps this finding from being made today.
	// Its absence is then reported instead of failing; its presence fails the check, so that
	// the mark is removed once saker is fixed.
	Gap string
}

// String names the expectation in messages.
func (e Expect) String() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(e.Rule)
	if e.Root {
		b.WriteString(" [root pid]")
	}
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%s", k, e.Fields[k])
	}
	return b.String()
}

// matches tells whether f fulfils e, with vars substituted in e's patterns.
func (e Expect) matches(f *Finding, rootPID uint32, vars map[string]string) bool {
	if f.Rule != e.Rule || (e.Root && f.PID != rootPID) {
		return false
	}
	for k, pat := range e.Fields {
		v, ok := f.Fields[k]
		pat = strings.NewReplacer("{pid}", fmt.Sprint(rootPID), "{self}", fmt.Sprint(f.PID)).Replace(expand(pat, vars))
		if !ok || !glob(pat, v) {
			return false
		}
	}
	return true
}

func expand(pat string, vars map[string]string) string {
	for k, v := range vars {
		pat = strings.ReplaceAll(pat, "{"+k+"}", v)
	}
	return pat
}

// glob matches s against pat, where "*" matches any run of characters, "/" included.
func glob(pat, s string) bool {
	first, rest, star := strings.Cut(pat, "*")
	if !star {
		return pat == s
	}
	if !strings.HasPrefix(s, first) {
		return false
	}
	s = s[len(first):]
	for i := 0; i <= len(s); i++ {
		if glob(rest, s[i:]) {
			return true
		}
	}
	return false
}
