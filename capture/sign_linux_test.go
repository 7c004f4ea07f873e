//go:build linux && amd64

package capture_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"saker/capfile"
	"saker/capture"
)

// TestSignedCapture: a capture with a signing key leaves a manifest.sig that verifies with
// the public key, and ends by printing the final manifest's SHA-256 for the case log.
func TestSignedCapture(t *testing.T) {
	requireSensor(t)
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "bundle")
	var status bytes.Buffer
	stop := startCapture(t, capture.Options{Dir: dir, NoDNS: true, SignKey: key, Status: &status})
	if err := exec.Command("true").Run(); err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatalf("capture: %v", err)
	}
	b, err := capfile.Open(dir, capfile.ReaderOptions{VerifyKey: key.Public().(ed25519.PublicKey)})
	if err != nil {
		t.Fatalf("the capture's own signature does not verify: %v", err)
	}
	if !b.Signature.Verified {
		t.Fatalf("signature %+v", b.Signature)
	}
	raw, err := os.ReadFile(filepath.Join(dir, capfile.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("manifest.json sha256 %x, signed by %s", sha256.Sum256(raw), capfile.KeyFingerprint(key.Public().(ed25519.PublicKey)))
	if !strings.Contains(status.String(), want) {
		t.Fatalf("status output lacks %q:\n%s", want, status.String())
	}
}
