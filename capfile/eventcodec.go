package capfile

import (
	"encoding/binary"
	"fmt"

	"saker/event"
)

// EventVersion is the version of RecEvent records this package's users write: the generic
// event encoding of AppendEvent, unchanged since version 1. Version 2 changed a meaning: a
// procinfo's start_ts is CLOCK_BOOTTIME nanoseconds; earlier captures (which wrote version 0)
// recorded /proc's clock ticks there (USER_HZ, 100 per second), which readers convert.
const EventVersion = 2

// StartTicksVersion is the last RecEvent version whose procinfo start_ts is in clock ticks.
const StartTicksVersion = 1

// TicksPerSecond is USER_HZ of the captures that recorded clock ticks (linux/amd64).
const TicksPerSecond = 100

// AppendEvent appends the generic encoding of e (everything but TS, which the record carries,
// and Num, which readers assign) to b: uvarints kind, cpu, pid, tid, a zigzag varint res, the
// argument count, then per argument a uvarint x: x even is the integer zigzag(x>>1), x odd
// is followed by x>>1 bytes.
func AppendEvent(b []byte, e *event.Event) []byte {
	b = binary.AppendUvarint(b, uint64(e.Kind))
	b = binary.AppendUvarint(b, uint64(e.CPU))
	b = binary.AppendUvarint(b, uint64(e.PID))
	b = binary.AppendUvarint(b, uint64(e.TID))
	b = binary.AppendVarint(b, e.Res)
	b = append(b, e.NArgs)
	params := e.Kind.Params()
	for i := range int(e.NArgs) {
		a := &e.Args[i]
		if i >= len(params) || params[i].Type.IsInt() {
			b = binary.AppendUvarint(b, zigzag(a.Int)<<1)
			continue
		}
		b = binary.AppendUvarint(b, uint64(len(a.Bytes))<<1|1)
		b = append(b, a.Bytes...)
	}
	return b
}

// DecodeEvent decodes an AppendEvent encoding into e, leaving e.TS and e.Num alone. Bytes
// arguments alias b. It returns an error wrapping ErrCorrupt for malformed input, including
// an unknown kind or more arguments than the kind has.
func DecodeEvent(b []byte, e *event.Event) error {
	d := decoder{b: b}
	kind := d.uvarint()
	cpu := d.uvarint()
	pid := d.uvarint()
	tid := d.uvarint()
	res := d.varint()
	n := d.byte()
	if d.err != nil {
		return fmt.Errorf("event header: %w", ErrCorrupt)
	}
	k := event.Kind(kind)
	if kind > 0xffff || !k.Valid() || cpu > 0xffff || pid > 0xffffffff || tid > 0xffffffff {
		return fmt.Errorf("event header: kind %d cpu %d pid %d tid %d: %w", kind, cpu, pid, tid, ErrCorrupt)
	}
	if int(n) > len(k.Params()) {
		return fmt.Errorf("%s event with %d arguments, the schema has %d: %w", k, n, len(k.Params()), ErrCorrupt)
	}
	// Only the arguments past n need clearing; the first n are all written below.
	for i := int(n); i < int(e.NArgs); i++ {
		e.Args[i] = event.Arg{Bytes: e.Args[i].Bytes[:0]}
	}
	e.Kind, e.CPU, e.PID, e.TID, e.Res, e.NArgs = k, uint16(cpu), uint32(pid), uint32(tid), res, n
	ints := k.IntParams()
	for i := range int(n) {
		x := d.uvarint()
		if (x&1 == 0) != (ints&(1<<i) != 0) {
			d.fail()
			break
		}
		if x&1 == 0 {
			e.Args[i] = event.Arg{Int: unzigzag(x >> 1)}
			continue
		}
		e.Args[i] = event.Arg{Bytes: d.bytes(x >> 1)}
	}
	if d.err != nil {
		return fmt.Errorf("%s event arguments: %w", k, ErrCorrupt)
	}
	if len(d.b) != 0 {
		return fmt.Errorf("%s event: %d trailing bytes: %w", k, len(d.b), ErrCorrupt)
	}
	return nil
}

func zigzag(v int64) uint64   { return uint64(v<<1) ^ uint64(v>>63) }
func unzigzag(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }

// decoder reads varints and byte strings, remembering the first error.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if len(d.b) > 0 && d.b[0] < 0x80 { // most values fit one byte
		v := uint64(d.b[0])
		d.b = d.b[1:]
		return v
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) byte() uint8 {
	if len(d.b) < 1 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) bytes(n uint64) []byte {
	if n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	s := d.b[:n:n]
	d.b = d.b[n:]
	return s
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = ErrCorrupt
	}
	d.b = nil
}
