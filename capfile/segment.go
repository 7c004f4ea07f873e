package capfile

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"

	"github.com/klauspost/compress/zstd"
)

// Segment layout (see docs/FORMAT.md): a header skippable frame, then pairs of a metadata
// skippable frame and the zstd frame it describes.
const (
	skippableHeader = 0x184D2A5B // magic of the segment header frame
	skippableMeta   = 0x184D2A5A // magic of a frame's metadata
	segmentMagic    = "SAKERSEG"
	metaSize        = 32 // u32 compressed, u32 uncompressed, u32 records, u32 sequence, u64 first ts, u64 last ts

	// maxFrame bounds a frame's compressed and uncompressed sizes; readers treat larger
	// values as corruption so that no allocation follows an unchecked length.
	maxFrame = 32 << 20
)

// frameMeta describes one data frame. seq numbers the frames of a file from 1 (format
// version 2 on; version 1 wrote 0), so that a frame cut out of a file shows as a gap.
type frameMeta struct {
	compressed, uncompressed, records, seq uint32
	firstTS, lastTS                        uint64
}

func (m frameMeta) append(b []byte) []byte {
	b = binary.LittleEndian.AppendUint32(b, skippableMeta)
	b = binary.LittleEndian.AppendUint32(b, metaSize)
	b = binary.LittleEndian.AppendUint32(b, m.compressed)
	b = binary.LittleEndian.AppendUint32(b, m.uncompressed)
	b = binary.LittleEndian.AppendUint32(b, m.records)
	b = binary.LittleEndian.AppendUint32(b, m.seq)
	b = binary.LittleEndian.AppendUint64(b, m.firstTS)
	return binary.LittleEndian.AppendUint64(b, m.lastTS)
}

func appendSegmentHeader(b []byte, kind string, seq int) []byte {
	b = binary.LittleEndian.AppendUint32(b, skippableHeader)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(segmentMagic)+2+4+2+len(kind)))
	b = append(b, segmentMagic...)
	b = binary.LittleEndian.AppendUint16(b, FormatVersion)
	b = binary.LittleEndian.AppendUint32(b, uint32(seq))
	b = binary.LittleEndian.AppendUint16(b, uint16(len(kind)))
	return append(b, kind...)
}

// segmentFile writes one segment file, hashing what it writes.
type segmentFile struct {
	name    string
	f       *os.File
	sha     hash.Hash
	size    int64
	frames  int
	recs    uint64
	first   uint64
	last    uint64
	enc     *zstd.Encoder
	scratch []byte
}

