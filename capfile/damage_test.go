package capfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// frameEnds returns the offsets at which the frames of a segment end, after the header, and
// the records each frame holds.
func frameEnds(t *testing.T, seg []byte) (ends []int, recs []int) {
	t.Helper()
	off := 8 + int(binary.LittleEndian.Uint32(seg[4:]))
	ends = append(ends, off)
	recs = append(recs, 0)
	for off < len(seg) {
		comp := int(binary.LittleEndian.Uint32(seg[off+8:]))
		n := int(binary.LittleEndian.Uint32(seg[off+16:]))
		off += 8 + metaSize + comp
		ends = append(ends, off)
		recs = append(recs, n)
	}
	return ends, recs
}

// copyBundle copies dir's manifest into a new directory with seg as its one event segment.
func copyBundle(t *testing.T, dir, name string, seg []byte) string {
	t.Helper()
	out := t.TempDir()
	man, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(out, ManifestName), man, 0o600)
	os.WriteFile(filepath.Join(out, name), seg, 0o600)
	return out
}

// TestTruncateEveryOffset cuts a real segment at every byte offset: the reader must return
// exactly the records of the complete frames before the cut and report the truncation.
func TestTruncateEveryOffset(t *testing.T) {
	dir, want := writeBundle(t, 120, WriterOptions{FlushBytes: 1 << 10, SegmentBytes: 1 << 30})
	name := "events-000001.zst"
	seg, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	ends, recs := frameEnds(t, seg)
	if len(ends) < 5 {
		t.Fatalf("want several frames, got %d", len(ends)-1)
	}
	scratch := copyBundle(t, dir, name, seg)
	for k := 0; k <= len(seg); k++ {
		if err := os.WriteFile(filepath.Join(scratch, name), seg[:k], 0o600); err != nil {
			t.Fatal(err)
		}
		if k < len(seg) {
			if _, err := Open(scratch, ReaderOptions{}); !errors.Is(err, ErrIntegrity) || !strings.Contains(err.Error(), name) {
				t.Fatalf("cut at %d: Open without --no-verify: %v, want ErrIntegrity naming %s", k, err, name)
			}
		}
		b, err := Open(scratch, ReaderOptions{NoVerify: true})
		if err != nil {
			t.Fatalf("cut at %d: %v", k, err)
		}
		got, err := readAll(t, b)
		if err != nil {
			t.Fatalf("cut at %d: %v", k, err)
		}
		expect, boundary := 0, false
		for i, end := range ends {
			if end <= k {
				expect += recs[i]
			}
			boundary = boundary || end == k
		}
		if len(got) != expect {
			t.Fatalf("cut at %d: read %d records, want %d", k, len(got), expect)
		}
		for i := range got {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("cut at %d: record %d differs", k, i)
			}
		}
		truncated := false
		for _, p := range b.Problems() {
			truncated = truncated || errors.Is(p.Err, ErrTruncated)
		}
		if !boundary && !truncated {
			t.Fatalf("cut at %d inside a frame: no truncation reported (problems %v)", k, b.Problems())
		}
	}
}

// TestBitFlips flips one bit in every byte of a segment: verification must name the file;
// unverified reading must return the original records less whole damaged frames, each loss
// reported with the file named, or stop with a clear error; a flip in a field that carries no
// data loses nothing.
func TestBitFlips(t *testing.T) {
	dir, want := writeBundle(t, 60, WriterOptions{FlushBytes: 1 << 10})
	name := "events-000001.zst"
	seg, _ := os.ReadFile(filepath.Join(dir, name))
	_, recs := frameEnds(t, seg)
	scratch := copyBundle(t, dir, name, seg)
	for i := range seg {
		bad := bytes.Clone(seg)
		bad[i] ^= 1 << (i % 8)
		os.WriteFile(filepath.Join(scratch, name), bad, 0o600)
		if _, err := Open(scratch, ReaderOptions{}); !errors.Is(err, ErrIntegrity) || !strings.Contains(err.Error(), name) {
			t.Fatalf("flip at %d: %v, want ErrIntegrity naming the file", i, err)
		}
		b, err := Open(scratch, ReaderOptions{NoVerify: true})
		if err != nil {
			t.Fatalf("flip at %d: Open --no-verify: %v", i, err)
		}
		if b.Verified || len(b.Problems()) == 0 {
			t.Fatalf("flip at %d: unverified read not reported", i)
		}
		got, err := readAll(t, b)
		// got must be want with whole frames left out.
		pos, start := 0, 0
		for _, n := range recs {
			if pos+n <= len(got) && n > 0 && recordsEqual(got[pos:pos+n], want[start:start+n]) {
				pos += n
			}
			start += n
		}
		if pos != len(got) {
			t.Fatalf("flip at %d: the records read are not the originals less whole frames", i)
		}
		if err != nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrVersion) {
			t.Fatalf("flip at %d: error %v is neither ErrCorrupt nor ErrVersion", i, err)
		}
		if err != nil && !strings.Contains(err.Error(), name) {
			t.Fatalf("flip at %d: error %q does not name the file", i, err)
		}
		if err == nil && len(got) < len(want) {
			reported := false
			for _, p := range b.Problems() {
				reported = reported || (p.File == name && (errors.Is(p.Err, ErrCorrupt) || errors.Is(p.Err, ErrTruncated)))
			}
			if !reported {
				t.Fatalf("flip at %d: %d records lost without a problem naming the file: %v", i, len(want)-len(got), b.Problems())
			}
		}
	}
}

func recordsEqual(a, b [][]byte) bool {
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// TestSIGKILL kills a real writing process and reads what it left.
func TestSIGKILL(t *testing.T) {
	if os.Getenv("SAKER_CAPFILE_KILL_DIR") != "" {
		return // running as the child: see TestKillChild
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := filepath.Join(t.TempDir(), "killed")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$")
	cmd.Env = append(os.Environ(), "SAKER_CAPFILE_KILL_DIR="+dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(800 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	b, err := Open(dir, ReaderOptions{})
	if err != nil {
		t.Fatalf("open killed bundle: %v", err)
	}
	if b.Manifest.Status != StatusRunning {
		t.Fatalf("status %q, want running", b.Manifest.Status)
	}
	got, err := readAll(t, b)
	if err != nil {
		t.Fatalf("read killed bundle: %v", err)
	}
	if len(got) < 100 {
		t.Fatalf("read only %d records from a capture that flushed every 20ms for ~800ms", len(got))
	}
	t.Logf("read %d records, problems: %v", len(got), b.Problems())
}

func TestKillChild(t *testing.T) {
	dir := os.Getenv("SAKER_CAPFILE_KILL_DIR")
	if dir == "" {
		t.Skip("child of TestSIGKILL")
	}
	w, err := Create(dir, WriterOptions{FlushInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	m := newMix("mixed", 3)
	for i := 0; ; i++ {
		var e = newEvent()
		m.next(e)
		if err := w.WriteRecord(Record{Type: RecEvent, Version: EventVersion, TS: e.TS, Payload: AppendEvent(nil, e)}); err != nil {
			t.Fatal(err)
		}
		if i%50 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
}

func TestOpenData(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "b")
	w, _ := Create(dir, WriterOptions{})
	d, _ := w.CreateDataFile("dns", ".pcapng")
	d.Write([]byte("abc"))
	d.Flush()
	d.Write([]byte("def"))
	w.Close()
	b, err := Open(dir, ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := b.OpenData("dns-000001.pcapng.zst")
	got, _ := io.ReadAll(rc)
	if string(got) != "abcdef" {
		t.Fatalf("got %q", got)
	}
}
