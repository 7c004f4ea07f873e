package analyze

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"testing"
)

func TestZZTmpByRule(t *testing.T) {
	dir := os.Getenv("ZZDIR")
	if dir == "" {
		t.Skip()
	}
	if _, err := os.Stat(dir); err != nil {
		if err := writeCaptureMix(dir, 1_000_000, 1); err != nil {
			t.Fatal(err)
		}
	}
	a, err := NewAnalyzer(Options{Rules: loadBenchRules(t)})
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	var recs int
	a.opts.Hooks = Hooks{
		Process: func(r *ProcessRecord) { recs++; b, _ := json.Marshal(r); h.Write(b) },
		Conn:    func(r *ConnRecord) { recs++; b, _ := json.Marshal(r); h.Write(b) },
		File:    func(r *FileRecord) { recs++; b, _ := json.Marshal(r); h.Write(b) },
	}
	res, f, err := analyzeBundleHash(a, dir, h)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("events %d findings %d recs %d state %+v sha %x", res.Events, f, recs, res.State, h.Sum(nil))
}

func analyzeBundleHash(a *Analyzer, dir string, h interface{ Write([]byte) (int, error) }) (*Result, int, error) {
	var n int
	res, _, err := analyzeBundleWith(a, dir, func(f *Finding) error {
		n++
		b, err := json.Marshal(f)
		fmt.Fprintf(h, "%s\n%s\n", f.Text(), b)
		return err
	})
	return res, n, err
}
