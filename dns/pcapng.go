package dns

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ngMaxBlock bounds the total length of a pcapng block: pcapgo trusts the lengths it reads and
// sizes its packet buffer from them.
const ngMaxBlock = 16 << 20

// pcapng block types the filter inspects.
const (
	ngSHB = 0x0A0D0D0A // section header
	ngIDB = 1          // interface description
	ngPB  = 2          // packet (obsolete)
	ngSPB = 3          // simple packet
	ngEPB = 6          // enhanced packet
)

// ngFilter sits between a pcapng stream and pcapgo's NgReader, which allocates a packet buffer
// of an interface's snaplen (up to 4 GiB) or of a packet's stated length. It walks the blocks,
// clamps each interface's snaplen to dnsMaxSnaplen (0, unlimited, too) and fails on a block
// longer than ngMaxBlock or shorter than its fixed fields, and on a packet whose captured
// length exceeds its block. Everything else passes through unchanged.
type ngFilter struct {
	r      io.Reader
	order  binary.ByteOrder // of the current section; nil before the first section header
	snap0  uint32           // snaplen of the section's first interface, once it has one
	nifs   int              // interfaces in the section
	hdr    [28]byte
	out    []byte // header bytes read and checked, not yet returned
	remain int64  // bytes of the current block past its header, still to pass through
	err    error
}

func newNgFilter(r io.Reader) *ngFilter { return &ngFilter{r: r} }

func (f *ngFilter) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for len(f.out) == 0 && f.remain == 0 {
		if f.err != nil {
			return 0, f.err
		}
		f.err = f.header()
	}
	if len(f.out) > 0 {
		n := copy(p, f.out)
		f.out = f.out[n:]
		return n, nil
	}
	n, err := f.r.Read(p[:min(int64(len(p)), f.remain)])
	f.remain -= int64(n)
	if err == io.EOF && f.remain > 0 {
		// Cut inside the block: pcapgo reports the short read.
		f.remain, f.err = 0, io.EOF
		err = nil
		if n == 0 {
			return 0, io.EOF
		}
	}
	return n, err
}

// header reads and checks the next block's header into f.out and sets f.remain. At the end of
// the stream, or cut inside the header, it returns io.EOF with what it read in f.out.
func (f *ngFilter) header() error {
	n, err := io.ReadFull(f.r, f.hdr[:8])
	if err != nil {
		f.out = f.hdr[:n]
		return eofOr(err)
	}
	typ := binary.LittleEndian.Uint32(f.hdr[:4]) // the section header type is a palindrome
	need := 8
	switch {
	case typ == ngSHB:
		need = 12
	case f.order == nil:
		return fmt.Errorf("%w: pcapng: block type %#x before the section header", ErrFileDamaged, typ)
	default:
		switch f.order.Uint32(f.hdr[:4]) {
		case ngIDB:
			need = 16
		case ngSPB:
			need = 12
		case ngPB, ngEPB:
			need = 28
		}
	}
	if m, err := io.ReadFull(f.r, f.hdr[8:need]); err != nil {
		f.out = f.hdr[:8+m]
		return eofOr(err)
	}
	if typ == ngSHB {
		switch {
		case binary.BigEndian.Uint32(f.hdr[8:12]) == 0x1A2B3C4D:
			f.order = binary.BigEndian
		case binary.LittleEndian.Uint32(f.hdr[8:12]) == 0x1A2B3C4D:
			f.order = binary.LittleEndian
		default:
			return fmt.Errorf("%w: pcapng: section header byte-order magic %x", ErrFileDamaged, f.hdr[8:12])
		}
		f.nifs, f.snap0 = 0, 0
	} else {
		typ = f.order.Uint32(f.hdr[:4])
	}
	total := f.order.Uint32(f.hdr[4:8])
	least := uint32(need) + 4
	if typ == ngSHB {
		least = 28
	}
	if total < least || total > ngMaxBlock {
		return fmt.Errorf("%w: pcapng: block type %#x: length %d out of range", ErrFileDamaged, typ, total)
	}
	switch typ {
	case ngIDB:
		snap := f.order.Uint32(f.hdr[12:16])
		if snap == 0 || snap > dnsMaxSnaplen {
			snap = dnsMaxSnaplen
			f.order.PutUint32(f.hdr[12:16], snap)
		}
		if f.nifs == 0 {
			f.snap0 = snap
		}
		f.nifs++
	case ngPB, ngEPB:
		if caplen := f.order.Uint32(f.hdr[20:24]); caplen > total-32 {
			return fmt.Errorf("%w: pcapng: packet of %d bytes in a block of %d", ErrFileDamaged, caplen, total)
		}
	case ngSPB:
		// pcapgo takes the captured length as the packet length cut to the first
		// interface's snaplen.
		if caplen := min(f.order.Uint32(f.hdr[8:12]), f.snap0); f.nifs > 0 && caplen > total-16 {
			return fmt.Errorf("%w: pcapng: packet of %d bytes in a block of %d", ErrFileDamaged, caplen, total)
		}
	}
	f.out = f.hdr[:need]
	f.remain = int64(total) - int64(need)
	return nil
}

func eofOr(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return io.EOF
	}
	return err
}
