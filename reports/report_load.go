package reports

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"saker/capfile"
)

// loader reads the report's view from a database.
type loader struct {
	db   *sql.DB
	opts ReportOptions
	v    *reportView
	// capIndex numbers captures for anchors: capture ids are text from the command line.
	capIndex map[string]int
	// rolled is set when the database has the rollups and incident tables.
	rolled bool
}

// captures loads the capture summaries with their rules and findings counts.
func (l *loader) captures(ctx context.Context) error {
	rulesLoaded := map[string][2]int{}
	err := query(ctx, l.db, `SELECT capture_id, count(*), count(*) FILTER (WHERE enabled) FROM rules GROUP BY ALL`,
		func(scan func(...any) error) error {
			var id string
			var n, en int
			if err := scan(&id, &n, &en); err != nil {
				return err
			}
			rulesLoaded[id] = [2]int{n, en}
			return nil
		})
	if err != nil {
		return fmt.Errorf("rules: %w", err)
	}
	found := map[string]int{}
	err = query(ctx, l.db, `SELECT capture_id, count(*) FROM findings GROUP BY ALL`, func(scan func(...any) error) error {
		var id string
		var n int
		if err := scan(&id, &n); err != nil {
			return err
		}
		found[id] = n
		return nil
	})
	if err != nil {
		return fmt.Errorf("findings: %w", err)
	}
	lim := l.opts.MaxCell
	q := `SELECT capture_id, ` + rawPrefix("host", lim) + `, kernel, boot_id, source, saker_version, start, stop,
  events, lost, verified, problems, manifest, signature FROM capture ORDER BY start NULLS LAST, capture_id`
	err = query(ctx, l.db, q, func(scan func(...any) error) error {
		var id string
		var host prefixed
		var kernel, boot, source, version, manifest, signature sql.NullString
		var start, stop sql.NullTime
		var events, lost sql.Null[uint64]
		var verified sql.NullBool
		var problems any
		if err := scan(append(append([]any{&id}, host.dests()...), &kernel, &boot, &source, &version, &start, &stop,
			&events, &lost, &verified, &problems, &manifest, &signature)...); err != nil {
			return err
		}
		c := captureView{ID: show(id, lim), Host: host.show(lim), Kernel: show(kernel.String, lim),
			BootID: show(boot.String, lim), Source: show(source.String, lim), SakerVersion: show(version.String, lim),
			Start: fmtTime(start), Stop: fmtTime(stop), Duration: fmtDuration(start, stop),
			Events: events.V, Lost: lost.V, Verified: verified.Valid && verified.Bool, Signature: show(signature.String, lim),
			RulesLoaded: rulesLoaded[id][0], RulesEnabled: rulesLoaded[id][1], Findings: found[id]}
		probs := strList(problems)
		c.Problems = showList(probs, lim, l.opts.MaxRows)
		l.manifest(&c, manifest.String, probs)
		c.Manifest = showLines(indentJSON(manifest.String), 64<<10)
		l.capIndex[id] = len(l.v.Captures)
		l.v.Captures = append(l.v.Captures, c)
		return nil
	})
	if err != nil {
		return fmt.Errorf("capture: %w", err)
	}
	l.v.Multi = len(l.v.Captures) > 1
	return nil
}

// manifest fills c's per-file integrity, and what was not captured, from the manifest.
func (l *loader) manifest(c *captureView, text string, problems []string) {
	if text == "" {
		c.ManifestError = "no manifest (not a saker bundle)"
		return
	}
	var m capfile.Manifest
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		c.ManifestError = "manifest does not parse: " + err.Error()
		return
	}
	lim := l.opts.MaxCell
	if c.Kernel.Empty() {
		c.Kernel = show(m.Kernel, lim)
	}
	if c.BootID.Empty() {
		c.BootID = show(m.BootID, lim)
	}
	c.Status, c.Reason = show(m.Status, lim), show(m.StopReason, lim)
	for _, cp := range m.Captured {
		if !cp.Recorded {
			c.NotCaptured = append(c.NotCaptured, show(cp.Name+": "+cp.Reason, lim))
		}
	}
	for i, f := range m.Files {
		if i == l.opts.MaxRows {
			c.NotCaptured = append(c.NotCaptured, show(fmt.Sprintf("manifest lists %d more files", len(m.Files)-i), 0))
			break
		}
		fi := fileIntegrity{Name: show(f.Name, lim), Kind: show(f.Kind, lim), SHA256: show(f.SHA256, 80),
			Size: f.Size, Complete: f.Complete, Status: "unverified"}
		if c.Verified {
			fi.Status = "verified"
		}
		for _, p := range problems {
			if strings.HasPrefix(p, f.Name+": ") {
				fi.Status, fi.Problem = "problem", show(strings.TrimPrefix(p, f.Name+": "), lim)
				break
			}
		}
		c.Files = append(c.Files, fi)
	}
}

