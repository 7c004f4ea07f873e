package reports

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// hostile holds strings a suspect host can put in any field.
var hostile = []string{
	"plain",
	"",
	"bad \xff\xfe utf-8",
	"nul\x00inside",
	`<script>alert("x")</script>&amp;`,
	`looks \x41 escaped \\ already`,
	"tab\tnewline\n'quote' \"dq\" ;DROP TABLE events;--",
	"\x00",
	"\xc3\x28 \xe2\x82 truncated",
	"ünïcødé ✓ 🦀",
	strings.Repeat("A", 1<<20) + "\xff\x00end", // a 1 MB command line
}

// exact returns the original bytes of a text column and its *_raw companion.
func exact(t *testing.T, text, raw any) string {
	t.Helper()
	if raw != nil {
		return string(raw.([]byte))
	}
	if text == nil {
		return ""
	}
	return text.(string)
}

// exactList is exact for a VARCHAR[] column and its BLOB[] companion.
func exactList(t *testing.T, text, raw any) []string {
	t.Helper()
	var out []string
	if raw != nil {
		for _, b := range raw.([]any) {
			out = append(out, string(b.([]byte)))
		}
		return out
	}
	for _, s := range text.([]any) {
		out = append(out, s.(string))
	}
	return out
}

func oneRow(t testing.TB, path, q string, args ...any) []any {
	t.Helper()
	// Tests read back the Parquet files they export: file access on.
	r, err := QueryWith(context.Background(), path, ReadOptions{AllowFiles: true}, q, args...)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Rows) != 1 {
		t.Fatalf("%s: %d rows, want 1", q, len(r.Rows))
	}
	return r.Rows[0]
}

func TestRoundTripHostile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.duckdb")
	s, err := Create(path, CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	payload := []byte("\x00\xff<html>\x00")
	for i, h := range hostile {
		id := "c" + string(rune('a'+i))
		n := uint64(i + 1)
		list := []string{h, "x", h}
		steps := []error{
			s.AddCapture(&Capture{ID: id, Host: h, Start: t0}),
			s.AddProcess(&Process{CaptureID: id, Key: n, Exe: h, Cmdline: h, Args: list, User: h, ContainerID: h, Ancestry: h}),
			s.AddEvent(&Event{CaptureID: id, Num: n, Time: t0, Path: h, Args: h, Data: []byte(h)}),
			s.AddConnection(&Connection{CaptureID: id, ID: n, Names: list, DNSAnswer: h, Payload: payload}),
			s.AddDNS(&DNS{CaptureID: id, Time: t0, QName: h, Answers: list, CNAMEs: list}),
			s.AddFile(&File{CaptureID: id, Time: t0, Path: h, EventNum: n}),
			s.AddFinding(&Finding{CaptureID: id, ID: n, Output: h, OutputFields: map[string]any{"k": h}, Tags: list}),
			s.AddRule(&Rule{CaptureID: id, Name: h, Desc: h, Tags: list}),
		}
		if err := errors.Join(steps...); err != nil {
			t.Fatalf("hostile %d: %v", i, err)
		}
	}
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	for i, h := range hostile {
		id := "c" + string(rune('a'+i))
		want := []string{h, "x", h}
		check := func(what, got string) {
			t.Helper()
			if got != h {
				t.Errorf("hostile %d: %s: got %d bytes %.40q, want %d bytes %.40q", i, what, len(got), got, len(h), h)
			}
		}
		checkList := func(what string, got []string) {
			t.Helper()
			if len(got) != 3 || got[0] != want[0] || got[1] != "x" || got[2] != want[2] {
				t.Errorf("hostile %d: %s: got %.60q", i, what, got)
			}
		}
		r := oneRow(t, path, `SELECT host, host_raw FROM capture WHERE capture_id = ?`, id)
		check("capture.host", exact(t, r[0], r[1]))
		r = oneRow(t, path, `SELECT exe, exe_raw, cmdline, cmdline_raw, args, args_raw, "user", user_raw,
			container_id, container_id_raw, ancestry, ancestry_raw FROM processes WHERE capture_id = ?`, id)
		check("processes.exe", exact(t, r[0], r[1]))
		check("processes.cmdline", exact(t, r[2], r[3]))
		checkList("processes.args", exactList(t, r[4], r[5]))
		check("processes.user", exact(t, r[6], r[7]))
		check("processes.container_id", exact(t, r[8], r[9]))
		check("processes.ancestry", exact(t, r[10], r[11]))
		r = oneRow(t, path, `SELECT path, path_raw, args, args_raw, data FROM events WHERE capture_id = ?`, id)
		check("events.path", exact(t, r[0], r[1]))
		check("events.args", exact(t, r[2], r[3]))
		check("events.data", exact(t, nil, r[4]))
		r = oneRow(t, path, `SELECT names, names_raw, dns_answer, dns_answer_raw, payload FROM connections WHERE capture_id = ?`, id)
		checkList("connections.names", exactList(t, r[0], r[1]))
		check("connections.dns_answer", exact(t, r[2], r[3]))
		if !bytes.Equal(r[4].([]byte), payload) {
			t.Errorf("connections.payload = %q", r[4])
		}
		r = oneRow(t, path, `SELECT qname, qname_raw, answers, answers_raw, cnames, cnames_raw FROM dns WHERE capture_id = ?`, id)
		check("dns.qname", exact(t, r[0], r[1]))
		checkList("dns.answers", exactList(t, r[2], r[3]))
		checkList("dns.cnames", exactList(t, r[4], r[5]))
		r = oneRow(t, path, `SELECT path, path_raw FROM files WHERE capture_id = ?`, id)
		check("files.path", exact(t, r[0], r[1]))
		r = oneRow(t, path, `SELECT output, output_raw, output_fields->>'k' FROM findings WHERE capture_id = ?`, id)
		check("findings.output", exact(t, r[0], r[1]))
		if r[2] != escapeText(h) {
			t.Errorf("hostile %d: findings.output_fields.k = %.40q, want the escaped text", i, r[2])
		}
		// Text columns without a companion hold the escaped form, which is valid UTF-8.
		r = oneRow(t, path, `SELECT name, "desc", tags FROM rules WHERE capture_id = ?`, id)
		if r[0] != escapeText(h) || r[1] != escapeText(h) {
			t.Errorf("hostile %d: rules.name = %.40q, want the escaped text", i, r[0])
		}
		// Clean strings are stored as they are and have no raw copy.
		if clean(h) {
			r = oneRow(t, path, `SELECT cmdline = ? AND cmdline_raw IS NULL FROM processes WHERE capture_id = ?`, h, id)
			if r[0] != true {
				t.Errorf("hostile %d: clean cmdline not stored verbatim", i)
			}
		}
	}
}

