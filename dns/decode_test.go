package dns

import (
	"bytes"
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/gopacket/layers"
	"github.com/klauspost/compress/zstd"

	"saker/capfile"
	"saker/event"
)

func TestDNSDecodePacket(t *testing.T) {
	c6 := netip.MustParseAddrPort("[2001:db8::5]:40000")
	r6 := netip.MustParseAddrPort("[2001:db8::53]:53")
	tests := []struct {
		name      string
		frame     []byte
		want      []string // dnsLine of each message
		malformed uint64
		skipped   uint64
		partial   uint64
	}{
		{
			name:  "query",
			frame: dnsTestFrame(t, dnsTestClient, dnsTestResolver, false, dnsTestMsg(t, 7, false, 0, "pool.example.org", layers.DNSTypeA)),
			want:  []string{"udp 10.0.0.5:40000 > 127.0.0.53:53 id=0x0007 Q pool.example.org A"},
		},
		{
			name: "cname chain",
			frame: dnsTestFrame(t, dnsTestResolver, dnsTestClient, false, dnsTestMsg(t, 7, true, 0, "pool.example.org", layers.DNSTypeA,
				dnsTestRR{name: "pool.example.org", ttl: 300, target: "edge.example.net"},
				dnsTestRR{name: "edge.example.net", ttl: 60, target: "node1.example.net"},
				dnsTestRR{name: "node1.example.net", ttl: 30, ip: "192.0.2.10"},
				dnsTestRR{name: "node1.example.net", ttl: 30, ip: "192.0.2.11"})),
			want: []string{"udp 10.0.0.5:40000 > 127.0.0.53:53 id=0x0007 R NOERROR pool.example.org A" +
				" | CNAME pool.example.org 300 edge.example.net; CNAME edge.example.net 60 node1.example.net;" +
				" A node1.example.net 30 192.0.2.10; A node1.example.net 30 192.0.2.11"},
		},
		{
			name: "ipv6 aaaa",
			frame: dnsTestFrame(t, r6, c6, false, dnsTestMsg(t, 9, true, 0, "pool.example.org", layers.DNSTypeAAAA,
				dnsTestRR{name: "pool.example.org", ttl: 120, ip: "2001:db8::10"})),
			want: []string{"udp [2001:db8::5]:40000 > [2001:db8::53]:53 id=0x0009 R NOERROR pool.example.org AAAA | AAAA pool.example.org 120 2001:db8::10"},
		},
		{
			name:  "nxdomain",
			frame: dnsTestFrame(t, dnsTestResolver, dnsTestClient, false, dnsTestMsg(t, 3, true, 3, "nope.example", layers.DNSTypeA)),
			want:  []string{"udp 10.0.0.5:40000 > 127.0.0.53:53 id=0x0003 R NXDOMAIN nope.example A"},
		},
		{
			name: "tcp two messages",
			frame: dnsTestFrame(t, dnsTestResolver, dnsTestClient, true, append(dnsTCP(
				dnsTestMsg(t, 1, true, 0, "a.example", layers.DNSTypeA, dnsTestRR{name: "a.example", ttl: 5, ip: "198.51.100.1"}),
				dnsTestMsg(t, 2, true, 0, "b.example", layers.DNSTypeA)), 0, 40)), // a third message cut by the segment end
			want: []string{"tcp 10.0.0.5:40000 > 127.0.0.53:53 id=0x0001 R NOERROR a.example A | A a.example 5 198.51.100.1",
				"tcp 10.0.0.5:40000 > 127.0.0.53:53 id=0x0002 R NOERROR b.example A"},
			partial: 1,
		},
		{
			name:      "malformed",
			frame:     dnsTestFrame(t, dnsTestClient, dnsTestResolver, false, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0xc0}),
			malformed: 1,
		},
		{
			// gopacket slices past the end of an answer record's header and panics.
			name:      "record past end",
			frame:     dnsTestFrame(t, dnsTestResolver, dnsTestClient, false, []byte{0, 1, 0x81, 0x80, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0}),
			malformed: 1,
		},
		{
			name:    "not port 53",
			frame:   dnsTestFrame(t, netip.MustParseAddrPort("10.0.0.5:1000"), netip.MustParseAddrPort("10.0.0.6:2000"), false, []byte("hello")),
			skipped: 1,
		},
		{
			name:    "not ip",
			frame:   []byte{2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x06, 0, 1},
			skipped: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder()
			msgs, err := d.DecodePacket(layers.LinkTypeEthernet, 1, tc.frame, nil)
			if tc.malformed > 0 != errors.Is(err, ErrMalformed) {
				t.Errorf("err = %v", err)
			}
			var got []string
			for i := range msgs {
				got = append(got, dnsLine(&msgs[i], false))
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			st := d.Stats()
			if st.Malformed != tc.malformed || st.Skipped != tc.skipped || st.TCPPartial != tc.partial || st.Packets != 1 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestDNSDecodeTruncatedFlag(t *testing.T) {
	p := dnsTestMsg(t, 1, true, 0, "big.example", layers.DNSTypeA)
	p[2] |= 0x02 // TC
	var m Message
	if err := NewDecoder().DecodePayload(event.ProtoUDP, p, &m); err != nil {
		t.Fatal(err)
	}
	if !m.Truncated || !m.Response {
		t.Errorf("got %+v", m)
	}
}

// TestDNSReaderFormats reads the same frames as pcap, pcapng, and zstd-compressed pcapng, both
// as a plain zstd stream and behind a skippable frame as saker's data files start.
func TestDNSReaderFormats(t *testing.T) {
	frames := [][]byte{
		dnsTestFrame(t, dnsTestClient, dnsTestResolver, false, dnsTestMsg(t, 7, false, 0, "pool.example.org", layers.DNSTypeA)),
		dnsTestFrame(t, dnsTestResolver, dnsTestClient, false, dnsTestMsg(t, 7, true, 0, "pool.example.org", layers.DNSTypeA,
			dnsTestRR{name: "pool.example.org", ttl: 60, ip: "192.0.2.1"})),
	}
	zst := func(b []byte, skippable bool) []byte {
		var out bytes.Buffer
		if skippable {
			out.Write([]byte{0x5b, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 's', 'a', 'k', 'r'})
		}
		w, _ := zstd.NewWriter(&out)
		w.Write(b)
		w.Close()
		return out.Bytes()
	}
	want := "1700000000.000000000 udp 10.0.0.5:40000 > 127.0.0.53:53 id=0x0007 Q pool.example.org A\n" +
		"1700000000.001000000 udp 10.0.0.5:40000 > 127.0.0.53:53 id=0x0007 R NOERROR pool.example.org A | A pool.example.org 60 192.0.2.1\n"
	for name, data := range map[string][]byte{
		"pcap":           dnsTestPcap(t, false, frames...),
		"pcapng":         dnsTestPcap(t, true, frames...),
		"pcapng.zst":     zst(dnsTestPcap(t, true, frames...), false),
		"saker datafile": zst(dnsTestPcap(t, true, frames...), true),
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "dns")
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			msgs, st, err := ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := dnsLines(msgs); got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
			if st.Packets != 2 || st.Messages != 2 {
				t.Errorf("stats %+v", st)
			}
		})
	}
	t.Run("cut short", func(t *testing.T) {
		data := dnsTestPcap(t, false, frames...)
		r, err := NewReader(bytes.NewReader(data[:len(data)-10]))
		if err != nil {
			t.Fatal(err)
		}
		var m Message
		if err := r.Next(&m); err != nil {
			t.Fatal(err)
		}
		if err := r.Next(&m); err == nil || err == io.EOF {
			t.Errorf("cut file: err = %v", err)
		}
	})
	t.Run("not a capture", func(t *testing.T) {
		if _, err := NewReader(strings.NewReader("hello world")); !errors.Is(err, ErrFileFormat) {
			t.Errorf("err = %v", err)
		}
	})
}

