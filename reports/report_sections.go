package reports

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// The report's overview sections: network, DNS and new executables. Each is one grouped query
// capped at MaxRows rows; count(*) OVER () tells how many groups there were in all.

// network loads connections grouped by resolved name, port and protocol, likely pools first.
func (l *loader) network(ctx context.Context) error {
	lim := l.opts.MaxCell
	q := `SELECT c.capture_id, array_to_string(c.names, ', ') AS rname, c.remote_port, c.proto,
  count(*) AS n, list(DISTINCT c.remote_ip ORDER BY c.remote_ip)[1:10] AS remotes, count(DISTINCT c.remote_ip) AS n_remotes,
  list(DISTINCT c.pid::VARCHAR || ' ' || coalesce(p.exe, '?') ORDER BY c.pid::VARCHAR || ' ' || coalesce(p.exe, '?'))[1:10] AS procs,
  count(DISTINCT c.pid) AS n_procs,
  sum(c.bytes_sent)::UBIGINT, sum(c.bytes_recv)::UBIGINT, min(c.first_time), max(c.last_time),
  bool_or(` + poolSQLc + `) AS pool, count(*) OVER () AS groups
FROM connections c LEFT JOIN processes p ON p.capture_id = c.capture_id AND p.process_key = c.process_key
GROUP BY c.capture_id, rname, c.remote_port, c.proto
ORDER BY pool DESC, rname = '', n DESC, c.capture_id, rname, c.remote_port
LIMIT $1`
	return query(ctx, l.db, q, func(scan func(...any) error) error {
		var capID, proto sql.NullString
		var names sql.NullString
		var port sql.NullInt64
		var n, nRemotes, nProcs, groups int64
		var remotes, procs any
		var sent, recv sql.Null[uint64]
		var first, last sql.NullTime
		var pool sql.NullBool
		if err := scan(&capID, &names, &port, &proto, &n, &remotes, &nRemotes, &procs, &nProcs, &sent, &recv,
			&first, &last, &pool, &groups); err != nil {
			return fmt.Errorf("network: %w", err)
		}
		l.v.Network = append(l.v.Network, netRow{Capture: show(capID.String, lim), Names: show(names.String, lim),
			Port: port.Int64, Proto: oneLine(proto.String, 12), Remotes: show(moreJoined(strList(remotes), nRemotes), lim), Count: n,
			Procs: show(moreJoined(strList(procs), nProcs), lim), Sent: sent.V, Recv: recv.V,
			First: fmtTime(first), Last: fmtTime(last), Pool: pool.Bool})
		l.v.NetworkMore = int(groups) - len(l.v.Network)
		return nil
	}, l.opts.MaxRows)
}

// poolSQLc is poolSQL on the connections aliased c.
const poolSQLc = `(c.remote_port IN ` + miningPorts + ` OR regexp_matches(lower(array_to_string(c.names, ' ')), '` + poolNames + `'))`

// moreJoined joins ss and says how many of n are not listed.
func moreJoined(ss []string, n int64) string {
	s := strings.Join(ss, ", ")
	if more := n - int64(len(ss)); more > 0 {
		s += fmt.Sprintf(" … (%d more)", more)
	}
	return s
}

// dns loads DNS queries grouped by asking process and name.
func (l *loader) dns(ctx context.Context) error {
	lim := l.opts.MaxCell
	q := `SELECT d.capture_id, d.pid, coalesce(any_value(p.exe), ''), d.qname, d.qtype, string_agg(DISTINCT d.rcode, ',' ORDER BY d.rcode),
  count(*) AS n, list_sort(list_distinct(flatten(list(d.answers))))[1:20], list_sort(list_distinct(flatten(list(d.cnames))))[1:10],
  min(d.time) AS first, max(d.time), count(*) OVER () AS groups
FROM dns d LEFT JOIN processes p ON p.capture_id = d.capture_id AND p.process_key = d.process_key AND d.process_key <> 0
GROUP BY d.capture_id, d.pid, d.qname, d.qtype
ORDER BY d.capture_id, first, d.qname
LIMIT $1`
	return query(ctx, l.db, q, func(scan func(...any) error) error {
		var capID, exe, qname, qtype, rcode sql.NullString
		var pid sql.NullInt64
		var n, groups int64
		var answers, cnames any
		var first, last sql.NullTime
		if err := scan(&capID, &pid, &exe, &qname, &qtype, &rcode, &n, &answers, &cnames, &first, &last, &groups); err != nil {
			return fmt.Errorf("dns: %w", err)
		}
		l.v.DNS = append(l.v.DNS, dnsRow{Capture: show(capID.String, lim), PID: pid.Int64, Exe: show(exe.String, lim),
			QName: show(qname.String, lim), QType: oneLine(dnsName(qtype.String, dnsTypes), 12), RCode: oneLine(dnsName(rcode.String, dnsRcodes), 16),
			Answers: showJoined(strList(answers), lim), CNAMEs: show(joinChain(strList(cnames)), lim), Count: n,
			First: fmtTime(first), Last: fmtTime(last)})
		l.v.DNSMore = int(groups) - len(l.v.DNS)
		return nil
	}, l.opts.MaxRows)
}

