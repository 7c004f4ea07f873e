package capfile

import (
	"encoding/binary"
	"fmt"
)

// RecordType says what a record's payload holds. A new payload layout gets a new type or a
// new version of an existing type; readers skip types they do not know.
type RecordType uint16

// Record types.
const (
	// RecSensor is a raw record of the BPF sensor, unchanged; Version is its layout version.
	RecSensor RecordType = 1
	// RecEvent is an event.Event in capfile's generic encoding (AppendEvent): the /proc
	// snapshot at start and events produced by user space.
	RecEvent RecordType = 2
	// RecStats is a JSON object of counters (lost events per CPU, ring-buffer use) at a time.
	RecStats RecordType = 3
	// RecExe is an Executable (JSON, version ExeVersion): the file a process ran, with its
	// SHA-256, as read at its exec or in the start snapshot. These records go to the
	// bundle's "exes" data files, not to event segments (see Bundle.Executables).
	RecExe RecordType = 4
	// RecState is an event in RecEvent's encoding that describes the state (processes, fds,
	// users, containers) at the start of a flight recorder's event segment, so that the
	// segment replays without the ones before it. A replay that has those earlier segments
	// skips it (see FileEntry.StateRecords).
	RecState RecordType = 5
)

func (t RecordType) String() string {
	switch t {
	case RecSensor:
		return "sensor"
	case RecEvent:
		return "event"
	case RecStats:
		return "stats"
	case RecExe:
		return "exe"
	case RecState:
		return "state"
	}
	return fmt.Sprintf("type%d", uint16(t))
}

// Record is one framed record. Payload is valid until the next call that reuses the Record.
type Record struct {
	Type    RecordType
	Version uint16
	TS      uint64 // CLOCK_BOOTTIME nanoseconds
	Payload []byte
}

// recordHeader is the size of a record's header: u32 length of what follows it (type,
// version, ts, payload), u16 type, u16 version, u64 ts; all little-endian.
const recordHeader = 16

// MaxRecordSize bounds one record's payload. Writers refuse larger records with
// ErrRecordTooLarge and readers treat a larger length as corruption.
const MaxRecordSize = 1 << 20

func appendRecord(b []byte, r *Record) []byte {
	b = binary.LittleEndian.AppendUint32(b, uint32(recordHeader-4+len(r.Payload)))
	b = binary.LittleEndian.AppendUint16(b, uint16(r.Type))
	b = binary.LittleEndian.AppendUint16(b, r.Version)
	b = binary.LittleEndian.AppendUint64(b, r.TS)
	return append(b, r.Payload...)
}

// parseRecord reads the record at the start of b into r and returns its total size. It
// returns ErrCorrupt when the length is impossible.
func parseRecord(b []byte, r *Record) (int, error) {
	if len(b) < recordHeader {
		return 0, fmt.Errorf("%w: %d bytes left, a record header needs %d", ErrCorrupt, len(b), recordHeader)
	}
	n := int(binary.LittleEndian.Uint32(b))
	if n < recordHeader-4 || n-(recordHeader-4) > MaxRecordSize || n > len(b)-4 {
		return 0, fmt.Errorf("%w: record length %d with %d bytes left", ErrCorrupt, n, len(b)-4)
	}
	r.Type = RecordType(binary.LittleEndian.Uint16(b[4:]))
	r.Version = binary.LittleEndian.Uint16(b[6:])
	r.TS = binary.LittleEndian.Uint64(b[8:])
	r.Payload = b[recordHeader : 4+n]
	return 4 + n, nil
}
