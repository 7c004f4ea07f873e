package reports

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Preset is a canned question: a named SQL statement. Presets whose Arg is set take one argument
// (see RunPreset).
type Preset struct {
	Name string
	Desc string
	Arg  string // what the argument is, "" when the preset takes none
	SQL  string
}

// ErrUnknownPreset is returned by RunPreset for a name not in Presets.
var ErrUnknownPreset = errors.New("unknown preset")

// ErrPresetArg is returned by RunPreset for a missing, unwanted or malformed argument.
var ErrPresetArg = errors.New("bad preset argument")

// poolNames matches names of mining pools and their usual hosting patterns.
const poolNames = `(pool|xmr|monero|nicehash|nanopool|minexmr|supportxmr|hashvault|2miners|f2pool|c3pool|moneroocean|mining|stratum|crypto-pool|herominers|unmineable)`

// miningPorts are stratum ports miners commonly use.
const miningPorts = `(3333, 3334, 3357, 4444, 5555, 5556, 6666, 7777, 8888, 9999, 10128, 10343, 14433, 14444, 20535, 20580, 45560, 45700)`

var presets = []Preset{
	{
		Name: "timeline",
		Desc: "findings, execs, connections, DNS and file actions by time (processes already running at the start: preset running-at-start)",
		SQL: `SELECT capture_id, time, what, pid, detail FROM (
  SELECT capture_id, time, 'finding' AS what, pid, priority || ' ' || rule || ': ' || coalesce(output, '') AS detail FROM findings
  UNION ALL
  SELECT capture_id, start, 'exec', pid, coalesce(exe, '') || ' ' || coalesce(cmdline, '') FROM processes p
  WHERE start IS NOT NULL AND start >= coalesce((SELECT min(c.start) FROM capture c WHERE c.capture_id = p.capture_id), start)
  UNION ALL
  SELECT capture_id, first_time, 'connect', pid, proto || ' ' || remote_ip || ':' || remote_port ||
    CASE WHEN len(names) > 0 THEN ' (' || array_to_string(names, ',') || ')' ELSE '' END FROM connections
  UNION ALL
  SELECT capture_id, time, 'dns', pid, qname || ' ' || coalesce(qtype, '') || ' ' || coalesce(rcode, '') || ' -> ' || array_to_string(answers, ',') FROM dns
  UNION ALL
  SELECT capture_id, time, 'file ' || action, pid, path FROM files
) ORDER BY time, capture_id, what`,
	},
	{
		Name: "incidents",
		Desc: "incidents and their stories: one row per step, in time order (docs/INCIDENTS.md)",
		SQL: `SELECT i.capture_id, i.incident_id, i.priority, s.step, s.time, s.phase, s.pid, s.text,
  (SELECT sum(r.count) FROM rollups r WHERE r.capture_id = s.capture_id AND list_contains(s.rollup_ids, r.rollup_id)) AS findings
FROM incidents i JOIN incident_steps s USING (capture_id, incident_id)
ORDER BY i.capture_id, i.incident_id, s.step`,
	},
	{
		Name: "indicators",
		Desc: "indicators of the incidents (pool names and addresses, wallets, miner paths and hashes, users, containers) with first and last seen",
		SQL: `SELECT type, value, list(DISTINCT capture_id || '#' || incident_id ORDER BY capture_id || '#' || incident_id) AS incidents,
  min(first_time) AS first_seen, max(last_time) AS last_seen
FROM indicators GROUP BY type, value
ORDER BY CASE type WHEN 'domain' THEN 1 WHEN 'ip' THEN 2 WHEN 'wallet' THEN 3 WHEN 'worker' THEN 4 WHEN 'agent' THEN 5
  WHEN 'path' THEN 6 WHEN 'sha256' THEN 7 WHEN 'user' THEN 8 WHEN 'container' THEN 9 ELSE 10 END, first_seen, value`,
	},
	{
		Name: "running-at-start",
		Desc: "processes already running when the capture started (the snapshot), oldest first",
		SQL: `SELECT p.capture_id, p.start, p.pid, p.ppid, p."user", p.exe, p.cmdline, p.exe_sha256, p.container_id
FROM processes p JOIN capture c USING (capture_id)
WHERE p.start < c.start
ORDER BY p.start, p.pid`,
	},
	{
		Name: "process-tree",
		Desc: "ancestors and descendants of a pid or a finding's process",
		Arg:  "PID or finding:ID",
		SQL: `WITH RECURSIVE target AS (
  SELECT capture_id, process_key FROM processes WHERE pid = $1
  UNION
  SELECT capture_id, process_key FROM findings WHERE finding_id = $2 AND process_key <> 0
), up AS (
  SELECT p.capture_id, p.process_key, p.parent_key, 0 AS depth
  FROM processes p JOIN target t USING (capture_id, process_key)
  UNION ALL
  SELECT p.capture_id, p.process_key, p.parent_key, up.depth - 1
  FROM processes p JOIN up ON p.capture_id = up.capture_id AND p.process_key = up.parent_key
  WHERE up.parent_key <> 0 AND up.depth > -64
), down AS (
  SELECT capture_id, process_key, 0 AS depth FROM target
  UNION ALL
  SELECT p.capture_id, p.process_key, down.depth + 1
  FROM processes p JOIN down ON p.capture_id = down.capture_id AND p.parent_key = down.process_key
  WHERE down.depth < 64
), tree AS (
  SELECT capture_id, process_key, depth FROM up
  UNION
  SELECT capture_id, process_key, depth FROM down
)
SELECT t.capture_id, t.depth,
  CASE WHEN t.depth < 0 THEN 'ancestor' WHEN t.depth = 0 THEN 'self' ELSE 'descendant' END AS relation,
  p.pid, p.ppid, p.start, p.exe, p.cmdline, p."user"
FROM tree t JOIN processes p USING (capture_id, process_key)
ORDER BY t.capture_id, t.depth, p.start, p.pid`,
	},
	{
		Name: "pool-connections",
		Desc: "likely pool connections with the DNS answers behind them",
		SQL: `SELECT c.capture_id, c.connection_id, c.first_time, c.pid, p.exe, c.proto, c.remote_ip, c.remote_port, c.names,
  list(DISTINCT d.qname ORDER BY d.qname) FILTER (WHERE d.qname IS NOT NULL) AS dns_qnames,
  max(d.time) AS dns_time, any_value(d.resolver) AS dns_resolver,
  c.bytes_sent, c.bytes_recv
FROM connections c
LEFT JOIN processes p ON p.capture_id = c.capture_id AND p.process_key = c.process_key
LEFT JOIN dns d ON d.capture_id = c.capture_id AND list_contains(d.answers, c.remote_ip) AND d.time <= c.first_time
WHERE c.connection_id IN (SELECT connection_id FROM findings f WHERE f.capture_id = c.capture_id AND f.connection_id <> 0)
   OR c.remote_port IN ` + miningPorts + `
   OR regexp_matches(lower(array_to_string(c.names, ' ')), '` + poolNames + `')
GROUP BY ALL
ORDER BY c.first_time, c.capture_id, c.connection_id`,
	},
	{
		Name: "new-executables",
		Desc: "files written during the capture and then executed",
		SQL: `SELECT f.capture_id, f.path, f.time AS written, f.action, w.pid AS writer_pid, w.exe AS writer,
  p.start AS executed, p.pid, p.cmdline
FROM files f
JOIN processes p ON p.capture_id = f.capture_id AND p.exe = f.path AND p.start >= f.time
LEFT JOIN processes w ON w.capture_id = f.capture_id AND w.process_key = f.process_key
WHERE f.action IN ('create', 'write', 'rename', 'chmod')
ORDER BY p.start, f.capture_id, f.time`,
	},
	{
		Name: "dns-by-process",
		Desc: "DNS names each process asked for, with their answers",
		SQL: `SELECT d.capture_id, d.pid, p.exe, d.qname, d.qtype, count(*) AS answers_seen,
  list_sort(list_distinct(flatten(list(d.answers)))) AS answers, min(d.time) AS first, max(d.time) AS last
FROM dns d LEFT JOIN processes p ON p.capture_id = d.capture_id AND p.process_key = d.process_key
GROUP BY ALL
ORDER BY d.capture_id, d.pid NULLS LAST, first`,
	},
	{
		Name: "top-talkers",
		Desc: "processes by bytes sent and received over their connections",
		SQL: `SELECT c.capture_id, c.pid, p.exe, count(*) AS connections, count(DISTINCT c.remote_ip) AS remotes,
  sum(c.bytes_sent)::UBIGINT AS bytes_sent, sum(c.bytes_recv)::UBIGINT AS bytes_recv,
  (sum(c.bytes_sent) + sum(c.bytes_recv))::UBIGINT AS bytes_total
FROM connections c LEFT JOIN processes p ON p.capture_id = c.capture_id AND p.process_key = c.process_key
GROUP BY ALL
ORDER BY bytes_total DESC, c.capture_id, c.pid
LIMIT 50`,
	},
	{
		Name: "persistence",
		Desc: "cron, systemd, init, shell rc and authorized_keys writes",
		SQL: `SELECT f.capture_id, f.time, f.action, f.path, f.pid, p.exe, p.cmdline
FROM files f LEFT JOIN processes p ON p.capture_id = f.capture_id AND p.process_key = f.process_key
WHERE f.action IN ('create', 'write', 'rename', 'chmod')
  AND regexp_matches(f.path, '^(/etc/cron|/var/spool/cron|/etc/anacrontab|/etc/systemd/|/lib/systemd/|/usr/lib/systemd/|/run/systemd/|/etc/init\.d/|/etc/rc\.local|/etc/profile|/etc/bash\.bashrc|/etc/ld\.so\.preload)|/\.config/systemd/|/\.(bashrc|bash_profile|bash_login|profile|zshrc)$|/\.ssh/authorized_keys')
ORDER BY f.time, f.capture_id`,
	},
}

