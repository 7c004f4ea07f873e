package capfile

import (
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
)

// ReaderOptions tune Open.
type ReaderOptions struct {
	// NoVerify reads files whose size or SHA-256 does not match the manifest; each mismatch
	// becomes a Problem instead of an error, and outputs must say so.
	NoVerify bool
	// VerifyKey, when set, requires manifest.sig to be a good signature of manifest.json by
	// this key: otherwise Open fails with an error wrapping ErrSignature (a Problem with
	// NoVerify).
	VerifyKey ed25519.PublicKey
}

// Problem is something wrong with a bundle that did not stop the reading: an unverified or
// mismatching file (with NoVerify), a truncated segment, a file missing from the manifest.
type Problem struct {
	File string
	Err  error
}

func (p Problem) String() string { return p.File + ": " + p.Err.Error() }

// Bundle is an opened capture bundle.
type Bundle struct {
	Dir      string
	Manifest *Manifest
	// Verified is true when every listed file matched its size and SHA-256.
	Verified bool
	// Signature is what Open found of manifest.sig.
	Signature SignatureState
	problems  []Problem
	files     []FileEntry // data files in order: events by sequence, then other kinds
}

// Open reads dir's manifest and checks every data file against it. A file whose SHA-256 or
// size does not match is an error wrapping ErrIntegrity that names the file, unless
// opts.NoVerify. Files still open when the capture stopped (status running: it was killed) are
// checked over the prefix the manifest recorded; bytes past it are read unverified and
// reported as a Problem.
func Open(dir string, opts ReaderOptions) (*Bundle, error) {
	m, raw, err := readManifest(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	b := &Bundle{Dir: dir, Manifest: m, Verified: true}
	b.Signature = checkSignature(dir, raw, opts.VerifyKey, m.Status)
	if opts.VerifyKey != nil && b.Signature.Problem != nil {
		if !opts.NoVerify {
			return nil, fmt.Errorf("%s: %w (use --no-verify to read it anyway)", dir, b.Signature.Problem)
		}
		b.Verified = false
		b.problems = append(b.problems, Problem{File: SignatureName, Err: b.Signature.Problem})
	}
	listed := map[string]bool{}
	for _, fe := range m.Files {
		if listed[fe.Name] {
			// saker's writer lists each file once: a second listing would read it twice.
			err := fmt.Errorf("%s: listed twice in %s: %w", fe.Name, ManifestName, ErrIntegrity)
			if !opts.NoVerify {
				return nil, fmt.Errorf("%w (use --no-verify to read it anyway, once)", err)
			}
			b.Verified = false
			b.problems = append(b.problems, Problem{File: fe.Name, Err: fmt.Errorf("read once: %w", err)})
			continue
		}
		listed[fe.Name] = true
		if err := b.verify(fe, opts); err != nil {
			return nil, err
		}
		b.files = append(b.files, fe)
	}
	if err := b.verifySamples(opts); err != nil {
		return nil, err
	}
	// Files the manifest never listed: written after its last rewrite by a killed capture.
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		name := e.Name()
		if listed[name] || !e.Type().IsRegular() || !strings.HasSuffix(name, ".zst") {
			continue
		}
		kind, _, _ := strings.Cut(name, "-")
		b.Verified = false
		b.problems = append(b.problems, Problem{File: name, Err: errors.New("not in the manifest (the capture did not stop cleanly); read unverified")})
		b.files = append(b.files, FileEntry{Name: name, Kind: kind})
	}
	sort.SliceStable(b.files, func(i, j int) bool {
		ki, kj := b.files[i].Kind != "events", b.files[j].Kind != "events"
		if ki != kj {
			return !ki
		}
		return b.files[i].Name < b.files[j].Name
	})
	switch m.Status {
	case StatusRunning:
		b.problems = append(b.problems, Problem{File: ManifestName, Err: errors.New("status running: the capture did not stop cleanly (killed or still live)")})
	case StatusFailed:
		why := m.StopReason
		if why == "" {
			why = "no reason recorded"
		}
		b.problems = append(b.problems, Problem{File: ManifestName, Err: fmt.Errorf("status failed: the capture stopped on an error (%s): what happened after it is missing", why)})
	}
	if lo, hi, ok := m.anchorRange(); !ok {
		b.problems = append(b.problems, Problem{File: ManifestName, Err: fmt.Errorf("clock anchors from %s to %s: wall-clock times in the output cannot be trusted",
			lo.Format(time.RFC3339), hi.Format(time.RFC3339))})
	}
	return b, nil
}

