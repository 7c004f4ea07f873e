package capfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// WriteSampleBundle writes a bundle keeping data as a sample and returns its hash.
func writeSampleBundle(t *testing.T, dir string, data []byte) string {
	t.Helper()
	w, err := Create(dir, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])
	for range 2 { // the second copy is not kept twice
		f, err := w.SampleTemp()
		if err != nil {
			t.Fatal(err)
		}
		f.Write(data)
		f.Close()
		if _, err := w.KeepSample(f.Name(), Sample{SHA256: sha, Size: int64(len(data)), Path: "/tmp/xmrig", Reason: "name: xmrig"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return sha
}

// TestSampleTampered: a kept sample reads back checked; one altered afterwards fails the
// bundle's verification like any tampered data file, and its copy fails too.
func TestSampleTampered(t *testing.T) {
	dir := t.TempDir()
	data := bytes.Repeat([]byte("\x7fELF miner "), 1000)
	sha := writeSampleBundle(t, dir, data)
	b, err := Open(dir, ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Manifest.Samples) != 1 {
		t.Fatalf("samples %+v", b.Manifest.Samples)
	}
	ents, _ := os.ReadDir(filepath.Join(dir, SamplesDir))
	if len(ents) != 1 || ents[0].Name() != sha {
		t.Errorf("files/ holds %v", ents)
	}
	var out bytes.Buffer
	if err := b.CopySample(sha, &out); err != nil || !bytes.Equal(out.Bytes(), data) {
		t.Fatalf("copy: %v, %d bytes", err, out.Len())
	}
	if err := b.CopySample(sha[:63]+"0", &out); !errors.Is(err, ErrNoSample) {
		t.Errorf("unknown sample: %v", err)
	}

	path := filepath.Join(dir, SamplesDir, sha)
	data[100] ^= 1
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, ReaderOptions{}); !errors.Is(err, ErrIntegrity) {
		t.Errorf("open with a tampered sample: %v", err)
	}
	b, err = Open(dir, ReaderOptions{NoVerify: true})
	if err != nil || b.Verified || len(b.Problems()) == 0 {
		t.Fatalf("open --no-verify: %v, verified %v, problems %v", err, b.Verified, b.Problems())
	}
	if err := b.CopySample(sha, &out); !errors.Is(err, ErrIntegrity) {
		t.Errorf("copy of a tampered sample: %v", err)
	}
	os.Remove(path)
	if _, err := Open(dir, ReaderOptions{}); !errors.Is(err, ErrIntegrity) {
		t.Errorf("open with a missing sample: %v", err)
	}
}

// TestExecutablesRecords: executable records written to a data file read back in order;
// records of other types and versions are skipped.
func TestExecutablesRecords(t *testing.T) {
	dir := t.TempDir()
	w, err := Create(dir, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	df, err := w.CreateDataFile(ExeKind, ".rec")
	if err != nil {
		t.Fatal(err)
	}
	xs := []Executable{
		{PID: 10, TS: 5, Path: "/usr/bin/sleep", SHA256: "4add4bb89d8ca0e3b1bd861130ddd7ae0fd9617a8055de0a38c8d2ca1ac95723", Size: 35336, Ino: 7, Mtime: 1, Ctime: 2},
		{PID: 11, TS: 6, Error: "process gone before its executable could be read"},
	}
	df.WriteRecord(Record{Type: RecExe, Version: ExeVersion, TS: xs[0].TS, Payload: AppendExe(nil, &xs[0])})
	df.WriteRecord(Record{Type: RecExe, Version: ExeVersion + 1, TS: 1, Payload: []byte("{}")})
	df.WriteRecord(Record{Type: RecStats, Version: 1, TS: 1, Payload: []byte("{}")})
	df.WriteRecord(Record{Type: RecExe, Version: ExeVersion, TS: xs[1].TS, Payload: AppendExe(nil, &xs[1])})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := Open(dir, ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []Executable
	b.Executables(func(x *Executable) { got = append(got, *x) })
	if len(got) != 2 || got[0] != xs[0] || got[1] != xs[1] {
		t.Errorf("got %+v", got)
	}
}

func FuzzDecodeExe(f *testing.F) {
	f.Add([]byte(`{"pid":1,"ts":2,"sha256":"4add4bb89d8ca0e3b1bd861130ddd7ae0fd9617a8055de0a38c8d2ca1ac95723","size":3}`))
	f.Add([]byte(`{"pid":1,"error":"too large"}`))
	f.Add([]byte(`{"sha256":"XYZ"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var x Executable
		if err := DecodeExe(ExeVersion, b, &x); err == nil && x.SHA256 != "" && !IsSHA256(x.SHA256) {
			t.Errorf("accepted sha256 %q", x.SHA256)
		}
	})
}
