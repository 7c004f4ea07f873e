package cli

import (
	"bytes"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"saker/capfile"
	"saker/event"
)

// TestAnalyzeNamesFromSensorDNS: in the demo capture only the syscall sensor saw curl's
// lookup (AAAA www.google.com -> 2607:f8b0:4004:802::2004 from 2001:4860:4860::8888); the
// connection is named from it, and the database keeps the answer with the process.
func TestAnalyzeNamesFromSensorDNS(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.duckdb")
	code, out, errs := runCLI(t, "analyze", demoScap, "-r", "testdata/curl_rule.yaml", "--db", db, "--progress=false")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "server=2607:f8b0:4004:802::2004 port=80 name=www.google.com ") {
		t.Fatalf("connection not named:\n%s", out)
	}
	code, out, errs = runCLI(t, "query", db, "--format", "csv",
		"SELECT d.qname, d.qtype, d.answers[1], d.resolver, d.pid, p.exe FROM dns d JOIN processes p ON p.capture_id = d.capture_id AND p.process_key = d.process_key")
	if code != 0 {
		t.Fatalf("query exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "www.google.com,AAAA,2607:f8b0:4004:802::2004,[2001:4860:4860::8888]:53,17497,") ||
		!strings.Contains(out, "curl") || strings.Count(out, "www.google.com") != 1 {
		t.Fatalf("dns rows:\n%s", out)
	}
}

// bundleDNSRules names the server of connections and reports answers.
const bundleDNSRules = `
- rule: Test Connect
  desc: t
  condition: evt.type = connect and fd.sport = 3333
  output: connect at=%evt.num name=%fd.sip.name
  priority: WARNING
- rule: Test DNS
  desc: t
  condition: evt.type = dns and dns.response = true
  output: dns query=%dns.query.name answers=%dns.answer.ip sensor=%dns.from_sensor proc=%proc.name
  priority: NOTICE
`

// TestAnalyzeBundlePacketDNSByTime writes a bundle whose only DNS is a packet answer in its
// dns data file, half a second (on the manifest's clock anchor) between two connections to
// the answered address: only the later one is named, and the answer is a dns event.
func TestAnalyzeBundlePacketDNSByTime(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bundle")
	w, err := capfile.Create(dir, capfile.WriterOptions{SakerVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	wall0 := time.Unix(1700000000, 0).UTC()
	const boot0 = uint64(time.Second) // CLOCK_BOOTTIME at wall0
	w.UpdateManifest(func(m *capfile.Manifest) {
		m.Anchors = []capfile.ClockAnchor{{Boottime: boot0, Wall: wall0}}
	})
	server := netip.MustParseAddrPort("198.51.100.7:3333")
	for i, at := range []uint64{boot0 - uint64(500*time.Millisecond), boot0 + uint64(500*time.Millisecond)} {
		fd := int64(10 + i)
		sock := event.Event{Kind: event.KindSocket, PID: 4000, TID: 4000, Res: fd}
		sock.SetArgs(event.Int(event.AFInet), event.Int(1), event.Int(0))
		tup := event.Tuple{Family: event.AFInet, Proto: event.ProtoTCP, Local: netip.MustParseAddrPort("10.0.0.5:40000"), Remote: server}
		conn := event.Event{Kind: event.KindConnect, PID: 4000, TID: 4000}
		conn.SetArgs(event.Int(fd), event.Bytes(event.Sockaddr{Family: event.AFInet, Addr: server}.AppendBinary(nil)),
			event.Bytes(tup.AppendBinary(nil)))
		for j, e := range []*event.Event{&sock, &conn} {
			e.TS = at + uint64(j)
			if err := w.WriteRecord(capfile.Record{Type: capfile.RecEvent, Version: capfile.EventVersion, TS: e.TS,
				Payload: capfile.AppendEvent(nil, e)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	df, err := w.CreateDataFile("dns", ".pcapng")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := df.Write(poolAnswerPcapng(t, wall0)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rules := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(rules, []byte(bundleDNSRules), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "analyze", dir, "--no-default-rules", "-r", rules, "--progress=false")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := []string{
		"connect at=2 name=<NA>",
		"connect at=4 name=pool.supportxmr.com",
		"dns query=pool.supportxmr.com answers=198.51.100.7 sensor=false proc=<NA>",
	}
	if len(lines) != len(want) {
		t.Fatalf("findings:\n%s\nstderr:\n%s", out, errs)
	}
	for i, l := range lines {
		if !strings.HasSuffix(l, want[i]) {
			t.Errorf("finding %d: %q, want suffix %q", i, l, want[i])
		}
	}
	// The dns finding is at the answer's time.
	if !strings.HasPrefix(lines[2], wall0.Local().Format("15:04:05.000000000")) {
		t.Errorf("dns finding time: %q, want %s", lines[2], wall0.Local().Format("15:04:05"))
	}
}

// poolAnswerPcapng is a pcapng image of one Ethernet/IPv4/UDP frame at ts: the answer
// pool.supportxmr.com A 198.51.100.7 (TTL 300) from 10.0.0.2:53 to 10.0.0.5:41000, built
// with gopacket's serializers.
func poolAnswerPcapng(t *testing.T, ts time.Time) []byte {
	t.Helper()
	dns := &layers.DNS{ID: 0x4242, QR: true, RD: true, RA: true,
		Questions: []layers.DNSQuestion{{Name: []byte("pool.supportxmr.com"), Type: layers.DNSTypeA, Class: layers.DNSClassIN}},
		Answers: []layers.DNSResourceRecord{{Name: []byte("pool.supportxmr.com"), Type: layers.DNSTypeA,
			Class: layers.DNSClassIN, TTL: 300, IP: net.ParseIP("198.51.100.7").To4()}}}
	return udp53Pcapng(t, ts, dns)
}

// udp53Pcapng is a pcapng image of one Ethernet/IPv4/UDP frame from 10.0.0.2:53 to
// 10.0.0.5:41000 at ts, carrying payload.
func udp53Pcapng(t *testing.T, ts time.Time, payload gopacket.SerializableLayer) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1},
		EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP,
		SrcIP: net.ParseIP("10.0.0.2").To4(), DstIP: net.ParseIP("10.0.0.5").To4()}
	udp := &layers.UDP{SrcPort: 53, DstPort: 41000}
	udp.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		eth, ip, udp, payload); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	pw, err := pcapgo.NewNgWriter(&b, layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	frame := buf.Bytes()
	if err := pw.WritePacket(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(frame), Length: len(frame)}, frame); err != nil {
		t.Fatal(err)
	}
	if err := pw.Flush(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestDNSFileReplayedOnce: answers from a --dns file name addresses in every capture but
// become dns events, and so findings, once, not once per capture.
func TestDNSFileReplayedOnce(t *testing.T) {
	pcap := "../../../shared/corpus/pcap/zeek-cryptomining/coinhive.pcap"
	if _, err := os.Stat(pcap); err != nil {
		t.Skipf("corpus pcap not found beside the checkout: %v", err)
	}
	count := func(captures ...string) int {
		args := append([]string{"analyze"}, captures...)
		args = append(args, "--no-default-rules", "-r", "testdata/dns_lookup_rule.yaml", "--dns", pcap, "--progress=false")
		code, out, errs := runCLI(t, args...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		return strings.Count(out, "lookup of authedmine.com")
	}
	one := count(demoScap)
	if one == 0 {
		t.Fatal("no lookup findings from the --dns file")
	}
	if two := count(demoScap, demoScap); two != one {
		t.Fatalf("%d findings with two captures, %d with one: --dns replayed per capture", two, one)
	}
}
