package capfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"saker/event"
)

// writeBundle writes n events of the mixed profile and returns the directory and the
// payloads written, in order.
func writeBundle(t testing.TB, n int, opts WriterOptions) (string, [][]byte) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "bundle")
	w, err := Create(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	w.UpdateManifest(func(m *Manifest) { m.Host = "victim-1"; m.Kernel = "6.1.0" })
	m := newMix("mixed", 1)
	var e event.Event
	var payloads [][]byte
	for range n {
		m.next(&e)
		p := AppendEvent(nil, &e)
		payloads = append(payloads, p)
		if err := w.WriteRecord(Record{Type: RecEvent, Version: EventVersion, TS: e.TS, Payload: p}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, payloads
}

func readAll(t testing.TB, b *Bundle) ([][]byte, error) {
	t.Helper()
	rr := b.Records()
	defer rr.Close()
	var got [][]byte
	var r Record
	for {
		err := rr.Next(&r)
		if err == io.EOF {
			return got, nil
		}
		if err != nil {
			return got, err
		}
		got = append(got, append([]byte{}, r.Payload...))
	}
}

func TestRoundTrip(t *testing.T) {
	dir, want := writeBundle(t, 5000, WriterOptions{FlushBytes: 16 << 10, SegmentBytes: 40 << 10})
	b, err := Open(dir, ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !b.Verified || len(b.Problems()) != 0 {
		t.Fatalf("verified=%v problems=%v", b.Verified, b.Problems())
	}
	m := b.Manifest
	if m.Status != StatusStopped || m.Host != "victim-1" || len(m.Anchors) < 2 || m.Stop.IsZero() {
		t.Fatalf("manifest: %+v", m)
	}
	if len(m.Files) < 2 {
		t.Fatalf("expected rotation into several segments, got %d files", len(m.Files))
	}
	for _, f := range m.Files {
		if !f.Complete || len(f.SHA256) != 64 {
			t.Errorf("file entry %+v", f)
		}
		st, err := os.Stat(filepath.Join(dir, f.Name))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 || st.Size() != f.Size {
			t.Errorf("%s: mode %v size %d (manifest %d)", f.Name, st.Mode().Perm(), st.Size(), f.Size)
		}
	}
	got, err := readAll(t, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("read %d records, wrote %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("record %d differs", i)
		}
	}
	// The generic event encoding decodes back to the event.
	var e event.Event
	if err := DecodeEvent(got[0], &e); err != nil || !e.Kind.Valid() {
		t.Fatalf("DecodeEvent: %v %v", err, e.Kind)
	}
}

func TestCreateRefusesNonEmptyDir(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "evidence.txt"), []byte("x"), 0o600)
	if _, err := Create(dir, WriterOptions{}); !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("Create on non-empty dir: %v, want ErrNotEmpty", err)
	}
}

func TestMaxBytes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "b")
	w, err := Create(dir, WriterOptions{MaxBytes: 20 << 10})
	if err != nil {
		t.Fatal(err)
	}
	m := newMix("mixed", 2)
	var e event.Event
	var werr error
	for i := 0; i < 1_000_000 && werr == nil; i++ {
		m.next(&e)
		werr = w.WriteRecord(Record{Type: RecEvent, Version: EventVersion, TS: e.TS, Payload: AppendEvent(nil, &e)})
	}
	if !errors.Is(werr, ErrFull) {
		t.Fatalf("writing past MaxBytes: %v, want ErrFull", werr)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := Open(dir, ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if b.Manifest.Status != StatusStopped || b.Manifest.StopReason == "" {
		t.Fatalf("manifest status %q reason %q", b.Manifest.Status, b.Manifest.StopReason)
	}
	var size int64
	for _, f := range b.Manifest.Files {
		size += f.Size
	}
	// One frame may cross the cap; frames are at most MaxBytes/4 before compression.
	if size > 2*(20<<10) {
		t.Fatalf("bundle of %d bytes for a cap of %d", size, 20<<10)
	}
}

func TestDataFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "b")
	w, err := Create(dir, WriterOptions{FlushBytes: 1 << 10})
	if err != nil {
		t.Fatal(err)
	}
	d, err := w.CreateDataFile("dns", ".pcapng")
	if err != nil {
		t.Fatal(err)
	}
	var want []byte
	for i := range 500 {
		chunk := bytes.Repeat([]byte{byte(i)}, i%37+1)
		want = append(want, chunk...)
		d.Write(chunk)
		if err := d.MaybeFlush(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := Open(dir, ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fe, ok := b.Manifest.File("dns-000001.pcapng.zst")
	if !ok || fe.Kind != "dns" || !fe.Complete {
		t.Fatalf("dns file entry: %+v %v", fe, ok)
	}
	rc, err := b.OpenData(fe.Name)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("data file content: err %v, %d bytes, want %d", err, len(got), len(want))
	}
	if _, err := w.CreateDataFile("../x", ".pcapng"); err == nil {
		t.Fatal("CreateDataFile accepted a path as kind")
	}
}

func TestNewerFormatRefused(t *testing.T) {
	dir, _ := writeBundle(t, 10, WriterOptions{})
	p := filepath.Join(dir, ManifestName)
	b, _ := os.ReadFile(p)
	b = bytes.Replace(b, []byte(fmt.Sprintf(`"format_version": %d`, FormatVersion)), []byte(`"format_version": 99`), 1)
	os.WriteFile(p, b, 0o600)
	if _, err := Open(dir, ReaderOptions{}); !errors.Is(err, ErrVersion) {
		t.Fatalf("Open of a newer format: %v, want ErrVersion", err)
	}
}

func TestManifestWall(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	m := Manifest{Anchors: []ClockAnchor{{Boottime: 1000, Wall: t0}, {Boottime: 61_000_001_000, Wall: t0.Add(time.Minute + 5*time.Millisecond)}}}
	if got := m.Wall(1000 + 1500); !got.Equal(t0.Add(1500)) {
		t.Errorf("Wall near first anchor = %v", got)
	}
	if got := m.Wall(61_000_001_000 + 10); !got.Equal(t0.Add(time.Minute + 5*time.Millisecond + 10)) {
		t.Errorf("Wall after second anchor = %v (drift must use the later anchor)", got)
	}
	if got := m.Boottime(t0.Add(2000)); got != 3000 {
		t.Errorf("Boottime = %d, want 3000", got)
	}
}

// TestZstdTool checks that a data file is a plain zstd stream for the zstd command line tool:
// responders decompress DNS segments with `zstd -d` and open them in Wireshark.
func TestZstdTool(t *testing.T) {
	zstdBin, err := exec.LookPath("zstd")
	if err != nil {
		t.Skip("zstd command not installed (make deps installs it)")
	}
	dir := filepath.Join(t.TempDir(), "b")
	w, _ := Create(dir, WriterOptions{})
	d, _ := w.CreateDataFile("dns", ".pcapng")
	want := bytes.Repeat([]byte("pcapng block "), 1000)
	d.Write(want[:5000])
	d.Flush()
	d.Write(want[5000:])
	w.Close()
	out, err := exec.Command(zstdBin, "-d", "-c", filepath.Join(dir, "dns-000001.pcapng.zst")).Output()
	if err != nil {
		t.Fatalf("zstd -d: %v", err)
	}
	if !bytes.Equal(out, want) {
		t.Fatalf("zstd -d gave %d bytes, want %d", len(out), len(want))
	}
}
