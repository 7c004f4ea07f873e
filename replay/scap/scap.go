package scap

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"strconv"
	"time"

	"saker/event"
)

//go:generate go run ./internal/scapgen -in internal/scapgen/events.txt -names internal/scapgen/names.txt -out events_gen.go

// Source reads a Falco/sysdig .scap capture (plain or gzip-compressed) as an event.Source
// and an event.Clock.
//
// It yields the snapshot records as meta events first, in file order: procinfo for every thread
// of the process lists, fdinfo for every fd of the fd lists, userinfo and groupinfo for the user
// lists. They describe the host when the capture started, which the file does not timestamp:
// they carry the timestamp of the section's first timestamped event record (whatever its type;
// old libs write procinfo records with TS 0 before the first syscall), so that outputs and
// databases show when the capture began; a section without event records leaves them at TS 0.
// Then one event per syscall: exit records become events, with the parameters of their enter
// record merged in (older captures carry some parameters only on enter; recent libs append
// them to the exit record instead), and enter-only records (procexit, user and container
// records) become events of their own. Events keep the scap timestamp (Unix
// nanoseconds; see Wall) and the thread id; PID is the thread's process as the snapshot, clone
// and execve records tell it, else the thread id. Records of types saker does not map are
// skipped and counted in Stats, never fatal.
//
// What the records leave out, the reader derives where the capture tells it: the L4 protocol
// of IP socket tuples (scap tuples carry none) from the socket's type as the fd lists and
// socket(2) gave it, followed through dup*, fcntl, fork and close (tuples of sockets opened
// before the capture and missing from the fd lists, or of raw sockets, stay at protocol 0);
// fcntl's command translated from the driver's numbering to Linux's; and the filename of a
// successful execve whose layout lacks it (before execve_18), from the trusted exe path or from
// an argv[0] that is a path, resolved against the working directory.
//
// Next returns ErrTruncated or ErrCorrupt (wrapped with the file name and byte offset)
// when the block framing breaks; the error is sticky. Records whose inner lengths do not add up
// are skipped and counted in Stats().Corrupt.
type Source struct {
	name    string
	blocks  *scapBlocks
	closers []io.Closer
	gzip    bool
	machine Machine
	stats   Stats
	err     error

	// ahead holds blocks read ahead (copies), to be processed before reading on: the block
	// after the section header, and the blocks up to a section's first event record, read to
	// timestamp the snapshot. aheadErr is the read error that ended the read-ahead, returned
	// once ahead is drained.
	ahead    []scapBlock
	aheadErr error
	// snapTS is the timestamp of the snapshot records of the current section, snapKnown
	// whether it has been looked for.
	snapTS    uint64
	snapKnown bool

	// The metadata block being turned into meta events, one entry per call to Next.
	metaType uint32
	meta     scapCursor
	metaTID  uint64 // owner of the fd list being read
	metaEnd  int64  // offset of the end of the metadata block's body
	fdbuf    []byte

	pids    map[uint64]uint32 // thread id -> process id, from snapshots, clone and execve
	sockets scapSockets       // L4 protocols of the IP sockets processes hold
	enters  map[uint64]*scapEnter

	num uint64 // events yielded
}

var (
	_ event.Source = (*Source)(nil)
	_ event.Clock  = (*Source)(nil)
)

// scapEnter is an enter record kept until its exit record arrives.
type scapEnter struct {
	typ     uint16
	nparams int
	raw     []byte // parameter lengths then values
}

// Stats counts what a Source read and what it skipped.
type Stats struct {
	Blocks  uint64 // blocks read, section headers included
	Records uint64 // event records read, enter and exit
	Events  uint64 // events yielded, meta events included
	Meta    uint64 // meta events yielded (procinfo, fdinfo, userinfo, groupinfo, containerinfo)
	Merged  uint64 // enter records merged into their exit record
	// Unpaired counts exit records that came without their enter record (the capture started
	// inside the syscall, or the libs that wrote it no longer emit enter records); they are
	// yielded with the exit's parameters only.
	Unpaired uint64
	// SkippedByType counts event records skipped because saker does not map their scap event
	// type, by type number.
	SkippedByType map[uint16]uint64
	// SkippedBlocks counts blocks of types saker does not know, by block type.
	SkippedBlocks map[uint32]uint64
	// Corrupt counts event records and list entries skipped because their lengths did not add
	// up; Problems describes the first few with their offsets.
	Corrupt  uint64
	Problems []string
}

const scapMaxProblems = 16

