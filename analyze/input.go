package analyze

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
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
}

// Input is an opened capture of any format saker reads, with what the capture says about
// itself.
type Input struct {
	Source event.Source
	Host   string
	Total  uint64        // records expected, 0 when unknown
	DNS    []dns.Message // DNS messages of the capture's packet files, in file order
	// Warnings are known at opening: unverified integrity, lost events, streams not captured.
	Warnings []string
	Verified bool   // integrity checked and good (saker bundles only)
	Manifest string // the bundle's manifest as JSON
	Kernel   string // kernel release, when the capture says
	// SakerVersion, Start and Stop are the capturing saker's version and the capture's own
	// start and stop, when the capture says (saker bundles).
	SakerVersion string
	Start, Stop  time.Time
	BootID       string // boot id, when the capture says

	after func() []string
	close func()
}

// After returns the warnings known only after reading the source to its end: truncation,
// damaged records, decode errors, event types skipped.
func (in *Input) After() []string { return in.after() }

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
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return openBundle(path, opts)
	}
	src, err := scap.Open(path)
	if err != nil {
		return nil, err
	}
	return &Input{Source: src, Host: src.Machine().Hostname, close: func() { src.Close() },
		after: func() []string {
			var w []string
			var skipped uint64
			for _, n := range src.Stats().SkippedByType {
				skipped += n
			}
			if skipped > 0 {
				w = append(w, fmt.Sprintf("%d events of types saker does not map were skipped", skipped))
			}
			return append(w, ScapStatsWarnings(src.Stats())...)
		}}, nil
}

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

func openBundle(dir string, opts InputOptions) (*Input, error) {
	src, err := replay.OpenBundle(dir, replay.BundleOptions{NoVerify: opts.NoVerify})
	if err != nil {
		return nil, err
	}
	m := src.Bundle.Manifest
	in := &Input{Source: src, Host: m.Host, Total: m.Counters["records"], close: func() { src.Close() },
		Verified: src.Bundle.Verified, Manifest: rawManifest(dir, m), Kernel: m.Kernel, BootID: m.BootID,
		SakerVersion: m.SakerVersion, Start: m.Start, Stop: m.Stop}
	if !src.Bundle.Verified {
		in.Warnings = append(in.Warnings, "integrity NOT verified: results rest on unverified files")
	}
	if lost := m.TotalLost(); lost > 0 {
		in.Warnings = append(in.Warnings, fmt.Sprintf("the sensor lost %d events: findings may be missing", lost))
	}
	for _, c := range m.Captured {
		if !c.Recorded {
			in.Warnings = append(in.Warnings, fmt.Sprintf("%s not captured: %s", c.Name, c.Reason))
		}
	}
	for _, fe := range src.Bundle.Files() {
		if fe.Kind != "dns" {
			continue
		}
		msgs, err := readBundleDNS(src, fe.Name)
		if err != nil {
			in.Warnings = append(in.Warnings, fmt.Sprintf("%s: %v", fe.Name, err))
		}
		in.DNS = append(in.DNS, msgs...)
	}
	in.after = func() []string {
		var w []string
		for _, p := range src.Bundle.Problems() {
			w = append(w, p.String())
		}
		st := src.Stats()
		if st.DecodeErrors > 0 {
			w = append(w, fmt.Sprintf("%d records did not decode (first: %v)", st.DecodeErrors, st.FirstError))
		}
		if st.Unknown > 0 {
			w = append(w, fmt.Sprintf("%d records of unknown types or layouts skipped", st.Unknown))
		}
		return w
	}
	return in, nil
}

func readBundleDNS(src *replay.BundleSource, name string) ([]dns.Message, error) {
	rc, err := src.Bundle.OpenData(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	r, err := dns.NewReader(rc)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var msgs []dns.Message
	var m dns.Message
	for {
		err := r.Next(&m)
		if err == io.EOF {
			return msgs, nil
		}
		if err != nil {
			return msgs, err
		}
		msgs = append(msgs, m.Clone())
	}
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

// ReadDNSFiles reads the packet capture files given for their DNS answers (analyze's --dns).
// A file that cannot be opened, or is no capture file at all, is an error; a damaged one (a
// capture cut short when tcpdump was killed) gives the messages before the damage and a
// warning.
func ReadDNSFiles(paths []string) ([]dns.Message, []string, error) {
	var all []dns.Message
	var warnings []string
	for _, p := range paths {
		msgs, _, err := dns.ReadFile(p)
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) && pe.Op == "open" || dnsNotACapture(err) {
				return nil, nil, fmt.Errorf("--dns %s: %w", p, err)
			}
			// dns.ReadFile's error starts with the path.
			warnings = append(warnings, fmt.Sprintf("--dns %v (read on with the %d DNS messages before it)", err, len(msgs)))
		}
		all = append(all, msgs...)
	}
	return all, warnings, nil
}

// dnsNotACapture reports a file that is no pcap or pcapng file, as opposed to one too short
// to hold its header.
func dnsNotACapture(err error) bool {
	return errors.Is(err, dns.ErrFileFormat) &&
		!errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF)
}
