package cli

import (
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"saker/capfile"
)

// writeKeys writes a fresh key pair as PEM files and returns their paths.
func writeKeys(t *testing.T) (ed25519.PrivateKey, string, string) {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	priv, pub, err := capfile.MarshalKeys(k)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pp, pubp := filepath.Join(dir, "case.key"), filepath.Join(dir, "case.pub")
	if err := os.WriteFile(pp, priv, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pubp, pub, 0o600); err != nil {
		t.Fatal(err)
	}
	return k, pp, pubp
}

func TestAnalyzeVerifyKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "lab-host")
	if err := os.CopyFS(dir, os.DirFS("../../testdata/captures/lab-host")); err != nil {
		t.Fatal(err)
	}
	key, _, pub := writeKeys(t)
	_, _, otherPub := writeKeys(t)

	// Unsigned: --verify-key refuses it, plain analyze says nothing of signatures.
	if code, _, errs := runCLI(t, "analyze", dir, "--verify-key", pub, "--progress=false"); code != 1 || !strings.Contains(errs, "not signed") {
		t.Fatalf("unsigned bundle with --verify-key: exit %d\n%s", code, errs)
	}
	if err := capfile.SignManifest(dir, key); err != nil {
		t.Fatal(err)
	}
	fp := capfile.KeyFingerprint(key.Public().(ed25519.PublicKey))
	code, _, errs := runCLI(t, "analyze", dir, "--verify-key", pub, "--progress=false")
	if code != 0 || !strings.Contains(errs, "manifest signature verified, key "+fp) {
		t.Fatalf("signed bundle: exit %d\n%s", code, errs)
	}
	code, _, errs = runCLI(t, "analyze", dir, "--progress=false")
	if code != 0 || !strings.Contains(errs, "signed by key "+fp+", not checked") {
		t.Fatalf("signed bundle without --verify-key: exit %d\n%s", code, errs)
	}
	if code, _, errs := runCLI(t, "analyze", dir, "--verify-key", otherPub, "--progress=false"); code != 1 || !strings.Contains(errs, "signed by key "+fp) {
		t.Fatalf("another key: exit %d\n%s", code, errs)
	}

	// A forged manifest (the host renamed) no longer matches its signature.
	mp := filepath.Join(dir, capfile.ManifestName)
	raw, _ := os.ReadFile(mp)
	m, _ := capfile.ReadManifest(dir)
	forged := strings.Replace(string(raw), `"host": "`+m.Host+`"`, `"host": "innocent"`, 1)
	if forged == string(raw) {
		t.Fatal("test did not change the manifest")
	}
	os.WriteFile(mp, []byte(forged), 0o600)
	if code, _, errs := runCLI(t, "analyze", dir, "--verify-key", pub, "--progress=false"); code != 1 || !strings.Contains(errs, "does not match") {
		t.Fatalf("forged manifest: exit %d\n%s", code, errs)
	}
	code, _, errs = runCLI(t, "analyze", dir, "--verify-key", pub, "--no-verify", "--progress=false")
	if code != ExitDamaged || !strings.Contains(errs, "manifest signature NOT verified") {
		t.Fatalf("forged manifest with --no-verify: exit %d, want %d\n%s", code, ExitDamaged, errs)
	}

	// Other inputs carry no signature: asking for one is refused.
	if code, _, errs := runCLI(t, "analyze", demoScap, "--verify-key", pub, "--progress=false"); code != 1 || !strings.Contains(errs, "no manifest signature") {
		t.Fatalf(".scap with --verify-key: exit %d\n%s", code, errs)
	}
	if code, _, errs := runCLI(t, "analyze", dir, "--verify-key", mp, "--progress=false"); code != 2 {
		t.Fatalf("--verify-key of a file that is no key: exit %d\n%s", code, errs)
	}
}
