package incident

import (
	"cmp"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"saker/analyze"
)

// downloaders are programs whose connections in an incident are downloads.
var downloaders = []string{"curl", "wget", "fetch", "tftp", "scp", "sftp", "rsync", "lwp-download", "aria2c", "ftp"}

// story returns the incident's steps in time order: how it arrived, the downloads, drops
// and miner executions its records show, and a step per roll-up.
func (c *Collector) story(in *Incident, first, last time.Time) []Step {
	var steps []Step
	for _, k := range in.Entries {
		if p := c.procs[k]; p != nil {
			steps = append(steps, Step{Time: orTime(p.Start, in.First), Phase: PhaseArrival, PID: p.PID, ProcKey: k,
				Text: arrival(p)})
		}
	}
	var connIDs []uint64
	for _, k := range in.Processes {
		if p := c.procs[k]; p != nil && slices.Contains(downloaders, procName(p)) {
			connIDs = append(connIDs, c.outboundBy[k]...)
		}
	}
	slices.Sort(connIDs)
	for _, id := range connIDs {
		r, p := c.conns[id], c.procs[c.conns[id].ProcKey]
		steps = append(steps, Step{Time: r.First, Phase: PhaseDownload, PID: r.PID, ProcKey: r.ProcKey, ConnID: id,
			Text: fmt.Sprintf("%s (pid %d) fetched from %s: %d bytes received", procName(p), r.PID, server(r), r.BytesRecv)})
	}
	var paths []string
	for _, k := range in.Processes {
		paths = append(paths, c.dropsBy[k]...)
	}
	slices.Sort(paths)
	for _, fp := range paths {
		t := c.files[fp]
		text := fmt.Sprintf("%s (pid %d) wrote %s", c.name(t.written.ProcKey, t.written.PID), t.written.PID, fp)
		if t.chmod != nil {
			text += fmt.Sprintf("; %s (pid %d) made it executable (%04o)", c.name(t.chmod.ProcKey, t.chmod.PID), t.chmod.PID, t.chmod.Mode&0o7777)
		}
		for i, x := range t.execs {
			if i == 0 {
				text += "; run as"
			} else {
				text += ","
			}
			text += fmt.Sprintf(" pid %d", x.PID)
		}
		steps = append(steps, Step{Time: t.written.Time, Phase: PhaseDrop, PID: t.written.PID, ProcKey: t.written.ProcKey, Text: text})
	}
	miners := c.miners(in)
	var ran time.Duration
	for _, k := range miners {
		p := c.procs[k]
		if p == nil {
			continue
		}
		text := fmt.Sprintf("miner %s (pid %d) ran %s", procName(p), p.PID, orString(p.ExePath, p.Exe))
		if p.ExeSHA256 != "" {
			text += " (sha256 " + p.ExeSHA256 + ")"
		}
		if p.User != "" {
			text += " as " + p.User
		}
		text += ": " + p.Cmdline
		steps = append(steps, Step{Time: orTime(p.Exec, orTime(p.Start, in.First)), Phase: PhaseExecution, PID: p.PID, ProcKey: k, Text: text})
		start, end := p.Start, p.Exit
		if start.IsZero() || start.Before(first) {
			start = first
		}
		if end.IsZero() || end.After(last) {
			end = last
		}
		if end.After(start) {
			ran += end.Sub(start)
		}
	}
	attached := map[uint64]int{}
	for _, ru := range in.Rollups {
		if ru.AttachedTo != 0 {
			attached[ru.AttachedTo] += ru.Count
		}
	}
	for _, ru := range in.Rollups {
		if ru.AttachedTo != 0 {
			continue
		}
		steps = append(steps, Step{Time: ru.First, Phase: PhaseOf(ru.Rule, ru.Finding.Tags), PID: ru.PID, ProcKey: ru.ProcKey,
			ConnID: ru.ConnID, Rollups: []uint64{ru.ID}, Text: c.rollupText(ru, attached[ru.ID])})
	}
	if len(miners) > 0 && ran > 0 {
		steps = append(steps, Step{Time: last, Phase: PhaseImpact,
			Text: fmt.Sprintf("miner processes ran for %s in all within the capture (%d %s)",
				ran.Round(time.Millisecond), len(miners), plural(len(miners), "process", "processes"))})
	}
	slices.SortStableFunc(steps, func(a, b Step) int {
		return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.Phase, b.Phase), cmp.Compare(a.Text, b.Text))
	})
	return steps
}