// Open opens the .scap file at path. The caller must Close the source.
func Open(path string) (*Source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	s, err := newScapSource(f, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	s.closers = append(s.closers, f)
	return s, nil
}

// NewSource reads a .scap capture from r. It reads the section header and, when it follows,
// the machine info block, and fails with ErrNotScap or ErrVersion when r does not hold
// a capture saker can read.
func NewSource(r io.Reader) (*Source, error) { return newScapSource(r, "scap") }

func newScapSource(r io.Reader, name string) (*Source, error) {
	blocks, closer, err := newScapBlocks(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	s := &Source{
		name:    name,
		blocks:  blocks,
		pids:    map[uint64]uint32{},
		sockets: scapSockets{},
		enters:  map[uint64]*scapEnter{},
		stats:   Stats{SkippedByType: map[uint16]uint64{}, SkippedBlocks: map[uint32]uint64{}},
	}
	if closer != nil {
		s.closers = append(s.closers, closer)
		s.gzip = true
	}
	if magic, _ := blocks.r.Peek(4); len(magic) < 4 || binary.LittleEndian.Uint32(magic) != scapBlockSHB {
		s.Close()
		return nil, fmt.Errorf("%s: offset 0: no section header block: %w", name, ErrNotScap)
	}
	b, err := blocks.next()
	if err == nil && b.typ != scapBlockSHB {
		err = fmt.Errorf("offset 0: first block has type %#x: %w", b.typ, ErrNotScap)
	}
	if err == io.EOF {
		err = fmt.Errorf("offset 0: no section header: %w", ErrNotScap)
	}
	if err == nil {
		err = s.section(b)
	}
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	// Read ahead so that Machine is known before the first event.
	if b, err := blocks.next(); err == nil {
		s.stats.Blocks++
		if b.typ == scapBlockMI || b.typ == scapBlockMIInt {
			if err := parseScapMachine(b.body, &s.machine); err != nil {
				s.problem(b.off, err)
			}
		} else {
			s.ahead = append(s.ahead, b.clone())
		}
	} else if err != io.EOF {
		s.err = fmt.Errorf("%s: %w", name, err)
	} else {
		s.err = io.EOF
	}
	return s, nil
}

func (s *Source) section(b scapBlock) error {
	s.stats.Blocks++
	sec, err := parseScapSHB(b.body, b.off)
	if err != nil {
		return err
	}
	s.snapTS, s.snapKnown = 0, false
	s.machine.Version = strconv.Itoa(int(sec.major)) + "." + strconv.Itoa(int(sec.minor))
	s.machine.Comments = append(s.machine.Comments, sec.comments...)
	return nil
}

// EventTypeName returns libs' name of scap event number typ (its syscall or meta event, for
// enter and exit alike), or "type N" for a number libs does not know.
func EventTypeName(typ uint16) string {
	if n, ok := scapEventNames[typ]; ok {
		return n
	}
	return "type " + strconv.Itoa(int(typ))
}

// Gzip reports whether the capture is gzip-compressed: the offsets in its errors and
// Stats.Problems then count bytes of the decompressed stream.
func (s *Source) Gzip() bool { return s.gzip }

// Machine returns what the capture says about its host. Interfaces are filled once the
// interface list block has been read.
func (s *Source) Machine() Machine { return s.machine }

// Stats returns the counters so far.
func (s *Source) Stats() Stats {
	st := s.stats
	st.SkippedByType = maps.Clone(s.stats.SkippedByType)
	st.SkippedBlocks = maps.Clone(s.stats.SkippedBlocks)
	st.Problems = append([]string(nil), s.stats.Problems...)
	return st
}

// Wall returns ts as wall-clock time: scap timestamps are Unix nanoseconds.
func (s *Source) Wall(ts uint64) time.Time { return event.UnixClock{}.Wall(ts) }

// Close releases the file and decompressor.
func (s *Source) Close() error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i].Close())
	}
	s.closers = nil
	return errors.Join(errs...)
}

// Next fills e with the next event. See Source for what it yields and returns.
func (s *Source) Next(e *event.Event) error {
	for {
		if s.metaType != 0 {
			if s.nextMeta(e) {
				s.stats.Meta++
				return s.yield(e)
			}
			s.metaType = 0
		}
		if s.err != nil {
			return s.err
		}
		b, err := s.nextBlock()
		if err != nil {
			if err != io.EOF {
				err = fmt.Errorf("%s: %w", s.name, err)
			}
			s.err = err
			return err
		}
		ok, err := s.block(b, e)
		if err != nil {
			s.err = fmt.Errorf("%s: %w", s.name, err)
			return s.err
		}
		if ok {
			if !e.Kind.IsSyscall() {
				s.stats.Meta++
			}
			return s.yield(e)
		}
	}
}

// nextBlock returns the next block: a block read ahead, else the next one of the stream.
func (s *Source) nextBlock() (scapBlock, error) {
	if len(s.ahead) > 0 {
		b := s.ahead[0]
		s.ahead[0] = scapBlock{}
		s.ahead = s.ahead[1:]
		return b, nil
	}
	if s.aheadErr != nil {
		err := s.aheadErr
		s.aheadErr = nil
		return scapBlock{}, err
	}
	b, err := s.blocks.next()
	if err == nil {
		s.stats.Blocks++
	}
	return b, err
}

// The read-ahead of findSnapTS keeps at most scapMaxAheadBlocks blocks or scapMaxAheadBytes
// bytes of block bodies: a file of endless metadata or zero-timestamp records must not make
// the reader hold it all in memory.
const (
	scapMaxAheadBlocks = 4096
	scapMaxAheadBytes  = 64 << 20
)