// dnsTypes and dnsRcodes name the DNS record types and response codes an analyzer may have
// stored as numbers.
var (
	dnsTypes = map[string]string{"1": "A", "2": "NS", "5": "CNAME", "6": "SOA", "12": "PTR", "15": "MX",
		"16": "TXT", "28": "AAAA", "33": "SRV", "64": "SVCB", "65": "HTTPS", "255": "ANY"}
	dnsRcodes = map[string]string{"0": "NOERROR", "1": "FORMERR", "2": "SERVFAIL", "3": "NXDOMAIN",
		"4": "NOTIMP", "5": "REFUSED"}
)

// dnsName returns the name of a DNS type or rcode stored as a number (or a comma-separated
// list of them), and anything else unchanged.
func dnsName(s string, names map[string]string) string {
	parts := strings.Split(s, ",")
	for i, p := range parts {
		if n, ok := names[p]; ok {
			parts[i] = n
		}
	}
	return strings.Join(parts, ",")
}

// writeActions are the file actions that put content or permissions in place (the store's
// documented names and the names the analyzer writes).
const writeActions = `('create', 'write', 'written', 'rename', 'chmod')`

// newExecutables loads files written (or made executable) during the capture and executed
// afterwards: by a process whose executable is the file, or by an "executed" file action.
func (l *loader) newExecutables(ctx context.Context) error {
	lim := l.opts.MaxCell
	q := `WITH w AS (
  SELECT capture_id, path, min(time) AS written, arg_min(action, time) AS action, arg_min(process_key, time) AS writer
  FROM files WHERE action IN ` + writeActions + ` AND time IS NOT NULL GROUP BY ALL
), x AS (
  SELECT w.capture_id, w.path, p.start AS t, p.pid, p.cmdline, p.process_key
  FROM w JOIN processes p ON p.capture_id = w.capture_id AND p.exe = w.path AND p.start >= w.written
  UNION ALL
  SELECT w.capture_id, w.path, f.time, f.pid, NULL, f.process_key
  FROM w JOIN files f ON f.capture_id = w.capture_id AND f.path = w.path AND f.action = 'executed' AND f.time >= w.written
), e AS (
  SELECT capture_id, path, min(t) AS executed, count(DISTINCT process_key) AS execs,
    arg_min(pid, t) AS pid, arg_min(cmdline, t) FILTER (WHERE cmdline IS NOT NULL) AS cmdline
  FROM x GROUP BY ALL
)
SELECT e.capture_id, e.path, w.written, w.action, wp.pid, wp.exe, e.executed, e.execs, e.pid, left(e.cmdline, $2), strlen(e.cmdline),
  count(*) OVER () AS groups
FROM e JOIN w USING (capture_id, path)
LEFT JOIN processes wp ON wp.capture_id = w.capture_id AND wp.process_key = w.writer
ORDER BY e.executed, e.capture_id, e.path
LIMIT $1`
	return query(ctx, l.db, q, func(scan func(...any) error) error {
		var capID, path, action, writer, cmdline sql.NullString
		var written, executed sql.NullTime
		var wpid, pid sql.NullInt64
		var execs, groups int64
		var cmdLen sql.NullInt64
		if err := scan(&capID, &path, &written, &action, &wpid, &writer, &executed, &execs, &pid, &cmdline, &cmdLen, &groups); err != nil {
			return fmt.Errorf("new executables: %w", err)
		}
		l.v.NewExec = append(l.v.NewExec, newExecRow{Capture: show(capID.String, lim), Path: show(path.String, lim),
			Written: fmtTime(written), Action: oneLine(action.String, 16), Writer: show(writer.String, lim), WriterPI: wpid.Int64,
			Executed: fmtTime(executed), Execs: execs, PID: pid.Int64, Cmdline: showPrefix(cmdline.String, int(cmdLen.Int64), lim)})
		l.v.NewExecMore = int(groups) - len(l.v.NewExec)
		return nil
	}, l.opts.MaxRows, lim+4)
}
