//go:build linux

package capture

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/klauspost/compress/zstd"

	"saker/capfile"
)

// dnsTestAnswer answers a query as the test's responder does: documentation addresses only.
func dnsTestAnswer(q *layers.DNS) *layers.DNS {
	r := &layers.DNS{ID: q.ID, QR: true, RD: q.RD, RA: true, Questions: q.Questions}
	if len(q.Questions) == 0 {
		r.ResponseCode = layers.DNSResponseCodeFormErr
		return r
	}
	qu := q.Questions[0]
	switch string(qu.Name) {
	case "pool.saker-test.example":
		r.Answers = append(r.Answers, layers.DNSResourceRecord{Name: qu.Name, Type: layers.DNSTypeCNAME, Class: layers.DNSClassIN,
			TTL: 300, CNAME: []byte("edge.saker-test.example")})
		rr := layers.DNSResourceRecord{Name: []byte("edge.saker-test.example"), Type: qu.Type, Class: layers.DNSClassIN, TTL: 60}
		switch qu.Type {
		case layers.DNSTypeA:
			rr.IP = net.IP{192, 0, 2, 10}
		case layers.DNSTypeAAAA:
			rr.IP = net.ParseIP("2001:db8::10")
		default:
			return r
		}
		r.Answers = append(r.Answers, rr)
	case "tcp.saker-test.example":
		r.Answers = append(r.Answers, layers.DNSResourceRecord{Name: qu.Name, Type: layers.DNSTypeA, Class: layers.DNSClassIN,
			TTL: 30, IP: net.IP{198, 51, 100, 7}})
	default:
		r.ResponseCode = layers.DNSResponseCodeNXDomain
	}
	return r
}

func dnsTestSerialize(t *testing.T, d *layers.DNS) []byte {
	buf := gopacket.NewSerializeBuffer()
	if err := d.SerializeTo(buf, gopacket.SerializeOptions{FixLengths: true}); err != nil {
		t.Fatal(err)
	}
	return slices.Clone(buf.Bytes())
}

// dnsTestResponder serves UDP on 127.0.0.1:53 and [::1]:53 and TCP on 127.0.0.1:53 until the
// test ends. It skips the test when port 53 is taken.
func dnsTestResponder(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:53", "[::1]:53"} {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			if addr == "[::1]:53" {
				continue // no IPv6 loopback here
			}
			t.Skipf("responder: %v", err)
		}
		t.Cleanup(func() { pc.Close() })
		go func() {
			buf := make([]byte, 1500)
			for {
				n, from, err := pc.ReadFrom(buf)
				if err != nil {
					return
				}
				var q layers.DNS
				if q.DecodeFromBytes(buf[:n], gopacket.NilDecodeFeedback) == nil {
					pc.WriteTo(dnsTestSerialize(t, dnsTestAnswer(&q)), from)
				}
			}
		}()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:53")
	if err != nil {
		t.Skipf("responder: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				var n [2]byte
				if _, err := io.ReadFull(c, n[:]); err != nil {
					return
				}
				b := make([]byte, binary.BigEndian.Uint16(n[:]))
				if _, err := io.ReadFull(c, b); err != nil {
					return
				}
				var q layers.DNS
				if q.DecodeFromBytes(b, gopacket.NilDecodeFeedback) != nil {
					return
				}
				out := dnsTestSerialize(t, dnsTestAnswer(&q))
				c.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(out))), out...))
			}()
		}
	}()
}

