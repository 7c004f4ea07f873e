package reports

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// dayOf gives, per table, the time whose date names a row's day partition (t is the table,
// c the capture).
var dayOf = map[string]string{
	"capture":     "c.start",
	"processes":   "coalesce(t.start, c.start)",
	"events":      "t.time",
	"connections": "t.first_time",
	"dns":         "t.time",
	"files":       "t.time",
	"findings":    "t.time",
	"rules":       "c.start",
}

// partitionHost is the host partition's value: the host name when it makes a plain directory
// name, else "host-" and the first 16 hex digits of its MD5, since a suspect host's name can be
// any bytes of any length.
const partitionHost = `CASE WHEN regexp_full_match(c.host, '[A-Za-z0-9][A-Za-z0-9._-]{0,99}') THEN c.host
  ELSE 'host-' || left(md5(coalesce(c.host, '')), 16) END`

// ExportParquet writes every table of the database at path (opened read-only) as Parquet under
// dir/TABLE/host=HOST/day=YYYY-MM-DD/ (HOST as partitionHost makes it; the capture table keeps
// the name itself in host_name and host_raw). Files are added next to those already there, so several
// databases (a fleet's hosts) export into one directory; read them back with
// read_parquet('dir/TABLE/**/*.parquet', hive_partitioning = true).
func ExportParquet(ctx context.Context, path, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	// Export writes Parquet files: the one reader that needs DuckDB's file access.
	db, err := OpenReadOnlyWith(path, ReadOptions{AllowFiles: true})
	if err != nil {
		return err
	}
	defer db.Close()
	for _, t := range Tables {
		cols := "t.*, " + partitionHost + " AS host"
		if t == "capture" {
			cols = "t.* EXCLUDE (host), t.host AS host_name, " + partitionHost + " AS host"
		}
		q := fmt.Sprintf(`COPY (
  SELECT %s, CAST(%s AS DATE) AS day
  FROM %s t LEFT JOIN capture c USING (capture_id)
) TO %s (FORMAT PARQUET, PARTITION_BY (host, day), APPEND true)`,
			cols, dayOf[t], t, sqlString(filepath.Join(dir, t)))
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("export %s: %w", t, err)
		}
	}
	return nil
}

// sqlString quotes s as an SQL string literal.
func sqlString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
