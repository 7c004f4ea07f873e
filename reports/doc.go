// Package reports writes analysis results for people: a DuckDB database (the only package that
// imports duckdb-go, and so the only one needing cgo), SQL presets, Parquet exports and the
// self-contained HTML report.
package reports
