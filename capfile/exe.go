package capfile

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// ExeVersion is the version of RecExe payloads this package writes and reads.
const ExeVersion = 1

// ExeKind is the kind of the data files holding RecExe records.
const ExeKind = "exes"

// Executable is what a capture learned of the file a process ran: at an exec (TS is the
// exec event's timestamp) or in the start snapshot (TS is the snapshot's). The file is read
// through /proc/PID/exe, so it is the one the process runs, in its own mount namespace,
// deleted or a memfd. When it could not be hashed, SHA256 is empty and Error says why.
type Executable struct {
	PID    uint32 `json:"pid"`
	TS     uint64 `json:"ts"`             // CLOCK_BOOTTIME ns of the exec or snapshot
	Path   string `json:"path,omitempty"` // the /proc/PID/exe link as read, else the exec's path
	SHA256 string `json:"sha256,omitempty"`
	Size   int64  `json:"size,omitempty"`
	Dev    uint64 `json:"dev,omitempty"`
	Ino    uint64 `json:"ino,omitempty"`
	Mtime  int64  `json:"mtime,omitempty"` // Unix ns
	Ctime  int64  `json:"ctime,omitempty"` // Unix ns
	Error  string `json:"error,omitempty"` // why there is no hash
	// Kept is set when a copy of the file is in the bundle (Manifest.Samples).
	Kept bool `json:"kept,omitempty"`
}

// AppendExe appends the RecExe payload of x to b.
func AppendExe(b []byte, x *Executable) []byte {
	j, _ := json.Marshal(x) // a struct of strings and numbers always marshals
	return append(b, j...)
}

// DecodeExe decodes a RecExe payload of the given version. It returns an error wrapping
// ErrVersion for another version and ErrCorrupt for malformed bytes.
func DecodeExe(version uint16, payload []byte, x *Executable) error {
	if version != ExeVersion {
		return fmt.Errorf("exe record version %d: %w", version, ErrVersion)
	}
	*x = Executable{}
	if err := json.Unmarshal(payload, x); err != nil {
		return fmt.Errorf("exe record: %v: %w", err, ErrCorrupt)
	}
	if x.SHA256 != "" && !IsSHA256(x.SHA256) {
		return fmt.Errorf("exe record: sha256 %q: %w", x.SHA256, ErrCorrupt)
	}
	return nil
}

// IsSHA256 reports whether s is a SHA-256 in lowercase hex.
func IsSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// WriteRecord appends r, framed as in event segments, to the data file, and cuts a frame
// when one is due (records never straddle a frame's end).
func (d *DataFile) WriteRecord(r Record) error {
	if len(r.Payload) > MaxRecordSize {
		return fmt.Errorf("%s record of %d bytes: %w", r.Type, len(r.Payload), ErrRecordTooLarge)
	}
	d.w.mu.Lock()
	defer d.w.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	if d.w.err != nil {
		return d.w.err
	}
	if d.w.full {
		return ErrFull
	}
	d.buf = appendRecord(d.buf, &r)
	return d.flushDue()
}

// Executables calls fn with every executable record of the bundle's "exes" data files, in
// the order written. Records of other types or versions are skipped. A damaged or truncated
// file ends its own records; the damage goes to Problems.
func (b *Bundle) Executables(fn func(*Executable)) {
	for _, f := range b.files {
		if f.Kind != ExeKind {
			continue
		}
		if err := b.readExes(f.Name, fn); err != nil {
			b.problems = append(b.problems, Problem{File: f.Name, Err: err})
		}
	}
}

func (b *Bundle) readExes(name string, fn func(*Executable)) error {
	rc, err := b.OpenData(name)
	if err != nil {
		return err
	}
	defer rc.Close()
	br := bufio.NewReader(rc)
	var hdr [recordHeader]byte
	var payload []byte
	var x Executable
	for {
		if _, err := io.ReadFull(br, hdr[:]); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("exe record header: %w", errors.Join(err, ErrTruncated))
		}
		n := int(binary.LittleEndian.Uint32(hdr[:]))
		if n < recordHeader-4 || n-(recordHeader-4) > MaxRecordSize {
			return fmt.Errorf("exe record length %d: %w", n, ErrCorrupt)
		}
		payload = append(payload[:0], make([]byte, n-(recordHeader-4))...)
		if _, err := io.ReadFull(br, payload); err != nil {
			return fmt.Errorf("exe record: %w", errors.Join(err, ErrTruncated))
		}
		typ, version := RecordType(binary.LittleEndian.Uint16(hdr[4:])), binary.LittleEndian.Uint16(hdr[6:])
		if typ != RecExe || DecodeExe(version, payload, &x) != nil {
			continue
		}
		fn(&x)
	}
}
