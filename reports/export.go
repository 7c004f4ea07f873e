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
	db, err := OpenReadOnlyWith(path, ReadOptions{AllowFiles: true, Threads: 1, MemoryLimit: "256MB"})
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
		if err := exportTable(ctx, db, t, tdir, prefix); err != nil {
			return fmt.Errorf("export %s: %w", t, err)
		}
	}
	return nil
}

// exportTable writes table t's rows under tdir, one plain Parquet file per (host, day)
// partition. One COPY per partition, rather than DuckDB's PARTITION_BY writer, which buffers
// every open partition: the 1 M-event mix exports with 187 MiB peak instead of 417-595, and
// 27-40% less CPU (docs/PERFORMANCE.md). As with PARTITION_BY, the partition columns live in
// the directory names only.
func exportTable(ctx context.Context, db *sql.DB, t, tdir, prefix string) error {
	from := fmt.Sprintf(`FROM %s t LEFT JOIN (SELECT capture_id, start, %s AS part_host FROM capture c) c USING (capture_id)`,
		t, partitionHost)
	day := fmt.Sprintf("CAST(%s AS DATE)", dayOf[t])
	rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT DISTINCT part_host, CAST(%s AS VARCHAR) %s ORDER BY ALL`, day, from))
	if err != nil {
		return err
	}
	type partition struct{ host, day sql.NullString }
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
	cols := "t.*"
	if t == "capture" {
		cols = "t.* EXCLUDE (host), t.host AS host_name"
	}
	for _, p := range parts {
		// DuckDB's hive partitions name a NULL value NULL; so do these.
		hostDir, dayDir := "NULL", "NULL"
		if p.host.Valid {
			hostDir = p.host.String
		}
		if p.day.Valid {
			dayDir = p.day.String
		}
		pdir := filepath.Join(tdir, "host="+hostDir, "day="+dayDir)
		if err := os.MkdirAll(pdir, 0o755); err != nil {
			return err
		}
		q := fmt.Sprintf(`COPY (SELECT %s %s WHERE part_host IS NOT DISTINCT FROM ? AND CAST(%s AS VARCHAR) IS NOT DISTINCT FROM ?)
TO %s (FORMAT PARQUET)`, cols, from, day, sqlString(filepath.Join(pdir, prefix+"0.parquet")))
		if _, err := db.ExecContext(ctx, q, p.host, p.day); err != nil {
			return err
		}
	}
	return nil
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
