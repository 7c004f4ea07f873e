package analyze

import (
	"cmp"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"saker/capfile"
	"saker/dns"
	"saker/event"
	"saker/github"
	"saker/replay"
	"saker/replay/scap"
)

// InputOptions configures OpenInput.
type InputOptions struct {
	// NoVerify reads bundle files whose SHA-256 does not match the manifest (Input.Verified
	// is then false).
	NoVerify bool
	// RepoDir is the local clone GitHub inputs read workflow files from.
	RepoDir string
	// Stdin is read for the path "-": a .scap stream, as sysdig and Falco users pipe one.
	Stdin io.Reader
	// VerifyKey requires a saker bundle whose manifest this key signed (manifest.sig); other
	// inputs carry no signature and are refused with it.
	VerifyKey ed25519.PublicKey
}

// Input is an opened capture of any format saker reads, with what the capture says about
// itself.
type Input struct {
	Source event.Source
	Host   string
	Total  uint64 // records expected, 0 when unknown
	// DNS is the capture's packet DNS files (a bundle's dns data files), nil when none:
	// replay streams them (DNSOptions.Stream); their damage shows in After.
	DNS *DNSFiles
	// Warnings are known at opening: unverified integrity, lost events, streams not captured.
	Warnings []string
	Verified bool // integrity checked and good (saker bundles only)
	// Signature says what became of a bundle's manifest signature, "" when unsigned.
	Signature string
	Manifest  string // the bundle's manifest as JSON
	Kernel    string // kernel release, when the capture says
	// SakerVersion, Start and Stop are the capturing saker's version and the capture's own
	// start and stop, when the capture says (saker bundles).
	SakerVersion string
	Start, Stop  time.Time
	BootID       string // boot id, when the capture says
	// Profile and NotRecorded are the capture profile and the syscalls (event kind names)
	// it left out, when the capture says (saker bundles; see BlindRules).
	Profile     string
	NotRecorded []string
	// OffsetNote, when set, tells how to read the byte offsets in damage messages (a gzip
	// .scap's count bytes of the decompressed stream).
	OffsetNote string

	lost   bool // the manifest counts events the sensor lost
	after  func() []string
	damage func() []string
	notes  func() []string
	close  func()
}

// After returns the warnings known only after reading the source to its end: truncation,
// damaged records, decode errors, event types skipped.
func (in *Input) After() []string { return in.after() }

// Damage returns, after the source was read to its end, what was damaged in the input: files
// that failed their checks, records that did not decode, corrupt .scap records, a capture that
// failed or did not stop cleanly. Empty for an input read whole. Damage is part of After's
// warnings.
func (in *Input) Damage() []string {
	if in.damage == nil {
		return nil
	}
	return in.damage()
}

// Notes returns, after the source was read to its end, what a summary should say about the
// input that is no cause for concern: event types skipped by design.
func (in *Input) Notes() []string {
	if in.notes == nil {
		return nil
	}
	return in.notes()
}

// Lost reports whether the capture says its sensor lost events.
func (in *Input) Lost() bool { return in.lost }

// Close releases the input's files.
func (in *Input) Close() { in.close() }

// IsBundle reports whether the input is a saker capture bundle.
func (in *Input) IsBundle() bool {
	_, ok := in.Source.(*replay.BundleSource)
	return ok
}

