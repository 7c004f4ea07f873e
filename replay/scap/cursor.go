package scap

import "encoding/binary"

// scapCursor reads little-endian fields from a block body. A read past the end sets bad and
// returns zero values, so that a parser can read a whole record and check once.
type scapCursor struct {
	b   []byte
	bad bool
}

func (c *scapCursor) take(n int) []byte {
	if n < 0 || n > len(c.b) {
		c.bad = true
		c.b = nil
		return nil
	}
	v := c.b[:n:n]
	c.b = c.b[n:]
	return v
}

func (c *scapCursor) u8() uint8 {
	if b := c.take(1); b != nil {
		return b[0]
	}
	return 0
}

func (c *scapCursor) u16() uint16 {
	if b := c.take(2); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}

func (c *scapCursor) u32() uint32 {
	if b := c.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (c *scapCursor) u64() uint64 {
	if b := c.take(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

// str reads a u16 length and that many bytes (scap strings are not NUL-terminated on file,
// but some writers include the NUL in the length; it is dropped).
func (c *scapCursor) str() []byte {
	return trimScapText(c.take(int(c.u16())))
}

// bytes16 reads a u16 length and that many bytes as they are.
func (c *scapCursor) bytes16() []byte {
	return c.take(int(c.u16()))
}

func (c *scapCursor) len() int { return len(c.b) }
