//go:build duckdb_arrow

package reports

import "testing"

// TestArrowSinkStatements runs TestLoadEventsBatches with statements of 2,500 rows read as
// records of 1,000, so that loads end statements mid-record, start new ones and end with a
// partial record and a partial statement.
func TestArrowSinkStatements(t *testing.T) {
	defer func(b, r int) { arrowBatchRows, arrowRecordRows = b, r }(arrowBatchRows, arrowRecordRows)
	arrowBatchRows, arrowRecordRows = 2500, 1000
	TestLoadEventsBatches(t)
}

// TestArrowSinkStatementsError runs TestLoadEventsError with records of 3 rows: the statement
// fails on its first record while the sink still has records to hand it.
func TestArrowSinkStatementsError(t *testing.T) {
	defer func(b, r int) { arrowBatchRows, arrowRecordRows = b, r }(arrowBatchRows, arrowRecordRows)
	arrowBatchRows, arrowRecordRows = 2500, 3
	TestLoadEventsError(t)
}
