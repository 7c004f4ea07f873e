package capfile

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/bits"
	"path/filepath"
	"sort"
	"time"
)

// ManifestName is the manifest's file name inside a bundle.
const ManifestName = "manifest.json"

// maxManifest bounds the manifest's size when reading.
const maxManifest = 16 << 20

// Capture states of Manifest.Status.
const (
	StatusRunning = "running" // the writer has not closed: the capture was killed or is live
	StatusStopped = "stopped" // the writer closed normally
	StatusFailed  = "failed"  // the writer closed after an error (disk full, ...)
)

// Manifest describes a bundle. The writer rewrites it atomically at start, at every rotation
// and flush interval, and at stop.
type Manifest struct {
	FormatVersion int    `json:"format_version"`
	SakerVersion  string `json:"saker_version"`
	Status        string `json:"status"`
	StopReason    string `json:"stop_reason,omitempty"`

	Host    string `json:"host"`
	Kernel  string `json:"kernel"`
	BootID  string `json:"boot_id"`
	Snaplen int    `json:"snaplen,omitempty"`

	Start time.Time `json:"start"`
	Stop  time.Time `json:"stop,omitzero"`
	// Anchors pair CLOCK_BOOTTIME with the wall clock, sampled at start, periodically and at stop.
	Anchors []ClockAnchor `json:"clock_anchors"`

	// Captured says what was and was not recorded, and why not.
	Captured []Capability `json:"captured"`
	// Events says which syscalls the sensor recorded and how it attached to them; absent in
	// captures that recorded every syscall the sensor knows through the raw tracepoint.
	Events *EventSelection `json:"events,omitempty"`
	// Lost counts events the sensor dropped, per CPU.
	Lost []uint64 `json:"lost_per_cpu,omitempty"`
	// Counters holds other totals (events, records, bytes, DNS packets...).
	Counters map[string]uint64 `json:"counters,omitempty"`
	// Faults lists the data streams (or parts of them) that stopped early while the capture
	// went on: what it recorded before the fault is in the bundle.
	Faults []Fault `json:"faults,omitempty"`

	Files []FileEntry `json:"files"`
	// Ring is set for a flight recorder's bundle (see Ring): what it deleted and why it froze.
	Ring *Ring `json:"ring,omitempty"`
	// Samples lists the executables kept in the bundle's files/ directory, each in a file
	// named by its SHA-256, which the reader checks like any data file.
	Samples []Sample `json:"samples,omitempty"`
}

// SamplesDir is the bundle's directory of kept executables.
const SamplesDir = "files"

// Sample is one kept executable: files/<SHA256>, Size bytes, a byte-for-byte copy of the
// file a process ran (at Path, as /proc/PID/exe named it), kept for Reason.
type Sample struct {
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// ClockAnchor is one simultaneous reading of CLOCK_BOOTTIME and the wall clock.
type ClockAnchor struct {
	Boottime uint64    `json:"boottime_ns"`
	Wall     time.Time `json:"wall"`
}

// Capability is one thing a capture can record.
type Capability struct {
	Name     string `json:"name"`
	Recorded bool   `json:"recorded"`
	Reason   string `json:"reason,omitempty"`
}

// EventSelection is a capture's choice of syscalls: its profile ("full", "standard",
// "minimal"), its syscall hook ("raw" or "syscalls") and the syscalls, by event kind name, that
// the sensor knows but did not record.
type EventSelection struct {
	Profile     string   `json:"profile"`
	Hook        string   `json:"hook"`
	NotRecorded []string `json:"not_recorded,omitempty"`
}

// Fault is one data stream, or one part of it, that stopped during a capture.
type Fault struct {
	Stream string    `json:"stream"`         // "dns"
	Part   string    `json:"part,omitempty"` // the interface, for one of a stream's sources
	Time   time.Time `json:"time"`
	Reason string    `json:"reason"`
}

// FileEntry lists one data file. Size and SHA256 cover the file's first Size bytes as of the
// manifest's last rewrite; Complete is true once the writer closed the file.
type FileEntry struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Size     int64  `json:"size"`
	SHA256   string `json:"sha256"`
	Frames   int    `json:"frames"`
	Records  uint64 `json:"records,omitempty"`
	FirstTS  uint64 `json:"first_ts,omitempty"`
	LastTS   uint64 `json:"last_ts,omitempty"`
	Complete bool   `json:"complete"`
	// StateRecords is the number of RecState records, stamped StateTS, that a ring's event
	// segment (all but the first) holds: the state its replay starts from.
	StateRecords uint64 `json:"state_records,omitempty"`
	StateTS      uint64 `json:"state_ts,omitempty"`
}

// TotalLost returns the sum of Lost, saturated at math.MaxUint64 (a forged or corrupt
// manifest's counters must not wrap into a small number); saturated says it was.
func (m *Manifest) TotalLost() (n uint64, saturated bool) {
	for _, l := range m.Lost {
		s, carry := bits.Add64(n, l, 0)
		if carry != 0 {
			return math.MaxUint64, true
		}
		n = s
	}
	return n, false
}

