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
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	duckdb "github.com/duckdb/duckdb-go/v2"
)

// arrowBatchRows is the number of events an Arrow sink inserts at once: one DuckDB row group,
// which DuckDB compresses and writes to the file at once instead of keeping it in memory.
const arrowBatchRows = 122880 // DuckDB's row group size

// arrowViews numbers the sinks' views: each connection registers its own.
var arrowViews atomic.Uint64

// arrowSink collects events in Arrow columns and inserts each full batch with one INSERT ...
// SELECT over the batch, registered as a view: no cgo call per value, and DuckDB converts
// whole columns.
type arrowSink struct {
	conn driver.Conn
	ar   *duckdb.Arrow
	cols *eventColumns
	view string
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
	if a.cols.len() < arrowBatchRows {
		return nil
	}
	return a.flush()
}

func (a *arrowSink) flush() error {
	if a.cols.len() == 0 {
		return nil
	}
	rec := a.cols.record()
	defer rec.Release()
	rdr, err := array.NewRecordReader(eventSchema, []arrow.RecordBatch{rec})
	if err != nil {
		return err
	}
	defer rdr.Release()
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
	if !discard {
		err = a.flush()
	}
	a.cols.release()
	return errors.Join(err, a.conn.Close())
}
