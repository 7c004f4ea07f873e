package scap

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"

	"saker/capfile"
)

// Errors of the .scap reader, checked with errors.Is. They are wrapped with the byte offset in
// the (decompressed) file where the problem was found. ErrTruncated and ErrCorrupt also
// match capfile.ErrTruncated and capfile.ErrCorrupt, so callers may treat every capture format
// alike.
var (
	// ErrTruncated: the file ends inside a block; everything before that block was read.
	ErrTruncated = fmt.Errorf("scap: %w", capfile.ErrTruncated)
	// ErrCorrupt: a block's framing is inconsistent (trailer length, impossible length).
	ErrCorrupt = fmt.Errorf("scap: %w", capfile.ErrCorrupt)
	// ErrNotScap: the input does not start with a scap section header block.
	ErrNotScap = errors.New("not a scap capture")
	// ErrVersion: the section header names a major version or byte order saker cannot read.
	ErrVersion = errors.New("unsupported scap version")
)

// Block types of the scap format (libscap's scap_savefile.h). The *_INT values are numbers
// used by pre-release libscap that readers still accept.
const (
	scapBlockSHB        = 0x0A0D0D0A
	scapBlockMI         = 0x201
	scapBlockMIInt      = 0x8002ABCD
	scapBlockPLV1       = 0x202
	scapBlockPLV1Int    = 0x8000ABCD
	scapBlockPLV2       = 0x207
	scapBlockPLV2Int    = 0x8013ABCD
	scapBlockPLV3       = 0x209
	scapBlockPLV3Int    = 0x8014ABCD
	scapBlockPLV4       = 0x210
	scapBlockPLV5       = 0x211
	scapBlockPLV6       = 0x212
	scapBlockPLV7       = 0x213
	scapBlockPLV8       = 0x214
	scapBlockPLV9       = 0x215
	scapBlockFDL        = 0x203
	scapBlockFDLInt     = 0x8001ABCD
	scapBlockFDLV2      = 0x218
	scapBlockEV         = 0x204
	scapBlockEVInt      = 0x8010ABCD
	scapBlockEVV2       = 0x216
	scapBlockEVV2Large  = 0x221
	scapBlockEVF        = 0x208
	scapBlockEVFV2      = 0x217
	scapBlockEVFV2Large = 0x222
	scapBlockIL         = 0x205
	scapBlockILInt      = 0x8011ABCD
	scapBlockILV2       = 0x219
	scapBlockUL         = 0x206
	scapBlockULInt      = 0x8012ABCD
	scapBlockULV2       = 0x220
)

const (
	scapSHBMagic = 0x1A2B3C4D
	// scapMaxBlock caps the length of one block. libscap itself caps event blocks at 64 KiB
	// unless they are large-payload blocks; process lists of big hosts reach a few MiB.
	scapMaxBlock = 256 << 20
	// scapBlockOverhead is the block header (type, length) plus the trailing length.
	scapBlockOverhead = 12
)

// scapBlocks reads the block framing of a scap stream: it detects gzip, counts offsets and
// reads each block body into a reused buffer whose growth follows the bytes actually read, so
// that a lying length cannot make it allocate more than the input holds.
type scapBlocks struct {
	r   *bufio.Reader
	off int64 // offset of the next unread byte in the decompressed stream
	buf []byte
}

// newScapBlocks wraps r, decompressing it when it starts with the gzip magic.
func newScapBlocks(r io.Reader) (*scapBlocks, io.Closer, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, err := br.Peek(2)
	if err != nil && len(magic) < 2 {
		if err == io.EOF {
			return nil, nil, fmt.Errorf("offset 0: input of %d bytes: %w", len(magic), ErrNotScap)
		}
		return nil, nil, fmt.Errorf("offset 0: %w", err)
	}
	var closer io.Closer
	if magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("offset 0: gzip header: %w", err)
		}
		br = bufio.NewReaderSize(zr, 64<<10)
		closer = zr
	}
	return &scapBlocks{r: br}, closer, nil
}

// scapBlock is one block: its type, the offset of its header and its body (valid until the
// next call to next).
type scapBlock struct {
	typ  uint32
	off  int64
	body []byte
}

