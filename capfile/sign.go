package capfile

import (
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// SignatureName is the file, beside manifest.json, that holds the manifest's signature.
const SignatureName = "manifest.sig"

// maxKeyFile and maxSignature bound what is read of a key file and a signature file.
const (
	maxKeyFile   = 64 << 10
	maxSignature = 64 << 10
)

// ErrSignature: the manifest's signature is missing, malformed, by another key, or does not
// match the manifest.
var ErrSignature = errors.New("manifest signature check failed")

// Signature is the content of manifest.sig: an ed25519 signature over the exact bytes of
// manifest.json, which lists every data file with its SHA-256, so it vouches for the bundle.
type Signature struct {
	Algorithm      string `json:"algorithm"`       // "ed25519"
	Key            string `json:"key_sha256"`      // KeyFingerprint of the signing key's public half
	ManifestSHA256 string `json:"manifest_sha256"` // of the signed bytes, to tell a stale signature
	Signature      []byte `json:"signature"`       // 64 bytes, base64 in JSON
}

// LoadSigningKey reads an ed25519 private key from a PEM file holding a PKCS#8 "PRIVATE KEY"
// block, the form `openssl genpkey -algorithm ed25519` writes.
func LoadSigningKey(path string) (ed25519.PrivateKey, error) {
	der, err := readPEM(path, "PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ek, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: a %T, want an ed25519 key", path, k)
	}
	return ek, nil
}

// LoadVerifyKey reads an ed25519 public key from a PEM file holding a PKIX "PUBLIC KEY" block,
// the form `openssl pkey -pubout` writes.
func LoadVerifyKey(path string) (ed25519.PublicKey, error) {
	der, err := readPEM(path, "PUBLIC KEY")
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ek, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%s: a %T, want an ed25519 key", path, k)
	}
	return ek, nil
}

func readPEM(path, typ string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(b) > maxKeyFile {
		return nil, fmt.Errorf("%s: larger than %d bytes: not a key file", path, maxKeyFile)
	}
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return nil, fmt.Errorf("%s: no PEM %q block", path, typ)
		}
		if blk.Type == typ {
			return blk.Bytes, nil
		}
	}
}

// MarshalKeys returns the PEM files for a key pair: the private key as PKCS#8, the public key
// as PKIX, the forms LoadSigningKey and LoadVerifyKey read.
func MarshalKeys(priv ed25519.PrivateKey) (private, public []byte, err error) {
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, nil, err
	}
	pub, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), nil
}

// KeyFingerprint names a public key: "sha256:" and the hex SHA-256 of its PKIX encoding
// (the bytes of the PEM file's block), so `openssl pkey -pubin -outform der | sha256sum`
// gives the same digits.
func KeyFingerprint(pub ed25519.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "sha256:?"
	}
	return fmt.Sprintf("sha256:%x", sha256.Sum256(der))
}

func sign(key ed25519.PrivateKey, manifest []byte) ([]byte, error) {
	s := Signature{Algorithm: "ed25519", Key: KeyFingerprint(key.Public().(ed25519.PublicKey)),
		ManifestSHA256: fmt.Sprintf("%x", sha256.Sum256(manifest)), Signature: ed25519.Sign(key, manifest)}
	b, err := json.MarshalIndent(s, "", "  ")
	return append(b, '\n'), err
}

// SignatureState is what a reader found of a bundle's signature.
type SignatureState struct {
	Present  bool   // manifest.sig exists
	Key      string // the fingerprint it names ("" when unreadable)
	Verified bool   // checked against ReaderOptions.VerifyKey and good
	Problem  error  // why it could not be read, or (with a key) why it failed; wraps ErrSignature
}

// checkSignature reads dir's manifest.sig and, with key, verifies it over manifest.
func checkSignature(dir string, manifest []byte, key ed25519.PublicKey, status string) SignatureState {
	var st SignatureState
	f, err := openFile(dir, SignatureName)
	if errors.Is(err, os.ErrNotExist) {
		if key != nil {
			st.Problem = fmt.Errorf("%s: absent: the bundle is not signed: %w", SignatureName, ErrSignature)
		}
		return st
	}
	st.Present = true
	if err != nil {
		st.Problem = fmt.Errorf("%s: %v: %w", SignatureName, err, ErrSignature)
		return st
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSignature+1))
	var s Signature
	switch {
	case err != nil:
		st.Problem = fmt.Errorf("%s: %v: %w", SignatureName, err, ErrSignature)
		return st
	case len(b) > maxSignature:
		st.Problem = fmt.Errorf("%s: larger than %d bytes: %w", SignatureName, maxSignature, ErrSignature)
		return st
	case json.Unmarshal(b, &s) != nil || s.Algorithm != "ed25519" || len(s.Signature) != ed25519.SignatureSize:
		st.Problem = fmt.Errorf("%s: not an ed25519 signature file: %w", SignatureName, ErrSignature)
		return st
	}
	st.Key = s.Key
	if key == nil {
		return st
	}
	if want := KeyFingerprint(key); s.Key != want {
		st.Problem = fmt.Errorf("%s: signed by key %s, the key given is %s: %w", SignatureName, s.Key, want, ErrSignature)
		return st
	}
	if !ed25519.Verify(key, manifest, s.Signature) {
		why := "manifest.json was changed after it was signed"
		if status == StatusRunning && s.ManifestSHA256 != fmt.Sprintf("%x", sha256.Sum256(manifest)) {
			why += ", or the capture was killed between writing the signature and the manifest"
		}
		st.Problem = fmt.Errorf("%s: the signature does not match %s (%s): %w", SignatureName, ManifestName, why, ErrSignature)
		return st
	}
	st.Verified = true
	return st
}

// writeAtomic writes b to dir/name through a synced temporary file and a rename.
func writeAtomic(dir, name string, b []byte) error {
	tmp := filepath.Join(dir, name+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// SignManifest signs dir's manifest.json as it stands, writing manifest.sig: for a bundle
// captured without a key, signed when it is collected. The signature then vouches for the
// bundle from that moment on, not for its capture.
func SignManifest(dir string, key ed25519.PrivateKey) error {
	_, raw, err := readManifest(dir)
	if err != nil {
		return err
	}
	sig, err := sign(key, raw)
	if err != nil {
		return err
	}
	return writeAtomic(dir, SignatureName, sig)
}
