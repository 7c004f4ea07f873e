package analyze

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"

	"saker/dns"
)

// DNSFile describes one packet DNS file as far as it was read: its messages' time span and
// how long their answers could name an address (the latest TS + TTL + dns.DefaultGrace).
type DNSFile struct {
	Path        string
	Messages    int
	First, Last time.Time
	ValidUntil  time.Time
}

// DNSFiles is a set of packet capture files read as one stream of DNS messages in time order
// (analyze's --dns, a bundle's dns data files). Each Stream reads the files anew, one window
// of messages at a time: memory does not grow with the files.
type DNSFiles struct {
	label string // "--dns " for command-line files, "" for a bundle's
	paths []string
	open  func(path string) (*dns.FileStream, error)
	// the streams of the last Stream call
	files  []*dns.FileStream
	sorted []*dns.SortedStream
	errs   []error // files that failed to open at Stream
}

// OpenDNSFiles checks that every path is a packet capture file saker reads (analyze's --dns)
// and returns the set. A file that cannot be opened, or is no capture file at all, is an
// error; damage further in (a capture cut short when tcpdump was killed) shows when the
// stream reaches it, in Report.
func OpenDNSFiles(paths []string) (*DNSFiles, error) {
	set := &DNSFiles{label: "--dns ", paths: paths, open: dns.OpenFile}
	for _, p := range paths {
		f, err := dns.OpenFile(p)
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) && pe.Op == "open" || dnsNotACapture(err) {
				return nil, fmt.Errorf("--dns %s: %w", p, err)
			}
			// Too short to hold a header: as damaged as a file cut inside a packet.
			set.errs = append(set.errs, err)
			continue
		}
		f.Close()
	}
	return set, nil
}

// Len returns the number of files.
func (d *DNSFiles) Len() int {
	if d == nil {
		return 0
	}
	return len(d.paths)
}

// Stream opens every file anew and returns their messages merged in time order, nil for an
// empty set. Files that fail to open now are left out and reported by Report.
func (d *DNSFiles) Stream() dns.Stream {
	if d.Len() == 0 {
		return nil
	}
	d.Close()
	d.files, d.sorted, d.errs = nil, nil, nil
	var streams []dns.Stream
	for _, p := range d.paths {
		f, err := d.open(p)
		if err != nil {
			d.errs = append(d.errs, err)
			continue
		}
		s := dns.Sorted(f, dns.DefaultReorderWindow)
		d.files, d.sorted = append(d.files, f), append(d.sorted, s)
		streams = append(streams, s)
	}
	return dns.MergeStreams(streams...)
}

// Report describes the files as the last Stream read them, with warnings about damage,
// malformed messages and messages far out of time order. Call it after the stream ended.
func (d *DNSFiles) Report() ([]DNSFile, []string) {
	if d == nil {
		return nil, nil
	}
	var files []DNSFile
	var warns []string
	for _, err := range d.errs {
		warns = append(warns, fmt.Sprintf("%s%v", d.label, err))
	}
	for i, f := range d.files {
		files = append(files, DNSFile{Path: f.Path, Messages: f.Messages, First: f.First, Last: f.Last, ValidUntil: f.ValidUntil})
		if w := dnsStatsWarning(f.Stats()); w != "" {
			warns = append(warns, d.label+f.Path+": "+w)
		}
		if f.Err != nil {
			// f.Err starts with the path.
			warns = append(warns, fmt.Sprintf("%s%v (read on with the %d DNS messages before it)", d.label, f.Err, f.Messages))
		}
		if n := d.sorted[i].Late; n > 0 {
			warns = append(warns, fmt.Sprintf("%s%s: %d DNS messages came more than %s out of time order: they name addresses only from where the file holds them",
				d.label, f.Path, n, dns.DefaultReorderWindow))
		}
	}
	return files, warns
}

// Close closes the files of the last Stream.
func (d *DNSFiles) Close() {
	if d == nil {
		return
	}
	for _, f := range d.files {
		f.Close()
	}
}

// dnsStatsWarning describes the DNS messages a reader dropped as malformed, "" when none.
func dnsStatsWarning(st dns.Stats) string {
	if st.Malformed == 0 {
		return ""
	}
	return fmt.Sprintf("%d port-53 payloads that are no well-formed DNS message were skipped", st.Malformed)
}

// DNSFilesOutside warns about --dns files whose answers can name no address of events between
// first and last: every message came after the capture, or every answer ran out before it.
func DNSFilesOutside(files []DNSFile, first, last time.Time) []string {
	var w []string
	for _, f := range files {
		if f.Messages == 0 || f.First.After(last) || f.ValidUntil.Before(first) {
			what := "has no DNS messages"
			if f.Messages > 0 {
				what = fmt.Sprintf("holds DNS messages from %s to %s only", f.First.UTC().Format(time.RFC3339), f.Last.UTC().Format(time.RFC3339))
			}
			w = append(w, fmt.Sprintf("--dns %s %s, outside the capture (%s to %s): it names no address in it",
				f.Path, what, first.UTC().Format(time.RFC3339), last.UTC().Format(time.RFC3339)))
		}
	}
	return w
}

// dnsNotACapture reports a file that is no pcap or pcapng file, as opposed to one too short
// to hold its header.
func dnsNotACapture(err error) bool {
	return errors.Is(err, dns.ErrFileFormat) &&
		!errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF)
}
