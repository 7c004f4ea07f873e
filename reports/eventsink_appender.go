//go:build !duckdb_arrow

package reports

import "database/sql/driver"

// newEventSink returns the appender sink: without the duckdb_arrow build tag, duckdb-go has
// no Arrow interface.
func newEventSink(conn driver.Conn) (eventSink, error) {
	return &eventAppender{conn: conn, row: make([]driver.Value, 0, 15)}, nil
}
