//go:build duckdb_arrow

package reports

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	duckdb "github.com/duckdb/duckdb-go/v2"
)

// arrowBatchRows is the number of events an Arrow sink inserts with one statement: one DuckDB
// row group, which DuckDB compresses and writes to the file at once instead of keeping it in
// memory and in the write-ahead log (statements of fewer rows, committed each, cost 40% more CPU
// at 10 M events). A variable for tests.
var arrowBatchRows = 122880 // DuckDB's row group size

// arrowRecordRows is the number of events in each record batch of a statement. The statement
// reads its records while the sink builds the next ones, so the sink holds a record or two in
// Go memory instead of a whole row group of events (93 MB live in arrow-go's Go allocator for
// two sinks at 10 M events, twice that in heap with GOGC=100). A variable for tests.
var arrowRecordRows = 8192

// arrowViews numbers the sinks' views: each connection registers its own.
var arrowViews atomic.Uint64

// arrowSink collects events in Arrow columns and inserts them with one INSERT ... SELECT per
// arrowBatchRows events over a view of a stream of record batches: no cgo call per value, and
// DuckDB converts whole columns. The statement runs on its own goroutine and reads each record
// as the sink finishes it.
type arrowSink struct {
	conn driver.Conn
	ar   *duckdb.Arrow
	cols *eventColumns
	view string
	// stmt is the running statement, nil between statements.
	stmt *arrowInsert
}

// arrowInsert is one running INSERT and the records it has still to read.
type arrowInsert struct {
	recs chan arrow.RecordBatch
	done chan error
	rows int // rows handed to it
}

func newEventSink(conn driver.Conn) (eventSink, error) {
	ar, err := duckdb.NewArrowFromConn(conn)
	if err != nil {
		return nil, fmt.Errorf("arrow: %w", err)
	}
	return &arrowSink{conn: conn, ar: ar, cols: newEventColumns(memory.DefaultAllocator),
		view: "saker_events_" + strconv.FormatUint(arrowViews.Add(1), 10)}, nil
}

func (a *arrowSink) add(e *Event) error {
	a.cols.add(e)
	if a.cols.len() < arrowRecordRows {
		return nil
	}
	return a.send()
}

// send hands the rows added so far to the running statement, starting one if none runs, and
// ends the statement once it has arrowBatchRows rows.
func (a *arrowSink) send() error {
	if a.stmt == nil {
		a.stmt = &arrowInsert{recs: make(chan arrow.RecordBatch, 1), done: make(chan error, 1)}
		go a.insert(a.stmt)
	}
	rec := a.cols.record()
	select {
	case a.stmt.recs <- rec:
	case err := <-a.stmt.done: // the statement failed before reading all its records
		rec.Release()
		a.stmt = nil
		if err == nil {
			err = errors.New("insert ended early")
		}
		return err
	}
	a.stmt.rows += int(rec.NumRows())
	if a.stmt.rows < arrowBatchRows {
		return nil
	}
	return a.end()
}

// end waits for the running statement to read its last record and finish.
func (a *arrowSink) end() error {
	if a.stmt == nil {
		return nil
	}
	close(a.stmt.recs)
	err := <-a.stmt.done
	for rec := range a.stmt.recs { // left unread after an error
		rec.Release()
	}
	a.stmt = nil
	return err
}

// insert runs one INSERT over the records of st until st.recs is closed or the statement fails.
func (a *arrowSink) insert(st *arrowInsert) {
	st.done <- a.insertView(&chanReader{recs: st.recs})
}

func (a *arrowSink) insertView(rdr *chanReader) error {
	release, err := a.ar.RegisterView(rdr, a.view)
	if err != nil {
		return err
	}
	defer release()
	_, err = a.conn.(driver.ExecerContext).ExecContext(context.Background(),
		"INSERT INTO events SELECT * FROM "+a.view, nil)
	if err == nil {
		_, err = a.conn.(driver.ExecerContext).ExecContext(context.Background(), "DROP VIEW "+a.view, nil)
	}
	return err
}

func (a *arrowSink) close(discard bool) error {
	var err error
	if !discard && a.cols.len() > 0 {
		err = a.send()
	}
	err = errors.Join(err, a.end())
	a.cols.release()
	return errors.Join(err, a.conn.Close())
}

// chanReader is a RecordReader of the records received on a channel, until it closes.
type chanReader struct {
	refs atomic.Int64
	recs <-chan arrow.RecordBatch
	cur  arrow.RecordBatch
}

func (r *chanReader) Retain() { r.refs.Add(1) }

func (r *chanReader) Release() {
	if r.refs.Add(-1) == -1 && r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
}

func (r *chanReader) Schema() *arrow.Schema { return eventSchema }

func (r *chanReader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	rec, ok := <-r.recs
	if !ok {
		return false
	}
	r.cur = rec
	return true
}

func (r *chanReader) RecordBatch() arrow.RecordBatch { return r.cur }

func (r *chanReader) Record() arrow.RecordBatch { return r.cur }

func (r *chanReader) Err() error { return nil }