// dnsTestQuery asks server (over UDP, or TCP) and returns the answer's rcode.
func dnsTestQuery(t *testing.T, network, server, name string, typ layers.DNSType, id uint16) layers.DNSResponseCode {
	t.Helper()
	c, err := net.DialTimeout(network, server, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	q := dnsTestSerialize(t, &layers.DNS{ID: id, RD: true, Questions: []layers.DNSQuestion{{Name: []byte(name), Type: typ, Class: layers.DNSClassIN}}})
	if network == "tcp" {
		q = append(binary.BigEndian.AppendUint16(nil, uint16(len(q))), q...)
	}
	if _, err := c.Write(q); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1500)
	n, err := io.ReadAtLeast(c, buf, 12)
	if err != nil {
		t.Fatal(err)
	}
	if network == "tcp" {
		buf, n = buf[2:], n-2
	}
	var r layers.DNS
	if err := r.DecodeFromBytes(buf[:n], gopacket.NilDecodeFeedback); err != nil {
		t.Fatal(err)
	}
	return r.ResponseCode
}

// TestRecordDNSLoopback records loopback while real queries go to a responder on 127.0.0.1
// and ::1, then has tshark read the bundle's data file: every query and answer must be there
// exactly once (loopback's outgoing copies dropped), with the answers' names and addresses.
func TestRecordDNSLoopback(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for AF_PACKET")
	}
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed")
	}
	dnsTestResponder(t)
	dir := t.TempDir()
	w, err := capfile.Create(dir, capfile.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stop, err := RecordDNS(context.Background(), w)
	if err != nil {
		t.Fatal(err)
	}
	if rc := dnsTestQuery(t, "udp", "127.0.0.1:53", "pool.saker-test.example", layers.DNSTypeA, 0x1001); rc != 0 {
		t.Errorf("rcode %v", rc)
	}
	if rc := dnsTestQuery(t, "udp", "127.0.0.1:53", "nx.saker-test.example", layers.DNSTypeA, 0x1002); rc != layers.DNSResponseCodeNXDomain {
		t.Errorf("rcode %v", rc)
	}
	if rc := dnsTestQuery(t, "tcp", "127.0.0.1:53", "tcp.saker-test.example", layers.DNSTypeA, 0x1003); rc != 0 {
		t.Errorf("rcode %v", rc)
	}
	v6 := dnsTestV6()
	if v6 {
		dnsTestQuery(t, "udp", "[::1]:53", "pool.saker-test.example", layers.DNSTypeAAAA, 0x1004)
	}
	time.Sleep(100 * time.Millisecond) // let the readers take the last packets off the sockets
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	files, _ := filepath.Glob(filepath.Join(dir, "dns-*.pcapng.zst"))
	if len(files) != 1 {
		t.Fatalf("data files %v", files)
	}
	pcapng := filepath.Join(dir, "dns.pcapng")
	dnsTestUnzstd(t, files[0], pcapng)
	var stderr strings.Builder
	cmd := exec.Command(tshark, "-n", "-r", pcapng, "-Y", "dns", "-T", "fields", "-E", "separator=|",
		"-e", "dns.id", "-e", "dns.flags.response", "-e", "dns.qry.name", "-e", "dns.flags.rcode",
		"-e", "dns.cname", "-e", "dns.a", "-e", "dns.aaaa")
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v: %s", err, stderr.String())
	}
	got := strings.Split(strings.TrimSpace(string(out)), "\n")
	want := []string{
		"0x1001|0|pool.saker-test.example||||",
		"0x1001|1|pool.saker-test.example|0|edge.saker-test.example|192.0.2.10|",
		"0x1002|0|nx.saker-test.example||||",
		"0x1002|1|nx.saker-test.example|3|||",
		"0x1003|0|tcp.saker-test.example||||",
		"0x1003|1|tcp.saker-test.example|0||198.51.100.7|",
	}
	if v6 {
		want = append(want, "0x1004|0|pool.saker-test.example||||",
			"0x1004|1|pool.saker-test.example|0|edge.saker-test.example||2001:db8::10")
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("tshark sees\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func dnsTestV6() bool {
	c, err := net.Dial("udp", "[::1]:53")
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// dnsTestUnzstd decompresses a bundle data file (its skippable frames skipped) to path.
func dnsTestUnzstd(t *testing.T, src, dst string) {
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := zstd.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