func TestCreateNoOverwrite(t *testing.T) {
	path := minerDB(t)
	before, _ := os.ReadFile(path)
	if _, err := Create(path, CreateOptions{}); !errors.Is(err, ErrExists) {
		t.Fatalf("Create over an existing file: %v, want ErrExists", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Fatal("existing database changed")
	}
	assertOnly(t, filepath.Dir(path), "miner.duckdb")

	s, err := Create(path, CreateOptions{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	loadMiner(t, s, "c9", "other", 0)
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	r := oneRow(t, path, `SELECT string_agg(capture_id, ',') FROM capture`)
	if r[0] != "c9" {
		t.Errorf("after --force captures = %v, want c9 only", r[0])
	}
	assertOnly(t, filepath.Dir(path), "miner.duckdb")
}

func TestCreateAppend(t *testing.T) {
	path := minerDB(t)
	s, err := Create(path, CreateOptions{Append: true})
	if err != nil {
		t.Fatal(err)
	}
	loadMiner(t, s, "c2", "db1", 24*time.Hour)
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	r := oneRow(t, path, `SELECT string_agg(DISTINCT host, ',' ORDER BY host), count(*) FROM capture`)
	if r[0] != "db1,web1" {
		t.Errorf("hosts = %v, want db1,web1", r[0])
	}
	r = oneRow(t, path, `SELECT count(*) FROM findings f JOIN processes p USING (capture_id, process_key)
		JOIN events e USING (capture_id, event_num) JOIN connections c USING (capture_id, connection_id)`)
	if r[0] != int64(2) {
		t.Errorf("findings joined to processes, events and connections: %v rows, want 2", r[0])
	}
	assertOnly(t, filepath.Dir(path), "miner.duckdb")
}

func TestFailedLoadLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.duckdb")
	s, err := Create(path, CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	loadMiner(t, s, "c1", "web1", 0)
	if err := s.Abort(); err != nil {
		t.Fatal(err)
	}
	assertOnly(t, dir)

	// Someone else's file appears under the final name during the load: Commit must not replace it.
	s, err = Create(path, CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	loadMiner(t, s, "c1", "web1", 0)
	if err := os.WriteFile(path, []byte("theirs"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(); !errors.Is(err, ErrExists) {
		t.Fatalf("Commit over a new file: %v, want ErrExists", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "theirs" {
		t.Errorf("file under the final name replaced")
	}
	assertOnly(t, dir, "x.duckdb")
	if err := s.AddRule(&Rule{}); err == nil {
		t.Error("AddRule after Commit succeeded")
	}
}

// assertOnly fails unless dir holds exactly names.
func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Errorf("%s holds %q, want %q", dir, got, names)
	}
}

// TestLoadingDatabaseOwnerOnly: while a load runs, the database lives in a directory only its
// owner can enter; the placed file is 0600.
func TestLoadingDatabaseOwnerOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.duckdb")
	s, err := Create(path, CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Dir(s.tmp))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o700 {
		t.Fatalf("temporary directory mode %v, want 0700", st.Mode().Perm())
	}
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("database: %v %v, want 0600", st.Mode().Perm(), err)
	}
	if _, err := os.Stat(filepath.Dir(s.tmp)); !os.IsNotExist(err) {
		t.Fatalf("temporary directory left behind: %v", err)
	}
}

// TestAppendersFlush: a table's appender hands its rows to DuckDB every appendFlushRows rows
// instead of holding them all until Commit, and no row is lost or repeated across the flushes.
func TestAppendersFlush(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.duckdb")
	s, err := Create(path, CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Abort()
	n := 2*appendFlushRows + 5
	for i := range n {
		if err := s.AddFile(&File{CaptureID: "c", Time: t0, Action: "write", Path: fmt.Sprintf("/f/%d", i),
			PID: 1, ProcessKey: 1, EventNum: uint64(i + 1)}); err != nil {
			t.Fatal(err)
		}
	}
	var flushed int
	if err := s.db.QueryRow("SELECT count(*) FROM files").Scan(&flushed); err != nil {
		t.Fatal(err)
	}
	if flushed != 2*appendFlushRows {
		t.Errorf("before Commit the table holds %d rows, want %d", flushed, 2*appendFlushRows)
	}
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	row := oneRow(t, path, "SELECT count(*), count(DISTINCT event_num), min(event_num), max(event_num) FROM files")
	if fmt.Sprint(row) != fmt.Sprintf("[%d %d 1 %d]", n, n, n) {
		t.Errorf("files: count, distinct, min, max = %v, want %d distinct rows 1..%d", row, n, n)
	}
}
