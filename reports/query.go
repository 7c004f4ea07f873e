package reports

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// Result is a query's answer: column names, DuckDB type names and rows of Go values as the
// driver scans them (nil for NULL).
type Result struct {
	Columns []string
	Types   []string
	Rows    [][]any
}

// ReadOptions tune how a database is opened for reading.
type ReadOptions struct {
	// AllowFiles lets SQL read and write files and load extensions (DuckDB's external
	// access: read_csv('/etc/...'), COPY ... TO, ATTACH). Off by default: a database received
	// from someone else can carry views and macros, and free SQL should not reach the
	// analyst's files unasked.
	AllowFiles bool
	// Threads caps DuckDB's worker threads (0: DuckDB's default, one per core).
	Threads int
	// MemoryLimit caps DuckDB's buffer pool, as DuckDB's memory_limit setting ("256MB"; "":
	// DuckDB's default, 80% of the machine's memory, which a long scan fills with cached
	// blocks).
	MemoryLimit string
	// AnyOrder lets DuckDB produce rows in any order (preserve_insertion_order=false). COPY's
	// ROW_GROUP_SIZE_BYTES, which bounds a Parquet row group's memory, needs it.
	AnyOrder bool
}

// OpenReadOnly opens the database at path read-only, without external access. The caller
// closes the returned DB, which also closes the database.
func OpenReadOnly(path string) (*sql.DB, error) { return OpenReadOnlyWith(path, ReadOptions{}) }

// OpenReadOnlyWith opens the database at path read-only with opts.
func OpenReadOnlyWith(path string, opts ReadOptions) (*sql.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	dsn := path + "?access_mode=read_only"
	if !opts.AllowFiles {
		dsn += "&enable_external_access=false"
	}
	if opts.Threads > 0 {
		dsn += fmt.Sprintf("&threads=%d", opts.Threads)
	}
	if opts.MemoryLimit != "" {
		dsn += "&memory_limit=" + url.QueryEscape(opts.MemoryLimit)
	}
	if opts.AnyOrder {
		dsn += "&preserve_insertion_order=false"
	}
	c, err := duckdb.NewConnector(dsn, nil)
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	return sql.OpenDB(c), nil
}

// Query runs query with args against the database at path, opened read-only without external
// access. A bad statement returns DuckDB's own error message.
func Query(ctx context.Context, path, query string, args ...any) (*Result, error) {
	return QueryWith(ctx, path, ReadOptions{}, query, args...)
}

// QueryWith is Query with read options.
func QueryWith(ctx context.Context, path string, opts ReadOptions, query string, args ...any) (*Result, error) {
	db, err := OpenReadOnlyWith(path, opts)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return QueryDB(ctx, db, query, args...)
}

// QueryDB runs query with args on db and reads every row.
func QueryDB(ctx context.Context, db *sql.DB, query string, args ...any) (*Result, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	r := &Result{}
	for _, c := range cols {
		r.Columns = append(r.Columns, c.Name())
		r.Types = append(r.Types, c.DatabaseTypeName())
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		for i, v := range vals {
			vals[i] = plain(v, r.Types[i])
		}
		r.Rows = append(r.Rows, vals)
	}
	return r, rows.Err()
}

// plain turns the driver's own value types into ones the writers know: UUIDs and intervals as
// text, decimals as exact numbers (json.Number), maps as map[string]any.
func plain(v any, typ string) any {
	switch x := v.(type) {
	case []byte:
		if typ == "UUID" && len(x) == 16 {
			var u duckdb.UUID
			copy(u[:], x)
			return u.String()
		}
	case duckdb.UUID:
		return x.String()
	case duckdb.Interval:
		return intervalText(x)
	case duckdb.Decimal:
		return json.Number(x.String())
	case duckdb.OrderedMap:
		return plainMap(&x)
	case *duckdb.OrderedMap:
		return plainMap(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e, "")
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = plain(e, "")
		}
		return out
	}
	return v
}

func plainMap(m *duckdb.OrderedMap) map[string]any {
	out := map[string]any{}
	vals := m.Values()
	for i, k := range m.Keys() {
		out[cellText(plain(k, ""), "NULL")] = plain(vals[i], "")
	}
	return out
}

// intervalText writes an interval as DuckDB does: "1 year 2 months 3 days 04:05:06".
func intervalText(iv duckdb.Interval) string {
	var parts []string
	if y, m := iv.Months/12, iv.Months%12; y != 0 || m != 0 {
		if y != 0 {
			parts = append(parts, fmt.Sprintf("%d years", y))
		}
		if m != 0 {
			parts = append(parts, fmt.Sprintf("%d months", m))
		}
	}
	if iv.Days != 0 {
		parts = append(parts, fmt.Sprintf("%d days", iv.Days))
	}
	if iv.Micros != 0 || len(parts) == 0 {
		parts = append(parts, (time.Duration(iv.Micros) * time.Microsecond).String())
	}
	return strings.Join(parts, " ")
}
