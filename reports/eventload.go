package reports

import (
	"bytes"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// The events table is most of a load, and its cost is the appender's: duckdb-go spends a cgo call
// on every string or NULL cell, and DuckDB hashes, analyses and compresses every string. The
// store therefore appends events on loader goroutines, each with its own connection (DuckDB takes
// concurrent appends to one table from several connections), so the caller (the replay) only
// copies rows into batches, and the appender's work runs beside it and on more than one core.

// eventBatch is the number of events handed to a loader at once.
const eventBatch = 2048

// eventCells are the events columns of a row without *_raw bytes, tuple or data, the common
// case: their appender leaves path_raw, args_raw, tuple and data NULL without spending a cell
// (a cgo call) on each.
var eventCells = []string{"capture_id", "event_num", "time", "kind", "pid", "tid", "process_key", "res", "fd",
	"path", "args"}

// defaultLoaders is the number of loader goroutines when CreateOptions.EventLoaders is 0.
func defaultLoaders() int {
	return min(runtime.GOMAXPROCS(0), 2)
}

// eventLoader hands batches of events to loader goroutines and collects their first error.
type eventLoader struct {
	pending []Event
	batches chan []Event
	free    chan []Event // batches the loaders are done with, for reuse
	wg      sync.WaitGroup
	stop    atomic.Bool // set by abort: loaders drop what is left
	mu      sync.Mutex
	err     error
	loaders []eventSink
}

// eventSink appends one loader's events to the events table on its own connection: the
// appender (eventsink_appender.go) or, built with the duckdb_arrow tag, Arrow record batches
// (eventsink_arrow.go).
type eventSink interface {
	add(e *Event) error
	// close appends what is pending unless discard is set, releases the sink's resources and
	// closes its connection.
	close(discard bool) error
}

// eventAppender is one loader's connection and appenders.
type eventAppender struct {
	conn         driver.Conn
	narrow, full *duckdb.Appender
	row          []driver.Value
}

// newEventLoader starts n loaders on connections of c.
func newEventLoader(c *duckdb.Connector, n int) (*eventLoader, error) {
	l := &eventLoader{batches: make(chan []Event, 2*n), free: make(chan []Event, 3*n)}
	for range n {
		conn, err := c.Connect(context.Background())
		if err != nil {
			return nil, errors.Join(err, l.close())
		}
		a, err := newEventSink(conn)
		if err != nil {
			return nil, errors.Join(err, conn.Close(), l.close())
		}
		l.loaders = append(l.loaders, a)
		l.wg.Add(1)
		go l.run(a)
	}
	return l, nil
}

// add copies e into the pending batch; e and its Data may be reused as soon as add returns.
// An error of a loader is returned by a later add, or by close.
func (l *eventLoader) add(e *Event) error {
	if l.pending == nil {
		select {
		case l.pending = <-l.free:
		default:
			l.pending = make([]Event, 0, eventBatch)
		}
	}
	l.pending = append(l.pending, *e)
	if e.Data != nil {
		l.pending[len(l.pending)-1].Data = bytes.Clone(e.Data)
	}
	if len(l.pending) < eventBatch {
		return nil
	}
	if err := l.failed(); err != nil {
		return fmt.Errorf("events: %w", err)
	}
	l.batches <- l.pending
	l.pending = nil
	return nil
}

func (l *eventLoader) failed() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

func (l *eventLoader) fail(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err == nil {
		l.err = err
	}
}

// run appends the batches it receives until the channel closes; after an error or an abort
// it only drains them, so that add never blocks for good.
func (l *eventLoader) run(a eventSink) {
	defer l.wg.Done()
	for b := range l.batches {
		if !l.stop.Load() && l.failed() == nil {
			for i := range b {
				if err := a.add(&b[i]); err != nil {
					l.fail(fmt.Errorf("event %d: %w", b[i].Num, err))
					break
				}
			}
		}
		clear(b)
		select {
		case l.free <- b[:0]:
		default:
		}
	}
}

// add appends e through the narrow appender when it has no raw bytes, tuple or data, else
// through the one of all columns.
func (a *eventAppender) add(e *Event) error {
	path, pathRaw := rawText(e.Path)
	args, argsRaw := rawText(e.Args)
	a.row = append(a.row[:0], e.CaptureID, e.Num, ts(e.Time), e.Kind, e.PID, e.TID, e.ProcessKey, e.Res, e.FD)
	if pathRaw == nil && argsRaw == nil && e.Tuple == "" && e.Data == nil {
		if a.narrow == nil {
			app, err := duckdb.NewAppenderWithColumns(a.conn, "", "", "events", eventCells)
			if err != nil {
				return fmt.Errorf("appender: %w", err)
			}
			a.narrow = app
		}
		a.row = append(a.row, path, args)
		return a.narrow.AppendRow(a.row...)
	}
	if a.full == nil {
		app, err := duckdb.NewAppenderFromConn(a.conn, "", "events")
		if err != nil {
			return fmt.Errorf("appender: %w", err)
		}
		a.full = app
	}
	var tuple any
	if e.Tuple != "" {
		tuple = escapeText(e.Tuple)
	}
	a.row = append(a.row, path, pathRaw, args, argsRaw, tuple, blob(e.Data))
	return a.full.AppendRow(a.row...)
}

// close flushes the appenders and closes the connection (the appender has no way to drop its
// rows; a discarded load is removed with its file).
func (a *eventAppender) close(bool) error {
	var errs []error
	for _, app := range []*duckdb.Appender{a.narrow, a.full} {
		if app != nil {
			errs = append(errs, app.Close())
		}
	}
	return errors.Join(append(errs, a.conn.Close())...)
}

// close appends the pending batch, waits for the loaders, flushes their sinks and closes
// their connections. It returns the first error of any of them.
func (l *eventLoader) close() error {
	if len(l.pending) > 0 && !l.stop.Load() {
		l.batches <- l.pending
	}
	l.pending = nil
	close(l.batches)
	l.wg.Wait()
	errs := []error{l.failed()}
	discard := l.stop.Load() || errs[0] != nil
	for _, a := range l.loaders {
		errs = append(errs, a.close(discard))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("events: %w", err)
	}
	return nil
}

// abort makes the loaders drop the batches not yet appended, then closes them.
func (l *eventLoader) abort() error {
	l.stop.Store(true)
	return l.close()
}
