package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"saker/event"
	"saker/reports"
)

// labMinersDB analyzes testdata/captures/lab-miners (a lab capture of miners resolving and
// connecting to their pools) into a database and returns its path.
func labMinersDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "miners.duckdb")
	code, _, errs := runCLI(t, "analyze", "../../testdata/captures/lab-miners", "--db", db, "--progress=false")
	if code != 0 && code != ExitFindings {
		t.Fatalf("analyze: exit %d\n%s", code, errs)
	}
	return db
}

func dbRows(t *testing.T, db, q string) [][]any {
	t.Helper()
	r, err := reports.Query(context.Background(), db, q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return r.Rows
}

// TestDBFindingJoinsConnection: findings on a connection's event cite it by connection_id, the
// pool connection among them, with the DNS answer that named the pool.
func TestDBFindingJoinsConnection(t *testing.T) {
	db := labMinersDB(t)
	// The lab's pool server runs on the host too: its side of the connection (local port
	// 3333) has findings of its own.
	rows := dbRows(t, db, `SELECT f.rule, c.remote_port, c.local_port, c.dns_answer, c.pid = f.pid
FROM findings f JOIN connections c USING (capture_id, connection_id)
WHERE list_contains(c.names, 'pool.supportxmr.com') ORDER BY f.finding_id`)
	if len(rows) == 0 {
		t.Fatal("no finding joins a connection to pool.supportxmr.com")
	}
	outbound := false
	for _, r := range rows {
		rule, remote, local, answer, samePID := r[0].(string), r[1].(int32), r[2].(int32), r[3].(string), r[4].(bool)
		if (remote != 3333 && local != 3333) || !samePID {
			t.Errorf("%s: joined connection has ports %d->%d, same pid %v", rule, local, remote, samePID)
		}
		if !strings.HasPrefix(answer, "pool.supportxmr.com=") || !strings.Contains(answer, " from ") {
			t.Errorf("%s: dns_answer %q does not cite the answer", rule, answer)
		}
		if rule == "Outbound Connection to Mining Pool" {
			outbound = true
			if remote != 3333 {
				t.Errorf("%s: joined connection's remote port is %d", rule, remote)
			}
		}
	}
	if !outbound {
		t.Errorf("the outbound pool connection finding does not join its connection: %v", rows)
	}
	// Every cited connection exists, and connection ids are keys.
	r := dbRows(t, db, `SELECT
  (SELECT count(*) FROM findings f WHERE connection_id <> 0
     AND NOT EXISTS (SELECT 1 FROM connections c WHERE c.capture_id = f.capture_id AND c.connection_id = f.connection_id)),
  (SELECT count(*) - count(DISTINCT (capture_id, connection_id)) FROM connections),
  (SELECT count(*) FROM connections WHERE connection_id = 0)`)[0]
	if r[0].(int64) != 0 || r[1].(int64) != 0 || r[2].(int64) != 0 {
		t.Errorf("dangling finding connections %v, duplicate connection ids %v, zero ids %v", r[0], r[1], r[2])
	}
}

// TestDBEventsJoinProcesses: every event of a process names it by process_key, the key the
// processes table uses; only snapshot and other meta records have none.
func TestDBEventsJoinProcesses(t *testing.T) {
	db := labMinersDB(t)
	r := dbRows(t, db, `SELECT count(*), count(*) FILTER (WHERE e.process_key <> 0),
  count(p.process_key), count(*) FILTER (WHERE e.process_key <> 0 AND p.pid <> e.pid)
FROM events e LEFT JOIN processes p USING (capture_id, process_key)`)[0]
	total, keyed, joined, otherPID := r[0].(int64), r[1].(int64), r[2].(int64), r[3].(int64)
	if total == 0 || keyed < total/2 || joined != keyed || otherPID != 0 {
		t.Fatalf("%d events, %d with a process key, %d joining processes, %d of another pid", total, keyed, joined, otherPID)
	}
	for _, row := range dbRows(t, db, `SELECT DISTINCT kind FROM events WHERE process_key = 0`) {
		k, ok := event.KindByName(row[0].(string))
		if !ok || k.IsSyscall() {
			t.Errorf("%s events have no process key", row[0])
		}
	}
	// An execve belongs to the image it started.
	r = dbRows(t, db, `SELECT count(*), count(*) FILTER (WHERE p.first_event <= e.event_num)
FROM events e JOIN processes p USING (capture_id, process_key) WHERE e.kind = 'execve' AND e.res = 0`)[0]
	if r[0].(int64) == 0 || r[0] != r[1] {
		t.Errorf("execve events: %v, of which %v after their process's first event", r[0], r[1])
	}
}
