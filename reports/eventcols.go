package reports

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// eventSchema is the events table as Arrow columns, in the table's order and with its types
// (TIMESTAMP_NS is an Arrow timestamp in nanoseconds without a zone).
var eventSchema = arrow.NewSchema([]arrow.Field{
	{Name: "capture_id", Type: arrow.BinaryTypes.String},
	{Name: "event_num", Type: arrow.PrimitiveTypes.Uint64},
	{Name: "time", Type: &arrow.TimestampType{Unit: arrow.Nanosecond}, Nullable: true},
	{Name: "kind", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "pid", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "tid", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "process_key", Type: arrow.PrimitiveTypes.Uint64, Nullable: true},
	{Name: "res", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "fd", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "path", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "path_raw", Type: arrow.BinaryTypes.Binary, Nullable: true},
	{Name: "args", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "args_raw", Type: arrow.BinaryTypes.Binary, Nullable: true},
	{Name: "tuple", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "data", Type: arrow.BinaryTypes.Binary, Nullable: true},
}, nil)

// eventColumns builds record batches of events column by column.
type eventColumns struct {
	b                      *array.RecordBuilder
	capID, kind            *array.StringBuilder
	path, args, tuple      *array.StringBuilder
	num, procKey           *array.Uint64Builder
	time                   *array.TimestampBuilder
	pid, tid, res, fd      *array.Int64Builder
	pathRaw, argsRaw, data *array.BinaryBuilder
}

func newEventColumns(mem memory.Allocator) *eventColumns {
	b := array.NewRecordBuilder(mem, eventSchema)
	f := b.Fields()
	return &eventColumns{b: b,
		capID: f[0].(*array.StringBuilder), num: f[1].(*array.Uint64Builder), time: f[2].(*array.TimestampBuilder),
		kind: f[3].(*array.StringBuilder), pid: f[4].(*array.Int64Builder), tid: f[5].(*array.Int64Builder),
		procKey: f[6].(*array.Uint64Builder), res: f[7].(*array.Int64Builder), fd: f[8].(*array.Int64Builder),
		path: f[9].(*array.StringBuilder), pathRaw: f[10].(*array.BinaryBuilder), args: f[11].(*array.StringBuilder),
		argsRaw: f[12].(*array.BinaryBuilder), tuple: f[13].(*array.StringBuilder), data: f[14].(*array.BinaryBuilder)}
}

// add appends e as a row: text columns escaped as the store's appenders escape them, with the
// original bytes in the *_raw column when they differ; an empty tuple and a nil Data are NULL.
func (c *eventColumns) add(e *Event) {
	c.capID.Append(e.CaptureID)
	c.num.Append(e.Num)
	if e.Time.IsZero() {
		c.time.AppendNull()
	} else {
		c.time.Append(arrow.Timestamp(e.Time.UnixNano()))
	}
	c.kind.Append(e.Kind)
	c.pid.Append(e.PID)
	c.tid.Append(e.TID)
	c.procKey.Append(e.ProcessKey)
	c.res.Append(e.Res)
	c.fd.Append(e.FD)
	textCell(c.path, c.pathRaw, e.Path)
	textCell(c.args, c.argsRaw, e.Args)
	if e.Tuple == "" {
		c.tuple.AppendNull()
	} else {
		c.tuple.Append(escapeText(e.Tuple))
	}
	if e.Data == nil {
		c.data.AppendNull()
	} else {
		c.data.Append(e.Data)
	}
}

// textCell appends s to text and, when s is not clean text, its bytes to raw (else NULL).
func textCell(text *array.StringBuilder, raw *array.BinaryBuilder, s string) {
	if clean(s) {
		text.Append(s)
		raw.AppendNull()
		return
	}
	text.Append(escapeText(s))
	raw.Append([]byte(s))
}

// len is the number of rows added since the last record.
func (c *eventColumns) len() int { return c.num.Len() }

// record returns the rows added so far as a record batch and starts a new one.
func (c *eventColumns) record() arrow.RecordBatch { return c.b.NewRecordBatch() }

func (c *eventColumns) release() { c.b.Release() }
