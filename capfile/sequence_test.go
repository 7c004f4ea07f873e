package capfile

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// frameSpans returns the byte ranges [start, end) of a segment's meta+data frame pairs.
func frameSpans(t *testing.T, b []byte) [][2]int {
	t.Helper()
	off := 8 + int(binary.LittleEndian.Uint32(b[4:]))
	var spans [][2]int
	for off < len(b) {
		comp := int(binary.LittleEndian.Uint32(b[off+8:]))
		end := off + 8 + metaSize + comp
		spans = append(spans, [2]int{off, end})
		off = end
	}
	return spans
}

// cutFrame removes frame i (from 0) of dir's first event segment and forges the manifest's
// size and SHA-256 to match; with fixCounts it forges the frame and record counts too.
func cutFrame(t *testing.T, dir string, i int, fixCounts bool) {
	t.Helper()
	name := "events-000001.zst"
	p := filepath.Join(dir, name)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	spans := frameSpans(t, b)
	if len(spans) < i+2 {
		t.Fatalf("%d frames, need more than %d", len(spans), i+1)
	}
	cut := spans[i]
	recs := binary.LittleEndian.Uint32(b[cut[0]+16:])
	b = append(b[:cut[0]:cut[0]], b[cut[1]:]...)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	editManifest(t, dir, func(m *Manifest) {
		for j := range m.Files {
			if m.Files[j].Name == name {
				m.Files[j].Size = int64(len(b))
				m.Files[j].SHA256 = fmt.Sprintf("%x", sha256.Sum256(b))
				if fixCounts {
					m.Files[j].Frames--
					m.Files[j].Records -= uint64(recs)
				}
			}
		}
	})
}

func problemsAfterReading(t *testing.T, dir string) []Problem {
	t.Helper()
	b, err := Open(dir, ReaderOptions{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if _, err := readAll(t, b); err != nil {
		t.Fatal(err)
	}
	return b.Problems()
}

func integrityProblem(ps []Problem, text string) bool {
	for _, p := range ps {
		if errors.Is(p.Err, ErrIntegrity) && strings.Contains(p.Err.Error(), text) {
			return true
		}
	}
	return false
}

func TestFrameCutOutIsReported(t *testing.T) {
	opts := WriterOptions{FlushBytes: 4 << 10}
	t.Run("counts left as written", func(t *testing.T) {
		dir, _ := writeBundle(t, 2000, opts)
		cutFrame(t, dir, 2, false)
		ps := problemsAfterReading(t, dir)
		if !integrityProblem(ps, "frame sequence jumps from 2 to 4: 1 frames missing") {
			t.Errorf("no sequence gap reported: %v", ps)
		}
		if !integrityProblem(ps, "manifest says") {
			t.Errorf("no count mismatch reported: %v", ps)
		}
	})
	t.Run("counts forged too", func(t *testing.T) {
		dir, _ := writeBundle(t, 2000, opts)
		cutFrame(t, dir, 0, true)
		ps := problemsAfterReading(t, dir)
		if !integrityProblem(ps, "frame sequence jumps from 0 to 2") {
			t.Errorf("no sequence gap reported: %v", ps)
		}
	})
	t.Run("untouched", func(t *testing.T) {
		dir, _ := writeBundle(t, 2000, opts)
		if ps := problemsAfterReading(t, dir); len(ps) != 0 {
			t.Errorf("problems in an untouched bundle: %v", ps)
		}
	})
}

func TestFrameCountsAgainstManifest(t *testing.T) {
	dir, _ := writeBundle(t, 2000, WriterOptions{FlushBytes: 4 << 10})
	editManifest(t, dir, func(m *Manifest) { m.Files[0].Records += 7 })
	if ps := problemsAfterReading(t, dir); !integrityProblem(ps, "manifest says") {
		t.Errorf("a manifest counting 7 records more than the file holds: %v", ps)
	}
}

func TestFrameSequenceInDataFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bundle")
	w, err := Create(dir, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := w.CreateDataFile("dns", ".pcapng")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		fmt.Fprintf(d, "block %d\n", i)
		if err := d.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	name := d.Name()
	p := filepath.Join(dir, name)
	raw, _ := os.ReadFile(p)
	spans := frameSpans(t, raw)
	raw = append(raw[:spans[1][0]:spans[1][0]], raw[spans[1][1]:]...)
	os.WriteFile(p, raw, 0o600)
	editManifest(t, dir, func(m *Manifest) {
		for j := range m.Files {
			if m.Files[j].Name == name {
				m.Files[j].Size, m.Files[j].SHA256, m.Files[j].Frames = int64(len(raw)), fmt.Sprintf("%x", sha256.Sum256(raw)), 4
			}
		}
	})
	b, err := Open(dir, ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := b.OpenData(name)
	if err != nil {
		t.Fatal(err)
	}
	gotb, _ := io.ReadAll(rc)
	got := string(gotb)
	if strings.Contains(got, "block 1") || !strings.Contains(got, "block 4") {
		t.Fatalf("content after the cut: %q", got)
	}
	if !integrityProblem(b.Problems(), "frame sequence jumps from 1 to 3") {
		t.Errorf("cut DNS frame not reported: %v", b.Problems())
	}
}