// OpenInput opens what path names: "github:PATH" for GitHub webhook deliveries, a directory
// for a saker capture bundle (its DNS packet files read into Input.DNS), any other file as a
// Falco or sysdig .scap file. A GitHub input that opened with problems gives a warning, not an
// error.
func OpenInput(path string, opts InputOptions) (*Input, error) {
	if opts.VerifyKey != nil && !isBundleDir(path) {
		return nil, fmt.Errorf("%s: not a saker bundle, so it carries no manifest signature to verify: %w", path, capfile.ErrSignature)
	}
	if p, ok := strings.CutPrefix(path, "github:"); ok {
		src, err := github.Open(p, github.Options{RepoDir: opts.RepoDir})
		if err != nil && src == nil {
			return nil, err
		}
		in := &Input{Source: src, Host: "github", after: func() []string { return nil }, close: func() {}}
		if err != nil {
			in.Warnings = append(in.Warnings, err.Error())
		}
		return in, nil
	}
	var src *scap.Source
	closeSrc := func() {}
	if path == "-" {
		if opts.Stdin == nil {
			return nil, fmt.Errorf("-: %w: no standard input", ErrNotCapture)
		}
		s, err := scap.NewSource(opts.Stdin)
		if err != nil {
			return nil, fmt.Errorf("standard input: %w", err)
		}
		src = s
	} else {
		st, err := os.Stat(path)
		if err != nil {
			return nil, err
		}
		if st.IsDir() {
			if _, err := os.Lstat(filepath.Join(path, capfile.ManifestName)); errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("%s: %w: a directory without %s", path, ErrNotCapture, capfile.ManifestName)
			}
			return openBundle(path, opts)
		}
		if src, err = scap.Open(path); err != nil {
			if errors.Is(err, scap.ErrNotScap) {
				return nil, fmt.Errorf("%w (%v)", ErrNotCapture, err)
			}
			return nil, err
		}
		closeSrc = func() { src.Close() }
	}
	in := &Input{Source: src, Host: src.Machine().Hostname, close: closeSrc,
		damage: func() []string {
			if st := src.Stats(); st.Corrupt > 0 {
				return []string{fmt.Sprintf("%d damaged records or list entries", st.Corrupt)}
			}
			return nil
		},
		after: func() []string { return ScapStatsWarnings(src.Stats()) },
		notes: func() []string {
			st := src.Stats()
			var skipped uint64
			for _, n := range st.SkippedByType {
				skipped += n
			}
			if skipped == 0 {
				return nil
			}
			// Not a warning: a .scap holds every syscall (mmap, brk, futex...), and a rule
			// naming an event type saker does not map is warned about when the rules load.
			return []string{fmt.Sprintf("%d events of types saker does not map were skipped: %s", skipped, skippedTypes(st.SkippedByType, 8))}
		}}
	if src.Gzip() {
		in.OffsetNote = "offsets count bytes of the decompressed (gunzipped) capture"
	}
	return in, nil
}

