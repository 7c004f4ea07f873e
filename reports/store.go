package reports

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// ErrExists is returned by Create when the database file exists and neither Force nor Append is set.
var ErrExists = errors.New("database exists (use force to replace it)")

// CreateOptions says what Create does with an existing file.
type CreateOptions struct {
	// Force replaces an existing database.
	Force bool
	// Append adds to an existing database (a copy of it, put in its place by Commit).
	Append bool
	// EventLoaders is the number of goroutines, each with its own connection, that append
	// events; 0 means one per core, at most 2.
	EventLoaders int
}

// Store loads analysis results into a DuckDB database with the Appender API. It writes to a
// temporary file next to the final one; Commit puts it in place, Abort removes it, so a failed
// load never leaves a half-written database under the final name. After an error from an Add
// method the load is unusable: call Abort. A process killed mid-load leaves only the hidden
// temporary file (.NAME.tmp-*). A Store is not safe for concurrent use (events are appended by
// its own goroutines: see AddEvent).
type Store struct {
	path, tmp string
	opts      CreateOptions
	connector *duckdb.Connector
	db        *sql.DB
	conn      driver.Conn
	apps      map[string]*duckdb.Appender
	pending   map[string]int // rows in each appender since its last flush
	events    *eventLoader   // started by the first AddEvent
	closed    bool
}

