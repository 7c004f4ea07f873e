package capfile

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// ErrNoSample: the bundle keeps no file of that SHA-256.
var ErrNoSample = errors.New("no sample of that sha256 in the bundle")

// SampleTemp creates a temporary file (0600) in the bundle's files/ directory, for a copy
// being written while its hash is computed; KeepSample files it under its hash.
func (w *Writer) SampleTemp() (*os.File, error) {
	dir := filepath.Join(w.dir, SamplesDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return os.CreateTemp(dir, ".partial-")
}

// KeepSample renames the temporary file tmp (from SampleTemp, closed) to files/<s.SHA256>
// and lists s in the manifest. A sample already kept is not kept twice: tmp is removed and
// KeepSample returns false.
func (w *Writer) KeepSample(tmp string, s Sample) (bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, x := range w.man.Samples {
		if x.SHA256 == s.SHA256 {
			os.Remove(tmp)
			return false, nil
		}
	}
	if !IsSHA256(s.SHA256) {
		os.Remove(tmp)
		return false, fmt.Errorf("sample %q: not a sha256", s.SHA256)
	}
	if err := os.Rename(tmp, filepath.Join(w.dir, SamplesDir, s.SHA256)); err != nil {
		os.Remove(tmp)
		return false, fmt.Errorf("keep sample: %w", err)
	}
	w.man.Samples = append(w.man.Samples, s)
	return true, nil
}

// Sample returns the manifest entry of the kept file whose SHA-256 is sha, or ErrNoSample.
func (b *Bundle) Sample(sha string) (Sample, error) {
	for _, s := range b.Manifest.Samples {
		if s.SHA256 == sha {
			return s, nil
		}
	}
	return Sample{}, fmt.Errorf("%s: %w", sha, ErrNoSample)
}

// CopySample writes the kept file whose SHA-256 is sha to dst and checks it on the way: a
// file that does not match its name and the manifest is an error wrapping ErrIntegrity (the
// bytes written to dst are then not the sample). ErrNoSample when there is none.
func (b *Bundle) CopySample(sha string, dst io.Writer) error {
	s, err := b.Sample(sha)
	if err != nil {
		return err
	}
	f, err := os.Open(filepath.Join(b.Dir, SamplesDir, s.SHA256))
	if err != nil {
		return fmt.Errorf("sample %s: %w", sha, err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(h, dst), io.LimitReader(f, s.Size+1))
	if err != nil {
		return fmt.Errorf("sample %s: %w", sha, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); n != s.Size || got != s.SHA256 {
		return fmt.Errorf("%s/%s: %d bytes of sha256 %s, manifest says %d bytes: %w", SamplesDir, sha, n, got, s.Size, ErrIntegrity)
	}
	return nil
}

// verifySamples checks every kept file like a data file: a missing, resized or altered
// sample is an integrity failure.
func (b *Bundle) verifySamples(opts ReaderOptions) error {
	for _, s := range b.Manifest.Samples {
		err := b.CopySample(s.SHA256, io.Discard)
		if err == nil {
			continue
		}
		b.Verified = false
		if !opts.NoVerify {
			if errors.Is(err, ErrIntegrity) {
				return fmt.Errorf("%w (use --no-verify to read it anyway)", err)
			}
			return fmt.Errorf("%w: %w", err, ErrIntegrity)
		}
		b.problems = append(b.problems, Problem{File: SamplesDir + "/" + s.SHA256, Err: fmt.Errorf("read unverified: %w", err)})
	}
	return nil
}
