package reports

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

// dayOf gives, per table, the time whose date names a row's day partition (t is the table,
// c the capture).
var dayOf = map[string]string{
	"capture":        "c.start",
	"processes":      "coalesce(t.start, c.start)",
	"events":         "t.time",
	"connections":    "t.first_time",
	"dns":            "t.time",
	"files":          "t.time",
	"findings":       "t.time",
	"rules":          "c.start",
	"executables":    "coalesce(t.time, c.start)",
	"rollups":        "t.first_time",
	"incidents":      "t.first_time",
	"incident_steps": "coalesce(t.time, c.start)",
	"indicators":     "t.first_time",
}

// partitionHost is the host partition's value, computed once per capture (not per row): the host name when it makes a plain directory
// name, else "host-" and the first 16 hex digits of its MD5, since a suspect host's name can be
// any bytes of any length.
const partitionHost = `CASE WHEN regexp_full_match(c.host, '[A-Za-z0-9][A-Za-z0-9._-]{0,99}') THEN c.host
  ELSE 'host-' || left(md5(coalesce(c.host, '')), 16) END`

// Export's budget (docs/PERFORMANCE.md, "Parquet export"): one DuckDB thread (two cost a
// 10 M-event COPY 2.5 times the CPU for no shorter wall time on two cores), a 64 MB buffer
// pool, and Parquet row groups of at most 16 MB (and DuckDB's default 122,880 rows), which the
// writer buffers in that pool. Row groups bounded in bytes, not rows, let a table of long rows
// fit the small pool (122,880 findings take 31 MiB; a 32 MB pool with 16 MB row groups runs
// out of memory), and keep the peak near 210 MiB at 10 M events against 170 MiB at 1 M (with
// 256 MB and row groups in rows: 500 and 190). ROW_GROUP_SIZE_BYTES needs
// preserve_insertion_order=false (ReadOptions.AnyOrder); with one thread the rows still come
// out in table order (checked on the 10 M-event export).
const exportRowGroupBytes = "16MB"

// exportMemoryLimits are the memory limits export tries a table with, in turn: a table whose
// rows do not fit the first (rows of megabytes each: long command lines, large payload
// fields) is exported again with the next instead of failing.
var exportMemoryLimits = []string{"64MB", "1GB"}

// ExportParquet writes every table of the database at path (opened read-only) as Parquet under
// dir/TABLE/host=HOST/day=YYYY-MM-DD/ (HOST as partitionHost makes it; the capture table keeps
// the name itself in host_name and host_raw), in files named saker-ID-N.parquet, where ID
// (exportID) names the database's captures. Several databases (a fleet's hosts) export into one
// directory side by side; exporting the same captures again replaces the files of the earlier
// export instead of adding a second copy of their rows. Read the tree back with
// read_parquet('dir/TABLE/**/*.parquet', hive_partitioning = true).
func ExportParquet(ctx context.Context, path, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	// Export writes Parquet files: the one reader that needs DuckDB's file access.
	limits := exportMemoryLimits
	db, err := OpenReadOnlyWith(path, ReadOptions{AllowFiles: true, Threads: 1, MemoryLimit: limits[0], AnyOrder: true})
	if err != nil {
		return err
	}
	defer db.Close()
	id, err := exportID(ctx, db)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	prefix := "saker-" + id + "-"
	for _, t := range Tables {
		tdir := filepath.Join(dir, t)
		if err := removeExported(tdir, prefix); err != nil {
			return fmt.Errorf("export %s: %w", t, err)
		}
		if err := os.MkdirAll(tdir, 0o755); err != nil {
			return fmt.Errorf("export %s: %w", t, err)
		}
		for {
			err := exportTable(ctx, db, t, tdir, prefix)
			var de *duckdb.Error
			if err == nil || !errors.As(err, &de) || de.Type != duckdb.ErrorTypeOutOfMemory || len(limits) < 2 {
				if err != nil {
					return fmt.Errorf("export %s: %w", t, err)
				}
				break
			}
			limits = limits[1:]
			if _, err := db.ExecContext(ctx, "SET memory_limit = "+sqlString(limits[0])); err != nil {
				return fmt.Errorf("export %s: %w", t, err)
			}
			if err := removeExported(tdir, prefix); err != nil {
				return fmt.Errorf("export %s: %w", t, err)
			}
		}
	}
	return nil
}

// partition is a (host, day) partition: its directory names, NULL where the value is NULL.
type partition struct{ host, day sql.NullString }

// dir is the partition's directory under tdir. DuckDB's hive partitions name a NULL value
// NULL; so do these.
func (p partition) dir(tdir string) string {
	hostDir, dayDir := "NULL", "NULL"
	if p.host.Valid {
		hostDir = p.host.String
	}
	if p.day.Valid {
		dayDir = p.day.String
	}
	return filepath.Join(tdir, "host="+hostDir, "day="+dayDir)
}

// tableExport holds the SQL that exports one table.
type tableExport struct {
	table string
	cols  string // the exported columns of t
	from  string // t joined to its capture's partition host (part_host) and start
	day   string // the day partition's value, a DATE
}

func newTableExport(t string) tableExport {
	e := tableExport{
		table: t,
		cols:  "t.*",
		from: fmt.Sprintf(`FROM %s t LEFT JOIN (SELECT capture_id, start, %s AS part_host FROM capture c) c USING (capture_id)`,
			t, partitionHost),
		day: fmt.Sprintf("CAST(%s AS DATE)", dayOf[t]),
	}
	if t == "capture" {
		e.cols = "t.* EXCLUDE (host), t.host AS host_name"
	}
	return e
}