// Create starts a database at path. It returns ErrExists when path exists and opts allow neither
// replacing nor appending; with both Force and Append, Force wins and the database starts empty.
func Create(path string, opts CreateOptions) (*Store, error) {
	_, err := os.Stat(path)
	exists := err == nil
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	if exists && !opts.Force && !opts.Append {
		return nil, fmt.Errorf("database %s: %w", path, ErrExists)
	}
	tmp, err := tempName(path)
	if err != nil {
		return nil, err
	}
	s := &Store{path: path, tmp: tmp, opts: opts, apps: map[string]*duckdb.Appender{}, pending: map[string]int{}}
	if exists && opts.Append && !opts.Force {
		if err := copyFile(path, tmp); err != nil {
			s.removeTemp()
			return nil, fmt.Errorf("database %s: %w", path, err)
		}
	}
	if err := s.open(); err != nil {
		_ = s.Abort()
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	return s, nil
}

// storageVersion is the oldest DuckDB release that can open the databases the store writes.
// DuckDB's default (v0.10.2) keeps the older string compression, which makes event loads about
// 15% slower in CPU time and the file twice as large (26 against 12 bytes per event in
// BenchmarkLoadEvents); 1.3 brought the combined dictionary and FSST compression.
const storageVersion = "v1.3.0"

// storeSettings are the DuckDB settings of a load. DuckDB's defaults are a memory limit of 80% of
// the machine's memory and a thread per core; a load runs beside the analysis, whose own memory
// is small and flat, so the store gets a fixed budget, and its parallelism comes from the event
// loaders (one connection each), not from DuckDB's task threads, which would compete with them
// and with the replay for the same cores.
const storeSettings = "&memory_limit=256MB&threads=1"

func (s *Store) open() error {
	c, err := duckdb.NewConnector(s.tmp+"?storage_compatibility_version="+storageVersion+storeSettings+extraOpts, nil)
	if err != nil {
		return err
	}
	s.connector = c
	s.db = sql.OpenDB(c)
	for _, ddl := range schemaDDL {
		if _, err := s.db.Exec(ddl); err != nil {
			return fmt.Errorf("schema: %w", err)
		}
	}
	s.conn, err = c.Connect(context.Background())
	return err
}

// tempName makes an owner-only directory beside path and returns the name of the file to
// write in it: DuckDB creates its files with the process's umask, and the database holds the
// host's command lines and payloads, which other local users must not read while it loads.
func tempName(path string) (string, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmpDir, err := os.MkdirTemp(dir, "."+base+".tmp-")
	if err != nil {
		return "", err
	}
	return filepath.Join(tmpDir, base), nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// appendFlushRows is the number of rows after which the store flushes a table's appender.
// DuckDB's appender keeps its rows in memory that its memory_limit does not count until it has
// 204,800 of them, and a table with fewer (the 10 M-event mix's 119 k findings, 140 k processes)
// stays there until Commit: at 10 M events, flushing every 16,384 rows cut the peak RSS of
// `saker analyze --db` by 250-300 MiB for at most a few % more CPU (each flush is a commit).
const appendFlushRows = 16384

// append adds one row to table through the table's appender, made on first use.
func (s *Store) append(table string, row ...driver.Value) error {
	if s.closed {
		return fmt.Errorf("%s: store is closed", table)
	}
	a, ok := s.apps[table]
	if !ok {
		var err error
		a, err = duckdb.NewAppenderFromConn(s.conn, "", table)
		if err != nil {
			return fmt.Errorf("%s: appender: %w", table, err)
		}
		s.apps[table] = a
	}
	if err := a.AppendRow(row...); err != nil {
		return fmt.Errorf("%s: %w", table, err)
	}
	if s.pending[table]++; s.pending[table] >= appendFlushRows {
		s.pending[table] = 0
		if err := a.Flush(); err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
	}
	return nil
}

// Commit flushes every table, closes the database and moves it to its final name. Without Force
// or Append it refuses (ErrExists) to replace a file that appeared meanwhile. On any error the
// temporary file is removed and nothing is left under the final name.
func (s *Store) Commit() error {
	if s.closed {
		return errors.New("store is closed")
	}
	if err := s.close(false); err != nil {
		s.removeTemp()
		return fmt.Errorf("database %s: %w", s.path, err)
	}
	err := s.place()
	s.removeTemp() // the temporary directory, and the temporary file if it was not placed
	if err != nil {
		return fmt.Errorf("database %s: %w", s.path, err)
	}
	return nil
}

// place moves the finished temporary file to the final name.
func (s *Store) place() error {
	// The database holds a host's command lines, paths and payloads: owner-only, like the
	// capture bundle it came from.
	if err := os.Chmod(s.tmp, 0o600); err != nil {
		return err
	}
	if f, err := os.OpenFile(s.tmp, os.O_RDWR, 0); err == nil {
		err = f.Sync()
		f.Close()
		if err != nil {
			return err
		}
	}
	if s.opts.Force || s.opts.Append {
		_ = os.Remove(s.path + ".wal")
		return os.Rename(s.tmp, s.path)
	}
	// A hard link fails if the name is taken, where rename would silently replace it.
	if err := os.Link(s.tmp, s.path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return ErrExists
		}
		if _, serr := os.Stat(s.path); serr == nil {
			return ErrExists
		}
		return os.Rename(s.tmp, s.path)
	}
	return os.Remove(s.tmp)
}

// Abort discards everything loaded and removes the temporary file. It is safe to call after
// Commit, when it does nothing.
func (s *Store) Abort() error {
	if s.closed {
		return nil
	}
	err := s.close(true)
	s.removeTemp()
	return err
}

// close flushes the appenders, checkpoints and closes the database; with abort, the event
// loaders drop the events they have not appended yet.
func (s *Store) close(abort bool) error {
	s.closed = true
	var errs []error
	if s.events != nil {
		if abort {
			errs = append(errs, s.events.abort())
		} else {
			errs = append(errs, s.events.close())
		}
	}
	for _, t := range Tables {
		if a, ok := s.apps[t]; ok {
			if err := a.Close(); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", t, err))
			}
		}
	}
	if s.conn != nil {
		errs = append(errs, s.conn.Close())
	}
	if s.db != nil && errors.Join(errs...) == nil {
		if _, err := s.db.Exec("CHECKPOINT"); err != nil {
			errs = append(errs, fmt.Errorf("checkpoint: %w", err))
		}
	}
	if s.db != nil {
		errs = append(errs, s.db.Close())
	}
	if s.connector != nil {
		errs = append(errs, s.connector.Close())
	}
	return errors.Join(errs...)
}

// removeTemp removes the temporary database, its write-ahead log and DuckDB's spill directory.
func (s *Store) removeTemp() {
	_ = os.RemoveAll(filepath.Dir(s.tmp))
}

// extraOpts are more DuckDB settings for the store, for benchmarks (&name=value...).
var extraOpts string
