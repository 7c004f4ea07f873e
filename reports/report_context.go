package reports

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
)

// The context of each finding card: its process's ancestry and children, its connections with
// the DNS answers that named their peers, and the files the process wrote or ran. Each is looked
// up for the cards' keys only, capture by capture, so the work follows the number of cards and
// not the size of the capture.

// maxDepth bounds the ancestry followed upwards; parent keys come from the capture and may loop.
const maxDepth = 64

// procRow is a process as the cards show it.
type procRow struct {
	parent  uint64
	node    procNode
	cmdline prefixed // the finding's own process shows more of its command line
}

// cardContext fills the cards' trees, connections and files.
func (l *loader) cardContext(ctx context.Context, refs []*cardRef) error {
	byCapture := map[string][]*cardRef{}
	var order []string
	for _, r := range refs {
		if _, ok := byCapture[r.capture]; !ok {
			order = append(order, r.capture)
		}
		byCapture[r.capture] = append(byCapture[r.capture], r)
	}
	for _, capID := range order {
		rs := byCapture[capID]
		if err := l.trees(ctx, capID, rs); err != nil {
			return fmt.Errorf("processes: %w", err)
		}
		if err := l.conns(ctx, capID, rs); err != nil {
			return fmt.Errorf("connections: %w", err)
		}
		if err := l.files(ctx, capID, rs); err != nil {
			return fmt.Errorf("files: %w", err)
		}
	}
	return nil
}

// procColumns are the process columns scanProc reads.
func (l *loader) procColumns() string {
	lim := l.opts.MaxCell
	return `process_key, parent_key, pid, start, uid, ` + rawPrefix("exe", lim) + `, ` + rawPrefix("cmdline", 4*lim) + `, ` +
		rawPrefix0(`coalesce(user_raw, encode("user"))`, lim) + `, ` + rawPrefix("container_id", lim) +
		`, coalesce(exe_sha256, '')`
}

// scanProc scans the procColumns, then extra destinations.
func (l *loader) scanProc(scan func(...any) error, extra ...any) (uint64, *procRow, error) {
	var key uint64
	var parent sql.Null[uint64]
	var pid, uid sql.NullInt64
	var start sql.NullTime
	var exe, cmd, user, cont prefixed
	var sha string
	dests := []any{&key, &parent, &pid, &start, &uid}
	for _, c := range []*prefixed{&exe, &cmd, &user, &cont} {
		dests = append(dests, c.dests()...)
	}
	dests = append(dests, &sha)
	if err := scan(append(dests, extra...)...); err != nil {
		return 0, nil, err
	}
	lim := l.opts.MaxCell
	p := &procRow{parent: parent.V, node: procNode{PID: pid.Int64, UID: uid.Int64, Start: fmtTime(start),
		Exe: exe.show(lim), Cmdline: cmd.show(lim), User: user.show(lim), Container: cont.show(lim), SHA256: sha}, cmdline: cmd}
	return key, p, nil
}

