package reports

import (
	"context"
	"database/sql"
	"fmt"
)

// maxSteps caps the steps of one incident the page shows.
const maxSteps = 200

// hasIncidents reports whether the database has the roll-up and incident tables (databases of
// earlier versions do not).
func (l *loader) hasIncidents(ctx context.Context) error {
	var n int
	err := query(ctx, l.db, `SELECT (SELECT count(*) FROM information_schema.tables
  WHERE table_name IN ('rollups', 'incidents', 'incident_steps', 'indicators'))
  + (SELECT count(*) FROM information_schema.columns WHERE table_name = 'findings' AND column_name = 'rollup_id')`,
		func(scan func(...any) error) error { return scan(&n) })
	if err != nil {
		return fmt.Errorf("tables: %w", err)
	}
	l.rolled = n == 5
	return nil
}

// incidents loads each incident with its steps, their evidence and its indicators, in the
// order of the captures and of the incidents' ids. carded tells which finding anchors have a
// card on the page; evidence without one is listed without a link.
func (l *loader) incidents(ctx context.Context, carded map[string]bool) error {
	if !l.rolled {
		return nil
	}
	lim := l.opts.MaxCell
	byKey := map[[2]any]*incidentView{}
	err := query(ctx, l.db, `SELECT capture_id, incident_id, priority, first_time, last_time, findings, rollups, phases
FROM incidents ORDER BY capture_id, incident_id`, func(scan func(...any) error) error {
		var capID, prio string
		var id, findings, rollups uint64
		var first, last sql.NullTime
		var phases any
		if err := scan(&capID, &id, &prio, &first, &last, &findings, &rollups, &phases); err != nil {
			return err
		}
		l.v.Incidents = append(l.v.Incidents, incidentView{Anchor: fmt.Sprintf("i-%d-%d", l.capIndex[capID], id), ID: id,
			Capture: show(capID, lim), Priority: priorityName(prio), Class: priorityClass(prio), First: fmtTimeNS(first),
			Last: fmtTimeNS(last), Findings: findings, Rollups: rollups, Phases: strList(phases)})
		return nil
	})
	if err != nil {
		return fmt.Errorf("incidents: %w", err)
	}
	for i := range l.v.Incidents {
		in := &l.v.Incidents[i]
		byKey[[2]any{in.Capture.String(), in.ID}] = in
	}
	err = query(ctx, l.db, `SELECT s.capture_id, s.incident_id, s.step, s.time, s.phase, s.pid, `+rawPrefix("s.text", 4*lim)+`,
  list({id: r.first_finding_id, count: r.count} ORDER BY r.rollup_id) FILTER (WHERE r.rollup_id IS NOT NULL) AS evidence
FROM incident_steps s LEFT JOIN rollups r ON r.capture_id = s.capture_id AND list_contains(s.rollup_ids, r.rollup_id)
WHERE s.step <= $1
GROUP BY ALL ORDER BY s.capture_id, s.incident_id, s.step`, func(scan func(...any) error) error {
		var capID, phase string
		var id, n uint64
		var t sql.NullTime
		var pid sql.NullInt64
		var text prefixed
		var evidence any
		if err := scan(append(append([]any{&capID, &id, &n, &t, &phase, &pid}, text.dests()...), &evidence)...); err != nil {
			return err
		}
		in := byKey[[2]any{show(capID, lim).String(), id}]
		if in == nil {
			return nil
		}
		st := stepView{N: n, Time: fmtTimeNS(t), Phase: phase, PID: pid.Int64, Text: text.show(4 * lim)}
		if list, ok := evidence.([]any); ok {
			for _, e := range list {
				m, _ := e.(map[string]any)
				fid, _ := m["id"].(uint64)
				cnt, _ := m["count"].(uint64)
				ev := evidenceLink{ID: fid, Count: cnt, Anchor: fmt.Sprintf("f-%d-%d", l.capIndex[capID], fid)}
				if !carded[ev.Anchor] {
					ev.Anchor = ""
				}
				st.Evidence = append(st.Evidence, ev)
			}
		}
		in.Steps = append(in.Steps, st)
		return nil
	}, maxSteps)
	if err != nil {
		return fmt.Errorf("incident steps: %w", err)
	}
	err = query(ctx, l.db, `SELECT i.capture_id, i.incident_id, i.steps FROM incidents i`, func(scan func(...any) error) error {
		var capID string
		var id, steps uint64
		if err := scan(&capID, &id, &steps); err != nil {
			return err
		}
		if in := byKey[[2]any{show(capID, lim).String(), id}]; in != nil {
			in.StepsMore = int(steps) - len(in.Steps)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("incidents: %w", err)
	}
	err = query(ctx, l.db, `SELECT capture_id, incident_id, type, `+rawPrefix("value", lim)+`, first_time, last_time
FROM indicators ORDER BY capture_id, incident_id, CASE type WHEN 'domain' THEN 1 WHEN 'ip' THEN 2 WHEN 'wallet' THEN 3
  WHEN 'worker' THEN 4 WHEN 'agent' THEN 5 WHEN 'path' THEN 6 WHEN 'sha256' THEN 7 WHEN 'user' THEN 8 WHEN 'container' THEN 9
  ELSE 10 END, first_time, value`, func(scan func(...any) error) error {
		var capID, typ string
		var id uint64
		var value prefixed
		var first, last sql.NullTime
		if err := scan(append(append([]any{&capID, &id, &typ}, value.dests()...), &first, &last)...); err != nil {
			return err
		}
		if in := byKey[[2]any{show(capID, lim).String(), id}]; in != nil && len(in.Indicators) < l.opts.MaxRows {
			in.Indicators = append(in.Indicators, indicatorView{Type: oneLine(typ, 16), Value: value.show(lim),
				First: fmtTimeNS(first), Last: fmtTimeNS(last)})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("indicators: %w", err)
	}
	return nil
}