// anchorRange returns the earliest and latest wall time of the clock anchors, and whether
// they are plausible for a capture: after 2000 and less than a day past now. A manifest with
// anchors in year 1 or 9999 would print events "from 1754 to 0001".
func (m *Manifest) anchorRange() (lo, hi time.Time, ok bool) {
	if len(m.Anchors) == 0 {
		return time.Time{}, time.Time{}, true
	}
	lo, hi = m.Anchors[0].Wall, m.Anchors[0].Wall
	for _, a := range m.Anchors[1:] {
		if a.Wall.Before(lo) {
			lo = a.Wall
		}
		if a.Wall.After(hi) {
			hi = a.Wall
		}
	}
	earliest := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	return lo, hi, !lo.Before(earliest) && !hi.After(time.Now().Add(24*time.Hour))
}

// Wall converts a CLOCK_BOOTTIME timestamp to wall-clock time with the anchor closest below
// it (the first anchor for earlier timestamps). Without anchors it returns the zero time
// plus ts.
func (m *Manifest) Wall(ts uint64) time.Time {
	if len(m.Anchors) == 0 {
		return time.Unix(0, 0).UTC().Add(time.Duration(ts))
	}
	a := m.Anchors[0]
	i := sort.Search(len(m.Anchors), func(i int) bool { return m.Anchors[i].Boottime > ts })
	if i > 0 {
		a = m.Anchors[i-1]
	}
	return a.Wall.Add(time.Duration(int64(ts) - int64(a.Boottime))).UTC()
}

// Boottime converts a wall-clock time to CLOCK_BOOTTIME nanoseconds with the closest anchor.
func (m *Manifest) Boottime(t time.Time) uint64 {
	if len(m.Anchors) == 0 {
		return uint64(max(t.UnixNano(), 0))
	}
	a := m.Anchors[0]
	for _, x := range m.Anchors {
		if !x.Wall.After(t) {
			a = x
		}
	}
	return uint64(int64(a.Boottime) + int64(t.Sub(a.Wall)))
}

// File returns the entry named name.
func (m *Manifest) File(name string) (FileEntry, bool) {
	for _, f := range m.Files {
		if f.Name == name {
			return f, true
		}
	}
	return FileEntry{}, false
}

// writeManifest writes m atomically (temporary file, fsync, rename).
func writeManifest(dir string, m *Manifest) error {
	_, err := writeSignedManifest(dir, m, nil)
	return err
}

// writeSignedManifest writes m atomically and, with key, its signature in manifest.sig
// (written first, so that a signature never lags behind the manifest it sits beside except
// between the two renames). It returns the hex SHA-256 of the manifest's bytes.
func writeSignedManifest(dir string, m *Manifest, key ed25519.PrivateKey) (string, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return "", err
	}
	b = append(b, '\n')
	if key != nil {
		sig, err := sign(key, b)
		if err != nil {
			return "", err
		}
		if err := writeAtomic(dir, SignatureName, sig); err != nil {
			return "", fmt.Errorf("manifest: %w", err)
		}
	}
	if err := writeAtomic(dir, ManifestName, b); err != nil {
		return "", fmt.Errorf("manifest: %w", err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(b)), nil
}

// ReadManifest reads and checks a bundle's manifest.
func ReadManifest(dir string) (*Manifest, error) {
	m, _, err := readManifest(dir)
	return m, err
}

// readManifest reads and checks a bundle's manifest and returns it with its bytes.
func readManifest(dir string) (*Manifest, []byte, error) {
	f, err := openFile(dir, ManifestName)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxManifest+1))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", ManifestName, err)
	}
	if len(b) > maxManifest {
		return nil, nil, fmt.Errorf("%s: larger than %d bytes: %w", ManifestName, maxManifest, ErrCorrupt)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, nil, fmt.Errorf("%s: %v: %w", ManifestName, err, ErrCorrupt)
	}
	if m.FormatVersion < 1 {
		return nil, nil, fmt.Errorf("%s: format_version %d: %w", ManifestName, m.FormatVersion, ErrCorrupt)
	}
	if m.FormatVersion > FormatVersion {
		return nil, nil, fmt.Errorf("%s: format_version %d, this saker reads up to %d: %w", ManifestName, m.FormatVersion, FormatVersion, ErrVersion)
	}
	for _, fe := range m.Files {
		if fe.Name != filepath.Base(fe.Name) || fe.Name == "." || fe.Name == ".." || fe.Name == ManifestName {
			return nil, nil, fmt.Errorf("%s: bad file name %q: %w", ManifestName, fe.Name, ErrCorrupt)
		}
	}
	for _, s := range m.Samples {
		if !IsSHA256(s.SHA256) || s.Size < 0 {
			return nil, nil, fmt.Errorf("%s: bad sample %q of %d bytes: %w", ManifestName, s.SHA256, s.Size, ErrCorrupt)
		}
	}
	return &m, b, nil
}