// miners returns the keys of the incident's processes with a finding of a mining rule in the
// execution or mining phase, on their own end of a connection.
func (c *Collector) miners(in *Incident) []uint64 {
	var out []uint64
	for _, ru := range in.Rollups {
		p := PhaseOf(ru.Rule, ru.Finding.Tags)
		if ru.AttachedTo == 0 && ru.ProcKey != 0 && slices.Contains(ru.Finding.Tags, "cryptomining") &&
			(p == PhaseExecution || p == PhaseMining) && !slices.Contains(out, ru.ProcKey) {
			out = append(out, ru.ProcKey)
		}
	}
	slices.Sort(out)
	return out
}

// rollupText describes a roll-up as a step: rule, process, what its key names, how often.
func (c *Collector) rollupText(ru *Rollup, attached int) string {
	who := fmt.Sprintf("%s (pid %d)", c.name(ru.ProcKey, ru.PID), ru.PID)
	var what string
	switch ru.Kind {
	case KeyConnection:
		if r := c.conns[ru.ConnID]; r != nil {
			what = fmt.Sprintf("%s to %s, %d bytes sent, %d received", who, server(r), r.BytesSent, r.BytesRecv)
		} else {
			what = who + " on " + ru.Subject
		}
	case KeyDomain:
		what = who + " asked " + ru.Subject
		if ips := answerIPs(ru.Finding); ips != "" {
			what += " -> " + ips
		}
	case KeyFile:
		what = who + ": " + ru.Subject
	default:
		what = who
		if cmd, ok := field(ru.Finding, "proc.cmdline").(string); ok {
			what += ": " + cmd
		}
	}
	if v, ok := field(ru.Finding, "saker.written.int").(int64); ok {
		what += fmt.Sprintf(" (wrote %d)", v)
	}
	if msgs := c.stratumLogin(ru); msgs != "" {
		what += "; Stratum " + msgs
	}
	text := ru.Rule + ": " + what
	if ru.Count > 1 {
		text += fmt.Sprintf(" (%d times until %s)", ru.Count, ru.Last.UTC().Format("15:04:05.000"))
	}
	if attached > 0 {
		text += fmt.Sprintf(" (+%d on the server's end)", attached)
	}
	return text
}

// stratumLogin describes the login the Stratum messages of a roll-up's findings showed.
func (c *Collector) stratumLogin(ru *Rollup) string {
	if field(ru.Finding, "saker.stratum.msg") == nil {
		return ""
	}
	var parts []string
	for _, o := range c.obs[ru.ID] {
		switch o.typ {
		case IndicatorWallet:
			parts = append(parts, "login "+o.value)
		case IndicatorWorker:
			parts = append(parts, "worker "+o.value)
		}
	}
	return strings.Join(parts, ", ")
}

func answerIPs(f *analyze.Finding) string {
	switch v := field(f, "dns.answer.ip").(type) {
	case string:
		return v
	case []string:
		return strings.Join(v, ",")
	}
	return ""
}

// arrival describes how an entry process came: its parent chain, and the kind of session
// the chain shows.
func arrival(p *analyze.ProcessRecord) string {
	chain := slices.Clone(p.Ancestry)
	slices.Reverse(chain)
	how := "started by " + strings.Join(chain, " > ")
	if len(chain) == 0 {
		how = "parent unknown"
	}
	if kind := sessionKind(p.Ancestry); kind != "" {
		how = "from " + kind + ", " + how
	}
	if p.Container != "" && p.Container != "host" {
		how += " in container " + p.Container
	}
	return fmt.Sprintf("%s (pid %d) %s: %s", procName(p), p.PID, how, p.Cmdline)
}