// Presets returns the canned questions in display order.
func Presets() []Preset { return append([]Preset(nil), presets...) }

// LookupPreset returns the preset named name.
func LookupPreset(name string) (Preset, bool) {
	for _, p := range presets {
		if p.Name == name {
			return p, true
		}
	}
	return Preset{}, false
}

// RunPreset runs the preset named name against the database at path, opened read-only. arg is the
// preset's argument (process-tree: a pid, or finding:ID) and must be empty for the others. It
// returns ErrUnknownPreset or ErrPresetArg for a bad name or argument.
func RunPreset(ctx context.Context, path, name, arg string) (*Result, error) {
	p, ok := LookupPreset(name)
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownPreset, name)
	}
	args, err := presetArgs(p, arg)
	if err != nil {
		return nil, err
	}
	return Query(ctx, path, p.SQL, args...)
}

func presetArgs(p Preset, arg string) ([]any, error) {
	if p.Arg == "" {
		if arg != "" {
			return nil, fmt.Errorf("%w: preset %s takes no argument", ErrPresetArg, p.Name)
		}
		return nil, nil
	}
	if arg == "" {
		return nil, fmt.Errorf("%w: preset %s needs %s", ErrPresetArg, p.Name, p.Arg)
	}
	if id, ok := strings.CutPrefix(arg, "finding:"); ok {
		n, err := strconv.ParseUint(id, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: finding id %q", ErrPresetArg, id)
		}
		return []any{nil, n}, nil
	}
	pid, err := strconv.ParseInt(arg, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%w: %q is neither a pid nor finding:ID", ErrPresetArg, arg)
	}
	return []any{pid, nil}, nil
}
