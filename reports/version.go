package reports

import "github.com/duckdb/duckdb-go/v2/mapping"

// DuckDBVersion returns the version of the DuckDB library linked in, without opening a database.
func DuckDBVersion() string { return mapping.LibraryVersion() }
