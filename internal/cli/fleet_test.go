package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"saker/reports"
)

// bundleAs copies the capture bundle src to a new directory with its manifest's host set to
// host, as if it had been captured there (the manifest is not among the files it hashes).
func bundleAs(t *testing.T, src, host string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), host)
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dst, "manifest.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	m["host"] = host
	if b, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestFleetParquet is the fleet workflow of docs/SCHEMA.md: one `saker analyze --db` per host's
// bundle, each database exported into one Parquet tree, and a question across hosts answered by
// DuckDB's read_parquet over the hive partitions. Exporting a database again changes nothing.
func TestFleetParquet(t *testing.T) {
	dir := t.TempDir()
	fleet := filepath.Join(dir, "fleet")
	hosts := map[string]string{
		"web1":   "../../testdata/captures/lab-miners",
		"build1": "../../testdata/captures/miner-demo",
		"db1":    "../../testdata/captures/lab-benign",
	}
	var dbs []string
	var want int64
	for _, host := range []string{"web1", "build1", "db1"} {
		db := filepath.Join(dir, host+".duckdb")
		code, _, errs := runCLI(t, "analyze", bundleAs(t, hosts[host], host), "--db", db, "--progress=false")
		if code != 0 && code != ExitFindings {
			t.Fatalf("analyze %s: exit %d\n%s", host, code, errs)
		}
		want += dbRows(t, db, "SELECT count(*) FROM findings")[0][0].(int64)
		if code, _, errs := runCLI(t, "export", db, "--parquet", fleet); code != 0 {
			t.Fatalf("export %s: exit %d\n%s", host, code, errs)
		}
		dbs = append(dbs, db)
	}
	// Reading Parquet files is external access, which reports.Query leaves off.
	fleetRows := func(q string) [][]any {
		t.Helper()
		r, err := reports.QueryWith(context.Background(), dbs[0], reports.ReadOptions{AllowFiles: true}, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return r.Rows
	}
	pq := func(table string) string {
		return fmt.Sprintf("read_parquet('%s', hive_partitioning = true)", filepath.Join(fleet, table, "**", "*.parquet"))
	}
	// Which rules fired on more than one host, and where.
	cross := `SELECT rule, list(DISTINCT host ORDER BY host)::VARCHAR FROM ` + pq("findings") + `
GROUP BY rule HAVING count(DISTINCT host) > 1 ORDER BY rule`
	check := func(when string) {
		t.Helper()
		got := fmt.Sprint(fleetRows(cross))
		wantRules := "[[Execution from Temporary Directory [build1, db1]] [File Made Executable in Temporary or Hidden Directory [build1, web1]] [Known Miner Binary Executed [build1, web1]] " +
			"[Mining Protocol in Socket Payload [build1, web1]] [Stratum URI in Command Line [build1, web1]]]"
		if got != wantRules {
			t.Errorf("%s: rules on several hosts = %s, want %s", when, got, wantRules)
		}
		if n := fleetRows("SELECT count(*) FROM " + pq("findings"))[0][0].(int64); n != want {
			t.Errorf("%s: %d findings in the Parquet tree, want %d (the databases' sum)", when, n, want)
		}
		// Joins work across the exported tables: each host's miner process by its finding.
		rows := fleetRows(`SELECT DISTINCT f.host, p.exe FROM ` + pq("findings") + ` f JOIN ` + pq("processes") +
			` p USING (host, capture_id, process_key) WHERE f.rule = 'Known Miner Binary Executed' ORDER BY f.host`)
		if len(rows) != 2 || rows[0][0] != "build1" || rows[1][0] != "web1" {
			t.Errorf("%s: miner processes by host = %v", when, rows)
		}
	}
	check("after one export per host")
	if code, _, errs := runCLI(t, "export", dbs[0], "--parquet", fleet); code != 0 {
		t.Fatalf("export again: exit %d\n%s", code, errs)
	}
	check("after exporting web1 again")
}
