package replay

import (
	"errors"
	"time"

	"saker/capfile"
)

// RecordSource yields capfile records one at a time; Next returns io.EOF after the last one.
// *capfile.RecordReader is one; a live capture's records handed over a channel are another.
type RecordSource interface {
	Next(*capfile.Record) error
	Close() error
}

// ErrIdle is what a live RecordSource returns from Next when no record came for a while: the
// stream source then takes the capture clock's now (capfile.Boottime) as the latest time
// seen, so that the records it holds for reordering come out on a quiet host too.
var ErrIdle = errors.New("no record for a while")

// NewStreamSource replays records as they come from rs (a live capture) with m's clock
// anchors: it decodes and reorders them like a bundle's, without a bundle's look-ahead for the
// start snapshot, so opts.Window should cover the time the snapshot takes to be written
// (snapshot records that come later than that are yielded late, and counted in
// BundleStats.LateReordered). RecState records are skipped: a live replay has the state
// from the start. Executable lookups find nothing.
func NewStreamSource(rs RecordSource, m *capfile.Manifest, opts BundleOptions) *BundleSource {
	if opts.Window <= 0 {
		opts.Window = 100 * time.Millisecond
	}
	if opts.MaxPending <= 0 {
		opts.MaxPending = 1 << 16
	}
	return &BundleSource{Bundle: &capfile.Bundle{Manifest: m, Verified: true}, rr: rs, opts: opts,
		stats: BundleStats{ByType: map[string]uint64{}}, now: capfile.Boottime}
}
