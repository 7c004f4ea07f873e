package capfile

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func newKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func pub(k ed25519.PrivateKey) ed25519.PublicKey { return k.Public().(ed25519.PublicKey) }

func TestSignedManifest(t *testing.T) {
	key := newKey(t)
	dir, _ := writeBundle(t, 300, WriterOptions{SignKey: key})

	b, err := Open(dir, ReaderOptions{VerifyKey: pub(key)})
	if err != nil {
		t.Fatalf("Open with the signing key's public half: %v", err)
	}
	if !b.Signature.Verified || b.Signature.Key != KeyFingerprint(pub(key)) {
		t.Fatalf("signature state %+v", b.Signature)
	}

	b, err = Open(dir, ReaderOptions{})
	if err != nil || !b.Signature.Present || b.Signature.Verified || b.Signature.Key != KeyFingerprint(pub(key)) {
		t.Fatalf("Open without a key: %v, %+v; want present, unverified, named", err, b.Signature)
	}

	other := newKey(t)
	if _, err := Open(dir, ReaderOptions{VerifyKey: pub(other)}); !errors.Is(err, ErrSignature) || !strings.Contains(err.Error(), "signed by key") {
		t.Errorf("Open with another key: %v, want ErrSignature naming the signer", err)
	}

	// Whoever edits the manifest (here: a forged host name) breaks the signature.
	editManifest(t, dir, func(m *Manifest) { m.Host = "innocent" })
	if _, err := Open(dir, ReaderOptions{VerifyKey: pub(key)}); !errors.Is(err, ErrSignature) || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("Open of an edited manifest: %v, want ErrSignature", err)
	}
	b, err = Open(dir, ReaderOptions{VerifyKey: pub(key), NoVerify: true})
	if err != nil || b.Verified || !hasProblem(b, SignatureName) {
		t.Errorf("--no-verify of an edited manifest: %v, verified %v, problems %v", err, b != nil && b.Verified, b.Problems())
	}

	if err := os.Remove(filepath.Join(dir, SignatureName)); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, ReaderOptions{VerifyKey: pub(key)}); !errors.Is(err, ErrSignature) || !strings.Contains(err.Error(), "not signed") {
		t.Errorf("Open without manifest.sig: %v, want ErrSignature", err)
	}
}

func hasProblem(b *Bundle, file string) bool {
	for _, p := range b.Problems() {
		if p.File == file {
			return true
		}
	}
	return false
}

func TestManifestSHA256(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bundle")
	w, err := Create(dir, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, ManifestName))
	if got, want := w.ManifestSHA256(), fmt.Sprintf("%x", sha256.Sum256(raw)); got != want {
		t.Fatalf("ManifestSHA256 %s, the file's digest %s", got, want)
	}
}

func TestHostileSignatureFiles(t *testing.T) {
	key := newKey(t)
	for name, content := range map[string][]byte{
		"empty":    nil,
		"not json": []byte("\x00\xff<script>"),
		"short":    []byte(`{"algorithm":"ed25519","key_sha256":"x","signature":"AAAA"}`),
		"other":    []byte(`{"algorithm":"rsa","signature":"` + strings.Repeat("A", 88) + `"}`),
		"huge":     bytes.Repeat([]byte(" "), maxSignature+10),
	} {
		t.Run(name, func(t *testing.T) {
			dir, _ := writeBundle(t, 10, WriterOptions{SignKey: key})
			os.WriteFile(filepath.Join(dir, SignatureName), content, 0o600)
			if _, err := Open(dir, ReaderOptions{VerifyKey: pub(key)}); !errors.Is(err, ErrSignature) {
				t.Errorf("with a key: %v, want ErrSignature", err)
			}
			b, err := Open(dir, ReaderOptions{})
			if err != nil || b.Signature.Problem == nil || b.Signature.Verified {
				t.Errorf("without a key: %v, %+v; want the problem noted, reading on", err, b.Signature)
			}
		})
	}
}

// OpenSSL makes and reads the same key files, and verifies saker's signature on its own: a
// responder can check a bundle's manifest without saker.
func TestSignatureWithOpenSSL(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	tmp := t.TempDir()
	priv, pubPath := filepath.Join(tmp, "case.key"), filepath.Join(tmp, "case.pub")
	run := func(args ...string) []byte {
		t.Helper()
		out, err := exec.Command("openssl", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("openssl %v: %v\n%s", args, err, out)
		}
		return out
	}
	run("genpkey", "-algorithm", "ed25519", "-out", priv)
	run("pkey", "-in", priv, "-pubout", "-out", pubPath)
	key, err := LoadSigningKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	vk, err := LoadVerifyKey(pubPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadVerifyKey(priv); err == nil {
		t.Error("LoadVerifyKey took a private key file")
	}
	dir, _ := writeBundle(t, 50, WriterOptions{SignKey: key})
	if _, err := Open(dir, ReaderOptions{VerifyKey: vk}); err != nil {
		t.Fatalf("Open with openssl's public key: %v", err)
	}
	der := run("pkey", "-pubin", "-in", pubPath, "-outform", "der")
	if got, want := KeyFingerprint(vk), fmt.Sprintf("sha256:%x", sha256.Sum256(der)); got != want {
		t.Errorf("fingerprint %s, openssl's DER digests to %s", got, want)
	}
	sigJSON, _ := os.ReadFile(filepath.Join(dir, SignatureName))
	var s Signature
	if err := json.Unmarshal(sigJSON, &s); err != nil {
		t.Fatal(err)
	}
	sigPath := filepath.Join(tmp, "manifest.sig.bin")
	os.WriteFile(sigPath, s.Signature, 0o600)
	run("pkeyutl", "-verify", "-pubin", "-inkey", pubPath, "-rawin", "-in", filepath.Join(dir, ManifestName), "-sigfile", sigPath)
}

func TestKeyFilesRoundTrip(t *testing.T) {
	key := newKey(t)
	privPEM, pubPEM, err := MarshalKeys(key)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	os.WriteFile(filepath.Join(tmp, "k"), privPEM, 0o600)
	os.WriteFile(filepath.Join(tmp, "k.pub"), pubPEM, 0o600)
	k2, err := LoadSigningKey(filepath.Join(tmp, "k"))
	if err != nil || !k2.Equal(key) {
		t.Fatalf("LoadSigningKey: %v", err)
	}
	p2, err := LoadVerifyKey(filepath.Join(tmp, "k.pub"))
	if err != nil || !p2.Equal(pub(key)) {
		t.Fatalf("LoadVerifyKey: %v", err)
	}
	os.WriteFile(filepath.Join(tmp, "junk"), []byte("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"), 0o600)
	if _, err := LoadVerifyKey(filepath.Join(tmp, "junk")); err == nil {
		t.Error("LoadVerifyKey took a malformed key")
	}
}