// clone returns b with a body of its own, which later reads do not overwrite.
func (b scapBlock) clone() scapBlock {
	b.body = append([]byte(nil), b.body...)
	return b
}

// next reads the next block. It returns io.EOF at a clean end between blocks,
// ErrTruncated when the input ends inside a block and ErrCorrupt when the block's
// lengths are impossible or its trailer disagrees with its header.
func (s *scapBlocks) next() (scapBlock, error) {
	var hdr [8]byte
	off := s.off
	n, err := io.ReadFull(s.r, hdr[:])
	s.off += int64(n)
	if err == io.EOF {
		return scapBlock{}, io.EOF
	}
	if err != nil {
		return scapBlock{}, s.readErr(off, "block header", err)
	}
	typ := binary.LittleEndian.Uint32(hdr[0:])
	total := binary.LittleEndian.Uint32(hdr[4:])
	if total < scapBlockOverhead || total > scapMaxBlock {
		return scapBlock{}, fmt.Errorf("offset %d: block type %#x: length %d out of range: %w", off, typ, total, ErrCorrupt)
	}
	bodyLen := int(total) - scapBlockOverhead
	if err := s.fill(bodyLen + 4); err != nil {
		return scapBlock{}, s.readErr(off, fmt.Sprintf("block type %#x of length %d", typ, total), err)
	}
	trailer := binary.LittleEndian.Uint32(s.buf[bodyLen:])
	if trailer != total {
		return scapBlock{}, fmt.Errorf("offset %d: block type %#x: trailer length %d, header %d: %w", off, typ, trailer, total, ErrCorrupt)
	}
	return scapBlock{typ: typ, off: off, body: s.buf[:bodyLen]}, nil
}

// fill reads exactly n bytes into s.buf, growing it in steps of at most 1 MiB so that its
// capacity stays proportional to the bytes actually read.
func (s *scapBlocks) fill(n int) error {
	const step = 1 << 20
	s.buf = s.buf[:0]
	for len(s.buf) < n {
		want := min(n-len(s.buf), step)
		s.buf = slices.Grow(s.buf, want)
		got, err := io.ReadFull(s.r, s.buf[len(s.buf):len(s.buf)+want])
		s.buf = s.buf[:len(s.buf)+got]
		s.off += int64(got)
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *scapBlocks) readErr(off int64, what string, err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("offset %d: %s: input ends at offset %d: %w", off, what, s.off, ErrTruncated)
	}
	return fmt.Errorf("offset %d: %s: %w", off, what, err)
}

// scapSection is what a section header block says.
type scapSection struct {
	major, minor uint16
	comments     []string
}

// parseScapSHB decodes a section header block body: magic, version, section length, then
// pcapng-style options (u16 code, u16 length, value padded to 4 bytes) of which comments
// (code 1) are kept.
func parseScapSHB(body []byte, off int64) (scapSection, error) {
	if len(body) < 16 {
		return scapSection{}, fmt.Errorf("offset %d: section header of %d bytes: %w", off, len(body), ErrCorrupt)
	}
	magic := binary.LittleEndian.Uint32(body)
	if magic != scapSHBMagic {
		return scapSection{}, fmt.Errorf("offset %d: section byte-order magic %#x (big-endian captures are not supported): %w", off, magic, ErrVersion)
	}
	sec := scapSection{major: binary.LittleEndian.Uint16(body[4:]), minor: binary.LittleEndian.Uint16(body[6:])}
	if sec.major != 1 {
		return scapSection{}, fmt.Errorf("offset %d: section version %d.%d: %w", off, sec.major, sec.minor, ErrVersion)
	}
	opts := body[16:]
	for len(opts) >= 4 {
		code := binary.LittleEndian.Uint16(opts)
		n := int(binary.LittleEndian.Uint16(opts[2:]))
		if code == 0 {
			break
		}
		if 4+n > len(opts) {
			break // a malformed option ends the list; the header itself was fine
		}
		if code == 1 {
			sec.comments = append(sec.comments, string(opts[4:4+n]))
		}
		opts = opts[min(len(opts), 4+(n+3)&^3):]
	}
	return sec, nil
}
