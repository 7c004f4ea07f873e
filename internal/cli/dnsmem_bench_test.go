package cli

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// writeDNSAnswersPcap writes n DNS responses (each a distinct name with two addresses),
// one every 10 ms from start, as a pcap file of Ethernet/IPv4/UDP frames.
func writeDNSAnswersPcap(tb testing.TB, path string, n int, start time.Time) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65536, layers.LinkTypeEthernet); err != nil {
		tb.Fatal(err)
	}
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1},
		EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP,
		SrcIP: net.ParseIP("192.0.2.53").To4(), DstIP: net.ParseIP("192.0.2.5").To4()}
	udp := &layers.UDP{SrcPort: 53, DstPort: 41000}
	udp.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	for i := range n {
		name := []byte(fmt.Sprintf("host-%d.pool-%d.example", i, i%97))
		d := &layers.DNS{ID: uint16(i), QR: true, RD: true, RA: true,
			Questions: []layers.DNSQuestion{{Name: name, Type: layers.DNSTypeA, Class: layers.DNSClassIN}},
			Answers: []layers.DNSResourceRecord{
				{Name: name, Type: layers.DNSTypeA, Class: layers.DNSClassIN, TTL: 300, IP: net.IPv4(198, 51, 100, byte(i)).To4()},
				{Name: name, Type: layers.DNSTypeA, Class: layers.DNSClassIN, TTL: 300, IP: net.IPv4(203, 0, 113, byte(i>>8)).To4()}}}
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
			eth, ip, udp, d); err != nil {
			tb.Fatal(err)
		}
		ts := start.Add(time.Duration(i) * 10 * time.Millisecond)
		frame := buf.Bytes()
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(frame), Length: len(frame)}, frame); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkAnalyzeDNSFileMemory measures `saker analyze` of a small capture with a large
// --dns file (300k answers, like a day of a busy resolver's port 53): the peak RSS of the
// saker process and its CPU time, from the child's rusage. SAKER_BIN names the binary to
// measure (default: one built from this tree).
func BenchmarkAnalyzeDNSFileMemory(b *testing.B) {
	dir := b.TempDir()
	pcap := filepath.Join(dir, "answers.pcap")
	writeDNSAnswersPcap(b, pcap, 300_000, time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC))
	st, _ := os.Stat(pcap)
	bin := os.Getenv("SAKER_BIN")
	if bin == "" {
		bin = filepath.Join(dir, "saker")
		if out, err := exec.Command("go", "build", "-o", bin, "saker/cmd/saker").CombinedOutput(); err != nil {
			b.Fatalf("go build: %v\n%s", err, out)
		}
	}
	b.ResetTimer()
	var maxRSS int64
	var cpu time.Duration
	for range b.N {
		cmd := exec.Command(bin, "analyze", "../../testdata/captures/lab-host", "--dns", pcap, "--progress=false", "-q")
		if out, err := cmd.CombinedOutput(); err != nil {
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() > 4 {
				b.Fatalf("saker analyze: %v\n%s", err, out)
			}
		}
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		maxRSS = max(maxRSS, ru.Maxrss*1024)
		cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	b.ReportMetric(float64(maxRSS)/(1<<20), "peak-RSS-MiB")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "CPU-s/op")
	b.ReportMetric(float64(st.Size())/(1<<20), "pcap-MiB")
}
