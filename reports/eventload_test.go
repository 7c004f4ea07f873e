package reports

import (
	"bytes"
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestLoadEventsBatches loads events over several batches and loaders, some with raw bytes, a
// tuple or data (the appender of all columns) among the others (the narrow one), reusing one
// Event and one Data buffer as a replay does, and reads every row back.
func TestLoadEventsBatches(t *testing.T) {
	for _, loaders := range []int{1, 2, 3} {
		t.Run(fmt.Sprint(loaders), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "e.duckdb")
			s, err := Create(path, CreateOptions{EventLoaders: loaders})
			if err != nil {
				t.Fatal(err)
			}
			n := 3*eventBatch + 17
			want := func(i int) (path, args string, data []byte) {
				path = fmt.Sprintf("/p/%d", i)
				if i%7 == 0 {
					path += "\xff\x00"
				}
				if i%11 == 0 {
					data = []byte(fmt.Sprintf("data\x00%d", i))
				}
				return path, fmt.Sprintf("a=%d", i), data
			}
			var e Event
			buf := make([]byte, 0, 64)
			for i := 1; i <= n; i++ {
				p, a, d := want(i)
				buf = append(buf[:0], d...)
				e = Event{CaptureID: "c", Num: uint64(i), Time: t0.Add(time.Duration(i)), Kind: "openat", PID: int64(i),
					ProcessKey: uint64(i), FD: -1, Path: p, Args: a, Tuple: tupleOf(i)}
				if d != nil {
					e.Data = buf
				}
				if err := s.AddEvent(&e); err != nil {
					t.Fatal(err)
				}
				clear(buf[:cap(buf)]) // the store must have copied it
			}
			if err := s.Commit(); err != nil {
				t.Fatal(err)
			}
			r, err := Query(t.Context(), path, `SELECT event_num, path, path_raw, args, data, time, process_key,
  coalesce(tuple, 'NULL') FROM events ORDER BY event_num`)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Rows) != n {
				t.Fatalf("%d rows, want %d", len(r.Rows), n)
			}
			for i, row := range r.Rows {
				num := i + 1
				p, a, d := want(num)
				var data []byte
				if row[4] != nil {
					data = row[4].([]byte)
				}
				if row[0] != uint64(num) || exact(t, row[1], row[2]) != p || row[3] != a || !bytes.Equal(data, d) ||
					!row[5].(time.Time).Equal(t0.Add(time.Duration(num))) || row[6] != uint64(num) || row[7] != cmp.Or(tupleOf(num), "NULL") {
					t.Fatalf("row %d = %q, want path %q args %q data %q", num, row, p, a, d)
				}
			}
		})
	}
}

// tupleOf is event i's tuple in TestLoadEventsBatches: every fifth has one.
func tupleOf(i int) string {
	if i%5 != 0 {
		return ""
	}
	return fmt.Sprintf("10.0.0.1:%d->10.0.0.2:80", i)
}

// TestLoadEventsError: an error of a loader reaches Commit, which leaves nothing behind.
func TestLoadEventsError(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "e.duckdb")
	s, err := Create(path, CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		// capture_id is NOT NULL; DuckDB takes the invalid UTF-8 as NULL, or refuses it.
		if err := s.AddEvent(&Event{CaptureID: "\xff", Num: uint64(i)}); err != nil {
			t.Fatalf("AddEvent returned %v before the batch was loaded", err)
		}
	}
	err = s.Commit()
	if err == nil {
		t.Fatal("Commit took an event without a capture_id")
	}
	t.Log(err)
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("left behind: %v", ents)
	}
}

// TestLoadEventsAbort: Abort with events still queued removes everything.
func TestLoadEventsAbort(t *testing.T) {
	dir := t.TempDir()
	s, err := Create(filepath.Join(dir, "e.duckdb"), CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2*eventBatch + 5 {
		if err := s.AddEvent(&Event{CaptureID: "c", Num: uint64(i + 1), Path: "/x"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Abort(); err != nil {
		t.Fatal(err)
	}
	if err := s.AddEvent(&Event{CaptureID: "c"}); err == nil {
		t.Error("AddEvent after Abort succeeded")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("left behind: %v", ents)
	}
}
