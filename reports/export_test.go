package reports

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// TestExportParquetFleet exports two hosts' databases into one directory and queries them together.
func TestExportParquetFleet(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "fleet")
	for i, host := range []string{"web1", "db1"} {
		path := filepath.Join(dir, host+".duckdb")
		s, err := Create(path, CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		loadMiner(t, s, "cap-"+host, host, time.Duration(i)*24*time.Hour)
		if err := s.Commit(); err != nil {
			t.Fatal(err)
		}
		if err := ExportParquet(context.Background(), path, out); err != nil {
			t.Fatal(err)
		}
	}
	for _, tbl := range Tables {
		if _, err := os.Stat(filepath.Join(out, tbl, "host=web1", "day=2026-11-20")); err != nil {
			t.Errorf("%s: %v", tbl, err)
		}
	}
	q := fmt.Sprintf(`SELECT host, CAST(day AS VARCHAR), count(*) AS findings
		FROM read_parquet('%s/findings/**/*.parquet', hive_partitioning = true)
		GROUP BY ALL ORDER BY host`, out)
	r, err := QueryWith(context.Background(), minerDB(t), ReadOptions{AllowFiles: true}, q)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(r.Rows); got != "[[db1 2026-11-21 1] [web1 2026-11-20 1]]" {
		t.Errorf("findings by host and day = %s", got)
	}
	// Joins across tables work on the exported files as in the database.
	q = fmt.Sprintf(`SELECT f.host, p.exe FROM read_parquet('%[1]s/findings/**/*.parquet', hive_partitioning = true) f
		JOIN read_parquet('%[1]s/processes/**/*.parquet', hive_partitioning = true) p USING (capture_id, process_key)
		ORDER BY f.host`, out)
	if r, err = QueryWith(context.Background(), minerDB(t), ReadOptions{AllowFiles: true}, q); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(r.Rows); got != "[[db1 /tmp/.x/xmrig] [web1 /tmp/.x/xmrig]]" {
		t.Errorf("findings joined to processes = %s", got)
	}
}

// TestExportHostile exports the hostile database and reads every row back from the Parquet files.
func TestExportHostile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.duckdb")
	s, err := Create(path, CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range hostile {
		id := "c" + string(rune('a'+i))
		if err := errors.Join(
			s.AddCapture(&Capture{ID: id, Host: h, Start: t0}),
			s.AddProcess(&Process{CaptureID: id, Key: 1, Cmdline: h}),
			s.AddConnection(&Connection{CaptureID: id, ID: 1}), // no time: day is NULL
		); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "pq")
	if err := ExportParquet(context.Background(), path, out); err != nil {
		t.Fatal(err)
	}
	for _, tbl := range []string{"capture", "processes", "connections"} {
		r := oneRow(t, path, `SELECT count(*), count(DISTINCT capture_id) FROM read_parquet(?, hive_partitioning = true)`,
			filepath.Join(out, tbl, "**", "*.parquet"))
		if r[0] != int64(len(hostile)) || r[1] != int64(len(hostile)) {
			t.Errorf("%s: %v rows of %v captures read back, want %d", tbl, r[0], r[1], len(hostile))
		}
	}
	r := oneRow(t, path, `SELECT count(*) FROM read_parquet(?) p JOIN processes d
		ON p.capture_id = d.capture_id AND p.cmdline IS NOT DISTINCT FROM d.cmdline AND p.cmdline_raw IS NOT DISTINCT FROM d.cmdline_raw`,
		filepath.Join(out, "processes", "**", "*.parquet"))
	if r[0] != int64(len(hostile)) {
		t.Errorf("%v processes exported byte-exact, want %d", r[0], len(hostile))
	}
}