// skippedTypes names the most frequent skipped scap event types with their counts, most first
// (enter and exit records of one syscall counted together), at most n of them and how many more.
func skippedTypes(byType map[uint16]uint64, n int) string {
	byName := map[string]uint64{}
	for t, c := range byType {
		byName[scap.EventTypeName(t)] += c
	}
	names := make([]string, 0, len(byName))
	for name := range byName {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int {
		if byName[a] != byName[b] {
			return cmp.Compare(byName[b], byName[a])
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, 0, n+1)
	for _, name := range names[:min(n, len(names))] {
		parts = append(parts, fmt.Sprintf("%s %d", name, byName[name]))
	}
	if more := len(names) - n; more > 0 {
		parts = append(parts, fmt.Sprintf("and %d more types", more))
	}
	return strings.Join(parts, ", ")
}

// ErrNotCapture is returned by OpenInput for a path that holds nothing saker reads: saker
// reads capture bundle directories written by `saker capture` (with their manifest.json) and
// Falco/sysdig .scap files, plain or gzip.
var ErrNotCapture = errors.New("not a saker capture bundle or a .scap file (saker reads bundle directories written by `saker capture` and Falco/sysdig .scap files, plain or gzip)")

// scapMaxProblemWarnings bounds the corrupt records a .scap input lists one by one.
const scapMaxProblemWarnings = 10

// ScapStatsWarnings reports what a .scap source skipped as damaged and the exit records it
// yielded without their enter record.
func ScapStatsWarnings(st scap.Stats) []string {
	var w []string
	if st.Corrupt > 0 {
		w = append(w, fmt.Sprintf("%d damaged records or list entries were skipped: findings may be missing", st.Corrupt))
		shown := st.Problems[:min(len(st.Problems), scapMaxProblemWarnings)]
		for _, p := range shown {
			w = append(w, "damaged: "+p)
		}
		if more := st.Corrupt - uint64(len(shown)); more > 0 {
			w = append(w, fmt.Sprintf("damaged: %d more", more))
		}
	}
	if st.Unpaired > 0 {
		w = append(w, fmt.Sprintf("%d exit records came without their enter record: their events carry the exit's parameters only", st.Unpaired))
	}
	return w
}

// isBundleDir reports whether path is a directory holding a bundle manifest.
func isBundleDir(path string) bool {
	if path == "-" || strings.HasPrefix(path, "github:") {
		return false
	}
	_, err := os.Lstat(filepath.Join(path, capfile.ManifestName))
	return err == nil
}

func openBundle(dir string, opts InputOptions) (*Input, error) {
	src, err := replay.OpenBundle(dir, replay.BundleOptions{NoVerify: opts.NoVerify, VerifyKey: opts.VerifyKey})
	if err != nil {
		return nil, err
	}
	m := src.Bundle.Manifest
	in := &Input{Source: src, Host: m.Host, Total: m.Counters["records"],
		Verified: src.Bundle.Verified, Manifest: rawManifest(dir, m), Kernel: m.Kernel, BootID: m.BootID,
		SakerVersion: m.SakerVersion, Start: m.Start, Stop: m.Stop}
	if m.Events != nil {
		in.Profile, in.NotRecorded = m.Events.Profile, m.Events.NotRecorded
	}
	if !src.Bundle.Verified {
		in.Warnings = append(in.Warnings, "integrity NOT verified: results rest on unverified files")
	}
	switch sig := src.Bundle.Signature; {
	case sig.Verified:
		in.Signature = "verified, key " + sig.Key
	case sig.Problem != nil && opts.VerifyKey == nil:
		in.Signature = "unreadable: " + sig.Problem.Error()
		in.Warnings = append(in.Warnings, sig.Problem.Error())
	case sig.Problem != nil:
		in.Signature = "NOT verified: " + sig.Problem.Error() // read on with --no-verify
	case sig.Present:
		in.Signature = "signed by key " + sig.Key + ", not checked (give --verify-key)"
	}
	switch lost, saturated := m.TotalLost(); {
	case saturated:
		in.Warnings = append(in.Warnings, "the manifest's lost-event counters add up past 2^64-1: they are corrupt or forged, and findings may be missing")
		in.lost = true
	case lost > 0:
		in.Warnings = append(in.Warnings, fmt.Sprintf("the sensor lost %d events: findings may be missing", lost))
		in.lost = true
	}
	for _, c := range m.Captured {
		if !c.Recorded {
			in.Warnings = append(in.Warnings, fmt.Sprintf("%s not captured: %s", c.Name, c.Reason))
		}
	}
	var dnsNames []string
	ringWarn, ringNote := ringNotes(m, src.Bundle.Files())
	in.Warnings = append(in.Warnings, ringWarn...)
	if ringNote != nil {
		in.notes = func() []string { return ringNote }
	}
	for _, fe := range src.Bundle.Files() {
		if fe.Kind == "dns" {
			dnsNames = append(dnsNames, fe.Name)
		}
	}
	if len(dnsNames) > 0 {
		in.DNS = &DNSFiles{paths: dnsNames, open: func(name string) (*dns.FileStream, error) {
			rc, err := src.Bundle.OpenData(name)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			return dns.NewFileStream(name, rc)
		}}
	}
	in.damage = func() []string {
		var w []string
		for _, p := range src.Bundle.Problems() {
			w = append(w, p.String())
		}
		if st := src.Stats(); st.DecodeErrors > 0 {
			w = append(w, fmt.Sprintf("%d records did not decode (first: %v)", st.DecodeErrors, st.FirstError))
		}
		return w
	}
	in.close = func() { in.DNS.Close(); src.Close() }
	in.after = func() []string {
		w := in.damage()
		_, dw := in.DNS.Report()
		w = append(w, dw...)
		st := src.Stats()
		if st.Unknown > 0 {
			w = append(w, fmt.Sprintf("%d records of unknown types or layouts skipped", st.Unknown))
		}
		return w
	}
	return in, nil
}

// rawManifest returns manifest.json byte for byte, as evidence; a re-encoding of m if the file
// cannot be read again.
func rawManifest(dir string, m *capfile.Manifest) string {
	if b, err := os.ReadFile(filepath.Join(dir, capfile.ManifestName)); err == nil && len(b) <= 16<<20 {
		return string(b)
	}
	b, _ := json.Marshal(m)
	return string(b)
}
