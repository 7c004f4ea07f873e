package dns

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	"github.com/klauspost/compress/zstd"
)

// ErrFileFormat is returned by NewReader for input that is neither pcap nor pcapng,
// plain or zstd-compressed.
var ErrFileFormat = errors.New("not a pcap or pcapng file")

// ErrFileDamaged is wrapped by Reader.Next when a capture file is damaged in a way its
// parser cannot report as an error.
var ErrFileDamaged = errors.New("damaged capture file")

// ErrEmpty is returned by NewReader for an input of no bytes at all (after decompression).
var ErrEmpty = errors.New("empty file: no packets")

// dnsMaxSnaplen bounds the packet size a pcap file may claim: libpcap's own maximum.
const dnsMaxSnaplen = 262144

// dnsPacketSource is what Reader needs of a capture file reader: the next frame and its
// link type. pcapgo's Reader and NgReader both serve it.
type dnsPacketSource interface {
	ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error)
}

// Reader streams the DNS messages of a pcap or pcapng capture, plain or zstd-compressed
// (as saker's bundles store their dns-*.pcapng.zst data files). Malformed DNS payloads are
// counted in Stats and skipped.
type Reader struct {
	src     dnsPacketSource
	ng      bool
	lt      layers.LinkType
	zr      *zstd.Decoder
	dec     *Decoder
	pending []Message
	next    int
	err     error // lasting error after a reader panic
	flushed bool  // the TCP reassembly was ended at io.EOF
}

// NewReader detects the format of r and returns a reader of its DNS messages. It returns an
// error wrapping ErrFileFormat when r is no capture file it knows. Close releases the zstd
// decoder when there is one.
func NewReader(r io.Reader) (*Reader, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	magic, err := br.Peek(4)
	if len(magic) == 0 && err == io.EOF {
		return nil, ErrEmpty
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFileFormat, err)
	}
	d := &Reader{dec: NewDecoder()}
	if dnsZstdMagic(magic) {
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
		d.zr = zr
		br = bufio.NewReaderSize(zr, 1<<16)
		if magic, err = br.Peek(4); err != nil {
			zr.Close()
			if len(magic) == 0 && err == io.EOF {
				return nil, fmt.Errorf("zstd: %w", ErrEmpty)
			}
			return nil, fmt.Errorf("zstd: %w", err)
		}
	}
	if err := d.open(br, magic); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func (d *Reader) open(br *bufio.Reader, magic []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrFileDamaged, r)
		}
	}()
	switch {
	case bytes.Equal(magic, []byte{0x0a, 0x0d, 0x0d, 0x0a}):
		// pcapgo sizes its packet buffer from the snaplen and lengths the file claims; the
		// filter clamps and checks them first.
		ng, err := pcapgo.NewNgReader(newNgFilter(br), pcapgo.NgReaderOptions{WantMixedLinkType: true})
		if err != nil {
			return fmt.Errorf("pcapng: %w", err)
		}
		d.src, d.ng = ng, true
	case dnsPcapMagic(magic):
		pr, err := pcapgo.NewReader(br)
		if err != nil {
			return fmt.Errorf("pcap: %w", err)
		}
		// pcapgo allocates the header's snaplen for its packet buffer; a damaged header must
		// not make that gigabytes.
		pr.SetSnaplen(min(pr.Snaplen(), dnsMaxSnaplen))
		d.src, d.lt = pr, pr.LinkType()
	default:
		return fmt.Errorf("%w: magic %x", ErrFileFormat, magic)
	}
	return nil
}

// dnsZstdMagic reports a zstd frame or a skippable frame (saker's data files start with one).
func dnsZstdMagic(m []byte) bool {
	return bytes.Equal(m, []byte{0x28, 0xb5, 0x2f, 0xfd}) ||
		m[0]&0xf0 == 0x50 && bytes.Equal(m[1:], []byte{0x2a, 0x4d, 0x18})
}

func dnsPcapMagic(m []byte) bool {
	for _, x := range [][]byte{{0xa1, 0xb2, 0xc3, 0xd4}, {0xa1, 0xb2, 0x3c, 0x4d}} {
		if bytes.Equal(m, x) || bytes.Equal(m, []byte{x[3], x[2], x[1], x[0]}) {
			return true
		}
	}
	return false
}

// Next fills *m with the next DNS message, reusing its Answers buffer, and returns io.EOF after
// the last one. Other errors come from a damaged capture file (io.ErrUnexpectedEOF when it was
// cut short, as a capture killed mid-write leaves it); the messages before it are good.
func (d *Reader) Next(m *Message) error {
	for d.next >= len(d.pending) {
		if err := d.readPacket(); err != nil {
			return err
		}
	}
	src := &d.pending[d.next]
	d.next++
	a := append(m.Answers[:0], src.Answers...)
	*m = *src
	m.Answers = a
	return nil
}

// readPacket decodes the next frame into d.pending.
func (d *Reader) readPacket() error {
	if d.err != nil {
		return d.err
	}
	data, ci, err := d.read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			if !d.flushed {
				// Segments held past gaps that never closed still hold whole messages.
				d.flushed = true
				d.pending, d.next = d.dec.FlushTCP(d.pending[:0]), 0
				return nil
			}
			return io.EOF
		}
		return fmt.Errorf("packet %d: %w", d.dec.stats.Packets+1, err)
	}
	lt := d.lt
	if d.ng && len(ci.AncillaryData) > 0 {
		lt, _ = ci.AncillaryData[0].(layers.LinkType)
	}
	d.pending, d.next = d.pending[:0], 0
	// A malformed message is already counted; the reader goes on with the next frame.
	d.pending, _ = d.dec.DecodePacket(lt, ci.Timestamp.UnixNano(), data, d.pending)
	return nil
}

// read reads the next frame. pcapgo panics on some damaged files (a zero timestamp
// resolution divides by zero); the panic becomes a lasting error.
func (d *Reader) read() (data []byte, ci gopacket.CaptureInfo, err error) {
	defer func() {
		if r := recover(); r != nil {
			d.err = fmt.Errorf("packet %d: %w: %v", d.dec.stats.Packets+1, ErrFileDamaged, r)
			err = d.err
		}
	}()
	return d.src.ZeroCopyReadPacketData()
}

// Stats returns the counts so far.
func (d *Reader) Stats() Stats { return d.dec.Stats() }

// Close releases the reader's resources; it does not close the underlying io.Reader.
func (d *Reader) Close() error {
	if d.zr != nil {
		d.zr.Close()
		d.zr = nil
	}
	return nil
}

// ReadFile reads every DNS message of the capture file at path (see NewReader for the
// formats). On a damaged file it returns the messages before the damage with the error.
func ReadFile(path string) ([]Message, Stats, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, Stats{}, err
	}
	defer f.Close()
	r, err := NewReader(f)
	if err != nil {
		return nil, Stats{}, fmt.Errorf("%s: %w", path, err)
	}
	defer r.Close()
	var msgs []Message
	var m Message
	for {
		err := r.Next(&m)
		if err == io.EOF {
			return msgs, r.Stats(), nil
		}
		if err != nil {
			return msgs, r.Stats(), fmt.Errorf("%s: %w", path, err)
		}
		msgs = append(msgs, m.Clone())
	}
}