// TestExportTwiceReplaces exports one database twice into a directory that already holds another
// host's export: the second export replaces the first one's files, so no row is counted twice,
// and the other host's rows stay.
func TestExportTwiceReplaces(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "fleet")
	paths := map[string]string{}
	for i, host := range []string{"web1", "db1"} {
		paths[host] = filepath.Join(dir, host+".duckdb")
		s, err := Create(paths[host], CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		loadMiner(t, s, "cap-"+host, host, time.Duration(i)*24*time.Hour)
		if err := s.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	count := func() string {
		t.Helper()
		var parts []string
		for _, tbl := range Tables {
			r := oneRow(t, paths["web1"], `SELECT count(*) FROM read_parquet(?, hive_partitioning = true)`,
				filepath.Join(out, tbl, "**", "*.parquet"))
			parts = append(parts, fmt.Sprintf("%s=%v", tbl, r[0]))
		}
		return fmt.Sprint(parts)
	}
	for _, host := range []string{"db1", "web1"} {
		if err := ExportParquet(context.Background(), paths[host], out); err != nil {
			t.Fatal(err)
		}
	}
	want := count()
	// One finding, four processes and so on per host (loadMiner), from both hosts.
	if r := oneRow(t, paths["web1"], `SELECT count(*), count(DISTINCT host) FROM read_parquet(?, hive_partitioning = true)`,
		filepath.Join(out, "findings", "**", "*.parquet")); r[0] != int64(2) || r[1] != int64(2) {
		t.Fatalf("after one export of each host: %v findings from %v hosts, want 2 from 2", r[0], r[1])
	}
	for range 2 {
		if err := ExportParquet(context.Background(), paths["web1"], out); err != nil {
			t.Fatal(err)
		}
		if got := count(); got != want {
			t.Errorf("after exporting web1 again: %s, want %s", got, want)
		}
	}
}

// TestExportOnePartition checks the whole-table copy of a table whose rows all fall in one
// partition against the general path, which filters the table per partition: the same files
// under the same partition directories, holding the same rows. In a database of one capture of
// one day every table with rows takes the whole-table copy; in one of two hosts and days none
// does.
func TestExportOnePartition(t *testing.T) {
	for _, tc := range []struct {
		name  string
		hosts []string
		one   bool // whether a table with rows is one partition
	}{
		{"one host, one day", []string{"web1"}, true},
		{"two hosts, two days", []string{"web1", "db1"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "db.duckdb")
			s, err := Create(path, CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for i, host := range tc.hosts {
				loadMiner(t, s, "cap-"+host, host, time.Duration(i)*24*time.Hour)
			}
			if err := s.Commit(); err != nil {
				t.Fatal(err)
			}
			db, err := OpenReadOnlyWith(path, ReadOptions{AllowFiles: true, Threads: 1, MemoryLimit: exportMemoryLimits[0], AnyOrder: true})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ctx := context.Background()
			copied := 0
			for _, tbl := range Tables {
				e := newTableExport(tbl)
				whole, general := filepath.Join(dir, "whole", tbl), filepath.Join(dir, "general", tbl)
				if err := exportTable(ctx, db, tbl, whole, "p-"); err != nil {
					t.Fatal(err)
				}
				if err := e.exportPartitions(ctx, db, general, "p-"); err != nil {
					t.Fatal(err)
				}
				var rows int64
				if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+tbl).Scan(&rows); err != nil {
					t.Fatal(err)
				}
				if _, one, err := e.onePartition(ctx, db); err != nil {
					t.Fatal(err)
				} else if want := tc.one && rows > 0; one != want {
					t.Errorf("%s: one partition = %v, want %v", tbl, one, want)
				} else if one {
					copied++
				}
				if w, g := exportedFiles(t, whole), exportedFiles(t, general); w != g {
					t.Errorf("%s: files %s, want %s as the general path writes them", tbl, w, g)
				}
				if rows == 0 {
					continue
				}
				read := func(d string) string {
					return fmt.Sprintf("read_parquet(%s, hive_partitioning = true)", sqlString(filepath.Join(d, "**", "*.parquet")))
				}
				var n, onlyWhole, onlyGeneral int64
				if err := db.QueryRowContext(ctx, fmt.Sprintf(`SELECT (SELECT count(*) FROM %[1]s),
  (SELECT count(*) FROM (FROM %[1]s EXCEPT ALL FROM %[2]s)), (SELECT count(*) FROM (FROM %[2]s EXCEPT ALL FROM %[1]s))`,
					read(whole), read(general))).Scan(&n, &onlyWhole, &onlyGeneral); err != nil {
					t.Fatal(err)
				}
				if n != rows || onlyWhole != 0 || onlyGeneral != 0 {
					t.Errorf("%s: %d rows exported of %d; %d and %d differ from the general path's", tbl, n, rows, onlyWhole, onlyGeneral)
				}
			}
			if tc.one && copied == 0 {
				t.Error("no table was copied whole")
			}
		})
	}
}

// exportedFiles lists the files under dir, relative to it.
func exportedFiles(t *testing.T, dir string) string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, rel)
		}
		return err
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return fmt.Sprint(files)
}

// TestExportMemoryRetry exports with a first memory limit too small for DuckDB's Parquet
// writer: alone it fails with DuckDB's out-of-memory error; followed by a larger one, every
// table is exported again with it and the tree holds the database's rows once.
func TestExportMemoryRetry(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "web1.duckdb")
	s, err := Create(path, CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	loadMiner(t, s, "cap-web1", "web1", 0)
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	saved := exportMemoryLimits
	t.Cleanup(func() { exportMemoryLimits = saved })
	exportMemoryLimits = []string{"2MB"}
	err = ExportParquet(context.Background(), path, filepath.Join(dir, "small"))
	var de *duckdb.Error
	if !errors.As(err, &de) || de.Type != duckdb.ErrorTypeOutOfMemory {
		t.Fatalf("export with 2MB: %v, want DuckDB's out-of-memory error", err)
	}
	exportMemoryLimits = []string{"2MB", "256MB"}
	out := filepath.Join(dir, "retried")
	if err := ExportParquet(context.Background(), path, out); err != nil {
		t.Fatal(err)
	}
	for _, tbl := range Tables {
		want := oneRow(t, path, `SELECT count(*) FROM `+tbl)
		got := oneRow(t, path, `SELECT count(*) FROM read_parquet(?, hive_partitioning = true)`,
			filepath.Join(out, tbl, "**", "*.parquet"))
		if got[0] != want[0] {
			t.Errorf("%s: %v rows exported, the database has %v", tbl, got[0], want[0])
		}
	}
}