// trees builds each card's ancestry chain and its process's children.
func (l *loader) trees(ctx context.Context, capID string, refs []*cardRef) error {
	procs := map[uint64]*procRow{}
	want := map[uint64]bool{}
	for _, r := range refs {
		if r.process != 0 {
			want[r.process] = true
		}
	}
	for depth := 0; depth <= maxDepth && len(want) > 0; depth++ {
		keys := make([]uint64, 0, len(want))
		for k := range want {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
		want = map[uint64]bool{}
		q := `SELECT ` + l.procColumns() + ` FROM processes WHERE capture_id = $1 AND process_key IN ` + inList(keys) +
			` QUALIFY row_number() OVER (PARTITION BY process_key ORDER BY start NULLS FIRST) = 1`
		err := query(ctx, l.db, q, func(scan func(...any) error) error {
			key, p, err := l.scanProc(scan)
			if err != nil {
				return err
			}
			procs[key] = p
			if p.parent != 0 && procs[p.parent] == nil {
				want[p.parent] = true
			}
			return nil
		}, capID)
		if err != nil {
			return err
		}
	}
	children, more, err := l.children(ctx, capID, refs)
	if err != nil {
		return err
	}
	first := map[uint64]*findingCard{}
	for _, r := range refs {
		self := procs[r.process]
		if self == nil {
			continue
		}
		r.card.Container = self.node.Container
		node := self.node
		node.Self = true
		node.Cmdline = self.cmdline.show(4 * l.opts.MaxCell)
		if f := first[r.process]; f != nil {
			// The tree is on the process's first card; this one shows the process and a link.
			r.card.Tree, r.card.SameAs, r.card.SameAsID = &node, f.Anchor, f.ID
			continue
		}
		first[r.process] = r.card
		node.Children, node.ChildMore = children[r.process], more[r.process]
		top := &node
		seen := map[uint64]bool{r.process: true}
		for p, d := self.parent, 0; p != 0; d++ {
			pr := procs[p]
			if pr == nil {
				break
			}
			if seen[p] || d >= maxDepth {
				top.Cut = true
				break
			}
			seen[p] = true
			up := pr.node
			up.Child = top
			top = &up
			p = pr.parent
		}
		r.card.Tree = top
	}
	return nil
}

// children loads up to MaxChildren children of each card's process.
func (l *loader) children(ctx context.Context, capID string, refs []*cardRef) (map[uint64][]*procNode, map[uint64]int, error) {
	var keys []uint64
	seen := map[uint64]bool{}
	for _, r := range refs {
		if r.process != 0 && !seen[r.process] {
			seen[r.process] = true
			keys = append(keys, r.process)
		}
	}
	kids := map[uint64][]*procNode{}
	more := map[uint64]int{}
	if len(keys) == 0 {
		return kids, more, nil
	}
	q := `SELECT ` + l.procColumns() + `, count(*) OVER (PARTITION BY parent_key) FROM processes
WHERE capture_id = $1 AND parent_key IN ` + inList(keys) + ` AND parent_key <> process_key
QUALIFY row_number() OVER (PARTITION BY parent_key ORDER BY start NULLS FIRST, pid, process_key) <= $2
ORDER BY parent_key, start NULLS FIRST, pid, process_key`
	err := query(ctx, l.db, q, func(scan func(...any) error) error {
		var n int
		_, p, err := l.scanProc(scan, &n)
		if err != nil {
			return err
		}
		node := p.node
		kids[p.parent] = append(kids[p.parent], &node)
		more[p.parent] = n - len(kids[p.parent])
		return nil
	}, capID, l.opts.MaxChildren)
	return kids, more, err
}

// conns loads the connections of the cards: the one a finding names, else the first ones of its
// process, each with the latest DNS answer holding the peer's address before the connection.
func (l *loader) conns(ctx context.Context, capID string, refs []*cardRef) error {
	var ids, procs []uint64
	for _, r := range refs {
		if r.conn != 0 {
			ids = append(ids, r.conn)
		} else if r.process != 0 {
			procs = append(procs, r.process)
		}
	}
	if len(ids)+len(procs) == 0 {
		return nil
	}
	lim := l.opts.MaxCell
	q := `WITH c AS (
  SELECT *, count(*) OVER (PARTITION BY process_key) AS n_proc,
    row_number() OVER (PARTITION BY process_key ORDER BY first_time NULLS LAST, connection_id) AS rn
  FROM connections WHERE capture_id = $1 AND (connection_id IN ` + inList(ids) + ` OR process_key IN ` + inList(procs) + `)
), d AS (
  SELECT c.connection_id, d.qname, d.cnames, d.time AS dns_time, d.resolver
  FROM c JOIN dns d ON d.capture_id = $1 AND list_contains(d.answers, c.remote_ip)
    AND (c.first_time IS NULL OR d.time <= c.first_time)
  WHERE c.rn <= $2 OR c.connection_id IN ` + inList(ids) + `
  QUALIFY row_number() OVER (PARTITION BY c.connection_id ORDER BY d.time DESC) = 1
)
SELECT c.connection_id, c.process_key, c.n_proc, c.rn, c.proto, c.local_ip, c.local_port, c.remote_ip, c.remote_port,
  c.names, ` + rawPrefix0("coalesce(c.dns_answer_raw, encode(c.dns_answer))", lim) + `, c.first_time, c.last_time,
  c.bytes_sent, c.bytes_recv, ` + rawPrefix0("c.payload", lim) + `, ` + poolSQL + `,
  d.qname, d.cnames, d.dns_time, d.resolver
FROM c LEFT JOIN d USING (connection_id)
WHERE c.rn <= $2 OR c.connection_id IN ` + inList(ids) + `
ORDER BY c.process_key, c.rn`
	byID := map[uint64]connView{}
	byProc := map[uint64][]connView{}
	total := map[uint64]int{}
	err := query(ctx, l.db, q, func(scan func(...any) error) error {
		var id, pk uint64
		var nProc, rn int
		var proto, lip, rip, qname, resolver sql.NullString
		var lport, rport sql.NullInt64
		var names, cnames any
		var answer, payload prefixed
		var first, last, dnsTime sql.NullTime
		var sent, recv sql.Null[uint64]
		var pool sql.NullBool
		dests := []any{&id, &pk, &nProc, &rn, &proto, &lip, &lport, &rip, &rport, &names}
		dests = append(dests, answer.dests()...)
		dests = append(dests, &first, &last, &sent, &recv)
		dests = append(dests, payload.dests()...)
		dests = append(dests, &pool, &qname, &cnames, &dnsTime, &resolver)
		if err := scan(dests...); err != nil {
			return err
		}
		cv := connView{Proto: oneLine(proto.String, 12), Local: oneLine(fmt.Sprintf("%s:%d", lip.String, lport.Int64), 100),
			Remote: show(rip.String, lim), Port: rport.Int64, Names: showList(strList(names), lim, 10), Pool: pool.Bool,
			First: fmtTime(first), Last: fmtTime(last), Sent: sent.V, Recv: recv.V, Payload: payload.show(lim)}
		if qname.Valid {
			cv.DNS = show(joinChain(append([]string{qname.String}, strList(cnames)...)), lim)
			cv.DNSTime = fmtTime(dnsTime)
			cv.DNSResolver = show(resolver.String, lim)
		}
		if a := answer.show(lim); !a.Empty() {
			cv.DNS = a // the analyzer's own account of the answer wins
		}
		byID[id] = cv
		if rn <= l.opts.MaxConns {
			byProc[pk] = append(byProc[pk], cv)
		}
		total[pk] = nProc
		return nil
	}, capID, l.opts.MaxConns)
	if err != nil {
		return err
	}
	for _, r := range refs {
		if r.conn != 0 {
			if cv, ok := byID[r.conn]; ok {
				r.card.Conns = []connView{cv}
			}
			continue
		}
		r.card.Conns = byProc[r.process]
		r.card.ConnGuess = len(r.card.Conns) > 0
		r.card.ConnMore = total[r.process] - len(r.card.Conns)
	}
	return nil
}

// joinChain writes a DNS answer's query name and CNAME chain: "a.example → b.example".
func joinChain(names []string) string { return strings.Join(names, " → ") }

// files loads the first file actions (other than plain opens) of each card's process.
func (l *loader) files(ctx context.Context, capID string, refs []*cardRef) error {
	var keys []uint64
	seen := map[uint64]bool{}
	for _, r := range refs {
		if r.process != 0 && !seen[r.process] {
			seen[r.process] = true
			keys = append(keys, r.process)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	lim := l.opts.MaxCell
	q := `SELECT process_key, time, action, ` + rawPrefix("path", lim) + `, mode, count(*) OVER (PARTITION BY process_key)
FROM files WHERE capture_id = $1 AND process_key IN ` + inList(keys) + ` AND action <> 'open'
QUALIFY row_number() OVER (PARTITION BY process_key ORDER BY time NULLS FIRST, event_num) <= $2
ORDER BY process_key, time NULLS FIRST, event_num`
	rows := map[uint64][]fileRow{}
	total := map[uint64]int{}
	err := query(ctx, l.db, q, func(scan func(...any) error) error {
		var pk uint64
		var t sql.NullTime
		var action sql.NullString
		var path prefixed
		var mode sql.NullInt64
		var n int
		if err := scan(append(append([]any{&pk, &t, &action}, path.dests()...), &mode, &n)...); err != nil {
			return err
		}
		fr := fileRow{Time: fmtTime(t), Action: show(action.String, 24), Path: path.show(lim)}
		if mode.Valid && mode.Int64 != 0 {
			fr.Mode = fmt.Sprintf("%04o", mode.Int64)
		}
		rows[pk] = append(rows[pk], fr)
		total[pk] = n
		return nil
	}, capID, l.opts.MaxFiles)
	if err != nil {
		return err
	}
	for _, r := range refs {
		r.card.Files = rows[r.process]
		r.card.FilesMore = total[r.process] - len(r.card.Files)
	}
	return nil
}