// sessionKind names the session an ancestry (parent first) shows: the nearest ancestor that
// is an SSH server, cron, a container runtime's shim or a CI runner.
func sessionKind(ancestry []string) string {
	for _, a := range ancestry {
		switch {
		case a == "sshd" || strings.HasPrefix(a, "sshd-"):
			return "an SSH session"
		case a == "cron" || a == "crond" || a == "anacron" || a == "atd":
			return "cron"
		case strings.HasPrefix(a, "containerd-shim") || a == "runc" || a == "conmon" || a == "crun":
			return "a container's entrypoint"
		case a == "Runner.Worker" || a == "Runner.Listener" || a == "gitlab-runner" || a == "buildkite-agent":
			return "a CI runner"
		}
	}
	return ""
}

func server(r *analyze.ConnRecord) string {
	proto := "udp"
	if r.Proto == 6 {
		proto = "tcp"
	}
	s := fmt.Sprintf("%s/%s", unmap(r.Remote), proto)
	if len(r.ServerNames) > 0 {
		s = strings.Join(r.ServerNames, ",") + " (" + s + ")"
	}
	return s
}

func (c *Collector) name(k uint64, pid uint32) string {
	if p := c.procs[k]; p != nil {
		return procName(p)
	}
	return fmt.Sprintf("pid-%d", pid)
}

func procName(p *analyze.ProcessRecord) string {
	if p.Name != "" {
		return p.Name
	}
	return path.Base(p.ExePath)
}

func orTime(t, orElse time.Time) time.Time {
	if t.IsZero() {
		return orElse
	}
	return t
}

func orString(s, orElse string) string {
	if s == "" {
		return orElse
	}
	return s
}

// indicators gathers the incident's indicators: those its findings showed, the servers of
// its downloads, its miners' executables and hashes, files dropped and made executable or
// run, users, containers and images.
func (c *Collector) indicators(in *Incident) []Indicator {
	var out []Indicator
	add := func(typ, v string, t time.Time) {
		if v == "" {
			return
		}
		for i := range out {
			if out[i].Type == typ && out[i].Value == v {
				if t.Before(out[i].First) {
					out[i].First = t
				}
				if t.After(out[i].Last) {
					out[i].Last = t
				}
				return
			}
		}
		out = append(out, Indicator{Type: typ, Value: v, First: t, Last: t})
	}
	for _, ru := range in.Rollups {
		for _, o := range c.obs[ru.ID] {
			add(o.typ, o.value, o.t)
		}
		if ru.Count > 1 {
			for _, o := range c.obs[ru.ID] {
				add(o.typ, o.value, ru.Last)
			}
		}
		if ru.AttachedTo != 0 {
			continue
		}
		f := ru.Finding
		if p := c.procs[ru.ProcKey]; p != nil {
			add(IndicatorUser, p.User, ru.First)
			if p.Container != "" && p.Container != "host" {
				add(IndicatorContainer, p.Container, ru.First)
			}
		}
		if img, ok := field(f, "container.image.repository").(string); ok {
			add(IndicatorImage, img, ru.First)
		}
	}
	for _, s := range in.Steps {
		if r := c.conns[s.ConnID]; r != nil && s.Phase == PhaseDownload && len(s.Rollups) == 0 {
			for _, n := range r.ServerNames {
				add(IndicatorDomain, strings.ToLower(n), r.First)
			}
			add(IndicatorIP, r.Remote.Addr().Unmap().String(), r.First)
		}
	}
	for _, k := range c.miners(in) {
		if p := c.procs[k]; p != nil {
			t := orTime(p.Exec, orTime(p.Start, in.First))
			add(IndicatorPath, p.ExePath, t)
			add(IndicatorSHA256, p.ExeSHA256, t)
		}
	}
	for _, k := range in.Processes {
		for _, fp := range c.dropsBy[k] {
			add(IndicatorPath, fp, c.files[fp].written.Time)
		}
	}
	sortIndicators(out)
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
