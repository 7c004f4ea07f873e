package cli

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"saker/reports"
)

// queryDB writes a two-capture database: one finding on web1, none on db1.
func queryDB(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "q.duckdb")
	s, err := reports.Create(path, reports.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	for _, c := range []reports.Capture{{ID: "c1", Host: "web1", Start: start}, {ID: "c2", Host: "db1", Start: start}} {
		if err := s.AddCapture(&c); err != nil {
			t.Fatal(err)
		}
	}
	steps := []error{
		s.AddProcess(&reports.Process{CaptureID: "c1", Key: 1, PID: 10, Exe: "/bin/sh", Start: &start}),
		s.AddProcess(&reports.Process{CaptureID: "c1", Key: 2, ParentKey: 1, PID: 11, PPID: 10, Exe: "/tmp/xmrig", Start: &start}),
		s.AddFinding(&reports.Finding{CaptureID: "c1", ID: 1, Rule: "Miner", Priority: "Critical", Time: start,
			Output: "miner | <b>", PID: 11, ProcessKey: 2}),
	}
	for _, err := range steps {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRunQuery(t *testing.T) {
	db := queryDB(t)
	const sql = "SELECT c.host, f.rule, f.output FROM findings f JOIN capture c USING (capture_id)"
	tests := []struct {
		name string
		o    queryOptions
		code int
		out  []string
	}{
		{"table", queryOptions{sql: sql, format: "table"}, ExitOK, []string{"host  rule   output\n", "web1  Miner  miner | <b>\n", "(1 row)\n"}},
		{"csv", queryOptions{sql: sql, format: "csv"}, ExitOK, []string{"host,rule,output\nweb1,Miner,miner | <b>\n"}},
		{"markdown", queryOptions{sql: sql, format: "markdown"}, ExitOK, []string{"| web1 | Miner | miner \\| <b> |"}},
		{"json", queryOptions{sql: sql, format: "json"}, ExitOK, []string{`"output": "miner | \u003cb\u003e"`}},
		{"preset", queryOptions{preset: "process-tree", presetArg: "finding:1", format: "csv"}, ExitOK,
			[]string{"c1,-1,ancestor,10,", "c1,0,self,11,10,"}},
		{"list presets", queryOptions{listPresets: true, format: "table"}, ExitOK, []string{"pool-connections", "process-tree      PID or finding:ID  ancestors and descendants of a pid or a finding's process\n"}},
		{"bad format", queryOptions{sql: sql, format: "xml"}, ExitUsage, nil},
		{"no sql", queryOptions{format: "table"}, ExitUsage, nil},
		{"unknown preset", queryOptions{preset: "nope", format: "table"}, ExitUsage, nil},
		{"missing db", queryOptions{db: "/nonexistent/x.duckdb", sql: "SELECT 1", format: "table"}, ExitError, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if tt.o.db == "" {
				tt.o.db = db
			}
			err := runQuery(&streams{out: &out, err: &errOut}, &tt.o)
			if got := exitCode(err); got != tt.code {
				t.Fatalf("exit code %d, want %d (err %v)", got, tt.code, err)
			}
			for _, s := range tt.out {
				if !strings.Contains(out.String(), s) {
					t.Errorf("stdout lacks %q:\n%s", s, out.String())
				}
			}
		})
	}
}

func TestRunQueryJSONParses(t *testing.T) {
	var out bytes.Buffer
	err := runQuery(&streams{out: &out}, &queryOptions{db: queryDB(t), sql: "SELECT capture_id, pid, start FROM processes ORDER BY pid", format: "json"})
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if len(rows) != 2 || rows[1]["pid"] != 11.0 || rows[0]["start"] != "2026-11-20T10:00:00Z" {
		t.Errorf("rows = %v", rows)
	}
}

// TestRunQueryBadSQL checks that bad SQL exits 1 and Main prints DuckDB's own message.
func TestRunQueryBadSQL(t *testing.T) {
	db := queryDB(t)
	err := runQuery(&streams{out: &bytes.Buffer{}}, &queryOptions{db: db, sql: "SELECT nope FROM findings", format: "table"})
	if exitCode(err) != ExitError || !strings.Contains(err.Error(), `Binder Error: Referenced column "nope" not found`) {
		t.Fatalf("bad SQL: exit %d, %v", exitCode(err), err)
	}
	var out, errOut bytes.Buffer
	if code := Main([]string{"query", db, "SELEKT"}, nil, &out, &errOut); code != ExitError ||
		!strings.Contains(errOut.String(), "Parser Error: syntax error at or near \"SELEKT\"") {
		t.Errorf("saker query DB SELEKT: exit %d, stderr %q", code, errOut.String())
	}
}

func TestRunExport(t *testing.T) {
	db := queryDB(t)
	dir := filepath.Join(t.TempDir(), "pq")
	var errOut bytes.Buffer
	if err := runExport(&streams{out: &bytes.Buffer{}, err: &errOut}, &exportOptions{db: db, parquet: dir}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	sql := "SELECT host, count(*) FROM read_parquet('" + dir + "/capture/**/*.parquet', hive_partitioning = true) GROUP BY host ORDER BY host"
	// Reading the Parquet tree back is file access: --allow-files.
	if err := runQuery(&streams{out: &out}, &queryOptions{db: db, sql: sql, format: "csv", allowFiles: true}); err != nil {
		t.Fatal(err)
	}
	if out.String() != "host,count_star()\ndb1,1\nweb1,1\n" {
		t.Errorf("exported captures:\n%s", out.String())
	}
}

func TestDuckDBVersion(t *testing.T) {
	if DuckDBVersion == "not linked" || !strings.HasPrefix(DuckDBVersion, "v") {
		t.Errorf("DuckDBVersion = %q", DuckDBVersion)
	}
}
