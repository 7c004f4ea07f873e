package cli

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"saker/capfile"
)

// TestExtract writes a kept sample out 0600, refuses to overwrite, and reports a sample
// altered in the bundle as tampered without leaving a file behind.
func TestExtract(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cap")
	w, err := capfile.Create(dir, capfile.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("\x7fELF not really a miner "), 500)
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])
	f, err := w.SampleTemp()
	if err != nil {
		t.Fatal(err)
	}
	f.Write(data)
	f.Close()
	if _, err := w.KeepSample(f.Name(), capfile.Sample{SHA256: sha, Size: int64(len(data)), Path: "/tmp/x", Reason: "drift"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(t.TempDir(), "sample.bin")
	if code, _, errs := runCLI(t, "extract", dir, strings.ToUpper(sha), "-o", out); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	got, err := os.ReadFile(out)
	fi, _ := os.Stat(out)
	if err != nil || !bytes.Equal(got, data) || fi.Mode().Perm() != 0o600 {
		t.Errorf("extracted %d bytes, mode %v, %v", len(got), fi.Mode(), err)
	}
	if code, _, _ := runCLI(t, "extract", dir, sha, "-o", out); code != ExitError {
		t.Errorf("overwrite: exit %d", code)
	}
	if code, _, _ := runCLI(t, "extract", dir, "abc", "-o", out+"2"); code != ExitUsage {
		t.Errorf("bad hash: exit %d", code)
	}

	data[7] ^= 0x20
	os.WriteFile(filepath.Join(dir, capfile.SamplesDir, sha), data, 0o600)
	code, _, errs := runCLI(t, "extract", dir, sha, "-o", out+"3")
	if code != ExitError || !strings.Contains(errs, "tampered") {
		t.Errorf("tampered sample: exit %d, %s", code, errs)
	}
	if _, err := os.Stat(out + "3"); !os.IsNotExist(err) {
		t.Errorf("a tampered sample left %s behind", out+"3")
	}
}