// findSnapTS sets snapTS to the first nonzero timestamp of an event record of the section,
// reading ahead (and keeping copies of) the blocks before it. It stops at the next section
// header, at the end of the stream and at a read error, which nextBlock returns in turn, and
// past the read-ahead limits, leaving snapTS 0.
func (s *Source) findSnapTS() {
	s.snapKnown = true
	size := 0
	for _, b := range s.ahead {
		if b.typ == scapBlockSHB {
			return
		}
		if ts, ok := scapEventTS(b); ok && ts != 0 {
			s.snapTS = ts
			return
		}
		size += len(b.body)
	}
	for s.aheadErr == nil {
		if len(s.ahead) >= scapMaxAheadBlocks || size >= scapMaxAheadBytes {
			return
		}
		b, err := s.blocks.next()
		if err != nil {
			s.aheadErr = err
			return
		}
		s.stats.Blocks++
		s.ahead = append(s.ahead, b.clone())
		size += len(b.body)
		if b.typ == scapBlockSHB {
			return
		}
		if ts, ok := scapEventTS(b); ok && ts != 0 {
			s.snapTS = ts
			return
		}
	}
}

func (s *Source) yield(e *event.Event) error {
	s.num++
	s.stats.Events++
	e.Num = s.num
	return nil
}

// block processes one block; it reports whether e now holds an event to yield.
func (s *Source) block(b scapBlock, e *event.Event) (bool, error) {
	switch b.typ {
	case scapBlockEV, scapBlockEVInt, scapBlockEVV2, scapBlockEVV2Large,
		scapBlockEVF, scapBlockEVFV2, scapBlockEVFV2Large:
		return s.eventBlock(b, e), nil
	case scapBlockSHB:
		return false, s.section(b)
	case scapBlockMI, scapBlockMIInt:
		if err := parseScapMachine(b.body, &s.machine); err != nil {
			s.problem(b.off, err)
		}
	case scapBlockIL, scapBlockILInt, scapBlockILV2:
		ifs, err := parseScapIfList(b.body, b.typ == scapBlockILV2)
		s.machine.Interfaces = append(s.machine.Interfaces, ifs...)
		if err != nil {
			s.problem(b.off, err)
		}
	case scapBlockFDL, scapBlockFDLInt, scapBlockFDLV2:
		s.startMeta(b)
		s.metaTID = s.meta.u64()
	case scapBlockUL, scapBlockULInt, scapBlockULV2:
		s.startMeta(b)
	default:
		if scapProcListVersion(b.typ) != 0 {
			s.startMeta(b)
			return false, nil
		}
		s.stats.SkippedBlocks[b.typ]++
	}
	return false, nil
}

func (s *Source) startMeta(b scapBlock) {
	if !s.snapKnown {
		// Reading ahead reuses the block buffer that b.body may point into.
		b = b.clone()
		s.findSnapTS()
	}
	s.meta, s.metaType = scapCursor{b: b.body}, b.typ
	s.metaEnd = b.off + 8 + int64(len(b.body))
}

// nextMeta turns the next entry of the current metadata block into e. It reports false when
// the block is exhausted; a malformed entry drops the rest of the block and is counted.
func (s *Source) nextMeta(e *event.Event) bool {
	if s.meta.len() < 4 || s.meta.bad {
		return false
	}
	off := s.metaEnd - int64(s.meta.len())
	var err error
	switch s.metaType {
	case scapBlockFDL, scapBlockFDLInt, scapBlockFDLV2:
		var f scapFD
		f, s.fdbuf, err = parseScapFD(&s.meta, s.metaType == scapBlockFDLV2, s.fdbuf[:0])
		if err == nil {
			pid := s.pid(s.metaTID)
			setFdinfo(e, pid, uint32(s.metaTID), &f)
			if len(f.tuple) >= 2 && (f.tuple[0] == event.AFInet || f.tuple[0] == event.AFInet6) {
				s.sockets.set(pid, f.fd, f.tuple[1])
			}
		}
	case scapBlockUL, scapBlockULInt, scapBlockULV2:
		err = parseScapUser(&s.meta, s.metaType == scapBlockULV2, e)
	default:
		var p scapProc
		p, err = parseScapProc(&s.meta, s.metaType)
		if err == nil {
			s.pids[uint64(p.tid)] = uint32(p.pid)
			setProcinfo(e, &p)
		}
	}
	if err != nil {
		s.problem(off, fmt.Errorf("block type %#x: %w", s.metaType, err))
		return false
	}
	e.TS = s.snapTS
	return true
}

// pid returns the process id of thread tid as far as the capture told, else tid itself.
func (s *Source) pid(tid uint64) uint32 {
	if p, ok := s.pids[tid]; ok {
		return p
	}
	return uint32(tid)
}

func (s *Source) problem(off int64, err error) {
	s.stats.Corrupt++
	if len(s.stats.Problems) < scapMaxProblems {
		msg := err.Error()
		if off >= 0 {
			msg = "offset " + strconv.FormatInt(off, 10) + ": " + msg
		}
		s.stats.Problems = append(s.stats.Problems, msg)
	}
}