func (b *Bundle) verify(fe FileEntry, opts ReaderOptions) error {
	f, err := openFile(b.Dir, fe.Name)
	if err != nil {
		return fmt.Errorf("%s: %w", fe.Name, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("%s: %w", fe.Name, err)
	}
	var bad error
	switch {
	case st.Size() < fe.Size:
		bad = fmt.Errorf("%s: %d bytes, manifest says %d: %w", fe.Name, st.Size(), fe.Size, ErrIntegrity)
	case st.Size() > fe.Size && fe.Complete:
		bad = fmt.Errorf("%s: %d bytes, manifest says %d: %w", fe.Name, st.Size(), fe.Size, ErrIntegrity)
	default:
		h := sha256.New()
		if _, err := io.Copy(h, io.LimitReader(f, fe.Size)); err != nil {
			return fmt.Errorf("%s: %w", fe.Name, err)
		}
		if got := fmt.Sprintf("%x", h.Sum(nil)); got != fe.SHA256 {
			bad = fmt.Errorf("%s: sha256 %s, manifest says %s: %w", fe.Name, got, fe.SHA256, ErrIntegrity)
		}
	}
	if bad != nil {
		b.Verified = false
		if !opts.NoVerify {
			return fmt.Errorf("%w (use --no-verify to read it anyway)", bad)
		}
		b.problems = append(b.problems, Problem{File: fe.Name, Err: fmt.Errorf("read unverified: %w", bad)})
		return nil
	}
	if st.Size() > fe.Size {
		b.Verified = false
		b.problems = append(b.problems, Problem{File: fe.Name, Err: fmt.Errorf("%d bytes past the last manifest update read unverified", st.Size()-fe.Size)})
	}
	return nil
}

// Problems returns what went wrong so far: verification findings from Open and truncation or
// corruption met by readers.
func (b *Bundle) Problems() []Problem { return b.problems }

// Files returns the bundle's data files in reading order.
func (b *Bundle) Files() []FileEntry { return b.files }

// Records returns a reader over the records of all event segments in order.
func (b *Bundle) Records() *RecordReader {
	r := &RecordReader{b: b, dec: newDecoder()}
	for _, f := range b.files {
		if f.Kind == "events" {
			r.names = append(r.names, f)
		}
	}
	return r
}

// LookAhead returns a reader like Records that adds nothing to the bundle's Problems: for a
// first pass over records whose damage the main pass reports.
func (b *Bundle) LookAhead() *RecordReader {
	r := b.Records()
	r.quiet = true
	return r
}

// RecordReader reads records from a bundle's event segments, one segment after the other.
type RecordReader struct {
	b     *Bundle
	quiet bool // report nothing to b.problems (LookAhead)
	names []FileEntry
	dec   *zstd.Decoder
	f     *os.File
	seg   *segmentReader
	entry FileEntry // seg's manifest entry
	frame []byte
}

// Next fills r with the next record; it returns io.EOF after the last one. A truncated
// segment ends at its last complete frame: the loss is added to the bundle's Problems and the
// reader goes on with the next segment. A data frame that fails its checksum or size check
// while its metadata is sound is skipped: the records it held are reported lost in Problems
// and reading goes on with the next frame. Other corruption (bad metadata, a bad record
// length) is returned as an error naming the file and offset; calling Next again continues
// with the next segment.
func (rr *RecordReader) Next(r *Record) error {
	for {
		if len(rr.frame) > 0 {
			n, err := parseRecord(rr.frame, r)
			if err != nil {
				rr.frame = nil
				name, off := rr.seg.name, rr.seg.off
				rr.closeSegment()
				return fmt.Errorf("%s: before offset %d: %w", name, off, err)
			}
			rr.frame = rr.frame[n:]
			return nil
		}
		if rr.seg == nil {
			if len(rr.names) == 0 {
				return io.EOF
			}
			if err := rr.openSegment(); err != nil {
				return err
			}
			continue
		}
		data, m, err := rr.seg.next()
		var fe *frameError
		switch {
		case err == io.EOF:
			for _, err := range rr.seg.checkCounts(rr.entry) {
				rr.problem(Problem{File: rr.seg.name, Err: err})
			}
			rr.closeSegment()
		case errors.As(err, &fe):
			// One damaged frame loses its own records only; the frames after it still read.
			rr.problem(Problem{File: rr.seg.name, Err: fmt.Errorf("%d records lost: %w", m.records, err)})
		case errors.Is(err, ErrTruncated):
			rr.problem(Problem{File: rr.seg.name, Err: fmt.Errorf("read up to the last complete frame: %w", err)})
			rr.closeSegment()
		case err != nil:
			rr.closeSegment()
			return err
		default:
			rr.frame = data
		}
	}
}

func (rr *RecordReader) openSegment() error {
	fe := rr.names[0]
	rr.names = rr.names[1:]
	name := fe.Name
	f, err := openFile(rr.b.Dir, name)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	seg, kind, err := newSegmentReader(name, f, rr.dec)
	if err != nil {
		f.Close()
		if errors.Is(err, ErrTruncated) {
			rr.problem(Problem{File: name, Err: err})
			return nil
		}
		return err
	}
	if kind != "events" {
		f.Close()
		return fmt.Errorf("%s: segment kind %q, want events: %w", name, kind, ErrCorrupt)
	}
	rr.f, rr.seg, rr.entry = f, seg, fe
	return nil
}

func (rr *RecordReader) problem(p Problem) {
	if !rr.quiet {
		rr.b.problems = append(rr.b.problems, p)
	}
}

func (rr *RecordReader) closeSegment() {
	if rr.f != nil {
		rr.f.Close()
	}
	rr.f, rr.seg, rr.frame = nil, nil, nil
}

// Close releases the reader's open file.
func (rr *RecordReader) Close() error {
	rr.closeSegment()
	rr.names = nil
	return nil
}

// OpenData returns the decompressed content of the data file name (a DNS pcapng segment,
// say). A truncated file yields its complete frames and then an error wrapping ErrTruncated.
func (b *Bundle) OpenData(name string) (io.ReadCloser, error) {
	f, err := openFile(b.Dir, name)
	if err != nil {
		return nil, err
	}
	seg, _, err := newSegmentReader(name, f, newDecoder())
	if err != nil {
		f.Close()
		return nil, err
	}
	var fe FileEntry
	for _, x := range b.files {
		if x.Name == name {
			fe = x
		}
	}
	return &dataReader{b: b, entry: fe, f: f, seg: seg}, nil
}

// dataReader reads a data file's content; at its end, gaps in the frame sequence and counts
// that differ from the manifest go to the bundle's Problems.
type dataReader struct {
	b     *Bundle
	entry FileEntry
	f     *os.File
	seg   *segmentReader
	buf   []byte
	err   error
}

func (d *dataReader) Read(p []byte) (int, error) {
	for len(d.buf) == 0 {
		if d.err != nil {
			return 0, d.err
		}
		data, _, err := d.seg.next()
		if err == io.EOF {
			for _, err := range d.seg.checkCounts(d.entry) {
				d.b.problems = append(d.b.problems, Problem{File: d.seg.name, Err: err})
			}
		}
		if err != nil {
			d.err = err
			continue
		}
		d.buf = data
	}
	n := copy(p, d.buf)
	d.buf = d.buf[n:]
	return n, nil
}

func (d *dataReader) Close() error { return d.f.Close() }