// exportTable writes table t's rows under tdir, one plain Parquet file per (host, day)
// partition. One COPY per partition, rather than DuckDB's PARTITION_BY writer, which buffers
// every open partition: the 1 M-event mix exports with 187 MiB peak instead of 417-595, and
// 27-40% less CPU (docs/PERFORMANCE.md). As with PARTITION_BY, the partition columns live in
// the directory names only. A table whose rows all fall in one partition (one capture of one
// day, the common case) is copied whole, without the join to its capture and the filter: the
// 10 M events of one day take 6.0-6.2 s of CPU instead of 6.9-7.7.
func exportTable(ctx context.Context, db *sql.DB, t, tdir, prefix string) error {
	e := newTableExport(t)
	p, ok, err := e.onePartition(ctx, db)
	if err != nil {
		return err
	}
	if ok {
		return e.copy(ctx, db, `SELECT `+e.cols+` FROM `+t+` t`, p, tdir, prefix)
	}
	return e.exportPartitions(ctx, db, tdir, prefix)
}

// onePartition reports whether every row of the table falls in one partition, and which. An
// empty table has none. Minima and maxima cost half of listing the distinct partitions.
func (e tableExport) onePartition(ctx context.Context, db *sql.DB) (partition, bool, error) {
	var n, hosts, days int64
	var minHost, maxHost, minDay, maxDay sql.NullString
	err := db.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*), count(part_host), min(part_host), max(part_host),
  count(d), CAST(min(d) AS VARCHAR), CAST(max(d) AS VARCHAR)
FROM (SELECT part_host, %s AS d %s)`, e.day, e.from)).Scan(&n, &hosts, &minHost, &maxHost, &days, &minDay, &maxDay)
	if err != nil {
		return partition{}, false, err
	}
	one := func(count int64, lo, hi sql.NullString) bool {
		return count == 0 || count == n && lo == hi
	}
	return partition{minHost, minDay}, n > 0 && one(hosts, minHost, maxHost) && one(days, minDay, maxDay), nil
}

// exportPartitions writes the table one partition at a time, each selected by filtering the
// table joined to its captures.
func (e tableExport) exportPartitions(ctx context.Context, db *sql.DB, tdir, prefix string) error {
	rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT DISTINCT part_host, CAST(%s AS VARCHAR) %s ORDER BY ALL`, e.day, e.from))
	if err != nil {
		return err
	}
	var parts []partition
	for rows.Next() {
		var p partition
		if err := rows.Scan(&p.host, &p.day); err != nil {
			rows.Close()
			return err
		}
		parts = append(parts, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, p := range parts {
		q := fmt.Sprintf(`SELECT %s %s WHERE part_host IS NOT DISTINCT FROM ? AND CAST(%s AS VARCHAR) IS NOT DISTINCT FROM ?`,
			e.cols, e.from, e.day)
		if err := e.copy(ctx, db, q, p, tdir, prefix, p.host, p.day); err != nil {
			return err
		}
	}
	return nil
}

// copy writes the rows of query (with args) to partition p's file.
func (e tableExport) copy(ctx context.Context, db *sql.DB, query string, p partition, tdir, prefix string, args ...any) error {
	pdir := p.dir(tdir)
	if err := os.MkdirAll(pdir, 0o755); err != nil {
		return err
	}
	_, err := db.ExecContext(ctx, fmt.Sprintf(`COPY (%s) TO %s (FORMAT PARQUET, ROW_GROUP_SIZE_BYTES %s)`,
		query, sqlString(filepath.Join(pdir, prefix+"0.parquet")), sqlString(exportRowGroupBytes)), args...)
	return err
}

// exportID names the captures of db in exported file names: the first 16 hex digits of the MD5
// of their ids, hosts and boot ids, so the same database exported twice gets the same name and
// two hosts' databases get different ones.
func exportID(ctx context.Context, db *sql.DB) (string, error) {
	var id string
	err := db.QueryRowContext(ctx, `SELECT left(md5(coalesce(string_agg(
  capture_id || chr(0) || coalesce(host, '') || chr(0) || coalesce(boot_id, ''), chr(1)
  ORDER BY capture_id, host, boot_id), '')), 16) FROM capture`).Scan(&id)
	return id, err
}

// removeExported removes the files an earlier export with prefix left in the partitions of tdir
// (tdir/host=H/day=D/PREFIX*.parquet). tdir need not exist.
func removeExported(tdir, prefix string) error {
	hosts, err := os.ReadDir(tdir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, h := range hosts {
		if !h.IsDir() || !strings.HasPrefix(h.Name(), "host=") {
			continue
		}
		days, err := os.ReadDir(filepath.Join(tdir, h.Name()))
		if err != nil {
			return err
		}
		for _, d := range days {
			if !d.IsDir() || !strings.HasPrefix(d.Name(), "day=") {
				continue
			}
			ddir := filepath.Join(tdir, h.Name(), d.Name())
			files, err := os.ReadDir(ddir)
			if err != nil {
				return err
			}
			for _, f := range files {
				if strings.HasPrefix(f.Name(), prefix) && strings.HasSuffix(f.Name(), ".parquet") {
					if err := os.Remove(filepath.Join(ddir, f.Name())); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// sqlString quotes s as an SQL string literal.
func sqlString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
