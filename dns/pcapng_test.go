package dns

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// dnsTestNg builds a pcapng file in byte order o: a section header, an interface description
// (Ethernet) with snaplen snap, and one enhanced packet block stating caplen captured bytes
// and holding data.
func dnsTestNg(o binary.AppendByteOrder, snap, caplen uint32, data []byte) []byte {
	var b []byte
	b = o.AppendUint32(b, ngSHB)
	b = o.AppendUint32(b, 28)
	b = o.AppendUint32(b, 0x1A2B3C4D)
	b = o.AppendUint16(b, 1)
	b = o.AppendUint16(b, 0)
	b = o.AppendUint64(b, ^uint64(0))
	b = o.AppendUint32(b, 28)

	b = o.AppendUint32(b, ngIDB)
	b = o.AppendUint32(b, 20)
	b = o.AppendUint16(b, 1) // Ethernet
	b = o.AppendUint16(b, 0)
	b = o.AppendUint32(b, snap)
	b = o.AppendUint32(b, 20)

	pad := (4 - len(data)%4) % 4
	total := uint32(32 + len(data) + pad)
	b = o.AppendUint32(b, ngEPB)
	b = o.AppendUint32(b, total)
	b = o.AppendUint32(b, 0) // interface
	b = o.AppendUint32(b, 0) // timestamp high
	b = o.AppendUint32(b, 1) // timestamp low
	b = o.AppendUint32(b, caplen)
	b = o.AppendUint32(b, caplen)
	b = append(b, data...)
	b = append(b, make([]byte, pad)...)
	return o.AppendUint32(b, total)
}

// TestDNSReaderPcapngHugeSnaplen reads a 120-byte pcapng whose interface claims a snaplen of
// nearly 4 GiB: pcapgo would allocate that for its packet buffer.
func TestDNSReaderPcapngHugeSnaplen(t *testing.T) {
	for _, o := range []binary.AppendByteOrder{binary.LittleEndian, binary.BigEndian} {
		in := dnsTestNg(o, 0xFFFFFFF0, 40, make([]byte, 40))
		if len(in) != 120 {
			t.Fatalf("built %d bytes, want 120", len(in))
		}
		path := filepath.Join(t.TempDir(), "huge-snaplen.pcapng")
		if err := os.WriteFile(path, in, 0o644); err != nil {
			t.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, st, err := ReadFile(path)
		runtime.ReadMemStats(&after)
		if d := after.TotalAlloc - before.TotalAlloc; d > 64<<20 {
			t.Fatalf("%v: allocated %d bytes", o, d)
		}
		if err != nil || st.Packets != 1 {
			t.Errorf("%v: packets %d, err %v", o, st.Packets, err)
		}
	}
}

func TestDNSReaderPcapngBadLengths(t *testing.T) {
	le := binary.LittleEndian
	huge := dnsTestNg(le, 0, 40, make([]byte, 40))
	le.PutUint32(huge[48+4:], 1<<30) // EPB total length
	for name, in := range map[string][]byte{
		"caplen past block": dnsTestNg(le, 65535, 0xFFFFFF00, make([]byte, 40)),
		"caplen by one":     dnsTestNg(le, 65535, 41, make([]byte, 40)),
		"block too long":    huge,
	} {
		r, err := NewReader(bytes.NewReader(in))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var m Message
		err = r.Next(&m)
		if err == nil || err == io.EOF || !errors.Is(err, ErrFileDamaged) {
			t.Errorf("%s: err %v, want ErrFileDamaged", name, err)
		}
		r.Close()
	}
}

// TestNgFilterPassThrough checks that the filter changes nothing in a well-formed file but a
// zero (unlimited) snaplen, and passes a truncated file's bytes through.
func TestNgFilterPassThrough(t *testing.T) {
	le := binary.LittleEndian
	in := dnsTestNg(le, 65535, 40, make([]byte, 40))
	for _, cut := range []int{len(in), len(in) - 10, 50, 30, 10} {
		got, err := io.ReadAll(newNgFilter(bytes.NewReader(in[:cut])))
		if err != nil || !bytes.Equal(got, in[:cut]) {
			t.Errorf("cut %d: got %d bytes, err %v", cut, len(got), err)
		}
	}
	zero := dnsTestNg(le, 0, 40, make([]byte, 40))
	got, err := io.ReadAll(newNgFilter(bytes.NewReader(zero)))
	if err != nil || le.Uint32(got[28+12:]) != dnsMaxSnaplen {
		t.Errorf("snaplen %d, err %v", le.Uint32(got[28+12:]), err)
	}
}
