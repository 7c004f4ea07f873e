package capfile

import (
	"crypto/rand"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestDiskFull fills a real, small tmpfs: the writer must stop with the disk's error, and the
// bundle must end with a final manifest (status failed, the reason said) whose files verify
// and read up to the last complete frame.
func TestDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs (run: sudo go test ./capfile/)")
	}
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("mount tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", mnt).Run() })
	dir := filepath.Join(mnt, "cap")
	w, err := Create(dir, WriterOptions{FlushBytes: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	payload := make([]byte, 4096)
	var werr error
	n := 0
	for ; n < 10_000 && werr == nil; n++ {
		rand.Read(payload) // incompressible, so the disk fills fast
		werr = w.WriteRecord(Record{Type: RecStats, TS: uint64(n), Payload: payload})
		if werr == nil && n%16 == 0 {
			werr = w.Flush()
		}
	}
	if !errors.Is(werr, syscall.ENOSPC) {
		t.Fatalf("after %d records: %v, want ENOSPC", n, werr)
	}
	if err := w.Close(); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Close: %v, want the ENOSPC that stopped the writer", err)
	}
	m, err := ReadManifest(dir)
	if err != nil {
		t.Fatalf("final manifest: %v", err)
	}
	if m.Status != StatusFailed || !strings.Contains(m.StopReason, "no space left") || m.Stop.IsZero() {
		t.Fatalf("manifest status %q reason %q stop %v", m.Status, m.StopReason, m.Stop)
	}
	b, err := Open(dir, ReaderOptions{})
	if err != nil {
		t.Fatalf("open the full bundle: %v", err)
	}
	got, err := readAll(t, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 || len(got) >= n {
		t.Fatalf("read %d records of %d written before the disk filled", len(got), n)
	}
	if _, err := os.Stat(filepath.Join(dir, reserveName)); !os.IsNotExist(err) {
		t.Fatalf("manifest reserve left behind: %v", err)
	}
}
