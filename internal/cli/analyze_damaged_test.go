package cli

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// TestAnalyzeDNSFileCutShort: a --dns pcap cut inside its second packet (tcpdump killed
// mid-write) still serves the answer before the cut; the analysis goes on and warns.
func TestAnalyzeDNSFileCutShort(t *testing.T) {
	ts := time.Unix(1700000000, 0)
	ng, err := pcapgo.NewNgReader(bytes.NewReader(poolAnswerPcapng(t, ts)), pcapgo.DefaultNgReaderOptions)
	if err != nil {
		t.Fatal(err)
	}
	frame, _, err := ng.ReadPacketData()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	w := pcapgo.NewWriter(&b)
	if err := w.WriteFileHeader(65536, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		ci := gopacket.CaptureInfo{Timestamp: ts.Add(time.Duration(i) * time.Second), CaptureLength: len(frame), Length: len(frame)}
		if err := w.WritePacket(ci, frame); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "cut.pcap")
	if err := os.WriteFile(path, b.Bytes()[:b.Len()-10], 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, "analyze", demoScap, "--dns", path, "--progress=false")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(errs, "saker: warning: --dns "+path+": packet 2: ") ||
		!strings.Contains(errs, "unexpected EOF") || !strings.Contains(errs, "with the 1 DNS messages before it") {
		t.Fatalf("no warning about the cut --dns file:\n%s", errs)
	}
	if !strings.Contains(errs, "events from ") {
		t.Fatalf("not analyzed:\n%s", errs)
	}
}

// TestAnalyzeDNSFileNotACapture: a --dns file that is no capture at all is an error.
func TestAnalyzeDNSFileNotACapture(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(path, []byte("not a capture file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCLI(t, "analyze", demoScap, "--dns", path, "--progress=false"); code == 0 {
		t.Fatalf("exit 0 for a --dns text file: %s", errs)
	}
}

// TestAnalyzeScapCutShort: a .scap cut inside its last block is analyzed up to the cut, and
// the warnings say so.
func TestAnalyzeScapCutShort(t *testing.T) {
	f, err := os.Open(demoScap)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cut.scap")
	if err := os.WriteFile(path, raw[:len(raw)-100], 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, "analyze", path, "--progress=false")
	if code != ExitDamaged || !strings.Contains(errs, "input damaged or incomplete") {
		t.Fatalf("exit %d, want %d (damaged): %s", code, ExitDamaged, errs)
	}
	if !strings.Contains(errs, "saker: warning: "+path+": ") || !strings.Contains(errs, "truncated") {
		t.Fatalf("no warning about the truncation:\n%s", errs)
	}
}