// indentJSON returns s indented when it is JSON, else s.
func indentJSON(s string) string {
	var b bytes.Buffer
	if json.Indent(&b, []byte(s), "", "  ") != nil {
		return s
	}
	return b.String()
}

// ruleInfo is a rule's row of the rules table.
type ruleInfo struct {
	desc, cond, output string
	tags               []string
}

// findings loads the priority and rule groups with their cards.
func (l *loader) findings(ctx context.Context) ([]*cardRef, error) {
	infos := map[string]ruleInfo{}
	err := query(ctx, l.db, `SELECT name, "desc", condition, output, tags FROM rules
WHERE name IN (SELECT DISTINCT rule FROM findings)
QUALIFY row_number() OVER (PARTITION BY name ORDER BY capture_id) = 1`, func(scan func(...any) error) error {
		var name, desc, cond, out sql.NullString
		var tags any
		if err := scan(&name, &desc, &cond, &out, &tags); err != nil {
			return err
		}
		// Rule files often end these with a newline: rule authors' text, trimmed for the page.
		infos[name.String] = ruleInfo{strings.TrimSpace(desc.String), strings.TrimSpace(cond.String),
			strings.TrimSpace(out.String), strList(tags)}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	groups := map[string]*priorityGroup{}
	rg := map[[2]string]*ruleGroup{}
	lim := l.opts.MaxCell
	err = query(ctx, l.db, `SELECT coalesce(priority, ''), coalesce(rule, ''), count(*), min(time), max(time) FROM findings GROUP BY ALL`,
		func(scan func(...any) error) error {
			var prio, rule string
			var n int
			var first, last sql.NullTime
			if err := scan(&prio, &rule, &n, &first, &last); err != nil {
				return err
			}
			name := priorityName(prio)
			g := groups[name]
			if g == nil {
				g = &priorityGroup{Name: name, Class: priorityClass(prio)}
				groups[name] = g
			}
			g.Count += n
			l.v.Findings += n
			for i := range g.Rules {
				// "WARNING" and "Warning" are one priority: merge their rows.
				if r := &g.Rules[i]; r.Name.String() == show(rule, lim).String() {
					r.Count += n
					r.First, r.Last = minTime(r.First, fmtTime(first)), maxTime(r.Last, fmtTime(last))
					return nil
				}
			}
			info, known := infos[rule]
			g.Rules = append(g.Rules, ruleGroup{Name: show(rule, lim), Priority: name, Class: g.Class, Count: n,
				First: fmtTime(first), Last: fmtTime(last), Desc: showLines(info.desc, 4*lim), Condition: showLines(info.cond, 64*lim),
				Output: showLines(info.output, 4*lim), Tags: showList(info.tags, lim, 20), Known: known})
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("findings: %w", err)
	}
	for _, g := range groups {
		sort.Slice(g.Rules, func(i, j int) bool {
			a, b := g.Rules[i], g.Rules[j]
			if a.Count != b.Count {
				return a.Count > b.Count
			}
			return a.Name.String() < b.Name.String()
		})
		l.v.Priorities = append(l.v.Priorities, *g)
	}
	sort.Slice(l.v.Priorities, func(i, j int) bool {
		a, b := l.v.Priorities[i], l.v.Priorities[j]
		if ra, rb := priorityRank(a.Name), priorityRank(b.Name); ra != rb {
			return ra < rb
		}
		return a.Name < b.Name
	})
	n := 0
	for i := range l.v.Priorities {
		for j := range l.v.Priorities[i].Rules {
			r := &l.v.Priorities[i].Rules[j]
			n++
			r.Anchor = fmt.Sprintf("r-%d", n)
			rg[[2]string{l.v.Priorities[i].Name, r.Name.String()}] = r
		}
	}
	return l.cards(ctx, rg)
}

// minTime and maxTime compare times as fmtTime writes them ("" for none).
func minTime(a, b string) string {
	if a == "" || (b != "" && b < a) {
		return b
	}
	return a
}

func maxTime(a, b string) string {
	if b > a {
		return b
	}
	return a
}

// cardRef ties a card to the keys its context is looked up by.
type cardRef struct {
	card          *findingCard
	capture       string
	process, conn uint64
}

// cards loads up to MaxFindingsPerRule findings of each rule group (MaxCards in all, the most
// severe first) as cards.
func (l *loader) cards(ctx context.Context, rg map[[2]string]*ruleGroup) ([]*cardRef, error) {
	lim := l.opts.MaxCell
	q := `SELECT capture_id, finding_id, coalesce(rule, ''), coalesce(priority, ''), time, ` + rawPrefix("output", 4*lim) + `,
  tags, pid, process_key, connection_id, repeats, last_time, attached FROM (` + l.rolledFindings() + `)
QUALIFY row_number() OVER (PARTITION BY priority, rule ORDER BY time, finding_id) <= $1
ORDER BY ` + rankSQL + `, time, finding_id LIMIT $2`
	var refs []*cardRef
	err := query(ctx, l.db, q, func(scan func(...any) error) error {
		var capID, rule, prio string
		var id uint64
		var t sql.NullTime
		var out prefixed
		var tags any
		var pid sql.NullInt64
		var pk, conn sql.Null[uint64]
		var repeats, attached int64
		var last sql.NullTime
		if err := scan(append(append([]any{&capID, &id, &rule, &prio, &t}, out.dests()...), &tags, &pid, &pk, &conn,
			&repeats, &last, &attached)...); err != nil {
			return err
		}
		name := priorityName(prio)
		c := &findingCard{Anchor: fmt.Sprintf("f-%d-%d", l.capIndex[capID], id), ID: id, Capture: show(capID, lim),
			Time: fmtTimeNS(t), Priority: name, Class: priorityClass(prio), Output: out.show(4 * lim),
			Tags: showList(strList(tags), lim, 20), PID: pid.Int64, Count: int(repeats), Attached: int(attached)}
		if repeats > 1 {
			c.Last = fmtTimeNS(last)
		}
		if g := rg[[2]string{name, show(rule, lim).String()}]; g != nil {
			g.Cards = append(g.Cards, c)
		}
		refs = append(refs, &cardRef{card: c, capture: capID, process: pk.V, conn: conn.V})
		return nil
	}, l.opts.MaxFindingsPerRule, l.opts.MaxCards)
	if err != nil {
		return nil, fmt.Errorf("findings: %w", err)
	}
	for _, r := range rg {
		r.More = r.Count
		for _, c := range r.Cards {
			r.More -= c.Count + c.Attached
		}
	}
	return refs, nil
}

// list loads the flat findings list: the MaxList most severe findings, in time order.
func (l *loader) list(ctx context.Context) error {
	lim := l.opts.MaxCell
	q := `SELECT capture_id, finding_id, coalesce(rule, ''), coalesce(priority, ''), time, pid, ` + rawPrefix("output", lim) + `,
  repeats, attached FROM (` + l.rolledFindings() + `) ORDER BY ` + rankSQL + `, time, finding_id LIMIT $1`
	shown := 0
	err := query(ctx, l.db, q, func(scan func(...any) error) error {
		var capID, rule, prio string
		var id uint64
		var t sql.NullTime
		var pid sql.NullInt64
		var out prefixed
		var repeats, attached int64
		if err := scan(append(append([]any{&capID, &id, &rule, &prio, &t, &pid}, out.dests()...), &repeats, &attached)...); err != nil {
			return err
		}
		name := priorityName(prio)
		l.v.List = append(l.v.List, findingRow{ID: id, Capture: show(capID, lim), Time: fmtTimeNS(t),
			Priority: name, Class: priorityClass(prio), Rule: show(rule, lim), PID: pid.Int64, Output: out.show(lim),
			Anchor: fmt.Sprintf("f-%d-%d", l.capIndex[capID], id), Count: int(repeats), Attached: int(attached)})
		shown += int(repeats + attached)
		return nil
	}, l.opts.MaxList)
	if err != nil {
		return fmt.Errorf("findings: %w", err)
	}
	sort.SliceStable(l.v.List, func(i, j int) bool { return l.v.List[i].Time < l.v.List[j].Time })
	l.v.ListMore = l.v.Findings - shown
	return nil
}

// rolledFindings is the SQL of the findings the page shows: the first finding of each roll-up
// standing alone, with repeats (the roll-up's count), last_time, and attached (the findings of
// the roll-ups attached to it: the server's end of its connection). In a database without
// roll-ups (of an earlier version) every finding stands for itself.
func (l *loader) rolledFindings() string {
	if !l.rolled {
		return `SELECT *, 1::BIGINT AS repeats, time AS last_time, 0::BIGINT AS attached FROM findings`
	}
	return `SELECT f.*, coalesce(r.count, 1)::BIGINT AS repeats, coalesce(r.last_time, f.time) AS last_time,
  coalesce((SELECT sum(a.count) FROM rollups a WHERE a.capture_id = r.capture_id AND a.attached_to = r.rollup_id), 0)::BIGINT AS attached
FROM findings f LEFT JOIN rollups r ON r.capture_id = f.capture_id AND r.rollup_id = f.rollup_id
WHERE f.rollup_id IS NULL OR r.rollup_id IS NULL OR r.first_finding_id = f.finding_id AND r.attached_to = 0`
}