func createSegment(path, name, kind string, seq int, enc *zstd.Encoder) (*segmentFile, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	s := &segmentFile{name: name, f: f, sha: sha256.New(), enc: enc}
	if err := s.write(appendSegmentHeader(nil, kind, seq)); err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

func (s *segmentFile) write(b []byte) error {
	n, err := s.f.Write(b)
	s.sha.Write(b[:n])
	s.size += int64(n)
	return err
}

// writeFrame compresses data as one frame and writes it with its metadata.
func (s *segmentFile) writeFrame(data []byte, records uint32, first, last uint64) error {
	s.scratch = s.enc.EncodeAll(data, s.scratch[:0])
	meta := frameMeta{compressed: uint32(len(s.scratch)), uncompressed: uint32(len(data)),
		records: records, seq: uint32(s.frames + 1), firstTS: first, lastTS: last}
	var hdr [8 + metaSize]byte
	if err := s.write(meta.append(hdr[:0])); err != nil {
		return err
	}
	if err := s.write(s.scratch); err != nil {
		return err
	}
	if s.frames == 0 || first < s.first {
		s.first = first
	}
	s.last = max(s.last, last)
	s.frames++
	s.recs += uint64(records)
	return nil
}

func (s *segmentFile) entry(kind string, complete bool) FileEntry {
	return FileEntry{Name: s.name, Kind: kind, Size: s.size, SHA256: fmt.Sprintf("%x", s.sha.Sum(nil)),
		Frames: s.frames, Records: s.recs, FirstTS: s.first, LastTS: s.last, Complete: complete}
}

func (s *segmentFile) close() error {
	err := s.f.Sync()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// segmentReader reads the frames of one segment file, checking every length it meets.
type segmentReader struct {
	name    string
	version uint16
	r       *bufio.Reader
	off     int64
	dec     *zstd.Decoder
	comp    []byte
	buf     []byte
	frames  int    // frames met, sound or not
	records uint64 // records the met frames' metadata announced
	nextSeq uint32 // the sequence number the next frame must carry (version 2 on)
	gaps    []error
}

func newSegmentReader(name string, r io.Reader, dec *zstd.Decoder) (*segmentReader, string, error) {
	s := &segmentReader{name: name, r: bufio.NewReaderSize(r, 1<<16), dec: dec}
	var hdr [8]byte
	if err := s.readFull(hdr[:]); err != nil {
		return nil, "", s.errorf(0, err, "segment header")
	}
	if binary.LittleEndian.Uint32(hdr[:]) != skippableHeader {
		return nil, "", s.errorf(0, ErrCorrupt, "not a saker segment")
	}
	n := binary.LittleEndian.Uint32(hdr[4:])
	if n < uint32(len(segmentMagic))+8 || n > 4096 {
		return nil, "", s.errorf(0, ErrCorrupt, "segment header length %d", n)
	}
	body := make([]byte, n)
	if err := s.readFull(body); err != nil {
		return nil, "", s.errorf(8, err, "segment header")
	}
	if string(body[:len(segmentMagic)]) != segmentMagic {
		return nil, "", s.errorf(8, ErrCorrupt, "bad segment magic")
	}
	v := binary.LittleEndian.Uint16(body[len(segmentMagic):])
	if v > FormatVersion {
		return nil, "", s.errorf(8, ErrVersion, "segment format %d, this saker reads up to %d", v, FormatVersion)
	}
	s.version, s.nextSeq = v, 1
	kl := int(binary.LittleEndian.Uint16(body[len(segmentMagic)+6:]))
	if len(segmentMagic)+8+kl > len(body) {
		return nil, "", s.errorf(8, ErrCorrupt, "segment kind length %d", kl)
	}
	kind := string(body[len(segmentMagic)+8 : len(segmentMagic)+8+kl])
	return s, kind, nil
}

func (s *segmentReader) readFull(b []byte) error {
	n, err := io.ReadFull(s.r, b)
	s.off += int64(n)
	if errors.Is(err, io.ErrUnexpectedEOF) || err == io.EOF {
		return ErrTruncated
	}
	return err
}

func (s *segmentReader) errorf(off int64, err error, format string, args ...any) error {
	return fmt.Errorf("%s: offset %d: %s: %w", s.name, off, fmt.Sprintf(format, args...), err)
}

// next returns the decompressed content of the next frame and its metadata. It returns
// io.EOF at a clean end, and an error wrapping ErrTruncated when the file ends inside a frame.
func (s *segmentReader) next() ([]byte, frameMeta, error) {
	start := s.off
	var hdr [8 + metaSize]byte
	n, err := io.ReadFull(s.r, hdr[:])
	s.off += int64(n)
	if err == io.EOF {
		return nil, frameMeta{}, io.EOF
	}
	if err != nil {
		return nil, frameMeta{}, s.errorf(start, ErrTruncated, "frame %d metadata", s.frames)
	}
	if binary.LittleEndian.Uint32(hdr[:]) != skippableMeta || binary.LittleEndian.Uint32(hdr[4:]) != metaSize {
		return nil, frameMeta{}, s.errorf(start, ErrCorrupt, "frame %d: bad metadata frame", s.frames)
	}
	m := frameMeta{
		compressed:   binary.LittleEndian.Uint32(hdr[8:]),
		uncompressed: binary.LittleEndian.Uint32(hdr[12:]),
		records:      binary.LittleEndian.Uint32(hdr[16:]),
		seq:          binary.LittleEndian.Uint32(hdr[20:]),
		firstTS:      binary.LittleEndian.Uint64(hdr[24:]),
		lastTS:       binary.LittleEndian.Uint64(hdr[32:]),
	}
	if m.compressed == 0 || m.compressed > maxFrame || m.uncompressed > maxFrame {
		return nil, frameMeta{}, s.errorf(start, ErrCorrupt, "frame %d: sizes %d/%d out of range", s.frames, m.compressed, m.uncompressed)
	}
	s.checkSeq(start, m.seq)
	s.records += uint64(m.records)
	if cap(s.comp) < int(m.compressed) {
		s.comp = make([]byte, m.compressed)
	}
	s.comp = s.comp[:m.compressed]
	if err := s.readFull(s.comp); err != nil {
		if errors.Is(err, ErrTruncated) {
			return nil, frameMeta{}, s.errorf(start, ErrTruncated, "frame %d: %d compressed bytes", s.frames, m.compressed)
		}
		return nil, frameMeta{}, s.errorf(start, err, "frame %d", s.frames)
	}
	if cap(s.buf) < int(m.uncompressed) {
		s.buf = make([]byte, 0, m.uncompressed)
	}
	out, err := s.dec.DecodeAll(s.comp, s.buf[:0])
	if err != nil {
		s.frames++ // the frame's bytes were consumed: the next call reads the next frame
		return nil, m, &frameError{s.errorf(start, ErrCorrupt, "frame %d: zstd: %v", s.frames-1, err)}
	}
	if len(out) != int(m.uncompressed) {
		s.frames++
		return nil, m, &frameError{s.errorf(start, ErrCorrupt, "frame %d: %d bytes, metadata says %d", s.frames-1, len(out), m.uncompressed)}
	}
	s.buf = out
	s.frames++
	return out, m, nil
}

// checkSeq notes a frame whose sequence number is not the next one: frames were cut out of the
// file, repeated or reordered after the capture wrote it.
func (s *segmentReader) checkSeq(off int64, seq uint32) {
	if s.version < 2 {
		return
	}
	switch {
	case seq > s.nextSeq:
		s.gaps = append(s.gaps, s.errorf(off, ErrIntegrity, "frame sequence jumps from %d to %d: %d frames missing", s.nextSeq-1, seq, seq-s.nextSeq))
	case seq < s.nextSeq:
		s.gaps = append(s.gaps, s.errorf(off, ErrIntegrity, "frame sequence number %d after %d: frames repeated or out of order", seq, s.nextSeq-1))
	}
	s.nextSeq = seq + 1
}

// checkCounts compares what the reader met in a file it read to its end with the manifest's
// entry: a frame cut out of a file whose size and SHA-256 were then forged shows here.
// Unlisted files (no manifest entry) have nothing to compare with; a file the writer had not
// closed may hold more than its entry counted, never less.
func (s *segmentReader) checkCounts(fe FileEntry) []error {
	errs := s.gaps
	if fe.SHA256 == "" {
		return errs
	}
	short := s.frames < fe.Frames || s.records < fe.Records
	long := fe.Complete && (s.frames > fe.Frames || s.records > fe.Records)
	if short || long {
		errs = append(errs, fmt.Errorf("%s: %d frames of %d records, manifest says %d frames of %d records: %w",
			s.name, s.frames, s.records, fe.Frames, fe.Records, ErrIntegrity))
	}
	return errs
}

func newDecoder() *zstd.Decoder {
	d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxFrame),
		zstd.WithDecoderMaxWindow(maxFrame))
	if err != nil {
		panic(err) // only invalid options fail
	}
	return d
}

func newEncoder() *zstd.Encoder {
	e, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.SpeedDefault),
		zstd.WithEncoderCRC(true), zstd.WithZeroFrames(true))
	if err != nil {
		panic(err)
	}
	return e
}

// frameError is a data frame that does not decode while its metadata was sound: the reader
// can skip it and go on with the next frame.
type frameError struct{ err error }

func (e *frameError) Error() string { return e.err.Error() }
func (e *frameError) Unwrap() error { return e.err }