// TestDNSReaderBundleDataFile reads a pcapng stream written through capfile's data file API,
// as `saker capture` stores DNS.
func TestDNSReaderBundleDataFile(t *testing.T) {
	dir := t.TempDir()
	w, err := capfile.Create(dir, capfile.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	df, err := w.CreateDataFile("dns", ".pcapng")
	if err != nil {
		t.Fatal(err)
	}
	img := dnsTestPcap(t, true,
		dnsTestFrame(t, dnsTestClient, dnsTestResolver, false, dnsTestMsg(t, 7, false, 0, "pool.example.org", layers.DNSTypeA)),
		dnsTestFrame(t, dnsTestResolver, dnsTestClient, false, dnsTestMsg(t, 7, true, 0, "pool.example.org", layers.DNSTypeA,
			dnsTestRR{name: "pool.example.org", ttl: 60, ip: "192.0.2.1"})))
	// Two frames, cut mid-block, as the capture's periodic flushes may cut them.
	for _, part := range [][]byte{img[:100], img[100:]} {
		if _, err := df.Write(part); err != nil {
			t.Fatal(err)
		}
		if err := df.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "dns-*.pcapng.zst"))
	if len(files) != 1 {
		t.Fatalf("data files %v", files)
	}
	msgs, _, err := ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || msgs[1].Answers[0].IP != netip.MustParseAddr("192.0.2.1") {
		t.Errorf("got %s", dnsLines(msgs))
	}
}
