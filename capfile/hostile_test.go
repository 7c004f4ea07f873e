package capfile

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Bundles an attacker shaped: what Open must refuse, or read once and say so.

// editManifest rewrites dir's manifest through fn.
func editManifest(t *testing.T, dir string, fn func(m *Manifest)) {
	t.Helper()
	m, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	fn(m)
	if err := writeManifest(dir, m); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRefusesFIFO(t *testing.T) {
	dir, _ := writeBundle(t, 100, WriterOptions{})
	name := "events-000001.zst"
	seg := filepath.Join(dir, name)
	if err := os.Remove(seg); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(seg, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := Open(dir, ReaderOptions{NoVerify: true})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), name) {
			t.Fatalf("FIFO data file: %v, want ErrNotRegular naming %s", err, name)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Open hangs on a FIFO in place of a data file")
	}
}

func TestOpenRefusesSymlinks(t *testing.T) {
	dir, _ := writeBundle(t, 100, WriterOptions{})
	name := "events-000001.zst"
	seg := filepath.Join(dir, name)
	outside := filepath.Join(t.TempDir(), "elsewhere.zst")
	if err := os.Rename(seg, outside); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, seg); err != nil {
		t.Fatal(err)
	}
	// The manifest's hash matches the file the link points to: it must still not be read.
	if _, err := Open(dir, ReaderOptions{}); !errors.Is(err, ErrNotRegular) {
		t.Fatalf("symlinked data file: %v, want ErrNotRegular", err)
	}
	if _, err := Open(dir, ReaderOptions{NoVerify: true}); !errors.Is(err, ErrNotRegular) {
		t.Fatalf("symlinked data file, --no-verify: %v, want ErrNotRegular", err)
	}

	dir2, _ := writeBundle(t, 10, WriterOptions{})
	man := filepath.Join(dir2, ManifestName)
	moved := filepath.Join(t.TempDir(), ManifestName)
	if err := os.Rename(man, moved); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(moved, man); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir2, ReaderOptions{}); !errors.Is(err, ErrNotRegular) {
		t.Fatalf("symlinked manifest: %v, want ErrNotRegular", err)
	}
}

func TestOpenFileListedTwice(t *testing.T) {
	dir, want := writeBundle(t, 200, WriterOptions{})
	editManifest(t, dir, func(m *Manifest) { m.Files = append(m.Files, m.Files[0]) })
	if _, err := Open(dir, ReaderOptions{}); !errors.Is(err, ErrIntegrity) || !strings.Contains(err.Error(), "listed twice") {
		t.Fatalf("file listed twice: %v, want ErrIntegrity", err)
	}
	b, err := Open(dir, ReaderOptions{NoVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err := readAll(t, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("read %d records, the capture holds %d", len(got), len(want))
	}
	if b.Verified || len(b.Problems()) == 0 {
		t.Errorf("a doubled listing read without a problem: verified %v, problems %v", b.Verified, b.Problems())
	}
}

func TestOpenFailedAndImplausibleClocks(t *testing.T) {
	dir, _ := writeBundle(t, 10, WriterOptions{})
	editManifest(t, dir, func(m *Manifest) {
		m.Status, m.StopReason = StatusFailed, "no space left on device"
		m.Anchors = []ClockAnchor{{Boottime: 1, Wall: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}}
	})
	b, err := Open(dir, ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, p := range b.Problems() {
		all = append(all, p.String())
	}
	text := strings.Join(all, "\n")
	if !strings.Contains(text, "status failed") || !strings.Contains(text, "no space left on device") ||
		!strings.Contains(text, "9999-01-01") {
		t.Fatalf("problems:\n%s", text)
	}
}

func TestTotalLostSaturates(t *testing.T) {
	m := &Manifest{Lost: []uint64{math.MaxUint64, math.MaxUint64}}
	if n, sat := m.TotalLost(); n != math.MaxUint64 || !sat {
		t.Fatalf("TotalLost = %d, %v", n, sat)
	}
	m.Lost = []uint64{3, 4}
	if n, sat := m.TotalLost(); n != 7 || sat {
		t.Fatalf("TotalLost = %d, %v", n, sat)
	}
}
